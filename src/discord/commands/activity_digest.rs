//! Pure: what `/activity` shows, newest first: with `digest` (the default)
//! the activities found are folded exactly as notifications are
//! (`format::digest`, every activity's follow treated as wanting digests),
//! else one embed each; then the first message's worth (at most
//! [`SHOWN`] embeds within Discord's size limits) and how many activities
//! those embeds stand for.

use crate::activity::Activity;
use crate::format;
use crate::format::digest::Item;

/// Most embeds one reply shows.
pub(super) const SHOWN: usize = format::limits::EMBEDS_PER_MESSAGE;

/// The reply's message and how many of `items` (newest first) it shows.
pub(super) fn shown(items: &[Activity], digest: bool) -> (format::Message, usize) {
    let tagged: Vec<(format::Embed, usize)> = if digest {
        // The digest reads a batch oldest first, as the outbox holds it.
        let batch: Vec<Item<'_>> = items
            .iter()
            .rev()
            .map(|activity| Item {
                activity,
                digest: true,
            })
            .collect();
        let mut parts = format::digest::digest(&batch);
        // Newest first: by each part's newest member.
        parts.sort_by_key(|p| std::cmp::Reverse(p.members.last().copied()));
        parts
            .into_iter()
            .take(SHOWN)
            .map(|p| (p.embed, p.members.len()))
            .collect()
    } else {
        items
            .iter()
            .take(SHOWN)
            .map(|a| (format::render(a), 1))
            .collect()
    };
    match format::pack_tagged(tagged).into_iter().next() {
        Some((message, counts)) => (message, counts.iter().sum()),
        None => (format::Message { embeds: Vec::new() }, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::{ActivityKey, Episode, Show, Subject, TraktTime, User};
    use crate::trakt::Action;

    fn activity(i: i64, action: Action, episode: u64) -> Activity {
        Activity {
            action,
            time: TraktTime(1_700_000_000 + i),
            key: ActivityKey(format!("k{i}")),
            user: User {
                username: format!("fan{i}"),
                ..User::default()
            },
            subject: Subject::Episode {
                show: Some(Show {
                    slug: Some("fargo".into()),
                    title: Some("Fargo".into()),
                    ..Show::default()
                }),
                episode: Episode {
                    season: Some(1),
                    number: Some(episode),
                    ..Episode::default()
                },
            },
            comment: None,
            list: None,
            list_item: None,
            rating: None,
        }
    }

    /// 30 check-ins to E01 then 3 to E02, newest first as `/activity` has them.
    fn found() -> Vec<Activity> {
        let mut items: Vec<Activity> = (0..30).map(|i| activity(i, Action::Checkin, 1)).collect();
        items.extend((30..33).map(|i| activity(i, Action::Checkin, 2)));
        items.reverse();
        items
    }

    #[test]
    fn a_burst_folds_like_a_notification_newest_first() {
        let (message, n) = shown(&found(), true);
        assert_eq!(n, 33, "every activity found is shown");
        assert_eq!(message.embeds.len(), 2);
        let titles: Vec<String> = message
            .embeds
            .iter()
            .map(|e| e.title.clone().unwrap_or_default())
            .collect();
        assert!(titles[0].contains("E02"), "newest first: {titles:?}");
        assert!(titles[1].contains("E01"), "{titles:?}");
        // The same embed a channel gets for that burst.
        let oldest_first: Vec<Activity> = found().into_iter().rev().take(30).collect();
        let items: Vec<Item<'_>> = oldest_first
            .iter()
            .map(|activity| Item {
                activity,
                digest: true,
            })
            .collect();
        let notified = format::digest::messages(&items);
        assert_eq!(notified[0].0.embeds[0], message.embeds[1]);
    }

    #[test]
    fn without_digest_it_is_ten_embeds_newest_first() {
        let (message, n) = shown(&found(), false);
        assert_eq!((message.embeds.len(), n), (10, 10));
        assert_eq!(message.embeds[0], format::render(&found()[0]));
        let (message, n) = shown(&[], true);
        assert_eq!((message.embeds.len(), n), (0, 0));
    }
}
