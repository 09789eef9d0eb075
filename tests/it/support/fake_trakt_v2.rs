//! A fake Trakt API v2 on `127.0.0.1:0` (axum), seeded from
//! `tests/fixtures/trakt-v2/` and programmable (shows, comments, the recent
//! feed in either shape, lists, list items, watchers, private users, and a
//! user's history, ratings, watchlist (shows, movies, episodes), current
//! viewing, collection, comments, lists and list items).
//!
//! Like Trakt (reference §1, §4–§6, §12): a request without `User-Agent` gets
//! Cloudflare's 403 HTML page (no `X-Request-Id`); a missing or wrong
//! `trakt-api-key` gets 403 with an empty `text/html` body and `X-Request-Id`;
//! a missing `trakt-api-version: 2` gets 400 and a missing JSON
//! `Content-Type` 412 (both [inf]: Trakt does not document them). Paginated
//! routes clamp `limit` to 250, apply the per-endpoint default when none is
//! sent and answer `X-Pagination-*`. Every answer has `Date` (from a clock
//! the test sets) and `X-Ratelimit` counting down. Scripted answers (429 in
//! both forms, 5xx, 520, any status) are served, in order, to the next
//! requests that pass the header checks. Every request is logged with its
//! query, headers and arrival instant.
//! Routes are in `fake_trakt_v2_routes`.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::fake_trakt_v2_routes::Answer;

/// The client id the fake accepts.
pub const CLIENT_ID: &str = "v2-cl13nt-1d-0123456789abcdef";

/// The text of `tests/fixtures/trakt-v2/{name}`.
pub fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/trakt-v2/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).expect("the fixture file exists")
}

/// A fixture parsed as JSON.
pub fn fixture_json(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).expect("the fixture is JSON")
}

/// A scripted answer.
#[derive(Clone, Debug)]
pub enum Scripted {
    /// 429 from Trakt's limiter: empty body, `X-Request-Id`, `X-Ratelimit`
    /// with `remaining: 0`, and this `Retry-After` (if any).
    Api429 { retry_after: Option<String> },
    /// 429 from Cloudflare: the HTML fixture, `Retry-After: 300`, no
    /// `X-Ratelimit`, no `X-Request-Id`.
    Cloudflare429,
    /// This status with an empty `text/html` body from Trakt (`X-Request-Id`).
    Status(u16),
    /// This status with a Cloudflare HTML page (no `X-Request-Id`).
    CloudflarePage(u16),
    /// This status and body from Trakt, as JSON.
    Raw { status: u16, body: String },
}

/// One request as received.
#[derive(Clone, Debug)]
pub struct Logged {
    pub method: String,
    pub path: String,
    pub query: BTreeMap<String, String>,
    pub headers: HeaderMap,
    /// Arrival (wall clock of this process).
    pub at: Instant,
}

pub struct World {
    pub client_id: String,
    pub now: DateTime<Utc>,
    pub script: VecDeque<Scripted>,
    pub log: Vec<Logged>,
    pub answered: u64,
    /// Full show objects.
    pub shows: Vec<Value>,
    pub show_comments: HashMap<u64, Vec<Value>>,
    /// Wrapper items by feed (`episodes`, `seasons`, `shows`).
    pub recent: HashMap<String, Vec<Value>>,
    pub bare_recent: bool,
    pub watchers: HashMap<u64, Vec<Value>>,
    pub lists: HashMap<u64, Vec<Value>>,
    pub list_items: HashMap<u64, Vec<Value>>,
    pub users: HashMap<String, Value>,
    pub private_users: HashSet<String>,
    /// A user's history events, ratings, shows watchlist and current viewing
    /// (absent: 204), by slug.
    pub history: HashMap<String, Vec<Value>>,
    pub ratings: HashMap<String, Vec<Value>>,
    pub watchlist: HashMap<String, Vec<Value>>,
    pub watching_now: HashMap<String, Value>,
    /// A user's collection (`/collection/shows`, `/collection/movies`),
    /// comment wrappers, lists, and the items of each list, by slug.
    pub collection_shows: HashMap<String, Vec<Value>>,
    pub collection_movies: HashMap<String, Vec<Value>>,
    pub user_comments: HashMap<String, Vec<Value>>,
    pub user_lists: HashMap<String, Vec<Value>>,
    pub user_list_items: HashMap<(String, u64), Vec<Value>>,
    /// Text-search answers (`{type, score, show}`), matched by title.
    pub search: Vec<Value>,
    /// While set, every request waits this long before it is seen (a slow
    /// network or Trakt); it is logged when it arrives after the wait.
    pub delay: Option<std::time::Duration>,
}

type Shared = Arc<Mutex<World>>;

fn lock(shared: &Shared) -> MutexGuard<'_, World> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

fn array(name: &str) -> Vec<Value> {
    match fixture_json(name) {
        Value::Array(items) => items,
        other => panic!("{name} is not an array: {other}"),
    }
}

impl World {
    fn seeded() -> World {
        let mut users = HashMap::new();
        users.insert("moonfield".to_owned(), fixture_json("user-profile.json"));
        World {
            client_id: CLIENT_ID.to_owned(),
            now: DateTime::parse_from_rfc3339("2026-11-15T02:00:00Z")
                .expect("time")
                .with_timezone(&Utc),
            script: VecDeque::new(),
            log: Vec::new(),
            answered: 0,
            shows: vec![fixture_json("show-summary-full.json")],
            show_comments: HashMap::from([(1393, array("show-comments-newest.json"))]),
            recent: HashMap::from([
                (
                    "episodes".to_owned(),
                    array("comments-recent-episodes.json"),
                ),
                ("seasons".to_owned(), Vec::new()),
                ("shows".to_owned(), Vec::new()),
            ]),
            bare_recent: false,
            watchers: HashMap::from([(1393, array("show-watching-1.json"))]),
            lists: HashMap::from([(1393, array("show-lists-personal-added.json"))]),
            list_items: HashMap::from([(31882114, array("list-items.json"))]),
            users,
            private_users: HashSet::from(["quietviewer".to_owned()]),
            history: HashMap::from([("moonfield".to_owned(), array("user-history.json"))]),
            ratings: HashMap::from([("moonfield".to_owned(), array("user-ratings.json"))]),
            watchlist: HashMap::from([(
                "moonfield".to_owned(),
                [
                    array("user-watchlist.json"),
                    array("../user-sources/user-watchlist-movies.json"),
                    array("../user-sources/user-watchlist-episodes.json"),
                ]
                .concat(),
            )]),
            watching_now: HashMap::new(),
            collection_shows: HashMap::from([(
                "moonfield".to_owned(),
                array("user-collection-shows.json"),
            )]),
            collection_movies: HashMap::from([(
                "moonfield".to_owned(),
                array("../user-sources/user-collection-movies.json"),
            )]),
            user_comments: HashMap::from([("moonfield".to_owned(), array("user-comments.json"))]),
            user_lists: HashMap::from([("moonfield".to_owned(), array("user-lists.json"))]),
            user_list_items: HashMap::from([(
                ("moonfield".to_owned(), 31882114),
                array("../user-sources/user-list-items.json"),
            )]),
            search: array("search-text-show.json"),
            delay: None,
        }
    }
}

/// A handle on a running fake. Clones share the server.
#[derive(Clone)]
pub struct FakeTraktV2 {
    shared: Shared,
    addr: SocketAddr,
}

impl FakeTraktV2 {
    /// Start a seeded fake accepting [`CLIENT_ID`], on the current runtime.
    pub async fn start() -> FakeTraktV2 {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("the listener has an address");
        let shared: Shared = Arc::new(Mutex::new(World::seeded()));
        let app = Router::new().fallback(handle).with_state(shared.clone());
        tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("the fake Trakt v2 server runs");
        });
        FakeTraktV2 { shared, addr }
    }

    /// `http://127.0.0.1:{port}`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Change the world (shows, comments, lists, watchers, …) directly.
    pub fn edit(&self, f: impl FnOnce(&mut World)) {
        f(&mut lock(&self.shared));
    }

    /// Read (or change) the world and return something from it.
    pub fn edit_ret<T>(&self, f: impl FnOnce(&mut World) -> T) -> T {
        f(&mut lock(&self.shared))
    }

    /// Queue scripted answers for the next requests that pass the checks.
    pub fn script(&self, answers: impl IntoIterator<Item = Scripted>) {
        lock(&self.shared).script.extend(answers);
    }

    /// Serve the recent-comments feed in the contract's bare shape.
    pub fn set_bare_recent(&self, bare: bool) {
        lock(&self.shared).bare_recent = bare;
    }

    /// Replace who is watching `show`.
    pub fn set_watchers(&self, show: u64, watchers: Vec<Value>) {
        lock(&self.shared).watchers.insert(show, watchers);
    }

    /// Set the server clock (what `Date` says).
    pub fn set_now(&self, rfc3339: &str) {
        lock(&self.shared).now = DateTime::parse_from_rfc3339(rfc3339)
            .expect("an RFC 3339 time")
            .with_timezone(&Utc);
    }

    /// Every request received, in order.
    pub fn log(&self) -> Vec<Logged> {
        lock(&self.shared).log.clone()
    }

    /// The paths received, in order.
    pub fn paths(&self) -> Vec<String> {
        self.log().into_iter().map(|l| l.path).collect()
    }
}

async fn handle(
    State(shared): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let query: BTreeMap<String, String> = uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let path = percent_encoding::percent_decode_str(uri.path())
        .decode_utf8_lossy()
        .into_owned();
    let delay = lock(&shared).delay;
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    let mut world = lock(&shared);
    world.log.push(Logged {
        method: method.to_string(),
        path: path.clone(),
        query: query.clone(),
        headers: headers.clone(),
        at: Instant::now(),
    });
    world.answered += 1;
    let answer = world
        .refusal(&headers)
        .or_else(|| world.script.pop_front().map(Answer::scripted))
        .unwrap_or_else(|| world.route(&method, &path, &query));
    answer.into_response_at(world.now, world.answered)
}

impl World {
    /// The answer to a request missing a required header (checked in the
    /// order Cloudflare, then Trakt, would see them).
    fn refusal(&self, headers: &HeaderMap) -> Option<Answer> {
        let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        if get("user-agent").is_none_or(|ua| ua.trim().is_empty()) {
            return Some(Answer::cloudflare(403, "error-403-cloudflare-blocked.html"));
        }
        if get("trakt-api-key") != Some(self.client_id.as_str()) {
            return Some(Answer::empty(403));
        }
        if get("trakt-api-version").map(str::trim) != Some("2") {
            return Some(Answer::empty(400));
        }
        if !get("content-type").is_some_and(|ct| ct.starts_with("application/json")) {
            return Some(Answer::empty(412));
        }
        None
    }
}

impl Answer {
    /// The HTTP response, with `Date` and (for Trakt's answers) the request
    /// id and `X-Ratelimit` counting down from 500.
    fn into_response_at(self, now: DateTime<Utc>, answered: u64) -> Response {
        let mut headers = HeaderMap::new();
        let mut put = |k: &str, v: String| {
            if let (Ok(k), Ok(v)) = (HeaderName::try_from(k), HeaderValue::try_from(v)) {
                headers.insert(k, v);
            }
        };
        put("date", now.format("%a, %d %b %Y %H:%M:%S GMT").to_string());
        put("server", "cloudflare".to_owned());
        put("content-type", self.content_type.to_owned());
        if self.from_trakt {
            put("x-request-id", format!("fake-{answered:06}"));
            put("x-runtime", "0.001000".to_owned());
            let remaining = if self.status == 429 {
                0
            } else {
                500u64.saturating_sub(answered)
            };
            put(
                "x-ratelimit",
                format!(
                    r#"{{"name":"UNAUTHED_API_GET_LIMIT","period":300,"limit":500,"remaining":{remaining},"until":"{}"}}"#,
                    (now + chrono::Duration::seconds(300)).format("%Y-%m-%dT%H:%M:%SZ")
                ),
            );
        }
        for (k, v) in self.headers {
            put(&k, v);
        }
        let status = StatusCode::from_u16(self.status).expect("a valid status");
        (status, headers, self.body).into_response()
    }
}
