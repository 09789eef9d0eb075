//! Alerts waiting to be posted (the `notices` tree, a new tree: no
//! migration), each a [`Queued`]. A failed poll records the show's failure
//! run ([`PollError`]) and, once per run, queues a [`Notice`] in the same
//! write (failing for over an hour, or gone from Trakt); the commit that ends
//! an alerted run queues its recovery notice inside its transaction; the
//! disabling of a user follow (profile private, deleted or locked) queues a
//! [`UserNotice`] in its write. Delivery posts each and then drops it, so a
//! crash in between posts it again (same nonce) rather than never.

use std::collections::HashSet;

use super::state_codec;
use super::UserNotice;
use super::{
    abort, decode, encode, keys, Notice, NoticeKind, Plan, PollCommit, PollError, Store,
    StoreError, Subscription, TreeId, Tx, TxResult,
};
use crate::trakt::ShowRef;

/// One alert in the queue.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Queued {
    /// About a followed show (failing, gone, working again).
    Show(Notice),
    /// A user follow the bot disabled.
    UserDisabled(UserNotice),
}

impl Store {
    /// Record a failed poll of `show` at `now` with `message` (`gone`:
    /// Trakt says the show does not exist), not retried before
    /// `next_attempt` (unix secs): its failure count, its failure run, and
    /// the run's one alert when it calls for one. Returns the consecutive
    /// failures. Nothing is stored for a show nobody follows.
    pub fn record_show_failure_because(
        &self,
        show: &ShowRef,
        next_attempt: i64,
        message: &str,
        now: i64,
        gone: bool,
    ) -> Result<u32, StoreError> {
        let _w = self.lock();
        let mut state = self.show_state(show)?;
        state.failures = state.failures.saturating_add(1);
        state.next_attempt = Some(next_attempt);
        let (run, kind) = PollError::after_failure(state.error.as_deref(), message, now, gone);
        state.error = Some(Box::new(run));
        if !self.is_followed(show)? {
            return Ok(state.failures);
        }
        let mut plan = Plan::default();
        plan.put_raw(
            TreeId::Shows,
            keys::show(show),
            state_codec::encode(&state)?,
        );
        if let Some(kind) = kind {
            let notice = Queued::Show(Notice {
                show: show.clone(),
                kind,
                at: now,
            });
            self.plan_notice(&mut plan, &notice)?;
        }
        self.apply(&plan)?;
        Ok(state.failures)
    }

    /// Stage `notice`, to be written with what caused it.
    pub(super) fn plan_notice(&self, plan: &mut Plan, notice: &Queued) -> Result<(), StoreError> {
        let id = self.db.generate_id()?;
        plan.put(TreeId::Notices, id.to_be_bytes().to_vec(), notice)
    }

    /// Every queued notice, oldest first, with its id.
    pub fn pending_notices(&self) -> Result<Vec<(u64, Queued)>, StoreError> {
        let mut out = Vec::new();
        for item in self.tree(TreeId::Notices).iter() {
            let (key, value) = item?;
            let id = key
                .as_ref()
                .try_into()
                .map(u64::from_be_bytes)
                .map_err(|_| super::corrupt("notice key", "not 8 bytes"))?;
            out.push((id, decode("notice", &value)?));
        }
        Ok(out)
    }

    /// The notice was posted (or given up): forget it.
    pub fn drop_notice(&self, id: u64) -> Result<(), StoreError> {
        let _w = self.lock();
        self.tree(TreeId::Notices).remove(id.to_be_bytes())?;
        Ok(())
    }

    /// Every subscription to `show`, in any state, in channel order.
    pub fn show_follows(&self, show: &ShowRef) -> Result<Vec<Subscription>, StoreError> {
        let mut out = Vec::new();
        for value in self
            .tree(TreeId::Subs)
            .scan_prefix(keys::show(show))
            .values()
        {
            out.push(super::sub_at(&value?)?);
        }
        Ok(out)
    }
}

/// Inside a commit: each show whose poll fully succeeded (v1: its
/// watermark moved; v2: its scheduled poll completed) ends its failure run;
/// an alerted run queues its recovery notice. A v2 poll that committed
/// some sources' marks before another failed is no success here.
pub(super) fn end_failure_runs(
    tx: &Tx<'_>,
    c: &PollCommit,
    followed: &HashSet<ShowRef>,
) -> TxResult<()> {
    let succeeded: HashSet<&ShowRef> = c
        .watermarks
        .iter()
        .map(|(show, _)| show)
        .chain(c.polled.iter().map(|(show, _)| show))
        .filter(|show| followed.contains(*show))
        .collect();
    for show in succeeded {
        let key = keys::show(show);
        let shows = tx.tree(TreeId::Shows);
        let Some(value) = shows.get(key.as_slice())? else {
            continue;
        };
        let mut state = state_codec::decode_state(&value).map_err(abort)?;
        let Some(run) = state.error.take() else {
            continue;
        };
        shows.insert(key, state_codec::encode(&state).map_err(abort)?)?;
        if run.alerted {
            let notices = tx.tree(TreeId::Notices);
            let id = notices.generate_id()?;
            let notice = Queued::Show(Notice {
                show: show.clone(),
                kind: NoticeKind::Recovered { since: run.since },
                at: c.now,
            });
            notices.insert(&id.to_be_bytes()[..], encode(&notice).map_err(abort)?)?;
        }
    }
    Ok(())
}
