//! Trakt outages, Discord 429s, 5xx and refusals, and unfollow with posts
//! pending: nothing lost, nothing doubled.

use super::*;

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
