//! Pure decisions of the v2 poller: where each source starts reading (its
//! bound), how show-level comments are read this cycle (the site-wide feed
//! or one request per show), what a `watching` snapshot announces, and the
//! effective cycle interval. No I/O here.
//!
//! # Show-level comments: the feed or one request per show
//!
//! Season and episode comments are only visible through the site-wide
//! recent-comments feeds (`/comments/recent/all/{episodes,seasons}`): there is
//! no per-show alternative short of one request per episode, so those feeds are
//! always read. Show-level comments have both: `/comments/recent/all/shows`
//! (cost: the pages back to its watermark, whatever the number of shows) or
//! `/shows/{id}/comments/newest` for each show wanting comments (cost: one
//! request per show, usually one page). Each cycle takes the cheaper:
//! the feed's pages are estimated from the comment rate seen on its last walk
//! times the time since its watermark ([`feed_pages`]); after a long outage on
//! a busy site that can exceed the number of followed shows, and then
//! per-show reads win ([`choose`]). A feed that answers in the contract's bare
//! shape (items without their show) cannot be filtered, so per-show reads are
//! used whatever the cost.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::trakt::v2::wire::User;
use crate::trakt::TraktTime;

/// How show-level comments are read in one cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShowComments {
    /// `/comments/recent/all/shows`, filtered to the followed shows.
    Feed,
    /// `/shows/{id}/comments/newest` for each show wanting comments.
    PerShow,
}

/// The comment rate (items per second of Trakt time) a walk saw: its items
/// over the span from the oldest to the newest. `None` when it saw too
/// little to tell (fewer than two items, or all in one second).
pub fn observed_rate(
    items: usize,
    oldest: Option<TraktTime>,
    newest: Option<TraktTime>,
) -> Option<f64> {
    let (oldest, newest) = (oldest?, newest?);
    let span = newest.0.saturating_sub(oldest.0);
    (items >= 2 && span > 0).then(|| items as f64 / span as f64)
}

/// Pages of `limit` items a newest-first feed needs to reach `elapsed`
/// seconds back when `rate` items are written per second (at least 1).
pub fn feed_pages(rate: f64, elapsed: i64, limit: u32) -> u32 {
    let items = rate.max(0.0) * elapsed.max(0) as f64;
    let pages = (items / f64::from(limit.max(1))).ceil();
    if pages.is_finite() {
        pages.clamp(1.0, f64::from(u32::MAX)) as u32
    } else {
        u32::MAX
    }
}

/// The cheaper way to read show-level comments this cycle (see the module
/// header). Ties go to the feed (it also keeps its own watermark current).
pub fn choose(shows_wanting: usize, feed_pages: u32, feed_is_bare: bool) -> ShowComments {
    if shows_wanting == 0 {
        return ShowComments::Feed;
    }
    if feed_is_bare || (shows_wanting as u64) < u64::from(feed_pages) {
        ShowComments::PerShow
    } else {
        ShowComments::Feed
    }
}

/// Requests per second reading the feeds every `interval` costs, from each
/// feed's activity rate (comments per hour): at least one page of 250 per
/// feed and cycle.
pub fn feed_reserve(rates_per_hour: &[f64], interval: Duration) -> f64 {
    let secs = interval.as_secs_f64().max(1.0);
    let pages: u32 = rates_per_hour
        .iter()
        .map(|r| feed_pages(r / 3600.0, secs.ceil() as i64, crate::trakt::v2::MAX_LIMIT))
        .sum();
    f64::from(pages) / secs
}

/// Where a source starts reading: the latest of the marks that say "read up
/// to here" (its own mark, the show's follow time, a feed that covered it),
/// moved back by the overlap. `None`: never read, the first read is one page.
pub fn bound(marks: &[Option<TraktTime>], overlap: Duration) -> Option<TraktTime> {
    marks
        .iter()
        .flatten()
        .max()
        .map(|t| t.minus_secs(overlap.as_secs()))
}

/// The newest of `times`, or `fallback` when there are none.
pub fn newest(
    times: impl IntoIterator<Item = TraktTime>,
    fallback: Option<TraktTime>,
) -> Option<TraktTime> {
    times.into_iter().max().or(fallback)
}

/// What a `watching` snapshot taken at `at` means after `previous`:
/// the public users to announce (in snapshot order, each once) and the new
/// snapshot to store (every listed user, private ones included so that a
/// user turning public mid-viewing is not announced, with the time their
/// viewing was first seen). A user absent from a snapshot and back later is
/// a new viewing. `previous: None` (no snapshot yet): everyone public
/// watching now is announced, stamped `at`.
pub fn watching_diff<'a>(
    previous: Option<&BTreeMap<String, TraktTime>>,
    current: &'a [User],
    at: TraktTime,
) -> (Vec<&'a User>, BTreeMap<String, TraktTime>) {
    let mut next = BTreeMap::new();
    let mut arrivals = Vec::new();
    for user in current {
        let slug = user.ids.slug.0.clone();
        if next.contains_key(&slug) {
            continue;
        }
        match previous.and_then(|p| p.get(&slug)) {
            Some(since) => {
                next.insert(slug, *since);
            }
            None => {
                if !user.private && !user.deleted {
                    arrivals.push(user);
                }
                next.insert(slug, at);
            }
        }
    }
    (arrivals, next)
}

/// The interval a cycle actually took, start to start (a budget too small
/// for the followed shows stretches it past `poll.interval`).
pub fn effective_interval(
    previous_start: Option<tokio::time::Instant>,
    start: tokio::time::Instant,
) -> Option<Duration> {
    previous_start.map(|p| start.saturating_duration_since(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(slug: &str, private: bool) -> User {
        serde_json::from_value(serde_json::json!({
            "username": slug, "private": private, "ids": {"slug": slug}
        }))
        .expect("user")
    }

    #[test]
    fn rates_and_pages() {
        assert_eq!(
            observed_rate(1, Some(TraktTime(0)), Some(TraktTime(10))),
            None
        );
        assert_eq!(
            observed_rate(5, Some(TraktTime(3)), Some(TraktTime(3))),
            None
        );
        assert_eq!(
            observed_rate(50, Some(TraktTime(0)), Some(TraktTime(100))),
            Some(0.5)
        );
        assert_eq!(feed_pages(0.0, 3600, 250), 1, "at least one page");
        assert_eq!(feed_pages(0.5, 60, 250), 1);
        assert_eq!(feed_pages(0.5, 3600, 250), 8, "1800 items");
        assert_eq!(feed_pages(0.5, -5, 250), 1);
    }

    #[test]
    fn the_feeds_reserve_a_page_each_per_cycle_and_more_when_busy() {
        let minute = Duration::from_secs(60);
        assert!((feed_reserve(&[0.0, 0.0, 0.0], minute) - 3.0 / 60.0).abs() < 1e-12);
        // Just under 30 000 comments an hour is under 500 a minute: two pages of 250.
        assert!((feed_reserve(&[29_990.0, 0.0], minute) - 3.0 / 60.0).abs() < 1e-12);
        assert!((feed_reserve(&[30_010.0], minute) - 3.0 / 60.0).abs() < 1e-12);
        assert_eq!(feed_reserve(&[], minute), 0.0);
    }

    #[test]
    fn per_show_reads_win_only_when_cheaper_or_the_feed_is_bare() {
        assert_eq!(choose(20, 1, false), ShowComments::Feed);
        assert_eq!(choose(20, 20, false), ShowComments::Feed, "a tie");
        assert_eq!(choose(20, 21, false), ShowComments::PerShow);
        assert_eq!(choose(2000, 8, false), ShowComments::Feed);
        assert_eq!(choose(2000, 1, true), ShowComments::PerShow);
        assert_eq!(
            choose(0, 99, true),
            ShowComments::Feed,
            "nobody wants comments"
        );
    }

    #[test]
    fn bounds_start_from_the_latest_mark_minus_the_overlap() {
        let o = Duration::from_secs(60);
        assert_eq!(bound(&[None, None], o), None);
        assert_eq!(
            bound(&[Some(TraktTime(1000)), None, Some(TraktTime(400))], o),
            Some(TraktTime(940))
        );
        assert_eq!(
            newest([TraktTime(3), TraktTime(9)], None),
            Some(TraktTime(9))
        );
        assert_eq!(newest([], Some(TraktTime(1))), Some(TraktTime(1)));
    }

    #[test]
    fn a_watcher_is_announced_once_per_viewing() {
        let (a, b, p) = (user("a", false), user("b", false), user("p", true));
        let first = vec![a.clone(), p.clone(), a.clone()];
        let (arrivals, snap) = watching_diff(None, &first, TraktTime(100));
        let names: Vec<&str> = arrivals.iter().map(|u| u.ids.slug.0.as_str()).collect();
        assert_eq!(names, ["a"], "private users never, duplicates once");
        assert_eq!(snap.len(), 2);
        // Still watching: nothing new, the viewing keeps its start.
        let second = vec![a.clone(), b.clone()];
        let (arrivals, snap2) = watching_diff(Some(&snap), &second, TraktTime(160));
        let names: Vec<&str> = arrivals.iter().map(|u| u.ids.slug.0.as_str()).collect();
        assert_eq!(names, ["b"]);
        assert_eq!(snap2.get("a"), Some(&TraktTime(100)));
        assert_eq!(snap2.get("b"), Some(&TraktTime(160)));
        // `a` leaves, then comes back: a new viewing.
        let (_, snap3) = watching_diff(Some(&snap2), std::slice::from_ref(&b), TraktTime(220));
        let back = [a.clone(), b];
        let (arrivals, snap4) = watching_diff(Some(&snap3), &back, TraktTime(280));
        assert_eq!(arrivals.len(), 1);
        assert_eq!(snap4.get("a"), Some(&TraktTime(280)));
        // A private watcher turning public mid-viewing is not announced.
        let public = [user("p", false)];
        let (arrivals, _) = watching_diff(Some(&snap), &public, TraktTime(300));
        assert!(arrivals.is_empty());
    }
}
