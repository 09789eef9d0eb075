//! The pure decision on a send's result: from what Discord answered (and how
//! many attempts in a row failed) to what delivery does next. No I/O; the
//! channel task carries the decision out.

use std::time::Duration;

use crate::backoff::Backoff;
use crate::discord::rest::SendError;
use crate::shutdown::Fatal;

/// Discord's answers to a post in a locked thread: 160005 "Thread is
/// locked", 50083 "Operation cannot be performed on an archived thread"
/// (a locked thread stays archived; an unlocked one is unarchived by the post).
pub const LOCKED_CODES: [u64; 2] = [160_005, 50_083];

/// Why a follow whose thread was locked is disabled (`/follows` shows it).
pub const LOCKED_REASON: &str =
    "the thread is locked: Discord lets only moderators post there (unlock it, then /follow there again)";

/// Is `e` Discord refusing a post because the thread is locked?
pub fn is_locked(e: &SendError) -> bool {
    matches!(e, SendError::Refused { code, .. } if LOCKED_CODES.contains(code))
}

/// Longest pause after repeated transient failures.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// What to do after a send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Discord has the message: delete its entries.
    Ack,
    /// 429: nothing was posted; wait `retry_after` (every channel when
    /// `global`), then send the same batch again.
    Wait { retry_after: Duration, global: bool },
    /// 5xx, network error or timeout: the message may or may not have been
    /// posted. Back off, then check the channel before sending again.
    BackOff { wait: Duration },
    /// 403/404 (400 for a locked thread): the channel's follows are
    /// disabled and its entries dropped.
    Disable { status: u16, reason: &'static str },
    /// Another 4xx: the message will never be accepted; drop it.
    Drop,
    /// 401: nothing will work with this token; stop the bot.
    Stop(Fatal),
}

impl Decision {
    /// True when the batch is resent later without knowing whether Discord
    /// posted it: the channel's history must be checked first.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, Decision::BackOff { .. })
    }
}

/// Decide on `result`; `failures` counts the consecutive transient failures
/// including this one (when it is one).
pub fn decide(result: &Result<(), SendError>, failures: u32) -> Decision {
    match result {
        Ok(()) => Decision::Ack,
        Err(SendError::RateLimited {
            retry_after,
            global,
        }) => Decision::Wait {
            retry_after: *retry_after,
            global: *global,
        },
        Err(SendError::Transient { .. }) => Decision::BackOff {
            wait: backoff(failures),
        },
        Err(SendError::Forbidden { .. }) => Decision::Disable {
            status: 403,
            reason:
                "the bot lacks permission to post there (View Channel, Send Messages, Embed Links)",
        },
        Err(SendError::NotFound { .. }) => Decision::Disable {
            status: 404,
            reason: "the channel no longer exists",
        },
        Err(e @ SendError::Refused { .. }) if is_locked(e) => Decision::Disable {
            status: 400,
            reason: LOCKED_REASON,
        },
        Err(SendError::Refused { .. }) => Decision::Drop,
        Err(SendError::Unauthorized) => Decision::Stop(Fatal::DiscordTokenRefused),
    }
}

/// Exponential backoff: 1 s, 2 s, 4 s … capped at a minute.
pub fn backoff(failures: u32) -> Duration {
    Backoff::new(Duration::from_secs(1), MAX_BACKOFF).delay(failures)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transient() -> Result<(), SendError> {
        Err(SendError::Transient {
            reason: "timeout".into(),
        })
    }

    #[test]
    fn success_acks() {
        assert_eq!(decide(&Ok(()), 0), Decision::Ack);
    }

    #[test]
    fn rate_limits_wait_exactly_and_keep_global() {
        let d = decide(
            &Err(SendError::RateLimited {
                retry_after: Duration::from_millis(1500),
                global: true,
            }),
            0,
        );
        assert_eq!(
            d,
            Decision::Wait {
                retry_after: Duration::from_millis(1500),
                global: true
            }
        );
        assert!(!d.outcome_unknown(), "a 429 posted nothing");
    }

    #[test]
    fn transient_failures_back_off_and_leave_the_outcome_unknown() {
        assert_eq!(
            decide(&transient(), 1),
            Decision::BackOff {
                wait: Duration::from_secs(1)
            }
        );
        assert_eq!(
            decide(&transient(), 3),
            Decision::BackOff {
                wait: Duration::from_secs(4)
            }
        );
        assert_eq!(
            decide(&transient(), 40),
            Decision::BackOff { wait: MAX_BACKOFF }
        );
        assert!(decide(&transient(), 1).outcome_unknown());
    }

    #[test]
    fn forbidden_and_not_found_disable() {
        let forbidden = Err(SendError::Forbidden {
            code: 50013,
            message: "Missing Permissions".into(),
        });
        let gone = Err(SendError::NotFound {
            code: 10003,
            message: "Unknown Channel".into(),
        });
        assert!(matches!(
            decide(&forbidden, 0),
            Decision::Disable { status: 403, .. }
        ));
        assert!(matches!(
            decide(&gone, 0),
            Decision::Disable { status: 404, .. }
        ));
    }

    #[test]
    fn other_refusals_drop_and_401_stops_the_bot() {
        let refused = Err(SendError::Refused {
            status: 400,
            code: 50035,
            message: "Invalid Form Body".into(),
        });
        assert_eq!(decide(&refused, 0), Decision::Drop);
    }

    #[test]
    fn a_locked_thread_disables_with_the_reason() {
        for code in LOCKED_CODES {
            let locked = Err(SendError::Refused {
                status: 400,
                code,
                message: "Thread is locked".into(),
            });
            assert_eq!(
                decide(&locked, 0),
                Decision::Disable {
                    status: 400,
                    reason: LOCKED_REASON
                }
            );
        }
        assert_eq!(
            decide(&Err(SendError::Unauthorized), 0),
            Decision::Stop(Fatal::DiscordTokenRefused)
        );
    }
}
