//! Pausing and resuming a user follow (`/pause`, `/resume` on a followed
//! Trakt user), as for shows: a paused follow is neither polled for (a user
//! nobody else actively follows is not read at all: `followed_users` lists
//! active follows only) nor posted to, and its pending posts are dropped; a
//! resumed one starts from Trakt's clock at the resume, so nothing from the
//! pause is posted.

use super::{keys, Plan, Store, StoreError, SubState, TreeId, UserState, UserSub};
use crate::ids::ChannelId;
use crate::trakt::v2::UserSlug;
use crate::trakt::TraktTime;

impl Store {
    /// Pause `channel`'s follow of `user`: `Paused { since: now }`, its pending
    /// posts dropped. A disabled one becomes paused too; a paused one is
    /// returned unchanged. `None` when there is no such follow. One transaction.
    pub fn pause_user(
        &self,
        channel: ChannelId,
        user: &UserSlug,
        now: i64,
    ) -> Result<Option<UserSub>, StoreError> {
        let _w = self.lock();
        let Some(old) = self.user_follow(channel, user)? else {
            return Ok(None);
        };
        if matches!(old.state, SubState::Paused { .. }) {
            return Ok(Some(old));
        }
        let sub = UserSub {
            state: SubState::Paused { since: now },
            ..old
        };
        let mut plan = Plan::default();
        plan.put(TreeId::UserSubs, keys::user_sub(user, channel), &sub)?;
        let dropped =
            self.plan_drop_entries(&mut plan, channel, |e| e.user.as_ref() == Some(user))?;
        self.apply(&plan)?;
        dropped.log(channel);
        Ok(Some(sub))
    }

    /// Resume `channel`'s paused or disabled follow of `user` from Trakt's
    /// clock `at`: active again, nothing older than `at` posted to it; when
    /// no other channel actively follows the user, the user's watermark
    /// moves forward to `at` (their polling starts from the resume). With
    /// `at: None` (Trakt's clock unknown) the follow keeps its `since` and a
    /// user nobody else actively follows starts afresh (marks cleared: the
    /// first poll posts nothing). An active follow is returned unchanged.
    pub fn resume_user_from(
        &self,
        channel: ChannelId,
        user: &UserSlug,
        at: Option<TraktTime>,
    ) -> Result<Option<UserSub>, StoreError> {
        let _w = self.lock();
        let Some(old) = self.user_follow(channel, user)? else {
            return Ok(None);
        };
        if old.state.is_active() {
            return Ok(Some(old));
        }
        let others_active = self
            .user_subs_of(user)?
            .iter()
            .any(|s| s.channel != channel && s.state.is_active());
        let since = at.or(old.since);
        let sub = UserSub {
            state: SubState::Active,
            since,
            ..old
        };
        let mut plan = Plan::default();
        plan.put(TreeId::UserSubs, keys::user_sub(user, channel), &sub)?;
        if !others_active {
            let old_state = self.user_state(user)?;
            let state = match at {
                Some(at) => UserState {
                    watermark: Some(old_state.watermark.map_or(at, |w| w.max(at))),
                    failures: 0,
                    next_attempt: None,
                    ..old_state
                },
                None => UserState::default(),
            };
            plan.put(TreeId::UserState, keys::user(user), &state)?;
        }
        self.apply(&plan)?;
        Ok(Some(sub))
    }

    /// `channel`'s follow of `user`, in any state.
    pub fn user_follow(
        &self,
        channel: ChannelId,
        user: &UserSlug,
    ) -> Result<Option<UserSub>, StoreError> {
        self.get_user_sub(user, channel)
    }
}
