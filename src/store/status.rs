//! What `/status` reads (every follow of a guild, by channel, with its show's
//! or user's poll state and the pending posts), and the per-channel delivery
//! record it shows (the `channel_delivery` tree, a new tree: no migration):
//! the last accepted message, written with the acknowledgement itself, and
//! the last failed send, written when delivery backs off.

use std::collections::{BTreeMap, HashMap};

use super::status_types::DeliveryError;
use super::{
    decode, keys, ChannelRecord, ChannelStatus, FollowStatus, Followed, GuildStatus, Plan,
    PollError, Store, StoreError, TreeId,
};
use crate::ids::{ChannelId, GuildId, OutboxId};
use crate::trakt::v2::UserSlug;
use crate::trakt::ShowRef;

/// Whose pending posts an outbox entry is.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Owner {
    Show(ShowRef),
    User(UserSlug),
}

impl Store {
    /// Every follow of `guild` (shows and users, any state), grouped by
    /// channel in channel order, shows first within a channel.
    pub fn guild_status(&self, guild: GuildId) -> Result<GuildStatus, StoreError> {
        let mut by_channel: BTreeMap<ChannelId, Vec<FollowStatus>> = BTreeMap::new();
        for key in self
            .tree(TreeId::ByGuild)
            .scan_prefix(keys::id_prefix(guild.0))
            .keys()
        {
            let key = key?;
            let corrupt = |e| super::corrupt("guild index key", e);
            let (_, rest) = keys::split_id(&key).map_err(corrupt)?;
            let (channel, rest) = keys::split_id(rest).map_err(corrupt)?;
            let (show, _) = keys::split_show(rest).map_err(corrupt)?;
            let channel = ChannelId(channel);
            let Some(sub) = self.get_sub(&show, channel)? else {
                continue;
            };
            let state = self.show_state(&show)?;
            by_channel.entry(channel).or_default().push(FollowStatus {
                followed: Followed::Show {
                    show,
                    title: sub.title,
                    slug: sub.slug,
                },
                state: sub.state,
                last_poll: state.schedule.last_poll,
                retry_at: state.next_attempt,
                error: state.error.map(|e| *e),
                pending: 0,
            });
        }
        for sub in self.all_user_subs()? {
            if sub.guild != guild {
                continue;
            }
            let state = self.user_state(&sub.user)?;
            let name = sub
                .profile
                .name
                .clone()
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| sub.profile.username.clone());
            by_channel
                .entry(sub.channel)
                .or_default()
                .push(FollowStatus {
                    followed: Followed::User {
                        user: sub.user,
                        name,
                    },
                    state: sub.state,
                    last_poll: state.last_poll,
                    retry_at: state.next_attempt,
                    error: state.error,
                    pending: 0,
                });
        }
        let mut channels = Vec::with_capacity(by_channel.len());
        for (channel, mut follows) in by_channel {
            let pending = self.pending_by_owner(channel)?;
            for f in &mut follows {
                let owner = match &f.followed {
                    Followed::Show { show, .. } => Owner::Show(show.clone()),
                    Followed::User { user, .. } => Owner::User(user.clone()),
                };
                f.pending = pending.get(&owner).copied().unwrap_or(0);
            }
            channels.push(ChannelStatus {
                channel,
                record: self.channel_record(channel)?,
                follows,
            });
        }
        Ok(GuildStatus { channels })
    }

    /// The channel's pending entries, counted by the follow they are for.
    fn pending_by_owner(&self, channel: ChannelId) -> Result<HashMap<Owner, usize>, StoreError> {
        let mut out = HashMap::new();
        for entry in self.pending(channel, usize::MAX)? {
            let owner = match entry.user {
                Some(user) => Owner::User(user),
                None => Owner::Show(entry.show),
            };
            *out.entry(owner).or_default() += 1;
        }
        Ok(out)
    }

    /// What delivery last did in `channel` (default: nothing yet).
    pub fn channel_record(&self, channel: ChannelId) -> Result<ChannelRecord, StoreError> {
        self.tree(TreeId::ChannelDelivery)
            .get(keys::id_prefix(channel.0))?
            .map_or(Ok(ChannelRecord::default()), |v| {
                decode("channel record", &v)
            })
    }

    /// Discord accepted the batch at `at`: [`ack`](Self::ack) it and record
    /// the delivery (clearing the last error), in one write.
    pub fn ack_delivered(
        &self,
        channel: ChannelId,
        ids: &[OutboxId],
        at: i64,
    ) -> Result<(), StoreError> {
        let _w = self.lock();
        let mut plan = Plan::default();
        for id in ids {
            plan.del(TreeId::Outbox, keys::outbox(channel, *id).to_vec());
        }
        plan.del(TreeId::InFlight, keys::id_prefix(channel.0).to_vec());
        let record = ChannelRecord {
            last_delivered: Some(at),
            error: None,
        };
        plan.put(
            TreeId::ChannelDelivery,
            keys::id_prefix(channel.0).to_vec(),
            &record,
        )?;
        self.apply(&plan)
    }

    /// A send to `channel` failed at `at` and will be retried.
    pub fn record_delivery_error(
        &self,
        channel: ChannelId,
        message: &str,
        at: i64,
    ) -> Result<(), StoreError> {
        let _w = self.lock();
        let mut record = self.channel_record(channel)?;
        record.error = Some(DeliveryError {
            message: message
                .chars()
                .take(super::status_types::MAX_ERROR_CHARS)
                .collect(),
            at,
        });
        let mut plan = Plan::default();
        plan.put(
            TreeId::ChannelDelivery,
            keys::id_prefix(channel.0).to_vec(),
            &record,
        )?;
        self.apply(&plan)
    }

    /// Record a failed poll of `user` at `now` with `message`, not retried
    /// before `next_attempt`; returns the consecutive failures. Nothing is
    /// stored for a user nobody follows.
    pub fn record_user_failure_because(
        &self,
        user: &UserSlug,
        next_attempt: i64,
        message: &str,
        now: i64,
    ) -> Result<u32, StoreError> {
        let _w = self.lock();
        let mut state = self.user_state(user)?;
        state.failures = state.failures.saturating_add(1);
        state.next_attempt = Some(next_attempt);
        let (run, _) = PollError::after_failure(state.error.as_ref(), message, now, false);
        state.error = Some(run);
        if self.all_user_subs()?.iter().any(|s| &s.user == user) {
            let mut plan = Plan::default();
            plan.put(TreeId::UserState, keys::user(user), &state)?;
            self.apply(&plan)?;
        }
        Ok(state.failures)
    }
}
