//! Faults a test injects on a route of the fake's REST API, and how often.

/// A fault to inject on a route.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// 429 with `retry_after` in the body and `Retry-After`/`X-RateLimit-Reset-After` headers.
    TooManyRequests { retry_after: f64 },
    /// A bare 5xx (or any status) with nothing done.
    Status(u16),
    /// 403 with a Discord code: 50001 Missing Access, 50013 Missing Permissions.
    Forbidden { code: u32 },
    /// 404 with a Discord code: 10003 Unknown Channel, ...
    NotFound { code: u32 },
    /// Handle the request normally (a message is created and kept), then never
    /// answer: a crash between Discord's answer and the bot acting on it.
    AcceptThenStall,
}

/// How often an injected fault fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Times {
    N(u32),
    Forever,
}

impl From<u32> for Times {
    fn from(n: u32) -> Self {
        Times::N(n)
    }
}

/// Which requests a fault applies to: a method (`*` for any) and a path
/// under `/api/v10` where a `*` segment matches any one segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    method: String,
    pattern: String,
}

impl Route {
    pub fn new(method: &str, pattern: &str) -> Self {
        Self {
            method: method.to_ascii_uppercase(),
            pattern: pattern.trim_end_matches('/').to_owned(),
        }
    }

    /// `POST /channels/{channel_id}/messages`.
    pub fn channel_messages(channel_id: u64) -> Self {
        Self::new("POST", &format!("/channels/{channel_id}/messages"))
    }

    /// True when `method` and `path` (with or without `/api/v10`) match.
    pub fn matches(&self, method: &str, path: &str) -> bool {
        if self.method != "*" && !self.method.eq_ignore_ascii_case(method) {
            return false;
        }
        let path = path.strip_prefix("/api/v10").unwrap_or(path);
        let mut want = self.pattern.trim_matches('/').split('/');
        let mut got = path.trim_matches('/').split('/');
        loop {
            match (want.next(), got.next()) {
                (None, None) => return true,
                (Some(w), Some(g)) if w == "*" || w == g => {}
                _ => return false,
            }
        }
    }
}

#[derive(Debug)]
pub(super) struct FaultRule {
    pub(super) route: Route,
    pub(super) fault: Fault,
    pub(super) remaining: Times,
}
