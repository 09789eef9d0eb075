//! `/follow` on Trakt API v2: what was typed (slug, pasted address, IMDb,
//! TVDB, `trakt:N`) is validated without a request, resolved to the show's
//! Trakt id, slug and title, and stored by Trakt id; the actions are cut to
//! what v2 makes public per show, and the confirmation says which those are.
//! The follow starts at Trakt's clock (the lookup answer's `Date`).

use poise::CreateReply;

use super::follow::FollowArgs;
use super::matching::find_follow;
use super::target::{capitalized, describe_delivery};
use super::v2::{ensure_key, parse_show, plan_actions, resolve_error, V2Actions};
use super::{describe_actions, ids, parse_actions, reply_public, with_deferral};
use super::{CommandError, Context};
use crate::clock::unix_now;
use crate::format;
use crate::store::{FollowOutcome, NewFollow, StoreError};
use crate::trakt::v2::{map, ShowInput};
use crate::trakt::{ShowRef, V2Source};

pub(super) async fn follow(
    ctx: Context<'_>,
    v2: &V2Source,
    args: FollowArgs<'_>,
) -> Result<(), CommandError> {
    let digest = args.digest;
    let (guild, _, user) = ids(ctx)?;
    let (typed, actions) = (args.show, args.actions);
    let channel = args.target.channel;
    let delivery = args.delivery;
    let input = parse_show(typed)?;
    let plan = plan_actions(parse_actions(actions)?)?;
    ensure_key(v2)?;
    let data = ctx.data();
    let limit = data.limits.max_follows_per_guild;
    let wanted = typed.to_owned();
    let (known, count) = data
        .store
        .blocking(move |s| {
            let follows = s.channel_follows(channel)?;
            let known = find_follow(&follows, &wanted).is_some();
            Ok((known, s.guild_follow_count(guild)?))
        })
        .await?;
    // At the limit, a show this channel does not follow is refused before
    // Trakt is asked. IMDb and TVDB ids cannot be matched without a lookup:
    // they are resolved, and the store refuses a new follow at the limit.
    let matchable = !matches!(input, ShowInput::Imdb(_) | ShowInput::Tvdb(_));
    if count >= limit && !known && matchable {
        return Err(StoreError::LimitReached { limit }.into());
    }
    let (looked, deferred) = with_deferral(ctx, v2.client.lookup_show(&input)).await?;
    let looked = looked.map_err(resolve_error)?;
    let show = looked.value;
    let title = show.title.clone();
    let slug = show.ids.slug.clone();
    let show_ref = ShowRef::Trakt(show.ids.trakt.0);
    let forum = super::forum_follow::prepare(ctx, &args.target, &show_ref, &title).await?;
    let follow = NewFollow {
        guild,
        channel,
        show: show_ref,
        title: title.clone(),
        slug: Some(slug.clone()),
        actions: plan.follow,
        created_by: user,
        now: unix_now(),
        start_watermark: looked.meta.date.map(map::time),
        max_per_guild: limit,
    };
    // A confirmed follow must survive a crash: flushed before the reply.
    let outcome = data
        .store
        .blocking(move |s| super::follow::store_follow(s, follow, delivery, digest, forum))
        .await?;
    let place = Place {
        name: args.target.place(),
        notes: describe_delivery(&delivery),
    };
    let mut text = confirmation(&title, &slug, &plan, outcome, &place);
    text.push_str(&super::follow::digest_note(digest));
    if let Some(f) = forum {
        text.push_str(&format!(" Posts go to <#{}>.", f.post.thread));
    }
    reply_public(ctx, deferred, CreateReply::default().content(text)).await
}

/// The public confirmation: the show, what is followed, what was left out.
fn confirmation(
    title: &str,
    slug: &str,
    plan: &V2Actions,
    outcome: FollowOutcome,
    place: &Place,
) -> String {
    let shown = format::escape_markdown(title);
    let what = plan.describe();
    let note = plan.note();
    let (name, notes) = (&place.name, &place.notes);
    match outcome {
        FollowOutcome::Created => format!(
            "📺 {} now follows **{shown}** (`{slug}`) for {what}{notes}.{note}",
            capitalized(name)
        ),
        FollowOutcome::Updated { previous } => format!(
            "📺 Updated: {name} follows **{shown}** (`{slug}`) for {what}{notes} (was: {}).{note}",
            describe_actions(previous)
        ),
    }
}

/// Where the follow is, and what its confirmation says about notifications.
struct Place {
    name: String,
    notes: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trakt::ActionSet;

    fn here() -> Place {
        Place {
            name: "this channel".into(),
            notes: String::new(),
        }
    }

    #[test]
    fn the_confirmation_names_the_show_the_actions_and_what_was_left_out() {
        let plan = plan_actions(ActionSet::parse("seen,shout").expect("actions")).expect("plan");
        let text = confirmation(
            "The *Walking* Dead",
            "the-walking-dead",
            &plan,
            FollowOutcome::Created,
            &here(),
        );
        assert_eq!(
            text,
            "📺 This channel now follows **The \\*Walking\\* Dead** (`the-walking-dead`) for shout. Left out: seen, which Trakt API v2 does not make public per show."
        );
        let all = plan_actions(ActionSet::all()).expect("all");
        let text = confirmation(
            "TWD",
            "the-walking-dead",
            &all,
            FollowOutcome::Updated {
                previous: ActionSet::parse("shout").expect("shout"),
            },
            &here(),
        );
        assert!(text.starts_with("📺 Updated:"), "{text}");
        assert!(
            text.contains("for everything Trakt API v2 makes public about a show: watching, shout, review, created, item_added (was: shout)."),
            "{text}"
        );
    }
}
