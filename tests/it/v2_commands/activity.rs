//! `/activity` on v2: the show's comments and lists, newest first.

use super::*;

fn fixture<T: serde::de::DeserializeOwned>(name: &str) -> T {
    serde_json::from_value(fixture_json(name)).expect("the fixture parses")
}

fn embed_json(a: &trakt_herald::activity::Activity) -> Value {
    let mut e = serde_json::to_value(format::render(a)).expect("json");
    if let Some(map) = e.as_object_mut() {
        map.remove("type");
    }
    e
}

fn without_type(embed: &Value) -> Value {
    let mut e = embed.clone();
    if let Some(map) = e.as_object_mut() {
        map.remove("type");
    }
    e
}

/// What the fake holds for The Walking Dead newer than `bound`, as the
/// notifications would render it, newest first.
fn expected(bound: i64, wanted: ActionSet) -> Vec<(i64, Value)> {
    let show: Show = fixture("show-summary-full.json");
    let comments: Vec<Comment> = fixture("show-comments-newest.json");
    let lists: Vec<TraktList> = fixture("show-lists-personal-added.json");
    let items: Vec<ListItem> = fixture("list-items.json");
    let mut all = Vec::new();
    for c in &comments {
        all.push(map::show_comment(c, &show));
    }
    for l in &lists {
        all.extend(map::list_created(l));
    }
    let zombie = lists
        .iter()
        .find(|l| l.ids.trakt.0 == 31_882_114)
        .expect("the list");
    for i in &items {
        all.extend(map::list_item_added(zombie, i));
    }
    let this = ShowRef::Trakt(TWD_ID);
    let mut kept: Vec<(i64, Value)> = all
        .iter()
        .filter(|a| a.time.0 > bound && wanted.contains(a.action))
        .filter(|a| a.subject_show().is_none_or(|s| s.is(&this)))
        .map(|a| (a.time.0, embed_json(a)))
        .collect();
    kept.sort_by_key(|(t, _)| std::cmp::Reverse(*t));
    kept
}

#[tokio::test]
async fn activity_on_v2_shows_comments_and_lists_newest_first() {
    let bot = Herald::start_with(v2()).await;
    // Default window: a day back from Trakt's clock.
    let replies = ask(
        &bot,
        CommandInvocation::new("activity")
            .option("show", TWD)
            .by(Member::plain()),
    )
    .await;
    let reply = &replies[0];
    assert!(!reply.ephemeral, "{reply:#?}");
    let want = expected(FAKE_NOW - 86_400, ActionSet::all());
    assert_eq!(want.len(), 11, "the fixtures' day: {want:?}");
    let content = reply.content.clone().unwrap_or_default();
    assert!(
        content.contains(TWD_TITLE) && content.contains("10 of 11"),
        "{content}"
    );
    assert_eq!(reply.embeds.len(), 10);
    for (got, (_, want)) in reply.embeds.iter().zip(&want) {
        assert_eq!(without_type(got), *want);
    }

    // The last hour by address, then reviews only.
    let replies = ask(
        &bot,
        CommandInvocation::new("activity")
            .option("show", "https://trakt.tv/shows/the-walking-dead")
            .option("since", "1h"),
    )
    .await;
    let want = expected(FAKE_NOW - 3600, ActionSet::all());
    assert_eq!(want.len(), 4);
    let content = replies[0].content.clone().unwrap_or_default();
    assert!(content.contains("4 of 4."), "{content}");
    let got: Vec<Value> = replies[0].embeds.iter().map(without_type).collect();
    let want: Vec<Value> = want.into_iter().map(|(_, e)| e).collect();
    assert_eq!(got, want);

    let review = ActionSet::parse("review").expect("review");
    let replies = ask(
        &bot,
        CommandInvocation::new("activity")
            .option("show", "tt1520211")
            .option("actions", "review")
            .option("since", "1h"),
    )
    .await;
    let want = expected(FAKE_NOW - 3600, review);
    assert_eq!(want.len(), 1);
    assert_eq!(replies[0].embeds.len(), 1, "{replies:#?}");
    assert_eq!(without_type(&replies[0].embeds[0]), want[0].1);

    // Nothing in the window; only unavailable actions are refused.
    bot.v2.set_now("2026-12-15T02:00:00Z");
    let text = confirmed(
        &bot,
        CommandInvocation::new("activity")
            .option("show", TWD)
            .option("since", "2h"),
    )
    .await;
    assert!(
        text.contains(&format!("No activity in the last 2h for **{TWD_TITLE}**")),
        "{text}"
    );
    refused(
        &bot,
        CommandInvocation::new("activity")
            .option("show", TWD)
            .option("actions", "seen"),
        "does not make seen public per show",
    )
    .await;
    // A lookup only: nothing followed, nothing queued.
    assert!(bot.store.followed_shows().expect("shows").is_empty());
    assert_eq!(bot.store.outbox_len().expect("outbox"), 0);
    finish(bot).await;
}
