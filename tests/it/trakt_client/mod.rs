//! The v1 Trakt client against the fake Trakt, by concern: `parse` (every
//! fixture parses into the model, with its content checked), `requests` (URL
//! shapes, paging back, dedupe, every error path, and that the API key never
//! leaks into errors or logs) and `walk` (live mode, holes, page limits). This
//! file holds what they share.

mod parse;
mod requests;
mod walk;

use std::collections::HashSet;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use trakt_herald::trakt::model::Love;
use trakt_herald::trakt::{
    client::{FetchOptions, Pages},
    Action, ActionSet, Activity, Fetched, ItemType, RetryPolicy, ShowRef, TraktClient, TraktError,
    TraktTime,
};

use crate::support::fake_trakt::{fixture, FailKind, FakeTrakt, SHOW_NOT_FOUND_BODY};

const KEY: &str = "k3yS3cr3t0123456789abcdefXYZ";

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        overloaded_delay: Duration::from_millis(10),
        ..RetryPolicy::v1()
    }
}

fn client_with(base_url: &str, key: &str, timeout: Duration) -> TraktClient {
    TraktClient::with_options(base_url, key, timeout, 1000.0, fast_retry()).expect("client")
}

fn client(fake: &FakeTrakt) -> TraktClient {
    client_with(&fake.base_url(), KEY, Duration::from_secs(5))
}

fn show(s: &str) -> ShowRef {
    ShowRef::parse(s).expect("valid show")
}

fn twd() -> ShowRef {
    show("the-walking-dead")
}

fn path(rest: &str) -> String {
    format!("/activity/shows.json/{KEY}/{rest}")
}

/// Serve one fixture and fetch it for the-walking-dead.
async fn fetch_fixture(name: &str) -> Fetched {
    let fake = FakeTrakt::start(KEY).await;
    fake.push_response(200, fixture(name), None);
    let fetched = client(&fake)
        .fetch(&[twd()], ActionSet::all(), None)
        .await
        .expect(name);
    assert_eq!(fetched.skipped, 0, "{name}: every item parses");
    fetched
}

fn by_id(activities: &[Activity], id: u64) -> &Activity {
    activities
        .iter()
        .find(|a| a.id == Some(id))
        .unwrap_or_else(|| panic!("activity {id} is there"))
}

fn episode_item(id: u64, timestamp: i64, slug: &str, tvdb: u64, action: &str) -> serde_json::Value {
    json!({
        "id": id,
        "timestamp": timestamp,
        "type": "episode",
        "action": action,
        "user": { "username": format!("user{id}") },
        "show": {
            "title": slug.replace('-', " "),
            "url": format!("http://trakt.tv/show/{slug}"),
            "tvdb_id": tvdb.to_string()
        },
        "episode": { "season": 1, "number": id }
    })
}
