//! A fake Trakt API v1 on `127.0.0.1:0` (axum), for the client tests and the
//! end-to-end pipeline tests.
//!
//! Two modes, usable together:
//! - scripted: responses queued with `push_response` / `fail_next` are answered
//!   in order, before anything else (even before the key is checked);
//! - live: activities stored with `publish` are served like the real
//!   `activity/shows` endpoint would, against a server clock the test controls
//!   (`set_now`, `advance`).
//!
//! Every request path is recorded, as sent (percent-encoding and key included).
//! A show can be made to fail every request naming it (`fail_show`).

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use percent_encoding::percent_decode_str;
use serde_json::{json, Value};

/// The body the real API sent for a wrong key (401).
pub const INVALID_KEY_BODY: &str = include_str!("../../fixtures/error-invalid-api-key.json");
/// The body the real API sent when overloaded (503).
pub const OVER_CAPACITY_BODY: &str = include_str!("../../fixtures/error-over-capacity.json");
/// What we assume the API sent for an unknown show (404).
pub const SHOW_NOT_FOUND_BODY: &str = r#"{"status":"failure","error":"show not found"}"#;
/// An HTML error page, as a proxy in front of the API might send.
pub const HTML_ERROR_BODY: &str = "<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title></head>\n<body><h1>Internal Server Error</h1></body></html>\n";

/// Most items in one response.
pub const PAGE_SIZE: usize = 100;

/// The text of `tests/fixtures/{name}`.
pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).expect("the fixture file exists")
}

/// Canned failures for `fail_next`.
#[derive(Clone, Copy, Debug)]
pub enum FailKind {
    /// 401 with the invalid-key fixture body.
    Unauthorized,
    /// 503 with the over-capacity fixture body.
    Overloaded,
    /// 500 with an HTML page.
    ServerErrorHtml,
    /// 200 whose body is not JSON.
    Garbage,
    /// 200 whose body is JSON cut off in the middle.
    Truncated,
    /// A valid, empty 200 answered only after this delay.
    Slow(Duration),
    /// 200 with `{"status":"failure",...}`.
    FailureBody,
    /// 404 with the show-not-found body.
    NotFound,
}

struct Scripted {
    status: u16,
    body: String,
    delay: Option<Duration>,
}

struct Inner {
    api_key: String,
    now: i64,
    activities: Vec<Value>,
    unknown_shows: HashSet<String>,
    failing_shows: HashMap<String, u16>,
    script: VecDeque<Scripted>,
    requests: Vec<String>,
}

type Shared = Arc<Mutex<Inner>>;

fn lock(shared: &Shared) -> MutexGuard<'_, Inner> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A handle on a running fake. Clones share the server.
#[derive(Clone)]
pub struct FakeTrakt {
    shared: Shared,
    addr: SocketAddr,
}

impl FakeTrakt {
    /// Start a fake that accepts `api_key`, on the current tokio runtime.
    pub async fn start(api_key: &str) -> FakeTrakt {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("the listener has an address");
        let shared: Shared = Arc::new(Mutex::new(Inner {
            api_key: api_key.to_owned(),
            now: 1_384_819_200,
            activities: Vec::new(),
            unknown_shows: HashSet::new(),
            failing_shows: HashMap::new(),
            script: VecDeque::new(),
            requests: Vec::new(),
        }));
        let app = Router::new().fallback(handle).with_state(shared.clone());
        tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("the fake Trakt server runs");
        });
        FakeTrakt { shared, addr }
    }

    /// `http://127.0.0.1:{port}` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Queue a response answered before anything else, after `delay` if given.
    pub fn push_response(&self, status: u16, body: impl Into<String>, delay: Option<Duration>) {
        lock(&self.shared).script.push_back(Scripted {
            status,
            body: body.into(),
            delay,
        });
    }

    /// Queue `n` canned failures.
    pub fn fail_next(&self, n: usize, kind: FailKind) {
        for _ in 0..n {
            let now = self.now();
            let (status, body, delay) = match kind {
                FailKind::Unauthorized => (401, INVALID_KEY_BODY.to_owned(), None),
                FailKind::Overloaded => (503, OVER_CAPACITY_BODY.to_owned(), None),
                FailKind::ServerErrorHtml => (500, HTML_ERROR_BODY.to_owned(), None),
                FailKind::Garbage => (200, "}{ this is not json ]".to_owned(), None),
                FailKind::Truncated => {
                    let full = fixture("overlap-poll-1.json");
                    (200, full[..full.len() / 2].to_owned(), None)
                }
                FailKind::Slow(delay) => (200, empty_body(0, now, None), Some(delay)),
                FailKind::FailureBody => (
                    200,
                    r#"{"status":"failure","error":"something went wrong"}"#.to_owned(),
                    None,
                ),
                FailKind::NotFound => (404, SHOW_NOT_FOUND_BODY.to_owned(), None),
            };
            self.push_response(status, body, delay);
        }
    }

    /// Set the server clock (what `timestamps.current` answers).
    pub fn set_now(&self, now: i64) {
        lock(&self.shared).now = now;
    }

    /// Move the server clock forward.
    pub fn advance(&self, secs: i64) {
        lock(&self.shared).now += secs;
    }

    /// The server clock.
    pub fn now(&self) -> i64 {
        lock(&self.shared).now
    }

    /// Store an activity for live answers. A missing `timestamp` is set to the
    /// server clock.
    pub fn publish(&self, mut activity: Value) {
        let mut inner = lock(&self.shared);
        if let Some(obj) = activity.as_object_mut() {
            if !obj.contains_key("timestamp") {
                obj.insert("timestamp".to_owned(), json!(inner.now));
            }
        }
        inner.activities.push(activity);
    }

    /// Store several activities at once, as `publish` does: a poll sees either
    /// none or all of them.
    pub fn publish_all(&self, activities: impl IntoIterator<Item = Value>) {
        let mut inner = lock(&self.shared);
        let now = inner.now;
        for mut activity in activities {
            if let Some(obj) = activity.as_object_mut() {
                if !obj.contains_key("timestamp") {
                    obj.insert("timestamp".to_owned(), json!(now));
                }
            }
            inner.activities.push(activity);
        }
    }

    /// Answer 404 with the show-not-found body for any request naming `slug`.
    pub fn set_unknown_show(&self, slug: &str) {
        lock(&self.shared).unknown_shows.insert(slug.to_owned());
    }

    /// Answer `status` (a 5xx with an HTML page) for any request naming
    /// `slug`, until `heal_show`.
    pub fn fail_show(&self, slug: &str, status: u16) {
        lock(&self.shared)
            .failing_shows
            .insert(slug.to_owned(), status);
    }

    /// Stop failing requests naming `slug`.
    pub fn heal_show(&self, slug: &str) {
        lock(&self.shared).failing_shows.remove(slug);
    }

    /// The requests whose titles segment names `slug`, in order.
    pub fn requests_naming(&self, slug: &str) -> Vec<String> {
        self.requests()
            .into_iter()
            .filter(|p| titles_of(p).iter().any(|t| t == slug))
            .collect()
    }

    /// Every request path received so far, in order.
    pub fn requests(&self) -> Vec<String> {
        lock(&self.shared).requests.clone()
    }

    /// How many requests were received.
    pub fn request_count(&self) -> usize {
        lock(&self.shared).requests.len()
    }
}

fn empty_body(start: i64, now: i64, end: Option<i64>) -> String {
    envelope(start, now, end, Vec::new()).to_string()
}

fn envelope(start: i64, now: i64, end: Option<i64>, activity: Vec<Value>) -> Value {
    let mut timestamps = json!({ "start": start, "current": now });
    if let Some(end) = end {
        timestamps["end"] = json!(end);
    }
    json!({ "timestamps": timestamps, "activity": activity })
}

fn failure(message: &str) -> String {
    json!({ "status": "failure", "error": message }).to_string()
}

async fn handle(State(shared): State<Shared>, uri: Uri) -> Response {
    let path = uri.path().to_owned();
    let scripted = {
        let mut inner = lock(&shared);
        inner.requests.push(path.clone());
        inner.script.pop_front()
    };
    if let Some(scripted) = scripted {
        if let Some(delay) = scripted.delay {
            tokio::time::sleep(delay).await;
        }
        return respond(scripted.status, scripted.body);
    }
    let (status, body) = lock(&shared).answer(&path);
    respond(status, body)
}

fn respond(status: u16, body: String) -> Response {
    let content_type = if body.trim_start().starts_with('<') {
        "text/html; charset=utf-8"
    } else {
        "application/json"
    };
    let status = StatusCode::from_u16(status).expect("a valid HTTP status");
    (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
}

const ACTIONS: [&str; 11] = [
    "watching",
    "scrobble",
    "checkin",
    "seen",
    "collection",
    "rating",
    "watchlist",
    "shout",
    "review",
    "created",
    "item_added",
];

/// The decoded titles of an `activity/shows` request path (empty otherwise).
pub fn titles_of(path: &str) -> Vec<String> {
    path.strip_prefix("/activity/shows.json/")
        .and_then(|rest| rest.split('/').nth(1))
        .map(|titles| titles.split(',').map(decode).collect())
        .unwrap_or_default()
}

fn decode(segment: &str) -> String {
    percent_decode_str(segment).decode_utf8_lossy().into_owned()
}

impl Inner {
    /// A live answer, like the real endpoint.
    fn answer(&self, path: &str) -> (u16, String) {
        if let Some(key) = path.strip_prefix("/server/time.json/") {
            if decode(key) != self.api_key {
                return (401, INVALID_KEY_BODY.to_owned());
            }
            return (200, json!({ "timestamp": self.now }).to_string());
        }
        let Some(rest) = path.strip_prefix("/activity/shows.json/") else {
            return (404, failure("unknown endpoint"));
        };
        let segments: Vec<&str> = rest.split('/').collect();
        if !(2..=5).contains(&segments.len()) || segments.iter().any(|s| s.is_empty()) {
            return (400, failure("malformed path"));
        }
        if decode(segments[0]) != self.api_key {
            return (401, INVALID_KEY_BODY.to_owned());
        }
        let titles: Vec<String> = segments[1].split(',').map(decode).collect();
        if titles.iter().any(|t| t.is_empty()) {
            return (400, failure("empty title"));
        }
        if let Some(status) = titles.iter().find_map(|t| self.failing_shows.get(t)) {
            return (*status, HTML_ERROR_BODY.to_owned());
        }
        if titles.iter().any(|t| self.unknown_shows.contains(t)) {
            return (404, SHOW_NOT_FOUND_BODY.to_owned());
        }
        let actions: Option<Vec<String>> = match segments.get(2) {
            None => None,
            Some(&"all") => None,
            Some(list) => {
                let names: Vec<String> = list.split(',').map(decode).collect();
                if let Some(bad) = names.iter().find(|n| !ACTIONS.contains(&n.as_str())) {
                    return (400, failure(&format!("invalid action {bad}")));
                }
                Some(names)
            }
        };
        let bound = |i: usize| -> Result<Option<i64>, ()> {
            segments
                .get(i)
                .map(|s| s.parse::<i64>())
                .transpose()
                .map_err(|_| ())
        };
        let (Ok(start), Ok(end)) = (bound(3), bound(4)) else {
            return (400, failure("invalid timestamp"));
        };
        let lower = start.unwrap_or(i64::MIN);
        let upper = end.unwrap_or(i64::MAX);
        let mut hits: Vec<&Value> = self
            .activities
            .iter()
            .filter(|a| {
                let ts = a["timestamp"].as_i64().unwrap_or(i64::MIN);
                let action_ok = actions.as_ref().is_none_or(|names| {
                    a["action"]
                        .as_str()
                        .is_some_and(|x| names.iter().any(|n| n == x))
                });
                (lower..=upper).contains(&ts) && action_ok && is_about_any(a, &titles)
            })
            .collect();
        hits.sort_by_key(|a| {
            std::cmp::Reverse((
                a["timestamp"].as_i64().unwrap_or(0),
                a["id"].as_u64().unwrap_or(0),
            ))
        });
        let page: Vec<Value> = hits.into_iter().take(PAGE_SIZE).cloned().collect();
        let body = envelope(start.unwrap_or(0), self.now, end, page);
        (200, body.to_string())
    }
}

/// Whether an activity names one of `titles` (slug from the show URL's last
/// segment, or the TVDB id), directly or through a list item.
fn is_about_any(activity: &Value, titles: &[String]) -> bool {
    let show = if activity["show"].is_object() {
        &activity["show"]
    } else {
        &activity["list_item"]["show"]
    };
    let slug = show["url"]
        .as_str()
        .and_then(|u| u.split("/show/").nth(1))
        .and_then(|rest| rest.split(['/', '?', '#']).next());
    let tvdb = match &show["tvdb_id"] {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    titles.iter().any(|t| {
        Some(t.as_str()) == slug
            || (t.bytes().all(|b| b.is_ascii_digit()) && tvdb.as_deref() == Some(t.as_str()))
    })
}
