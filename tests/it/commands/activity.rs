//! `/activity`: recent activity newest first, an empty window, a bad
//! `since`, an outage.

use super::*;

/// The embeds a notification of `activity` carries, as JSON.
fn notification_embed(activity: &Value) -> Value {
    let parsed: Activity = serde_json::from_value(activity.clone()).expect("an activity");
    serde_json::to_value(format::render(&trakt_herald::activity::Activity::from(
        &parsed,
    )))
    .expect("json")
}

/// Discord's echo and serenity's builder may add `type: rich`; compare the rest.
fn without_type(embed: &Value) -> Value {
    let mut e = embed.clone();
    if let Some(map) = e.as_object_mut() {
        map.remove("type");
    }
    e
}

#[tokio::test]
async fn activity_shows_recent_activity_newest_first() {
    let bot = Herald::start_with(quiet()).await;
    let now = bot.trakt.now();
    let mut published = Vec::new();
    // Twelve in the last 3 hours, oldest first; one for another show.
    for i in 0..12u64 {
        let ts = now - 3 * 3600 + 60 + 900 * i as i64;
        let action = if i % 2 == 0 { "seen" } else { "shout" };
        let a = activity(i + 1, action, &format!("user{i}"), ts, TWD, TWD_TITLE);
        bot.trakt.publish(a.clone());
        published.push(a);
    }
    bot.trakt.publish(activity(
        50,
        "seen",
        "stranger",
        now - 100,
        "other-show",
        "Other",
    ));
    let outbox = bot.store.outbox_len().expect("outbox");

    // Default window (1 day): ten of twelve, newest first, as notifications.
    let (_, replies) = ask(
        &bot,
        CommandInvocation::new("activity")
            .option("show", TWD)
            .by(Member::plain()),
    )
    .await;
    let reply = &replies[0];
    assert!(!reply.ephemeral, "{reply:#?}");
    assert_eq!(reply.embeds.len(), 10, "{reply:#?}");
    let content = reply.content.clone().unwrap_or_default();
    assert!(
        content.contains("10 of 12") && content.contains(TWD_TITLE),
        "{content}"
    );
    let newest_first: Vec<Value> = published
        .iter()
        .rev()
        .take(10)
        .map(notification_embed)
        .collect();
    for (got, want) in reply.embeds.iter().zip(&newest_first) {
        assert_eq!(without_type(got), without_type(want));
    }
    let first_title = reply.embeds[0]["title"].as_str().unwrap_or_default();
    assert!(
        first_title.contains("user11") && first_title.contains(TWD_TITLE),
        "{first_title}"
    );
    assert!(!serde_json::to_string(&reply.embeds)
        .expect("json")
        .contains("stranger"));

    // since:1h → the four of the last hour; actions narrow it further.
    let (_, replies) = ask(
        &bot,
        CommandInvocation::new("activity")
            .option("show", TWD)
            .option("since", "1h"),
    )
    .await;
    let users: Vec<String> = replies[0]
        .embeds
        .iter()
        .map(|e| e["author"]["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(users.len(), 4, "{users:?}");
    assert!(
        users[0].contains("user11") && users[3].contains("user8"),
        "{users:?}"
    );
    let (_, replies) = ask(
        &bot,
        CommandInvocation::new("activity")
            .option("show", TWD)
            .option("actions", "shout")
            .option("since", "1h"),
    )
    .await;
    assert_eq!(replies[0].embeds.len(), 2, "{replies:#?}");
    assert!(replies[0]
        .embeds
        .iter()
        .all(|e| e["footer"] == notification_embed(&published[1])["footer"]));

    // Nothing stored, nothing queued, no watermark: a lookup only.
    assert_eq!(bot.store.outbox_len().expect("outbox"), outbox);
    assert_eq!(
        bot.store.show_state(&twd()).expect("state"),
        Default::default()
    );
    assert!(bot.store.followed_shows().expect("shows").is_empty());
    finish(bot).await;
}

#[tokio::test]
async fn activity_empty_window_bad_since_and_outage() {
    let bot = Herald::start_with(quiet()).await;
    let now = bot.trakt.now();
    bot.trakt
        .publish(activity(1, "seen", "alice", now - 3 * 3600, TWD, TWD_TITLE));
    // Follow it, so there is a watermark and an outbox to leave alone.
    ask(&bot, follow(TWD)).await;
    let state = bot.store.show_state(&twd()).expect("state");
    assert_eq!(state.watermark, Some(TraktTime(now)));

    bot.trakt.advance(30);
    let (_, replies) = ask(
        &bot,
        CommandInvocation::new("activity")
            .option("show", TWD)
            .option("since", "2h"),
    )
    .await;
    let text = text_of(&replies[0]);
    assert!(
        text.contains(&format!("No activity in the last 2h for **{TWD_TITLE}**")),
        "{text}"
    );
    assert!(replies[0].embeds.is_empty());

    let text = refused(
        &bot,
        CommandInvocation::new("activity")
            .option("show", TWD)
            .option("since", "yesterday"),
        "`yesterday`",
    )
    .await;
    assert!(text.contains("2h") && text.contains("3days"), "{text}");
    refused(
        &bot,
        CommandInvocation::new("activity")
            .option("show", TWD)
            .option("since", "90days"),
        "30 days",
    )
    .await;

    bot.trakt
        .fail_next(TRAKT_ATTEMPTS, FailKind::ServerErrorHtml);
    refused(
        &bot,
        CommandInvocation::new("activity").option("show", TWD),
        "try again later",
    )
    .await;

    bot.trakt.set_unknown_show("no-such-show");
    refused(
        &bot,
        CommandInvocation::new("activity").option("show", "no-such-show"),
        "no show",
    )
    .await;

    assert_eq!(
        bot.store.show_state(&twd()).expect("state"),
        state,
        "/activity never moves a watermark"
    );
    assert_eq!(bot.store.outbox_len().expect("outbox"), 0);
    assert!(bot.discord.channel_messages(CHANNEL_ID).is_empty());
    finish(bot).await;
}
