//! The queued alerts (`crate::store::Queued`): once a second this task posts
//! every queued notice, then drops it. A disabled user follow is told by
//! `user_notice`; an alert about a show (`crate::store::Notice`, queued by
//! the poller) goes, per server
//! following the show: one message in its alerts channel (`/alerts`) naming
//! the channels that actively follow it, or, without an alerts channel, one
//! in each of those channels (the bot can still post there: their follows are
//! active). Which messages go where is the pure [`targets`]. A notice whose
//! posting fails after a few tries is given up (logged); a crash before it
//! is dropped posts it again, with the same nonce.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::{alert, Shared};
use crate::format::notice::show_notice;
use crate::ids::{ChannelId, GuildId};
use crate::store::{Notice, Queued, StoreError, Subscription};

/// How often the queue is looked at.
const TICK: Duration = Duration::from_secs(1);

/// One message to post: where, and the channels it names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Target {
    pub post_in: ChannelId,
    pub names: Vec<ChannelId>,
}

/// Where the alert about a show followed by `subs` goes: per guild, its
/// alerts channel (from `alerts`) naming the active followers, else each
/// active follower itself. A guild without an active follow gets nothing.
pub(super) fn targets(
    subs: &[Subscription],
    alerts: &BTreeMap<GuildId, Option<ChannelId>>,
) -> Vec<Target> {
    let mut by_guild: BTreeMap<GuildId, Vec<ChannelId>> = BTreeMap::new();
    for sub in subs.iter().filter(|s| s.state.is_active()) {
        by_guild.entry(sub.guild).or_default().push(sub.channel);
    }
    let mut out = Vec::new();
    for (guild, mut channels) in by_guild {
        channels.sort_unstable();
        channels.dedup();
        match alerts.get(&guild).copied().flatten() {
            Some(post_in) => out.push(Target {
                post_in,
                names: channels,
            }),
            None => out.extend(channels.into_iter().map(|c| Target {
                post_in: c,
                names: vec![c],
            })),
        }
    }
    out
}

/// Post queued notices until cancelled.
pub(super) async fn run(shared: Arc<Shared>, cancel: CancellationToken) {
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(TICK) => {}
        }
        let store = &shared.deliverer.store;
        let queued = match store.blocking(|s| s.pending_notices()).await {
            Ok(queued) => queued,
            Err(e) => {
                tracing::warn!(error = %e, "delivery: cannot read the queued alerts");
                continue;
            }
        };
        for (id, notice) in queued {
            if cancel.is_cancelled() {
                return;
            }
            let posted = match &notice {
                Queued::Show(notice) => post(&shared, id, notice, &cancel).await,
                Queued::UserDisabled(n) => super::user_notice::tell(&shared, id, n, &cancel)
                    .await
                    .map(|_| ()),
            };
            if let Err(e) = posted {
                tracing::warn!(error = %e, "delivery: cannot prepare an alert");
            }
            if cancel.is_cancelled() {
                return;
            }
            if let Err(e) = store.blocking(move |s| s.drop_notice(id)).await {
                tracing::warn!(error = %e, "delivery: cannot drop a posted alert");
            }
        }
    }
}

/// Post one notice wherever [`targets`] says.
async fn post(
    shared: &Shared,
    id: u64,
    notice: &Notice,
    cancel: &CancellationToken,
) -> Result<(), StoreError> {
    let show = notice.show.clone();
    let (subs, alerts) = shared
        .deliverer
        .store
        .blocking(move |s| {
            let subs = s.show_follows(&show)?;
            let mut alerts = BTreeMap::new();
            for sub in &subs {
                if let std::collections::btree_map::Entry::Vacant(e) = alerts.entry(sub.guild) {
                    e.insert(s.alerts_channel(sub.guild)?);
                }
            }
            Ok((subs, alerts))
        })
        .await?;
    let Some(first) = subs.first() else {
        return Ok(());
    };
    let handle = first
        .slug
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| first.show.to_string());
    for target in targets(&subs, &alerts) {
        let names: Vec<u64> = target.names.iter().map(|c| c.get()).collect();
        let body = show_notice(
            id,
            &first.title,
            &handle,
            &notice.kind,
            &names,
            target.post_in.get(),
        );
        if alert::post(shared, target.post_in, &body, cancel).await {
            tracing::info!(show = %notice.show, channel = %target.post_in, "delivery: show alert posted");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::UserId;
    use crate::store::SubState;
    use crate::trakt::{ActionSet, ShowRef};

    fn sub(guild: u64, channel: u64, state: SubState) -> Subscription {
        Subscription {
            slug: None,
            guild: GuildId(guild),
            channel: ChannelId(channel),
            show: ShowRef::Trakt(1),
            title: "Lost".into(),
            actions: ActionSet::all(),
            created_by: UserId(3),
            created_at: 0,
            state,
            since: None,
            delivery: Default::default(),
            digest: true,
            digest_window: None,
        }
    }

    #[test]
    fn one_message_per_alerts_channel_else_one_per_active_channel() {
        let paused = SubState::Paused { since: 1 };
        let subs = vec![
            sub(1, 11, SubState::Active),
            sub(1, 12, SubState::Active),
            sub(1, 13, paused.clone()),
            sub(2, 21, SubState::Active),
            sub(2, 22, SubState::Active),
            sub(3, 31, paused),
        ];
        let alerts = BTreeMap::from([
            (GuildId(1), Some(ChannelId(100))),
            (GuildId(2), None),
            (GuildId(3), Some(ChannelId(300))),
        ]);
        let got = targets(&subs, &alerts);
        let want = vec![
            Target {
                post_in: ChannelId(100),
                names: vec![ChannelId(11), ChannelId(12)],
            },
            Target {
                post_in: ChannelId(21),
                names: vec![ChannelId(21)],
            },
            Target {
                post_in: ChannelId(22),
                names: vec![ChannelId(22)],
            },
        ];
        assert_eq!(got, want, "guild 3 follows it only paused: nothing");
    }
}
