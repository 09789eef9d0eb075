//! The real binary killed with SIGKILL at five moments while activity flows
//! still delivers every activity exactly once, then stops on SIGTERM.

use super::*;

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
