//! What the v2 client reads from an answer before its body (reference §4–§6),
//! as pure functions: the status and headers classified into what to do
//! next, `Retry-After` in both forms, the `X-Pagination-*` headers, the
//! `Date` header and `X-Ratelimit`.

use std::time::Duration;

use reqwest::header::HeaderMap;

use super::error::V2Error;
use super::wire::Timestamp;

/// The `X-Pagination-*` headers of one answer (each optional).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pagination {
    pub page: Option<u32>,
    pub limit: Option<u32>,
    pub page_count: Option<u32>,
    pub item_count: Option<u32>,
}

/// What an answer's headers say besides its status.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Meta {
    /// The server's clock (`Date`): the only server time v2 gives (§3).
    pub date: Option<Timestamp>,
    /// `None` when the answer carries no pagination header: one page.
    pub pagination: Option<Pagination>,
    /// `X-Ratelimit.remaining`, when sent (informational, §6).
    pub ratelimit_remaining: Option<u64>,
}

impl Meta {
    pub fn from_headers(headers: &HeaderMap) -> Meta {
        let num = |name: &str| header_str(headers, name).and_then(|v| v.trim().parse::<u32>().ok());
        let pagination = Pagination {
            page: num("x-pagination-page"),
            limit: num("x-pagination-limit"),
            page_count: num("x-pagination-page-count"),
            item_count: num("x-pagination-item-count"),
        };
        let any = pagination != Pagination::default();
        Meta {
            date: header_str(headers, "date").and_then(Timestamp::parse_http),
            pagination: any.then_some(pagination),
            ratelimit_remaining: header_str(headers, "x-ratelimit")
                .and_then(|v| serde_json::from_str::<serde_json::Value>(v).ok())
                .and_then(|v| v.get("remaining").and_then(serde_json::Value::as_u64)),
        }
    }

    /// Whether `page` (1-based, the page just read, holding `len` items) is
    /// the last: no pagination headers, an empty page, or the page count
    /// reached. Never inferred from `len < limit` (search can overfill, §4).
    pub fn is_last_page(&self, page: u32, len: usize) -> bool {
        match self.pagination {
            None => true,
            Some(_) if len == 0 => true,
            Some(p) => p.page_count.is_none_or(|count| page >= count),
        }
    }
}

/// A header's value as text, if present and ASCII.
pub fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// What to do with an answer, from its status and headers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// 2xx: read the body.
    Success,
    /// 429: hold the whole client for `retry_after` (`None`: not sent or
    /// unreadable; the caller picks the default), then maybe try again.
    RateLimited { retry_after: Option<Duration> },
    /// Try again after a backoff; `overloaded` (502/503/504) waits longer.
    Retry { status: u16, overloaded: bool },
    /// Final for this request.
    Fail(V2Error),
}

/// Classify an answer (reference §5). `now` is used for an HTTP-date
/// `Retry-After` when the answer has no `Date`.
pub fn classify(status: u16, headers: &HeaderMap, now: Timestamp) -> Verdict {
    let has = |name: &str| headers.contains_key(name);
    match status {
        200..=299 => Verdict::Success,
        401 if header_str(headers, "x-private-user")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true")) =>
        {
            Verdict::Fail(V2Error::PrivateUser)
        }
        401 => Verdict::Fail(V2Error::Unauthorized),
        // Trakt's own answers carry X-Request-Id; Cloudflare's pages do not (§5).
        403 if has("x-request-id") => Verdict::Fail(V2Error::KeyRefused),
        403 => Verdict::Fail(V2Error::Blocked),
        404 => Verdict::Fail(V2Error::NotFound),
        420 => Verdict::Fail(V2Error::AccountLimit),
        423 => Verdict::Fail(V2Error::Locked),
        426 => Verdict::Fail(V2Error::VipOnly),
        429 => {
            let date = header_str(headers, "date")
                .and_then(Timestamp::parse_http)
                .unwrap_or(now);
            Verdict::RateLimited {
                retry_after: header_str(headers, "retry-after")
                    .and_then(|v| parse_retry_after(v, date)),
            }
        }
        502..=504 => Verdict::Retry {
            status,
            overloaded: true,
        },
        500..=599 => Verdict::Retry {
            status,
            overloaded: false,
        },
        400..=499 => Verdict::Fail(V2Error::BadRequest { status }),
        // 1xx/3xx (an unexpected 304, a redirect not followed): nothing usable.
        _ => Verdict::Fail(V2Error::Transient {
            status: Some(status),
            reason: "unexpected status".to_owned(),
        }),
    }
}

/// The longest `Retry-After` believed; a larger value is capped.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// `Retry-After` as delta-seconds or an HTTP date (relative to `date`, the
/// answer's own clock). Garbage is `None`; a past date is zero.
pub fn parse_retry_after(value: &str, date: Timestamp) -> Option<Duration> {
    let value = value.trim();
    let wait = if let Ok(secs) = value.parse::<u64>() {
        Duration::from_secs(secs)
    } else {
        let at = Timestamp::parse_http(value)?;
        Duration::from_secs(u64::try_from(at.unix() - date.unix()).unwrap_or(0))
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(HeaderName::from_static(k), HeaderValue::from_static(v));
        }
        map
    }

    fn now() -> Timestamp {
        Timestamp::parse("2026-11-15T02:00:00Z").expect("time")
    }

    #[test]
    fn statuses_map_to_their_handling() {
        let none = HeaderMap::new();
        let c = |s, h: &HeaderMap| classify(s, h, now());
        assert_eq!(c(200, &none), Verdict::Success);
        assert_eq!(c(204, &none), Verdict::Success);
        assert_eq!(
            c(401, &headers(&[("x-private-user", "true")])),
            Verdict::Fail(V2Error::PrivateUser)
        );
        assert_eq!(c(401, &none), Verdict::Fail(V2Error::Unauthorized));
        assert_eq!(
            c(403, &headers(&[("x-request-id", "abc")])),
            Verdict::Fail(V2Error::KeyRefused)
        );
        assert_eq!(c(403, &none), Verdict::Fail(V2Error::Blocked));
        assert_eq!(c(404, &none), Verdict::Fail(V2Error::NotFound));
        assert_eq!(c(420, &none), Verdict::Fail(V2Error::AccountLimit));
        assert_eq!(c(423, &none), Verdict::Fail(V2Error::Locked));
        assert_eq!(c(426, &none), Verdict::Fail(V2Error::VipOnly));
        assert_eq!(
            c(412, &none),
            Verdict::Fail(V2Error::BadRequest { status: 412 })
        );
        for (status, overloaded) in [(500, false), (502, true), (503, true), (504, true)] {
            assert_eq!(c(status, &none), Verdict::Retry { status, overloaded });
        }
        for status in [520, 521, 522] {
            assert_eq!(
                c(status, &none),
                Verdict::Retry {
                    status,
                    overloaded: false
                }
            );
        }
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let d = now();
        assert_eq!(parse_retry_after("3", d), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Sun, 15 Nov 2026 02:05:00 GMT", d),
            Some(Duration::from_secs(300))
        );
        assert_eq!(
            parse_retry_after("Sun, 15 Nov 2026 01:00:00 GMT", d),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", d), None);
        assert_eq!(parse_retry_after("999999", d), Some(MAX_RETRY_AFTER));
        // The date is read against the answer's own Date header.
        let h = headers(&[
            ("retry-after", "Sun, 15 Nov 2026 02:05:00 GMT"),
            ("date", "Sun, 15 Nov 2026 02:04:00 GMT"),
        ]);
        assert_eq!(
            classify(429, &h, d),
            Verdict::RateLimited {
                retry_after: Some(Duration::from_secs(60))
            }
        );
        assert_eq!(
            classify(429, &HeaderMap::new(), d),
            Verdict::RateLimited { retry_after: None }
        );
    }

    #[test]
    fn pagination_and_date_are_read_back() {
        let h = headers(&[
            ("x-pagination-page", "2"),
            ("x-pagination-limit", "250"),
            ("x-pagination-page-count", "3"),
            ("x-pagination-item-count", "700"),
            ("date", "Sun, 15 Nov 2026 01:54:01 GMT"),
            (
                "x-ratelimit",
                r#"{"name":"UNAUTHED_API_GET_LIMIT","period":300,"limit":500,"remaining":498,"until":"2026-11-15T01:59:01Z"}"#,
            ),
        ]);
        let meta = Meta::from_headers(&h);
        let p = meta.pagination.expect("paginated");
        assert_eq!(
            (p.page, p.limit, p.page_count, p.item_count),
            (Some(2), Some(250), Some(3), Some(700))
        );
        assert_eq!(meta.date, Timestamp::parse("2026-11-15T01:54:01Z"));
        assert_eq!(meta.ratelimit_remaining, Some(498));
        assert!(!meta.is_last_page(2, 250));
        assert!(meta.is_last_page(3, 200));
        assert!(meta.is_last_page(2, 0), "an empty page ends the walk");
        let bare = Meta::from_headers(&HeaderMap::new());
        assert_eq!(bare.pagination, None);
        assert!(
            bare.is_last_page(1, 900),
            "no headers: one page, whatever its length"
        );
    }
}
