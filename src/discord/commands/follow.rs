//! `/follow`: a moderator makes this channel follow a show (all actions or a
//! list), within the server's follow limit; re-following updates the actions.
//! The v1 path is here; the v2 path (resolving what was typed to a Trakt id,
//! the actions v2 offers) is in `follow_v2`, the show autocomplete in `complete`.

use poise::CreateReply;

use super::complete::autocomplete_show;
use super::{describe_actions, ids, parse_actions, parse_v1_show, reply_public, trakt_error};
use super::{with_deferral, CommandError, Context};
use crate::clock::unix_now;
use crate::format;
use crate::store::{FollowOutcome, NewFollow, StoreError};
use crate::trakt::{Source, TraktClient};

/// Follow a show in this channel: its Trakt activity will be posted here.
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
    #[description = "Fold bursts into digests (\"23 people checked in to …\"); false: one embed per activity (default: true)"]
    digest: Option<bool>,
) -> Result<(), CommandError> {
    let actions = actions.as_deref();
    match &ctx.data().source {
        Source::V1(client) => follow_v1(ctx, client, &show, actions, digest).await,
        Source::V2(v2) => super::follow_v2::follow(ctx, v2, &show, actions, digest).await,
    }
}

/// The follow stored, then its digest switch when one was given (a new
/// follow is on; a re-follow without the option keeps its switch).
pub(super) fn store_follow(
    s: &crate::store::Store,
    follow: NewFollow,
    digest: Option<bool>,
) -> Result<FollowOutcome, StoreError> {
    let (channel, show) = (follow.channel, follow.show.clone());
    let outcome = s.follow(follow)?;
    if let Some(on) = digest {
        s.set_digest(channel, &show, on)?;
    }
    s.flush()?;
    Ok(outcome)
}

/// What the confirmation adds about digests.
pub(super) fn digest_note(digest: Option<bool>) -> &'static str {
    match digest {
        Some(false) => " Digests are off: one embed per activity.",
        _ => "",
    }
}

async fn follow_v1(
    ctx: Context<'_>,
    client: &TraktClient,
    show: &str,
    actions: Option<&str>,
    digest: Option<bool>,
) -> Result<(), CommandError> {
    let (guild, channel, user) = ids(ctx)?;
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
        .blocking(move |s| store_follow(s, follow, digest))
        .await?;
    let shown = format::escape_markdown(&title);
    let mut text = match outcome {
        FollowOutcome::Created => format!(
            "📺 This channel now follows **{shown}** (`{show}`) for {}.",
            describe_actions(actions)
        ),
        FollowOutcome::Updated { previous } => format!(
            "📺 Updated: this channel follows **{shown}** (`{show}`) for {} (was: {}).",
            describe_actions(actions),
            describe_actions(previous)
        ),
    };
    text.push_str(digest_note(digest));
    reply_public(ctx, deferred, CreateReply::default().content(text)).await
}
