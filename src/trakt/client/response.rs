//! Classifying an `activity/shows` answer, pure: status and body into an
//! outcome (done, or retry and why), failure bodies, and lenient per-item
//! parsing of the page (an item that does not parse is skipped and counted).

use serde::Deserialize;
use serde_json::value::RawValue;
use tracing::warn;

use super::{Outcome, ParsedPage};
use crate::trakt::error::TraktError;
use crate::trakt::model::{Activity, Timestamps, TraktTime};

/// The response body, before items are parsed.
#[derive(Deserialize)]
pub(super) struct RawEnvelope {
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
pub(super) fn failure_message(body: &[u8]) -> Option<String> {
    let envelope: RawEnvelope = serde_json::from_slice(body).ok()?;
    envelope.failure_text().or_else(|| {
        envelope
            .is_failure()
            .then(|| "failure (no message)".to_owned())
    })
}

pub(super) fn status_text(status: u16, body: &[u8]) -> String {
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

pub(super) fn body_looks_like_html(body: &[u8]) -> bool {
    body.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'<')
}

pub(super) fn says_not_found(message: &str) -> bool {
    message.to_ascii_lowercase().contains("not found")
}

/// Map a status and body to an outcome (reference §10). Pure.
pub(super) fn classify(status: u16, body: &[u8]) -> Outcome {
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
pub(super) fn parse_page(body: &[u8]) -> Result<Result<ParsedPage, String>, String> {
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
pub(super) fn raw_time(item: &RawValue) -> Option<TraktTime> {
    #[derive(Deserialize)]
    struct Stamp {
        #[serde(default, deserialize_with = "crate::trakt::lenient::opt_i64")]
        timestamp: Option<i64>,
    }
    serde_json::from_str::<Stamp>(item.get())
        .ok()
        .and_then(|s| s.timestamp)
        .map(TraktTime)
}

/// Parse each item on its own; one that does not parse, or whose action does
/// not allow its type, is skipped and logged, never fatal.
pub(super) fn parse_items(raw: &[Box<RawValue>]) -> (Vec<Activity>, u32) {
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
