//! Snapshot tests of `format::render` on v2 items: every comment of
//! `show-comments-newest.json` (show level) and `comments-recent-episodes.json`
//! (episodes), one season comment, the lists of `show-lists-personal-added.json`
//! as created and the items of `list-items.json` as added, and the public
//! watchers of `show-watching-2.json`. The fixtures are parsed into the v2
//! wire types (`trakt::v2::wire`, the feed through `feed::parse_recent`) and
//! mapped by `trakt::v2::map`, the code the poller and `/activity` use, so
//! these snapshots pin what the bot really posts. Every embed is also
//! validated as part of a create-message request.

use std::collections::HashSet;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use trakt_herald::activity::{Activity, TraktTime};
use trakt_herald::format::{pack, render, Embed};
use trakt_herald::trakt::v2::feed::parse_recent;
use trakt_herald::trakt::v2::{
    map, watching_arrivals, Comment, ListItem, RecentComment, Show, Timestamp, TraktList, User,
};

use crate::format_schema::{request_errors, request_json};

fn fixture_value(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/trakt-v2")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).expect("read fixture")).expect("JSON")
}

/// A fixture as v2 wire values; every item must parse (none is skipped).
fn fixture<T: DeserializeOwned>(name: &str) -> T {
    serde_json::from_value(fixture_value(name)).expect("the v2 wire types read the fixture")
}

/// A recent-comments fixture item, in whichever shape it has.
fn feed_item(v: Value) -> RecentComment {
    parse_recent(v).expect("a recent-comments item")
}

fn the_walking_dead() -> Show {
    fixture("show-summary-full.json")
}

fn snapshot(name: &str, a: &Activity, all: &mut Vec<Embed>) {
    let e = render(a);
    insta::assert_json_snapshot!(name.to_owned(), e);
    all.push(e);
}

fn comments(all: &mut Vec<Embed>) {
    let twd = the_walking_dead();
    let newest: Vec<Comment> = fixture("show-comments-newest.json");
    for c in &newest {
        let a = map::show_comment(c, &twd);
        snapshot(&format!("v2-show-comment-{}", c.id), &a, all);
    }
    let feed: Vec<Value> = fixture("comments-recent-episodes.json");
    for item in feed.into_iter().map(feed_item) {
        let RecentComment::Wrapped(w) = &item else {
            panic!("the fixture's items are wrappers");
        };
        let a = map::feed_comment(w).expect("an episode comment on a show");
        snapshot(&format!("v2-episode-comment-{}", w.comment.id), &a, all);
    }
    // No fixture has a season comment: 8104392 ("Season 2 holds up…") as one,
    // wrapped as the recent-comments feed wraps a season comment.
    let raw: Vec<Value> = fixture("show-comments-newest.json");
    let season = feed_item(json!({
        "type": "season",
        "comment": raw[2],
        "show": fixture_value("show-summary-full.json"),
        "season": { "number": 2, "ids": {} },
    }));
    let RecentComment::Wrapped(w) = &season else {
        panic!("a wrapper");
    };
    let a = map::feed_comment(w).expect("a season comment");
    snapshot("v2-season-comment-8104392", &a, all);
}

fn lists(all: &mut Vec<Embed>) {
    let lists: Vec<TraktList> = fixture("show-lists-personal-added.json");
    for l in &lists {
        let a = map::list_created(l).expect("the list has its created_at");
        snapshot(&format!("v2-list-created-{}", l.ids.trakt), &a, all);
    }
    // list-items.json holds the items of the first (newest) list.
    let owner = &lists[0];
    let items: Vec<ListItem> = fixture("list-items.json");
    for item in &items {
        let a = map::list_item_added(owner, item).expect("an item of a show");
        snapshot(&format!("v2-list-item-{}", item.id), &a, all);
    }
}

fn watchers(all: &mut Vec<Embed>) {
    // The snapshot's `Date`: 2026-11-15T02:00:00Z.
    let at: TraktTime = map::time(Timestamp::parse("2026-11-15T02:00:00Z").expect("time"));
    let twd = the_walking_dead();
    let users: Vec<User> = fixture("show-watching-2.json");
    // No previous snapshot: every public watcher once; private ones never.
    for u in watching_arrivals(&HashSet::new(), &users) {
        let a = map::watching(map::show(&twd), twd.ids.trakt.0, u, at);
        snapshot(&format!("v2-watching-{}", u.ids.slug), &a, all);
    }
}

#[test]
fn every_v2_item_renders_as_reviewed_and_validates() {
    let mut all = Vec::new();
    comments(&mut all);
    lists(&mut all);
    watchers(&mut all);
    assert_eq!(
        all.len(),
        7 + 7 + 1 + 3 + 4 + 3,
        "every item of every fixture"
    );
    for message in pack(all) {
        let errors = request_errors(&request_json(&message, None));
        assert!(errors.is_empty(), "{errors:#?}");
    }
}
