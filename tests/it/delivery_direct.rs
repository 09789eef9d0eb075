//! The real `Deliverer` against the fake Discord's REST side, on a temporary
//! store filled directly: a refused token stops the bot (item 7), a channel's
//! spacing survives its task ending (item 10), and an unanswered message is
//! found in the channel's history instead of being posted twice after Discord
//! forgot its nonce (item 11).

use std::sync::Arc;
use std::time::Duration;

use tempfile::TempDir;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use trakt_herald::deliver::Deliverer;
use trakt_herald::discord::rest::DiscordRest;
use trakt_herald::ids::{ChannelId, GuildId, UserId};
use trakt_herald::ratelimit::RateLimiter;
use trakt_herald::shutdown::{Fatal, Shutdown};
use trakt_herald::store::{NewFollow, PollCommit, PollItem, Store};
use trakt_herald::trakt::{ActionSet, ShowRef, TraktTime};

use crate::support::activities::{episode_activity, TestShow};
use crate::support::fake_discord::{self, FakeDiscord, Fault, RecordedRequest, Route, Times};
use crate::support::herald::{eventually, WAIT};

const SHOW: &str = "the-walking-dead";
const T0: i64 = 1_384_800_000;

/// Follow [`SHOW`] in `channel` and queue `users.len()` activities for it,
/// one per user (its embed's author), with ids from `first_id`.
pub fn queue(store: &Store, channel: u64, first_id: u64, users: &[String]) {
    let show = ShowRef::parse(SHOW).expect("show");
    store
        .follow(NewFollow {
            slug: None,
            guild: GuildId(fake_discord::GUILD_ID),
            channel: ChannelId(channel),
            show: show.clone(),
            title: "The Walking Dead".into(),
            actions: ActionSet::all(),
            created_by: UserId(fake_discord::MODERATOR_USER_ID),
            now: T0,
            start_watermark: Some(TraktTime(T0)),
            max_per_guild: 1000,
        })
        .expect("follow");
    // One embed per activity: digests off (tests/it/digest.rs tests them).
    store
        .set_digest(ChannelId(channel), &show, false)
        .expect("digest off");
    let subject = TestShow {
        slug: SHOW,
        title: "The Walking Dead",
        tvdb_id: None,
    };
    let items = users
        .iter()
        .enumerate()
        .map(|(k, user)| {
            let id = first_id + k as u64;
            let json = episode_activity(id, "seen", user, T0 + id as i64, &subject, 3, "Walls");
            // A v1 wire item, mapped into the activity model at the test's edge.
            let v1: trakt_herald::trakt::Activity = serde_json::from_value(json).expect("activity");
            PollItem {
                show: show.clone(),
                activity: v1.into(),
                channels: vec![ChannelId(channel)],
            }
        })
        .collect();
    let stats = store
        .commit_poll(PollCommit {
            feeds: Vec::new(),
            marks: Vec::new(),
            watermarks: Vec::new(),
            items,
            now: T0,
            ..Default::default()
        })
        .expect("commit");
    assert_eq!(stats.queued, users.len());
}

/// A running deliverer on a fresh store.
struct Running {
    store: Store,
    shutdown: Shutdown,
    wake: Arc<Notify>,
    task: JoinHandle<()>,
    _dir: TempDir,
}

fn users(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i:03}")).collect()
}

/// Start a deliverer against `discord` with `interval` between two messages
/// to one channel and `timeout` per request; `fill` queues before it starts.
async fn start(
    discord: &FakeDiscord,
    interval: Duration,
    timeout: Duration,
    fill: impl FnOnce(&Store),
) -> Running {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("store"), 4).expect("store");
    fill(&store);
    let shutdown = Shutdown::new(CancellationToken::new());
    let wake = Arc::new(Notify::new());
    let deliverer = Deliverer {
        store: store.clone(),
        rest: DiscordRest::new(&discord.api_base(), fake_discord::TOKEN, timeout).expect("rest"),
        pacer: Arc::new(RateLimiter::new(50.0, 50)),
        channel_interval: interval,
        wake: wake.clone(),
        metrics: Default::default(),
        shutdown: shutdown.clone(),
    };
    let task = tokio::spawn(deliverer.run(shutdown.token().clone()));
    Running {
        store,
        shutdown,
        wake,
        task,
        _dir: dir,
    }
}

fn posts_to(discord: &FakeDiscord, channel: u64) -> Vec<RecordedRequest> {
    discord.requests_to(&Route::channel_messages(channel))
}

fn authors_in(discord: &FakeDiscord, channel: u64) -> Vec<String> {
    discord
        .channel_messages(channel)
        .iter()
        .flat_map(|m| m["embeds"].as_array().cloned().unwrap_or_default())
        .filter_map(|e| e["author"]["name"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_stops_delivery_after_at_most_one_request_per_channel() {
    let discord = fake_discord::start().await;
    discord.inject(
        Route::new("POST", "/channels/*/messages"),
        Fault::Status(401),
        Times::Forever,
    );
    let channels = [5_001u64, 5_002, 5_003];
    let running = start(
        &discord,
        Duration::from_millis(10),
        Duration::from_secs(5),
        |store| {
            for (k, channel) in channels.iter().enumerate() {
                queue(store, *channel, 1 + 100 * k as u64, &users("u", 25));
            }
        },
    )
    .await;
    tokio::time::timeout(WAIT, running.task)
        .await
        .expect("delivery stops by itself on a 401")
        .expect("no panic");
    assert_eq!(running.shutdown.fatal(), Some(Fatal::DiscordTokenRefused));
    assert!(running.shutdown.token().is_cancelled(), "the bot stops");
    for channel in channels {
        let n = posts_to(&discord, channel).len();
        assert!(n <= 1, "channel {channel}: {n} requests after a 401");
    }
    assert!(
        channels.iter().any(|c| !posts_to(&discord, *c).is_empty()),
        "something was tried"
    );
    assert!(
        running.store.outbox_len().expect("outbox") > 0,
        "nothing dropped"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channel_that_drains_and_refills_still_keeps_its_spacing() {
    let discord = fake_discord::start().await;
    let channel = 5_010u64;
    let interval = Duration::from_millis(1500);
    let running = start(&discord, interval, Duration::from_secs(5), |store| {
        queue(store, channel, 1, &users("first", 1));
    })
    .await;
    discord.wait_channel_messages(channel, 1, WAIT).await;
    // Drained: the channel's task ends. New entries a moment later…
    eventually("the outbox drained", WAIT, || {
        running.store.outbox_len().ok() == Some(0)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    queue(&running.store, channel, 10, &users("second", 1));
    running.wake.notify_one();
    discord.wait_channel_messages(channel, 2, WAIT).await;
    let posts = posts_to(&discord, channel);
    assert_eq!(posts.len(), 2);
    let gap = posts[1].received_at - posts[0].received_at;
    // The first request's own transit counts against the spacing; allow it.
    assert!(
        gap >= interval - Duration::from_millis(100),
        "two messages to one channel {gap:?} apart (spacing {interval:?})"
    );
    running.shutdown.token().cancel();
}

/// Discord posts the message but its answer never comes; the request times
/// out and Discord forgets the nonce before the retry.
async fn unanswered_after_the_nonce_window(refuse_history: bool) -> (FakeDiscord, u64) {
    let discord = fake_discord::start().await;
    let channel = if refuse_history { 5_021 } else { 5_020 };
    discord.set_nonce_window(Duration::from_millis(200));
    if refuse_history {
        discord.refuse_history(channel);
    }
    discord.inject(Route::channel_messages(channel), Fault::AcceptThenStall, 1);
    let running = start(
        &discord,
        Duration::from_millis(10),
        Duration::from_millis(700),
        |store| queue(store, channel, 1, &users("once", 3)),
    )
    .await;
    eventually("the batch is settled", WAIT, || {
        running.store.outbox_len().ok() == Some(0)
    })
    .await;
    running.shutdown.token().cancel();
    tokio::time::timeout(WAIT, running.task)
        .await
        .expect("stops")
        .expect("no panic");
    (discord, channel)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_message_is_found_in_the_history_and_not_posted_twice() {
    let (discord, channel) = unanswered_after_the_nonce_window(false).await;
    assert_eq!(
        authors_in(&discord, channel),
        users("once", 3),
        "posted exactly once"
    );
    assert_eq!(posts_to(&discord, channel).len(), 1, "and not sent again");
    let reads = discord.requests_to(&Route::new("GET", &format!("/channels/{channel}/messages")));
    assert!(!reads.is_empty(), "the history was read");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_read_message_history_the_resend_relies_on_the_nonce_alone() {
    // The limit the read-back removes: after the nonce window, a refused
    // history read falls back to the nonce, and Discord posts again.
    let (discord, channel) = unanswered_after_the_nonce_window(true).await;
    let reads = discord.requests_to(&Route::new("GET", &format!("/channels/{channel}/messages")));
    assert!(reads.iter().all(|r| r.status == Some(403)) && !reads.is_empty());
    assert_eq!(
        posts_to(&discord, channel).len(),
        2,
        "resent with its nonce"
    );
    assert_eq!(
        authors_in(&discord, channel).len(),
        6,
        "Discord forgot the nonce: the fake posts twice, the channel is not disabled"
    );
}
