//! Which entries go into a channel's next message: the pending batch digested
//! ([`format::digest`]) with each entry's follow's digest switch, the first
//! message of it and exactly the entries it holds. Pure.
//!
//! A channel where some follow wants digests reads up to [`DIGEST_SCAN`]
//! pending entries, so a burst folds; otherwise one message's worth. The
//! entries of a first message, digested again alone (a resend after a crash),
//! give the same message, so the nonce and the read-back check still hold.

use std::collections::HashMap;

use crate::format;
use crate::format::buttons::ActionRow;
use crate::format::digest::Item;
use crate::ids::OutboxId;
use crate::store::{OutboxEntry, Subscription};
use crate::trakt::ShowRef;

/// Pending entries read at once when digests are on in the channel.
pub(super) const DIGEST_SCAN: usize = 1000;

/// Each followed show's digest switch in one channel (a show without a
/// follow, e.g. unfollowed meanwhile, counts as on).
#[derive(Clone, Debug, Default)]
pub(super) struct Switches(HashMap<ShowRef, bool>);

impl Switches {
    pub fn of(follows: &[Subscription]) -> Self {
        Switches(follows.iter().map(|s| (s.show.clone(), s.digest)).collect())
    }

    fn on(&self, show: &ShowRef) -> bool {
        self.0.get(show).copied().unwrap_or(true)
    }

    /// How many pending entries to read: many when any follow folds.
    pub fn scan(&self, batch: usize) -> usize {
        if self.0.values().any(|on| *on) {
            DIGEST_SCAN.max(batch)
        } else {
            batch
        }
    }
}

/// The channel's next message.
pub(super) struct Next {
    pub message: Option<format::Message>,
    /// The entries the message holds (all of them on an empty message).
    pub held: Vec<OutboxId>,
    pub links: Vec<ActionRow>,
}

/// The first message of `entries` (oldest first) digested with `switches`.
pub(super) fn next_message(entries: &[OutboxEntry], switches: &Switches) -> Next {
    let items: Vec<Item<'_>> = entries
        .iter()
        .map(|e| Item {
            activity: &e.activity,
            digest: switches.on(&e.show),
        })
        .collect();
    match format::digest::messages(&items).into_iter().next() {
        Some((message, members)) => {
            let held: Vec<&OutboxEntry> = members.iter().filter_map(|i| entries.get(*i)).collect();
            Next {
                links: format::buttons::link_rows(held.iter().map(|e| &e.activity)),
                held: held.iter().map(|e| e.id).collect(),
                message: Some(message),
            }
        }
        None => Next {
            message: None,
            held: entries.iter().map(|e| e.id).collect(),
            links: Vec::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::{Activity, ActivityKey, Episode, Show, Subject, TraktTime, User};
    use crate::ids::ChannelId;
    use crate::trakt::Action;

    fn entry(id: u64, show: &str, who: &str) -> OutboxEntry {
        let activity = Activity {
            action: Action::Checkin,
            time: TraktTime(1_700_000_000 + id as i64),
            key: ActivityKey(format!("k{id}")),
            user: User {
                username: who.into(),
                ..User::default()
            },
            subject: Subject::Episode {
                show: Some(Show {
                    slug: Some(show.into()),
                    title: Some(show.into()),
                    ..Show::default()
                }),
                episode: Episode {
                    season: Some(1),
                    number: Some(1),
                    ..Episode::default()
                },
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
            queued_at: 0,
        }
    }

    fn switches(off: &[&str]) -> Switches {
        Switches(
            ["fargo", "lost"]
                .iter()
                .map(|s| (ShowRef::parse(s).expect("a slug"), !off.contains(s)))
                .collect(),
        )
    }

    #[test]
    fn the_next_message_holds_whole_digests_and_resends_identically() {
        let mut entries: Vec<OutboxEntry> = (1..=30)
            .map(|i| entry(i, "fargo", &format!("u{i}")))
            .collect();
        entries.extend((31..=45).map(|i| entry(i, "lost", &format!("u{i}"))));
        let next = next_message(&entries, &switches(&["lost"]));
        let message = next.message.clone().expect("a message");
        // One digest of 30 and the first 9 of lost's 15 singles.
        assert_eq!(message.embeds.len(), 10);
        assert_eq!(next.held.len(), 39);
        assert_eq!(next.held.first(), Some(&OutboxId(1)));
        // The same entries alone (a resend from the in-flight marker) give the
        // same message.
        let again: Vec<OutboxEntry> = entries
            .iter()
            .filter(|e| next.held.contains(&e.id))
            .cloned()
            .collect();
        let resend = next_message(&again, &switches(&["lost"]));
        assert_eq!(resend.message, Some(message));
        assert_eq!(resend.held, next.held);
        assert_eq!(next.links.len(), 0, "two shows: no link row");
    }

    #[test]
    fn without_digests_a_message_is_ten_embeds_and_reads_one_message() {
        let entries: Vec<OutboxEntry> = (1..=12)
            .map(|i| entry(i, "fargo", &format!("u{i}")))
            .collect();
        let off = switches(&["fargo", "lost"]);
        assert_eq!(off.scan(10), 10);
        assert_eq!(switches(&["lost"]).scan(10), DIGEST_SCAN);
        let next = next_message(&entries, &off);
        assert_eq!(next.message.map(|m| m.embeds.len()), Some(10));
        assert_eq!(next.held, (1..=10).map(OutboxId).collect::<Vec<_>>());
        // A show nobody follows any more counts as on.
        let next = next_message(&entries, &Switches::default());
        assert_eq!(next.message.map(|m| m.embeds.len()), Some(1));
        assert_eq!(next.held.len(), 12);
    }
}
