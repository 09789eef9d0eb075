//! Pure: digest windows (`/follow … digest_window:2m`). A follow with a window
//! has its pending entries held back until the oldest of them has waited that
//! long (measured from when it was queued, so a restart does not reset it);
//! then all of that follow's pending entries go out together and fold into
//! one digest. Only that follow waits: the channel's other follows are sent
//! as usual meanwhile (they may overtake the held, older entries), and the
//! channel task sleeps only while everything it has pending is held, until
//! the earliest window ends or something new is queued.
//!
//! Entries of user follows (`OutboxEntry::user`) never wait: windows belong
//! to show follows.

use std::collections::HashMap;
use std::time::Duration;

use crate::store::{OutboxEntry, Subscription};
use crate::trakt::ShowRef;

/// Each windowed show follow of one channel and its window, in seconds.
#[derive(Clone, Debug, Default)]
pub(super) struct Windows(HashMap<ShowRef, i64>);

impl Windows {
    pub fn of(follows: &[Subscription]) -> Self {
        Windows(
            follows
                .iter()
                .filter_map(|s| {
                    let w = s.digest_window.filter(|w| !w.is_zero())?;
                    Some((s.show.clone(), secs(w)))
                })
                .collect(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

/// What may be sent now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Held {
    /// Indices (ascending) of the entries that may go out now.
    pub ready: Vec<usize>,
    /// The earliest Unix second at which a held follow's window ends; `None`
    /// when nothing is held.
    pub until: Option<i64>,
}

impl Held {
    /// Keep only the entries that may go out now (`entries` is what
    /// [`hold`] was given).
    pub fn keep_ready<T>(&self, entries: &mut Vec<T>) {
        if self.ready.len() == entries.len() {
            return;
        }
        let mut keep = vec![false; entries.len()];
        for i in &self.ready {
            if let Some(k) = keep.get_mut(*i) {
                *k = true;
            }
        }
        let mut keep = keep.into_iter();
        entries.retain(|_| keep.next().unwrap_or(false));
    }
}

/// Split `entries` (oldest first) into what may be sent at Unix second `now`
/// and when the first held follow ripens.
pub(super) fn hold(entries: &[OutboxEntry], windows: &Windows, now: i64) -> Held {
    if windows.is_empty() {
        return Held {
            ready: (0..entries.len()).collect(),
            until: None,
        };
    }
    // The oldest pending entry of each windowed follow.
    let mut oldest: HashMap<&ShowRef, i64> = HashMap::new();
    for e in entries.iter().filter(|e| e.user.is_none()) {
        if windows.0.contains_key(&e.show) {
            let t = oldest.entry(&e.show).or_insert(e.queued_at);
            *t = (*t).min(e.queued_at);
        }
    }
    let ripens: HashMap<&ShowRef, i64> = oldest
        .into_iter()
        .filter_map(|(show, t)| {
            let w = windows.0.get(show)?;
            Some((show, t.saturating_add(*w)))
        })
        .filter(|(_, at)| *at > now)
        .collect();
    let ready = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.user.is_some() || !ripens.contains_key(&e.show))
        .map(|(i, _)| i)
        .collect();
    Held {
        ready,
        until: ripens.values().copied().min(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::{Activity, ActivityKey, Subject, TraktTime, User};
    use crate::ids::{ChannelId, OutboxId};
    use crate::trakt::Action;

    fn entry(id: u64, show: &str, queued_at: i64) -> OutboxEntry {
        let activity = Activity {
            action: Action::Checkin,
            time: TraktTime(1_700_000_000),
            key: ActivityKey(format!("k{id}")),
            user: User::default(),
            subject: Subject::Episode {
                show: None,
                episode: crate::activity::Episode::default(),
            },
            comment: None,
            list: None,
            list_item: None,
            rating: None,
        };
        OutboxEntry {
            user: None,
            id: OutboxId(id),
            channel: ChannelId(1),
            show: ShowRef::parse(show).expect("a slug"),
            key: activity.key.clone(),
            activity,
            queued_at,
        }
    }

    fn windows(of: &[(&str, i64)]) -> Windows {
        Windows(
            of.iter()
                .map(|(s, w)| (ShowRef::parse(s).expect("a slug"), *w))
                .collect(),
        )
    }

    fn fargo() -> Subscription {
        Subscription {
            guild: crate::ids::GuildId(1),
            channel: ChannelId(1),
            show: ShowRef::parse("fargo").expect("a slug"),
            title: "Fargo".into(),
            slug: None,
            actions: crate::trakt::ActionSet::all(),
            created_by: crate::ids::UserId(2),
            created_at: 0,
            state: crate::store::SubState::Active,
            since: None,
            delivery: Default::default(),
            digest: true,
            digest_window: None,
        }
    }

    #[test]
    fn without_windows_everything_goes_now() {
        let entries = vec![entry(1, "fargo", 100), entry(2, "lost", 100)];
        let held = hold(&entries, &Windows::default(), 100);
        assert_eq!(held.ready, vec![0, 1]);
        assert_eq!(held.until, None);
    }

    #[test]
    fn a_windowed_follow_waits_until_its_oldest_entry_is_that_old() {
        // fargo waits 120 s from its oldest entry (queued at 100).
        let entries = vec![
            entry(1, "fargo", 100),
            entry(2, "lost", 110),
            entry(3, "fargo", 150),
        ];
        let w = windows(&[("fargo", 120)]);
        let held = hold(&entries, &w, 219);
        assert_eq!(held.ready, vec![1], "lost is not held up by fargo");
        assert_eq!(held.until, Some(220));
        let mut left = entries.clone();
        held.keep_ready(&mut left);
        assert_eq!(left.iter().map(|e| e.id).collect::<Vec<_>>(), [OutboxId(2)]);
        // At 220 the oldest is 120 s old: all of fargo goes, the newer one too.
        let held = hold(&entries, &w, 220);
        assert_eq!(held.ready, vec![0, 1, 2]);
        assert_eq!(held.until, None);
    }

    #[test]
    fn the_earliest_window_says_when_to_look_again() {
        let entries = vec![
            entry(1, "fargo", 100),
            entry(2, "lost", 130),
            entry(3, "lost", 90),
        ];
        let w = windows(&[("fargo", 60), ("lost", 60)]);
        let held = hold(&entries, &w, 100);
        assert!(held.ready.is_empty());
        assert_eq!(held.until, Some(150), "lost's oldest (90) ripens first");
        let held = hold(&entries, &w, 155);
        assert_eq!(held.ready, vec![1, 2]);
        assert_eq!(held.until, Some(160));
    }

    #[test]
    fn user_follow_entries_and_other_channels_shows_never_wait() {
        let mut by_user = entry(1, "fargo", 100);
        by_user.user = Some(crate::trakt::v2::UserSlug("walter".into()));
        let entries = vec![by_user, entry(2, "fargo", 100)];
        let held = hold(&entries, &windows(&[("fargo", 60)]), 100);
        assert_eq!(held.ready, vec![0]);
        assert_eq!(held.until, Some(160));
    }

    #[test]
    fn windows_come_from_the_follows_and_zero_is_none() {
        let mut sub = fargo();
        assert!(Windows::of(std::slice::from_ref(&sub)).is_empty());
        sub.digest_window = Some(Duration::ZERO);
        assert!(Windows::of(std::slice::from_ref(&sub)).is_empty());
        sub.digest_window = Some(Duration::from_secs(90));
        let w = Windows::of(std::slice::from_ref(&sub));
        let held = hold(&[entry(1, "fargo", 10)], &w, 99);
        assert_eq!(held.until, Some(100));
    }

    #[test]
    fn a_window_is_stored_as_humantime_and_absent_means_none() {
        let mut sub = fargo();
        let json = serde_json::to_value(&sub).expect("json");
        assert!(json.get("digest_window").is_none(), "{json}");
        sub.digest_window = Some(Duration::from_secs(120));
        let json = serde_json::to_value(&sub).expect("json");
        assert_eq!(json["digest_window"], serde_json::json!("2m"));
        let back: Subscription = serde_json::from_value(json).expect("back");
        assert_eq!(back, sub);
    }
}
