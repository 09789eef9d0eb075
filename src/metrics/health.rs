//! The pure `/healthz` decision: healthy when the store is open, the gateway
//! is connected and the poller ran within two intervals.

use std::time::Duration;

/// Why the bot is not healthy; the short reason `/healthz` answers with 503.
pub type Unhealthy = &'static str;

/// Decides health at `now` (unix seconds). `last_poll` is the unix time of the
/// last finished poll cycle (`None`: none yet); `interval` the poll interval.
pub fn health(
    now: i64,
    last_poll: Option<i64>,
    interval: Duration,
    gateway_up: bool,
    store_ok: bool,
) -> Result<(), Unhealthy> {
    if !store_ok {
        return Err("store not open");
    }
    if !gateway_up {
        return Err("gateway not connected");
    }
    let limit = i64::try_from(interval.as_secs().saturating_mul(2)).unwrap_or(i64::MAX);
    match last_poll {
        None => Err("poller has not run"),
        Some(at) if now.saturating_sub(at) > limit => Err("poller stale"),
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Duration = Duration::from_secs(60);

    #[test]
    fn healthy_when_all_up_and_recent_poll() {
        assert_eq!(health(1_000, Some(950), MIN, true, true), Ok(()));
        assert_eq!(health(1_000, Some(880), MIN, true, true), Ok(()));
    }

    #[test]
    fn stale_after_two_intervals() {
        assert_eq!(
            health(1_000, Some(879), MIN, true, true),
            Err("poller stale")
        );
    }

    #[test]
    fn never_polled_is_unhealthy() {
        assert_eq!(
            health(1_000, None, MIN, true, true),
            Err("poller has not run")
        );
    }

    #[test]
    fn gateway_down_is_unhealthy() {
        assert_eq!(
            health(1_000, Some(999), MIN, false, true),
            Err("gateway not connected")
        );
    }

    #[test]
    fn store_closed_wins() {
        assert_eq!(
            health(1_000, None, MIN, false, false),
            Err("store not open")
        );
    }
}
