//! A followed user's watchlist (shows, episodes and, unless every follow
//! wanting it is narrowed to one show, movies), collection (shows and,
//! likewise, movies), comments and lists, read by `users` in the same cycle
//! when the follows' actions need them (`user_plan::Sources`).
//!
//! Each source starts from its own mark or the follow time, whichever is
//! later, minus the overlap (`V2Poller::user_bound`); with neither, it only
//! sets its mark. A source's mark is set only once all its requests
//! succeeded, so a part that failed is read again from the old mark (dedupe
//! drops what was already posted). The collection is not served by time:
//! one `/stats` request per cycle tells whether its `collected` counts moved
//! since the last read (reference §10.2), and only then is the half that
//! moved read whole; its episodes and movies collected after the bound are
//! new (a swap that keeps a count unchanged is not seen until it moves). Lists: every public list of the user is read; one created after
//! the bound is `created`, and the items of one changed after the bound (and
//! since the last read of the lists, so a list is opened once per change) are
//! read for `item_added`, only when a follow wants it.

use std::collections::BTreeMap;

use super::plan;
use super::users::{Read, USER_WALK};
use super::{feeds::to_timestamp, V2Poller};
use crate::activity::TraktTime;
use crate::store::CollectedCounts;
use crate::trakt::v2::user_sources::WatchlistKind;
use crate::trakt::v2::{map, map_user, map_user_sources, Timestamp, V2Error, WalkLimits};
use crate::trakt::Action;

/// Pages of the user's lists, and of one list's items, read at most.
const LIST_WALK: WalkLimits = WalkLimits {
    limit: 100,
    max_pages: 3,
};

impl V2Poller {
    /// The watchlist's parts added since the bound.
    pub(super) async fn read_user_watchlist(
        &self,
        read: &mut Read<'_>,
        movies: bool,
    ) -> Result<(), V2Error> {
        let bound = self.user_bound(read.f, read.f.state.marks.watchlist);
        let mut kinds = vec![WatchlistKind::Shows, WatchlistKind::Episodes];
        if movies {
            kinds.push(WatchlistKind::Movies);
        }
        let mut times: Vec<TraktTime> = Vec::new();
        let mut date = None;
        for kind in kinds {
            let walk = self
                .client
                .user_watchlist_kind_since(
                    &read.f.user.0,
                    kind,
                    bound.and_then(to_timestamp),
                    USER_WALK,
                )
                .await?;
            read.requests += walk.pages;
            date = date.or(walk.date.map(map::time));
            times.extend(walk.items.iter().map(|i| map::time(i.listed_at)));
            if bound.is_some() {
                for i in &walk.items {
                    let a = map_user::watchlist(i, &read.f.user.0, &read.by);
                    read.push(a);
                }
            }
        }
        read.marks.watchlist = plan::newest(times, date);
        Ok(())
    }

    /// The collection: episodes (and movies) collected after the bound,
    /// each half read only when the stats' count of it moved.
    pub(super) async fn read_user_collection(
        &self,
        read: &mut Read<'_>,
        movies: bool,
    ) -> Result<(), V2Error> {
        let bound = self.user_bound(read.f, read.f.state.marks.collection);
        let slug = read.f.user.0.clone();
        let stats = self.client.user_stats(&slug).await?;
        read.requests += 1;
        let counts = CollectedCounts {
            episodes: stats.value.collected_episodes(),
            movies: stats.value.collected_movies().filter(|_| movies),
        };
        let seen = read.f.state.marks.collected;
        let moved = |now: Option<u64>, before: Option<u64>| now.is_none() || now != before;
        let date = stats.meta.date.map(map::time);
        let mut times: Vec<TraktTime> = Vec::new();
        if bound.is_none() {
            // The first read only sets the mark (Trakt's clock now).
            read.marks.collection = date;
            read.marks.collected = Some(counts);
            return Ok(());
        }
        if moved(counts.episodes, seen.and_then(|s| s.episodes)) {
            self.read_collected_shows(read, bound, &mut times).await?;
        }
        if movies && moved(counts.movies, seen.and_then(|s| s.movies)) {
            let walk = self.client.user_collection_movies(&slug).await?;
            read.requests += walk.pages;
            times.extend(
                walk.items
                    .iter()
                    .filter_map(|m| m.collected_at.map(map::time)),
            );
            for m in &walk.items {
                if m.collected_at.is_some_and(|t| Some(map::time(t)) > bound) {
                    let a = map_user_sources::collected_movie(m, &slug, &read.by);
                    read.push(a);
                }
            }
        }
        read.marks.collection = plan::newest(times, None);
        read.marks.collected = Some(counts);
        Ok(())
    }

    /// The collected shows: their episodes collected after `bound`.
    async fn read_collected_shows(
        &self,
        read: &mut Read<'_>,
        bound: Option<TraktTime>,
        times: &mut Vec<TraktTime>,
    ) -> Result<(), V2Error> {
        let slug = read.f.user.0.clone();
        let shows = self.client.user_collection_shows(&slug).await?;
        read.requests += shows.pages;
        times.extend(
            shows
                .items
                .iter()
                .flat_map(|s| s.seasons.iter().flat_map(|season| season.episodes.iter()))
                .filter_map(|e| e.collected_at.map(map::time)),
        );
        for s in &shows.items {
            if s.last_collected_at
                .is_some_and(|t| Some(map::time(t)) <= bound)
            {
                continue;
            }
            for a in map_user_sources::collected_episodes(s, bound, &slug, &read.by) {
                read.push(Some(a));
            }
        }
        Ok(())
    }

    /// The user's top-level comments written since the bound.
    pub(super) async fn read_user_comments(&self, read: &mut Read<'_>) -> Result<(), V2Error> {
        let bound = self.user_bound(read.f, read.f.state.marks.comments);
        let walk = self
            .client
            .user_comments_since(&read.f.user.0, bound.and_then(to_timestamp), USER_WALK)
            .await?;
        read.requests += walk.pages;
        let times = walk.items.iter().map(|w| map::time(w.comment.created_at));
        let mark = plan::newest(times, walk.date.map(map::time));
        if bound.is_some() {
            for w in &walk.items {
                let a = map_user_sources::user_comment(w, &read.f.user.0, &read.by);
                read.push(a);
            }
        }
        read.marks.comments = mark;
        Ok(())
    }

    /// The user's lists: created since the bound, and the items added
    /// since the bound to those changed since the bound and since the last
    /// read (`UserMarks::list_updates`).
    pub(super) async fn read_user_lists(&self, read: &mut Read<'_>) -> Result<(), V2Error> {
        let marks = &read.f.state.marks;
        let bound = self.user_bound(read.f, marks.lists);
        let slug = read.f.user.0.clone();
        let walk = self.client.user_lists(&slug, LIST_WALK).await?;
        read.requests += walk.pages;
        let times = walk
            .items
            .iter()
            .flat_map(|l| [l.created_at, l.updated_at])
            .flatten()
            .map(map::time);
        let mark = plan::newest(times, walk.date.map(map::time));
        let updates: BTreeMap<u64, TraktTime> = walk
            .items
            .iter()
            .filter_map(|l| Some((l.ids.trakt.0, map::time(l.updated_at?))))
            .collect();
        if let Some(bound) = bound {
            let after = |t: Option<Timestamp>| t.is_some_and(|t| map::time(t) > bound);
            for list in &walk.items {
                if after(list.created_at) && read.f.wanted.contains(Action::Created) {
                    let a = map_user_sources::list_created(list, &slug, &read.by);
                    read.push(a);
                }
                let id = list.ids.trakt.0;
                let moved = updates
                    .get(&id)
                    .is_some_and(|u| marks.list_updates.get(&id).is_none_or(|seen| u > seen));
                if !after(list.updated_at) || !moved || !read.f.wanted.contains(Action::ItemAdded) {
                    continue;
                }
                let items = self
                    .client
                    .user_list_items(&slug, list.ids.trakt, LIST_WALK)
                    .await?;
                read.requests += items.pages;
                for item in items.items.iter().filter(|i| after(Some(i.listed_at))) {
                    let a = map_user_sources::list_item_added(list, item, &slug, &read.by);
                    read.push(a);
                }
            }
        }
        read.marks.lists = mark;
        read.marks.list_updates = updates;
        Ok(())
    }
}
