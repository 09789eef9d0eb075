//! `TraktClient`: the HTTP client for `activity/shows` (reference §1–§4, §10).
//!
//! It owns the request side of the Trakt boundary: the rate limit, retries with
//! backoff, status and body classification into `TraktError`, lenient per-item
//! parsing, and paging back past the 100-item cap. Batching and watermarks are
//! the caller's: `fetch` asks about exactly the shows it is given.
//!
//! The API key travels in the URL path, so every URL is kept out of errors
//! (`reqwest::Error::without_url`) and masked (`url::mask_key`) wherever a
//! path or a server-supplied text is logged or kept.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::value::RawValue;
use tracing::{debug, warn};

use super::action::ActionSet;
use super::error::TraktError;
use super::model::{Activity, ActivityKey, Timestamps, TraktTime};
use super::show_ref::ShowRef;
use super::url::{activity_path, mask_key, ActivityRequest};
use crate::backoff::Backoff;
use crate::ratelimit::RateLimiter;

/// The most items one response holds (reference §4).
pub const PAGE_SIZE: usize = 100;

/// A cap on pages per `fetch` (the first included), so one walk cannot hold
/// the shared rate limit for ever; a walk stopped by it says where to resume
/// ([`Fetched::resume_at`]).
pub const MAX_PAGES: u32 = 50;

/// How far a fetch pages back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pages {
    /// The whole window, up to [`MAX_PAGES`].
    All,
    /// The first (newest) page only: enough to learn `current`.
    One,
    /// Stop once at least this many distinct activities were read (or the
    /// window is covered, or [`MAX_PAGES`]).
    Items(usize),
}

/// The window of a fetch and how far to page through it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FetchOptions {
    /// Lower bound (inclusive); `None`: whatever the server starts at.
    pub start: Option<TraktTime>,
    /// Upper bound (inclusive) of the first page; `None`: up to the server's
    /// clock.
    pub end: Option<TraktTime>,
    pub pages: Pages,
}

impl FetchOptions {
    /// Everything since `start`, every page.
    pub fn since(start: Option<TraktTime>) -> Self {
        FetchOptions {
            start,
            end: None,
            pages: Pages::All,
        }
    }
}

/// Longest server-supplied text kept in an error.
const MAX_MESSAGE_LEN: usize = 300;

/// How failed attempts are retried: exponential backoff with jitter, bounded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per request, the first included (0 counts as 1).
    pub max_attempts: u32,
    /// The wait after the first failure, before jitter; doubles each time.
    pub base_delay: Duration,
    /// The longest exponential wait.
    pub max_delay: Duration,
    /// The shortest wait after a 503 "server is over capacity" (the reference
    /// says to retry after about 10 s).
    pub overloaded_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(10),
            overloaded_delay: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt number `attempt` (1-based). `jitter` in
    /// `[0, 1]` picks a point in the upper half of the exponential delay
    /// ("equal jitter"); after a 503 the wait is at least `overloaded_delay`.
    pub fn delay(&self, attempt: u32, overloaded: bool, jitter: f64) -> Duration {
        let wait = Backoff::new(self.base_delay, self.max_delay).jittered(attempt, jitter);
        if overloaded {
            wait.max(self.overloaded_delay)
        } else {
            wait
        }
    }
}

/// The result of one `fetch`: every activity of the window, oldest first.
#[derive(Clone, Debug)]
pub struct Fetched {
    /// The first page's `timestamps.current`: the next watermark.
    pub current: TraktTime,
    /// Distinct activities (by `Activity::key`), sorted by (timestamp, id).
    pub activities: Vec<Activity>,
    /// HTTP requests sent, retries and pages back included.
    pub requests: u32,
    /// Items skipped because they did not parse or their action does not
    /// allow their type (each logged at warn).
    pub skipped: u32,
    /// `None` when the walk covered the whole window. `Some(t)` when it
    /// stopped early (page cap or [`Pages`] limit): activity from the window's
    /// start up to `t` (inclusive) may be missing; a walk with `end = t`
    /// continues it.
    pub resume_at: Option<TraktTime>,
    /// Seconds holding a full page on their own: over 100 items in one second
    /// cannot be paged through, so some of them may be missing for good.
    pub holes: Vec<TraktTime>,
}

impl Fetched {
    /// Whether the walk covered the whole window (holes aside).
    pub fn is_complete(&self) -> bool {
        self.resume_at.is_none()
    }
}

/// What `lookup_show` learnt about a show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShowInfo {
    /// The show's title, when a recent activity names it.
    pub title: Option<String>,
    /// The server's clock (`timestamps.current`): a first watermark.
    pub current: TraktTime,
}

/// The Trakt API v1 client. Cheap to clone; clones share the HTTP connection
/// pool and the rate limit.
#[derive(Clone)]
pub struct TraktClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    /// Without a trailing slash.
    base_url: String,
    api_key: SecretString,
    limiter: RateLimiter,
    retry: RetryPolicy,
}

impl fmt::Debug for TraktClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TraktClient")
            .field("base_url", &self.inner.base_url)
            .field("api_key", &"***")
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

/// One parsed success page of `activity/shows`: what the client makes of a
/// 200 body before paging and dedupe.
#[derive(Debug)]
pub struct ParsedPage {
    /// The envelope's `timestamps.current`.
    pub current: TraktTime,
    /// Items in the response, skipped ones included (the 100 cap counts them).
    pub raw_len: usize,
    /// The items that parsed and whose action allows their type, in body order.
    pub activities: Vec<Activity>,
    /// The oldest timestamp of any item, usable or not: where to page back.
    pub oldest: Option<TraktTime>,
    /// Items skipped (each logged at warn).
    pub skipped: u32,
}

/// What one attempt came to.
#[derive(Debug)]
enum Outcome {
    Done(Result<ParsedPage, TraktError>),
    Retry {
        status: Option<u16>,
        reason: String,
        overloaded: bool,
    },
}

impl TraktClient {
    /// A client from the `[trakt]` configuration: the default retry policy with
    /// `max_retries` and `retry_delay` from it.
    pub fn new(config: &crate::config::TraktConfig) -> Result<Self, TraktError> {
        let key = config
            .api_key
            .as_ref()
            .map(|k| k.expose_secret().to_owned())
            .unwrap_or_default();
        Self::with_options(
            &config.base_url,
            &key,
            config.timeout,
            config.max_requests_per_second,
            RetryPolicy {
                max_attempts: config.max_retries.saturating_add(1),
                base_delay: config.retry_delay,
                ..RetryPolicy::default()
            },
        )
    }

    /// A client with every knob explicit (tests point `base_url` at a fake).
    ///
    /// The HTTP client uses rustls and ignores proxy environment variables
    /// (`no_proxy`): the bot talks to Trakt directly, and a proxy picked up from
    /// the environment would see the API key in every path.
    pub fn with_options(
        base_url: &str,
        api_key: &str,
        timeout: Duration,
        requests_per_second: f64,
        retry: RetryPolicy,
    ) -> Result<Self, TraktError> {
        let parsed = url::Url::parse(base_url).map_err(|_| TraktError::Client {
            reason: "trakt.base_url is not a valid URL".to_owned(),
        })?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.query().is_some() {
            return Err(TraktError::Client {
                reason: "trakt.base_url must be an http or https URL without a query".to_owned(),
            });
        }
        if api_key.is_empty() {
            return Err(TraktError::Client {
                reason: "trakt.api_key is missing".to_owned(),
            });
        }
        if !api_key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(TraktError::Client {
                reason: "trakt.api_key may contain only letters, digits, `-` and `_`".to_owned(),
            });
        }
        if timeout.is_zero() {
            return Err(TraktError::Client {
                reason: "trakt.timeout must be above 0".to_owned(),
            });
        }
        let http = crate::http::builder(base_url, timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("trakt-herald/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| TraktError::Client {
                reason: mask_key(&describe(e), api_key),
            })?;
        let burst = if requests_per_second.is_finite() {
            requests_per_second.ceil().clamp(1.0, 1000.0) as u32
        } else {
            1
        };
        Ok(TraktClient {
            inner: Arc::new(Inner {
                http,
                base_url: base_url.trim_end_matches('/').to_owned(),
                api_key: SecretString::from(api_key.to_owned()),
                limiter: RateLimiter::new(requests_per_second, burst),
                retry,
            }),
        })
    }

    /// The base URL requests go to (no key in it).
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Everything that happened to `shows` since `start` (inclusive), for the
    /// `actions` asked: ONE batch (see `url::batches`), walked back in full
    /// (up to [`MAX_PAGES`]). The same as [`TraktClient::fetch_with`] with
    /// [`FetchOptions::since`].
    pub async fn fetch(
        &self,
        shows: &[ShowRef],
        actions: ActionSet,
        start: Option<TraktTime>,
    ) -> Result<Fetched, TraktError> {
        self.fetch_with(shows, actions, FetchOptions::since(start))
            .await
    }

    /// The activity of `shows` in `[opts.start, opts.end]`, newest first: a
    /// full page is followed by pages back (`end_ts` = its oldest timestamp,
    /// same `start`) until a page holds fewer than 100 items, the walk passes
    /// `start`, or `opts.pages` says stop ([`Fetched::resume_at`] then tells
    /// where the next walk should continue). A full page all in one second
    /// (over 100 items in it cannot be split, reference §4) is a known hole:
    /// the walk goes on below that second and the second is reported in
    /// [`Fetched::holes`].
    pub async fn fetch_with(
        &self,
        shows: &[ShowRef],
        actions: ActionSet,
        opts: FetchOptions,
    ) -> Result<Fetched, TraktError> {
        if shows.is_empty() {
            return Err(TraktError::NoShows);
        }
        let mut req = ActivityRequest {
            shows,
            actions,
            start: opts.start,
            end: opts.end,
        };
        let mut seen: HashSet<ActivityKey> = HashSet::new();
        let mut activities = Vec::new();
        let (mut requests, mut skipped, mut pages_read) = (0u32, 0u32, 0u32);
        let (mut current, mut resume_at, mut holes) = (None, None, Vec::new());
        loop {
            let (page, sent) = self.get_page(&req).await?;
            requests += sent;
            pages_read += 1;
            skipped += page.skipped;
            let current = *current.get_or_insert(page.current);
            absorb(page.activities, &mut seen, &mut activities);
            let (hole, next) = next_step(&WalkPoint {
                start: opts.start,
                end: req.end,
                current,
                raw_len: page.raw_len,
                oldest: page.oldest,
                pages_read,
                collected: activities.len(),
                pages: opts.pages,
            });
            if let Some(second) = hole {
                debug!(
                    second = second.0,
                    "over 100 items in one second: some cannot be fetched"
                );
                holes.push(second);
            }
            match next {
                Next::Done => break,
                Next::Page(end) => req.end = Some(end),
                Next::Stop(end) => {
                    debug!(
                        pages_read,
                        resume_at = end.0,
                        "stopped paging back before the window's start"
                    );
                    resume_at = Some(end);
                    break;
                }
            }
        }
        activities.sort_by_key(|a| (a.timestamp, a.id));
        Ok(Fetched {
            current: current.unwrap_or(TraktTime(0)),
            activities,
            requests,
            skipped,
            resume_at,
            holes,
        })
    }

    /// Whether Trakt knows `show`, and its title when a recent activity names
    /// it. One request for that show alone (all actions, no start).
    /// A 404 (or a failure body saying "not found") is `NotFound`; a 200 with
    /// no activity is a show nothing happened to lately: `title` is `None`.
    pub async fn lookup_show(&self, show: &ShowRef) -> Result<ShowInfo, TraktError> {
        let req = ActivityRequest {
            shows: std::slice::from_ref(show),
            actions: ActionSet::all(),
            start: None,
            end: None,
        };
        let (page, _) = self.get_page(&req).await?;
        let title = page
            .activities
            .iter()
            .filter(|a| a.is_about(show))
            .find_map(|a| a.subject_show().and_then(|s| s.title.clone()));
        Ok(ShowInfo {
            title,
            current: page.current,
        })
    }

    /// One page, through the rate limiter, retried per the policy. Also
    /// answers how many requests were sent.
    async fn get_page(&self, req: &ActivityRequest<'_>) -> Result<(ParsedPage, u32), TraktError> {
        let key = self.inner.api_key.expose_secret();
        let path = activity_path(key, req);
        let url = format!("{}{}", self.inner.base_url, path);
        let masked = mask_key(&path, key);
        let policy = &self.inner.retry;
        let max_attempts = policy.max_attempts.max(1);
        let mut sent = 0u32;
        loop {
            self.inner.limiter.acquire().await;
            sent += 1;
            debug!(path = %masked, attempt = sent, "GET Trakt activity");
            match masked_outcome(self.attempt(&url).await, key) {
                Outcome::Done(Ok(page)) => {
                    debug!(
                        path = %masked,
                        items = page.raw_len,
                        skipped = page.skipped,
                        current = page.current.0,
                        "Trakt answered"
                    );
                    return Ok((page, sent));
                }
                Outcome::Done(Err(error)) => {
                    debug!(path = %masked, %error, "Trakt request failed");
                    return Err(error);
                }
                Outcome::Retry {
                    status,
                    reason,
                    overloaded,
                } => {
                    if sent >= max_attempts {
                        warn!(path = %masked, attempts = sent, ?status, %reason, "Trakt request failed; giving up");
                        return Err(TraktError::Unavailable { status, reason });
                    }
                    let wait = policy.delay(sent, overloaded, fastrand::f64());
                    warn!(path = %masked, attempt = sent, ?status, %reason, ?wait, "Trakt request failed; retrying");
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// Send one request and classify what came back.
    async fn attempt(&self, url: &str) -> Outcome {
        let response = match self.inner.http.get(url).send().await {
            Ok(r) => r,
            Err(e) => {
                return Outcome::Retry {
                    status: None,
                    reason: describe(e),
                    overloaded: false,
                }
            }
        };
        let status = response.status().as_u16();
        match response.bytes().await {
            Ok(body) => classify(status, &body),
            Err(e) => Outcome::Retry {
                status: Some(status),
                reason: describe(e),
                overloaded: false,
            },
        }
    }
}

/// A `reqwest::Error` as text: what failed, then its source chain. The URL is
/// stripped first.
fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    let what = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connection failed"
    } else if error.is_body() || error.is_decode() {
        "reading the response failed"
    } else if error.is_builder() {
        "building the request failed"
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

/// Mask the key in, and bound the length of, every text an outcome carries.
fn masked_outcome(outcome: Outcome, key: &str) -> Outcome {
    let scrub = |s: String| truncate(&mask_key(&s, key), MAX_MESSAGE_LEN);
    match outcome {
        Outcome::Done(Err(e)) => Outcome::Done(Err(match e {
            TraktError::Unauthorized { message } => TraktError::Unauthorized {
                message: scrub(message),
            },
            TraktError::NotFound { message } => TraktError::NotFound {
                message: scrub(message),
            },
            TraktError::Unavailable { status, reason } => TraktError::Unavailable {
                status,
                reason: scrub(reason),
            },
            TraktError::Rejected { status, message } => TraktError::Rejected {
                status,
                message: scrub(message),
            },
            TraktError::Failure { message } => TraktError::Failure {
                message: scrub(message),
            },
            TraktError::Client { reason } => TraktError::Client {
                reason: scrub(reason),
            },
            TraktError::NoShows => TraktError::NoShows,
        })),
        Outcome::Retry {
            status,
            reason,
            overloaded,
        } => Outcome::Retry {
            status,
            reason: scrub(reason),
            overloaded,
        },
        done @ Outcome::Done(Ok(_)) => done,
    }
}

fn truncate(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// Add a page's activities to `out`, skipping keys already `seen`. Answers how
/// many were new.
fn absorb(page: Vec<Activity>, seen: &mut HashSet<ActivityKey>, out: &mut Vec<Activity>) -> usize {
    let mut new = 0;
    for activity in page {
        if seen.insert(activity.key()) {
            out.push(activity);
            new += 1;
        }
    }
    new
}

/// Where a walk stands after reading one page.
#[derive(Clone, Copy, Debug)]
struct WalkPoint {
    start: Option<TraktTime>,
    /// The `end_ts` of the page just read.
    end: Option<TraktTime>,
    current: TraktTime,
    raw_len: usize,
    oldest: Option<TraktTime>,
    pages_read: u32,
    collected: usize,
    pages: Pages,
}

/// What a walk does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Next {
    /// The window is covered.
    Done,
    /// Read the page ending at this time.
    Page(TraktTime),
    /// Stop here; the window is covered down to (not below) this time.
    Stop(TraktTime),
}

/// The paging decision (reference §4), pure. Each page back ends strictly
/// below the previous one, so a walk always ends: a full page whose oldest
/// item is at its own `end` is one second with over 100 items (a hole: the
/// next page ends a second earlier); a full page with no timestamp at all
/// gives nothing to page back from, and the rest of the window is a hole.
/// Answers the hole found on this page, if any, and the next step.
fn next_step(p: &WalkPoint) -> (Option<TraktTime>, Next) {
    if p.raw_len < PAGE_SIZE {
        return (None, Next::Done);
    }
    let Some(oldest) = p.oldest else {
        warn!("a full page held no item with a timestamp; cannot page back past it");
        return (Some(p.end.unwrap_or(p.current)), Next::Done);
    };
    let (hole, next_end) = match p.end {
        Some(end) if oldest >= end => (Some(end), TraktTime(end.0.saturating_sub(1))),
        _ => (None, oldest),
    };
    if p.start.is_some_and(|start| next_end < start) {
        return (hole, Next::Done);
    }
    let enough = match p.pages {
        Pages::One => true,
        Pages::All => p.pages_read >= MAX_PAGES,
        Pages::Items(n) => p.collected >= n || p.pages_read >= MAX_PAGES,
    };
    (
        hole,
        if enough {
            Next::Stop(next_end)
        } else {
            Next::Page(next_end)
        },
    )
}

/// The response body, before items are parsed.
#[derive(Deserialize)]
struct RawEnvelope {
    #[serde(default)]
    timestamps: Option<Timestamps>,
    #[serde(default)]
    activity: Option<Vec<Box<RawValue>>>,
    #[serde(default)]
    status: Option<serde_json::Value>,
    #[serde(default)]
    error: Option<serde_json::Value>,
    #[serde(default)]
    message: Option<serde_json::Value>,
}

impl RawEnvelope {
    fn is_failure(&self) -> bool {
        matches!(&self.status, Some(serde_json::Value::String(s)) if s.eq_ignore_ascii_case("failure"))
    }

    /// `error`, else `message`, as text.
    fn failure_text(&self) -> Option<String> {
        let text = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
            serde_json::Value::Null | serde_json::Value::String(_) => None,
            other => Some(other.to_string()),
        };
        self.error
            .as_ref()
            .and_then(text)
            .or_else(|| self.message.as_ref().and_then(text))
    }
}

/// The failure text of an error body, if it is a JSON failure body.
fn failure_message(body: &[u8]) -> Option<String> {
    let envelope: RawEnvelope = serde_json::from_slice(body).ok()?;
    envelope.failure_text().or_else(|| {
        envelope
            .is_failure()
            .then(|| "failure (no message)".to_owned())
    })
}

fn status_text(status: u16, body: &[u8]) -> String {
    failure_message(body).unwrap_or_else(|| {
        let canonical = reqwest::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("unexpected status");
        let kind = if body_looks_like_html(body) {
            "; the body is HTML"
        } else {
            ""
        };
        format!("{canonical}{kind}")
    })
}

fn body_looks_like_html(body: &[u8]) -> bool {
    body.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'<')
}

fn says_not_found(message: &str) -> bool {
    message.to_ascii_lowercase().contains("not found")
}

/// Map a status and body to an outcome (reference §10). Pure.
fn classify(status: u16, body: &[u8]) -> Outcome {
    let retry = |overloaded| Outcome::Retry {
        status: Some(status),
        reason: status_text(status, body),
        overloaded,
    };
    match status {
        200..=299 => match parse_page(body) {
            Ok(Ok(page)) => Outcome::Done(Ok(page)),
            Ok(Err(message)) if says_not_found(&message) => {
                Outcome::Done(Err(TraktError::NotFound { message }))
            }
            Ok(Err(message)) => Outcome::Done(Err(TraktError::Failure { message })),
            Err(reason) => Outcome::Retry {
                status: Some(status),
                reason,
                overloaded: false,
            },
        },
        401 => Outcome::Done(Err(TraktError::Unauthorized {
            message: failure_message(body).unwrap_or_else(|| "invalid API key".to_owned()),
        })),
        404 => Outcome::Done(Err(TraktError::NotFound {
            message: failure_message(body).unwrap_or_else(|| "not found".to_owned()),
        })),
        // Request timeout and too many requests: come back later.
        408 | 429 => retry(false),
        503 => retry(true),
        500..=599 => retry(false),
        _ => Outcome::Done(Err(TraktError::Rejected {
            status,
            message: status_text(status, body),
        })),
    }
}

/// What the client makes of a 200 `activity/shows` body: the page, or the
/// error a fetch would end with (`NotFound`/`Failure` for a failure body;
/// `Unavailable` for a body that is not a usable envelope, which a fetch would
/// retry). The same code path as [`TraktClient::fetch`]; public so the
/// benchmarks measure the real parser.
pub fn parse_activity_page(body: &[u8]) -> Result<ParsedPage, TraktError> {
    match classify(200, body) {
        Outcome::Done(result) => result,
        Outcome::Retry { status, reason, .. } => Err(TraktError::Unavailable { status, reason }),
    }
}

/// Parse a success body: `Ok(Ok(page))`, `Ok(Err(message))` for a failure
/// body, or `Err(reason)` for a body that is not a usable envelope (HTML,
/// garbage, truncated: transient).
fn parse_page(body: &[u8]) -> Result<Result<ParsedPage, String>, String> {
    let envelope: RawEnvelope = serde_json::from_slice(body).map_err(|e| {
        use serde_json::error::Category;
        match e.classify() {
            Category::Eof => format!("the body is truncated JSON ({e})"),
            Category::Syntax if body_looks_like_html(body) => {
                "the body is HTML, not JSON".to_owned()
            }
            Category::Syntax => format!("the body is not JSON ({e})"),
            Category::Data | Category::Io => format!("the body is not an activity response ({e})"),
        }
    })?;
    if envelope.is_failure() {
        return Ok(Err(envelope
            .failure_text()
            .unwrap_or_else(|| "failure (no message)".to_owned())));
    }
    let Some(timestamps) = envelope.timestamps else {
        return Err("the body has no `timestamps`".to_owned());
    };
    let raw = envelope.activity.unwrap_or_default();
    let raw_len = raw.len();
    let (activities, skipped) = parse_items(&raw);
    let oldest = raw.iter().filter_map(|item| raw_time(item)).min();
    Ok(Ok(ParsedPage {
        current: TraktTime(timestamps.current),
        raw_len,
        activities,
        oldest,
        skipped,
    }))
}

/// The `timestamp` of a raw item, usable or not (a number or a numeric string).
fn raw_time(item: &RawValue) -> Option<TraktTime> {
    #[derive(Deserialize)]
    struct Stamp {
        #[serde(default, deserialize_with = "super::lenient::opt_i64")]
        timestamp: Option<i64>,
    }
    serde_json::from_str::<Stamp>(item.get())
        .ok()
        .and_then(|s| s.timestamp)
        .map(TraktTime)
}

/// Parse each item on its own; one that does not parse, or whose action does
/// not allow its type, is skipped and logged, never fatal.
fn parse_items(raw: &[Box<RawValue>]) -> (Vec<Activity>, u32) {
    let mut activities = Vec::with_capacity(raw.len());
    let mut skipped = 0u32;
    for (index, item) in raw.iter().enumerate() {
        match serde_json::from_str::<Activity>(item.get()) {
            Ok(activity) if activity.action.allows(activity.kind) => activities.push(activity),
            Ok(activity) => {
                skipped += 1;
                warn!(
                    index,
                    id = ?activity.id,
                    action = %activity.action,
                    kind = %activity.kind,
                    "skipping activity item: the action does not allow this type"
                );
            }
            Err(e) => {
                skipped += 1;
                warn!(index, reason = %e, "skipping activity item that does not parse");
            }
        }
    }
    (activities, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn backoff_doubles_is_capped_and_jittered() {
        let p = RetryPolicy {
            max_attempts: 6,
            base_delay: ms(100),
            max_delay: ms(1000),
            overloaded_delay: ms(3000),
        };
        assert_eq!(p.delay(1, false, 0.0), ms(50));
        assert_eq!(p.delay(1, false, 1.0), ms(100));
        assert_eq!(p.delay(2, false, 1.0), ms(200));
        assert_eq!(p.delay(3, false, 0.5), ms(300));
        assert_eq!(p.delay(5, false, 1.0), ms(1000), "capped");
        assert_eq!(p.delay(40, false, 1.0), ms(1000), "no overflow");
        assert_eq!(p.delay(1, true, 0.0), ms(3000), "503 waits longer");
        assert_eq!(p.delay(1, false, f64::NAN), ms(50));
        for attempt in 1..10 {
            for j in [0.0, 0.3, 0.99] {
                let d = p.delay(attempt, false, j);
                assert!(d <= p.max_delay && d >= ms(50), "{attempt} {j} {d:?}");
            }
        }
    }

    fn page_of(outcome: Outcome) -> ParsedPage {
        match outcome {
            Outcome::Done(Ok(page)) => page,
            other => panic!("expected a page, got {other:?}"),
        }
    }

    fn error_of(outcome: Outcome) -> TraktError {
        match outcome {
            Outcome::Done(Err(e)) => e,
            other => panic!("expected an error, got {other:?}"),
        }
    }

    fn retry_of(outcome: Outcome) -> (Option<u16>, String, bool) {
        match outcome {
            Outcome::Retry {
                status,
                reason,
                overloaded,
            } => (status, reason, overloaded),
            other => panic!("expected a retry, got {other:?}"),
        }
    }

    #[test]
    fn classifies_statuses() {
        let fail = br#"{"status":"failure","error":"invalid API key"}"#;
        match error_of(classify(401, fail)) {
            TraktError::Unauthorized { message } => assert_eq!(message, "invalid API key"),
            e => panic!("{e:?}"),
        }
        assert!(matches!(
            error_of(classify(404, br#"{"status":"failure","error":"show not found"}"#)),
            TraktError::NotFound { message } if message == "show not found"
        ));
        assert!(matches!(
            error_of(classify(400, br#"{"status":"failure","message":"bad title"}"#)),
            TraktError::Rejected { status: 400, message } if message == "bad title"
        ));
        assert!(matches!(
            error_of(classify(418, b"")),
            TraktError::Rejected { status: 418, message } if message == "I'm a teapot"
        ));
        let (status, reason, overloaded) = retry_of(classify(
            503,
            br#"{"status":"failure","error":"server is over capacity"}"#,
        ));
        assert_eq!(
            (status, reason.as_str(), overloaded),
            (Some(503), "server is over capacity", true)
        );
        let (status, reason, overloaded) = retry_of(classify(500, b"<html><body>oops"));
        assert_eq!(status, Some(500));
        assert_eq!(reason, "Internal Server Error; the body is HTML");
        assert!(!overloaded);
        assert!(matches!(retry_of(classify(502, b"")).0, Some(502)));
        assert!(matches!(retry_of(classify(429, b"")).0, Some(429)));
    }

    #[test]
    fn classifies_success_bodies() {
        let page = page_of(classify(
            200,
            br#"{"timestamps":{"start":1,"current":9},"activity":[]}"#,
        ));
        assert_eq!((page.current, page.raw_len), (TraktTime(9), 0));
        assert!(matches!(
            error_of(classify(200, br#"{"status":"failure","error":"invalid API permission"}"#)),
            TraktError::Failure { message } if message == "invalid API permission"
        ));
        assert!(matches!(
            error_of(classify(
                200,
                br#"{"status":"failure","error":"show not found"}"#
            )),
            TraktError::NotFound { .. }
        ));
        let (_, reason, _) = retry_of(classify(200, b"<!DOCTYPE html><html>"));
        assert_eq!(reason, "the body is HTML, not JSON");
        let (_, reason, _) = retry_of(classify(200, br#"{"timestamps":{"start":1,"curr"#));
        assert!(reason.starts_with("the body is truncated JSON"), "{reason}");
        let (_, reason, _) = retry_of(classify(200, b"}}garbage{{"));
        assert!(reason.starts_with("the body is not JSON"), "{reason}");
        let (_, reason, _) = retry_of(classify(200, b"[]"));
        assert_eq!(reason, "the body has no `timestamps`");
        let (_, reason, _) = retry_of(classify(200, br#""a string""#));
        assert!(
            reason.starts_with("the body is not an activity response"),
            "{reason}"
        );
        let (_, reason, _) = retry_of(classify(200, br#"{"activity":[]}"#));
        assert_eq!(reason, "the body has no `timestamps`");
    }

    #[test]
    fn parse_activity_page_answers_as_a_fetch_would() {
        let page = parse_activity_page(
            br#"{"timestamps":{"current":9},"activity":[
                {"id":1,"timestamp":5,"type":"episode","action":"seen","user":{"username":"a"}},
                {"id":2,"timestamp":5,"type":"show","action":"seen","user":{"username":"a"}}
            ]}"#,
        )
        .expect("a page");
        assert_eq!(
            (
                page.current,
                page.raw_len,
                page.activities.len(),
                page.skipped
            ),
            (TraktTime(9), 2, 1, 1)
        );
        assert!(matches!(
            parse_activity_page(br#"{"status":"failure","error":"show not found"}"#),
            Err(TraktError::NotFound { .. })
        ));
        assert!(matches!(
            parse_activity_page(br#"{"status":"failure","error":"nope"}"#),
            Err(TraktError::Failure { .. })
        ));
        assert!(matches!(
            parse_activity_page(b"<!DOCTYPE html><html>"),
            Err(TraktError::Unavailable {
                status: Some(200),
                ..
            })
        ));
    }

    #[test]
    fn bad_items_are_skipped_not_fatal() {
        let body = br#"{"timestamps":{"start":1,"current":9},"activity":[
            {"id":1,"timestamp":5,"type":"episode","action":"seen","user":{"username":"a"}},
            {"id":2,"timestamp":5,"type":"episode","action":"dance","user":{"username":"a"}},
            {"id":3,"timestamp":5,"type":"season","action":"seen","user":{"username":"a"}},
            {"id":4,"type":"episode","action":"seen","user":{"username":"a"}},
            {"id":5,"timestamp":5,"type":"episode","action":"seen","user":{}},
            {"id":6,"timestamp":5,"type":"list","action":"seen","user":{"username":"a"}},
            "not an object",
            {"id":8,"timestamp":6,"type":"list","action":"created","user":{"username":"b"}}
        ]}"#;
        let page = page_of(classify(200, body));
        assert_eq!(page.raw_len, 8);
        assert_eq!(page.skipped, 6);
        let ids: Vec<_> = page.activities.iter().map(|a| a.id).collect();
        assert_eq!(ids, vec![Some(1), Some(8)]);
    }

    #[test]
    fn absorb_counts_new_items() {
        let item = |id: u64, ts: i64| -> Activity {
            serde_json::from_value(serde_json::json!({
                "id": id, "timestamp": ts, "type": "show", "action": "shout",
                "user": {"username": "u"}
            }))
            .expect("item")
        };
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        assert_eq!(
            absorb(vec![item(1, 10), item(2, 7)], &mut seen, &mut out),
            2
        );
        assert_eq!(absorb(vec![item(2, 7), item(3, 4)], &mut seen, &mut out), 1);
        assert_eq!(absorb(vec![item(3, 4)], &mut seen, &mut out), 0);
        assert_eq!(out.len(), 3);
    }

    fn point(end: Option<i64>, raw_len: usize, oldest: Option<i64>) -> WalkPoint {
        WalkPoint {
            start: Some(TraktTime(100)),
            end: end.map(TraktTime),
            current: TraktTime(1_000),
            raw_len,
            oldest: oldest.map(TraktTime),
            pages_read: 1,
            collected: 100,
            pages: Pages::All,
        }
    }

    #[test]
    fn walk_pages_back_strictly_and_ends() {
        let t = |n| Some(TraktTime(n));
        assert_eq!(next_step(&point(None, 99, Some(500))), (None, Next::Done));
        assert_eq!(
            next_step(&point(None, 100, Some(500))),
            (None, Next::Page(TraktTime(500)))
        );
        // A full page all at its own end: a hole at that second, go on below it.
        assert_eq!(
            next_step(&point(Some(500), 100, Some(500))),
            (t(500), Next::Page(TraktTime(499)))
        );
        // Below the window's start: done.
        assert_eq!(
            next_step(&point(Some(100), 100, Some(100))),
            (t(100), Next::Done)
        );
        // No timestamp at all: nothing to page back from; the rest is a hole.
        assert_eq!(
            next_step(&point(Some(300), 100, None)),
            (t(300), Next::Done)
        );
        assert_eq!(next_step(&point(None, 100, None)), (t(1_000), Next::Done));
    }

    #[test]
    fn walk_stops_at_the_page_limits_and_says_where_to_resume() {
        let stop = |pages, pages_read, collected| {
            next_step(&WalkPoint {
                pages,
                pages_read,
                collected,
                ..point(Some(800), 100, Some(700))
            })
            .1
        };
        assert_eq!(stop(Pages::One, 1, 100), Next::Stop(TraktTime(700)));
        assert_eq!(
            stop(Pages::All, MAX_PAGES - 1, 100),
            Next::Page(TraktTime(700))
        );
        assert_eq!(stop(Pages::All, MAX_PAGES, 100), Next::Stop(TraktTime(700)));
        assert_eq!(stop(Pages::Items(10), 1, 9), Next::Page(TraktTime(700)));
        assert_eq!(stop(Pages::Items(10), 1, 10), Next::Stop(TraktTime(700)));
        assert_eq!(
            stop(Pages::Items(10_000), MAX_PAGES, 10),
            Next::Stop(TraktTime(700))
        );
    }

    #[test]
    fn unusable_items_still_tell_where_to_page_back() {
        let page = page_of(classify(
            200,
            br#"{"timestamps":{"current":9},"activity":[
                {"id":1,"timestamp":"7","type":"season","action":"seen","user":{"username":"a"}},
                {"id":2,"timestamp":5,"type":"episode","action":"dance"},
                {"id":3,"timestamp":8,"type":"episode","action":"seen","user":{"username":"a"}},
                "junk"
            ]}"#,
        ));
        assert_eq!(
            (page.activities.len(), page.oldest),
            (1, Some(TraktTime(5)))
        );
    }

    #[test]
    fn texts_are_masked_and_bounded() {
        let outcome = masked_outcome(
            Outcome::Done(Err(TraktError::Rejected {
                status: 400,
                message: format!("bad path /x/SECRETKEY/y {}", "z".repeat(1000)),
            })),
            "SECRETKEY",
        );
        let message = error_of(outcome).to_string();
        assert!(!message.contains("SECRETKEY"));
        assert!(message.contains("/x/***/y"));
        assert!(message.chars().count() < MAX_MESSAGE_LEN + 100);
        assert_eq!(truncate("héllo", 2), "hé…");
        assert_eq!(truncate("hi", 2), "hi");
    }

    #[test]
    fn options_are_validated_without_echoing_the_key() {
        let ok = |base: &str, key: &str| {
            TraktClient::with_options(base, key, ms(100), 1.0, RetryPolicy::default())
        };
        assert!(ok("http://127.0.0.1:1/", "abc_DEF-123").is_ok());
        for (base, key) in [
            ("ftp://x", "k"),
            ("not a url", "k"),
            ("http://x?q=1", "k"),
            ("http://x", ""),
            ("http://x", "sec/ret"),
            ("http://x", "sec ret"),
        ] {
            let err = ok(base, key).expect_err(base).to_string();
            assert!(err.starts_with("cannot set up the Trakt client"), "{err}");
            if key.len() > 1 {
                assert!(!err.contains(key), "{err}");
            }
        }
        let client = ok("http://127.0.0.1:1/", "SECRETKEY").expect("client");
        assert_eq!(client.base_url(), "http://127.0.0.1:1");
        let debug = format!("{client:?}");
        assert!(!debug.contains("SECRETKEY"), "{debug}");
    }

    #[test]
    fn new_reads_the_trakt_config() {
        let mut config = crate::config::TraktConfig::default();
        let err = TraktClient::new(&config).expect_err("no key");
        assert!(
            err.to_string().contains("trakt.api_key is missing"),
            "{err}"
        );
        config.api_key = Some(SecretString::from("abc123".to_owned()));
        config.base_url = "http://127.0.0.1:9/".to_owned();
        let client = TraktClient::new(&config).expect("client");
        assert_eq!(client.base_url(), "http://127.0.0.1:9");
        assert_eq!(client.inner.retry, RetryPolicy::default());
    }
}
