//! `/follow`: a moderator makes this channel follow a show (all actions or a
//! list), within the server's follow limit; re-following updates the actions.
//! In a forum or media channel the show's activity goes to its own post
//! there (`forum_follow`). The v1 path is here; the v2 path (resolving what was typed to a Trakt id,
//! the actions v2 offers) is in `follow_v2`, the show autocomplete in `complete`.

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
) -> Result<(), CommandError> {
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
        digest,
    };
    match &ctx.data().source {
        Source::V1(client) => follow_v1(ctx, client, args).await,
        Source::V2(v2) => super::follow_v2::follow(ctx, v2, args).await,
    }
}

/// The follow stored, then its digest switch when one was given (a new
/// follow is on; a re-follow without the option keeps its switch).
pub(super) fn store_follow(
    s: &crate::store::Store,
    follow: NewFollow,
    delivery: Delivery,
    digest: Option<bool>,
    forum: Option<ForumSetup>,
) -> Result<FollowOutcome, StoreError> {
    let (channel, show) = (follow.channel, follow.show.clone());
    if let Some(f) = forum {
        s.set_forum(channel, f.forum)?;
        s.set_forum_post(channel, &show, &f.post)?;
    }
    let outcome = s.follow_with(follow, Some(delivery))?;
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

/// `/follow`'s options once the place and the notifications are checked.
pub(super) struct FollowArgs<'a> {
    pub show: &'a str,
    pub actions: Option<&'a str>,
    pub target: Target,
    pub delivery: Delivery,
    /// `digest:` as given (`None`: a new follow is on, a re-follow keeps its switch).
    pub digest: Option<bool>,
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
    text.push_str(digest_note(digest));
    if let Some(f) = forum {
        text.push_str(&format!(" Posts go to <#{}>.", f.post.thread));
    }
    reply_public(ctx, deferred, CreateReply::default().content(text)).await
}
