//! `/activity` on Trakt API v2: the show is resolved (its answer's `Date` is
//! Trakt's clock; the window reaches back from it), then what v2 keeps per
//! show is read, in few requests (pages capped): show-level comments
//! (`shout`, `review`), lists created with the show (`created`) and items of
//! the show added to recently updated lists (`item_added`). Everything is
//! mapped by `trakt::v2::map`, so the embeds are the notifications' own.
//! Episode comments are only in the site-wide feed, which the poller reads:
//! `/activity` does not walk it.

use std::time::Duration;

use super::activity::{reply, Found, Span};
use super::v2::{ensure_key, plan_actions, resolve_error, v2_error};
use super::{with_deferral, CommandError, Context};
use crate::activity::Activity;
use crate::trakt::v2::{map, ListSort, Show, ShowInput, Timestamp, V2Client, V2Error, WalkLimits};
use crate::trakt::{Action, ActionSet, ShowRef, V2Source};

/// Show comments: up to two pages of 50.
const COMMENTS: WalkLimits = WalkLimits {
    limit: 50,
    max_pages: 2,
};
/// The show's lists, newest (or latest changed) first: one page.
const LISTS: WalkLimits = WalkLimits {
    limit: 20,
    max_pages: 1,
};
/// One page of a list's items.
const ITEMS: WalkLimits = WalkLimits {
    limit: 100,
    max_pages: 1,
};
/// How many recently changed lists have their items read.
const MAX_LISTS: usize = 3;

pub(super) async fn activity(
    ctx: Context<'_>,
    v2: &V2Source,
    input: ShowInput,
    actions: ActionSet,
    (window, digest): Span,
) -> Result<(), CommandError> {
    let wanted = plan_actions(actions)?.follow;
    ensure_key(v2)?;
    let client = v2.client.clone();
    let (found, deferred) = with_deferral(ctx, gather(client, input, wanted, window)).await?;
    reply(ctx, deferred, (window, digest), found?).await
}

/// Everything `/activity` shows, newest first.
async fn gather(
    client: V2Client,
    input: ShowInput,
    wanted: ActionSet,
    window: Duration,
) -> Result<Found, CommandError> {
    let looked = client.lookup_show(&input).await.map_err(resolve_error)?;
    let show = looked.value;
    let now = looked
        .meta
        .date
        .unwrap_or_else(|| Timestamp(chrono::Utc::now()));
    let bound = now.minus_secs(i64::try_from(window.as_secs()).unwrap_or(i64::MAX));
    let mut items = Vec::new();
    let mut complete = true;
    if wanted.contains(Action::Shout) || wanted.contains(Action::Review) {
        let walk = client
            .show_comments_since(show.ids.trakt, Some(bound), COMMENTS)
            .await
            .map_err(v2_error)?;
        complete &= walk.reached;
        items.extend(walk.items.iter().map(|c| map::show_comment(c, &show)));
    }
    if wanted.contains(Action::Created) {
        let walk = client
            .show_lists(show.ids.trakt, ListSort::Added, Some(bound), LISTS)
            .await
            .map_err(v2_error)?;
        complete &= walk.reached;
        items.extend(walk.items.iter().filter_map(map::list_created));
    }
    if wanted.contains(Action::ItemAdded) {
        complete &= added_items(&client, &show, bound, &mut items).await?;
    }
    Ok(Found {
        title: show.title.clone(),
        items: newest_first(items, wanted),
        complete,
    })
}

/// Items of `show` added after `bound` to its most recently changed lists;
/// whether everything was read.
async fn added_items(
    client: &V2Client,
    show: &Show,
    bound: Timestamp,
    out: &mut Vec<Activity>,
) -> Result<bool, CommandError> {
    let lists = client
        .show_lists(show.ids.trakt, ListSort::Updated, Some(bound), LISTS)
        .await
        .map_err(v2_error)?;
    let mut complete = lists.reached && lists.items.len() <= MAX_LISTS;
    let this = ShowRef::Trakt(show.ids.trakt.0);
    for list in lists.items.iter().take(MAX_LISTS) {
        match client.list_items(list.ids.trakt, ITEMS).await {
            Ok(walk) => {
                complete &= walk.reached;
                out.extend(
                    walk.items
                        .iter()
                        .filter(|i| i.listed_at > bound)
                        .filter_map(|i| map::list_item_added(list, i))
                        .filter(|a| a.is_about(&this)),
                );
            }
            // A list gone private or deleted meanwhile: the others still count.
            Err(e @ (V2Error::NotFound | V2Error::PrivateUser | V2Error::Unauthorized)) => {
                tracing::debug!(list = %list.ids.trakt, error = %e, "/activity: a list's items are not readable");
                complete = false;
            }
            Err(e) => return Err(v2_error(e)),
        }
    }
    Ok(complete)
}

/// Keep the wanted actions, newest first (pure).
fn newest_first(mut items: Vec<Activity>, wanted: ActionSet) -> Vec<Activity> {
    items.retain(|a| wanted.contains(a.action));
    items.sort_by_key(|a| std::cmp::Reverse(a.time));
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::{ActivityKey, Subject, TraktTime};

    fn item(action: Action, time: i64, id: u64) -> Activity {
        Activity {
            action,
            time: TraktTime(time),
            key: ActivityKey::comment(id),
            user: Default::default(),
            subject: Subject::List,
            comment: None,
            list: None,
            list_item: None,
            rating: None,
        }
    }

    #[test]
    fn filtered_by_action_and_newest_first() {
        let items = vec![
            item(Action::Shout, 10, 1),
            item(Action::Created, 30, 2),
            item(Action::Review, 20, 3),
            item(Action::ItemAdded, 40, 4),
        ];
        let wanted = ActionSet::parse("shout,review,item_added").expect("actions");
        let got: Vec<i64> = newest_first(items, wanted)
            .iter()
            .map(|a| a.time.0)
            .collect();
        assert_eq!(got, [40, 20, 10]);
    }
}
