//! The notification pipeline end to end (issue 6): each channel gets exactly
//! what its filter wants, once, in order, packed; overlapping polls and paging
//! back lose and repeat nothing; Trakt outages and Discord refusals, rate limits
//! and errors are survived; unfollow drops what is pending; and the real binary,
//! killed with SIGKILL at five moments while activity flows, still delivers
//! every activity exactly once (every restart past the nonce window), then
//! stops cleanly on SIGTERM.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::time::Instant;
use trakt_herald::clock::unix_now;
use trakt_herald::ids::{ChannelId, GuildId, UserId};
use trakt_herald::store::{NewFollow, Store, SubState};
use trakt_herald::trakt::{Action, ActionSet, ShowRef, TraktTime};

use crate::support::activities::{episode_activity, TestShow};
use crate::support::fake_discord::{
    self, CommandInvocation, FakeDiscord, Fault, RecordedRequest, Route, State, Times, CHANNEL_ID,
    GUILD_ID, OTHER_CHANNEL_ID,
};
use crate::support::fake_trakt::{FailKind, FakeTrakt};
use crate::support::herald::{config_text, eventually, Herald, Options, T0, TRAKT_KEY, WAIT};
use crate::support::process::Process;

/// A third text channel (the fake Discord accepts messages to any channel id).
const THIRD_CHANNEL_ID: u64 = 1_100_000_000_000_000_022;
const TWD: &str = "the-walking-dead";
const BREAKING_BAD: &str = "breaking-bad";

/// An episode activity of `show` by `user`; `user` is its identity in what the
/// fake Discord stores (the embed's author name).
fn activity(show: &str, id: u64, action: &str, user: &str, ts: i64) -> Value {
    let title = format!("Show {show}");
    let subject = TestShow {
        slug: show,
        title: &title,
        tvdb_id: None,
    };
    let mut a = episode_activity(id, action, user, ts, &subject, 6, "Live Bait");
    if let Some(obj) = a.as_object_mut() {
        obj.insert("rating_advanced".to_owned(), json!(8));
        obj.insert("use_rating_advanced".to_owned(), json!(true));
    }
    a
}

fn twd(id: u64, action: &str, user: &str, ts: i64) -> Value {
    activity(TWD, id, action, user, ts)
}

/// Follow `show` in `channel` straight in the store, polling from `watermark`.
fn follow(store: &Store, channel: u64, show: &str, actions: &str, watermark: i64) {
    store
        .follow(NewFollow {
            slug: None,
            guild: GuildId(GUILD_ID),
            channel: ChannelId(channel),
            show: ShowRef::parse(show).expect("a valid show"),
            title: show.to_owned(),
            actions: ActionSet::parse(actions).expect("valid actions"),
            created_by: UserId(fake_discord::MODERATOR_USER_ID),
            now: unix_now(),
            start_watermark: Some(TraktTime(watermark)),
            max_per_guild: 50,
        })
        .expect("follow");
    // These tests are about one embed per activity: digests off (tests/it/digest.rs).
    let show = ShowRef::parse(show).expect("a valid show");
    store
        .set_digest(ChannelId(channel), &show, false)
        .expect("digest off");
}

/// The author names of every embed in `messages`, in order.
fn authors(messages: &[Value]) -> Vec<String> {
    messages
        .iter()
        .flat_map(|m| m["embeds"].as_array().cloned().unwrap_or_default())
        .map(|e| e["author"]["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn embed_counts(messages: &[Value]) -> Vec<usize> {
    messages
        .iter()
        .map(|m| m["embeds"].as_array().map_or(0, Vec::len))
        .collect()
}

/// The channel's embeds' authors once there are at least `n`.
async fn wait_authors(discord: &FakeDiscord, channel: u64, n: usize) -> Vec<String> {
    discord
        .wait_for(
            |s| {
                let a = authors(&s.channel_messages(channel));
                (a.len() >= n).then_some(a)
            },
            WAIT,
        )
        .await
}

/// Wait until the fake Trakt has answered `n` more requests (polls).
async fn polls(trakt: &FakeTrakt, n: usize) {
    let seen = trakt.request_count();
    eventually(&format!("{n} more Trakt requests"), WAIT, || {
        trakt.request_count() >= seen + n
    })
    .await;
}

fn nonce(r: &RecordedRequest) -> String {
    r.body["nonce"].as_str().unwrap_or_default().to_owned()
}

fn names(users: &[&str]) -> Vec<String> {
    users.iter().map(|u| (*u).to_owned()).collect()
}

#[tokio::test]
async fn each_channel_gets_exactly_its_actions_once_in_timestamp_order() {
    let mut bot = Herald::start().await;
    for (channel, actions) in [(CHANNEL_ID, "seen,shout"), (OTHER_CHANNEL_ID, "rating")] {
        let r = bot
            .discord
            .interact(
                CommandInvocation::new("follow")
                    .in_channel(channel)
                    .option("show", TWD)
                    .option("actions", actions)
                    .option("digest", false),
            )
            .await;
        let replies = bot.discord.wait_reply(&r, WAIT).await;
        assert!(!replies[0].ephemeral, "/follow is confirmed: {replies:?}");
    }

    let t = bot.trakt.now();
    bot.trakt.advance(20);
    // Published newest first: the bot orders by timestamp, not by arrival.
    bot.trakt.publish_all([
        twd(17, "shout", "gus", t + 7),
        twd(16, "rating", "fay", t + 6),
        twd(15, "seen", "eve", t + 5),
        twd(14, "rating", "dee", t + 4),
        twd(13, "shout", "cid", t + 3),
        twd(12, "checkin", "bob", t + 2),
        twd(11, "seen", "ann", t + 1),
    ]);
    wait_authors(&bot.discord, CHANNEL_ID, 4).await;
    wait_authors(&bot.discord, OTHER_CHANNEL_ID, 2).await;
    // Overlapping polls over the same window add nothing.
    polls(&bot.trakt, 3).await;
    bot.stop().await;

    let first = bot.discord.channel_messages(CHANNEL_ID);
    let second = bot.discord.channel_messages(OTHER_CHANNEL_ID);
    assert_eq!(authors(&first), names(&["ann", "cid", "eve", "gus"]));
    assert_eq!(authors(&second), names(&["dee", "fay"]));
    for messages in [&first, &second] {
        assert!(
            !messages.iter().any(|m| m.to_string().contains("bob")),
            "the checkin goes nowhere: {messages:?}"
        );
    }
    assert_eq!(bot.store.outbox_len().expect("outbox"), 0);
    assert!(bot.discord.violations().is_empty());
}

#[tokio::test]
async fn a_burst_of_35_is_four_messages_within_the_limits() {
    let mut bot = Herald::start_with(Options {
        channel_message_interval: "300ms",
        ..Options::default()
    })
    .await;
    let t = bot.trakt.now();
    follow(&bot.store, CHANNEL_ID, TWD, "all", t);
    bot.trakt.advance(60);
    let users: Vec<String> = (0..35).map(|i| format!("burst{i:02}")).collect();
    bot.trakt.publish_all(
        users
            .iter()
            .enumerate()
            .map(|(i, u)| twd(100 + i as u64, "seen", u, t + 1 + i as i64)),
    );
    wait_authors(&bot.discord, CHANNEL_ID, 35).await;
    polls(&bot.trakt, 2).await;
    bot.stop().await;

    let messages = bot.discord.channel_messages(CHANNEL_ID);
    assert_eq!(embed_counts(&messages), vec![10, 10, 10, 5]);
    assert_eq!(authors(&messages), users);
    assert!(
        bot.discord.violations().is_empty(),
        "{:?}",
        bot.discord.violations()
    );
    let sent = bot
        .discord
        .requests_to(&Route::channel_messages(CHANNEL_ID));
    assert_eq!(sent.len(), 4, "no request was refused or repeated");
    // channel_message_interval is 300 ms: three gaps, less 200 ms of arrival
    // jitter on a loaded machine (unpaced, the four would take a few ms).
    let span = sent[3].received_at - sent[0].received_at;
    assert!(
        span >= Duration::from_millis(700),
        "messages to one channel are paced: {span:?}"
    );
    for r in &sent {
        assert_eq!(r.body["allowed_mentions"], json!({"parse": []}));
        assert_eq!(r.body["enforce_nonce"], json!(true));
    }
}

#[tokio::test]
async fn deliveries_to_many_channels_keep_to_the_global_budget() {
    let mut bot = Herald::start_with(Options {
        max_messages_per_second: 5.0,
        ..Options::default()
    })
    .await;
    let t = bot.trakt.now();
    let channels: Vec<u64> = (0..4).map(|k| THIRD_CHANNEL_ID + k).collect();
    for channel in &channels {
        follow(&bot.store, *channel, TWD, "all", t);
    }
    bot.trakt.advance(60);
    // 30 activities: 3 messages in each of 4 channels, 12 in all.
    bot.trakt.publish_all((0..30).map(|i| {
        twd(
            100 + i as u64,
            "seen",
            &format!("g{i:02}"),
            t + 1 + i as i64,
        )
    }));
    for channel in &channels {
        wait_authors(&bot.discord, *channel, 30).await;
    }
    bot.stop().await;

    let mut times: Vec<Instant> = bot
        .discord
        .requests()
        .iter()
        .filter(|r| is_message_post(r))
        .map(|r| r.received_at)
        .collect();
    times.sort();
    assert_eq!(times.len(), 12, "each message sent once");
    // A bucket of 5 per second with a burst of 5: the last of 12 messages goes
    // no sooner than 7 × 200 ms after the first (unpaced, all 12 would take a
    // few ms); 200 ms are allowed for arrival jitter on a loaded machine.
    let span = times[11] - times[0];
    assert!(
        span >= Duration::from_millis(1200),
        "12 messages in {span:?}"
    );
    assert!(bot.discord.violations().is_empty());
}

#[tokio::test]
async fn overlapping_polls_and_paging_back_lose_nothing_and_repeat_nothing() {
    let mut bot = Herald::start_with(Options {
        overlap: "60s",
        ..Options::default()
    })
    .await;
    let w0 = bot.trakt.now();
    // Followed a while ago: what is indexed late below still postdates the follow.
    follow(&bot.store, CHANNEL_ID, TWD, "all", w0 - 100);

    // An activity exactly at the server's `current`: every later poll starts at
    // or before it (inclusive bounds, overlap) and sees it again.
    bot.trakt.publish(twd(1, "seen", "edge", w0));
    wait_authors(&bot.discord, CHANNEL_ID, 1).await;
    polls(&bot.trakt, 3).await;
    let watermark = bot
        .store
        .show_state(&ShowRef::parse(TWD).expect("show"))
        .expect("state")
        .watermark
        .expect("a watermark");
    assert_eq!(watermark, TraktTime(w0));

    // Indexed late: older than the watermark but inside the overlap, and one
    // exactly at the window's inclusive start.
    bot.trakt.publish_all([
        twd(2, "seen", "late", w0 - 30),
        twd(3, "seen", "window-start", w0 - 60),
    ]);
    wait_authors(&bot.discord, CHANNEL_ID, 3).await;

    // 150 activities in one window: 100 on the first page, the rest by paging
    // back with `end_ts`. Two share each second, and the page boundary falls
    // between two of the same second.
    bot.trakt.advance(200);
    let burst: Vec<String> = (0..150).map(|i| format!("page{i:03}")).collect();
    bot.trakt.publish_all(
        burst
            .iter()
            .enumerate()
            .map(|(i, u)| twd(1000 + i as u64, "seen", u, w0 + 1 + (i as i64 + 1) / 2)),
    );
    let got = wait_authors(&bot.discord, CHANNEL_ID, 153).await;
    polls(&bot.trakt, 3).await;
    bot.stop().await;

    let all = authors(&bot.discord.channel_messages(CHANNEL_ID));
    assert_eq!(all, got, "nothing more arrived after three more polls");
    assert_eq!(&all[..3], &names(&["edge", "window-start", "late"])[..]);
    assert_eq!(&all[3..], &burst[..], "all 150, once each, oldest first");
    let paged_back = bot
        .trakt
        .requests()
        .iter()
        .filter(|p| p.starts_with("/activity/shows.json/") && p.split('/').count() == 8)
        .count();
    assert!(paged_back >= 1, "a request paged back with end_ts");
    assert_eq!(bot.store.outbox_len().expect("outbox"), 0);
}

#[tokio::test]
async fn a_trakt_outage_loses_nothing_and_doubles_nothing() {
    let mut bot = Herald::start_with(Options {
        trakt_timeout: "400ms",
        trakt_max_retries: 2,
        trakt_retry_delay: "20ms",
        ..Options::default()
    })
    .await;
    let t = bot.trakt.now();
    follow(&bot.store, CHANNEL_ID, TWD, "all", t);
    bot.trakt.publish(twd(1, "seen", "before", t + 1));
    wait_authors(&bot.discord, CHANNEL_ID, 1).await;

    // Two polls fail, three attempts each (the 503 last, so its 10 s minimum
    // wait never applies): a 500 HTML page, garbage, 503, truncated JSON, a
    // timeout, 503.
    let before = bot.trakt.request_count();
    for kind in [
        FailKind::ServerErrorHtml,
        FailKind::Garbage,
        FailKind::Overloaded,
        FailKind::Truncated,
        FailKind::Slow(Duration::from_secs(2)),
        FailKind::Overloaded,
    ] {
        bot.trakt.fail_next(1, kind);
    }
    bot.trakt.advance(30);
    bot.trakt.publish_all([
        twd(2, "shout", "during-a", t + 10),
        twd(3, "seen", "during-b", t + 20),
    ]);
    let show = ShowRef::parse(TWD).expect("show");
    eventually("the first failed poll is recorded", WAIT, || {
        bot.store.show_state(&show).expect("state").failures >= 1
    })
    .await;
    bot.trakt.advance(30);
    bot.trakt.publish(twd(4, "rating", "during-c", t + 50));

    let got = wait_authors(&bot.discord, CHANNEL_ID, 4).await;
    assert!(
        bot.trakt.request_count() >= before + 7,
        "six failures, then a success"
    );
    let state = bot.store.show_state(&show).expect("state");
    assert_eq!(state.failures, 0, "the success clears the backoff");
    assert!(state.watermark >= Some(TraktTime(t + 60)));

    // Still polling afterwards.
    bot.trakt.advance(5);
    bot.trakt.publish(twd(5, "seen", "after", t + 62));
    wait_authors(&bot.discord, CHANNEL_ID, 5).await;
    polls(&bot.trakt, 2).await;
    bot.stop().await;

    assert_eq!(
        &got[..],
        &names(&["before", "during-a", "during-b", "during-c"])[..]
    );
    assert_eq!(
        authors(&bot.discord.channel_messages(CHANNEL_ID)),
        names(&["before", "during-a", "during-b", "during-c", "after"])
    );
}

#[tokio::test]
async fn discord_429_and_5xx_are_retried_and_delivered_once() {
    let mut bot = Herald::start().await;
    let t = bot.trakt.now();
    follow(&bot.store, CHANNEL_ID, TWD, "all", t);
    let route = Route::channel_messages(CHANNEL_ID);

    bot.discord.inject(
        route.clone(),
        Fault::TooManyRequests { retry_after: 2.0 },
        1,
    );
    bot.trakt.advance(5);
    bot.trakt.publish(twd(1, "seen", "limited", t + 1));
    wait_authors(&bot.discord, CHANNEL_ID, 1).await;
    let sent = bot.discord.requests_to(&route);
    assert_eq!(sent.len(), 2, "one 429, one retry");
    assert_eq!(sent[0].status, Some(429));
    assert_eq!(sent[1].status, Some(200));
    let gap = sent[1].received_at - sent[0].received_at;
    assert!(
        gap >= Duration::from_secs(2),
        "no retry before retry_after: {gap:?}"
    );
    assert_eq!(nonce(&sent[0]), nonce(&sent[1]), "the same message again");

    bot.discord.inject(route.clone(), Fault::Status(500), 2);
    bot.discord.inject(route.clone(), Fault::Status(502), 1);
    bot.trakt.advance(5);
    bot.trakt.publish(twd(2, "seen", "unlucky", t + 6));
    wait_authors(&bot.discord, CHANNEL_ID, 2).await;
    let sent = bot.discord.requests_to(&route);
    let statuses: Vec<Option<u16>> = sent[2..].iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![Some(500), Some(500), Some(502), Some(200)]);
    assert!(sent[2..].iter().all(|r| nonce(r) == nonce(&sent[2])));
    assert_ne!(nonce(&sent[2]), nonce(&sent[0]));
    for pair in sent[2..].windows(2) {
        assert!(
            pair[1].received_at - pair[0].received_at >= Duration::from_millis(900),
            "retries back off"
        );
    }

    polls(&bot.trakt, 2).await;
    bot.stop().await;
    let messages = bot.discord.channel_messages(CHANNEL_ID);
    assert_eq!(authors(&messages), names(&["limited", "unlucky"]));
    assert_eq!(messages.len(), 2);
    assert_eq!(bot.store.outbox_len().expect("outbox"), 0);
}

#[tokio::test]
async fn refusing_channels_are_disabled_at_the_first_refusal_and_others_flow() {
    let mut bot = Herald::start().await;
    let t = bot.trakt.now();
    for channel in [CHANNEL_ID, OTHER_CHANNEL_ID, THIRD_CHANNEL_ID] {
        follow(&bot.store, channel, TWD, "all", t);
    }
    // OTHER was deleted; the bot lost its permissions in THIRD.
    bot.discord.inject(
        Route::channel_messages(OTHER_CHANNEL_ID),
        Fault::NotFound { code: 10003 },
        Times::Forever,
    );
    bot.discord.inject(
        Route::channel_messages(THIRD_CHANNEL_ID),
        Fault::Forbidden { code: 50013 },
        Times::Forever,
    );
    bot.trakt.advance(10);
    bot.trakt.publish_all([
        twd(1, "seen", "one", t + 1),
        twd(2, "seen", "two", t + 2),
        twd(3, "seen", "three", t + 3),
    ]);
    wait_authors(&bot.discord, CHANNEL_ID, 3).await;
    let refused = |s: &State, channel: u64| {
        let route = Route::channel_messages(channel);
        s.requests
            .iter()
            .filter(|r| route.matches(&r.method, &r.path))
            .count()
    };
    bot.discord
        .wait_for(
            |s| {
                (refused(s, OTHER_CHANNEL_ID) >= 1 && refused(s, THIRD_CHANNEL_ID) >= 1)
                    .then_some(())
            },
            WAIT,
        )
        .await;
    let disabled_reason = |channel: u64| -> Option<String> {
        let follows = bot
            .store
            .channel_follows(ChannelId(channel))
            .expect("follows");
        match &follows.first()?.state {
            SubState::Disabled { reason, .. } => Some(reason.clone()),
            _ => None,
        }
    };
    eventually("both channels disabled", WAIT, || {
        disabled_reason(OTHER_CHANNEL_ID).is_some() && disabled_reason(THIRD_CHANNEL_ID).is_some()
    })
    .await;
    let gone = disabled_reason(OTHER_CHANNEL_ID).expect("disabled");
    let forbidden = disabled_reason(THIRD_CHANNEL_ID).expect("disabled");
    assert!(gone.contains("no longer exists"), "{gone}");
    assert!(forbidden.contains("permission"), "{forbidden}");

    // More activity reaches the working channel only.
    bot.trakt.advance(10);
    bot.trakt.publish(twd(4, "seen", "four", t + 15));
    wait_authors(&bot.discord, CHANNEL_ID, 4).await;
    polls(&bot.trakt, 2).await;
    bot.stop().await;

    for channel in [OTHER_CHANNEL_ID, THIRD_CHANNEL_ID] {
        let sent = bot.discord.requests_to(&Route::channel_messages(channel));
        assert_eq!(sent.len(), 1, "tried once, then never again: {channel}");
        assert_eq!(
            sent[0].body["embeds"].as_array().map(Vec::len),
            Some(3),
            "its three entries were pending"
        );
        assert!(bot
            .store
            .pending(ChannelId(channel), 100)
            .expect("pending")
            .is_empty());
        assert!(bot
            .store
            .in_flight(ChannelId(channel))
            .expect("in flight")
            .is_none());
        assert!(bot.discord.channel_messages(channel).is_empty());
    }
    assert_eq!(
        authors(&bot.discord.channel_messages(CHANNEL_ID)),
        names(&["one", "two", "three", "four"])
    );
    assert_eq!(
        bot.store
            .channel_follows(ChannelId(CHANNEL_ID))
            .expect("follows")[0]
            .state,
        SubState::Active
    );
}

#[tokio::test]
async fn unfollow_drops_what_is_pending_for_that_show_in_that_channel() {
    let mut bot = Herald::start().await;
    let t = bot.trakt.now();
    follow(&bot.store, CHANNEL_ID, TWD, "all", t);
    follow(&bot.store, CHANNEL_ID, BREAKING_BAD, "all", t);
    follow(&bot.store, OTHER_CHANNEL_ID, TWD, "all", t);
    let route = Route::channel_messages(CHANNEL_ID);
    bot.discord
        .inject(route.clone(), Fault::Status(503), Times::Forever);

    bot.trakt.advance(10);
    bot.trakt.publish_all([
        twd(1, "seen", "dropped-a", t + 1),
        twd(2, "shout", "dropped-b", t + 2),
    ]);
    // The other channel gets them; this one fails and keeps them pending.
    wait_authors(&bot.discord, OTHER_CHANNEL_ID, 2).await;
    bot.discord
        .wait_for(
            |s| {
                s.requests
                    .iter()
                    .any(|r| route.matches(&r.method, &r.path) && r.status == Some(503))
                    .then_some(())
            },
            WAIT,
        )
        .await;
    let show = ShowRef::parse(TWD).expect("show");
    assert_eq!(
        bot.store
            .pending(ChannelId(CHANNEL_ID), 100)
            .expect("pending")
            .len(),
        2
    );
    let removed = bot
        .store
        .unfollow(ChannelId(CHANNEL_ID), &show)
        .expect("unfollow");
    assert!(removed.is_some());
    assert!(bot
        .store
        .pending(ChannelId(CHANNEL_ID), 100)
        .expect("pending")
        .is_empty());
    assert!(bot
        .store
        .in_flight(ChannelId(CHANNEL_ID))
        .expect("in flight")
        .is_none());
    bot.discord.clear_faults();

    // Later activity of the other show still arrives, and nothing of the old one.
    bot.trakt.advance(10);
    bot.trakt.publish_all([
        activity(BREAKING_BAD, 3, "seen", "kept", t + 12),
        twd(4, "seen", "unfollowed", t + 13),
    ]);
    wait_authors(&bot.discord, CHANNEL_ID, 1).await;
    wait_authors(&bot.discord, OTHER_CHANNEL_ID, 3).await;
    polls(&bot.trakt, 2).await;
    bot.stop().await;
    assert_eq!(
        authors(&bot.discord.channel_messages(CHANNEL_ID)),
        names(&["kept"])
    );
    assert_eq!(
        authors(&bot.discord.channel_messages(OTHER_CHANNEL_ID)),
        names(&["dropped-a", "dropped-b", "unfollowed"])
    );
}

// ---- crash safety with the real binary ----------------------------------

/// Actions published in rotation, and what each channel wants.
const ROTATION: [&str; 5] = ["seen", "shout", "rating", "checkin", "scrobble"];
const CRASH_CHANNELS: [(u64, &str); 3] = [
    (CHANNEL_ID, "all"),
    (OTHER_CHANNEL_ID, "seen,shout"),
    (THIRD_CHANNEL_ID, "rating,checkin,shout"),
];
const CRASH_ACTIVITIES: usize = 200;
const PER_POLL: usize = 10;

fn crash_user(i: usize) -> String {
    format!("flow{i:03}")
}

/// Where the bot is killed.
#[derive(Clone, Copy, Debug)]
enum Moment {
    /// Right after Discord accepted a message (before or after the outbox delete).
    AfterAnAcceptedMessage,
    /// Discord stored the message but its answer never came: between Discord's
    /// answer and the outbox delete.
    AcceptedButUnanswered,
    /// While waiting out a 429's `retry_after`.
    DuringRateLimitWait,
    /// As a poll's answer arrives (while it is being committed).
    RightAfterAPoll,
    /// As the restarted bot sends its first message (leftovers go first).
    FirstSendAfterStart,
}

fn is_message_post(r: &RecordedRequest) -> bool {
    r.method == "POST" && r.path.starts_with("/api/v10/channels/") && r.path.ends_with("/messages")
}

async fn arm_and_wait(moment: Moment, discord: &FakeDiscord, trakt: &FakeTrakt) {
    let posts = |s: &State| s.requests.iter().filter(|r| is_message_post(r)).count();
    match moment {
        Moment::AfterAnAcceptedMessage => {
            let accepted = |s: &State| {
                s.requests
                    .iter()
                    .filter(|r| is_message_post(r) && r.status == Some(200))
                    .count()
            };
            let before = discord.wait_for(|s| Some(accepted(s)), WAIT).await;
            discord
                .wait_for(|s| (accepted(s) > before).then_some(()), WAIT)
                .await;
        }
        Moment::AcceptedButUnanswered => {
            discord.inject(
                Route::channel_messages(CHANNEL_ID),
                Fault::AcceptThenStall,
                1,
            );
            discord
                .wait_for(
                    |s| {
                        s.requests
                            .iter()
                            .any(|r| r.fault == Some(Fault::AcceptThenStall))
                            .then_some(())
                    },
                    WAIT,
                )
                .await;
        }
        Moment::DuringRateLimitWait => {
            let fault = Fault::TooManyRequests { retry_after: 30.0 };
            discord.inject(Route::channel_messages(OTHER_CHANNEL_ID), fault.clone(), 1);
            discord
                .wait_for(
                    |s| {
                        s.requests
                            .iter()
                            .any(|r| r.fault.as_ref() == Some(&fault))
                            .then_some(())
                    },
                    WAIT,
                )
                .await;
        }
        Moment::RightAfterAPoll => {
            let before = trakt.request_count();
            eventually("a poll", WAIT, || trakt.request_count() > before).await;
        }
        Moment::FirstSendAfterStart => {
            let before = discord.wait_for(|s| Some(posts(s)), WAIT).await;
            discord
                .wait_for(|s| (posts(s) > before).then_some(()), WAIT)
                .await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_binary_survives_kill_9_at_five_moments_and_stops_on_sigterm() {
    let discord = fake_discord::start().await;
    // Every restart comes after Discord forgot the nonces of the messages
    // before the kill: only the read-back of the channel keeps them single.
    discord.set_nonce_window(Duration::from_millis(300));
    let trakt = FakeTrakt::start(TRAKT_KEY).await;
    trakt.set_now(T0);
    let dir = tempfile::tempdir().expect("temp dir");
    let store_path = dir.path().join("store");
    let config_path = dir.path().join("herald.toml");
    let log_path = dir.path().join("herald.log");
    let options = Options::default();
    std::fs::write(
        &config_path,
        config_text(
            &discord.api_base(),
            &trakt.base_url(),
            &store_path,
            &options,
        ),
    )
    .expect("write the config");
    {
        let store = Store::open(&store_path, 4).expect("open the store");
        for (channel, actions) in CRASH_CHANNELS {
            follow(&store, channel, TWD, actions, T0);
        }
        store.flush().expect("flush");
    }

    // Activity flows: ten more each time the bot polls, until 200.
    let published = Arc::new(AtomicUsize::new(0));
    let publisher = tokio::spawn({
        let trakt = trakt.clone();
        let published = published.clone();
        async move {
            for round in 0..CRASH_ACTIVITIES / PER_POLL {
                let seen = trakt.request_count();
                eventually("the bot polls", Duration::from_secs(60), || {
                    trakt.request_count() > seen
                })
                .await;
                trakt.advance(5);
                let now = trakt.now();
                trakt.publish_all((0..PER_POLL).map(|k| {
                    let i = round * PER_POLL + k;
                    // Two per second, every one within the last five seconds.
                    twd(
                        10_000 + i as u64,
                        ROTATION[i % ROTATION.len()],
                        &crash_user(i),
                        now - 4 + k as i64 / 2,
                    )
                }));
                published.store((round + 1) * PER_POLL, Ordering::SeqCst);
            }
        }
    });

    let mut bot = Process::spawn(&config_path, &log_path);
    let plan = [
        (20, Moment::AfterAnAcceptedMessage),
        (50, Moment::AcceptedButUnanswered),
        (90, Moment::DuringRateLimitWait),
        (130, Moment::RightAfterAPoll),
        // Armed as soon as the bot killed just before starts again.
        (0, Moment::FirstSendAfterStart),
    ];
    for (after, moment) in plan {
        eventually(
            &format!("{after} activities published"),
            Duration::from_secs(60),
            || published.load(Ordering::SeqCst) >= after,
        )
        .await;
        arm_and_wait(moment, &discord, &trakt).await;
        assert!(
            bot.is_running(),
            "the bot died by itself:\n{}",
            bot.log_tail()
        );
        bot.kill_9();
        bot = Process::spawn(&config_path, &log_path);
    }
    // A Trakt hiccup and a Discord 500 for the last process to log (and survive).
    trakt.fail_next(2, FailKind::ServerErrorHtml);
    discord.inject(
        Route::channel_messages(THIRD_CHANNEL_ID),
        Fault::Status(500),
        1,
    );
    tokio::time::timeout(Duration::from_secs(60), publisher)
        .await
        .expect("all activity published")
        .expect("the publisher does not panic");

    // Everything arrives; then two more polls add nothing.
    let wanted = |channel_actions: &str, i: usize| {
        let set = ActionSet::parse(channel_actions).expect("actions");
        set.contains(
            ROTATION[i % ROTATION.len()]
                .parse::<Action>()
                .expect("action"),
        )
    };
    for (channel, actions) in CRASH_CHANNELS {
        let n = (0..CRASH_ACTIVITIES)
            .filter(|i| wanted(actions, *i))
            .count();
        let got = discord
            .try_wait_for(
                |s| {
                    let a = authors(&s.channel_messages(channel));
                    (a.len() >= n).then_some(a)
                },
                Duration::from_secs(60),
            )
            .await;
        assert!(
            got.is_some(),
            "channel {channel} got {} of {n}:\n{}",
            authors(&discord.channel_messages(channel)).len(),
            bot.log_tail()
        );
    }
    polls(&trakt, 2).await;

    // SIGTERM: a clean exit, promptly.
    let started = Instant::now();
    let exit = bot.terminate(Duration::from_secs(5)).await;
    let log = std::fs::read_to_string(&log_path).expect("read the log");
    let exit =
        exit.unwrap_or_else(|| panic!("still running 5 s after SIGTERM:\n{}", bot.log_tail()));
    assert!(
        exit.success(),
        "exit {exit:?} after SIGTERM:\n{}",
        bot.log_tail()
    );
    assert!(started.elapsed() < Duration::from_secs(5));

    // Exactly once per wanted channel, in order; nothing left behind.
    for (channel, actions) in CRASH_CHANNELS {
        let expected: Vec<String> = (0..CRASH_ACTIVITIES)
            .filter(|i| wanted(actions, *i))
            .map(crash_user)
            .collect();
        let got = authors(&discord.channel_messages(channel));
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for a in &got {
            *counts.entry(a.as_str()).or_default() += 1;
        }
        let doubled: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
        assert!(doubled.is_empty(), "channel {channel} doubled: {doubled:?}");
        assert_eq!(got, expected, "channel {channel}: all, once, in order");
    }
    assert!(
        discord.violations().is_empty(),
        "{:?}",
        discord.violations()
    );

    // The unanswered message, posted before the kill, was found in the
    // channel's history after the restart (past the nonce window) and not
    // sent again; it exists once.
    let requests = discord.requests();
    let stalled = requests
        .iter()
        .find(|r| r.fault == Some(Fault::AcceptThenStall))
        .expect("the stalled request");
    let resent = requests
        .iter()
        .filter(|r| is_message_post(r) && r.path == stalled.path && nonce(r) == nonce(stalled))
        .count();
    assert_eq!(resent, 1, "the stalled message was not sent again");
    let read_back = requests
        .iter()
        .any(|r| r.method == "GET" && r.path == stalled.path && r.status == Some(200));
    assert!(read_back, "the restarted bot read the channel back");
    let stored = discord
        .channel_messages(CHANNEL_ID)
        .iter()
        .filter(|m| m["nonce"].as_str() == Some(nonce(stalled).as_str()))
        .count();
    assert_eq!(stored, 1, "and exists once");

    // Logs say what happened, never a secret.
    assert!(log.contains("poll cycle done"), "per-poll logs");
    assert!(
        log.contains("Trakt request failed"),
        "Trakt failures are logged"
    );
    assert!(
        log.contains("delivery failed"),
        "Discord failures are logged"
    );
    assert!(
        !log.contains(TRAKT_KEY),
        "the Trakt key leaked into the logs"
    );
    assert!(
        !log.contains(fake_discord::TOKEN),
        "the Discord token leaked into the logs"
    );

    let store = Store::open(&store_path, 4).expect("reopen the store");
    assert_eq!(store.outbox_len().expect("outbox"), 0);
    for (channel, _) in CRASH_CHANNELS {
        assert!(store
            .in_flight(ChannelId(channel))
            .expect("in flight")
            .is_none());
    }
}
