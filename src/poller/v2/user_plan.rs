//! Pure decisions of polling a followed user: which sources the follows'
//! actions need (a follow of `rating` only does not read history), what one
//! user costs per cycle, which channels an activity goes to, and whether a
//! failure disables the user's follows. No I/O here.

use crate::activity::Activity;
use crate::ids::ChannelId;
use crate::store::UserSub;
use crate::trakt::v2::V2Error;
use crate::trakt::{Action, ActionSet};

/// The actions a user follow can have: what a user's public sources serve
/// that this build reads (collection, comments and lists are not read yet).
pub fn user_actions() -> ActionSet {
    let mut s = ActionSet::none();
    for a in [
        Action::Watching,
        Action::Scrobble,
        Action::Checkin,
        Action::Seen,
        Action::Rating,
        Action::Watchlist,
    ] {
        s.insert(a);
    }
    s
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
    /// `/users/{id}/watchlist/shows/added`.
    pub watchlist: bool,
}

impl Sources {
    /// The sources `wanted` (the union of a user's follows' actions) needs.
    pub fn for_actions(wanted: ActionSet) -> Sources {
        Sources {
            watching: wanted.contains(Action::Watching),
            history: [Action::Scrobble, Action::Checkin, Action::Seen]
                .iter()
                .any(|a| wanted.contains(*a)),
            ratings: wanted.contains(Action::Rating),
            watchlist: wanted.contains(Action::Watchlist),
        }
    }

    /// Requests per cycle when each source fits one page (the usual case).
    pub fn requests(self) -> u32 {
        [self.watching, self.history, self.ratings, self.watchlist]
            .iter()
            .map(|b| u32::from(*b))
            .sum()
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
        assert_eq!(Sources::for_actions(user_actions()).requests(), 4);
        assert_eq!(Sources::for_actions(set("shout")).requests(), 0);
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
