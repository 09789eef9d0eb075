//! Forum and media channels: which channels are forums (their follows post
//! in one post per show, not in the channel itself) and the post each
//! followed show has there. One `forum_posts` tree (a tree added after
//! schema 4 that starts empty, so no migration): the channel's id alone
//! keys its [`ForumChannel`] marker, the channel and a show key the
//! [`ForumPost`]. A post is written once, when it is opened, and replaced
//! only when Discord says it is gone; unfollowing keeps it, so following
//! the show again there posts in the same post.

use serde::{Deserialize, Serialize};

use super::{decode, keys, DisableStats, Plan, Store, StoreError, SubState, Subscription, TreeId};
use crate::ids::ChannelId;
use crate::trakt::ShowRef;

/// A channel whose follows post in per-show posts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForumChannel {
    /// Discord's channel type: 15 forum, 16 media.
    pub kind: u8,
}

/// The post (a thread of the forum) a show's activity goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForumPost {
    pub thread: ChannelId,
    /// The tag it was opened with, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<u64>,
}

impl Store {
    /// Record that `channel` is a forum (idempotent). Not flushed: `/follow`
    /// flushes with the follow.
    pub fn set_forum(&self, channel: ChannelId, forum: ForumChannel) -> Result<(), StoreError> {
        let _w = self.lock();
        let mut plan = Plan::default();
        plan.put(
            TreeId::ForumPosts,
            keys::id_prefix(channel.0).to_vec(),
            &forum,
        )?;
        self.apply(&plan)
    }

    /// The forum marker of `channel`, when it is one.
    pub fn forum(&self, channel: ChannelId) -> Result<Option<ForumChannel>, StoreError> {
        self.tree(TreeId::ForumPosts)
            .get(keys::id_prefix(channel.0))?
            .map(|v| decode("forum marker", &v))
            .transpose()
    }

    /// The post of `show` in the forum `channel`, if one was opened.
    pub fn forum_post(
        &self,
        channel: ChannelId,
        show: &ShowRef,
    ) -> Result<Option<ForumPost>, StoreError> {
        self.tree(TreeId::ForumPosts)
            .get(keys::by_channel(channel, show))?
            .map(|v| decode("forum post", &v))
            .transpose()
    }

    /// Store the post just opened for `show` in `channel`; durable when it
    /// returns (a post must not be opened twice).
    pub fn set_forum_post(
        &self,
        channel: ChannelId,
        show: &ShowRef,
        post: &ForumPost,
    ) -> Result<(), StoreError> {
        {
            let _w = self.lock();
            let mut plan = Plan::default();
            plan.put(TreeId::ForumPosts, keys::by_channel(channel, show), post)?;
            self.apply(&plan)?;
        }
        self.durable()
    }

    /// Forget the post of `show` in `channel` when it is still `thread`
    /// (Discord said it is gone); `true` when it was forgotten.
    pub fn forget_forum_post(
        &self,
        channel: ChannelId,
        show: &ShowRef,
        thread: ChannelId,
    ) -> Result<bool, StoreError> {
        let forgotten = {
            let _w = self.lock();
            match self.forum_post(channel, show)? {
                Some(post) if post.thread == thread => {
                    let mut plan = Plan::default();
                    plan.del(TreeId::ForumPosts, keys::by_channel(channel, show));
                    self.apply(&plan)?;
                    true
                }
                _ => false,
            }
        };
        if forgotten {
            self.durable()?;
        }
        Ok(forgotten)
    }

    /// Discord refused the post of `show` in `channel` for good (locked):
    /// that one follow becomes `Disabled { reason, since: now }` and its
    /// pending entries are dropped (the channel's other follows go on).
    /// Durable when it returns.
    pub fn disable_follow(
        &self,
        channel: ChannelId,
        show: &ShowRef,
        reason: &str,
        now: i64,
    ) -> Result<DisableStats, StoreError> {
        let (stats, dropped) = {
            let _w = self.lock();
            let mut plan = Plan::default();
            let mut stats = DisableStats::default();
            if let Some(old) = self.get_sub(show, channel)? {
                if old.state.is_active() {
                    let sub = Subscription {
                        state: SubState::Disabled {
                            reason: reason.to_owned(),
                            since: now,
                        },
                        ..old.clone()
                    };
                    Self::plan_put_sub(&mut plan, &sub, Some(&old))?;
                    stats.subscriptions = 1;
                }
            }
            let dropped = self
                .plan_drop_entries(&mut plan, channel, |e| e.user.is_none() && &e.show == show)?;
            stats.dropped_entries = dropped.entries;
            self.apply(&plan)?;
            (stats, dropped)
        };
        dropped.log(channel);
        self.durable()?;
        Ok(stats)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{GuildId, UserId};
    use crate::store::NewFollow;
    use crate::trakt::ActionSet;

    fn follow(store: &Store, channel: u64, show: u64) {
        store
            .follow(NewFollow {
                guild: GuildId(1),
                channel: ChannelId(channel),
                show: ShowRef::Trakt(show),
                title: format!("show {show}"),
                slug: None,
                actions: ActionSet::all(),
                created_by: UserId(2),
                now: 10,
                start_watermark: None,
                max_per_guild: 50,
            })
            .expect("follow");
    }

    #[test]
    fn a_post_is_kept_per_forum_and_show_and_forgotten_only_when_it_is_still_that_post() {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::open(&dir.path().join("db"), 4).expect("open");
        let (forum, show) = (ChannelId(5), ShowRef::Trakt(9));
        assert_eq!(store.forum(forum).expect("read"), None);
        store
            .set_forum(forum, ForumChannel { kind: 15 })
            .expect("mark");
        assert_eq!(
            store.forum(forum).expect("read"),
            Some(ForumChannel { kind: 15 })
        );
        let post = ForumPost {
            thread: ChannelId(77),
            tag: Some(3),
        };
        store.set_forum_post(forum, &show, &post).expect("post");
        assert_eq!(store.forum_post(forum, &show).expect("read"), Some(post));
        assert_eq!(
            store.forum_post(forum, &ShowRef::Trakt(10)).expect("read"),
            None
        );
        assert_eq!(
            store.forum(forum).expect("marker"),
            Some(ForumChannel { kind: 15 })
        );
        // A stale "gone" (an older post) changes nothing.
        assert!(!store
            .forget_forum_post(forum, &show, ChannelId(76))
            .expect("forget"));
        assert!(store
            .forget_forum_post(forum, &show, ChannelId(77))
            .expect("forget"));
        assert_eq!(store.forum_post(forum, &show).expect("read"), None);
    }

    #[test]
    fn disabling_one_follow_leaves_the_channels_other_follows_active() {
        let dir = tempfile::tempdir().expect("dir");
        let store = Store::open(&dir.path().join("db"), 4).expect("open");
        follow(&store, 5, 9);
        follow(&store, 5, 10);
        let done = store
            .disable_follow(ChannelId(5), &ShowRef::Trakt(9), "locked", 20)
            .expect("disable");
        assert_eq!(done.subscriptions, 1);
        let subs = store.channel_follows(ChannelId(5)).expect("subs");
        let state = |show: u64| {
            subs.iter()
                .find(|s| s.show == ShowRef::Trakt(show))
                .map(|s| s.state.clone())
        };
        assert_eq!(
            state(9),
            Some(SubState::Disabled {
                reason: "locked".into(),
                since: 20
            })
        );
        assert_eq!(state(10), Some(SubState::Active));
        let again = store
            .disable_follow(ChannelId(5), &ShowRef::Trakt(9), "locked", 21)
            .expect("again");
        assert_eq!(again.subscriptions, 0, "already disabled");
    }
}
