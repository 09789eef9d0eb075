//! The store's types behind `/status` and the show alerts: a poll failure
//! run (the last error, since when, whether it was alerted), the per-channel
//! delivery record, an alert waiting to be posted ([`Notice`]), and the
//! read-only view of a guild's follows. The pure decision of which failure
//! calls for an alert is [`PollError::after_failure`].

use serde::{Deserialize, Serialize};

use super::SubState;
use crate::ids::ChannelId;
use crate::trakt::v2::UserSlug;
use crate::trakt::ShowRef;

/// A show failing this long (unix seconds) is announced once.
pub const ALERT_AFTER_SECS: i64 = 3600;
/// The most characters of an error message kept.
pub const MAX_ERROR_CHARS: usize = 200;

/// The current run of failed polls of a show or user: cleared by the next
/// successful poll.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PollError {
    /// The last failure, as the log says it (no secret: errors never carry one).
    pub message: String,
    /// Unix seconds of the first failure of the run.
    pub since: i64,
    /// Unix seconds of the last failure.
    pub at: i64,
    /// An alert was queued for this run (it failed for over an hour, or the
    /// show is gone): never a second one, and a recovery alert when it ends.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub alerted: bool,
}

impl PollError {
    /// The run after a failure at `now` with `message` (`gone`: Trakt says
    /// the show does not exist), and the alert it calls for, if any: once
    /// per run, when the show is gone or has been failing for
    /// [`ALERT_AFTER_SECS`].
    pub fn after_failure(
        prev: Option<&PollError>,
        message: &str,
        now: i64,
        gone: bool,
    ) -> (PollError, Option<NoticeKind>) {
        let since = prev.map_or(now, |p| p.since.min(now));
        let alerted = prev.is_some_and(|p| p.alerted);
        let message: String = message.chars().take(MAX_ERROR_CHARS).collect();
        let kind = if alerted {
            None
        } else if gone {
            Some(NoticeKind::Gone)
        } else if now.saturating_sub(since) >= ALERT_AFTER_SECS {
            Some(NoticeKind::Failing {
                since,
                error: message.clone(),
            })
        } else {
            None
        };
        let run = PollError {
            message,
            since,
            at: now,
            alerted: alerted || kind.is_some(),
        };
        (run, kind)
    }
}

/// What an alert about a show says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NoticeKind {
    /// Its polls have failed since `since` (unix seconds).
    Failing { since: i64, error: String },
    /// Trakt says it does not exist (404 on v2, not found on v1).
    Gone,
    /// It is polled again after failing since `since`.
    Recovered { since: i64 },
}

/// An alert about a show, queued by the poller, posted by delivery.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub show: ShowRef,
    pub kind: NoticeKind,
    /// Unix seconds.
    pub at: i64,
}

/// A delivery failure that will be retried (5xx, network).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryError {
    pub message: String,
    /// Unix seconds.
    pub at: i64,
}

/// What delivery last did in a channel.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChannelRecord {
    /// Unix seconds of the last message Discord accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_delivered: Option<i64>,
    /// The last failed send since then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<DeliveryError>,
}

/// What a follow follows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Followed {
    Show {
        show: ShowRef,
        title: String,
        /// The slug of a show stored by Trakt id.
        slug: Option<String>,
    },
    User {
        user: UserSlug,
        /// The display name, else the username.
        name: String,
    },
}

/// One follow as `/status` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowStatus {
    pub followed: Followed,
    pub state: SubState,
    /// Unix seconds of the last successful poll of its show or user.
    pub last_poll: Option<i64>,
    /// Unix seconds before which a failing show or user is not polled again.
    pub retry_at: Option<i64>,
    pub error: Option<PollError>,
    /// Outbox entries waiting for this follow.
    pub pending: usize,
}

/// One channel's follows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelStatus {
    pub channel: ChannelId,
    pub record: ChannelRecord,
    pub follows: Vec<FollowStatus>,
}

/// Every follow of a guild, by channel (in channel order).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GuildStatus {
    pub channels: Vec<ChannelStatus>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_is_alerted_once_after_an_hour_or_at_once_when_gone() {
        let (first, kind) = PollError::after_failure(None, "Trakt is unavailable", 100, false);
        assert_eq!(kind, None);
        assert_eq!((first.since, first.at, first.alerted), (100, 100, false));
        let (later, kind) = PollError::after_failure(Some(&first), "again", 100 + 3599, false);
        assert_eq!(kind, None, "not before an hour");
        assert_eq!((later.since, later.message.as_str()), (100, "again"));
        let (hour, kind) = PollError::after_failure(Some(&later), "again", 100 + 3600, false);
        assert_eq!(
            kind,
            Some(NoticeKind::Failing {
                since: 100,
                error: "again".into()
            })
        );
        assert!(hour.alerted);
        let (after, kind) = PollError::after_failure(Some(&hour), "again", 9999, true);
        assert_eq!(kind, None, "once per run, even when it turns out gone");
        assert!(after.alerted);
        let (_, kind) = PollError::after_failure(None, "404", 5, true);
        assert_eq!(kind, Some(NoticeKind::Gone));
    }

    #[test]
    fn long_messages_are_cut() {
        let (run, _) = PollError::after_failure(None, &"x".repeat(500), 1, false);
        assert_eq!(run.message.chars().count(), MAX_ERROR_CHARS);
    }
}
