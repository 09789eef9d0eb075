//! Pure decisions of polling a followed user: which sources the follows'
//! actions need (a follow of `rating` only does not read history), what one
//! user costs per cycle, which channels an activity goes to, and whether a
//! failure disables the user's follows. No I/O here.

use crate::activity::Activity;
use crate::ids::ChannelId;
use crate::store::UserSub;
use crate::trakt::v2::V2Error;
use crate::trakt::{Action, ActionSet};

/// The actions a user follow can have: all eleven (every one has a public
/// source per user, reference §10.2).
pub fn user_actions() -> ActionSet {
    ActionSet::all()
}

/// The user sources one cycle reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sources {
    /// `/users/{id}/watching`.
    pub watching: bool,
    /// `/users/{id}/history?start_at=…` (scrobble, checkin, seen).
    pub history: bool,
    /// `/users/{id}/ratings/all`.
    pub ratings: bool,
    /// `/users/{id}/watchlist/{shows,episodes}/added`.
    pub watchlist: bool,
    /// `/users/{id}/stats`, then `/users/{id}/collection/shows` when its
    /// collected episodes moved.
    pub collection: bool,
    /// `/users/{id}/comments/all/all` (shout, review).
    pub comments: bool,
    /// `/users/{id}/lists` (created, item_added; the items of changed lists
    /// only for item_added).
    pub lists: bool,
    /// The movie halves of the watchlist and the collection: only when a
    /// follow wanting them is not narrowed to one show.
    pub movies: bool,
}

impl Sources {
    /// The sources `wanted` (the union of a user's follows' actions) needs,
    /// movies included.
    pub fn for_actions(wanted: ActionSet) -> Sources {
        let mut s = Sources::shows_for(wanted);
        s.movies = s.watchlist || s.collection;
        s
    }

    /// The sources the active `subs` of one user need: as
    /// [`Sources::for_actions`], but movies only when a follow that wants the
    /// watchlist or the collection is not narrowed to a show.
    pub fn for_follows(subs: &[UserSub]) -> Sources {
        let active = || subs.iter().filter(|s| s.state.is_active());
        let wanted = active().fold(ActionSet::none(), |w, s| w.union(s.actions));
        let mut s = Sources::shows_for(wanted);
        s.movies = active().any(|f| {
            f.show.is_none()
                && (f.actions.contains(Action::Watchlist) || f.actions.contains(Action::Collection))
        });
        s
    }

    fn shows_for(wanted: ActionSet) -> Sources {
        let any = |actions: &[Action]| actions.iter().any(|a| wanted.contains(*a));
        Sources {
            watching: wanted.contains(Action::Watching),
            history: any(&[Action::Scrobble, Action::Checkin, Action::Seen]),
            ratings: wanted.contains(Action::Rating),
            watchlist: wanted.contains(Action::Watchlist),
            collection: wanted.contains(Action::Collection),
            comments: any(&[Action::Shout, Action::Review]),
            lists: any(&[Action::Created, Action::ItemAdded]),
            movies: false,
        }
    }

    /// Requests per cycle when each source fits one page, no list changed
    /// and the collection did not either (the usual case): the watchlist is
    /// two requests (shows, episodes) plus one for movies; the collection is
    /// one `/stats` request (+1 per half, shows or movies, that changed).
    pub fn requests(self) -> u32 {
        let n = |b: bool| u32::from(b);
        n(self.watching)
            + n(self.history)
            + n(self.ratings)
            + 2 * n(self.watchlist)
            + n(self.collection)
            + n(self.comments)
            + n(self.lists)
            + n(self.movies && self.watchlist)
    }
}

/// The active follows (of one user) that want `a`, in channel order.
pub fn channels_for(subs: &[UserSub], a: &Activity) -> Vec<ChannelId> {
    subs.iter()
        .filter(|s| s.state.is_active() && s.wants(a))
        .map(|s| s.channel)
        .collect()
}

/// Why a failure disables every follow of the user (shown in `/follows`),
/// or `None` when it is passing (back off and retry).
pub fn disabling_reason(e: &V2Error) -> Option<&'static str> {
    match e {
        V2Error::PrivateUser => Some("the Trakt profile is private now"),
        V2Error::NotFound => Some("the Trakt user no longer exists"),
        V2Error::Locked => Some("the Trakt account is locked"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(s: &str) -> ActionSet {
        ActionSet::parse(s).expect("actions")
    }

    #[test]
    fn only_the_sources_the_actions_need_are_read() {
        assert_eq!(
            Sources::for_actions(set("rating")),
            Sources {
                ratings: true,
                ..Sources::default()
            }
        );
        let h = Sources::for_actions(set("checkin"));
        assert!(h.history && !h.ratings && !h.watching && !h.watchlist);
        assert_eq!(Sources::for_actions(set("seen,scrobble")).requests(), 1);
        // watching, history, ratings, watchlist ×3, stats, comments, lists.
        assert_eq!(Sources::for_actions(user_actions()).requests(), 9);
        assert_eq!(Sources::for_actions(set("shout")).requests(), 1);
        let c = Sources::for_actions(set("shout,review"));
        assert!(c.comments && !c.lists && !c.collection && !c.movies);
        let l = Sources::for_actions(set("item_added"));
        assert!(l.lists && !l.comments && l.requests() == 1);
        let coll = Sources::for_actions(set("collection"));
        assert!(coll.collection && coll.movies && coll.requests() == 1);
        assert_eq!(Sources::for_actions(set("watchlist")).requests(), 3);
    }

    fn sub(actions: &str, show: Option<u64>) -> UserSub {
        UserSub {
            guild: crate::ids::GuildId(1),
            channel: crate::ids::ChannelId(2),
            user: crate::trakt::v2::UserSlug("moonfield".into()),
            profile: crate::store::Profile::default(),
            actions: set(actions),
            show: show.map(|trakt| crate::store::ShowFilter {
                trakt,
                slug: "s".into(),
                title: "S".into(),
            }),
            created_by: crate::ids::UserId(3),
            created_at: 0,
            state: crate::store::SubState::Active,
            since: None,
        }
    }

    #[test]
    fn movies_are_read_only_for_a_follow_not_narrowed_to_a_show() {
        let narrowed = Sources::for_follows(&[sub("watchlist,collection", Some(1393))]);
        assert!(narrowed.watchlist && narrowed.collection && !narrowed.movies);
        assert_eq!(narrowed.requests(), 3);
        let mixed = [sub("watchlist", Some(1393)), sub("seen", None)];
        assert!(!Sources::for_follows(&mixed).movies);
        let open = [sub("watchlist", Some(1393)), sub("collection", None)];
        let s = Sources::for_follows(&open);
        assert!(s.movies && s.watchlist && s.collection && s.requests() == 4);
        let mut off = sub("collection", None);
        off.state = crate::store::SubState::Disabled {
            reason: "x".into(),
            since: 0,
        };
        assert_eq!(Sources::for_follows(&[off]), Sources::default());
    }

    #[test]
    fn private_and_gone_users_disable_passing_failures_do_not() {
        assert!(disabling_reason(&V2Error::PrivateUser).is_some());
        assert!(disabling_reason(&V2Error::NotFound).is_some());
        let passing = V2Error::Transient {
            status: Some(502),
            reason: "x".into(),
        };
        assert_eq!(disabling_reason(&passing), None);
    }
}
