//! Subscriptions: following, pausing, resuming, unfollowing, and the per-channel and
//! per-guild listings. Every subscription write goes through `plan_put_sub`
//! (or `unfollow`), so the indexes always agree with `subs`.
//!
//! An activation (a new follow, a re-follow of a disabled or paused
//! subscription, the channel's other disabled subscriptions a follow wakes up,
//! a [`Store::resume`]) starts from Trakt's clock at that moment: the
//! subscription's `since` becomes that time, and a show no other channel
//! actively follows has a stale watermark (it was not polled), which moves
//! forward to that time, so nothing from the pause is posted.

use super::state_codec;
use super::{import, keys, sub_at, Plan, Store, StoreError, TreeId};
use super::{Delivery, FollowOutcome, NewFollow, SubState, Subscription};
use crate::ids::{ChannelId, GuildId};
use crate::trakt::{ShowRef, TraktTime};

impl Store {
    pub(super) fn get_sub(
        &self,
        show: &ShowRef,
        channel: ChannelId,
    ) -> Result<Option<Subscription>, StoreError> {
        self.tree(TreeId::Subs)
            .get(keys::sub(show, channel))?
            .map(|v| sub_at(&v))
            .transpose()
    }

    /// The title and slug `show` was followed under (from one of its
    /// subscriptions), for a source that must name the show itself.
    pub fn show_label(
        &self,
        show: &ShowRef,
    ) -> Result<Option<(String, Option<String>)>, StoreError> {
        match self
            .tree(TreeId::Subs)
            .scan_prefix(keys::show(show))
            .values()
            .next()
        {
            Some(value) => {
                let sub = sub_at(&value?)?;
                Ok(Some((sub.title, sub.slug)))
            }
            None => Ok(None),
        }
    }

    /// Stage writing `sub` (and its index entries), replacing `old` if given.
    /// Every subscription write goes through here (or `unfollow`), so the
    /// `followers` index always holds exactly the active subscriptions.
    pub(super) fn plan_put_sub(
        plan: &mut Plan,
        sub: &Subscription,
        old: Option<&Subscription>,
    ) -> Result<(), StoreError> {
        if let Some(old) = old {
            if old.guild != sub.guild {
                plan.del(
                    TreeId::ByGuild,
                    keys::by_guild(old.guild, old.channel, &old.show),
                );
            }
        }
        plan.put(TreeId::Subs, keys::sub(&sub.show, sub.channel), sub)?;
        plan.put_empty(TreeId::ByChannel, keys::by_channel(sub.channel, &sub.show));
        plan.put_empty(
            TreeId::ByGuild,
            keys::by_guild(sub.guild, sub.channel, &sub.show),
        );
        plan.follower(
            &sub.show,
            sub.channel,
            sub.state.is_active().then_some(sub.actions),
        );
        Ok(())
    }

    /// Whether a channel other than `channel` actively follows `show`.
    fn has_other_active_follower(
        &self,
        show: &ShowRef,
        channel: ChannelId,
    ) -> Result<bool, StoreError> {
        Ok(self
            .followers_of(show)?
            .iter()
            .any(|(other, _)| *other != channel))
    }

    /// Stage the show's watermark for a follow by `channel` at Trakt time `at`.
    /// A show without a watermark starts at `at`. When `activating` and no other
    /// channel actively follows the show, its watermark is stale: it moves
    /// forward to `at` (never back), or, with no Trakt time known, is cleared so
    /// that the poller starts the show afresh (its first poll posts nothing).
    pub(super) fn plan_start(
        &self,
        plan: &mut Plan,
        show: &ShowRef,
        channel: ChannelId,
        at: Option<TraktTime>,
        activating: bool,
    ) -> Result<(), StoreError> {
        let mut state = self.show_state(show)?;
        let before = state.watermark;
        state.watermark = match before {
            None => at,
            Some(old) if activating && !self.has_other_active_follower(show, channel)? => {
                at.map(|t| old.max(t))
            }
            Some(old) => Some(old),
        };
        // A show nobody else actively follows is polled at once.
        let restart = activating
            && state.schedule.last_poll.is_some()
            && !self.has_other_active_follower(show, channel)?;
        if restart {
            state.schedule.last_poll = None;
        }
        if state.watermark != before || restart {
            plan.put_raw(
                TreeId::Shows,
                keys::show(show),
                state_codec::encode(&state)?,
            );
        }
        Ok(())
    }

    /// Stage making the inactive `old` active from Trakt time `at` (see the
    /// module header); returns the subscription as it will be.
    fn plan_activate(
        &self,
        plan: &mut Plan,
        old: &Subscription,
        new: Subscription,
        at: Option<TraktTime>,
    ) -> Result<Subscription, StoreError> {
        let sub = Subscription {
            state: SubState::Active,
            since: at.or(new.since),
            ..new
        };
        Self::plan_put_sub(plan, &sub, Some(old))?;
        self.plan_start(plan, &sub.show, sub.channel, at, true)?;
        Ok(sub)
    }

    /// Follow `f.show` in `f.channel`.
    ///
    /// - An existing (channel, show) subscription gets the new actions and title
    ///   and becomes active again: [`FollowOutcome::Updated`].
    /// - A new one is refused with [`StoreError::LimitReached`] (nothing written)
    ///   when the guild already has `max_per_guild` subscriptions (any state).
    /// - Following in a channel re-activates every subscription of that channel
    ///   that the bot disabled (Discord refused the channel with 403/404): a person
    ///   acting there is the signal that the channel works again. Paused ones stay paused.
    /// - Every subscription this makes active (new or re-activated) starts at
    ///   `start_watermark` (Trakt's clock, read by `/follow` just before): its
    ///   `since` is set to it, and the show's watermark moves forward to it when
    ///   no other channel actively follows the show. An existing watermark is
    ///   never moved back. `start_watermark: None` (a caller without Trakt's
    ///   clock) keeps a re-activated `since`, and clears the watermark of a
    ///   show no one else actively follows, so the poller starts it afresh.
    /// - A blank title is replaced by the show's slug or id, a long one cut to
    ///   [`MAX_TITLE_CHARS`](super::MAX_TITLE_CHARS), so that every export imports again.
    /// - A re-follow keeps the subscription's [`Delivery`] settings.
    pub fn follow(&self, f: NewFollow) -> Result<FollowOutcome, StoreError> {
        self.follow_with(f, None)
    }

    /// [`Store::follow`], and set the subscription's message settings (a
    /// re-follow replaces them) when `delivery` is given. One transaction.
    pub fn follow_with(
        &self,
        mut f: NewFollow,
        delivery: Option<Delivery>,
    ) -> Result<FollowOutcome, StoreError> {
        f.title = import::clean_title(&f.title, &f.show);
        let at = f.start_watermark;
        let _w = self.lock();
        let existing = self.get_sub(&f.show, f.channel)?;
        if existing.is_none() {
            let count = self.guild_follow_count(f.guild)?;
            if count >= f.max_per_guild {
                return Err(StoreError::LimitReached {
                    limit: f.max_per_guild,
                });
            }
        }
        let mut plan = Plan::default();
        for other in self.channel_follows(f.channel)? {
            if other.show != f.show && matches!(other.state, SubState::Disabled { .. }) {
                self.plan_activate(&mut plan, &other, other.clone(), at)?;
            }
        }
        let outcome = match &existing {
            Some(old) => {
                let sub = Subscription {
                    guild: f.guild,
                    title: f.title.clone(),
                    slug: f.slug.clone().or_else(|| old.slug.clone()),
                    actions: f.actions,
                    delivery: delivery.unwrap_or(old.delivery),
                    ..old.clone()
                };
                if old.state.is_active() {
                    Self::plan_put_sub(&mut plan, &sub, Some(old))?;
                    self.plan_start(&mut plan, &f.show, f.channel, at, false)?;
                } else {
                    self.plan_activate(&mut plan, old, sub, at)?;
                }
                FollowOutcome::Updated {
                    previous: old.actions,
                }
            }
            None => {
                let sub = Subscription {
                    guild: f.guild,
                    channel: f.channel,
                    show: f.show.clone(),
                    title: f.title.clone(),
                    slug: f.slug.clone(),
                    actions: f.actions,
                    created_by: f.created_by,
                    created_at: f.now,
                    state: SubState::Active,
                    since: at,
                    delivery: delivery.unwrap_or_default(),
                    digest: true,
                    digest_window: None,
                };
                Self::plan_put_sub(&mut plan, &sub, None)?;
                self.plan_start(&mut plan, &f.show, f.channel, at, true)?;
                FollowOutcome::Created
            }
        };
        self.apply(&plan)?;
        Ok(outcome)
    }

    /// Turn digests of `channel`'s follow of `show` on or off; `false` when
    /// there is no such follow. One write.
    pub fn set_digest(
        &self,
        channel: ChannelId,
        show: &ShowRef,
        on: bool,
    ) -> Result<bool, StoreError> {
        let _w = self.lock();
        let Some(old) = self.get_sub(show, channel)? else {
            return Ok(false);
        };
        if old.digest != on {
            let sub = Subscription {
                digest: on,
                ..old.clone()
            };
            let mut plan = Plan::default();
            Self::plan_put_sub(&mut plan, &sub, Some(&old))?;
            self.apply(&plan)?;
        }
        Ok(true)
    }

    /// Set (or clear, `None`) the digest window of `channel`'s follow of
    /// `show`; `false` when there is no such follow. One write.
    pub fn set_digest_window(
        &self,
        channel: ChannelId,
        show: &ShowRef,
        window: Option<std::time::Duration>,
    ) -> Result<bool, StoreError> {
        let _w = self.lock();
        let Some(old) = self.get_sub(show, channel)? else {
            return Ok(false);
        };
        if old.digest_window != window {
            let sub = Subscription {
                digest_window: window,
                ..old.clone()
            };
            let mut plan = Plan::default();
            Self::plan_put_sub(&mut plan, &sub, Some(&old))?;
            self.apply(&plan)?;
        }
        Ok(true)
    }

    /// Make the paused or disabled subscription of `channel` to `show` active
    /// again, starting at Trakt time `at` (Trakt's clock now, as `/follow`
    /// reads it): nothing from before `at` is posted to the channel, and the
    /// show's watermark moves forward to `at` when no other channel actively
    /// follows it. Returns the subscription as it is afterwards (an active one
    /// is returned unchanged), or `None` when there is none. One transaction.
    pub fn resume(
        &self,
        channel: ChannelId,
        show: &ShowRef,
        at: TraktTime,
    ) -> Result<Option<Subscription>, StoreError> {
        self.resume_from(channel, show, Some(at))
    }

    /// [`Store::resume`], also for a caller that could not read Trakt's clock
    /// (`at: None`, Trakt down): the subscription keeps its `since`, and the
    /// watermark of a show no other channel actively follows is cleared, so
    /// the poller starts it afresh and its first poll posts nothing.
    pub fn resume_from(
        &self,
        channel: ChannelId,
        show: &ShowRef,
        at: Option<TraktTime>,
    ) -> Result<Option<Subscription>, StoreError> {
        let _w = self.lock();
        let Some(old) = self.get_sub(show, channel)? else {
            return Ok(None);
        };
        if old.state.is_active() {
            return Ok(Some(old));
        }
        let mut plan = Plan::default();
        let sub = self.plan_activate(&mut plan, &old, old.clone(), at)?;
        self.apply(&plan)?;
        Ok(Some(sub))
    }

    /// Pause the subscription of `channel` to `show` (a person's choice): it
    /// becomes `Paused { since: now }`, leaves the `followers` index (so the
    /// show is not polled for it, and nothing is routed to it), and the
    /// channel's pending posts for the show are dropped, as `unfollow` does.
    /// A disabled one becomes paused too (a later `/follow` in the channel
    /// then leaves it alone); a paused one is returned unchanged. Returns the
    /// subscription as it is afterwards, or `None` when there is none. One
    /// transaction.
    pub fn pause(
        &self,
        channel: ChannelId,
        show: &ShowRef,
        now: i64,
    ) -> Result<Option<Subscription>, StoreError> {
        let _w = self.lock();
        let Some(old) = self.get_sub(show, channel)? else {
            return Ok(None);
        };
        if matches!(old.state, SubState::Paused { .. }) {
            return Ok(Some(old));
        }
        let sub = Subscription {
            state: SubState::Paused { since: now },
            ..old.clone()
        };
        let mut plan = Plan::default();
        Self::plan_put_sub(&mut plan, &sub, Some(&old))?;
        let dropped =
            self.plan_drop_entries(&mut plan, channel, |e| e.user.is_none() && &e.show == show)?;
        self.apply(&plan)?;
        dropped.log(channel);
        Ok(Some(sub))
    }

    /// Stop following `show` in `channel`; returns the removed subscription, or
    /// `None` (nothing changed) when there was none. The channel's pending
    /// outbox entries for the show go too (and leave its in-flight marker). When
    /// no channel follows the show any more, its watermark, failure state and
    /// dedupe keys are removed as well. One transaction.
    pub fn unfollow(
        &self,
        channel: ChannelId,
        show: &ShowRef,
    ) -> Result<Option<Subscription>, StoreError> {
        let _w = self.lock();
        let Some(sub) = self.get_sub(show, channel)? else {
            return Ok(None);
        };
        let mut plan = Plan::default();
        plan.del(TreeId::Subs, keys::sub(show, channel));
        plan.del(TreeId::ByChannel, keys::by_channel(channel, show));
        plan.del(TreeId::ByGuild, keys::by_guild(sub.guild, channel, show));
        plan.follower(show, channel, None);
        let dropped =
            self.plan_drop_entries(&mut plan, channel, |e| e.user.is_none() && &e.show == show)?;
        let own_key = keys::sub(show, channel);
        let mut others = false;
        for key in self.tree(TreeId::Subs).scan_prefix(keys::show(show)).keys() {
            if key?.as_ref() != own_key.as_slice() {
                others = true;
                break;
            }
        }
        if !others {
            plan.del(TreeId::Shows, keys::show(show));
            self.plan_forget_dedupe(&mut plan, &keys::show(show))?;
        }
        self.apply(&plan)?;
        dropped.log(channel);
        Ok(Some(sub))
    }

    /// Every subscription of `channel` (any state), in show-key order. Reads
    /// without the writer lock: an index entry whose subscription is gone was
    /// removed by a concurrent unfollow, and is skipped.
    pub fn channel_follows(&self, channel: ChannelId) -> Result<Vec<Subscription>, StoreError> {
        let mut out = Vec::new();
        let index = self
            .tree(TreeId::ByChannel)
            .scan_prefix(keys::id_prefix(channel.0));
        for key in index.keys() {
            let key = key?;
            let (_, rest) =
                keys::split_id(&key).map_err(|e| super::corrupt("channel index key", e))?;
            let (show, _) =
                keys::split_show(rest).map_err(|e| super::corrupt("channel index key", e))?;
            if let Some(sub) = self.get_sub(&show, channel)? {
                out.push(sub);
            }
        }
        Ok(out)
    }

    /// How many follows the guild has, in any state: (channel, show)
    /// subscriptions and user follows together.
    pub fn guild_follow_count(&self, guild: GuildId) -> Result<usize, StoreError> {
        let mut n = self.guild_user_follow_count(guild)?;
        for key in self
            .tree(TreeId::ByGuild)
            .scan_prefix(keys::id_prefix(guild.0))
            .keys()
        {
            key?;
            n += 1;
        }
        Ok(n)
    }
}
