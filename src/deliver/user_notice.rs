//! Telling a server, once, that a user follow was disabled (the profile
//! turned private, was deleted or locked): the store queues one notice per
//! disabled follow in the disabling write (`store::Queued::UserDisabled`);
//! the notice task (`notice`) hands each to [`tell`], which posts it in the
//! server's alerts channel when one is set, else in the affected channel.
//! Once, not per cycle: a disabled follow is not polled, so no second notice
//! is queued. Retries, the nonce and giving up are `alert::post`'s.

use tokio_util::sync::CancellationToken;

use super::{alert, Shared};
use crate::format::user_notice;
use crate::store::{StoreError, UserNotice};

/// Post notice `id` about `n`; `Ok(false)` when it could not be posted.
pub(super) async fn tell(
    shared: &Shared,
    id: u64,
    n: &UserNotice,
    cancel: &CancellationToken,
) -> Result<bool, StoreError> {
    let guild = n.guild;
    let alerts = shared
        .deliverer
        .store
        .blocking(move |s| s.alerts_channel(guild))
        .await?;
    let target = alerts.unwrap_or(n.channel);
    let body = user_notice::user_follow_disabled(
        n.channel.get(),
        &n.user.0,
        &n.name,
        &n.reason,
        target != n.channel,
        &format!("{id:016x}"),
    );
    let posted = alert::post(shared, target, &body, cancel).await;
    if posted {
        tracing::info!(channel = %target, user = %n.user, "delivery: user follow notice posted");
    }
    Ok(posted)
}
