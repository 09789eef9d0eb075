//! Each server's alerts channel (`/alerts channel`): where the bot tells the
//! server that it disabled a channel's follows. One entry per guild in the
//! `alerts` tree (a tree added after schema 4 that starts empty, so no
//! migration: an older build never opens it).

use super::{decode, keys, Plan, Store, StoreError, TreeId};
use crate::ids::{ChannelId, GuildId};

impl Store {
    /// Set (`Some`) or clear (`None`) the alerts channel of `guild`; durable
    /// when it returns (a confirmed setting must survive a crash).
    pub fn set_alerts_channel(
        &self,
        guild: GuildId,
        channel: Option<ChannelId>,
    ) -> Result<(), StoreError> {
        {
            let _w = self.lock();
            let mut plan = Plan::default();
            let key = keys::id_prefix(guild.0).to_vec();
            match channel {
                Some(c) => plan.put(TreeId::Alerts, key, &c)?,
                None => plan.del(TreeId::Alerts, key),
            }
            self.apply(&plan)?;
        }
        self.durable()
    }

    /// The alerts channel of `guild`, if one is set.
    pub fn alerts_channel(&self, guild: GuildId) -> Result<Option<ChannelId>, StoreError> {
        self.tree(TreeId::Alerts)
            .get(keys::id_prefix(guild.0))?
            .map(|v| decode("alerts channel", &v))
            .transpose()
    }

    /// The guild that `channel` belongs to (as its follows record it) and
    /// that guild's alerts channel, if both are known.
    pub fn alerts_channel_for(
        &self,
        channel: ChannelId,
    ) -> Result<Option<(GuildId, ChannelId)>, StoreError> {
        let Some(guild) = self.channel_follows(channel)?.first().map(|s| s.guild) else {
            return Ok(None);
        };
        Ok(self.alerts_channel(guild)?.map(|alerts| (guild, alerts)))
    }
}
