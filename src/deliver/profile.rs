//! Pure: how a channel's pending entries are sent, from the settings of the
//! follow each came from ([`Delivery`]): whether the message pings a role, is
//! quiet, or is crossposted. One message never mixes profiles: a batch ends
//! before the first entry whose profile differs from the oldest one's, so a
//! message pings exactly when every activity in it asked for that ping, and
//! the next message starts with the entry that did not.

use std::collections::HashMap;

use crate::format::ping::Notify;
use crate::store::{Delivery, OutboxEntry, Subscription};
use crate::trakt::{Action, ShowRef};

/// How one message is sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    pub notify: Notify,
    /// Crosspost it after Discord accepted it.
    pub publish: bool,
}

impl Profile {
    /// The profile of an activity of `action` for a follow with `delivery`;
    /// an entry whose follow is gone gets the default (no ping).
    pub fn of(delivery: Option<&Delivery>, action: Action) -> Profile {
        let Some(d) = delivery else {
            return Profile::default();
        };
        let notify = match d.ping_for(action) {
            Some(role) => Notify::Ping(role),
            None if d.quiet => Notify::Quiet,
            None => Notify::Plain,
        };
        Profile {
            notify,
            publish: d.publish,
        }
    }
}

/// The profile of each entry, from the channel's subscriptions.
pub fn profiles(entries: &[OutboxEntry], subs: &[Subscription]) -> Vec<Profile> {
    let by_show: HashMap<&ShowRef, &Delivery> =
        subs.iter().map(|s| (&s.show, &s.delivery)).collect();
    entries
        .iter()
        .map(|e| Profile::of(by_show.get(&e.show).copied(), e.activity.action))
        .collect()
}

/// How many of the oldest entries share the first one's profile (at least
/// one when there are any), and that profile.
pub fn uniform_prefix(profiles: &[Profile]) -> (usize, Profile) {
    let Some(first) = profiles.first().copied() else {
        return (0, Profile::default());
    };
    let n = profiles.iter().take_while(|p| **p == first).count();
    (n, first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::RoleId;
    use crate::trakt::ActionSet;

    fn pinging(on: &str) -> Delivery {
        Delivery {
            ping: Some(RoleId(9)),
            ping_on: Some(ActionSet::parse(on).unwrap()),
            quiet: true,
            publish: false,
        }
    }

    #[test]
    fn a_ping_only_for_its_actions_else_quiet_when_asked() {
        let d = pinging("review");
        assert_eq!(
            Profile::of(Some(&d), Action::Review).notify,
            Notify::Ping(RoleId(9))
        );
        assert_eq!(Profile::of(Some(&d), Action::Shout).notify, Notify::Quiet);
        let loud = Delivery { quiet: false, ..d };
        assert_eq!(
            Profile::of(Some(&loud), Action::Shout).notify,
            Notify::Plain
        );
        assert_eq!(Profile::of(None, Action::Review), Profile::default());
    }

    #[test]
    fn a_batch_ends_where_the_profile_changes() {
        let ping = Profile {
            notify: Notify::Ping(RoleId(9)),
            publish: false,
        };
        let plain = Profile::default();
        assert_eq!(uniform_prefix(&[]), (0, plain));
        assert_eq!(uniform_prefix(&[plain, plain, ping, plain]), (2, plain));
        assert_eq!(uniform_prefix(&[ping, plain]), (1, ping));
        assert_eq!(uniform_prefix(&[ping, ping]), (2, ping));
    }
}
