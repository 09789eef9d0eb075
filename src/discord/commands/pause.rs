//! `/pause`: a moderator stops a follow of this channel (a show or a Trakt
//! user) for now, without deleting it: it is neither polled nor posted, and
//! its pending posts are dropped. `/resume` starts it again. `follow`
//! autocompletes from the channel's follows of both kinds, as `/unfollow`
//! does.

use poise::serenity_prelude as serenity;
use poise::CreateReply;

use super::follow_user::name_of;
use super::kinds::{pick, Picked};
use super::matching::handle;
use super::unfollow::autocomplete_followed;
use super::{ids, CommandError, Context};
use crate::clock::unix_now;
use crate::format;
use crate::ids::ChannelId;
use crate::store::{SubState, Subscription, UserSub};

/// Pause a follow (show or Trakt user) of this channel (nothing is posted until /resume).
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_CHANNELS",
    required_permissions = "MANAGE_CHANNELS"
)]
pub async fn pause(
    ctx: Context<'_>,
    #[description = "A show or Trakt user this channel follows"]
    #[autocomplete = "autocomplete_followed"]
    follow: String,
    #[description = "The channel whose follow it is (default: this channel)"]
    #[channel_types("Text", "News", "PublicThread", "PrivateThread", "NewsThread", "Forum")]
    channel: Option<serenity::PartialChannel>,
) -> Result<(), CommandError> {
    ids(ctx)?;
    let target = super::target::target(ctx, channel.as_ref());
    let (channel, place) = (target.channel, target.place());
    let store = &ctx.data().store;
    let (shows, users) = store
        .blocking(move |s| s.channel_follows_both(channel))
        .await?;
    let before = match pick(&shows, &users, &follow) {
        Some(Picked::Show(sub)) => sub.clone(),
        Some(Picked::User(u)) => return pause_user(ctx, channel, u.clone(), &follow, &place).await,
        None => return Err(not_followed(&follow, &place)),
    };
    let target = before.show.clone();
    let now = unix_now();
    let after = store
        .blocking(move |s| {
            let after = s.pause(channel, &target, now)?;
            if after.is_some() {
                s.flush()?;
            }
            Ok(after)
        })
        .await?;
    let Some(after) = after else {
        return Err(not_followed(&follow, &place));
    };
    ctx.send(CreateReply::default().content(paused_text(&before, &after, &place)))
        .await?;
    Ok(())
}

/// `/pause` on a user follow.
async fn pause_user(
    ctx: Context<'_>,
    channel: ChannelId,
    before: UserSub,
    typed: &str,
    place: &str,
) -> Result<(), CommandError> {
    let user = before.user.clone();
    let now = unix_now();
    let after = ctx
        .data()
        .store
        .blocking(move |s| {
            let after = s.pause_user(channel, &user, now)?;
            if after.is_some() {
                s.flush()?;
            }
            Ok(after)
        })
        .await?;
    let Some(after) = after else {
        return Err(not_followed(typed, place));
    };
    let text = paused_state_text(&name_of(&after.profile, &after.user), &before.state, place);
    ctx.send(CreateReply::default().content(text)).await?;
    Ok(())
}

/// What `/pause` answers, from the subscription before and after; `place`
/// is "this channel" or the channel's mention ([`super::target::Target::place`]).
fn paused_text(before: &Subscription, after: &Subscription, place: &str) -> String {
    paused_state_text(&shown(after), &before.state, place)
}

/// What `/pause` answers for the follow `shown`, whose state was `before`.
fn paused_state_text(shown: &str, before: &SubState, place: &str) -> String {
    match *before {
        SubState::Paused { since } => {
            format!("{shown} is already paused in {place} (since <t:{since}:R>). /resume starts it again.")
        }
        _ => format!(
            "⏸️ Paused {shown} in {place}: nothing is posted for it until /resume (pending posts were dropped)."
        ),
    }
}

/// `**Title** (`slug`)`, escaped.
pub(super) fn shown(sub: &Subscription) -> String {
    format!(
        "**{}** (`{}`)",
        format::escape_markdown(&sub.title),
        handle(sub)
    )
}

/// The answer for a show the channel (`place`) does not follow.
pub(super) fn not_followed(typed: &str, place: &str) -> CommandError {
    let typed: String = typed.trim().chars().take(100).collect();
    CommandError::User(format!(
        "{} does not follow `{}`. /follows lists what it follows.",
        super::target::capitalized(place),
        format::escape_markdown(&typed).replace('`', "'")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{ChannelId, GuildId, UserId};
    use crate::trakt::{ActionSet, ShowRef};

    fn sub(state: SubState) -> Subscription {
        Subscription {
            slug: None,
            guild: GuildId(1),
            channel: ChannelId(2),
            show: ShowRef::parse("lost").expect("slug"),
            title: "Lost *2004*".to_owned(),
            actions: ActionSet::all(),
            created_by: UserId(3),
            created_at: 0,
            state,
            since: None,
            delivery: Default::default(),
            digest: true,
            digest_window: None,
        }
    }

    #[test]
    fn the_answer_says_what_changed() {
        let paused = sub(SubState::Paused { since: 7 });
        let text = paused_text(&sub(SubState::Active), &paused, "this channel");
        assert!(
            text.starts_with("⏸️ Paused **Lost \\*2004\\*** (`lost`)"),
            "{text}"
        );
        assert!(text.contains("/resume"), "{text}");
        let text = paused_text(&paused, &paused, "this channel");
        assert!(
            text.contains("already paused") && text.contains("<t:7:R>"),
            "{text}"
        );
    }

    #[test]
    fn the_answers_name_the_channel_the_option_named() {
        let paused = sub(SubState::Paused { since: 7 });
        let text = paused_text(&sub(SubState::Active), &paused, "<#42>");
        assert!(text.contains("in <#42>:"), "{text}");
        assert!(!text.contains("this channel"), "{text}");
        let text = paused_text(&paused, &paused, "<#42>");
        assert!(text.contains("already paused in <#42>"), "{text}");
        let e = not_followed("lost", "<#42>").to_string();
        assert!(e.starts_with("<#42> does not follow `lost`"), "{e}");
        let e = not_followed("lost", "this channel").to_string();
        assert!(e.starts_with("This channel does not follow"), "{e}");
    }
}
