//! User follows (a channel following a public Trakt user): following,
//! unfollowing, disabling, the listings, and committing a user's poll
//! (outbox entries, dedupe keys and marks in one transaction).
//!
//! Trees: `user_subs` (user + channel → [`UserSub`]) and `user_state`
//! (user → [`UserState`]); a user's dedupe keys live in the shared `dedupe`
//! tree under the user's key (its tag never starts a show key), so the
//! shared pruning forgets them too. An outbox entry of a user follow names
//! the user (`OutboxEntry::user`); show unfollows leave such entries alone.
//! The listings scan `user_subs` (a few entries per server).

use super::user_types::{NewUserFollow, UserCommit, UserFollowers, UserState, UserSub};
use super::{abort, decode, encode, keys, Plan, Store, StoreError, TreeId, Tx, TxResult};
use super::{CommitStats, FollowOutcome, OutboxEntry, SubState};
use crate::ids::{ChannelId, GuildId, OutboxId};
use crate::trakt::v2::UserSlug;
use crate::trakt::ShowRef;

fn user_sub_at(bytes: &[u8]) -> Result<UserSub, StoreError> {
    decode("user follow", bytes)
}

impl Store {
    pub(super) fn get_user_sub(
        &self,
        user: &UserSlug,
        channel: ChannelId,
    ) -> Result<Option<UserSub>, StoreError> {
        self.tree(TreeId::UserSubs)
            .get(keys::user_sub(user, channel))?
            .map(|v| user_sub_at(&v))
            .transpose()
    }

    /// Every user follow of `user` (any state), in channel order.
    pub(super) fn user_subs_of(&self, user: &UserSlug) -> Result<Vec<UserSub>, StoreError> {
        let mut out = Vec::new();
        for value in self
            .tree(TreeId::UserSubs)
            .scan_prefix(keys::user(user))
            .values()
        {
            out.push(user_sub_at(&value?)?);
        }
        Ok(out)
    }

    pub(super) fn all_user_subs(&self) -> Result<Vec<UserSub>, StoreError> {
        let mut out = Vec::new();
        for value in self.tree(TreeId::UserSubs).iter().values() {
            out.push(user_sub_at(&value?)?);
        }
        Ok(out)
    }

    /// The user's polling state (default when it has none).
    pub fn user_state(&self, user: &UserSlug) -> Result<UserState, StoreError> {
        Ok(match self.tree(TreeId::UserState).get(keys::user(user))? {
            Some(v) => decode("user state", &v)?,
            None => UserState::default(),
        })
    }

    /// How many user follows the guild has, in any state.
    pub fn guild_user_follow_count(&self, guild: GuildId) -> Result<usize, StoreError> {
        Ok(self
            .all_user_subs()?
            .iter()
            .filter(|s| s.guild == guild)
            .count())
    }

    /// A channel's show follows and user follows, what the commands that
    /// take either kind (`/follows`, `/unfollow`, `/pause`, `/resume`) read.
    pub fn channel_follows_both(
        &self,
        channel: ChannelId,
    ) -> Result<(Vec<super::Subscription>, Vec<UserSub>), StoreError> {
        Ok((
            self.channel_follows(channel)?,
            self.channel_user_follows(channel)?,
        ))
    }

    /// Every user follow of `channel` (any state), in user order.
    pub fn channel_user_follows(&self, channel: ChannelId) -> Result<Vec<UserSub>, StoreError> {
        Ok(self
            .all_user_subs()?
            .into_iter()
            .filter(|s| s.channel == channel)
            .collect())
    }

    /// Make `channel` follow a user, or update its follow (actions, show,
    /// profile). A new follow within the guild's limit (show and user follows
    /// count together, [`StoreError::LimitReached`] otherwise). A new or
    /// re-activated follow starts at `start_watermark`; the user's watermark
    /// moves forward to it when no other channel actively follows the user.
    pub fn follow_user(&self, f: NewUserFollow) -> Result<FollowOutcome, StoreError> {
        let at = f.start_watermark;
        let _w = self.lock();
        let existing = self.get_user_sub(&f.user, f.channel)?;
        if existing.is_none() && self.guild_follow_count(f.guild)? >= f.max_per_guild {
            return Err(StoreError::LimitReached {
                limit: f.max_per_guild,
            });
        }
        let others_active = self
            .user_subs_of(&f.user)?
            .iter()
            .any(|s| s.channel != f.channel && s.state.is_active());
        let (sub, outcome, activated) = match existing {
            Some(old) => {
                let activated = !old.state.is_active();
                let sub = UserSub {
                    guild: f.guild,
                    profile: f.profile.clone(),
                    actions: f.actions,
                    show: f.show.clone(),
                    state: SubState::Active,
                    since: if activated {
                        at.or(old.since)
                    } else {
                        old.since
                    },
                    ..old.clone()
                };
                let outcome = FollowOutcome::Updated {
                    previous: old.actions,
                };
                (sub, outcome, activated)
            }
            None => {
                let sub = UserSub {
                    guild: f.guild,
                    channel: f.channel,
                    user: f.user.clone(),
                    profile: f.profile.clone(),
                    actions: f.actions,
                    show: f.show.clone(),
                    created_by: f.created_by,
                    created_at: f.now,
                    state: SubState::Active,
                    since: at,
                };
                (sub, FollowOutcome::Created, true)
            }
        };
        let mut plan = Plan::default();
        plan.put(TreeId::UserSubs, keys::user_sub(&f.user, f.channel), &sub)?;
        if activated && !others_active {
            let mut state = self.user_state(&f.user)?;
            state.watermark = match (state.watermark, at) {
                (Some(old), Some(at)) => Some(old.max(at)),
                (old, at) => at.or(old),
            };
            state.failures = 0;
            state.next_attempt = None;
            plan.put(TreeId::UserState, keys::user(&f.user), &state)?;
        }
        self.apply(&plan)?;
        Ok(outcome)
    }

    /// Stop `channel` following `user`; returns the removed follow. Its
    /// pending posts go too; when nobody follows the user any more, the user's
    /// state and dedupe keys are removed as well. One transaction.
    pub fn unfollow_user(
        &self,
        channel: ChannelId,
        user: &UserSlug,
    ) -> Result<Option<UserSub>, StoreError> {
        let _w = self.lock();
        let Some(sub) = self.get_user_sub(user, channel)? else {
            return Ok(None);
        };
        let mut plan = Plan::default();
        plan.del(TreeId::UserSubs, keys::user_sub(user, channel));
        let dropped =
            self.plan_drop_entries(&mut plan, channel, |e| e.user.as_ref() == Some(user))?;
        let others = self
            .user_subs_of(user)?
            .iter()
            .any(|s| s.channel != channel);
        if !others {
            plan.del(TreeId::UserState, keys::user(user));
            self.plan_forget_dedupe(&mut plan, &keys::user(user))?;
        }
        self.apply(&plan)?;
        dropped.log(channel);
        Ok(Some(sub))
    }

    /// Every user with at least one active follow, in user-key order.
    pub fn followed_users(&self) -> Result<Vec<UserFollowers>, StoreError> {
        let mut out: Vec<UserFollowers> = Vec::new();
        for sub in self.all_user_subs()? {
            if !sub.state.is_active() {
                continue;
            }
            match out.last_mut() {
                Some(last) if last.user == sub.user => {
                    last.wanted = last.wanted.union(sub.actions);
                    if sub.created_at >= last.subs.iter().map(|s| s.created_at).max().unwrap_or(0) {
                        last.profile = sub.profile.clone();
                    }
                    last.subs.push(sub);
                }
                _ => out.push(UserFollowers {
                    user: sub.user.clone(),
                    profile: sub.profile.clone(),
                    wanted: sub.actions,
                    subs: vec![sub],
                    state: UserState::default(),
                }),
            }
        }
        for f in &mut out {
            f.state = self.user_state(&f.user)?;
        }
        Ok(out)
    }

    /// Record a failed poll of `user`, not retried before `next_attempt`
    /// (unix secs); returns the consecutive failures.
    pub fn record_user_failure(
        &self,
        user: &UserSlug,
        next_attempt: i64,
    ) -> Result<u32, StoreError> {
        let _w = self.lock();
        let mut state = self.user_state(user)?;
        state.failures = state.failures.saturating_add(1);
        state.next_attempt = Some(next_attempt);
        if !self.user_subs_of(user)?.is_empty() {
            self.tree(TreeId::UserState)
                .insert(keys::user(user), encode(&state)?)?;
        }
        Ok(state.failures)
    }

    /// The user's profile turned private or disappeared: every active follow
    /// of the user becomes `Disabled { reason, since: now }` and its pending
    /// posts are dropped, and a notice is recorded for each (told once, by
    /// delivery: `notices`). Returns the follows disabled. One transaction.
    pub fn disable_user(
        &self,
        user: &UserSlug,
        reason: &str,
        now: i64,
    ) -> Result<Vec<UserSub>, StoreError> {
        let _w = self.lock();
        let mut plan = Plan::default();
        let mut disabled = Vec::new();
        let mut logs = Vec::new();
        for sub in self.user_subs_of(user)? {
            if !sub.state.is_active() {
                continue;
            }
            let sub = UserSub {
                state: SubState::Disabled {
                    reason: reason.to_owned(),
                    since: now,
                },
                ..sub
            };
            plan.put(TreeId::UserSubs, keys::user_sub(user, sub.channel), &sub)?;
            self.plan_notice(
                &mut plan,
                &super::Queued::UserDisabled(super::UserNotice::of(&sub, reason, now)),
            )?;
            let dropped =
                self.plan_drop_entries(&mut plan, sub.channel, |e| e.user.as_ref() == Some(user))?;
            logs.push((sub.channel, dropped));
            disabled.push(sub);
        }
        self.apply(&plan)?;
        for (channel, dropped) in logs {
            dropped.log(channel);
        }
        Ok(disabled)
    }

    /// Stage disabling `channel`'s active user follows (Discord refused the
    /// channel); its pending entries are dropped by the caller.
    pub(super) fn plan_disable_user_subs(
        &self,
        plan: &mut Plan,
        channel: ChannelId,
        reason: &str,
        now: i64,
    ) -> Result<usize, StoreError> {
        let mut n = 0;
        for sub in self.channel_user_follows(channel)? {
            if sub.state.is_active() {
                let sub = UserSub {
                    state: SubState::Disabled {
                        reason: reason.to_owned(),
                        since: now,
                    },
                    ..sub
                };
                plan.put(TreeId::UserSubs, keys::user_sub(&sub.user, channel), &sub)?;
                n += 1;
            }
        }
        Ok(n)
    }

    /// Commit one user's poll in ONE transaction: each item not yet recorded
    /// (dedupe key: user + `activity.key()`) is recorded and queued for each
    /// listed channel whose follow is still active and wants it; the marks
    /// merge into the user's state and its failures are cleared. Nothing is
    /// written for a user nobody follows any more.
    pub fn commit_user_poll(&self, c: UserCommit) -> Result<CommitStats, StoreError> {
        let _w = self.lock();
        if self.user_subs_of(&c.user)?.is_empty() {
            return Ok(CommitStats::default());
        }
        let recorded_at = encode(&c.now)?;
        let state_key = keys::user(&c.user);
        self.transact(|tx| {
            let mut stats = CommitStats::default();
            for item in &c.items {
                let dedupe_key = keys::user_dedupe(&c.user, item.activity.key());
                let dedupe = tx.tree(TreeId::Dedupe);
                if dedupe.get(dedupe_key.as_slice())?.is_some() {
                    stats.duplicates += 1;
                    continue;
                }
                stats.new_activities += 1;
                dedupe.insert(dedupe_key.as_slice(), recorded_at.as_slice())?;
                tx.tree(TreeId::DedupeTime)
                    .insert(keys::dedupe_by_time(c.now, &dedupe_key), &[][..])?;
                let mut channels = item.channels.clone();
                channels.sort_unstable();
                channels.dedup();
                for channel in channels {
                    stats.queued += queue_user_item(tx, &c.user, channel, item, c.now)?;
                }
            }
            let states = tx.tree(TreeId::UserState);
            let mut state: UserState = match states.get(state_key.as_slice())? {
                Some(v) => decode("user state", &v).map_err(abort)?,
                None => UserState::default(),
            };
            state.marks.merge(&c.marks);
            state.failures = 0;
            state.next_attempt = None;
            state.last_poll = Some(c.now);
            state.error = None;
            states.insert(state_key.as_slice(), encode(&state).map_err(abort)?)?;
            Ok(stats)
        })
    }

    /// Whether the dedupe key of a user's activity is recorded.
    pub fn is_user_recorded(
        &self,
        user: &UserSlug,
        key: &crate::activity::ActivityKey,
    ) -> Result<bool, StoreError> {
        Ok(self
            .tree(TreeId::Dedupe)
            .contains_key(keys::user_dedupe(user, key))?)
    }
}

/// Inside a commit: one outbox entry for `channel` when its follow of the
/// user is active and wants the activity; returns how many (0 or 1).
fn queue_user_item(
    tx: &Tx<'_>,
    user: &UserSlug,
    channel: ChannelId,
    item: &super::user_types::UserItem,
    now: i64,
) -> TxResult<usize> {
    let Some(value) = tx
        .tree(TreeId::UserSubs)
        .get(keys::user_sub(user, channel))?
    else {
        return Ok(0);
    };
    let sub = user_sub_at(&value).map_err(abort)?;
    if !sub.state.is_active() || !sub.wants(&item.activity) {
        return Ok(0);
    }
    let outbox = tx.tree(TreeId::Outbox);
    let id = OutboxId(outbox.generate_id()?);
    let show = item
        .activity
        .subject_show()
        .and_then(|s| s.trakt)
        .unwrap_or(0);
    let entry = OutboxEntry {
        id,
        channel,
        show: ShowRef::Trakt(show),
        user: Some(user.clone()),
        key: item.activity.key().clone(),
        activity: item.activity.clone(),
        queued_at: now,
    };
    outbox.insert(
        &keys::outbox(channel, id)[..],
        encode(&entry).map_err(abort)?,
    )?;
    Ok(1)
}
