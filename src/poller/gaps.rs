//! Gap memory, pure: what a poll commits as each show's watermark when its
//! walk stopped before the start of its window, and how the rest of that
//! window is fetched later.
//!
//! Trakt pages BACK from `current` (`end_ts`), so a walk stopped by the page
//! cap covered `[resume_at, current]` but not `[start, resume_at)`. The poller
//! then:
//! - keeps the show's stored watermark where it was (the lower bound of what
//!   is missing). That is the only persisted part: after a restart the show is
//!   simply polled again from there, and the store's dedupe keys make the
//!   repeats harmless;
//! - remembers, in memory, the gap's upper bound (`resume_at`) and the newest
//!   time covered (`head`, the walk's `current`);
//! - next cycle, asks for `[watermark − overlap, upper]` instead of a normal
//!   poll; each such walk ends strictly lower than the last, so the gap
//!   shrinks every cycle and closes; then the watermark moves to `head` and the
//!   show is polled normally from there. New activity of the show waits until
//!   the gap is closed.
//!
//! A second with over 100 items (a full page all in one second) cannot be
//! split by the v1 API: the client steps past it and reports it as a hole; the
//! poller logs each hole once per show and counts it, never retries it.

use std::collections::{BTreeSet, HashMap};

use super::plan::Origin;
use crate::store::ShowFollowers;
use crate::trakt::{Fetched, ShowRef, TraktTime};

/// Holes remembered per show, so each is logged once.
const MAX_LOGGED_HOLES: usize = 64;

/// The part of a show's window not fetched yet: `[watermark − overlap, upper]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gap {
    pub upper: TraktTime,
    /// Everything up to here is covered above `upper`: the watermark once the
    /// gap is closed.
    pub head: TraktTime,
}

/// What happened to a show's gap, for the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GapEvent {
    /// A walk stopped early: `[from, upper)` is missing.
    Opened {
        show: ShowRef,
        from: TraktTime,
        upper: TraktTime,
    },
    /// A walk into the gap stopped early again, lower down.
    Narrowed { show: ShowRef, upper: TraktTime },
    /// The gap is covered; the watermark moves to `head`.
    Closed { show: ShowRef, head: TraktTime },
}

/// Open gaps, and the holes already logged.
#[derive(Clone, Debug, Default)]
pub struct Gaps {
    open: HashMap<ShowRef, Gap>,
    /// The holes logged per show (the newest [`MAX_LOGGED_HOLES`]).
    logged_holes: HashMap<ShowRef, BTreeSet<TraktTime>>,
}

impl Gaps {
    pub fn get(&self, show: &ShowRef) -> Option<Gap> {
        self.open.get(show).copied()
    }

    pub fn open_count(&self) -> usize {
        self.open.len()
    }

    /// After a successful fetch of a batch from `origin`: the watermark to
    /// commit for each member, and what happened to gaps.
    pub fn settle(
        &mut self,
        origin: Origin,
        members: &[&ShowFollowers],
        fetched: &Fetched,
    ) -> (Vec<(ShowRef, TraktTime)>, Vec<GapEvent>) {
        let mut watermarks = Vec::with_capacity(members.len());
        let mut events = Vec::new();
        for f in members {
            let show = f.show.clone();
            let Some(old) = f.state.watermark else {
                // A first poll: only the clock matters.
                watermarks.push((show, fetched.current));
                continue;
            };
            let mark = match (origin, fetched.resume_at) {
                (Origin::Gap { head }, None) => {
                    self.open.remove(&show);
                    events.push(GapEvent::Closed {
                        show: show.clone(),
                        head,
                    });
                    head
                }
                (Origin::Gap { head }, Some(upper)) => {
                    self.open.insert(show.clone(), Gap { upper, head });
                    events.push(GapEvent::Narrowed {
                        show: show.clone(),
                        upper,
                    });
                    old
                }
                (_, None) => fetched.current,
                (_, Some(upper)) => {
                    let head = fetched.current;
                    self.open.insert(show.clone(), Gap { upper, head });
                    events.push(GapEvent::Opened {
                        show: show.clone(),
                        from: old,
                        upper,
                    });
                    old
                }
            };
            watermarks.push((show, mark));
        }
        (watermarks, events)
    }

    /// The holes of `fetched` not logged yet for `show`, oldest first, now
    /// remembered as logged.
    pub fn new_holes(&mut self, show: &ShowRef, fetched: &Fetched) -> Vec<TraktTime> {
        if fetched.holes.is_empty() {
            return Vec::new();
        }
        let logged = self.logged_holes.entry(show.clone()).or_default();
        let mut fresh: Vec<TraktTime> = fetched
            .holes
            .iter()
            .copied()
            .filter(|h| logged.insert(*h))
            .collect();
        while logged.len() > MAX_LOGGED_HOLES {
            logged.pop_first();
        }
        fresh.sort_unstable();
        fresh
    }

    /// Forget shows nobody follows any more.
    pub fn retain(&mut self, keep: impl Fn(&ShowRef) -> bool) {
        self.open.retain(|s, _| keep(s));
        self.logged_holes.retain(|s, _| keep(s));
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{followers, show};
    use super::*;

    fn fetched(current: i64, resume_at: Option<i64>, holes: &[i64]) -> Fetched {
        Fetched {
            current: TraktTime(current),
            activities: Vec::new(),
            requests: 1,
            skipped: 0,
            resume_at: resume_at.map(TraktTime),
            holes: holes.iter().copied().map(TraktTime).collect(),
        }
    }

    #[test]
    fn a_stopped_walk_keeps_the_watermark_and_the_gap_closes_later() {
        let known = followers("a", &[(1, "all")], Some(1_000), None);
        let fresh = followers("b", &[(1, "all")], None, None);
        let mut gaps = Gaps::default();
        let (marks, events) = gaps.settle(
            Origin::Pool,
            &[&known, &fresh],
            &fetched(9_000, Some(5_000), &[]),
        );
        assert_eq!(
            marks,
            vec![(show("a"), TraktTime(1_000)), (show("b"), TraktTime(9_000))],
            "the known show keeps its watermark; the fresh one only learns the clock"
        );
        assert_eq!(
            events,
            vec![GapEvent::Opened {
                show: show("a"),
                from: TraktTime(1_000),
                upper: TraktTime(5_000)
            }]
        );
        let gap = gaps.get(&show("a")).expect("open");
        assert_eq!(
            gap,
            Gap {
                upper: TraktTime(5_000),
                head: TraktTime(9_000)
            }
        );
        assert_eq!(gaps.get(&show("b")), None);

        let origin = Origin::Gap { head: gap.head };
        let (marks, events) = gaps.settle(origin, &[&known], &fetched(9_500, Some(3_000), &[]));
        assert_eq!(marks, vec![(show("a"), TraktTime(1_000))]);
        assert_eq!(
            events,
            vec![GapEvent::Narrowed {
                show: show("a"),
                upper: TraktTime(3_000)
            }]
        );
        assert_eq!(
            gaps.get(&show("a")).map(|g| g.upper),
            Some(TraktTime(3_000))
        );

        let (marks, events) = gaps.settle(origin, &[&known], &fetched(9_900, None, &[]));
        assert_eq!(
            marks,
            vec![(show("a"), TraktTime(9_000))],
            "the head, not the new clock"
        );
        assert_eq!(
            events,
            vec![GapEvent::Closed {
                show: show("a"),
                head: TraktTime(9_000)
            }]
        );
        assert_eq!(gaps.open_count(), 0);
    }

    #[test]
    fn a_complete_walk_moves_the_watermark_to_current() {
        let known = followers("a", &[(1, "all")], Some(1_000), None);
        let mut gaps = Gaps::default();
        let (marks, events) = gaps.settle(Origin::Cell, &[&known], &fetched(2_000, None, &[7]));
        assert_eq!(marks, vec![(show("a"), TraktTime(2_000))]);
        assert!(events.is_empty());
    }

    #[test]
    fn holes_are_reported_once_per_show() {
        let mut gaps = Gaps::default();
        let f = fetched(2_000, None, &[1_500, 1_200, 1_500]);
        assert_eq!(
            gaps.new_holes(&show("a"), &f),
            vec![TraktTime(1_200), TraktTime(1_500)]
        );
        assert!(
            gaps.new_holes(&show("a"), &f).is_empty(),
            "the overlap brings it back"
        );
        assert_eq!(gaps.new_holes(&show("b"), &f).len(), 2);
        let later = fetched(3_000, None, &[1_500, 2_500]);
        assert_eq!(gaps.new_holes(&show("a"), &later), vec![TraktTime(2_500)]);
        gaps.retain(|_| false);
        assert_eq!(gaps.new_holes(&show("a"), &f).len(), 2);
    }
}
