//! The Trakt API v2 poll loop. Each cycle:
//!
//! 1. reads the followed shows (the store's compact index) and the Trakt id
//!    of each (a show followed on v1 by slug or TVDB id is resolved once per
//!    process, `targets`);
//! 2. reads the site-wide recent-comments feeds back to their watermarks,
//!    filtered to the shows wanting `shout`/`review` (`feeds`); show-level
//!    comments come from the feed or from one request per show, whichever
//!    is cheaper this cycle (`plan::choose`);
//! 3. polls each due show's own sources: its show-level comments (when read
//!    per show), its lists and list items, who is watching it (`show`);
//! 4. polls each due followed Trakt user, once for all its channels, through
//!    the sources its follows need (`users`, decisions in `user_plan`);
//! 5. commits each feed, each show and each user in ONE store transaction (items,
//!    dedupe keys, marks), so a crash at any instant neither loses nor
//!    repeats a post: what was not committed is read again from the old mark.
//!
//! Every request goes through the one `V2Client`, whose budget is shared
//! with the commands: when a cycle needs more requests than `poll.interval`
//! allows, the budget spaces them out, the cycle takes longer, every show
//! still gets its turn, and the cycle's log line gives the effective interval.
//! A refused client id (403) stops polling with one error line. Pure
//! decisions are in `plan`; every store call runs on the blocking pool.

mod feeds;
pub mod plan;
mod schedule;
mod show;
mod targets;
pub mod user_plan;
mod user_sources;
mod users;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use self::plan::ShowComments;
use super::{show_backoff, DEDUPE_RETENTION};
use crate::activity::{self, Activity};
use crate::clock::unix_now;
use crate::metrics::Metrics;
use crate::store::{CommitStats, Feed, PollCommit, PollItem, ShowFollowers, Store};
use crate::trakt::v2::{ShowId, V2Client, V2Error};
use crate::trakt::{Action, ActionSet, ShowRef};

/// Page sizes and caps of the v2 walks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Pages of 250 read per site-wide feed per cycle, at most.
    pub feed_pages: u32,
    /// Pages of 100 show comments read per show per cycle, at most.
    pub show_comment_pages: u32,
    /// Pages of 100 lists per show per cycle, at most.
    pub list_pages: u32,
    /// Pages of 250 items per changed list, at most.
    pub list_item_pages: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            feed_pages: 10,
            show_comment_pages: 5,
            list_pages: 3,
            list_item_pages: 4,
        }
    }
}

/// How show-level comments are read: chosen per cycle (the default), or
/// forced one way (benchmarks compare the two).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CommentsMode {
    #[default]
    Auto,
    Always(ShowComments),
}

/// What the v2 poller remembers between cycles (in memory only: it is all
/// re-derivable, at the cost of a request or two).
#[derive(Debug, Default)]
pub struct Memory {
    /// Trakt ids of shows stored by slug or TVDB id (v1-era follows).
    resolved: HashMap<ShowRef, ShowId>,
    /// How each show is named in the embeds of its own sources.
    labels: HashMap<ShowRef, activity::Show>,
    /// Comments per second each feed showed on its last walk.
    rates: HashMap<Feed, f64>,
    /// The feeds answer in the contract's bare shape (no show per item).
    bare_feed: bool,
    /// When the previous cycle started.
    last_start: Option<Instant>,
    /// Each show's planned interval, for `/status`.
    pub intervals: crate::poller::intervals::Intervals,
}

impl Memory {
    /// An empty memory that publishes each show's planned interval to `intervals`.
    pub fn publishing(intervals: crate::poller::intervals::Intervals) -> Self {
        Memory {
            intervals,
            ..Memory::default()
        }
    }
}

/// The v2 polling loop.
#[derive(Clone)]
pub struct V2Poller {
    pub store: Store,
    pub client: V2Client,
    pub interval: Duration,
    pub overlap: Duration,
    pub limits: Limits,
    pub comments: CommentsMode,
    /// Poked after a commit queued deliveries.
    pub wake_delivery: Arc<Notify>,
    pub metrics: Metrics,
    pub memory: Arc<Mutex<Memory>>,
    /// The adaptive schedule of the per-show sources (`None`: every show
    /// every cycle).
    pub schedule: Option<crate::poller::due::Scheduling>,
}

/// Why a cycle ended early.
enum Halt {
    /// Trakt refused the client id (or Cloudflare blocks the bot): nothing
    /// works until the configuration changes.
    Fatal(V2Error),
    Cancelled,
}

/// A followed show and its Trakt id.
struct Target<'a> {
    f: &'a ShowFollowers,
    id: ShowId,
}

impl Target<'_> {
    fn wants(&self, action: Action) -> bool {
        self.f.wanted.contains(action)
    }

    fn wants_any(&self, actions: ActionSet) -> bool {
        !self.f.wanted.intersection(actions).is_empty()
    }

    /// A poll item of this show for the channels wanting `activity`.
    fn item(&self, activity: Activity) -> Option<PollItem> {
        let channels: Vec<_> = self
            .f
            .channels
            .iter()
            .filter(|(_, a)| a.contains(activity.action))
            .map(|(c, _)| *c)
            .collect();
        (!channels.is_empty()).then(|| PollItem {
            show: self.f.show.clone(),
            activity,
            channels,
        })
    }
}

fn comment_actions() -> ActionSet {
    ActionSet::none()
        .union(single(Action::Shout))
        .union(single(Action::Review))
}

/// What a show's own sources (lists, watchers) serve.
fn own_actions() -> ActionSet {
    single(Action::Watching)
        .union(single(Action::Created))
        .union(single(Action::ItemAdded))
}

fn single(a: Action) -> ActionSet {
    let mut s = ActionSet::none();
    s.insert(a);
    s
}

/// New activities, duplicates, deliveries queued and requests sent.
#[derive(Clone, Copy, Debug, Default)]
struct Totals {
    new: usize,
    duplicates: usize,
    queued: usize,
    requests: u32,
}

impl Totals {
    fn add(&mut self, o: Totals) {
        self.new += o.new;
        self.duplicates += o.duplicates;
        self.queued += o.queued;
        self.requests += o.requests;
    }
}

impl V2Poller {
    /// Poll every `interval` until cancelled. A failing cycle is logged and
    /// the next one tries again; a refused client id stops polling.
    pub async fn run(self, cancel: CancellationToken) {
        let mut ticker = tokio::time::interval(self.interval);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = cancel.cancelled() => break,
                _ = ticker.tick() => {}
            }
            let outcome = tokio::select! {
                _ = cancel.cancelled() => Err(Halt::Cancelled),
                r = self.cycle(&cancel) => r,
            };
            match outcome {
                Ok(()) => {}
                Err(Halt::Cancelled) => break,
                Err(Halt::Fatal(e)) => {
                    tracing::error!(
                        error = %e,
                        "Trakt refused the bot: polling has stopped. Fix trakt.api_key / TRAKT_API_KEY (the Trakt client id) and restart the bot."
                    );
                    cancel.cancelled().await;
                    break;
                }
            }
        }
        tracing::info!("poller stopped");
    }

    /// One cycle, now (benchmarks): the error is the fatal one that would
    /// stop [`V2Poller::run`].
    pub async fn poll_once(&self) -> Result<(), V2Error> {
        match self.cycle(&CancellationToken::new()).await {
            Ok(()) | Err(Halt::Cancelled) => Ok(()),
            Err(Halt::Fatal(e)) => Err(e),
        }
    }

    fn memory(&self) -> MutexGuard<'_, Memory> {
        // Only a cache of re-derivable facts: a panic while held leaves it usable.
        self.memory.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// One cycle: the feeds, then every due show.
    async fn cycle(&self, cancel: &CancellationToken) -> Result<(), Halt> {
        let start = Instant::now();
        let timer = self.metrics.poll_cycle();
        let effective = {
            let mut m = self.memory();
            let e = plan::effective_interval(m.last_start, start);
            m.last_start = Some(start);
            e
        };
        let followed = match self.store.blocking(|s| s.followed_shows()).await {
            Ok(f) => f,
            Err(e) => {
                tracing::error!(error = %e, "poll: cannot read subscriptions");
                return Ok(());
            }
        };
        let mut totals = Totals::default();
        let targets = self.targets(&followed, &mut totals).await?;
        let now = unix_now();
        // Comments, from every source, in one commit: posted oldest first.
        let mut comments = PollCommit::default();
        let mode = self
            .read_feeds(&targets, &mut comments, &mut totals)
            .await?;
        let (due, spread) = self.due(&targets, mode, now).await;
        if mode == ShowComments::PerShow {
            for t in due.iter().filter(|t| t.wants_any(comment_actions())) {
                if cancel.is_cancelled() {
                    return Err(Halt::Cancelled);
                }
                let read = self
                    .poll_show_comments(t, &mut comments, &mut totals)
                    .await?;
                if read && !t.wants_any(own_actions()) {
                    comments.polled.push((t.f.show.clone(), now));
                }
            }
        }
        comments.counted = comments.items.iter().map(|i| i.show.clone()).collect();
        comments.counted.dedup();
        let counted = self.commit(comments).await;
        totals.add(counted);
        for t in due.iter().filter(|t| t.wants_any(own_actions())) {
            if cancel.is_cancelled() {
                return Err(Halt::Cancelled);
            }
            let t_totals = self.poll_show(t, now).await?;
            totals.add(t_totals);
        }
        let users = self.poll_users(cancel, &mut totals).await?;
        let polled = due.len();
        let cutoff = now - DEDUPE_RETENTION.as_secs() as i64;
        if let Err(e) = self.store.blocking(move |s| s.prune_dedupe(cutoff)).await {
            tracing::warn!(error = %e, "poll: dedupe pruning failed");
        }
        timer.done();
        tracing::info!(
            api = "v2",
            shows = targets.len(),
            polled,
            users,
            show_comments = ?mode,
            requests = totals.requests,
            new_activities = totals.new,
            duplicates = totals.duplicates,
            deliveries_queued = totals.queued,
            took_secs = start.elapsed().as_secs_f64(),
            effective_interval_secs = effective.map(|d| d.as_secs_f64()),
            interval_min_secs = spread.map(|s| s.0),
            interval_median_secs = spread.map(|s| s.1),
            interval_max_secs = spread.map(|s| s.2),
            "poll cycle done"
        );
        Ok(())
    }

    /// Commit items (oldest first) with their marks; counts what happened.
    async fn commit(&self, mut commit: PollCommit) -> Totals {
        commit.items.sort_by_key(|i| i.activity.time());
        commit.now = unix_now();
        match self.store.blocking(move |s| s.commit_poll(commit)).await {
            Ok(stats) => self.count(stats),
            Err(e) => {
                tracing::error!(error = %e, "poll: commit failed; it will be read again");
                Totals::default()
            }
        }
    }

    fn count(&self, stats: CommitStats) -> Totals {
        self.metrics
            .activities(stats.new_activities, stats.duplicates);
        if stats.queued > 0 {
            self.wake_delivery.notify_one();
        }
        Totals {
            new: stats.new_activities,
            duplicates: stats.duplicates,
            queued: stats.queued,
            requests: 0,
        }
    }

    /// Whether Trakt says `show` itself does not exist (its summary answers
    /// 404): a 404 of one of its lists does not make the show gone.
    async fn is_gone(&self, show: &ShowRef) -> bool {
        matches!(
            self.client.show_summary(&show.as_segment(), false).await,
            Err(V2Error::NotFound)
        )
    }

    /// A failed request: fatal ones stop the cycle; others back the show
    /// off (when it is one show's) and are logged.
    async fn failed(&self, show: Option<&ShowRef>, e: V2Error) -> Result<(), Halt> {
        if e.is_fatal() {
            return Err(Halt::Fatal(e));
        }
        self.metrics.poll_failed();
        let Some(show) = show.cloned() else {
            tracing::warn!(error = %e, "poll: a site-wide feed failed; it is read again next cycle");
            return Ok(());
        };
        let interval = self.interval;
        let label = show.to_string();
        let gone = matches!(e, V2Error::NotFound) && self.is_gone(&show).await;
        let message = e.to_string();
        let result = self
            .store
            .blocking(move |s| {
                let failures = s.show_state(&show)?.failures.saturating_add(1);
                let wait = show_backoff(interval, failures);
                let now = unix_now();
                let next = now + wait.as_secs() as i64;
                s.record_show_failure_because(&show, next, &message, now, gone)
                    .map(|n| (n, wait))
            })
            .await;
        match result {
            Ok((failures, wait)) => tracing::warn!(
                show = %label, error = %e, failures, retry_in_secs = wait.as_secs(),
                "poll: show failed; it backs off"
            ),
            Err(se) => tracing::error!(show = %label, error = %se, "poll: cannot record a failure"),
        }
        Ok(())
    }
}
