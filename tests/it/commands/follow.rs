//! `/follow`, and what every command does with members, DMs, bad input, an
//! outage, an internal error, an outdated registration and a slow Trakt.

use super::*;

#[tokio::test]
async fn follow_by_a_moderator_confirms_publicly_and_stores() {
    let bot = Herald::start_with(quiet()).await;
    let now = bot.trakt.now();
    bot.trakt
        .publish(activity(1, "seen", "alice", now - 600, TWD, TWD_TITLE));

    let (_, replies) = ask(&bot, follow(TWD).option("actions", "seen,shout")).await;
    assert_eq!(replies.len(), 1, "{replies:#?}");
    assert_eq!(replies[0].kind, ReplyKind::Message);
    assert!(!replies[0].ephemeral, "the confirmation is public");
    let text = text_of(&replies[0]);
    assert!(text.contains(TWD_TITLE), "names the show's title: {text}");
    assert!(
        text.contains("seen") && text.contains("shout"),
        "names both actions: {text}"
    );
    assert!(text.contains("This channel now follows"), "{text}");

    let subs = bot.store.channel_follows(channel()).expect("follows");
    assert_eq!(subs.len(), 1, "{subs:?}");
    let sub = &subs[0];
    assert_eq!(sub.show, twd());
    assert_eq!(sub.title, TWD_TITLE);
    assert_eq!(sub.guild, guild());
    assert_eq!(
        sub.actions,
        ActionSet::parse("seen,shout").expect("actions")
    );
    assert_eq!(sub.state, SubState::Active);
    let state = bot.store.show_state(&twd()).expect("show state");
    assert_eq!(
        state.watermark,
        Some(TraktTime(now)),
        "the watermark starts at Trakt's clock, so old activity is not posted"
    );

    // Following again changes the actions, and says so.
    let (_, replies) = ask(&bot, follow(TWD).option("actions", "checkin")).await;
    let text = text_of(&replies[0]);
    assert!(!replies[0].ephemeral);
    assert!(
        text.contains("Updated") && text.contains("checkin") && text.contains("was: seen, shout"),
        "{text}"
    );
    let subs = bot.store.channel_follows(channel()).expect("follows");
    assert_eq!(subs.len(), 1, "still one follow: {subs:?}");
    assert_eq!(
        subs[0].actions,
        ActionSet::parse("checkin").expect("actions")
    );
    assert_eq!(
        bot.store.show_state(&twd()).expect("state").watermark,
        Some(TraktTime(now)),
        "a re-follow does not move the watermark"
    );

    // Without actions: all of them.
    let (_, replies) = ask(&bot, follow(TWD)).await;
    assert!(
        text_of(&replies[0]).contains("all activity"),
        "{replies:#?}"
    );
    let subs = bot.store.channel_follows(channel()).expect("follows");
    assert!(subs[0].actions.is_all());
    finish(bot).await;
}

#[tokio::test]
async fn follow_by_tvdb_id_names_the_show_and_a_refollow_keeps_the_title() {
    let bot = Herald::start_with(quiet()).await;
    let now = bot.trakt.now();
    bot.trakt
        .publish(activity(1, "seen", "alice", now - 600, TWD, TWD_TITLE));

    let (_, replies) = ask(&bot, follow(&TWD_TVDB.to_string())).await;
    let text = text_of(&replies[0]);
    assert!(text.contains(TWD_TITLE), "{text}");
    let subs = bot.store.channel_follows(channel()).expect("follows");
    assert_eq!(subs[0].show, ShowRef::Tvdb(TWD_TVDB));
    assert_eq!(subs[0].title, TWD_TITLE);

    // Trakt's answer names the show no more (nothing happened lately): a
    // re-follow keeps the title it had.
    bot.trakt.fail_next(1, FailKind::Slow(Duration::ZERO));
    let (_, replies) = ask(
        &bot,
        follow(&TWD_TVDB.to_string()).option("actions", "rating"),
    )
    .await;
    let text = text_of(&replies[0]);
    assert!(
        text.contains(TWD_TITLE) && text.contains("rating"),
        "{text}"
    );
    let subs = bot.store.channel_follows(channel()).expect("follows");
    assert_eq!(subs[0].title, TWD_TITLE, "the title is not lost");
    finish(bot).await;
}

#[tokio::test]
async fn a_follow_does_not_post_old_activity() {
    let bot = Herald::start().await;
    let now = bot.trakt.now();
    // From before the follow (older than the poll overlap): never posted.
    bot.trakt
        .publish(activity(1, "seen", "old-alice", now - 600, TWD, TWD_TITLE));
    ask(&bot, follow(TWD)).await;

    let t = bot.trakt.now() + 1;
    bot.trakt.advance(5);
    bot.trakt
        .publish(activity(2, "seen", "new-bob", t, TWD, TWD_TITLE));
    let messages = bot.discord.wait_channel_messages(CHANNEL_ID, 1, WAIT).await;
    let all = serde_json::to_string(&messages).expect("json");
    assert!(all.contains("new-bob"), "{all}");
    assert!(!all.contains("old-alice"), "old activity flooded in: {all}");
    finish(bot).await;
}

#[tokio::test]
async fn follow_refused_for_members_and_in_dms() {
    let bot = Herald::start_with(quiet()).await;
    refused(&bot, follow(TWD).by(Member::plain()), "Manage Channels").await;
    refused(&bot, follow(TWD).in_dm_channel(), "server").await;
    refused(
        &bot,
        CommandInvocation::new("unfollow")
            .option("show", TWD)
            .by(Member::plain()),
        "Manage Channels",
    )
    .await;

    assert!(bot
        .store
        .channel_follows(channel())
        .expect("follows")
        .is_empty());
    assert!(bot
        .store
        .channel_follows(ChannelId(crate::support::fake_discord::DM_CHANNEL_ID))
        .expect("follows")
        .is_empty());
    assert_eq!(bot.store.guild_follow_count(guild()).expect("count"), 0);
    assert_eq!(bot.trakt.request_count(), 0, "{:?}", bot.trakt.requests());
    finish(bot).await;
}

#[tokio::test]
async fn follow_refuses_bad_input_without_asking_trakt() {
    let bot = Herald::start_with(quiet()).await;
    let long = "a".repeat(300);
    let cases: [(&str, Option<&str>, &str); 8] = [
        ("../x", None, "`.`"),
        ("a/b", None, "`/`"),
        ("a,b", None, "`,`"),
        ("x%2Fy", None, "`%`"),
        ("", None, "the show is empty"),
        (&long, None, "300 characters"),
        ("The Walking Dead", None, "space"),
        (TWD, Some("seen,bogus"), "`bogus` is not an action"),
    ];
    for (show, actions, needle) in cases {
        let mut invocation = follow(show);
        if let Some(a) = actions {
            invocation = invocation.option("actions", a);
        }
        refused(&bot, invocation, needle).await;
    }
    // /activity validates the same way.
    refused(
        &bot,
        CommandInvocation::new("activity").option("show", "a/b"),
        "`/`",
    )
    .await;
    assert!(bot
        .store
        .channel_follows(channel())
        .expect("follows")
        .is_empty());
    assert_eq!(bot.store.guild_follow_count(guild()).expect("count"), 0);
    assert_eq!(
        bot.trakt.request_count(),
        0,
        "bad input never reaches Trakt: {:?}",
        bot.trakt.requests()
    );
    finish(bot).await;
}

#[tokio::test]
async fn follow_refuses_an_unknown_show() {
    let bot = Herald::start_with(quiet()).await;
    bot.trakt.set_unknown_show("no-such-show");
    let text = refused(&bot, follow("no-such-show"), "no show").await;
    assert!(text.contains("`no-such-show`"), "{text}");
    assert!(bot
        .store
        .channel_follows(channel())
        .expect("follows")
        .is_empty());
    assert_eq!(
        bot.store
            .show_state(&show("no-such-show"))
            .expect("state")
            .watermark,
        None
    );
    assert!(trakt_asked_about(&bot, "no-such-show"));
    finish(bot).await;
}

#[tokio::test]
async fn follow_enforces_the_per_guild_limit() {
    let bot = Herald::start_with(Options {
        max_follows_per_guild: 2,
        ..quiet()
    })
    .await;
    ask(&bot, follow("show-a")).await;
    ask(&bot, follow("show-b").in_channel(OTHER_CHANNEL_ID)).await;
    assert_eq!(bot.store.guild_follow_count(guild()).expect("count"), 2);

    let text = refused(&bot, follow("show-c"), "2 follows").await;
    assert!(text.contains("/unfollow"), "says what to do: {text}");
    assert!(
        !trakt_asked_about(&bot, "show-c"),
        "the limit is checked before Trakt: {:?}",
        bot.trakt.requests()
    );
    let shows: Vec<ShowRef> = bot
        .store
        .channel_follows(channel())
        .expect("follows")
        .into_iter()
        .map(|s| s.show)
        .collect();
    assert_eq!(shows, [show("show-a")]);
    assert_eq!(bot.store.guild_follow_count(guild()).expect("count"), 2);

    // Changing an existing follow is allowed at the limit.
    let (_, replies) = ask(&bot, follow("show-a").option("actions", "shout")).await;
    assert!(text_of(&replies[0]).contains("Updated"), "{replies:#?}");
    finish(bot).await;
}

#[tokio::test]
async fn follow_when_trakt_is_down_says_try_again_later() {
    let bot = Herald::start_with(quiet()).await;
    bot.trakt
        .fail_next(TRAKT_ATTEMPTS, FailKind::ServerErrorHtml);
    refused(&bot, follow(TWD), "try again later").await;
    assert_eq!(
        bot.trakt.request_count(),
        TRAKT_ATTEMPTS,
        "retried, then gave up"
    );
    assert!(bot
        .store
        .channel_follows(channel())
        .expect("follows")
        .is_empty());
    assert_eq!(bot.store.show_state(&twd()).expect("state").watermark, None);
    finish(bot).await;
}

#[tokio::test]
async fn internal_errors_are_an_apology_only() {
    let bot = Herald::start_with(quiet()).await;
    // A refused API key is our problem, not the user's.
    bot.trakt.fail_next(1, FailKind::Unauthorized);
    let text = refused(&bot, follow(TWD), APOLOGY).await;
    assert!(!text.to_lowercase().contains("key"), "{text}");
    assert!(bot
        .store
        .channel_follows(channel())
        .expect("follows")
        .is_empty());

    bot.trakt.fail_next(1, FailKind::Unauthorized);
    refused(
        &bot,
        CommandInvocation::new("activity").option("show", TWD),
        APOLOGY,
    )
    .await;
    finish(bot).await;
}

#[tokio::test]
async fn an_outdated_command_still_gets_an_answer() {
    let bot = Herald::start_with(quiet()).await;
    // Options that no longer match the definition (a stale registration).
    refused(
        &bot,
        CommandInvocation::new("follow").option("show", 153_021),
        OUTDATED,
    )
    .await;
    refused(&bot, CommandInvocation::new("follow"), OUTDATED).await;
    // A command this build does not have.
    refused(&bot, CommandInvocation::new("subscribe"), OUTDATED).await;
    assert_eq!(bot.store.guild_follow_count(guild()).expect("count"), 0);
    assert_eq!(bot.trakt.request_count(), 0);
    finish(bot).await;
}

#[tokio::test]
async fn slow_trakt_defers_the_reply_within_three_seconds() {
    let bot = Herald::start_with(Options {
        trakt_timeout: "10s",
        ..quiet()
    })
    .await;
    let now = bot.trakt.now();
    bot.trakt
        .fail_next(1, FailKind::Slow(Duration::from_millis(2600)));
    let r = bot
        .discord
        .interact(follow(TWD).option("actions", "seen,shout"))
        .await;
    let replies = replies_until(&bot, &r, |rs| {
        rs.iter()
            .any(|x| x.kind == ReplyKind::Followup && !x.ephemeral)
    })
    .await;
    assert_eq!(replies[0].kind, ReplyKind::Defer, "{replies:#?}");
    assert!(replies[0].ephemeral, "deferred privately: {replies:#?}");
    let public: Vec<&Reply> = replies.iter().filter(|x| !x.ephemeral).collect();
    assert_eq!(public.len(), 1, "{replies:#?}");
    let text = text_of(public[0]);
    assert!(
        text.contains(TWD) && text.contains("seen") && text.contains("shout"),
        "{text}"
    );
    let subs = bot.store.channel_follows(channel()).expect("follows");
    assert_eq!(subs.len(), 1);
    assert_eq!(
        bot.store.show_state(&twd()).expect("state").watermark,
        Some(TraktTime(now))
    );
    // `finish` asserts no callback came after Discord's 3 s.
    finish(bot).await;
}
