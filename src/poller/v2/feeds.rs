//! The site-wide recent-comments feeds: each is walked newest first back to
//! its own watermark (minus the overlap), page cap included, and filtered to
//! the followed shows wanting comments by Trakt id. Items about other shows
//! go nowhere. A feed's watermark is the newest comment it showed (or the
//! answer's `Date` when it showed none), committed with its items.
//!
//! When the page cap stops a walk before the watermark (more comments than
//! the cap holds were written since the last read), the older ones cannot be
//! reached any more through this feed: the miss is counted and logged with
//! its window, and the watermark moves on (a newest-first feed shifts under
//! a reader, so there is no page to resume at).

use std::collections::HashMap;

use super::plan::{self, ShowComments};
use super::{comment_actions, CommentsMode, Halt, Target, Totals, V2Poller};
use crate::clock::unix_now;
use crate::store::{Feed, PollCommit};
use crate::trakt::v2::{map, RecentComment, RecentType, ShowId, WalkLimits, MAX_LIMIT};
use crate::trakt::TraktTime;

fn kind(feed: Feed) -> RecentType {
    match feed {
        Feed::RecentShows => RecentType::Shows,
        Feed::RecentSeasons => RecentType::Seasons,
        Feed::RecentEpisodes => RecentType::Episodes,
    }
}

impl V2Poller {
    /// Read the feeds the followed shows need into `commit` (items and feed
    /// watermarks); returns how show-level comments are read this cycle.
    pub(super) async fn read_feeds(
        &self,
        targets: &[Target<'_>],
        commit: &mut PollCommit,
        totals: &mut Totals,
    ) -> Result<ShowComments, Halt> {
        let wanting: HashMap<ShowId, &Target<'_>> = targets
            .iter()
            .filter(|t| t.wants_any(comment_actions()))
            .map(|t| (t.id, t))
            .collect();
        if wanting.is_empty() {
            return Ok(ShowComments::Feed);
        }
        for feed in [Feed::RecentEpisodes, Feed::RecentSeasons] {
            self.read_feed(feed, &wanting, commit, totals).await?;
        }
        let mode = self.show_comments_mode(wanting.len()).await;
        if mode == ShowComments::Feed {
            self.read_feed(Feed::RecentShows, &wanting, commit, totals)
                .await?;
        }
        Ok(mode)
    }

    /// The per-cycle choice of `plan::choose`, from the shows feed's last
    /// rate and the time since its watermark.
    async fn show_comments_mode(&self, shows_wanting: usize) -> ShowComments {
        if let CommentsMode::Always(mode) = self.comments {
            return mode;
        }
        let mark = self
            .store
            .blocking(|s| s.feed_mark(Feed::RecentShows))
            .await
            .ok()
            .flatten();
        let (rate, bare) = {
            let m = self.memory();
            (m.rates.get(&Feed::RecentShows).copied(), m.bare_feed)
        };
        let pages = match (rate, mark) {
            (Some(rate), Some(mark)) => plan::feed_pages(rate, unix_now() - mark.0, MAX_LIMIT),
            _ => 1,
        };
        plan::choose(shows_wanting, pages, bare)
    }

    /// Walk one feed back to its watermark; add what the followed shows want
    /// and the new watermark to `commit`.
    async fn read_feed(
        &self,
        feed: Feed,
        wanting: &HashMap<ShowId, &Target<'_>>,
        commit: &mut PollCommit,
        totals: &mut Totals,
    ) -> Result<(), Halt> {
        let mark = match self.store.blocking(move |s| s.feed_mark(feed)).await {
            Ok(m) => m,
            Err(e) => {
                tracing::error!(error = %e, feed = feed.name(), "poll: cannot read a feed watermark");
                return Ok(());
            }
        };
        // Never read: start from the earliest follow among the shows.
        let start = mark.or_else(|| wanting.values().filter_map(|t| t.f.state.watermark).min());
        let bound = plan::bound(&[start], self.overlap);
        let limits = WalkLimits {
            limit: MAX_LIMIT,
            max_pages: self.limits.feed_pages,
        };
        let walk = match self
            .client
            .recent_comments(kind(feed), bound.and_then(to_timestamp), limits)
            .await
        {
            Ok(w) => w,
            Err(e) => {
                totals.requests += 1;
                return self.failed(None, e).await;
            }
        };
        totals.requests += walk.pages;
        let times: Vec<TraktTime> = walk
            .items
            .iter()
            .map(|i| map::time(i.comment().created_at))
            .collect();
        let (oldest, newest) = (times.iter().min().copied(), times.iter().max().copied());
        let bare = walk
            .items
            .iter()
            .any(|i| matches!(i, RecentComment::Bare(_)));
        {
            let mut m = self.memory();
            if bare && !m.bare_feed {
                tracing::warn!(feed = feed.name(), "poll: the recent-comments feed gives no show per comment; show-level comments are read per show, season and episode comments cannot be followed");
            }
            m.bare_feed = bare;
            if let Some(rate) = plan::observed_rate(times.len(), oldest, newest) {
                m.rates.insert(feed, rate);
            }
        }
        if !walk.reached {
            self.metrics.poll_hole();
            tracing::warn!(
                feed = feed.name(),
                pages = walk.pages,
                from = bound.map(|b| b.0),
                to = oldest.map(|o| o.0),
                "poll: more comments than the page cap since the last read; those in this window were not read"
            );
        }
        // A first read (no bound) only sets the watermark.
        if bound.is_some() {
            for item in &walk.items {
                let RecentComment::Wrapped(w) = item else {
                    continue;
                };
                if w.comment.is_reply() {
                    continue;
                }
                let Some(t) = w.show.as_ref().and_then(|s| wanting.get(&s.ids.trakt)) else {
                    continue;
                };
                if let Some(item) = map::feed_comment(w).and_then(|a| t.item(a)) {
                    commit.items.push(item);
                }
            }
        }
        // The feed's activity (every show's comments), for its budget.
        let fresh = times
            .iter()
            .filter(|t| mark.is_none_or(|m| **t > m))
            .count();
        commit.feed_polls.push((feed, fresh as u64));
        let date = walk.date.map(map::time);
        if let Some(mark) = plan::newest(newest, date).or(start) {
            commit.feeds.push((feed, mark));
        }
        Ok(())
    }
}

/// A Trakt time as a v2 timestamp.
pub(super) fn to_timestamp(t: TraktTime) -> Option<crate::trakt::v2::Timestamp> {
    chrono::DateTime::from_timestamp(t.0, 0).map(crate::trakt::v2::Timestamp)
}
