//! `TraktClient`: the HTTP client for `activity/shows` (reference §1–§4, §10).
//!
//! It owns the request side of the Trakt boundary: the rate limit, retries with
//! backoff, status and body classification into `TraktError`, lenient per-item
//! parsing, and paging back past the 100-item cap. Batching and watermarks are
//! the caller's: `fetch` asks about exactly the shows it is given. The pure
//! parts live beside it: `walk` (the paging decision) and `response` (status
//! and body classification, lenient item parsing).
//!
//! The API key travels in the URL path, so every URL is kept out of errors
//! (`reqwest::Error::without_url`) and masked (`url::mask_key`) wherever a
//! path or a server-supplied text is logged or kept.

use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use tracing::{debug, warn};

use super::action::ActionSet;
use super::error::TraktError;
use super::model::{Activity, ActivityKey, TraktTime};
pub use super::retry::RetryPolicy;
use super::show_ref::ShowRef;
use super::url::{activity_path, mask_key, ActivityRequest};
use crate::ratelimit::RateLimiter;

mod response;
#[cfg(test)]
mod tests;
mod walk;

pub use response::parse_activity_page;
use response::*;
use walk::*;

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
    /// Told of every attempt's HTTP status (`None`: no answer), for metrics.
    on_request: OnceLock<RequestHook>,
}

/// Called once per HTTP attempt with its status (`None`: no answer).
pub type RequestHook = Arc<dyn Fn(Option<u16>) + Send + Sync>;

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
    /// A client from the `[trakt]` configuration: the v1 retry preset with
    /// `max_retries` and `retry_delay` from it.
    pub fn new(config: &crate::config::TraktConfig) -> Result<Self, TraktError> {
        let key = config
            .api_key
            .as_ref()
            .map(|k| k.expose_secret().to_owned())
            .unwrap_or_default();
        Self::with_options(
            config.base_url(),
            &key,
            config.timeout,
            config.max_requests_per_second(),
            RetryPolicy::v1().with_config(config),
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
                on_request: OnceLock::new(),
            }),
        })
    }

    /// Report every HTTP attempt to `hook` from now on (the first hook set
    /// stays; clones share it).
    pub fn on_request(&self, hook: RequestHook) {
        let _ = self.inner.on_request.set(hook);
    }

    /// Requests the rate limit lets through now (below 0: callers waiting).
    pub fn budget_available(&self) -> f64 {
        self.inner.limiter.available()
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
        let sent = self.inner.http.get(url).send().await;
        if let Some(hook) = self.inner.on_request.get() {
            hook(sent.as_ref().ok().map(|r| r.status().as_u16()));
        }
        let response = match sent {
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
