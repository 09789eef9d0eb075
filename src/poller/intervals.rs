//! Each followed show's current poll interval, as the last cycle's adaptive
//! schedule planned it: published by the poller (v1 or v2) in memory, read
//! by `/status`. Nothing is stored: it is re-planned every cycle.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::trakt::ShowRef;

/// The last planned interval of each scheduled show. Cheap to clone; clones
/// share one map.
#[derive(Clone, Debug, Default)]
pub struct Intervals(Arc<Mutex<HashMap<ShowRef, Duration>>>);

impl Intervals {
    /// This cycle's plan: `shows[i]` is polled every `intervals[i]`; shows
    /// left out are forgotten (unfollowed, or without per-show sources).
    /// The map is refilled in place: building a second one beside it held
    /// two maps of every show at once (1.3 MiB each at 20 000 shows).
    pub fn publish<'a>(&self, shows: impl Iterator<Item = &'a ShowRef>, intervals: &[Duration]) {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        map.clear();
        map.extend(shows.cloned().zip(intervals.iter().copied()));
    }

    /// The show's planned interval, if the last cycle planned one.
    pub fn get(&self, show: &ShowRef) -> Option<Duration> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(show)
            .copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_publish_replaces_the_last_plan() {
        let intervals = Intervals::default();
        let (a, b) = (ShowRef::Trakt(1), ShowRef::Trakt(2));
        let one = Duration::from_secs(60);
        intervals.publish([&a, &b].into_iter(), &[one, one * 10]);
        assert_eq!(intervals.clone().get(&b), Some(one * 10), "clones share it");
        intervals.publish([&a].into_iter(), &[one * 3]);
        assert_eq!(intervals.get(&a), Some(one * 3));
        assert_eq!(intervals.get(&b), None, "left out: forgotten");
    }
}
