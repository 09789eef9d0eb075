//! `/unfollow`: a moderator stops this channel following a show, named by
//! its slug, title, pasted address or stored form (`trakt:1393`), or a
//! Trakt user (`kinds`: then it is `/unfollow-user`'s code path), matched
//! against the channel's follows without asking Trakt; the option
//! autocompletes from the channel's follows of both kinds.

use poise::serenity_prelude as serenity;
use poise::CreateReply;

use super::kinds::{pick, Picked};
use super::matching::handle;
use super::{ids, parse_show, CommandError, Context};
use crate::format;
use crate::store::Subscription;
use crate::trakt::Source;

/// A show or user follow of the channel (both kinds, labelled: `kinds`).
pub(super) async fn autocomplete_followed(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    super::kinds::autocomplete_any_follow(ctx, partial).await
}

/// Discord shows at most this many autocomplete choices.
const MAX_CHOICES: usize = 25;
/// Discord's limit on a choice's name and value.
const MAX_CHOICE_CHARS: usize = 100;

/// The show follows matching what the user typed (case-insensitive, slug or
/// title) as (label, value): those that start with it first, then those
/// that contain it, each group in the store's order; at most [`MAX_CHOICES`].
pub(super) fn show_choices(follows: &[Subscription], typed: &str) -> Vec<(String, String)> {
    let typed = typed.trim().to_lowercase();
    let rank = |s: &Subscription| {
        let slug = handle(s);
        let title = s.title.to_lowercase();
        if slug.starts_with(&typed) || title.starts_with(&typed) {
            Some(0)
        } else if slug.contains(&typed) || title.contains(&typed) {
            Some(1)
        } else {
            None
        }
    };
    let mut ranked: Vec<(u8, &Subscription)> = follows
        .iter()
        .filter_map(|s| rank(s).map(|r| (r, s)))
        .collect();
    ranked.sort_by_key(|(r, _)| *r); // stable: store order within a rank
    ranked
        .into_iter()
        .take(MAX_CHOICES)
        .map(|(_, s)| {
            let slug = handle(s);
            let label = if s.title == slug {
                slug.clone()
            } else {
                format!("{} ({slug})", s.title)
            };
            let label: String = label.chars().take(MAX_CHOICE_CHARS).collect();
            (label, slug)
        })
        .collect()
}

/// Stop following a show or a Trakt user in this channel.
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_CHANNELS",
    required_permissions = "MANAGE_CHANNELS"
)]
pub async fn unfollow(
    ctx: Context<'_>,
    #[description = "A show or Trakt user this channel follows"]
    #[autocomplete = "autocomplete_followed"]
    show: String,
    #[description = "The channel whose follow it is (default: this channel)"]
    #[channel_types("Text", "News", "PublicThread", "PrivateThread", "NewsThread", "Forum")]
    channel: Option<serenity::PartialChannel>,
) -> Result<(), CommandError> {
    ids(ctx)?;
    let target = super::target::target(ctx, channel.as_ref());
    let (channel, place) = (target.channel, target.place());
    let typed = show;
    let (shows, users) = ctx
        .data()
        .store
        .blocking(move |s| s.channel_follows_both(channel))
        .await?;
    let show = match pick(&shows, &users, &typed) {
        Some(Picked::Show(sub)) => sub.show.clone(),
        Some(Picked::User(u)) => {
            return super::follow_user::unfollow_in(ctx, channel, u.user.clone(), &place).await
        }
        None => return Err(not_followed(&ctx.data().source, &typed, &place)),
    };
    let removed = ctx
        .data()
        .store
        .blocking(move |s| {
            let removed = s.unfollow(channel, &show)?;
            if removed.is_some() {
                s.flush()?;
            }
            Ok(removed)
        })
        .await?;
    match removed {
        Some(sub) => {
            let text = unfollowed_text(&sub, &place);
            ctx.send(CreateReply::default().content(text)).await?;
            Ok(())
        }
        None => Err(not_followed(&ctx.data().source, &typed, &place)),
    }
}

/// What `/unfollow` answers; `place` is "this channel" or the channel's mention.
fn unfollowed_text(sub: &Subscription, place: &str) -> String {
    format!(
        "{} no longer follows **{}** (`{}`).",
        super::target::capitalized(place),
        format::escape_markdown(&sub.title),
        handle(sub)
    )
}

/// The answer when nothing matched: on v1 a malformed show says what is
/// wrong with it (as v1 always did); otherwise what was typed is named.
fn not_followed(source: &Source, typed: &str, place: &str) -> CommandError {
    let shown = match source {
        Source::V1(_) => match parse_show(typed) {
            Ok(show) => format!("`{show}`"),
            Err(e) => return e,
        },
        Source::V2(_) => format!(
            "“{}”",
            format::escape_markdown(&typed.trim().chars().take(100).collect::<String>())
        ),
    };
    CommandError::User(format!(
        "{} does not follow {shown}. /follows lists what it follows.",
        super::target::capitalized(place)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{GuildId, UserId};
    use crate::store::SubState;
    use crate::trakt::{ActionSet, ShowRef};

    fn sub(slug: &str, title: &str) -> Subscription {
        Subscription {
            slug: None,
            guild: GuildId(1),
            channel: crate::ids::ChannelId(2),
            show: ShowRef::parse(slug).expect("slug"),
            title: title.to_owned(),
            actions: ActionSet::all(),
            created_by: UserId(3),
            created_at: 0,
            state: SubState::Active,
            since: None,
            delivery: Default::default(),
            digest: true,
            digest_window: None,
        }
    }

    fn values(choices: &[(String, String)]) -> Vec<String> {
        choices.iter().map(|c| format!("{:?}", c.1)).collect()
    }

    #[test]
    fn the_answer_names_the_channel_the_option_named() {
        let text = unfollowed_text(&sub("lost", "Lost"), "<#42>");
        assert_eq!(text, "<#42> no longer follows **Lost** (`lost`).");
        let text = unfollowed_text(&sub("lost", "Lost"), "this channel");
        assert!(text.starts_with("This channel no longer follows"), "{text}");
    }

    #[test]
    fn choices_rank_prefix_matches_first_and_stop_at_25() {
        let follows = vec![
            sub("fear-the-walking-dead", "Fear the Walking Dead"),
            sub("the-walking-dead", "The Walking Dead"),
            sub("lost", "lost"),
        ];
        let got = show_choices(&follows, " The ");
        assert_eq!(
            values(&got),
            ["\"the-walking-dead\"", "\"fear-the-walking-dead\""]
        );
        let names: Vec<String> = show_choices(&follows, "lo")
            .iter()
            .map(|c| format!("{:?}", c.0))
            .collect();
        assert_eq!(names, ["\"lost\""], "no repeated slug when it is the title");
        let many: Vec<Subscription> = (0..40).map(|i| sub(&format!("s-{i}"), "x")).collect();
        assert_eq!(show_choices(&many, "").len(), MAX_CHOICES);
        let long = sub("a", &"t".repeat(300));
        let name = show_choices(&[long], "")[0].0.chars().count();
        assert_eq!(name, MAX_CHOICE_CHARS);
    }
}
