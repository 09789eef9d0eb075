//! `/follows`, `/unfollow`, `/pause` and `/resume` on v2 follows; a refused
//! client id; v1 refusing Trakt ids.

use super::*;

#[tokio::test]
async fn follows_and_unfollow_name_v2_follows_by_title_and_slug() {
    let bot = Herald::start_with(v2()).await;
    add_fear(&bot);
    confirmed(&bot, follow(TWD).option("actions", "shout,review")).await;
    confirmed(&bot, follow("fear-the-walking-dead")).await;

    let replies = ask(&bot, CommandInvocation::new("follows").by(Member::plain())).await;
    assert!(replies[0].ephemeral);
    let text = text_of(&replies[0]);
    assert!(
        text.contains(&format!("**{TWD_TITLE}** (`{TWD}`)")) && text.contains("shout, review"),
        "{text}"
    );
    assert!(text.contains("(`fear-the-walking-dead`)"), "{text}");
    assert!(!text.contains("trakt:"), "no stored form shown: {text}");

    // Autocomplete from the channel's follows, values are slugs.
    let got = choices(&bot, "unfollow", "fear").await;
    assert_eq!(
        got,
        [(
            "Fear the Walking Dead (fear-the-walking-dead)".to_owned(),
            "fear-the-walking-dead".to_owned()
        )]
    );

    let before = bot.v2.log().len();
    let text = confirmed(
        &bot,
        CommandInvocation::new("unfollow")
            .option("show", "https://trakt.tv/shows/the-walking-dead/seasons/2"),
    )
    .await;
    assert!(
        text.contains("no longer follows")
            && text.contains(TWD_TITLE)
            && text.contains(&format!("`{TWD}`")),
        "{text}"
    );
    let text = confirmed(
        &bot,
        CommandInvocation::new("unfollow").option("show", "fear-the-walking-dead"),
    )
    .await;
    assert!(text.contains("Fear the Walking Dead"), "{text}");
    assert!(bot
        .store
        .channel_follows(channel())
        .expect("follows")
        .is_empty());
    refused(
        &bot,
        CommandInvocation::new("unfollow").option("show", TWD),
        "does not follow",
    )
    .await;
    assert_eq!(bot.v2.log().len(), before, "/unfollow asks Trakt nothing");

    // By title and by stored form too.
    confirmed(&bot, follow(TWD)).await;
    confirmed(
        &bot,
        CommandInvocation::new("unfollow").option("show", "the walking dead"),
    )
    .await;
    confirmed(&bot, follow(TWD)).await;
    confirmed(
        &bot,
        CommandInvocation::new("unfollow").option("show", "trakt:1393"),
    )
    .await;
    assert!(bot
        .store
        .channel_follows(channel())
        .expect("follows")
        .is_empty());
    finish(bot).await;
}

// ---- a refused key, v1 ------------------------------------------------------

#[tokio::test]
async fn a_refused_key_is_answered_privately_and_no_request_follows() {
    let bot = Herald::start_with(v2()).await;
    bot.v2
        .edit(|w| w.client_id = "another-client-id".to_owned());
    refused(&bot, follow(TWD), KEY_REFUSED).await;
    assert!(bot
        .store
        .channel_follows(channel())
        .expect("follows")
        .is_empty());
    let after_first = bot.v2.log().len();
    assert_eq!(command_requests(&bot).len(), 1, "{:?}", bot.v2.paths());

    refused(&bot, follow("tt1520211"), KEY_REFUSED).await;
    refused(
        &bot,
        CommandInvocation::new("activity").option("show", TWD),
        KEY_REFUSED,
    )
    .await;
    assert!(choices(&bot, "follow", "walking").await.is_empty());
    assert_eq!(
        bot.v2.log().len(),
        after_first,
        "no request after the refusal"
    );
    assert!(bot
        .store
        .channel_follows(channel())
        .expect("follows")
        .is_empty());
    // What needs no Trakt still works.
    let replies = ask(&bot, CommandInvocation::new("follows")).await;
    assert!(
        text_of(&replies[0]).contains("follows no show"),
        "{replies:#?}"
    );
    finish(bot).await;
}

#[tokio::test]
async fn v1_refuses_trakt_ids() {
    let bot = Herald::start_with(Options {
        poll_interval: "1h",
        ..Options::default()
    })
    .await;
    refused(&bot, follow("trakt:1393"), "cannot look up Trakt ids").await;
    refused(
        &bot,
        CommandInvocation::new("activity").option("show", "trakt:1393"),
        "cannot look up Trakt ids",
    )
    .await;
    assert!(bot
        .store
        .channel_follows(channel())
        .expect("follows")
        .is_empty());
    assert_eq!(bot.trakt.request_count(), 0, "{:?}", bot.trakt.requests());
    finish(bot).await;
}

#[tokio::test]
async fn pause_and_resume_find_a_v2_follow_by_slug_title_or_address() {
    let bot = Herald::start_with(v2()).await;
    confirmed(&bot, follow(TWD)).await;
    let state = |bot: &Herald| {
        bot.store.channel_follows(channel()).expect("follows")[0]
            .state
            .clone()
    };
    let text = confirmed(&bot, CommandInvocation::new("pause").option("follow", TWD)).await;
    assert!(text.contains(TWD_TITLE) && text.contains(TWD), "{text}");
    assert!(matches!(state(&bot), SubState::Paused { .. }));
    let text = confirmed(
        &bot,
        CommandInvocation::new("resume").option(
            "follow",
            "https://trakt.tv/shows/the-walking-dead/seasons/2",
        ),
    )
    .await;
    assert!(text.contains("Resumed"), "{text}");
    assert_eq!(state(&bot), SubState::Active);
    confirmed(
        &bot,
        CommandInvocation::new("pause").option("follow", "the walking dead"),
    )
    .await;
    assert!(matches!(state(&bot), SubState::Paused { .. }));
    refused(
        &bot,
        CommandInvocation::new("resume").option("follow", "lost"),
        "does not follow `lost`",
    )
    .await;
    finish(bot).await;
}
