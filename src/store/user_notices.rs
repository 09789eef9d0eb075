//! The notice of a disabled user follow: when a followed Trakt user's
//! profile turns private, is deleted or locked, `disable_user` queues one
//! per follow it disabled (in the `notices` queue, [`super::Queued`]), in the
//! same write, so the server is told exactly once.

use serde::{Deserialize, Serialize};

use super::UserSub;
use crate::ids::{ChannelId, GuildId};
use crate::trakt::v2::UserSlug;

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
