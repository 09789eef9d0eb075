//! `/unfollow` (with its autocomplete) and `/follows`.

use super::*;

#[tokio::test]
async fn unfollow_removes_and_refuses_unknown() {
    let bot = Herald::start_with(quiet()).await;
    ask(&bot, follow(TWD)).await;
    ask(&bot, follow("other-show")).await;
    ask(&bot, follow(TWD).in_channel(OTHER_CHANNEL_ID)).await;

    let (_, replies) = ask(&bot, CommandInvocation::new("unfollow").option("show", TWD)).await;
    let text = text_of(&replies[0]);
    assert!(text.contains("no longer follows"), "{text}");
    let shows: Vec<ShowRef> = bot
        .store
        .channel_follows(channel())
        .expect("follows")
        .into_iter()
        .map(|s| s.show)
        .collect();
    assert_eq!(shows, [show("other-show")]);
    assert_eq!(
        bot.store
            .channel_follows(ChannelId(OTHER_CHANNEL_ID))
            .expect("follows")
            .len(),
        1,
        "the other channel keeps its follow"
    );

    refused(
        &bot,
        CommandInvocation::new("unfollow").option("show", TWD),
        "does not follow",
    )
    .await;
    refused(
        &bot,
        CommandInvocation::new("unfollow").option("show", "The Walking Dead"),
        "space",
    )
    .await;
    assert_eq!(bot.store.guild_follow_count(guild()).expect("count"), 2);
    finish(bot).await;
}

#[tokio::test]
async fn unfollow_autocompletes_this_channels_follows() {
    let bot = Herald::start_with(quiet()).await;
    for i in 1..=30 {
        let (_, replies) = ask(&bot, follow(&format!("show-{i:02}"))).await;
        assert!(!replies[0].ephemeral, "{replies:#?}");
    }
    ask(&bot, follow("elsewhere").in_channel(OTHER_CHANNEL_ID)).await;
    assert_eq!(
        bot.store.channel_follows(channel()).expect("follows").len(),
        30
    );

    let complete =
        |typed: &str| CommandInvocation::new("unfollow").option("show", typed.to_owned());
    let values = |replies: &[Reply]| -> Vec<String> {
        let reply = replies
            .iter()
            .find(|r| r.kind == ReplyKind::Autocomplete)
            .expect("an autocomplete answer");
        reply
            .choices
            .iter()
            .map(|c| c["value"].as_str().expect("a string value").to_owned())
            .collect()
    };

    let r = bot.discord.autocomplete(complete(""), "show").await;
    let all = values(&bot.discord.wait_reply(&r, WAIT).await);
    assert_eq!(all.len(), 25, "at most 25 choices: {all:?}");
    assert!(all.iter().all(|v| v.starts_with("show-")), "{all:?}");

    let r = bot.discord.autocomplete(complete("show-1"), "show").await;
    let some = values(&bot.discord.wait_reply(&r, WAIT).await);
    let expected: Vec<String> = (10..=19).map(|i| format!("show-{i}")).collect();
    assert_eq!(some, expected);

    let r = bot.discord.autocomplete(complete("else"), "show").await;
    let none = values(&bot.discord.wait_reply(&r, WAIT).await);
    assert!(none.is_empty(), "another channel's follows: {none:?}");

    // A chosen value works.
    let (_, replies) = ask(&bot, complete(&some[0])).await;
    assert!(
        text_of(&replies[0]).contains("no longer follows"),
        "{replies:#?}"
    );
    assert_eq!(
        bot.store.channel_follows(channel()).expect("follows").len(),
        29
    );
    finish(bot).await;
}

// ---- /follows --------------------------------------------------------------

#[tokio::test]
async fn follows_lists_actions_and_state() {
    let bot = Herald::start_with(quiet()).await;
    let now = bot.trakt.now();
    bot.trakt
        .publish(activity(1, "seen", "alice", now - 60, TWD, TWD_TITLE));
    ask(&bot, follow(TWD).option("actions", "seen,shout")).await;
    ask(&bot, follow("other-show")).await;
    ask(&bot, follow("elsewhere").in_channel(OTHER_CHANNEL_ID)).await;

    // Anyone may list.
    let (_, replies) = ask(&bot, CommandInvocation::new("follows").by(Member::plain())).await;
    assert!(replies[0].ephemeral, "{replies:#?}");
    let text = text_of(&replies[0]);
    assert!(text.contains("(2)"), "{text}");
    assert!(
        text.contains(TWD_TITLE) && text.contains("seen, shout") && text.contains("active"),
        "{text}"
    );
    assert!(
        text.contains("other-show") && text.contains("all activity"),
        "{text}"
    );
    assert!(!text.contains("elsewhere"), "only this channel: {text}");

    let since = 1_700_000_000;
    let stats = bot
        .store
        .disable_channel(
            channel(),
            "Discord refused the channel (Missing Access)",
            since,
        )
        .expect("disable");
    assert_eq!(stats.subscriptions, 2);
    let (_, replies) = ask(&bot, CommandInvocation::new("follows")).await;
    let text = text_of(&replies[0]);
    assert!(replies[0].ephemeral);
    assert!(
        text.contains("disabled")
            && text.contains("Missing Access")
            && text.contains(&format!("<t:{since}:R>")),
        "says why and since when: {text}"
    );
    assert!(!text.contains("— active"), "{text}");

    let (_, replies) = ask(
        &bot,
        CommandInvocation::new("follows").in_channel(OTHER_CHANNEL_ID),
    )
    .await;
    assert!(text_of(&replies[0]).contains("elsewhere"), "{replies:#?}");
    finish(bot).await;
}
