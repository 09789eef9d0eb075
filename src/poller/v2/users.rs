//! Polling the followed Trakt users, after the shows, in the same cycle and
//! from the same request budget. Each user is read once per cycle for all
//! the channels following them, and only through the sources their follows'
//! actions need (`user_plan::Sources`): history from `start_at` (scrobble,
//! checkin, seen), ratings and what they watch now here; the watchlist,
//! collection, comments and lists in `user_sources`.
//!
//! Each source reads from its own mark or the user's follow time, whichever
//! is later, minus the overlap, and keys items per reference §10.2 (history
//! ids, user + item + `rated_at`, watchlist item ids, the viewing's start),
//! so an item re-read in the overlap (a back-dated watch among them) is
//! posted once; older back-dated entries are outside `start_at` and never
//! read. A source with neither mark nor follow time sets its mark and posts
//! nothing. A user's items and marks are committed in one transaction. A
//! profile that turned private, was deleted or locked disables the user's
//! follows with the reason; other failures back the user off.

use super::plan;
use super::user_plan::{channels_for, disabling_reason, Sources};
use super::{feeds::to_timestamp, Halt, Totals, V2Poller};
use crate::activity::{self, Activity, TraktTime};
use crate::clock::unix_now;
use crate::poller::show_backoff;
use crate::store::{UserCommit, UserFollowers, UserItem, UserMarks};
use crate::trakt::v2::{map, map_user, V2Error, WalkLimits};

/// Page size and page cap of each user source.
pub(super) const USER_WALK: WalkLimits = WalkLimits {
    limit: 100,
    max_pages: 3,
};

/// What one user's sources produced before a failure (if any).
pub(super) struct Read<'a> {
    pub(super) f: &'a UserFollowers,
    pub(super) by: activity::User,
    pub(super) items: Vec<UserItem>,
    pub(super) marks: UserMarks,
    pub(super) requests: u32,
}

impl Read<'_> {
    pub(super) fn push(&mut self, a: Option<Activity>) {
        let Some(a) = a else { return };
        let channels = channels_for(&self.f.subs, &a);
        if !channels.is_empty() {
            self.items.push(UserItem {
                activity: a,
                channels,
            });
        }
    }
}

impl V2Poller {
    /// Poll every due followed user; returns how many users are followed.
    pub(super) async fn poll_users(
        &self,
        cancel: &tokio_util::sync::CancellationToken,
        totals: &mut Totals,
    ) -> Result<usize, Halt> {
        let followed = match self.store.blocking(|s| s.followed_users()).await {
            Ok(f) => f,
            Err(e) => {
                tracing::error!(error = %e, "poll: cannot read the user follows");
                return Ok(0);
            }
        };
        let now = unix_now();
        for f in followed
            .iter()
            .filter(|f| f.state.next_attempt.is_none_or(|at| at <= now))
        {
            if cancel.is_cancelled() {
                return Err(Halt::Cancelled);
            }
            let t = self.poll_user(f).await?;
            totals.add(t);
        }
        Ok(followed.len())
    }

    /// Read one user's sources and commit them; a failure commits what was
    /// read before it, then disables the follows or backs the user off.
    async fn poll_user(&self, f: &UserFollowers) -> Result<Totals, Halt> {
        let mut read = Read {
            f,
            by: f.profile.as_user(&f.user),
            items: Vec::new(),
            marks: UserMarks::default(),
            requests: 0,
        };
        let outcome = self.read_user(&mut read).await;
        let requests = read.requests + u32::from(outcome.is_err());
        let mut totals = Totals::default();
        if !read.items.is_empty() || read.marks != UserMarks::default() {
            let mut items = read.items;
            items.sort_by_key(|i| i.activity.time());
            let commit = UserCommit {
                user: f.user.clone(),
                marks: read.marks,
                items,
                now: unix_now(),
            };
            match self
                .store
                .blocking(move |s| s.commit_user_poll(commit))
                .await
            {
                Ok(stats) => totals = self.count(stats),
                Err(e) => {
                    tracing::error!(user = %f.user, error = %e, "poll: user commit failed; it will be read again");
                }
            }
        }
        totals.requests += requests;
        if let Err(e) = outcome {
            self.user_failed(f, e).await?;
        }
        Ok(totals)
    }

    async fn read_user(&self, read: &mut Read<'_>) -> Result<(), V2Error> {
        let sources = Sources::for_follows(&read.f.subs);
        if sources.watching {
            self.read_user_watching(read).await?;
        }
        if sources.history {
            self.read_history(read).await?;
        }
        if sources.ratings {
            self.read_ratings(read).await?;
        }
        if sources.watchlist {
            self.read_user_watchlist(read, sources.movies).await?;
        }
        if sources.collection {
            self.read_user_collection(read, sources.movies).await?;
        }
        if sources.comments {
            self.read_user_comments(read).await?;
        }
        if sources.lists {
            self.read_user_lists(read).await?;
        }
        Ok(())
    }

    /// Where a source with mark `mark` starts (`None`: first read).
    pub(super) fn user_bound(
        &self,
        f: &UserFollowers,
        mark: Option<TraktTime>,
    ) -> Option<TraktTime> {
        plan::bound(&[mark, f.state.watermark], self.overlap)
    }

    async fn read_history(&self, read: &mut Read<'_>) -> Result<(), V2Error> {
        let bound = self.user_bound(read.f, read.f.state.marks.history);
        let walk = self
            .client
            .user_history_since(&read.f.user.0, bound.and_then(to_timestamp), USER_WALK)
            .await?;
        read.requests += walk.pages;
        let times = walk.items.iter().map(|h| map::time(h.watched_at));
        read.marks.history = plan::newest(times, walk.date.map(map::time));
        if bound.is_some() {
            for h in &walk.items {
                let a = map_user::history(h, &read.by);
                read.push(a);
            }
        }
        Ok(())
    }

    async fn read_ratings(&self, read: &mut Read<'_>) -> Result<(), V2Error> {
        let bound = self.user_bound(read.f, read.f.state.marks.ratings);
        let walk = self
            .client
            .user_ratings_since(&read.f.user.0, bound.and_then(to_timestamp), USER_WALK)
            .await?;
        read.requests += walk.pages;
        let times = walk.items.iter().map(|r| map::time(r.rated_at));
        read.marks.ratings = plan::newest(times, walk.date.map(map::time));
        if bound.is_some() {
            for r in &walk.items {
                let a = map_user::rating(r, &read.f.user.0, &read.by);
                read.push(a);
            }
        }
        Ok(())
    }

    /// The current viewing, announced once (its key is the viewing's start).
    async fn read_user_watching(&self, read: &mut Read<'_>) -> Result<(), V2Error> {
        let now = self.client.user_watching(&read.f.user.0).await?;
        read.requests += 1;
        if let Some(w) = &now.value {
            let a = map_user::watching(w, &read.f.user.0, &read.by);
            read.push(a);
        }
        Ok(())
    }

    /// A failed user request: fatal ones stop the cycle; a private, deleted
    /// or locked profile disables the user's follows; others back off.
    async fn user_failed(&self, f: &UserFollowers, e: V2Error) -> Result<(), Halt> {
        if e.is_fatal() {
            return Err(Halt::Fatal(e));
        }
        self.metrics.poll_failed();
        let user = f.user.clone();
        if let Some(reason) = disabling_reason(&e) {
            let result = self
                .store
                .blocking(move |s| s.disable_user(&user, reason, unix_now()))
                .await;
            match result {
                Ok(subs) => tracing::warn!(
                    user = %f.user, reason, follows = subs.len(),
                    "poll: a followed Trakt user cannot be read any more; their follows are disabled"
                ),
                Err(se) => {
                    tracing::error!(user = %f.user, error = %se, "poll: cannot disable a user's follows")
                }
            }
            return Ok(());
        }
        let interval = self.interval;
        let message = e.to_string();
        let result = self
            .store
            .blocking(move |s| {
                let failures = s.user_state(&user)?.failures.saturating_add(1);
                let wait = show_backoff(interval, failures);
                let now = unix_now();
                let next = now + wait.as_secs() as i64;
                s.record_user_failure_because(&user, next, &message, now)
                    .map(|n| (n, wait))
            })
            .await;
        match result {
            Ok((failures, wait)) => tracing::warn!(
                user = %f.user, error = %e, failures, retry_in_secs = wait.as_secs(),
                "poll: user failed; it backs off"
            ),
            Err(se) => {
                tracing::error!(user = %f.user, error = %se, "poll: cannot record a failure")
            }
        }
        Ok(())
    }
}
