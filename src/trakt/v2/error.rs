//! `V2Error`: why a Trakt API v2 request failed (reference §5, §6), one
//! variant per handling. No variant holds the client id, a URL or a body
//! longer than a short excerpt: the client id travels in a header and never
//! enters an error; `reqwest::Error`s are stripped of their URL first.

use std::time::Duration;

/// Why a v2 request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum V2Error {
    /// 401 with `X-Private-User: true`: the user's profile is private.
    #[error("this Trakt user's profile is private; only public users can be followed")]
    PrivateUser,

    /// 401 without `X-Private-User`: the route needs OAuth (a client bug).
    #[error("Trakt asked for a login (HTTP 401) on a route the bot expects to be public")]
    Unauthorized,

    /// 403 answered by Trakt itself (`X-Request-Id` present): the client id
    /// is wrong or the app is not approved. Fatal: stop polling.
    #[error("Trakt refused the API key (HTTP 403): check trakt.api_key (the client id) and that the Trakt app is approved")]
    KeyRefused,

    /// 403 without `X-Request-Id`: Cloudflare's firewall blocked the request
    /// before it reached Trakt (User-Agent, header casing, IP reputation).
    #[error("Cloudflare blocked the request to Trakt (HTTP 403 page); check the User-Agent and the host's IP reputation")]
    Blocked,

    /// 404: no such show, user, list or comment.
    #[error("Trakt has no such record (HTTP 404)")]
    NotFound,

    /// 420: an account limit was exceeded (VIP).
    #[error("Trakt refused: account limit exceeded (HTTP 420)")]
    AccountLimit,

    /// 423: the account is locked.
    #[error("Trakt refused: the account is locked (HTTP 423)")]
    Locked,

    /// 426: VIP only.
    #[error("Trakt refused: this needs a VIP account (HTTP 426)")]
    VipOnly,

    /// 429 that outlasted the client's patience: the whole client is held
    /// for `retry_after`.
    #[error("Trakt's rate limit was hit; requests are paused for {}s", retry_after.as_secs())]
    RateLimited { retry_after: Duration },

    /// A 5xx, 520–522, a timeout or a connection error that outlasted the
    /// retries; try again later.
    #[error("Trakt is unavailable{}: {reason}", status_suffix(*status))]
    Transient { status: Option<u16>, reason: String },

    /// 400, 405, 409, 412, 422 or another 4xx: the request itself is wrong
    /// (a client bug); not retried.
    #[error("Trakt rejected the request (HTTP {status}); this is a bug in trakt-herald")]
    BadRequest { status: u16 },

    /// A success whose body is not the JSON expected.
    #[error("Trakt's answer could not be read: {reason}")]
    Decode { reason: String },

    /// The client could not be set up (bad base URL, client id, User-Agent).
    #[error("cannot set up the Trakt v2 client: {reason}")]
    Config { reason: String },
}

fn status_suffix(status: Option<u16>) -> String {
    status.map(|s| format!(" (HTTP {s})")).unwrap_or_default()
}

impl V2Error {
    /// Nothing works until the configuration changes: stop polling, alert once.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            V2Error::KeyRefused | V2Error::Blocked | V2Error::Config { .. }
        )
    }

    /// Worth trying again later.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            V2Error::Transient { .. } | V2Error::RateLimited { .. } | V2Error::Decode { .. }
        )
    }

    /// What a slash command tells its user (short, no internals).
    pub fn user_message(&self) -> String {
        match self {
            V2Error::KeyRefused => {
                "Trakt refused the bot's API key; tell the bot's operator.".into()
            }
            V2Error::Blocked => "Trakt's firewall blocked the bot; tell the bot's operator.".into(),
            V2Error::NotFound => "Trakt does not know that.".into(),
            V2Error::PrivateUser => "That Trakt user is private.".into(),
            V2Error::RateLimited { retry_after } => format!(
                "Trakt is busy; try again in {} seconds.",
                retry_after.as_secs().max(1)
            ),
            V2Error::Transient { .. } | V2Error::Decode { .. } => {
                "Trakt is not answering properly right now; try again later.".into()
            }
            other => format!("Trakt refused: {other}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_and_messages() {
        assert!(V2Error::KeyRefused.is_fatal() && !V2Error::KeyRefused.is_transient());
        assert!(V2Error::Blocked.is_fatal());
        let limited = V2Error::RateLimited {
            retry_after: Duration::from_secs(300),
        };
        assert!(limited.is_transient() && !limited.is_fatal());
        assert_eq!(
            limited.to_string(),
            "Trakt's rate limit was hit; requests are paused for 300s"
        );
        let down = V2Error::Transient {
            status: Some(522),
            reason: "server error".into(),
        };
        assert_eq!(
            down.to_string(),
            "Trakt is unavailable (HTTP 522): server error"
        );
        assert!(!V2Error::NotFound.is_transient() && !V2Error::NotFound.is_fatal());
        assert!(V2Error::KeyRefused
            .user_message()
            .contains("refused the bot's API key"));
    }
}
