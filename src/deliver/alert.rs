//! The alert delivery posts in a server's alerts channel (`/alerts`) when it
//! has just disabled a channel's follows: once per disable (only a disable
//! that turned active follows off alerts; a later refusal of the same channel
//! finds nothing to disable), not per retry or per follow. A 429 or a
//! transient failure is retried a few times with the same nonce, so a retry
//! is not posted twice; then it is given up (logged). An alert is not kept
//! across a restart.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::{backoff, Shared};
use crate::discord::rest::SendError;
use crate::format::alert;
pub(super) use crate::format::alert::DisabledBecause;
use crate::format::CreateMessage;
use crate::ids::ChannelId;

/// Attempts at posting one alert.
const ATTEMPTS: u32 = 3;

/// What delivery just disabled.
pub(super) struct Disabled {
    pub channel: ChannelId,
    /// Why (from Discord's answer: [`because_of`]).
    pub because: DisabledBecause,
    /// How many active follows it disabled.
    pub follows: usize,
    /// Unix seconds.
    pub since: i64,
}

/// Why a channel was disabled, from Discord's status: 404 gone, 400 (a
/// disable on a 400 is only ever a locked thread) locked, else forbidden.
pub(super) fn because_of(status: u16) -> DisabledBecause {
    match status {
        404 => DisabledBecause::Gone,
        400 => DisabledBecause::Locked,
        _ => DisabledBecause::Forbidden,
    }
}

/// Post the alert for `d` in its server's alerts channel, if it has one.
pub(super) async fn announce(shared: &Shared, d: Disabled, cancel: &CancellationToken) {
    let channel = d.channel;
    if d.follows == 0 {
        return;
    }
    let target = shared
        .deliverer
        .store
        .blocking(move |s| s.alerts_channel_for(channel))
        .await;
    let alerts = match target {
        Ok(Some((_, alerts))) => alerts,
        Ok(None) => return,
        Err(e) => {
            tracing::warn!(%channel, error = %e, "delivery: cannot read the alerts channel");
            return;
        }
    };
    if alerts == channel {
        tracing::info!(%channel, "delivery: the alerts channel itself was refused; no alert");
        return;
    }
    let body = alert::channel_disabled(channel.get(), d.because, d.follows, d.since);
    if post(shared, alerts, &body, cancel).await {
        tracing::info!(%channel, %alerts, "delivery: alert posted");
    }
}

/// Post one alert `body` in `target`, a few times with the same nonce while
/// Discord is rate limiting or failing; `true` when it was posted.
pub(super) async fn post(
    shared: &Shared,
    target: ChannelId,
    body: &CreateMessage,
    cancel: &CancellationToken,
) -> bool {
    for attempt in 1..=ATTEMPTS {
        tokio::select! {
            _ = cancel.cancelled() => return false,
            _ = shared.deliverer.pacer.acquire() => {}
        }
        let wait = match shared.deliverer.rest.create_message(target, body).await {
            Ok(()) => return true,
            Err(SendError::RateLimited { retry_after, .. }) => retry_after,
            Err(SendError::Transient { reason }) => {
                tracing::warn!(%target, %reason, attempt, "delivery: alert failed; retrying");
                backoff(attempt)
            }
            Err(e) => {
                tracing::warn!(%target, error = %e, "delivery: Discord refused the alert");
                return false;
            }
        };
        if attempt < ATTEMPTS && sleep_or_cancel(wait, cancel).await {
            return false;
        }
    }
    tracing::warn!(%target, "delivery: alert given up");
    false
}

/// Sleep `d`; `true` when cancelled first.
async fn sleep_or_cancel(d: Duration, cancel: &CancellationToken) -> bool {
    tokio::select! {
        _ = cancel.cancelled() => true,
        _ = tokio::time::sleep(d) => false,
    }
}
