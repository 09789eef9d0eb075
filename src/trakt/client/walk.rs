//! Paging back through `activity/shows` (reference §4), pure: which page to
//! read next, when a walk is done or must stop, and where the holes are.

use std::collections::HashSet;

use tracing::warn;

use super::{Pages, MAX_PAGES, PAGE_SIZE};
use crate::trakt::model::{Activity, ActivityKey, TraktTime};

/// Add a page's activities to `out`, skipping keys already `seen`. Answers how
/// many were new.
pub(super) fn absorb(
    page: Vec<Activity>,
    seen: &mut HashSet<ActivityKey>,
    out: &mut Vec<Activity>,
) -> usize {
    let mut new = 0;
    for activity in page {
        if seen.insert(activity.key()) {
            out.push(activity);
            new += 1;
        }
    }
    new
}

/// Where a walk stands after reading one page.
#[derive(Clone, Copy, Debug)]
pub(super) struct WalkPoint {
    pub(super) start: Option<TraktTime>,
    /// The `end_ts` of the page just read.
    pub(super) end: Option<TraktTime>,
    pub(super) current: TraktTime,
    pub(super) raw_len: usize,
    pub(super) oldest: Option<TraktTime>,
    pub(super) pages_read: u32,
    pub(super) collected: usize,
    pub(super) pages: Pages,
}

/// What a walk does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Next {
    /// The window is covered.
    Done,
    /// Read the page ending at this time.
    Page(TraktTime),
    /// Stop here; the window is covered down to (not below) this time.
    Stop(TraktTime),
}

/// The paging decision (reference §4), pure. Each page back ends strictly
/// below the previous one, so a walk always ends: a full page whose oldest
/// item is at its own `end` is one second with over 100 items (a hole: the
/// next page ends a second earlier); a full page with no timestamp at all
/// gives nothing to page back from, and the rest of the window is a hole.
/// Answers the hole found on this page, if any, and the next step.
pub(super) fn next_step(p: &WalkPoint) -> (Option<TraktTime>, Next) {
    if p.raw_len < PAGE_SIZE {
        return (None, Next::Done);
    }
    let Some(oldest) = p.oldest else {
        warn!("a full page held no item with a timestamp; cannot page back past it");
        return (Some(p.end.unwrap_or(p.current)), Next::Done);
    };
    let (hole, next_end) = match p.end {
        Some(end) if oldest >= end => (Some(end), TraktTime(end.0.saturating_sub(1))),
        _ => (None, oldest),
    };
    if p.start.is_some_and(|start| next_end < start) {
        return (hole, Next::Done);
    }
    let enough = match p.pages {
        Pages::One => true,
        Pages::All => p.pages_read >= MAX_PAGES,
        Pages::Items(n) => p.collected >= n || p.pages_read >= MAX_PAGES,
    };
    (
        hole,
        if enough {
            Next::Stop(next_end)
        } else {
            Next::Page(next_end)
        },
    )
}
