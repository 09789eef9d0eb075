//! Planning, pure: which shows are due at a moment, and how they are grouped
//! into requests.
//!
//! Three kinds of batch, never mixed:
//! - the pool: every due show that is neither split off nor catching up a gap,
//!   sorted and cut at `batch_size` (and the URL bound). Never-polled ("fresh")
//!   shows ride with known ones, so a steady cycle costs exactly
//!   `ceil(due / batch_size)` requests. A batch with a known show starts at its
//!   members' oldest watermark − overlap (a fresh show's first answer only sets
//!   its watermark; `route` skips its items); a batch of fresh shows only asks
//!   for ONE page (`Pages::One`): it only learns `current`.
//! - split cells (`split::Splits`): the due members of each cell, on their own;
//! - gaps (`gaps::Gaps`): shows whose last walk stopped early, asked for the
//!   part of their window still missing (`end` = the gap's upper bound).

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use super::gaps::Gaps;
use super::split::Splits;
use crate::store::ShowFollowers;
use crate::trakt::client::Pages;
use crate::trakt::url::{batches, MAX_URL_LEN};
use crate::trakt::{ActionSet, ShowRef, TraktTime};

/// Where a batch comes from; decides what its answer commits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The pool of ordinary shows.
    Pool,
    /// A split cell (see `split`).
    Cell,
    /// The rest of a stopped walk; once covered, the watermark moves to `head`.
    Gap { head: TraktTime },
}

/// One request to make: a batch of shows with a shared window.
#[derive(Clone, Debug, PartialEq)]
pub struct Batch {
    pub shows: Vec<ShowRef>,
    pub actions: ActionSet,
    /// `None` when every show is new: the first answer only sets the watermarks.
    pub start: Option<TraktTime>,
    /// Upper bound, for a gap; `None` otherwise.
    pub end: Option<TraktTime>,
    pub pages: Pages,
    pub origin: Origin,
}

/// Shows due at `now` (wall clock, only for our own backoff schedule), batched,
/// with nothing split and no gap open.
pub fn plan(
    followed: &[ShowFollowers],
    now: i64,
    batch_size: usize,
    overlap: Duration,
) -> Vec<Batch> {
    plan_with(
        &followed.iter().collect::<Vec<_>>(),
        now,
        batch_size,
        overlap,
        &Splits::default(),
        &Gaps::default(),
    )
}

/// As [`plan`], with the poller's memory of split cells and open gaps; the
/// shows are borrowed (the cycle's due shows, never copied).
pub fn plan_with(
    followed: &[&ShowFollowers],
    now: i64,
    batch_size: usize,
    overlap: Duration,
    splits: &Splits,
    gaps: &Gaps,
) -> Vec<Batch> {
    let by_show: HashMap<&ShowRef, &ShowFollowers> =
        followed.iter().map(|f| (&f.show, *f)).collect();
    let mut pool = Vec::new();
    let mut cells: BTreeMap<u64, Vec<&ShowFollowers>> = BTreeMap::new();
    let mut gapped: BTreeMap<(TraktTime, TraktTime), Vec<&ShowFollowers>> = BTreeMap::new();
    for &f in followed
        .iter()
        .filter(|f| f.state.next_attempt.is_none_or(|at| at <= now))
    {
        if let (Some(gap), Some(_)) = (gaps.get(&f.show), f.state.watermark) {
            gapped.entry((gap.upper, gap.head)).or_default().push(f);
        } else if let Some(cell) = splits.cell_of(&f.show) {
            cells.entry(cell).or_default().push(f);
        } else {
            pool.push(f);
        }
    }
    let mut out = Vec::new();
    let mut add = |group: &[&ShowFollowers], end: Option<TraktTime>, origin: Origin| {
        for shows in batches(
            group.iter().map(|f| f.show.clone()),
            batch_size,
            MAX_URL_LEN,
        ) {
            let members: Vec<&ShowFollowers> = shows
                .iter()
                .filter_map(|s| by_show.get(s).copied())
                .collect();
            out.push(make_batch(shows, &members, end, origin, overlap));
        }
    };
    add(&pool, None, Origin::Pool);
    for group in cells.values() {
        add(group, None, Origin::Cell);
    }
    for ((upper, head), group) in &gapped {
        add(group, Some(*upper), Origin::Gap { head: *head });
    }
    out
}

fn make_batch(
    shows: Vec<ShowRef>,
    members: &[&ShowFollowers],
    end: Option<TraktTime>,
    origin: Origin,
    overlap: Duration,
) -> Batch {
    let actions = members
        .iter()
        .fold(ActionSet::none(), |acc, f| acc.union(f.wanted));
    let start = members
        .iter()
        .filter_map(|f| f.state.watermark)
        .min()
        .map(|w| w.minus_secs(overlap.as_secs()));
    Batch {
        shows,
        actions,
        start,
        end,
        pages: if start.is_some() {
            Pages::All
        } else {
            Pages::One
        },
        origin,
    }
}

/// The same batch narrowed to `shows` (a half of a split), with the window
/// recomputed for those members.
pub fn narrow(
    batch: &Batch,
    shows: Vec<ShowRef>,
    members: &[&ShowFollowers],
    overlap: Duration,
) -> Batch {
    let members: Vec<&ShowFollowers> = members
        .iter()
        .copied()
        .filter(|m| shows.contains(&m.show))
        .collect();
    let origin = match batch.origin {
        Origin::Pool => Origin::Cell,
        other => other,
    };
    make_batch(shows, &members, batch.end, origin, overlap)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{followers, show};
    use super::*;
    use crate::trakt::Fetched;

    #[test]
    fn plan_batches_due_shows_and_lets_fresh_ones_ride_with_known_ones() {
        let followed = vec![
            followers("a", &[(1, "seen")], Some(1_000), None),
            followers("b", &[(2, "shout")], Some(900), None),
            followers("c", &[(3, "rating")], Some(950), Some(10_000)), // backing off
            followers("d", &[(4, "all")], None, None),                 // never polled
            followers("e", &[(5, "seen")], Some(1_200), Some(50)),     // due again
        ];
        let plan = plan(&followed, 100, 2, Duration::from_secs(60));
        assert_eq!(plan.len(), 2, "{plan:?}");
        assert_eq!(plan[0].shows, vec![show("a"), show("b")]);
        assert_eq!(plan[0].start, Some(TraktTime(840)));
        assert_eq!(plan[0].actions, ActionSet::parse("seen,shout").unwrap());
        assert_eq!(plan[0].pages, Pages::All);
        // The fresh show rides with a known one, from the known start.
        assert_eq!(plan[1].shows, vec![show("d"), show("e")]);
        assert_eq!(plan[1].start, Some(TraktTime(1_140)));
        assert_eq!(plan[1].pages, Pages::All);
        assert!(plan
            .iter()
            .all(|b| b.end.is_none() && b.origin == Origin::Pool));
    }

    #[test]
    fn a_batch_of_fresh_shows_asks_for_one_page() {
        let followed = vec![
            followers("a", &[(1, "all")], None, None),
            followers("b", &[(1, "all")], None, None),
        ];
        let plan = plan(&followed, 0, 20, Duration::from_secs(60));
        assert_eq!(plan.len(), 1);
        assert_eq!((plan[0].start, plan[0].pages), (None, Pages::One));
    }

    #[test]
    fn plan_makes_one_request_per_batch_not_per_subscription() {
        let channels: Vec<(u64, &str)> = (0..20).map(|c| (c, "all")).collect();
        let followed: Vec<ShowFollowers> = (0..100)
            .map(|i| followers(&format!("show-{i}"), &channels, Some(5), None))
            .collect();
        assert_eq!(plan(&followed, 0, 20, Duration::from_secs(60)).len(), 5);
    }

    #[test]
    fn the_floor_holds_when_new_follows_join_known_ones() {
        let followed: Vec<ShowFollowers> = (0..200)
            .map(|i| {
                let watermark = (i >= 7).then_some(5_000);
                followers(&format!("show-{i:03}"), &[(1, "all")], watermark, None)
            })
            .collect();
        assert_eq!(plan(&followed, 0, 20, Duration::from_secs(60)).len(), 10);
    }

    #[test]
    fn split_cells_and_gaps_get_their_own_batches() {
        let followed: Vec<ShowFollowers> = ["a", "b", "c", "d", "e"]
            .iter()
            .map(|s| followers(s, &[(1, "all")], Some(1_000), None))
            .collect();
        let mut splits = Splits::default();
        splits.split(&[show("a"), show("b"), show("c")]);
        let mut gaps = Gaps::default();
        let members: Vec<&ShowFollowers> = vec![&followed[4]];
        let fetched = Fetched {
            current: TraktTime(2_000),
            activities: Vec::new(),
            requests: 50,
            skipped: 0,
            resume_at: Some(TraktTime(1_500)),
            holes: Vec::new(),
        };
        gaps.settle(Origin::Pool, &members, &fetched);
        let refs: Vec<&ShowFollowers> = followed.iter().collect();
        let plan = plan_with(&refs, 0, 20, Duration::from_secs(60), &splits, &gaps);
        let shape: Vec<(Vec<ShowRef>, Origin, Option<TraktTime>)> = plan
            .iter()
            .map(|b| (b.shows.clone(), b.origin, b.end))
            .collect();
        assert_eq!(
            shape,
            vec![
                (vec![show("d")], Origin::Pool, None),
                (vec![show("a")], Origin::Cell, None),
                (vec![show("b"), show("c")], Origin::Cell, None),
                (
                    vec![show("e")],
                    Origin::Gap {
                        head: TraktTime(2_000)
                    },
                    Some(TraktTime(1_500))
                ),
            ]
        );
        assert_eq!(plan[3].start, Some(TraktTime(940)));
    }
}
