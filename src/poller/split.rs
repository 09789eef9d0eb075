//! Split memory, pure: which shows are polled apart from the pool because a
//! batch of theirs kept failing with transient errors (5xx, timeouts, after
//! the client's own retries).
//!
//! A pool batch that fails [`SPLIT_AFTER`] times in a row (counted per show, so
//! a batch whose make-up shifts still counts) is split in halves, each
//! remembered as a *cell*. A cell is already a suspect, so a failing cell of
//! two or more is split again at once. A cell whose polls succeed
//! [`MERGE_AFTER`] times in a row dissolves: its shows rejoin the pool, so a
//! split does not outlive the trouble (requests return to the floor). The one
//! failing show ends in a cell of its own and backs off alone; it rejoins the
//! pool once it has recovered. Memory only: a restart starts unsplit, and the
//! search runs again if the show still fails.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::trakt::ShowRef;

/// Consecutive failures of a pool batch before it is split.
pub const SPLIT_AFTER: u32 = 2;
/// Consecutive successes of a cell before its shows rejoin the pool.
pub const MERGE_AFTER: u32 = 2;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Cell {
    members: BTreeSet<ShowRef>,
    successes: u32,
}

/// Cells, and failure streaks of pool shows.
#[derive(Clone, Debug, Default)]
pub struct Splits {
    cells: BTreeMap<u64, Cell>,
    cell_of: HashMap<ShowRef, u64>,
    streak: HashMap<ShowRef, u32>,
    next_id: u64,
}

impl Splits {
    /// The cell `show` is polled in, if it is split off.
    pub fn cell_of(&self, show: &ShowRef) -> Option<u64> {
        self.cell_of.get(show).copied()
    }

    /// How many cells exist.
    pub fn cell_count(&self) -> usize {
        self.cells.len()
    }

    /// A batch of `shows` failed transiently. Answers whether to split it now.
    pub fn failed(&mut self, shows: &[ShowRef]) -> bool {
        let mut split = false;
        for show in shows {
            let streak = self.streak.entry(show.clone()).or_default();
            *streak = streak.saturating_add(1);
            split |= *streak >= SPLIT_AFTER;
            if let Some(cell) = self.cell_of.get(show).and_then(|id| self.cells.get_mut(id)) {
                cell.successes = 0;
                split = true;
            }
        }
        split && shows.len() > 1
    }

    /// Split `shows` in halves (the first half the smaller), each remembered as
    /// a new cell; the shows leave the cells they were in. Answers the halves.
    pub fn split(&mut self, shows: &[ShowRef]) -> (Vec<ShowRef>, Vec<ShowRef>) {
        for show in shows {
            self.leave(show);
            self.streak.remove(show);
        }
        let mid = shows.len() / 2;
        let (left, right) = (shows[..mid].to_vec(), shows[mid..].to_vec());
        for half in [&left, &right] {
            if half.is_empty() {
                continue;
            }
            let id = self.next_id;
            self.next_id += 1;
            for show in half.iter() {
                self.cell_of.insert(show.clone(), id);
            }
            self.cells.insert(
                id,
                Cell {
                    members: half.iter().cloned().collect(),
                    successes: 0,
                },
            );
        }
        (left, right)
    }

    /// A batch of `shows` succeeded: streaks end, and cells that have now
    /// succeeded [`MERGE_AFTER`] times in a row dissolve into the pool.
    pub fn succeeded(&mut self, shows: &[ShowRef]) {
        let mut touched = BTreeSet::new();
        for show in shows {
            self.streak.remove(show);
            if let Some(id) = self.cell_of.get(show) {
                touched.insert(*id);
            }
        }
        for id in touched {
            let Some(cell) = self.cells.get_mut(&id) else {
                continue;
            };
            cell.successes += 1;
            if cell.successes >= MERGE_AFTER {
                for show in &cell.members {
                    self.cell_of.remove(show);
                }
                self.cells.remove(&id);
            }
        }
    }

    /// Forget shows nobody follows any more.
    pub fn retain(&mut self, keep: impl Fn(&ShowRef) -> bool) {
        let gone: Vec<ShowRef> = self.cell_of.keys().filter(|s| !keep(s)).cloned().collect();
        for show in &gone {
            self.leave(show);
        }
        self.streak.retain(|s, _| keep(s));
    }

    fn leave(&mut self, show: &ShowRef) {
        let Some(id) = self.cell_of.remove(show) else {
            return;
        };
        if let Some(cell) = self.cells.get_mut(&id) {
            cell.members.remove(show);
            if cell.members.is_empty() {
                self.cells.remove(&id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::show;
    use super::*;

    fn shows(names: &[&str]) -> Vec<ShowRef> {
        names.iter().map(|n| show(n)).collect()
    }

    #[test]
    fn a_pool_batch_splits_at_its_second_failure_in_a_row() {
        let mut s = Splits::default();
        let abc = shows(&["a", "b", "c"]);
        assert!(!s.failed(&abc), "one failure is not enough");
        s.succeeded(&abc);
        assert!(!s.failed(&abc), "a success in between resets the streak");
        assert!(s.failed(&abc));
        let (left, right) = s.split(&abc);
        assert_eq!((left, right.clone()), (shows(&["a"]), shows(&["b", "c"])));
        assert_eq!(s.cell_count(), 2);
        assert_ne!(s.cell_of(&show("a")), s.cell_of(&show("b")));
        assert_eq!(s.cell_of(&show("b")), s.cell_of(&show("c")));
        // A failing cell of two splits at once; a cell of one never splits.
        assert!(s.failed(&right));
        s.split(&right);
        assert_eq!(s.cell_count(), 3);
        assert!(!s.failed(&shows(&["c"])));
        assert!(!s.failed(&shows(&["c"])));
    }

    #[test]
    fn the_split_is_remembered_until_the_cell_recovers() {
        let mut s = Splits::default();
        let abcd = shows(&["a", "b", "c", "d"]);
        s.split(&abcd);
        let ab = shows(&["a", "b"]);
        s.succeeded(&ab);
        assert!(s.cell_of(&show("a")).is_some(), "one success: still split");
        s.failed(&ab);
        s.succeeded(&ab);
        assert!(
            s.cell_of(&show("a")).is_some(),
            "the failure reset the count"
        );
        s.succeeded(&ab);
        assert_eq!(s.cell_of(&show("a")), None, "back in the pool");
        assert_eq!(s.cell_of(&show("b")), None);
        assert!(
            s.cell_of(&show("c")).is_some(),
            "the other half stays split"
        );
        assert_eq!(s.cell_count(), 1);
    }

    #[test]
    fn unfollowed_shows_are_forgotten() {
        let mut s = Splits::default();
        s.split(&shows(&["a", "b"]));
        s.failed(&shows(&["x", "y"]));
        s.retain(|sh| *sh == show("b"));
        assert_eq!(s.cell_of(&show("a")), None);
        assert!(s.cell_of(&show("b")).is_some());
        assert_eq!(s.cell_count(), 1);
        assert!(!s.failed(&shows(&["x", "y"])), "the streak was forgotten");
    }
}
