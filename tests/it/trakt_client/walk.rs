//! Live mode's walk back: filtering by show, action and window, the page cap,
//! holes of over 100 items in one second, and unusable pages.

use super::*;

fn ids(f: &Fetched) -> Vec<u64> {
    f.activities.iter().filter_map(|a| a.id).collect()
}

#[tokio::test]
async fn live_mode_filters_by_show_action_and_window() {
    let fake = FakeTrakt::start(KEY).await;
    fake.set_now(10_000);
    fake.publish(episode_item(1, 9_000, "the-walking-dead", 153_021, "shout"));
    fake.publish(episode_item(
        2,
        9_500,
        "the-walking-dead",
        153_021,
        "checkin",
    ));
    fake.publish(episode_item(3, 9_600, "breaking-bad", 81_189, "shout"));
    fake.publish(episode_item(4, 8_999, "the-walking-dead", 153_021, "shout"));
    fake.publish(json!({
        "id": 5, "timestamp": 9_700, "type": "list", "action": "item_added",
        "user": { "username": "lister" },
        "list": { "name": "L", "slug": "l" },
        "list_item": { "type": "show", "show": {
            "title": "The Walking Dead", "url": "http://trakt.tv/show/the-walking-dead" } }
    }));
    let mut untimed = episode_item(6, 0, "the-walking-dead", 153_021, "shout");
    untimed.as_object_mut().expect("object").remove("timestamp");
    fake.publish(untimed);

    let c = client(&fake);
    let shout = ActionSet::parse("shout").expect("shout");
    let f = c
        .fetch(&[twd()], shout, Some(TraktTime(9_000)))
        .await
        .expect("shouts");
    assert_eq!(ids(&f), vec![1, 6], "start is inclusive; 8999 is out");
    assert_eq!(f.activities[1].timestamp, 10_000, "published at the clock");
    assert_eq!(f.current, TraktTime(10_000));

    let f = c
        .fetch(&[twd()], ActionSet::all(), Some(TraktTime(9_000)))
        .await
        .expect("all");
    assert_eq!(ids(&f), vec![1, 2, 5, 6]);

    let f = c
        .fetch(&[ShowRef::Tvdb(81_189)], ActionSet::all(), None)
        .await
        .expect("by tvdb id");
    assert_eq!(ids(&f), vec![3]);

    fake.advance(30);
    assert_eq!(fake.now(), 10_030);
    let info = c.lookup_show(&twd()).await.expect("lookup");
    assert_eq!(info.title.as_deref(), Some("the walking dead"));
    assert_eq!(info.current, TraktTime(10_030));
    let info = c.lookup_show(&show("fargo")).await.expect("quiet show");
    assert_eq!(info.title, None);
    assert_eq!(
        fake.requests()[0],
        path("the-walking-dead/shout/9000"),
        "recorded as sent"
    );
}

#[tokio::test]
async fn live_mode_pages_back_past_the_cap() {
    let fake = FakeTrakt::start(KEY).await;
    fake.set_now(100_000);
    for i in 0..150u64 {
        let ts = 1_000 + i64::try_from(i).expect("small");
        fake.publish(episode_item(
            i + 1,
            ts,
            "the-walking-dead",
            153_021,
            "checkin",
        ));
    }
    let f = client(&fake)
        .fetch(&[twd()], ActionSet::all(), None)
        .await
        .expect("fetch");
    assert_eq!(f.activities.len(), 150);
    assert_eq!(ids(&f), (1..=150).collect::<Vec<_>>());
    assert_eq!(f.requests, 2);
    assert_eq!(
        fake.requests(),
        vec![
            path("the-walking-dead"),
            path("the-walking-dead/all/0/1050"),
        ]
    );
}

#[tokio::test]
async fn a_second_with_over_100_items_is_a_hole_and_the_walk_goes_on_below_it() {
    let fake = FakeTrakt::start(KEY).await;
    for i in 0..120u64 {
        fake.publish(episode_item(
            i + 1,
            5_000,
            "the-walking-dead",
            153_021,
            "checkin",
        ));
    }
    for i in 0..30u64 {
        let ts = 4_500 + i64::try_from(i).expect("small");
        fake.publish(episode_item(
            1_000 + i,
            ts,
            "the-walking-dead",
            153_021,
            "checkin",
        ));
    }
    let f = client(&fake)
        .fetch(&[twd()], ActionSet::all(), Some(TraktTime(4_000)))
        .await
        .expect("fetch");
    assert_eq!(
        f.activities.len(),
        130,
        "100 of the crowded second (no more can be had), and the 30 before it"
    );
    assert_eq!(f.holes, vec![TraktTime(5_000)]);
    assert!(f.is_complete());
    assert_eq!(f.requests, 3);
    assert_eq!(
        fake.requests()[2],
        path("the-walking-dead/all/4000/4999"),
        "the walk steps below the crowded second"
    );
}

#[tokio::test]
async fn a_full_page_of_unusable_items_does_not_end_the_walk() {
    let fake = FakeTrakt::start(KEY).await;
    for i in 0..100u64 {
        // `seen` does not allow a season: every one is skipped.
        let mut bad = episode_item(
            i + 1,
            6_000 + i64::try_from(i).expect("small"),
            "the-walking-dead",
            153_021,
            "seen",
        );
        bad["type"] = serde_json::json!("season");
        fake.publish(bad);
    }
    for i in 0..5u64 {
        fake.publish(episode_item(
            500 + i,
            5_000,
            "the-walking-dead",
            153_021,
            "checkin",
        ));
    }
    let f = client(&fake)
        .fetch(&[twd()], ActionSet::all(), Some(TraktTime(4_000)))
        .await
        .expect("fetch");
    assert_eq!(f.activities.len(), 5, "the older items are still fetched");
    assert_eq!(f.skipped, 101, "the boundary item comes back once more");
    assert!(f.is_complete() && f.holes.is_empty());
}

#[tokio::test]
async fn page_limits_one_page_and_enough_items() {
    let fake = FakeTrakt::start(KEY).await;
    fake.set_now(100_000);
    for i in 0..450u64 {
        let ts = 1_000 + i64::try_from(i).expect("small");
        fake.publish(episode_item(
            i + 1,
            ts,
            "the-walking-dead",
            153_021,
            "checkin",
        ));
    }
    let c = client(&fake);
    let one = c
        .fetch_with(
            &[twd()],
            ActionSet::all(),
            FetchOptions {
                start: None,
                end: None,
                pages: Pages::One,
            },
        )
        .await
        .expect("one page");
    assert_eq!((one.requests, one.activities.len()), (1, 100));
    assert_eq!(one.current, TraktTime(100_000));
    assert_eq!(one.resume_at, Some(TraktTime(1_350)));
    let ten = c
        .fetch_with(
            &[twd()],
            ActionSet::all(),
            FetchOptions {
                start: Some(TraktTime(500)),
                end: None,
                pages: Pages::Items(10),
            },
        )
        .await
        .expect("ten items");
    assert_eq!(ten.requests, 1, "one page holds the newest ten");
    assert_eq!(ten.activities.last().and_then(|a| a.id), Some(450));
    // Resuming where it stopped covers the rest, ending at the window start.
    let rest = c
        .fetch_with(
            &[twd()],
            ActionSet::all(),
            FetchOptions {
                start: Some(TraktTime(500)),
                end: ten.resume_at,
                pages: Pages::All,
            },
        )
        .await
        .expect("the rest");
    assert!(rest.is_complete());
    assert_eq!(
        rest.activities.len(),
        351,
        "items 1..=351, the boundary one again"
    );
    assert_eq!(fake.request_count(), 6);
}

#[tokio::test]
async fn bad_items_are_skipped_and_counted() {
    let fake = FakeTrakt::start(KEY).await;
    let body = json!({
        "timestamps": { "start": 0, "current": 50 },
        "activity": [
            episode_item(1, 10, "the-walking-dead", 153_021, "checkin"),
            episode_item(2, 11, "the-walking-dead", 153_021, "dance"),
            { "id": 3, "timestamp": 12, "type": "episode", "action": "created",
              "user": { "username": "u" } },
            { "id": 4, "type": "episode", "action": "seen", "user": { "username": "u" } },
            { "id": 5, "timestamp": 13, "type": "episode", "action": "seen", "user": {} },
            { "id": 6, "timestamp": 14, "type": "season", "action": "seen",
              "user": { "username": "u" } }
        ]
    });
    fake.push_response(200, body.to_string(), None);
    let f = client(&fake)
        .fetch(&[twd()], ActionSet::all(), None)
        .await
        .expect("one bad item is not fatal");
    assert_eq!(ids(&f), vec![1]);
    assert_eq!(f.skipped, 5);
}
