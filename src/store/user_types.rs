//! The store's types for user follows (a channel following a public Trakt
//! user, issue 12): the subscription, its polling state and marks, and what
//! the poller reads and commits. Kept apart from the show types: a user
//! follow has its own key space (`keys::user`), so the show path is untouched.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::SubState;
use crate::activity::{self, Activity};
use crate::ids::{ChannelId, GuildId, UserId};
use crate::trakt::v2::UserSlug;
use crate::trakt::{ActionSet, TraktTime};

/// The one show a user follow is narrowed to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShowFilter {
    /// The show's Trakt id: what activities are matched against.
    pub trakt: u64,
    pub slug: String,
    pub title: String,
}

/// How a followed user is named in embeds (from their profile at follow time).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
}

impl Profile {
    /// The author of the user's activities.
    pub fn as_user(&self, slug: &UserSlug) -> activity::User {
        activity::User {
            username: self.username.clone(),
            display_name: self.name.clone().filter(|n| !n.is_empty()),
            avatar: self.avatar.clone(),
            profile_url: activity::web::profile(&slug.0),
            deleted: false,
        }
    }
}

/// One channel following one Trakt user. Keyed by (user, channel).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSub {
    pub guild: GuildId,
    pub channel: ChannelId,
    pub user: UserSlug,
    pub profile: Profile,
    pub actions: ActionSet,
    /// Only activity about this show is posted (`None`: everything).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show: Option<ShowFilter>,
    pub created_by: UserId,
    /// Unix seconds.
    pub created_at: i64,
    pub state: SubState,
    /// Trakt's clock when the channel started following: older activity is
    /// never posted to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<TraktTime>,
}

impl UserSub {
    /// Whether this follow wants `activity` (its action, its show, its time).
    pub fn wants(&self, a: &Activity) -> bool {
        self.actions.contains(a.action)
            && self.since.is_none_or(|s| a.time() >= s)
            && self
                .show
                .as_ref()
                .is_none_or(|f| a.subject_show().is_some_and(|s| s.trakt == Some(f.trakt)))
    }
}

/// A `/follow-user`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewUserFollow {
    pub guild: GuildId,
    pub channel: ChannelId,
    pub user: UserSlug,
    pub profile: Profile,
    pub actions: ActionSet,
    pub show: Option<ShowFilter>,
    pub created_by: UserId,
    /// Unix seconds.
    pub now: i64,
    /// Trakt's clock (the profile answer's `Date`): where the channel's
    /// activity starts, and where polling starts when nobody else follows.
    pub start_watermark: Option<TraktTime>,
    /// `limits.max_follows_per_guild` (show and user follows together).
    pub max_per_guild: usize,
}

/// The sources' own marks for one user (Trakt times of the newest items read).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserMarks {
    /// `watched_at` of the newest history event read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<TraktTime>,
    /// `rated_at` of the newest rating read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratings: Option<TraktTime>,
    /// `listed_at` of the newest watchlist entry read (shows, movies and
    /// episodes together: set only when every part was read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub watchlist: Option<TraktTime>,
    /// `collected_at` of the newest collected episode or movie read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collection: Option<TraktTime>,
    /// `created_at` of the newest comment read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comments: Option<TraktTime>,
    /// The newest `created_at` or `updated_at` of the user's lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lists: Option<TraktTime>,
    /// The stats' `collected` counts when the collection was last read: it
    /// is read again only when they moved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collected: Option<CollectedCounts>,
    /// Each public list's `updated_at` when the lists were last read (list
    /// id → time): a list's items are read again only when it moved.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub list_updates: BTreeMap<u64, TraktTime>,
}

/// `/users/{id}/stats` `collected` counts (`None`: not known or not read).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectedCounts {
    pub episodes: Option<u64>,
    pub movies: Option<u64>,
}

impl UserMarks {
    /// Each mark moved to the later of the two.
    pub fn merge(&mut self, newer: &UserMarks) {
        fn later(a: Option<TraktTime>, b: Option<TraktTime>) -> Option<TraktTime> {
            match (a, b) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            }
        }
        self.history = later(self.history, newer.history);
        self.ratings = later(self.ratings, newer.ratings);
        self.watchlist = later(self.watchlist, newer.watchlist);
        self.collection = later(self.collection, newer.collection);
        self.comments = later(self.comments, newer.comments);
        self.lists = later(self.lists, newer.lists);
        if newer.collected.is_some() {
            self.collected = newer.collected;
        }
        // A read of the lists sees all of them: its snapshot replaces the old
        // one (deleted lists are forgotten).
        if !newer.list_updates.is_empty() {
            self.list_updates = newer.list_updates.clone();
        }
    }
}

/// Per-user polling state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserState {
    /// Trakt's clock when the user was (re-)followed with nobody else
    /// following: every source starts from the later of this and its mark.
    pub watermark: Option<TraktTime>,
    pub marks: UserMarks,
    /// Consecutive failed polls.
    pub failures: u32,
    /// Unix seconds before which the user is not polled again.
    pub next_attempt: Option<i64>,
    /// Unix seconds of the last successful poll (`/status`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_poll: Option<i64>,
    /// The current run of failed polls; cleared by a successful poll.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<super::PollError>,
}

/// A user with at least one active follow, for the poller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserFollowers {
    pub user: UserSlug,
    /// From the newest active follow.
    pub profile: Profile,
    /// Union of the actions of the active follows.
    pub wanted: ActionSet,
    /// The active follows, in channel order.
    pub subs: Vec<UserSub>,
    pub state: UserState,
}

/// One activity of a user and the channels it should go to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserItem {
    pub activity: Activity,
    pub channels: Vec<ChannelId>,
}

/// One user's poll, committed atomically.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserCommit {
    pub user: UserSlug,
    pub marks: UserMarks,
    /// Oldest first.
    pub items: Vec<UserItem>,
    /// Unix seconds; when the dedupe keys were recorded.
    pub now: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_marks_keeps_the_later_of_each_and_the_newest_list_snapshot() {
        let mut old = UserMarks {
            collection: Some(TraktTime(50)),
            comments: Some(TraktTime(90)),
            lists: Some(TraktTime(10)),
            list_updates: BTreeMap::from([(1, TraktTime(10)), (2, TraktTime(5))]),
            ..UserMarks::default()
        };
        let newer = UserMarks {
            collection: Some(TraktTime(60)),
            comments: Some(TraktTime(80)),
            list_updates: BTreeMap::from([(1, TraktTime(20))]),
            ..UserMarks::default()
        };
        old.merge(&newer);
        assert_eq!(old.collection, Some(TraktTime(60)));
        assert_eq!(old.comments, Some(TraktTime(90)));
        assert_eq!(old.lists, Some(TraktTime(10)));
        assert_eq!(old.list_updates, BTreeMap::from([(1, TraktTime(20))]));
        old.merge(&UserMarks::default());
        assert_eq!(
            old.list_updates.len(),
            1,
            "an empty snapshot changes nothing"
        );
    }
}
