//! Which shows' own sources a v2 cycle reads: the site-wide comment feeds
//! are budgeted first (they run every cycle; their share comes from each
//! feed's stored activity rate, `plan::feed_reserve`), the rest of
//! `trakt.max_requests_per_second` is shared out between the shows that have
//! per-show sources this cycle (lists, watching, and show comments when read
//! per show) by `poller::due`, at the mean requests one such poll costs.

use super::plan::{self, ShowComments};
use super::{comment_actions, Target, V2Poller};
use crate::poller::due;
use crate::store::Feed;
use crate::trakt::Action;

/// Requests one poll of a show's own sources costs: its lists (a page, and
/// about one page of items), who is watching, its show comments.
fn cost(t: &Target<'_>, mode: ShowComments) -> f64 {
    let lists = if t.wants(Action::Created) || t.wants(Action::ItemAdded) {
        2.0
    } else {
        0.0
    };
    let watching = if t.wants(Action::Watching) { 1.0 } else { 0.0 };
    let comments = if mode == ShowComments::PerShow && t.wants_any(comment_actions()) {
        1.0
    } else {
        0.0
    };
    lists + watching + comments
}

impl V2Poller {
    /// The targets whose own sources are read this cycle (backing-off ones
    /// left out) and the spread of the intervals (min, median, max seconds).
    pub(super) async fn due<'t, 'a>(
        &self,
        targets: &'t [Target<'a>],
        mode: ShowComments,
        now: i64,
    ) -> (Vec<&'t Target<'a>>, Option<(u64, u64, u64)>) {
        let ready = |t: &&Target<'_>| t.f.state.next_attempt.is_none_or(|at| at <= now);
        let Some(sched) = self.schedule else {
            return (targets.iter().filter(ready).collect(), None);
        };
        let scheduled: Vec<(&Target<'a>, f64)> = targets
            .iter()
            .map(|t| (t, cost(t, mode)))
            .filter(|(_, c)| *c > 0.0)
            .collect();
        if scheduled.is_empty() {
            return (Vec::new(), None);
        }
        let mean_cost = scheduled.iter().map(|(_, c)| c).sum::<f64>() / scheduled.len() as f64;
        let reserved = self.feed_reserve(targets, mode).await;
        let settings = due::Settings {
            fastest: self.interval,
            slowest: sched.max_interval,
            polls_per_second: due::polls_per_second(sched.requests_per_second, reserved, mean_cost),
        };
        let records: Vec<_> = scheduled.iter().map(|(t, _)| t.f.state.schedule).collect();
        let plan = due::plan_due(&records, now, settings);
        let spread = due::log_intervals(&plan, scheduled.iter().map(|(t, _)| &t.f.show));
        self.memory()
            .intervals
            .publish(scheduled.iter().map(|(t, _)| &t.f.show), &plan.intervals);
        let due = scheduled
            .iter()
            .zip(&plan.due)
            .filter(|(_, d)| **d)
            .map(|((t, _), _)| *t)
            .filter(ready)
            .collect();
        (due, spread)
    }

    /// Requests per second the feeds read this cycle take, from their rates.
    async fn feed_reserve(&self, targets: &[Target<'_>], mode: ShowComments) -> f64 {
        if !targets.iter().any(|t| t.wants_any(comment_actions())) {
            return 0.0;
        }
        let mut feeds = vec![Feed::RecentEpisodes, Feed::RecentSeasons];
        if mode == ShowComments::Feed {
            feeds.push(Feed::RecentShows);
        }
        let rates = self
            .store
            .blocking(move |s| {
                feeds
                    .iter()
                    .map(|f| s.feed_record(*f).map(|r| r.rate.per_hour()))
                    .collect::<Result<Vec<f64>, _>>()
            })
            .await
            .unwrap_or_default();
        plan::feed_reserve(&rates, self.interval)
    }
}
