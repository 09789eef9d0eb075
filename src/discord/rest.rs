//! The bot's own Discord REST sender for channel messages. serenity's error type
//! drops `retry_after` and the JSON error code, and its ratelimiter ignores the
//! proxy base, so deliveries go through this small client: it classifies every
//! answer into a `SendError` the delivery worker can act on. It also reads a
//! channel's recent messages back (delivery's check for a message whose answer
//! was lost), the bot's own user id, and crossposts a message of an
//! announcement channel (a follow with `publish`); `forum` opens forum posts
//! and reads a channel's tags and thread state.

mod forum;

pub use forum::OpenError;

use std::time::Duration;

use reqwest::header::{HeaderMap, AUTHORIZATION};
use serde::Serialize;

use crate::ids::{ChannelId, MessageId, UserId};

/// How a message send failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SendError {
    /// 429: try this route again after `retry_after`.
    #[error("rate limited for {retry_after:?} (global: {global})")]
    RateLimited { retry_after: Duration, global: bool },
    /// 403: the bot may not post there (50001 missing access, 50013 missing permissions).
    #[error("forbidden (code {code}): {message}")]
    Forbidden { code: u64, message: String },
    /// 404: the channel is gone (10003 unknown channel).
    #[error("not found (code {code}): {message}")]
    NotFound { code: u64, message: String },
    /// 400 or another 4xx: the message will never be accepted as it is.
    #[error("refused with {status} (code {code}): {message}")]
    Refused {
        status: u16,
        code: u64,
        message: String,
    },
    /// 5xx, a network error or a timeout: worth retrying.
    #[error("transient failure: {reason}")]
    Transient { reason: String },
    /// 401: the token is wrong; nothing will work.
    #[error("unauthorized: the bot token was refused")]
    Unauthorized,
}

/// Sends messages to channels through `{api_base}/api/v10`.
#[derive(Clone)]
pub struct DiscordRest {
    http: reqwest::Client,
    base: String,
}

#[derive(serde::Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    code: u64,
    #[serde(default)]
    message: String,
    #[serde(default)]
    retry_after: Option<f64>,
    #[serde(default)]
    global: bool,
}

impl DiscordRest {
    /// A client for `api_base` (e.g. `https://discord.com`) with the bot token.
    pub fn new(api_base: &str, token: &str, timeout: Duration) -> Result<Self, SendError> {
        let mut headers = HeaderMap::new();
        let mut auth = reqwest::header::HeaderValue::from_str(&format!("Bot {}", token.trim()))
            .map_err(|_| SendError::Transient {
                reason: "the bot token is not a valid header value".into(),
            })?;
        auth.set_sensitive(true);
        headers.insert(AUTHORIZATION, auth);
        let http = crate::http::builder(api_base, timeout)
            .default_headers(headers)
            .user_agent(concat!(
                "DiscordBot (https://github.com/trakt-herald, ",
                env!("CARGO_PKG_VERSION"),
                ")"
            ))
            .build()
            .map_err(|e| SendError::Transient {
                reason: format!("cannot build HTTP client: {}", e.without_url()),
            })?;
        Ok(DiscordRest {
            http,
            base: api_base.trim_end_matches('/').to_owned(),
        })
    }

    /// POST one message to a channel.
    pub async fn create_message<B: Serialize + ?Sized>(
        &self,
        channel: ChannelId,
        body: &B,
    ) -> Result<(), SendError> {
        self.post_message(channel, body).await.map(|_| ())
    }

    /// POST one message to a channel; the id Discord gave it (`None` when
    /// the answer did not say).
    pub async fn post_message<B: Serialize + ?Sized>(
        &self,
        channel: ChannelId,
        body: &B,
    ) -> Result<Option<MessageId>, SendError> {
        let url = format!("{}/api/v10/channels/{channel}/messages", self.base);
        let response =
            self.http
                .post(url)
                .json(body)
                .send()
                .await
                .map_err(|e| SendError::Transient {
                    reason: e.without_url().to_string(),
                })?;
        let status = response.status();
        if status.is_success() {
            let posted: Option<Posted> = response.json().await.ok();
            return Ok(posted.map(|p| p.id));
        }
        let header_retry = retry_after_header(response.headers());
        let body: ErrorBody = response.json().await.unwrap_or_default();
        Err(classify(status.as_u16(), body, header_retry))
    }

    /// Publish a message of an announcement channel to the channels that
    /// follow it (`POST /channels/{id}/messages/{id}/crosspost`).
    pub async fn crosspost(&self, channel: ChannelId, message: MessageId) -> Result<(), SendError> {
        let url = format!(
            "{}/api/v10/channels/{channel}/messages/{message}/crosspost",
            self.base
        );
        let transient = |e: reqwest::Error| SendError::Transient {
            reason: e.without_url().to_string(),
        };
        let response = self.http.post(url).send().await.map_err(transient)?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let header_retry = retry_after_header(response.headers());
        let body: ErrorBody = response.json().await.unwrap_or_default();
        Err(classify(status.as_u16(), body, header_retry))
    }
}

/// The part of a created message delivery needs back.
#[derive(serde::Deserialize)]
struct Posted {
    #[serde(with = "snowflake_str")]
    id: MessageId,
}

/// A message as `GET /channels/{id}/messages` returns it: the parts delivery
/// compares (Discord never returns the nonce there).
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
pub struct PostedMessage {
    /// The message type: 0 for a plain message (what delivery posts), 20 for
    /// a slash command's reply, …
    #[serde(rename = "type", default)]
    pub kind: u8,
    pub author: PostedAuthor,
    /// The embeds as Discord normalised them.
    #[serde(default)]
    pub embeds: Vec<serde_json::Value>,
}

/// The author of a [`PostedMessage`].
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
pub struct PostedAuthor {
    #[serde(with = "snowflake_str")]
    pub id: UserId,
}

/// Discord sends snowflakes as strings.
mod snowflake_str {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>, T: std::str::FromStr>(d: D) -> Result<T, D::Error>
    where
        T::Err: std::fmt::Display,
    {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[derive(serde::Deserialize)]
struct CurrentUser {
    #[serde(with = "snowflake_str")]
    id: UserId,
}

impl DiscordRest {
    /// The channel's most recent `limit` (1–100) messages, newest first. Needs
    /// Read Message History: without it Discord answers 403 (`Forbidden`).
    pub async fn recent_messages(
        &self,
        channel: ChannelId,
        limit: u8,
    ) -> Result<Vec<PostedMessage>, SendError> {
        let url = format!(
            "{}/api/v10/channels/{channel}/messages?limit={}",
            self.base,
            limit.clamp(1, 100)
        );
        self.get_json(url).await
    }

    /// The bot's own user id (`GET /users/@me`).
    pub async fn current_user(&self) -> Result<UserId, SendError> {
        let url = format!("{}/api/v10/users/@me", self.base);
        let user: CurrentUser = self.get_json(url).await?;
        Ok(user.id)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: String) -> Result<T, SendError> {
        let transient = |e: reqwest::Error| SendError::Transient {
            reason: e.without_url().to_string(),
        };
        let response = self.http.get(url).send().await.map_err(transient)?;
        let status = response.status();
        if status.is_success() {
            return response.json().await.map_err(transient);
        }
        let header_retry = retry_after_header(response.headers());
        let body: ErrorBody = response.json().await.unwrap_or_default();
        Err(classify(status.as_u16(), body, header_retry))
    }
}

fn retry_after_header(headers: &HeaderMap) -> Option<f64> {
    ["x-ratelimit-reset-after", "retry-after"]
        .iter()
        .find_map(|h| headers.get(*h)?.to_str().ok()?.trim().parse::<f64>().ok())
}

fn classify(status: u16, body: ErrorBody, header_retry: Option<f64>) -> SendError {
    match status {
        429 => {
            let secs = body
                .retry_after
                .into_iter()
                .chain(header_retry)
                .fold(0.0_f64, f64::max)
                .clamp(0.0, 3600.0);
            SendError::RateLimited {
                // Never earlier than Discord asked; a little later is harmless.
                retry_after: Duration::from_secs_f64(secs) + Duration::from_millis(50),
                global: body.global,
            }
        }
        401 => SendError::Unauthorized,
        403 => SendError::Forbidden {
            code: body.code,
            message: body.message,
        },
        404 => SendError::NotFound {
            code: body.code,
            message: body.message,
        },
        500..=599 => SendError::Transient {
            reason: format!("Discord answered {status}"),
        },
        _ => SendError::Refused {
            status,
            code: body.code,
            message: body.message,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(code: u64, retry_after: Option<f64>) -> ErrorBody {
        ErrorBody {
            code,
            message: "m".into(),
            retry_after,
            global: false,
        }
    }

    #[test]
    fn classifies_statuses() {
        match classify(429, body(0, Some(2.0)), None) {
            SendError::RateLimited { retry_after, .. } => {
                assert!(retry_after >= Duration::from_secs(2))
            }
            other => panic!("{other:?}"),
        }
        // The larger of body and header wins.
        match classify(429, body(0, Some(0.5)), Some(3.0)) {
            SendError::RateLimited { retry_after, .. } => {
                assert!(retry_after >= Duration::from_secs(3))
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            classify(403, body(50013, None), None),
            SendError::Forbidden { code: 50013, .. }
        ));
        assert!(matches!(
            classify(404, body(10003, None), None),
            SendError::NotFound { code: 10003, .. }
        ));
        assert!(matches!(
            classify(400, body(50035, None), None),
            SendError::Refused { code: 50035, .. }
        ));
        assert!(matches!(
            classify(502, ErrorBody::default(), None),
            SendError::Transient { .. }
        ));
        assert_eq!(
            classify(401, ErrorBody::default(), None),
            SendError::Unauthorized
        );
    }

    #[test]
    fn reads_a_posted_message() {
        let json = r#"{"id":"1200000000000000001","channel_id":"5","author":{"id":"42","username":"b","bot":true},
            "content":"","embeds":[{"type":"rich","title":"t"}],"timestamp":"2024-01-01T00:00:00+00:00"}"#;
        let m: PostedMessage = serde_json::from_str(json).expect("message");
        assert_eq!(m.author.id, UserId(42));
        assert_eq!(m.embeds.len(), 1);
    }
}
