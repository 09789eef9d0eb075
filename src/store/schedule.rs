//! The adaptive schedule's records in the store: each show's [`Record`]
//! (in its `shows` state) and each v2 feed's (in the `feeds` tree, under
//! `rate/` + the feed's name), updated inside the commit of a poll from the
//! new items it recorded.

use std::collections::{HashMap, HashSet};

use super::state_codec;
use super::{abort, decode, encode, keys, PollCommit, ShowState, Store, StoreError, TreeId, Tx};
use super::{Feed, TxResult};
use crate::schedule::Record;
use crate::trakt::ShowRef;

/// The `feeds` tree key of a feed's record.
fn feed_key(feed: Feed) -> String {
    format!("rate/{}", feed.name())
}

impl Store {
    /// A v2 feed's schedule record (default: never read).
    pub fn feed_record(&self, feed: Feed) -> Result<Record, StoreError> {
        self.tree(TreeId::Feeds)
            .get(feed_key(feed))?
            .map_or(Ok(Record::default()), |v| decode("feed record", &v))
    }
}

/// Inside a commit: the records of the counted and polled shows (followed
/// ones only) and of the feeds read take the commit's new items.
pub(super) fn settle(
    tx: &Tx<'_>,
    c: &PollCommit,
    followed: &HashSet<ShowRef>,
    new_by_show: &HashMap<&ShowRef, u64>,
) -> TxResult<()> {
    let found = |show: &ShowRef| new_by_show.get(show).copied().unwrap_or(0);
    let mut seen = HashSet::new();
    for (show, at) in &c.polled {
        if followed.contains(show) && seen.insert(show) {
            let n = found(show);
            update_show(tx, show, |r| r.polled(n, *at))?;
        }
    }
    for show in &c.counted {
        let n = found(show);
        if n > 0 && followed.contains(show) && seen.insert(show) {
            update_show(tx, show, |r| r.count(n))?;
        }
    }
    let feeds = tx.tree(TreeId::Feeds);
    for (feed, n) in &c.feed_polls {
        let key = feed_key(*feed);
        let old: Record = match feeds.get(key.as_bytes())? {
            Some(v) => decode("feed record", &v).map_err(abort)?,
            None => Record::default(),
        };
        let new = old.polled(*n, c.now);
        feeds.insert(key.as_bytes(), encode(&new).map_err(abort)?)?;
    }
    Ok(())
}

fn update_show(tx: &Tx<'_>, show: &ShowRef, f: impl FnOnce(Record) -> Record) -> TxResult<()> {
    let key = keys::show(show);
    let shows = tx.tree(TreeId::Shows);
    let mut state: ShowState = match shows.get(key.as_slice())? {
        Some(v) => state_codec::decode_state(&v).map_err(abort)?,
        None => ShowState::default(),
    };
    state.schedule = f(state.schedule);
    shows.insert(key, state_codec::encode(&state).map_err(abort)?)?;
    Ok(())
}
