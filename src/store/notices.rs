//! Notices of disabled user follows: when a followed Trakt user's profile
//! turns private, is deleted or locked, `disable_user` records one notice
//! per follow it disabled, in the same transaction, so the server is told
//! exactly once (delivery posts it, then removes it; a crash in between
//! reposts with the same nonce, which Discord drops). Kept in the `alerts`
//! tree under the `notice/` prefix (guild keys there are 8 bytes and never
//! start with it): no new tree, no migration.

use serde::{Deserialize, Serialize};

use super::{decode, keys, Plan, Store, StoreError, TreeId, UserSub};
use crate::ids::{ChannelId, GuildId};
use crate::trakt::v2::UserSlug;

const PREFIX: &[u8] = b"notice/";

/// A user follow that was disabled and not yet told.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserNotice {
    pub guild: GuildId,
    /// The channel whose follow was disabled.
    pub channel: ChannelId,
    pub user: UserSlug,
    /// The user's display name (or username) at follow time.
    pub name: String,
    /// Why (as `/follows` shows it).
    pub reason: String,
    /// Unix seconds.
    pub since: i64,
}

/// A notice's key: opaque, stable (the post's nonce derives from it).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NoticeId(pub Vec<u8>);

fn notice_key(n: &UserNotice) -> Vec<u8> {
    let mut key = PREFIX.to_vec();
    key.extend(keys::user_sub(&n.user, n.channel));
    key.extend_from_slice(&n.since.to_be_bytes());
    key
}

impl UserNotice {
    /// The notice for `sub`, just disabled for `reason` at `since`.
    pub fn of(sub: &UserSub, reason: &str, since: i64) -> UserNotice {
        UserNotice {
            guild: sub.guild,
            channel: sub.channel,
            user: sub.user.clone(),
            name: sub
                .profile
                .name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| sub.profile.username.clone()),
            reason: reason.to_owned(),
            since,
        }
    }
}

impl Store {
    /// Stage `notice` (written with the disable that caused it).
    pub(super) fn plan_notice(plan: &mut Plan, notice: &UserNotice) -> Result<(), StoreError> {
        plan.put(TreeId::Alerts, notice_key(notice), notice)
    }

    /// The notices not yet told, oldest key first.
    pub fn pending_notices(&self) -> Result<Vec<(NoticeId, UserNotice)>, StoreError> {
        let mut out = Vec::new();
        for item in self.tree(TreeId::Alerts).scan_prefix(PREFIX) {
            let (key, value) = item?;
            out.push((NoticeId(key.to_vec()), decode("notice", &value)?));
        }
        Ok(out)
    }

    /// Forget a notice (told, or given up).
    pub fn remove_notice(&self, id: &NoticeId) -> Result<(), StoreError> {
        let _w = self.lock();
        let mut plan = Plan::default();
        plan.del(TreeId::Alerts, id.0.clone());
        self.apply(&plan)
    }
}
