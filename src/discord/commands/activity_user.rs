//! `/activity user:` (Trakt API v2 only): a followed-or-not public Trakt
//! user's recent activity on demand, the same embeds as notifications. The
//! profile is read first (one request: a private, deleted, unknown or
//! locked user gets `/follow-user`'s private answers; its `Date` is Trakt's
//! clock, the window reaches back from it), then only the sources the asked
//! actions need (`user_plan::Sources`), one page each: at most five
//! requests. Mapping is `map_user`'s, as the poller's.

use std::time::Duration;

use super::activity::{parse_since, reply, Found};
use super::follow_user::{check_profile, parse_user, plan_user_actions, profile_error};
use super::v2::ensure_key;
use super::{parse_actions, with_deferral, CommandError, Context};
use crate::activity::Activity;
use crate::poller::v2::user_plan::Sources;
use crate::store::Profile;
use crate::trakt::v2::{map, map_user, Timestamp, UserSlug, V2Client, WalkLimits};
use crate::trakt::{ActionSet, Source, TraktTime};

/// One page per source: more than a reply shows.
const PAGE: WalkLimits = WalkLimits {
    limit: 20,
    max_pages: 1,
};

/// What `/activity user:` asks for, read from the options.
pub(super) async fn activity(
    ctx: Context<'_>,
    typed: &str,
    actions: Option<&str>,
    since: Option<&str>,
    digest: bool,
) -> Result<(), CommandError> {
    let Source::V2(v2) = &ctx.data().source else {
        return Err(CommandError::user(
            "A Trakt user's activity needs Trakt API v2 (trakt.api = \"v2\"); this bot reads v1.",
        ));
    };
    let slug = parse_user(typed)?;
    let wanted = plan_user_actions(parse_actions(actions)?)?.0;
    let window = parse_since(since)?;
    ensure_key(v2)?;
    let client = v2.client.clone();
    let (found, deferred) = with_deferral(ctx, gather(client, slug, wanted, window)).await?;
    reply(ctx, deferred, (window, digest), found?).await
}

/// The user's activity in the window, newest first.
async fn gather(
    client: V2Client,
    slug: UserSlug,
    wanted: ActionSet,
    window: Duration,
) -> Result<Found, CommandError> {
    let fail = |e| profile_error(&slug, e);
    let fetched = client.user_profile(&slug.0).await.map_err(fail)?;
    let profile = check_profile(&slug, &fetched.value)?;
    let now = fetched
        .meta
        .date
        .unwrap_or_else(|| Timestamp(chrono::Utc::now()));
    let bound = now.minus_secs(i64::try_from(window.as_secs()).unwrap_or(i64::MAX));
    let by = profile.as_user(&slug);
    let sources = Sources::for_actions(wanted);
    let (mut items, mut complete) = (Vec::new(), true);
    if sources.watching {
        let w = client.user_watching(&slug.0).await.map_err(fail)?;
        items.extend(
            w.value
                .as_ref()
                .and_then(|w| map_user::watching(w, &slug.0, &by)),
        );
    }
    if sources.history {
        let walk = client
            .user_history_since(&slug.0, Some(bound), PAGE)
            .await
            .map_err(fail)?;
        complete &= walk.reached;
        items.extend(walk.items.iter().filter_map(|h| map_user::history(h, &by)));
    }
    if sources.ratings {
        let walk = client
            .user_ratings_since(&slug.0, Some(bound), PAGE)
            .await
            .map_err(fail)?;
        complete &= walk.reached;
        let mapped = walk.items.iter();
        items.extend(mapped.filter_map(|r| map_user::rating(r, &slug.0, &by)));
    }
    if sources.watchlist {
        let walk = client
            .user_watchlist_since(&slug.0, Some(bound), PAGE)
            .await
            .map_err(fail)?;
        complete &= walk.reached;
        let mapped = walk.items.iter();
        items.extend(mapped.filter_map(|i| map_user::watchlist(i, &slug.0, &by)));
    }
    Ok(Found {
        title: title(&profile, &slug),
        items: in_window(items, wanted, map::time(bound)),
        complete,
    })
}

/// How the reply names the user: "Mira Okafor (moonfield)".
fn title(p: &Profile, slug: &UserSlug) -> String {
    match p.name.as_deref() {
        Some(name) => format!("{name} ({slug})"),
        None => slug.0.clone(),
    }
}

/// The wanted activities from `bound` on, newest first (pure).
fn in_window(mut items: Vec<Activity>, wanted: ActionSet, bound: TraktTime) -> Vec<Activity> {
    items.retain(|a| wanted.contains(a.action) && a.time() >= bound);
    items.sort_by_key(|a| std::cmp::Reverse(a.time()));
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::{ActivityKey, Subject};
    use crate::trakt::Action;

    fn item(action: Action, time: i64) -> Activity {
        Activity {
            action,
            time: TraktTime(time),
            key: ActivityKey(format!("k{time}")),
            user: Default::default(),
            subject: Subject::List,
            comment: None,
            list: None,
            list_item: None,
            rating: None,
        }
    }

    #[test]
    fn only_wanted_actions_inside_the_window_newest_first() {
        let items = vec![
            item(Action::Seen, 10),
            item(Action::Rating, 30),
            item(Action::Seen, 40),
            item(Action::Checkin, 50),
            item(Action::Seen, 5),
        ];
        let wanted = ActionSet::parse("seen,rating").expect("actions");
        let got: Vec<i64> = in_window(items, wanted, TraktTime(10))
            .iter()
            .map(|a| a.time.0)
            .collect();
        assert_eq!(got, [40, 30, 10]);
    }

    #[test]
    fn the_reply_names_the_user_by_name_and_slug() {
        let slug = UserSlug("moonfield".into());
        let mut p = Profile {
            username: "moonfield".into(),
            name: Some("Mira Okafor".into()),
            avatar: None,
        };
        assert_eq!(title(&p, &slug), "Mira Okafor (moonfield)");
        p.name = None;
        assert_eq!(title(&p, &slug), "moonfield");
    }
}
