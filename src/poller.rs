//! The poll schedule: which shows are due, how they are batched into requests,
//! how each fetched activity is routed to the channels that want it, and how a
//! failing show backs off on its own. Planning and routing are pure functions;
//! `Poller::run` is the loop around them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

use crate::backoff::Backoff;
use crate::clock::unix_now;
use crate::store::{PollCommit, PollItem, ShowFollowers, Store};
use crate::trakt::url::{batches, MAX_URL_LEN};
use crate::trakt::{ActionSet, Fetched, ShowRef, TraktClient, TraktError, TraktTime};

/// Longest a failing show waits between attempts.
pub const MAX_SHOW_BACKOFF: Duration = Duration::from_secs(3600);
/// How long dedupe keys are kept. It must exceed the longest gap between two
/// polls of a show (backoff included) plus the overlap, by a wide margin.
pub const DEDUPE_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);

/// One request to make: a batch of shows with a shared start.
#[derive(Clone, Debug, PartialEq)]
pub struct Batch {
    pub shows: Vec<ShowRef>,
    pub actions: ActionSet,
    /// `None` for shows never polled: the first answer only sets the watermark.
    pub start: Option<TraktTime>,
}

/// Shows due at `now` (wall clock, only for our own backoff schedule), batched.
/// Shows with a watermark and shows without one are never mixed in a batch.
pub fn plan(
    followed: &[ShowFollowers],
    now: i64,
    batch_size: usize,
    overlap: Duration,
) -> Vec<Batch> {
    let due = followed
        .iter()
        .filter(|f| f.state.next_attempt.is_none_or(|at| at <= now));
    let (fresh, known): (Vec<&ShowFollowers>, Vec<&ShowFollowers>) =
        due.partition(|f| f.state.watermark.is_none());
    let by_show: HashMap<&ShowRef, &ShowFollowers> =
        followed.iter().map(|f| (&f.show, f)).collect();
    let mut out = Vec::new();
    for group in [fresh, known] {
        for shows in batches(
            group.iter().map(|f| f.show.clone()),
            batch_size,
            MAX_URL_LEN,
        ) {
            let members: Vec<&ShowFollowers> = shows
                .iter()
                .filter_map(|s| by_show.get(s).copied())
                .collect();
            let actions = members
                .iter()
                .fold(ActionSet::none(), |acc, f| acc.union(f.wanted));
            let start = members
                .iter()
                .filter_map(|f| f.state.watermark)
                .min()
                .map(|w| w.minus_secs(overlap.as_secs()));
            out.push(Batch {
                shows,
                actions,
                start,
            });
        }
    }
    out
}

/// Turn a fetch into a commit: every activity goes to each show of the batch it
/// is about (an item naming no show belongs to the batch's only show), and from
/// there to the channels whose action set contains its action. Items older than
/// a show's own window are dropped; repeats are left to the store's dedupe keys.
pub fn route(
    members: &[&ShowFollowers],
    fetched: &Fetched,
    overlap: Duration,
    now: i64,
) -> PollCommit {
    let mut items = Vec::new();
    for activity in &fetched.activities {
        let subject = activity.subject_show();
        for f in members {
            let about = match subject {
                Some(show) => show.is(&f.show),
                None => members.len() == 1,
            };
            if !about {
                continue;
            }
            let Some(watermark) = f.state.watermark else {
                continue; // first poll of this show: backlog is not announced
            };
            if activity.time() < watermark.minus_secs(overlap.as_secs()) {
                continue;
            }
            let channels: Vec<_> = f
                .channels
                .iter()
                .filter(|(_, wanted)| wanted.contains(activity.action))
                .map(|(c, _)| *c)
                .collect();
            if channels.is_empty() {
                continue;
            }
            items.push(PollItem {
                show: f.show.clone(),
                activity: activity.clone(),
                channels,
            });
        }
    }
    PollCommit {
        watermarks: members
            .iter()
            .map(|f| (f.show.clone(), fetched.current))
            .collect(),
        items,
        now,
    }
}

/// Backoff for a show after `failures` consecutive failures: interval × 2ⁿ, capped.
pub fn show_backoff(interval: Duration, failures: u32) -> Duration {
    Backoff::new(interval.saturating_mul(2), MAX_SHOW_BACKOFF).delay(failures)
}

/// Counters, for logs and benchmarks.
#[derive(Default, Debug)]
pub struct PollStats {
    pub cycles: AtomicU64,
    pub requests: AtomicU64,
    pub new_activities: AtomicU64,
    pub duplicates: AtomicU64,
    pub queued: AtomicU64,
    pub failures: AtomicU64,
}

/// The polling loop.
#[derive(Clone)]
pub struct Poller {
    pub store: Store,
    pub trakt: TraktClient,
    pub interval: Duration,
    pub overlap: Duration,
    pub batch_size: usize,
    /// Poked after a commit queued deliveries.
    pub wake_delivery: Arc<Notify>,
    pub stats: Arc<PollStats>,
}

/// Why a cycle ended early.
pub enum Halt {
    /// The API key was refused: polling stops until the bot is restarted.
    BadKey,
    Cancelled,
}

impl Poller {
    /// Poll every `interval` until cancelled. Never returns on an error: a
    /// failing cycle is logged and the next one tries again.
    pub async fn run(self, cancel: CancellationToken) {
        let mut ticker = tokio::time::interval(self.interval);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = cancel.cancelled() => break,
                _ = ticker.tick() => {}
            }
            match self.cycle(&cancel).await {
                Ok(()) => {}
                Err(Halt::Cancelled) => break,
                Err(Halt::BadKey) => {
                    tracing::error!(
                        "Trakt refused the API key (401): polling has stopped. Fix trakt.api_key / TRAKT_API_KEY and restart the bot."
                    );
                    cancel.cancelled().await;
                    break;
                }
            }
        }
        tracing::info!("poller stopped");
    }

    /// One cycle over every due show.
    pub async fn cycle(&self, cancel: &CancellationToken) -> Result<(), Halt> {
        let now = unix_now();
        let followed = match self.store.followed_shows() {
            Ok(f) => f,
            Err(e) => {
                tracing::error!(error = %e, "poll: cannot read subscriptions");
                return Ok(());
            }
        };
        let plan = plan(&followed, now, self.batch_size, self.overlap);
        let by_show: HashMap<&ShowRef, &ShowFollowers> =
            followed.iter().map(|f| (&f.show, f)).collect();
        let before = self.stats.requests.load(Ordering::Relaxed);
        let (mut new, mut dup, mut queued) = (0, 0, 0);
        let mut polled = 0;
        for batch in plan {
            if cancel.is_cancelled() {
                return Err(Halt::Cancelled);
            }
            let members: Vec<&ShowFollowers> = batch
                .shows
                .iter()
                .filter_map(|s| by_show.get(s).copied())
                .collect();
            polled += members.len();
            let (n, d, q) = self.poll_batch(&batch, &members, cancel).await?;
            new += n;
            dup += d;
            queued += q;
        }
        if let Err(e) = self
            .store
            .prune_dedupe(now - DEDUPE_RETENTION.as_secs() as i64)
        {
            tracing::warn!(error = %e, "poll: dedupe pruning failed");
        }
        self.stats.cycles.fetch_add(1, Ordering::Relaxed);
        tracing::info!(
            shows = polled,
            requests = self.stats.requests.load(Ordering::Relaxed) - before,
            new_activities = new,
            duplicates = dup,
            deliveries_queued = queued,
            "poll cycle done"
        );
        Ok(())
    }

    /// Fetch one batch; on a show-specific failure, split it to find the show.
    async fn poll_batch(
        &self,
        batch: &Batch,
        members: &[&ShowFollowers],
        cancel: &CancellationToken,
    ) -> Result<(usize, usize, usize), Halt> {
        let fetched = tokio::select! {
            _ = cancel.cancelled() => return Err(Halt::Cancelled),
            r = self.trakt.fetch(&batch.shows, batch.actions, batch.start) => r,
        };
        match fetched {
            Ok(fetched) => {
                self.stats
                    .requests
                    .fetch_add(u64::from(fetched.requests), Ordering::Relaxed);
                let commit = route(members, &fetched, self.overlap, unix_now());
                match self.store.commit_poll(commit) {
                    Ok(stats) => {
                        self.stats
                            .new_activities
                            .fetch_add(stats.new_activities as u64, Ordering::Relaxed);
                        self.stats
                            .duplicates
                            .fetch_add(stats.duplicates as u64, Ordering::Relaxed);
                        self.stats
                            .queued
                            .fetch_add(stats.queued as u64, Ordering::Relaxed);
                        if stats.queued > 0 {
                            self.wake_delivery.notify_one();
                        }
                        Ok((stats.new_activities, stats.duplicates, stats.queued))
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "poll: commit failed; the batch will be fetched again");
                        Ok((0, 0, 0))
                    }
                }
            }
            Err(TraktError::Unauthorized { .. }) => Err(Halt::BadKey),
            Err(e) => {
                self.stats.requests.fetch_add(1, Ordering::Relaxed);
                self.stats.failures.fetch_add(1, Ordering::Relaxed);
                let show_specific =
                    matches!(e, TraktError::NotFound { .. } | TraktError::Rejected { .. });
                if show_specific && batch.shows.len() > 1 {
                    tracing::info!(error = %e, shows = batch.shows.len(), "poll: batch failed; splitting it to find the show");
                    let mid = batch.shows.len() / 2;
                    let mut totals = (0, 0, 0);
                    for half in [&batch.shows[..mid], &batch.shows[mid..]] {
                        let sub_members: Vec<&ShowFollowers> = members
                            .iter()
                            .copied()
                            .filter(|m| half.contains(&m.show))
                            .collect();
                        let sub = Batch {
                            shows: half.to_vec(),
                            actions: sub_members
                                .iter()
                                .fold(ActionSet::none(), |acc, f| acc.union(f.wanted)),
                            start: batch.start,
                        };
                        let (n, d, q) =
                            Box::pin(self.poll_batch(&sub, &sub_members, cancel)).await?;
                        totals = (totals.0 + n, totals.1 + d, totals.2 + q);
                    }
                    return Ok(totals);
                }
                for m in members {
                    let failures = m.state.failures + 1;
                    let wait = show_backoff(self.interval, failures);
                    let next = unix_now() + wait.as_secs() as i64;
                    if let Err(se) = self.store.record_show_failure(&m.show, next) {
                        tracing::error!(error = %se, "poll: cannot record a failure");
                    }
                    tracing::warn!(show = %m.show, error = %e, failures, retry_in = ?wait, "poll: show failed; backing off");
                }
                Ok((0, 0, 0))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ChannelId;
    use crate::store::ShowState;
    use crate::trakt::Activity;

    fn show(s: &str) -> ShowRef {
        ShowRef::parse(s).unwrap()
    }

    fn followers(
        slug: &str,
        channels: &[(u64, &str)],
        watermark: Option<i64>,
        next: Option<i64>,
    ) -> ShowFollowers {
        let channels: Vec<(ChannelId, ActionSet)> = channels
            .iter()
            .map(|(c, a)| (ChannelId(*c), ActionSet::parse(a).unwrap()))
            .collect();
        ShowFollowers {
            show: show(slug),
            title: slug.to_owned(),
            wanted: channels
                .iter()
                .fold(ActionSet::none(), |acc, (_, a)| acc.union(*a)),
            channels,
            state: ShowState {
                watermark: watermark.map(TraktTime),
                failures: 0,
                next_attempt: next,
            },
        }
    }

    fn activity(id: u64, ts: i64, action: &str, slug: Option<&str>) -> Activity {
        let show = slug.map_or(String::new(), |s| {
            format!(r#","show":{{"title":"T","url":"http://trakt.tv/show/{s}"}}"#)
        });
        serde_json::from_str(&format!(
            r#"{{"id":{id},"timestamp":{ts},"type":"episode","action":"{action}","user":{{"username":"u"}}{show}}}"#
        ))
        .unwrap()
    }

    #[test]
    fn plan_batches_due_shows_and_keeps_fresh_ones_apart() {
        let followed = vec![
            followers("a", &[(1, "seen")], Some(1_000), None),
            followers("b", &[(2, "shout")], Some(900), None),
            followers("c", &[(3, "rating")], Some(950), Some(10_000)), // backing off
            followers("d", &[(4, "all")], None, None),                 // never polled
            followers("e", &[(5, "seen")], Some(1_200), Some(50)),     // due again
        ];
        let plan = plan(&followed, 100, 2, Duration::from_secs(60));
        assert_eq!(plan.len(), 3, "{plan:?}");
        // Never-polled shows: no start, their own batch.
        assert_eq!(plan[0].shows, vec![show("d")]);
        assert_eq!(plan[0].start, None);
        // Known shows, sorted and cut at the batch size; start = oldest watermark − overlap.
        assert_eq!(plan[1].shows, vec![show("a"), show("b")]);
        assert_eq!(plan[1].start, Some(TraktTime(840)));
        assert_eq!(plan[1].actions, ActionSet::parse("seen,shout").unwrap());
        assert_eq!(plan[2].shows, vec![show("e")]);
        assert_eq!(plan[2].start, Some(TraktTime(1_140)));
    }

    #[test]
    fn plan_makes_one_request_per_batch_not_per_subscription() {
        let channels: Vec<(u64, &str)> = (0..20).map(|c| (c, "all")).collect();
        let followed: Vec<ShowFollowers> = (0..100)
            .map(|i| followers(&format!("show-{i}"), &channels, Some(5), None))
            .collect();
        assert_eq!(plan(&followed, 0, 20, Duration::from_secs(60)).len(), 5);
    }

    #[test]
    fn route_sends_each_activity_to_the_channels_that_want_it() {
        let a = followers("a", &[(1, "seen,shout"), (2, "rating")], Some(1_000), None);
        let b = followers("b", &[(3, "all")], Some(1_000), None);
        let fetched = Fetched {
            current: TraktTime(1_100),
            activities: vec![
                activity(1, 1_010, "seen", Some("a")),
                activity(2, 1_020, "rating", Some("a")),
                activity(3, 1_030, "checkin", Some("a")), // nobody wants it
                activity(4, 1_040, "seen", Some("b")),
                activity(5, 900, "seen", Some("a")), // older than the overlap window
                activity(6, 950, "shout", Some("a")), // inside the overlap: kept (dedupe decides)
                activity(7, 1_050, "seen", None),    // names no show in a 2-show batch
            ],
            requests: 1,
            skipped: 0,
        };
        let commit = route(&[&a, &b], &fetched, Duration::from_secs(60), 7);
        let routed: Vec<(u64, &str, Vec<u64>)> = commit
            .items
            .iter()
            .map(|i| {
                (
                    i.activity.id.unwrap(),
                    match &i.show {
                        ShowRef::Slug(s) => s.as_str(),
                        ShowRef::Tvdb(_) => "?",
                    },
                    i.channels.iter().map(|c| c.get()).collect(),
                )
            })
            .collect();
        assert_eq!(
            routed,
            vec![
                (1, "a", vec![1]),
                (2, "a", vec![2]),
                (4, "b", vec![3]),
                (6, "a", vec![1]),
            ]
        );
        assert_eq!(
            commit.watermarks,
            vec![(show("a"), TraktTime(1_100)), (show("b"), TraktTime(1_100))]
        );
        assert_eq!(commit.now, 7);
    }

    #[test]
    fn route_gives_showless_items_to_a_single_show_and_skips_first_polls() {
        let a = followers("a", &[(1, "all")], Some(1_000), None);
        let fetched = Fetched {
            current: TraktTime(1_100),
            activities: vec![activity(1, 1_010, "seen", None)],
            requests: 1,
            skipped: 0,
        };
        let commit = route(&[&a], &fetched, Duration::from_secs(60), 0);
        assert_eq!(commit.items.len(), 1);

        // A show never polled before only gets its watermark: no backlog.
        let fresh = followers("a", &[(1, "all")], None, None);
        let commit = route(&[&fresh], &fetched, Duration::from_secs(60), 0);
        assert!(commit.items.is_empty());
        assert_eq!(commit.watermarks, vec![(show("a"), TraktTime(1_100))]);
    }

    #[test]
    fn show_backoff_doubles_and_caps() {
        let i = Duration::from_secs(60);
        assert_eq!(show_backoff(i, 1), Duration::from_secs(120));
        assert_eq!(show_backoff(i, 3), Duration::from_secs(480));
        assert_eq!(show_backoff(i, 30), MAX_SHOW_BACKOFF);
    }
}
