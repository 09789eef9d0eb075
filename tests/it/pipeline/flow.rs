//! Each channel gets exactly its actions, once, in order, packed within
//! Discord's limits and the global budget; overlapping polls repeat nothing.

use super::*;

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
