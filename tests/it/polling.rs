//! The poller end to end against the fake Trakt and a real store: requests per
//! cycle (the floor, first polls), walks stopped by the page cap, and one show
//! failing with 5xx inside a batch. `Poller::cycle` is driven directly, with a
//! zero interval so per-show backoff never waits on the wall clock; `/activity`
//! runs in the whole bot.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use trakt_herald::clock::unix_now;
use trakt_herald::ids::{ChannelId, GuildId, UserId};
use trakt_herald::poller::Poller;
use trakt_herald::store::{NewFollow, Store};
use trakt_herald::trakt::{ActionSet, RetryPolicy, ShowRef, TraktClient, TraktTime};

use crate::support::activities::{episode_activity, TestShow};
use crate::support::fake_discord::{CommandInvocation, Member};
use crate::support::fake_trakt::{titles_of, FakeTrakt};
use crate::support::herald::{Herald, WAIT};

const KEY: &str = "pollkey0123456789";
const T0: i64 = 1_384_800_000;

struct Rig {
    trakt: FakeTrakt,
    store: Store,
    poller: Poller,
    _dir: tempfile::TempDir,
}

async fn rig(batch_size: usize) -> Rig {
    let trakt = FakeTrakt::start(KEY).await;
    trakt.set_now(T0);
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("store"), 4).expect("store");
    let retry = RetryPolicy {
        max_attempts: 1,
        ..RetryPolicy::v1()
    };
    let client = TraktClient::with_options(
        &trakt.base_url(),
        KEY,
        Duration::from_secs(5),
        1000.0,
        retry,
    )
    .expect("client");
    let poller = Poller {
        store: store.clone(),
        trakt: client,
        interval: Duration::ZERO,
        overlap: Duration::from_secs(60),
        batch_size,
        wake_delivery: Arc::new(Notify::new()),
        metrics: Default::default(),
        memory: Default::default(),
        schedule: None,
    };
    Rig {
        trakt,
        store,
        poller,
        _dir: dir,
    }
}

impl Rig {
    fn follow(&self, slug: &str, watermark: Option<i64>) {
        self.store
            .follow(NewFollow {
                slug: None,
                guild: GuildId(1),
                channel: ChannelId(2),
                show: show(slug),
                title: slug.to_owned(),
                actions: ActionSet::all(),
                created_by: UserId(3),
                now: unix_now(),
                start_watermark: watermark.map(TraktTime),
                max_per_guild: 10_000,
            })
            .expect("follow");
    }

    /// Run one cycle; answers the requests it sent.
    async fn cycle(&self) -> Vec<String> {
        let before = self.trakt.request_count();
        assert!(
            self.poller.cycle(&CancellationToken::new()).await.is_ok(),
            "the cycle halted"
        );
        self.trakt.requests()[before..].to_vec()
    }

    fn watermark(&self, slug: &str) -> Option<TraktTime> {
        self.store.show_state(&show(slug)).expect("state").watermark
    }

    /// The shows of the queued deliveries, one entry per delivery.
    fn queued_shows(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .store
            .pending(ChannelId(2), usize::MAX)
            .expect("pending")
            .into_iter()
            .map(|e| e.show.to_string())
            .collect();
        out.sort();
        out
    }
}

fn show(slug: &str) -> ShowRef {
    ShowRef::parse(slug).expect("valid show")
}

fn item(slug: &str, id: u64, ts: i64) -> Value {
    let title = format!("Show {slug}");
    let subject = TestShow {
        slug,
        title: &title,
        tvdb_id: None,
    };
    episode_activity(id, "seen", "someone", ts, &subject, 1, "Pilot")
}

#[tokio::test]
async fn a_steady_cycle_costs_exactly_the_floor_even_right_after_new_follows() {
    let r = rig(20).await;
    for i in 0..193 {
        r.follow(&format!("show-{i:03}"), Some(T0 - 100));
    }
    assert_eq!(r.cycle().await.len(), 10, "193 known shows at 20 a batch");
    for i in 193..200 {
        r.follow(&format!("show-{i:03}"), None);
    }
    r.trakt.advance(30);
    assert_eq!(
        r.cycle().await.len(),
        10,
        "7 new follows ride with known ones"
    );
    for i in 193..200 {
        assert_eq!(
            r.watermark(&format!("show-{i:03}")),
            Some(TraktTime(T0 + 30))
        );
    }
    r.trakt.advance(30);
    assert_eq!(r.cycle().await.len(), 10, "steady: 200 shows");
}

#[tokio::test]
async fn a_first_poll_asks_for_one_page_only() {
    let r = rig(20).await;
    r.trakt
        .publish_all((0..450u64).map(|i| item("deep-history", i + 1, T0 - 10_000 + i as i64)));
    r.follow("deep-history", None);
    let sent = r.cycle().await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(r.watermark("deep-history"), Some(TraktTime(T0)));
    assert!(r.queued_shows().is_empty(), "the backlog is not announced");
}

#[tokio::test]
async fn a_walk_stopped_by_the_page_cap_keeps_the_watermark_and_fills_the_gap() {
    let r = rig(20).await;
    let start = T0 - 10_000;
    r.follow("busy-show", Some(start));
    // 5 150 items, one a second: 52 pages, over the 50-page cap.
    r.trakt
        .publish_all((0..5_150u64).map(|i| item("busy-show", i + 1, start + 1 + i as i64)));
    let sent = r.cycle().await;
    assert_eq!(sent.len(), 50, "the cap");
    assert_eq!(
        r.watermark("busy-show"),
        Some(TraktTime(start)),
        "an incomplete walk does not move the watermark"
    );
    assert!(r.queued_shows().len() >= 4_950);

    r.trakt.advance(30);
    let sent = r.cycle().await;
    assert!(sent.len() <= 3, "only the gap is fetched: {sent:?}");
    assert_eq!(
        r.queued_shows().len(),
        5_150,
        "nothing lost, nothing doubled"
    );
    assert_eq!(
        r.watermark("busy-show"),
        Some(TraktTime(T0)),
        "the first walk's clock"
    );

    r.trakt.publish(item("busy-show", 9_999, T0 + 20));
    let sent = r.cycle().await;
    assert_eq!(sent.len(), 1, "back to normal polls");
    assert_eq!(r.queued_shows().len(), 5_151);
}

#[tokio::test]
async fn a_show_failing_with_500_backs_off_alone_and_its_batch_mates_flow() {
    let r = rig(20).await;
    for slug in ["healthy-a", "healthy-b", "sick-show"] {
        r.follow(slug, Some(T0 - 100));
    }
    r.trakt.fail_show("sick-show", 500);
    r.trakt.publish_all([
        item("healthy-a", 1, T0 - 50),
        item("healthy-b", 2, T0 - 40),
        item("sick-show", 3, T0 - 30),
    ]);
    let first = r.cycle().await;
    assert_eq!(first.len(), 1, "one batch of three");
    assert!(r.queued_shows().is_empty());
    r.cycle().await;
    assert_eq!(
        r.queued_shows(),
        vec!["healthy-a".to_owned(), "healthy-b".to_owned()],
        "within two cycles"
    );
    // The split is remembered: the healthy shows are never asked together
    // with the sick one again.
    let before = r.trakt.request_count();
    r.trakt.publish(item("healthy-b", 4, T0 + 1));
    r.trakt.advance(5);
    for _ in 0..3 {
        r.cycle().await;
    }
    let later = &r.trakt.requests()[before..];
    let sick_later: Vec<&String> = later
        .iter()
        .filter(|p| titles_of(p).contains(&"sick-show".to_owned()))
        .collect();
    assert!(!sick_later.is_empty(), "the sick show is still tried");
    assert!(
        sick_later
            .iter()
            .all(|p| titles_of(p) == vec!["sick-show".to_owned()]),
        "{later:?}"
    );
    assert!(
        later
            .iter()
            .any(|p| titles_of(p) == vec!["healthy-a".to_owned(), "healthy-b".to_owned()]),
        "the healthy shows rejoin one batch: {later:?}"
    );
    assert!(!r.trakt.requests_naming("sick-show").is_empty());
    assert_eq!(r.queued_shows().len(), 3);
    assert!(
        r.store
            .show_state(&show("sick-show"))
            .expect("state")
            .failures
            >= 2
    );
    assert_eq!(
        r.store
            .show_state(&show("healthy-a"))
            .expect("state")
            .failures,
        0
    );

    // Once it recovers, its activity comes through.
    r.trakt.heal_show("sick-show");
    r.cycle().await;
    assert_eq!(r.queued_shows().len(), 4);
}

#[tokio::test]
async fn activity_asks_trakt_only_for_the_pages_it_shows() {
    let bot = Herald::start().await;
    let now = bot.trakt.now();
    bot.trakt
        .publish_all((0..450u64).map(|i| item("busy-show", i + 1, now - 450 + i as i64)));
    let before = bot.trakt.request_count();
    let r = bot
        .discord
        .interact(
            CommandInvocation::new("activity")
                .option("show", "busy-show")
                .option("digest", false)
                .by(Member::plain()),
        )
        .await;
    let replies = bot.discord.wait_reply(&r, WAIT).await;
    let sent = &bot.trakt.requests()[before..];
    assert_eq!(sent.len(), 2, "the clock, then one page: {sent:?}");
    let reply = &replies[0];
    assert_eq!(reply.embeds.len(), 10);
    let content = reply.content.clone().unwrap_or_default();
    assert!(content.contains("10 of 100+"), "{content}");
}
