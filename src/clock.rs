//! Wall-clock time for the bot's own bookkeeping (backoff schedules, when a
//! follow was disabled, when an entry was queued). Never compared with Trakt's
//! clock: watermarks come from Trakt's own timestamps.

/// Wall-clock seconds since the Unix epoch (0 if the clock is before it).
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
