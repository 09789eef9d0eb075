//! Routing, pure: turning one fetch into one store commit — which activity goes
//! to which channels, and which watermark each show of the batch gets. The v1
//! wire items are mapped into `activity::Activity` here, right after the fetch.

use std::time::Duration;

use crate::activity::Activity;
use crate::store::{PollCommit, PollItem, ShowFollowers};
use crate::trakt::Fetched;

/// Turn a fetch into a commit: every activity goes to each show of the batch it
/// is about (an item naming no show belongs to the batch's only show), and from
/// there to the channels whose action set contains its action. Items older than
/// a show's own window are dropped; repeats are left to the store's dedupe keys.
/// Each show's watermark becomes the fetch's `current`, unless the walk stopped
/// before the window's start: then a known show keeps its watermark (see
/// `gaps`; a gap batch's commit is settled there).
pub fn route(
    members: &[&ShowFollowers],
    fetched: &Fetched,
    overlap: Duration,
    now: i64,
) -> PollCommit {
    // The edge: the v1 wire items become the bot's activity model here, once,
    // right after the fetch; everything downstream (store, delivery) keeps it.
    let activities: Vec<Activity> = fetched.activities.iter().map(Activity::from).collect();
    let mut items = Vec::new();
    for activity in &activities {
        let subject = activity.subject_show();
        for f in members {
            let about = match subject {
                Some(show) => show.is(&f.show),
                None => members.len() == 1,
            };
            if !about {
                continue;
            }
            let Some(watermark) = f.state.watermark else {
                continue; // first poll of this show: backlog is not announced
            };
            if activity.time() < watermark.minus_secs(overlap.as_secs()) {
                continue;
            }
            let channels: Vec<_> = f
                .channels
                .iter()
                .filter(|(_, wanted)| wanted.contains(activity.action))
                .map(|(c, _)| *c)
                .collect();
            if channels.is_empty() {
                continue;
            }
            items.push(PollItem {
                show: f.show.clone(),
                activity: activity.clone(),
                channels,
            });
        }
    }
    PollCommit {
        marks: Vec::new(),
        feeds: Vec::new(),
        watermarks: members
            .iter()
            .map(|f| {
                let mark = match f.state.watermark {
                    Some(old) if !fetched.is_complete() => old,
                    _ => fetched.current,
                };
                (f.show.clone(), mark)
            })
            .collect(),
        items,
        now,
        ..PollCommit::default()
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{activity, followers, show};
    use super::*;
    use crate::trakt::{ShowRef, TraktTime};

    #[test]
    fn route_sends_each_activity_to_the_channels_that_want_it() {
        let a = followers("a", &[(1, "seen,shout"), (2, "rating")], Some(1_000), None);
        let b = followers("b", &[(3, "all")], Some(1_000), None);
        let fetched = Fetched {
            current: TraktTime(1_100),
            activities: vec![
                activity(1, 1_010, "seen", Some("a")),
                activity(2, 1_020, "rating", Some("a")),
                activity(3, 1_030, "checkin", Some("a")), // nobody wants it
                activity(4, 1_040, "seen", Some("b")),
                activity(5, 900, "seen", Some("a")), // older than the overlap window
                activity(6, 950, "shout", Some("a")), // inside the overlap: kept (dedupe decides)
                activity(7, 1_050, "seen", None),    // names no show in a 2-show batch
            ],
            requests: 1,
            skipped: 0,
            resume_at: None,
            holes: Vec::new(),
        };
        let commit = route(&[&a, &b], &fetched, Duration::from_secs(60), 7);
        let routed: Vec<(u64, &str, Vec<u64>)> = commit
            .items
            .iter()
            .map(|i| {
                (
                    i.activity
                        .key
                        .0
                        .strip_prefix("episode:")
                        .unwrap()
                        .parse::<u64>()
                        .unwrap(),
                    match &i.show {
                        ShowRef::Slug(s) => s.as_str(),
                        ShowRef::Tvdb(_) | ShowRef::Trakt(_) => "?",
                    },
                    i.channels.iter().map(|c| c.get()).collect(),
                )
            })
            .collect();
        assert_eq!(
            routed,
            vec![
                (1, "a", vec![1]),
                (2, "a", vec![2]),
                (4, "b", vec![3]),
                (6, "a", vec![1]),
            ]
        );
        assert_eq!(
            commit.watermarks,
            vec![(show("a"), TraktTime(1_100)), (show("b"), TraktTime(1_100))]
        );
        assert_eq!(commit.now, 7);
    }

    #[test]
    fn route_gives_showless_items_to_a_single_show_and_skips_first_polls() {
        let a = followers("a", &[(1, "all")], Some(1_000), None);
        let fetched = Fetched {
            current: TraktTime(1_100),
            activities: vec![activity(1, 1_010, "seen", None)],
            requests: 1,
            skipped: 0,
            resume_at: None,
            holes: Vec::new(),
        };
        let commit = route(&[&a], &fetched, Duration::from_secs(60), 0);
        assert_eq!(commit.items.len(), 1);

        // A show never polled before only gets its watermark: no backlog.
        let fresh = followers("a", &[(1, "all")], None, None);
        let commit = route(&[&fresh], &fetched, Duration::from_secs(60), 0);
        assert!(commit.items.is_empty());
        assert_eq!(commit.watermarks, vec![(show("a"), TraktTime(1_100))]);
    }

    #[test]
    fn a_stopped_walk_keeps_known_watermarks() {
        let a = followers("a", &[(1, "all")], Some(1_000), None);
        let fresh = followers("b", &[(1, "all")], None, None);
        let fetched = Fetched {
            current: TraktTime(9_000),
            activities: vec![activity(1, 8_000, "seen", Some("a"))],
            requests: 50,
            skipped: 0,
            resume_at: Some(TraktTime(7_000)),
            holes: Vec::new(),
        };
        let commit = route(&[&a, &fresh], &fetched, Duration::from_secs(60), 0);
        assert_eq!(commit.items.len(), 1, "what was fetched is still delivered");
        assert_eq!(
            commit.watermarks,
            vec![(show("a"), TraktTime(1_000)), (show("b"), TraktTime(9_000))]
        );
    }

    /// Mapping at the edge routes as before: over every v1 fixture item, the
    /// mapped activity names the same show (page and TVDB id) as the wire item.
    #[test]
    fn the_mapped_activity_is_about_the_same_show_as_the_wire_item() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut compared = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if !name.ends_with(".json") || name.starts_with("error-") {
                continue;
            }
            let page = crate::trakt::parse_activity_page(&std::fs::read(&path).unwrap()).unwrap();
            for v1 in &page.activities {
                let wire = v1.subject_show().map(|s| (s.url.clone(), s.tvdb_id));
                let model = Activity::from(v1);
                let mapped = model.subject_show().map(|s| (s.url.clone(), s.tvdb));
                assert_eq!(mapped, wire, "{name}: {:?}", v1.key());
                compared += 1;
            }
        }
        assert!(compared > 100, "{compared} items compared");
    }
}
