//! `V2Client`: the HTTP client of Trakt API v2 (reference §1, §4–§6).
//!
//! It owns the request side: the four required headers (lower-case names),
//! ONE rate limiter for every request (polls, `/follow` lookups, autocomplete,
//! `/activity` alike), the 429 hold that pauses the WHOLE client, retries with
//! backoff for 5xx/520–522, status classification into `V2Error`, and lenient
//! page parsing with the `X-Pagination-*` and `Date` headers read back.
//! Endpoint paths and walks are in `endpoints`; the client id never leaves the
//! header it is sent in (marked sensitive, kept in a `SecretString`).

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde_json::Value;
use tracing::{debug, warn};

use super::error::V2Error;
pub use super::policy::{Budget, RetryPolicy};
use super::response::{classify, Meta, Verdict};
use super::wire::Timestamp;
use crate::ratelimit::RateLimiter;

/// The User-Agent the bot sends: its name and version (§1).
pub const USER_AGENT: &str = concat!("trakt-herald/", env!("CARGO_PKG_VERSION"));

/// The largest `limit` Trakt honours; larger ones are clamped (§4).
pub const MAX_LIMIT: u32 = 250;

/// The production API host (§1). Never `apiz`.
pub const DEFAULT_BASE_URL: &str = "https://api.trakt.tv";

/// Everything the client is built from.
#[derive(Clone)]
pub struct V2Config {
    /// Without a trailing slash is fine either way.
    pub base_url: String,
    pub client_id: SecretString,
    pub user_agent: String,
    pub timeout: Duration,
    pub budget: Budget,
    pub retry: RetryPolicy,
}

impl V2Config {
    /// From the `[trakt]` configuration: its address, client id, timeout,
    /// retries and rate ([`Budget::from_rate`]).
    pub fn from_config(config: &crate::config::TraktConfig) -> Result<Self, V2Error> {
        let client_id = config.api_key.clone().ok_or_else(|| V2Error::Config {
            reason: "trakt.api_key (the Trakt client id) is missing".to_owned(),
        })?;
        Ok(V2Config {
            base_url: config.base_url().to_owned(),
            client_id,
            user_agent: USER_AGENT.to_owned(),
            timeout: config.timeout,
            budget: Budget::from_rate(config.max_requests_per_second()),
            retry: RetryPolicy::v2().with_config(config),
        })
    }

    /// Production defaults for `client_id`.
    pub fn new(client_id: SecretString) -> Self {
        V2Config {
            base_url: DEFAULT_BASE_URL.to_owned(),
            client_id,
            user_agent: USER_AGENT.to_owned(),
            timeout: Duration::from_secs(20),
            budget: Budget::default(),
            retry: RetryPolicy::v2(),
        }
    }
}

/// One decoded answer and its headers.
#[derive(Clone, Debug)]
pub struct Fetched<T> {
    pub value: T,
    pub meta: Meta,
}

/// One page of a list endpoint: the items that parsed, in server order.
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Items that did not parse (each logged at warn).
    pub skipped: u32,
    /// The page number asked for.
    pub page: u32,
    pub meta: Meta,
}

impl<T> Page<T> {
    /// No page after this one (see `Meta::is_last_page`); counts skipped items.
    pub fn is_last(&self) -> bool {
        let len = self.items.len() + self.skipped as usize;
        self.meta.is_last_page(self.page, len)
    }

    /// The limit to ask for next: the one the server says it used (§4).
    pub fn next_limit(&self, asked: u32) -> u32 {
        self.meta
            .pagination
            .and_then(|p| p.limit)
            .filter(|l| *l > 0)
            .unwrap_or(asked)
    }
}

/// A path under the API base, built from segments that are percent-encoded
/// (`,` is kept: `show,season,episode` is one segment).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiPath(String);

const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b',');

const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b',');

impl ApiPath {
    pub fn new<S: AsRef<str>>(segments: &[S]) -> ApiPath {
        let mut path = String::new();
        for s in segments {
            path.push('/');
            path.extend(utf8_percent_encode(s.as_ref(), SEGMENT));
        }
        ApiPath(path)
    }

    /// The route's fixed name for metrics (ids and slugs left out, so the
    /// set of names is bounded): `shows/:id/comments`, `comments/recent`, ….
    pub fn route(&self) -> &'static str {
        let segments: Vec<&str> = self.0.trim_matches('/').split('/').collect();
        match segments.as_slice() {
            ["shows", _] => "shows/:id",
            ["shows", _, "comments", ..] => "shows/:id/comments",
            ["shows", _, "watching"] => "shows/:id/watching",
            ["shows", _, "lists", ..] => "shows/:id/lists",
            ["lists", _, "items", ..] => "lists/:id/items",
            ["comments", "recent", ..] => "comments/recent",
            ["search", "show"] => "search/show",
            ["search", ..] => "search/id",
            ["users", ..] => "users",
            _ => "other",
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The Trakt v2 client. Cheap to clone; clones share the connection pool,
/// the limiter and the 429 state.
#[derive(Clone)]
pub struct V2Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    limiter: RateLimiter,
    retry: RetryPolicy,
    consecutive_429: AtomicU32,
    /// Trakt refused the client id (403): no request is sent again.
    refused: AtomicBool,
    /// Told of every HTTP attempt: its route and status (`None`: no answer).
    on_request: OnceLock<RequestHook>,
}

/// Told of every HTTP attempt to Trakt v2: the route's fixed name (never a
/// URL: [`ApiPath::route`]) and the status (`None`: no answer).
pub type RequestHook = Arc<dyn Fn(&'static str, Option<u16>) + Send + Sync>;

impl fmt::Debug for V2Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("V2Client")
            .field("base_url", &self.inner.base_url)
            .field("client_id", &"***")
            .finish_non_exhaustive()
    }
}

/// What one attempt came to.
enum Attempt {
    Done(Result<(Vec<u8>, Meta), V2Error>),
    RateLimited(Option<Duration>),
    Retry {
        status: Option<u16>,
        reason: String,
        overloaded: bool,
    },
}

impl V2Client {
    pub fn new(config: V2Config) -> Result<Self, V2Error> {
        let bad = |reason: &str| V2Error::Config {
            reason: reason.to_owned(),
        };
        let parsed = url::Url::parse(&config.base_url)
            .map_err(|_| bad("the Trakt base URL is not a valid URL"))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.query().is_some() {
            return Err(bad("the Trakt base URL must be http(s) without a query"));
        }
        config.budget.validate()?;
        if config.timeout.is_zero() {
            return Err(bad("the Trakt timeout must be above 0"));
        }
        let id = config.client_id.expose_secret();
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(bad("the Trakt client id is missing or not printable ASCII"));
        }
        let mut key =
            HeaderValue::from_str(id).map_err(|_| bad("the Trakt client id is invalid"))?;
        key.set_sensitive(true);
        let agent = HeaderValue::from_str(config.user_agent.trim())
            .ok()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| bad("the User-Agent is empty or not ASCII"))?;
        let mut headers = HeaderMap::new();
        headers.insert(
            HeaderName::from_static("content-type"),
            HeaderValue::from_static("application/json"),
        );
        headers.insert(HeaderName::from_static("user-agent"), agent);
        headers.insert(HeaderName::from_static("trakt-api-key"), key);
        headers.insert(
            HeaderName::from_static("trakt-api-version"),
            HeaderValue::from_static("2"),
        );
        let http = crate::http::builder(&config.base_url, config.timeout)
            .connect_timeout(config.timeout)
            .default_headers(headers)
            .build()
            .map_err(|e| V2Error::Config {
                reason: describe(e),
            })?;
        Ok(V2Client {
            inner: Arc::new(Inner {
                http,
                base_url: config.base_url.trim_end_matches('/').to_owned(),
                limiter: config.budget.limiter(),
                retry: config.retry,
                consecutive_429: AtomicU32::new(0),
                refused: AtomicBool::new(false),
                on_request: OnceLock::new(),
            }),
        })
    }

    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Report every HTTP attempt to `hook` from now on (the first hook set
    /// stays; clones share it).
    pub fn on_request(&self, hook: RequestHook) {
        let _ = self.inner.on_request.set(hook);
    }

    /// Requests the budget lets through now (below 0: callers waiting).
    pub fn budget_available(&self) -> f64 {
        self.inner.limiter.available()
    }

    /// Whether Trakt refused the client id (403). From then on every call
    /// fails with [`V2Error::KeyRefused`] at once, without a request: the
    /// key only changes with a restart.
    pub fn key_refused(&self) -> bool {
        self.inner.refused.load(Ordering::Relaxed)
    }

    /// GET one JSON object (not paginated).
    pub async fn get_one<T: DeserializeOwned>(
        &self,
        path: &ApiPath,
        query: &[(&str, String)],
    ) -> Result<Fetched<T>, V2Error> {
        let (body, meta) = self.send(path, query).await?;
        let value = serde_json::from_slice(&body).map_err(|e| decode_error(path, &e))?;
        Ok(Fetched { value, meta })
    }

    /// GET one JSON object that may be absent: an empty body (204, e.g.
    /// `/users/{id}/watching` when idle) is `None`.
    pub async fn get_optional<T: DeserializeOwned>(
        &self,
        path: &ApiPath,
        query: &[(&str, String)],
    ) -> Result<Fetched<Option<T>>, V2Error> {
        let (body, meta) = self.send(path, query).await?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Fetched { value: None, meta });
        }
        let value = serde_json::from_slice(&body).map_err(|e| decode_error(path, &e))?;
        Ok(Fetched {
            value: Some(value),
            meta,
        })
    }

    /// GET an array (not paginated, e.g. `watching`); an empty or 204 body is
    /// `[]`. Items that do not parse are skipped and counted.
    pub async fn get_list<T: DeserializeOwned>(
        &self,
        path: &ApiPath,
        query: &[(&str, String)],
    ) -> Result<Page<T>, V2Error> {
        let (body, meta) = self.send(path, query).await?;
        let (items, skipped) = parse_items(path, &body)?;
        Ok(Page {
            items,
            skipped,
            page: 1,
            meta,
        })
    }

    /// GET page `page` with `limit` (clamped to 1..=250), both always sent.
    pub async fn get_page<T: DeserializeOwned>(
        &self,
        path: &ApiPath,
        query: &[(&str, String)],
        page: u32,
        limit: u32,
    ) -> Result<Page<T>, V2Error> {
        let mut q: Vec<(&str, String)> = query.to_vec();
        q.push(("page", page.max(1).to_string()));
        q.push(("limit", limit.clamp(1, MAX_LIMIT).to_string()));
        let (body, meta) = self.send(path, &q).await?;
        let (items, skipped) = parse_items(path, &body)?;
        Ok(Page {
            items,
            skipped,
            page: page.max(1),
            meta,
        })
    }

    fn url(&self, path: &ApiPath, query: &[(&str, String)]) -> String {
        let mut url = format!("{}{}", self.inner.base_url, path.as_str());
        for (i, (k, v)) in query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.extend(utf8_percent_encode(k, QUERY));
            url.push('=');
            url.extend(utf8_percent_encode(v, QUERY));
        }
        url
    }

    /// Send through the limiter, with 429 holds and retries per the policy.
    async fn send(
        &self,
        path: &ApiPath,
        query: &[(&str, String)],
    ) -> Result<(Vec<u8>, Meta), V2Error> {
        if self.key_refused() {
            return Err(V2Error::KeyRefused);
        }
        let url = self.url(path, query);
        let policy = &self.inner.retry;
        let max_attempts = policy.max_attempts.max(1);
        let mut attempts = 0u32;
        loop {
            self.inner.limiter.acquire().await;
            attempts += 1;
            debug!(path = path.as_str(), attempt = attempts, "GET Trakt v2");
            match self.attempt(&url, path.route()).await {
                Attempt::Done(result) => {
                    match &result {
                        Ok(_) => self.inner.consecutive_429.store(0, Ordering::Relaxed),
                        Err(V2Error::KeyRefused) => {
                            self.inner.refused.store(true, Ordering::Relaxed);
                        }
                        Err(_) => {}
                    }
                    return result;
                }
                Attempt::RateLimited(retry_after) => {
                    let n = self.inner.consecutive_429.fetch_add(1, Ordering::Relaxed) + 1;
                    let hold = policy.rate_limit_hold(retry_after, n);
                    self.inner.limiter.hold(hold);
                    warn!(
                        path = path.as_str(),
                        ?hold,
                        "Trakt answered 429; holding every request"
                    );
                    if attempts >= max_attempts || hold > policy.max_inline_wait {
                        return Err(V2Error::RateLimited { retry_after: hold });
                    }
                }
                Attempt::Retry {
                    status,
                    reason,
                    overloaded,
                } => {
                    if attempts >= max_attempts {
                        warn!(path = path.as_str(), ?status, %reason, "Trakt v2 request failed; giving up");
                        return Err(V2Error::Transient { status, reason });
                    }
                    let wait = policy.delay(attempts, overloaded, fastrand::f64());
                    warn!(path = path.as_str(), ?status, %reason, ?wait, "Trakt v2 request failed; retrying");
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    async fn attempt(&self, url: &str, route: &'static str) -> Attempt {
        let report = |status: Option<u16>| {
            if let Some(hook) = self.inner.on_request.get() {
                hook(route, status);
            }
        };
        let response = match self.inner.http.get(url).send().await {
            Ok(r) => r,
            Err(e) => {
                report(None);
                return Attempt::Retry {
                    status: None,
                    reason: describe(e),
                    overloaded: false,
                };
            }
        };
        let status = response.status().as_u16();
        report(Some(status));
        let now = Timestamp(chrono::Utc::now());
        match classify(status, response.headers(), now) {
            Verdict::Success => {
                let meta = Meta::from_headers(response.headers());
                match response.bytes().await {
                    Ok(body) => Attempt::Done(Ok((body.to_vec(), meta))),
                    Err(e) => Attempt::Retry {
                        status: Some(status),
                        reason: describe(e),
                        overloaded: false,
                    },
                }
            }
            Verdict::RateLimited { retry_after } => Attempt::RateLimited(retry_after),
            Verdict::Retry { status, overloaded } => Attempt::Retry {
                status: Some(status),
                reason: "server error".to_owned(),
                overloaded,
            },
            Verdict::Fail(e) => Attempt::Done(Err(e)),
        }
    }
}

/// A JSON array body as items of `T`; malformed items are skipped and
/// counted, a body that is not an array is `Decode`. Empty is `[]`.
fn parse_items<T: DeserializeOwned>(path: &ApiPath, body: &[u8]) -> Result<(Vec<T>, u32), V2Error> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok((Vec::new(), 0));
    }
    let values: Vec<Value> = serde_json::from_slice(body).map_err(|e| decode_error(path, &e))?;
    let mut items = Vec::with_capacity(values.len());
    let mut skipped = 0u32;
    for value in values {
        match serde_json::from_value(value) {
            Ok(item) => items.push(item),
            Err(e) => {
                skipped += 1;
                warn!(path = path.as_str(), error = %e, "skipped an item Trakt sent");
            }
        }
    }
    Ok((items, skipped))
}

/// A decoding failure, described by kind and position only: serde's own
/// message quotes the body, which must not reach a log line.
fn decode_error(path: &ApiPath, e: &serde_json::Error) -> V2Error {
    let kind = match e.classify() {
        serde_json::error::Category::Io => "an I/O error",
        serde_json::error::Category::Syntax => "invalid JSON",
        serde_json::error::Category::Data => "JSON of an unexpected shape",
        serde_json::error::Category::Eof => "truncated JSON",
    };
    V2Error::Decode {
        reason: format!(
            "{} answered {kind} (line {}, column {})",
            path.as_str(),
            e.line(),
            e.column()
        ),
    }
}

/// A `reqwest::Error` as text, URL stripped, with its source chain.
fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    let what = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connection failed"
    } else if error.is_body() || error.is_decode() {
        "reading the answer failed"
    } else {
        "request failed"
    };
    let mut text = what.to_owned();
    let mut source = std::error::Error::source(&error);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;
