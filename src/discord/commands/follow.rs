//! `/follow`: a moderator makes this channel follow a show (all actions or a
//! list), within the server's follow limit; re-following updates the actions.
//! In a forum or media channel the show's activity goes to its own post
//! there (`forum_follow`). The v1 path is here; the v2 path (resolving what was typed to a Trakt id,
//! the actions v2 offers) is in `follow_v2`, the show autocomplete in `complete`.

use std::time::Duration;

use poise::serenity_prelude as serenity;
use poise::CreateReply;

use super::target::{self, capitalized, describe_delivery, Target};

use super::complete::autocomplete_show;
use super::forum_follow::{self, ForumSetup};
use super::{describe_actions, ids, parse_actions, parse_v1_show, reply_public, trakt_error};
use super::{with_deferral, CommandError, Context};
use crate::clock::unix_now;
use crate::format;
use crate::store::{Delivery, FollowOutcome, NewFollow, StoreError};
use crate::trakt::{Source, TraktClient};

/// Follow a show in this channel: its Trakt activity will be posted here.
#[expect(
    clippy::too_many_arguments,
    reason = "poise turns each parameter into one slash-command option"
)]
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_CHANNELS",
    required_permissions = "MANAGE_CHANNELS"
)]
pub async fn follow(
    ctx: Context<'_>,
    #[description = "Slug (the-walking-dead) or TVDB id (153021); on Trakt API v2 also a Trakt address or IMDb id"]
    #[autocomplete = "autocomplete_show"]
    show: String,
    #[description = "Comma list: watching, scrobble, checkin, seen, collection, rating, watchlist, shout, review, created, item_added (default: all)"]
    actions: Option<String>,
    #[description = "Where to post (default: this channel)"]
    #[channel_types("Text", "News", "PublicThread", "PrivateThread", "NewsThread", "Forum")]
    channel: Option<serenity::PartialChannel>,
    #[description = "A role to mention in posts (default: nobody is pinged)"] ping: Option<
        serenity::Role,
    >,
    #[description = "Comma list of the actions that ping the role (default: all)"] ping_on: Option<
        String,
    >,
    #[description = "Send posts without a ping silently (no notification)"] quiet: Option<bool>,
    #[description = "Announcement channels: publish each post to the servers following it"]
    publish: Option<bool>,
    #[description = "Fold bursts into digests (\"23 people checked in to …\"); false: one embed per activity (default: true)"]
    digest: Option<bool>,
    #[description = "Wait this long (e.g. 2m, at most 15m) after the first post of a burst, to fold more; off: no wait"]
    digest_window: Option<String>,
) -> Result<(), CommandError> {
    let window = parse_digest_window(digest_window.as_deref())?;
    let (guild, _, _) = ids(ctx)?;
    let target = target::target(ctx, channel.as_ref());
    let have = target::check_can_post(ctx, guild, &target).await?;
    let options = target::NotifyOptions {
        ping,
        ping_on,
        quiet,
        publish,
    };
    let delivery = target::delivery(guild, &options, &target, have)?;
    let args = FollowArgs {
        show: &show,
        actions: actions.as_deref(),
        target,
        delivery,
        digest: Digest { on: digest, window },
    };
    match &ctx.data().source {
        Source::V1(client) => follow_v1(ctx, client, args).await,
        Source::V2(v2) => super::follow_v2::follow(ctx, v2, args).await,
    }
}

/// Longest `digest_window`: a burst never waits longer than this.
pub const MAX_DIGEST_WINDOW: Duration = Duration::from_secs(15 * 60);

/// `/follow`'s digest options as given (`None`: a new follow has digests on
/// without a window, a re-follow keeps what it had).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Digest {
    pub on: Option<bool>,
    /// `Some(None)`: clear the window (`digest_window:off`).
    pub window: Option<Option<Duration>>,
}

/// Parse `digest_window` (humantime, 1s to 15m; `off`, `none` or `0` clear
/// it), naming the option when wrong.
pub fn parse_digest_window(input: Option<&str>) -> Result<Option<Option<Duration>>, CommandError> {
    let Some(raw) = input.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if ["off", "none", "0"].contains(&raw.to_ascii_lowercase().as_str()) {
        return Ok(Some(None));
    }
    let bad = || {
        CommandError::User(format!(
            "`digest_window` must be a duration from 1s to 15m, like `30s` or `2m` (or `off`), not `{}`.",
            format::escape_markdown(&raw.chars().take(50).collect::<String>())
        ))
    };
    let d = humantime::parse_duration(raw).map_err(|_| bad())?;
    if d < Duration::from_secs(1) || d > MAX_DIGEST_WINDOW {
        return Err(bad());
    }
    // Whole seconds: the outbox records when an entry was queued to the second.
    Ok(Some(Some(Duration::from_secs(d.as_secs()))))
}

/// The follow stored, then its digest settings when given (a new follow is
/// on without a window; a re-follow without the options keeps them).
pub(super) fn store_follow(
    s: &crate::store::Store,
    follow: NewFollow,
    delivery: Delivery,
    digest: Digest,
    forum: Option<ForumSetup>,
) -> Result<FollowOutcome, StoreError> {
    let (channel, show) = (follow.channel, follow.show.clone());
    if let Some(f) = forum {
        s.set_forum(channel, f.forum)?;
        s.set_forum_post(channel, &show, &f.post)?;
    }
    let outcome = s.follow_with(follow, Some(delivery))?;
    if let Some(on) = digest.on {
        s.set_digest(channel, &show, on)?;
    }
    if let Some(window) = digest.window {
        s.set_digest_window(channel, &show, window)?;
    }
    s.flush()?;
    Ok(outcome)
}

/// What the confirmation adds about digests.
pub(super) fn digest_note(digest: Digest) -> String {
    let mut note = String::new();
    if digest.on == Some(false) {
        note.push_str(" Digests are off: one embed per activity.");
    }
    match digest.window {
        Some(Some(w)) => note.push_str(&format!(
            " A burst waits {} after its first post to fold more.",
            humantime::format_duration(w)
        )),
        Some(None) => note.push_str(" No digest window: posts go out at once."),
        None => {}
    }
    note
}

/// `/follow`'s options once the place and the notifications are checked.
pub(super) struct FollowArgs<'a> {
    pub show: &'a str,
    pub actions: Option<&'a str>,
    pub target: Target,
    pub delivery: Delivery,
    /// `digest:` and `digest_window:` as given.
    pub digest: Digest,
}

async fn follow_v1(
    ctx: Context<'_>,
    client: &TraktClient,
    args: FollowArgs<'_>,
) -> Result<(), CommandError> {
    let digest = args.digest;
    let (guild, _, user) = ids(ctx)?;
    let (show, actions) = (args.show, args.actions);
    let channel = args.target.channel;
    let delivery = args.delivery;
    let show = parse_v1_show(show)?;
    let actions = parse_actions(actions)?;
    let data = ctx.data();
    let wanted = show.clone();
    let (existing, count) = data
        .store
        .blocking(move |s| {
            let existing = s
                .channel_follows(channel)?
                .into_iter()
                .find(|f| f.show == wanted);
            Ok((existing, s.guild_follow_count(guild)?))
        })
        .await?;
    if existing.is_none() && count >= data.limits.max_follows_per_guild {
        return Err(StoreError::LimitReached {
            limit: data.limits.max_follows_per_guild,
        }
        .into());
    }
    let (lookup, deferred) = with_deferral(ctx, client.lookup_show(&show)).await?;
    let info = lookup.map_err(|e| trakt_error(&show, e))?;
    // Trakt names the show only when something happened to it lately: a
    // re-follow keeps the title it had rather than falling back to the slug.
    let title = info
        .title
        .clone()
        .or_else(|| existing.map(|s| s.title))
        .unwrap_or_else(|| show.to_string());
    let forum = forum_follow::prepare(ctx, &args.target, &show, &title).await?;
    let follow = NewFollow {
        guild,
        channel,
        show: show.clone(),
        title: title.clone(),
        slug: None,
        actions,
        created_by: user,
        now: unix_now(),
        start_watermark: Some(info.current),
        max_per_guild: data.limits.max_follows_per_guild,
    };
    // A confirmed follow must survive a crash: flushed before the reply.
    let outcome = data
        .store
        .blocking(move |s| store_follow(s, follow, delivery, digest, forum))
        .await?;
    let shown = format::escape_markdown(&title);
    let (place, notes) = (args.target.place(), describe_delivery(&delivery));
    let mut text = match outcome {
        FollowOutcome::Created => format!(
            "📺 {} now follows **{shown}** (`{show}`) for {}{notes}.",
            capitalized(&place),
            describe_actions(actions)
        ),
        FollowOutcome::Updated { previous } => format!(
            "📺 Updated: {place} follows **{shown}** (`{show}`) for {}{notes} (was: {}).",
            describe_actions(actions),
            describe_actions(previous)
        ),
    };
    text.push_str(&digest_note(digest));
    if let Some(f) = forum {
        text.push_str(&format!(" Posts go to <#{}>.", f.post.thread));
    }
    reply_public(ctx, deferred, CreateReply::default().content(text)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_window_forms_and_bounds() {
        assert_eq!(parse_digest_window(None).expect("absent"), None);
        assert_eq!(parse_digest_window(Some(" ")).expect("blank"), None);
        assert_eq!(
            parse_digest_window(Some("2m")).expect("2m"),
            Some(Some(Duration::from_secs(120)))
        );
        assert_eq!(
            parse_digest_window(Some("15m")).expect("15m"),
            Some(Some(MAX_DIGEST_WINDOW))
        );
        assert_eq!(parse_digest_window(Some("off")).expect("off"), Some(None));
        assert_eq!(parse_digest_window(Some("0")).expect("0"), Some(None));
        for bad in ["16m", "500ms", "soon", "1h"] {
            let err = parse_digest_window(Some(bad)).expect_err(bad).to_string();
            assert!(
                err.contains("`digest_window`") && err.contains(bad),
                "{err}"
            );
        }
    }

    #[test]
    fn the_confirmation_says_what_the_digest_options_did() {
        assert_eq!(digest_note(Digest::default()), "");
        let note = digest_note(Digest {
            on: None,
            window: Some(Some(Duration::from_secs(120))),
        });
        assert_eq!(note, " A burst waits 2m after its first post to fold more.");
        assert!(digest_note(Digest {
            on: Some(false),
            window: Some(None)
        })
        .contains("Digests are off"));
    }
}
