//! `/resume`: a moderator starts a paused (or disabled) follow of this
//! channel again (a show or a Trakt user), from Trakt's clock now: nothing
//! from the pause is posted. A user follow is resumed only while the
//! profile is public: it is read once (its `Date` is the clock), and a
//! private, deleted, unknown or locked profile gets `/follow-user`'s
//! private answers, nothing changed.

use poise::serenity_prelude as serenity;
use poise::CreateReply;

use super::follow_user::{check_profile, name_of, profile_error};
use super::kinds::{pick, Picked};
use super::pause::{not_followed, shown};
use super::unfollow::autocomplete_followed;
use super::{ids, reply_public, with_deferral, CommandError, Context};
use crate::ids::ChannelId;
use crate::store::{SubState, UserSub};
use crate::trakt::v2::V2Error;
use crate::trakt::{ShowRef, Source, TraktTime};

/// Resume a paused follow of this channel, from now on.
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_CHANNELS",
    required_permissions = "MANAGE_CHANNELS"
)]
pub async fn resume(
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
    let data = ctx.data();
    let (shows, users) = data
        .store
        .blocking(move |s| s.channel_follows_both(channel))
        .await?;
    let existing = match pick(&shows, &users, &follow) {
        Some(Picked::Show(sub)) => sub.clone(),
        Some(Picked::User(u)) => {
            return resume_user(ctx, channel, u.clone(), &follow, &place).await
        }
        None => return Err(not_followed(&follow, &place)),
    };
    let show = existing.show.clone();
    if existing.state.is_active() {
        let text = format!(
            "{} is not paused in {place}: it is already posted.",
            shown(&existing)
        );
        ctx.send(CreateReply::default().content(text).ephemeral(true))
            .await?;
        return Ok(());
    }
    let (at, deferred) = with_deferral(ctx, trakt_now(&data.source, &show)).await?;
    let target = show.clone();
    let resumed = data
        .store
        .blocking(move |s| {
            let resumed = s.resume_from(channel, &target, at)?;
            s.flush()?;
            Ok(resumed)
        })
        .await?;
    let Some(resumed) = resumed else {
        // Unfollowed meanwhile.
        return Err(not_followed(&follow, &place));
    };
    let text = resumed_text(&shown(&resumed), &existing.state, at.is_some(), &place);
    reply_public(ctx, deferred, CreateReply::default().content(text)).await
}

/// `/resume` on a user follow.
async fn resume_user(
    ctx: Context<'_>,
    channel: ChannelId,
    existing: UserSub,
    typed: &str,
    place: &str,
) -> Result<(), CommandError> {
    let shown = name_of(&existing.profile, &existing.user);
    if existing.state.is_active() {
        let text = format!("{shown} is not paused in {place}: it is already posted.");
        ctx.send(CreateReply::default().content(text).ephemeral(true))
            .await?;
        return Ok(());
    }
    let Source::V2(v2) = &ctx.data().source else {
        return Err(CommandError::user(
            "Following a Trakt user needs Trakt API v2 (trakt.api = \"v2\"); this bot reads v1.",
        ));
    };
    let slug = existing.user.clone();
    let (read, deferred) = with_deferral(ctx, v2.client.user_profile(&slug.0)).await?;
    let at = match read {
        Ok(fetched) => {
            check_profile(&slug, &fetched.value)?;
            fetched.meta.date.map(crate::trakt::v2::map::time)
        }
        Err(e @ (V2Error::PrivateUser | V2Error::NotFound | V2Error::Locked)) => {
            return Err(profile_error(&slug, e))
        }
        Err(e) => {
            tracing::warn!(user = %slug, error = %e, "/resume: cannot read Trakt's clock");
            None
        }
    };
    let resumed = ctx
        .data()
        .store
        .blocking(move |s| {
            let resumed = s.resume_user_from(channel, &slug, at)?;
            s.flush()?;
            Ok(resumed)
        })
        .await?;
    if resumed.is_none() {
        return Err(not_followed(typed, place));
    }
    let mut text = resumed_text(&shown, &SubState::Active, at.is_some(), place);
    if let SubState::Disabled { reason, .. } = &existing.state {
        text.push_str(&format!(" (It was disabled: {reason}.)"));
    }
    reply_public(ctx, deferred, CreateReply::default().content(text)).await
}

/// What `/resume` answers: `was` is the state before, `clock` whether
/// Trakt's clock could be read, `place` where ("this channel" or its mention).
fn resumed_text(shown: &str, was: &SubState, clock: bool, place: &str) -> String {
    let mut text = format!("▶️ Resumed {shown} in {place}: activity from now on is posted.");
    if matches!(was, SubState::Disabled { .. }) {
        text.push_str(&format!(
            " (It was disabled: check that I can still post in {place}.)"
        ));
    }
    if !clock {
        text.push_str(
            " Trakt is not answering right now, so I could not read its clock: posting picks up with the next successful poll.",
        );
    }
    text
}

/// Trakt's clock now (v1: `timestamps.current` of a lookup of the show, as
/// `/follow` reads it; v2: the `Date` of the show's summary, a cheap
/// request), or `None` when Trakt does not answer.
async fn trakt_now(source: &Source, show: &ShowRef) -> Option<TraktTime> {
    let result = match source {
        Source::V1(client) => client
            .lookup_show(show)
            .await
            .map(|info| Some(info.current))
            .map_err(|e| e.to_string()),
        Source::V2(v2) => v2
            .client
            .show_summary(&show.as_segment(), false)
            .await
            .map(|fetched| fetched.meta.date.map(crate::trakt::v2::map::time))
            .map_err(|e| e.to_string()),
    };
    result.unwrap_or_else(|error| {
        tracing::warn!(%show, %error, "/resume: cannot read Trakt's clock");
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_says_when_trakts_clock_was_unknown() {
        let text = resumed_text(
            "**Lost**",
            &SubState::Paused { since: 1 },
            true,
            "this channel",
        );
        assert!(text.starts_with("▶️ Resumed **Lost**"), "{text}");
        assert!(!text.contains("Trakt is not answering"), "{text}");
        let text = resumed_text(
            "**Lost**",
            &SubState::Paused { since: 1 },
            false,
            "this channel",
        );
        assert!(text.contains("Trakt is not answering"), "{text}");
        let disabled = SubState::Disabled {
            reason: "r".into(),
            since: 1,
        };
        assert!(resumed_text("x", &disabled, true, "this channel").contains("was disabled"));
    }

    #[test]
    fn the_answer_names_the_channel_the_option_named() {
        let disabled = SubState::Disabled {
            reason: "r".into(),
            since: 1,
        };
        let text = resumed_text("**Lost**", &disabled, true, "<#42>");
        assert!(text.starts_with("▶️ Resumed **Lost** in <#42>:"), "{text}");
        assert!(text.contains("still post in <#42>"), "{text}");
        assert!(
            !text.contains("this channel") && !text.contains("here"),
            "{text}"
        );
    }
}
