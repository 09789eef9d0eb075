//! Telling a server, once, that a user follow was disabled (the profile
//! turned private, was deleted or locked): the store records one notice per
//! disabled follow in the disabling transaction (`store::notices`); this
//! task posts each in the server's alerts channel when one is set, else in
//! the affected channel, then removes it. Once, not per cycle: a disabled
//! follow is not polled, so no second notice is recorded. A 429 or a
//! transient failure is retried with the same nonce (a repost after a crash
//! too, which Discord drops); the notice stays for the next round when
//! those attempts fail. A refusal (the bot may not post there, the channel
//! is gone) gives it up, logged.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::{backoff, Shared};
use crate::discord::rest::SendError;
use crate::format::user_notice;
use crate::store::{NoticeId, UserNotice};

/// How often the store is looked at for notices.
const ROUND: Duration = Duration::from_secs(2);
/// Attempts at posting one notice per round.
const ATTEMPTS: u32 = 3;

/// Post the pending notices until cancelled.
pub(super) async fn run(shared: std::sync::Arc<Shared>, cancel: CancellationToken) {
    loop {
        let store = &shared.deliverer.store;
        match store.blocking(|s| s.pending_notices()).await {
            Ok(notices) => {
                for (id, n) in notices {
                    if cancel.is_cancelled() {
                        return;
                    }
                    tell(&shared, id, n, &cancel).await;
                }
            }
            Err(e) => tracing::warn!(error = %e, "delivery: cannot read the user notices"),
        }
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(ROUND) => {}
        }
    }
}

/// What became of one notice.
#[derive(Debug, PartialEq, Eq)]
enum Told {
    /// Posted, or given up: remove it.
    Done,
    /// Try again next round.
    Later,
}

async fn tell(shared: &Shared, id: NoticeId, n: UserNotice, cancel: &CancellationToken) {
    let guild = n.guild;
    let alerts = shared
        .deliverer
        .store
        .blocking(move |s| s.alerts_channel(guild))
        .await;
    let target = match alerts {
        Ok(a) => a.unwrap_or(n.channel),
        Err(e) => {
            tracing::warn!(error = %e, "delivery: cannot read the alerts channel");
            return;
        }
    };
    let seed: String = id.0.iter().map(|b| format!("{b:02x}")).collect();
    let body = user_notice::user_follow_disabled(
        n.channel.get(),
        &n.user.0,
        &n.name,
        &n.reason,
        target != n.channel,
        &seed,
    );
    if post(shared, target, &body, cancel).await == Told::Later {
        return;
    }
    let removed = shared
        .deliverer
        .store
        .blocking(move |s| s.remove_notice(&id))
        .await;
    if let Err(e) = removed {
        tracing::warn!(error = %e, "delivery: cannot remove a user notice; it may be posted again");
    }
}

async fn post<B: serde::Serialize + ?Sized>(
    shared: &Shared,
    target: crate::ids::ChannelId,
    body: &B,
    cancel: &CancellationToken,
) -> Told {
    for attempt in 1..=ATTEMPTS {
        tokio::select! {
            _ = cancel.cancelled() => return Told::Later,
            _ = shared.deliverer.pacer.acquire() => {}
        }
        let wait = match shared.deliverer.rest.create_message(target, body).await {
            Ok(()) => {
                tracing::info!(channel = %target, "delivery: user follow notice posted");
                return Told::Done;
            }
            Err(SendError::RateLimited { retry_after, .. }) => retry_after,
            Err(SendError::Transient { reason }) => {
                tracing::warn!(channel = %target, %reason, attempt, "delivery: user notice failed; retrying");
                backoff(attempt)
            }
            Err(e) => {
                tracing::warn!(channel = %target, error = %e, "delivery: Discord refused a user notice; given up");
                return Told::Done;
            }
        };
        if attempt < ATTEMPTS {
            tokio::select! {
                _ = cancel.cancelled() => return Told::Later,
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }
    Told::Later
}
