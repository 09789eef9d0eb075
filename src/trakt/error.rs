//! `TraktError`: the one error type of the Trakt boundary (reference §10).
//!
//! No variant ever holds a URL or the API key: request URLs carry the key in
//! their path, so the client strips them from `reqwest::Error` and masks every
//! text it keeps.

/// Why a Trakt request failed.
#[derive(Debug, thiserror::Error)]
pub enum TraktError {
    /// 401: the API key was refused. Fatal: stop polling and alert once.
    #[error("Trakt refused the API key (HTTP 401): {message}")]
    Unauthorized { message: String },

    /// 404 (or a failure body saying "not found"): no such show.
    #[error("Trakt does not know this show: {message}")]
    NotFound { message: String },

    /// Transient trouble that outlasted the retries: 5xx, 503, a timeout, a
    /// connection error, or a body that is HTML, garbage or truncated.
    #[error("Trakt is unavailable{}: {reason}", status_suffix(*status))]
    Unavailable { status: Option<u16>, reason: String },

    /// Another 4xx: permanent for this request (split a failing batch to find
    /// the show that causes it).
    #[error("Trakt rejected the request (HTTP {status}): {message}")]
    Rejected { status: u16, message: String },

    /// A success status whose body is `{"status":"failure", …}`.
    #[error("Trakt answered with a failure: {message}")]
    Failure { message: String },

    /// The HTTP client could not be set up (bad base URL, bad key format, TLS).
    #[error("cannot set up the Trakt client: {reason}")]
    Client { reason: String },

    /// `fetch` was called with no show (no URL can be built).
    #[error("no show to ask Trakt about")]
    NoShows,
}

fn status_suffix(status: Option<u16>) -> String {
    status.map(|s| format!(" (HTTP {s})")).unwrap_or_default()
}

impl TraktError {
    /// Worth retrying later (the next poll): an outage, not a verdict.
    pub fn is_transient(&self) -> bool {
        matches!(self, TraktError::Unavailable { .. })
    }

    /// Nothing will work until the configuration changes: a refused key or a
    /// client that cannot be built.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            TraktError::Unauthorized { .. } | TraktError::Client { .. }
        )
    }

    /// The show does not exist (as opposed to Trakt being down).
    pub fn is_not_found(&self) -> bool {
        matches!(self, TraktError::NotFound { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        let unauthorized = TraktError::Unauthorized {
            message: "invalid API key".into(),
        };
        assert!(unauthorized.is_fatal() && !unauthorized.is_transient());
        let down = TraktError::Unavailable {
            status: Some(503),
            reason: "server is over capacity".into(),
        };
        assert!(down.is_transient() && !down.is_fatal());
        let missing = TraktError::NotFound {
            message: "show not found".into(),
        };
        assert!(missing.is_not_found() && !missing.is_transient() && !missing.is_fatal());
        let rejected = TraktError::Rejected {
            status: 400,
            message: "bad".into(),
        };
        assert!(!rejected.is_transient() && !rejected.is_fatal());
    }

    #[test]
    fn display() {
        let down = TraktError::Unavailable {
            status: Some(503),
            reason: "server is over capacity".into(),
        };
        assert_eq!(
            down.to_string(),
            "Trakt is unavailable (HTTP 503): server is over capacity"
        );
        let timeout = TraktError::Unavailable {
            status: None,
            reason: "timed out".into(),
        };
        assert_eq!(timeout.to_string(), "Trakt is unavailable: timed out");
    }
}
