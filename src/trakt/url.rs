//! URL building for `activity/shows` (reference §1): the positional path, the
//! batching of shows under a count and a URL-length bound, and masking of the
//! API key in any text that may be logged or shown. Pure; no I/O.

use std::collections::BTreeSet;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::action::{Action, ActionSet};
use super::model::TraktTime;
use super::show_ref::ShowRef;

/// Longest URL (base + path) a batch may produce. The reference asks to stay
/// well under ~2 000 bytes.
pub const MAX_URL_LEN: usize = 1800;

/// Longest base URL (`http://api.trakt.tv` and the like) that [`batches`]
/// budgets for.
pub const ASSUMED_BASE_URL_LEN: usize = 100;

/// Longest API key that [`batches`] budgets for (real keys are 40 hex digits).
pub const ASSUMED_API_KEY_LEN: usize = 64;

/// The fixed path prefix.
const PREFIX: &str = "/activity/shows.json";

/// Digits of the longest `i64`, with its sign.
const MAX_TIMESTAMP_LEN: usize = 20;

/// What percent-encoding leaves alone in a path segment: RFC 3986 unreserved
/// characters. For valid slugs and ids, encoding is therefore a no-op.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// One `activity/shows` request.
#[derive(Clone, Copy, Debug)]
pub struct ActivityRequest<'a> {
    /// The shows of the batch (de-duplicated and sorted when the path is built).
    pub shows: &'a [ShowRef],
    pub actions: ActionSet,
    /// Lower bound (inclusive).
    pub start: Option<TraktTime>,
    /// Upper bound (inclusive); used when paging back.
    pub end: Option<TraktTime>,
}

/// Percent-encode one path segment.
fn encode_segment(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

/// The `{titles}` segment: each show encoded on its own, de-duplicated, sorted,
/// joined by a raw comma.
fn titles_segment(shows: &[ShowRef]) -> String {
    let unique: BTreeSet<&ShowRef> = shows.iter().collect();
    unique
        .into_iter()
        .map(|s| encode_segment(&s.as_segment()))
        .collect::<Vec<_>>()
        .join(",")
}

/// The path (everything after the base URL) for `req`:
/// `/activity/shows.json/{key}/{titles}/{actions}/{start}/{end}`.
///
/// Segments are dropped only from the right, and never leave a trailing slash:
/// without `start` and `end`, an `all` actions segment is left out (it is the
/// API's default); `end` without `start` sends `start` 0 ("no lower bound").
pub fn activity_path(api_key: &str, req: &ActivityRequest<'_>) -> String {
    let mut path = format!(
        "{PREFIX}/{}/{}",
        encode_segment(api_key),
        titles_segment(req.shows)
    );
    let start = match (req.start, req.end) {
        (Some(start), _) => Some(start),
        (None, Some(_)) => Some(TraktTime(0)),
        (None, None) => None,
    };
    if start.is_some() || !req.actions.is_all() {
        path.push('/');
        path.push_str(&req.actions.as_segment());
    }
    if let Some(start) = start {
        path.push_str(&format!("/{}", start.0));
        if let Some(end) = req.end {
            path.push_str(&format!("/{}", end.0));
        }
    }
    path
}

/// The bytes of a URL that are not titles, at most: base URL, prefix, key,
/// the longest actions segment, two timestamps, and the slashes between them.
pub fn url_overhead() -> usize {
    let longest_actions: usize =
        Action::ALL.iter().map(|a| a.as_str().len()).sum::<usize>() + Action::ALL.len() - 1;
    ASSUMED_BASE_URL_LEN
        + PREFIX.len()
        + 1
        + ASSUMED_API_KEY_LEN
        + 1 // before titles
        + 1
        + longest_actions
        + 2 * (1 + MAX_TIMESTAMP_LEN)
}

/// Split `shows` into request batches: de-duplicated, sorted, at most
/// `batch_size` shows each (at least 1), and each short enough that its URL
/// stays within `max_url_len` bytes.
///
/// The length bound assumes the worst case for everything but the titles
/// ([`url_overhead`]): a base URL of up to [`ASSUMED_BASE_URL_LEN`] bytes, a key
/// of up to [`ASSUMED_API_KEY_LEN`], all eleven actions listed, and both
/// timestamps. A batch always holds at least one show, so a bound too small for
/// even one title still makes progress.
pub fn batches(
    shows: impl IntoIterator<Item = ShowRef>,
    batch_size: usize,
    max_url_len: usize,
) -> Vec<Vec<ShowRef>> {
    let unique: BTreeSet<ShowRef> = shows.into_iter().collect();
    let batch_size = batch_size.max(1);
    let budget = max_url_len.saturating_sub(url_overhead());
    let mut out: Vec<Vec<ShowRef>> = Vec::new();
    let mut current: Vec<ShowRef> = Vec::new();
    let mut used = 0usize; // bytes of the titles segment so far
    for show in unique {
        let len = encode_segment(&show.as_segment()).len();
        // A show after the first also costs its comma.
        if !current.is_empty() && (current.len() >= batch_size || used + 1 + len > budget) {
            out.push(std::mem::take(&mut current));
        }
        used = if current.is_empty() {
            len
        } else {
            used + 1 + len
        };
        current.push(show);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// `text` with every occurrence of `key` replaced by `***`. An empty key
/// masks nothing.
pub fn mask_key(text: &str, key: &str) -> String {
    if key.is_empty() {
        return text.to_owned();
    }
    let masked = text.replace(key, "***");
    let encoded = encode_segment(key);
    if encoded != key {
        masked.replace(&encoded, "***")
    } else {
        masked
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trakt::show_ref::MAX_SLUG_LEN;

    fn slug(s: &str) -> ShowRef {
        ShowRef::parse(s).expect("valid show")
    }

    fn req(shows: &[ShowRef]) -> ActivityRequest<'_> {
        ActivityRequest {
            shows,
            actions: ActionSet::all(),
            start: None,
            end: None,
        }
    }

    #[test]
    fn one_show_all_actions_no_bounds() {
        let shows = [slug("the-walking-dead")];
        assert_eq!(
            activity_path("KEY", &req(&shows)),
            "/activity/shows.json/KEY/the-walking-dead"
        );
    }

    #[test]
    fn batch_is_deduplicated_and_sorted_with_raw_commas() {
        let shows = [
            slug("the-walking-dead"),
            slug("81189"),
            slug("breaking-bad"),
            slug("the-walking-dead"),
        ];
        assert_eq!(
            activity_path("KEY", &req(&shows)),
            "/activity/shows.json/KEY/breaking-bad,the-walking-dead,81189"
        );
    }

    #[test]
    fn actions_and_bounds() {
        let shows = [slug("the-walking-dead"), slug("81189")];
        let mut r = req(&shows);
        r.actions = ActionSet::parse("shout,seen").expect("actions");
        assert_eq!(
            activity_path("KEY", &r),
            "/activity/shows.json/KEY/the-walking-dead,81189/seen,shout"
        );
        r.start = Some(TraktTime(1_384_300_800));
        assert_eq!(
            activity_path("KEY", &r),
            "/activity/shows.json/KEY/the-walking-dead,81189/seen,shout/1384300800"
        );
        r.actions = ActionSet::all();
        r.end = Some(TraktTime(1_384_648_928));
        assert_eq!(
            activity_path("KEY", &r),
            "/activity/shows.json/KEY/the-walking-dead,81189/all/1384300800/1384648928"
        );
    }

    #[test]
    fn end_without_start_sends_zero() {
        let shows = [slug("fargo")];
        let mut r = req(&shows);
        r.end = Some(TraktTime(99));
        assert_eq!(
            activity_path("KEY", &r),
            "/activity/shows.json/KEY/fargo/all/0/99"
        );
    }

    #[test]
    fn never_a_trailing_slash() {
        let shows = [slug("fargo")];
        for start in [None, Some(TraktTime(5))] {
            for end in [None, Some(TraktTime(9))] {
                for actions in [ActionSet::all(), ActionSet::parse("seen").expect("a")] {
                    let path = activity_path(
                        "K",
                        &ActivityRequest {
                            shows: &shows,
                            actions,
                            start,
                            end,
                        },
                    );
                    assert!(!path.ends_with('/'), "{path}");
                    assert!(!path.contains("//"), "{path}");
                }
            }
        }
    }

    #[test]
    fn segments_are_percent_encoded() {
        assert_eq!(encode_segment("the-walking-dead"), "the-walking-dead");
        assert_eq!(encode_segment("a/b,c d%"), "a%2Fb%2Cc%20d%25");
        assert_eq!(encode_segment("é"), "%C3%A9");
    }

    #[test]
    fn batches_by_count() {
        let shows: Vec<ShowRef> = (1..=45).map(ShowRef::Tvdb).collect();
        let got = batches(shows.iter().cloned().chain(shows.clone()), 20, MAX_URL_LEN);
        assert_eq!(
            got.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![20, 20, 5]
        );
        let flat: Vec<ShowRef> = got.into_iter().flatten().collect();
        assert_eq!(flat, shows, "deduplicated and sorted");
        assert_eq!(
            batches(Vec::new(), 20, MAX_URL_LEN),
            Vec::<Vec<ShowRef>>::new()
        );
        assert_eq!(batches(shows.clone(), 0, MAX_URL_LEN).len(), 45);
    }

    #[test]
    fn batches_by_url_length() {
        // 30 slugs of 100 characters: far over the URL budget in one batch.
        let shows: Vec<ShowRef> = (0..30)
            .map(|i| slug(&format!("{i:02}{}", "a".repeat(MAX_SLUG_LEN - 2))))
            .collect();
        let got = batches(shows.clone(), 100, MAX_URL_LEN);
        assert!(got.len() > 1);
        assert_eq!(got.iter().map(Vec::len).sum::<usize>(), 30);
        let long_key = "k".repeat(ASSUMED_API_KEY_LEN);
        let base = "x".repeat(ASSUMED_BASE_URL_LEN);
        for batch in &got {
            let path = activity_path(
                &long_key,
                &ActivityRequest {
                    shows: batch,
                    actions: ActionSet::from_iter(Action::ALL.into_iter().take(10)),
                    start: Some(TraktTime(i64::MIN)),
                    end: Some(TraktTime(i64::MIN)),
                },
            );
            assert!(base.len() + path.len() <= MAX_URL_LEN, "{}", path.len());
        }
        // Greedy: a batch is cut only when the next show would not fit.
        let budget = MAX_URL_LEN - url_overhead();
        assert_eq!(got[0].len(), (budget + 1) / (MAX_SLUG_LEN + 1));
    }

    #[test]
    fn a_tiny_bound_still_makes_progress() {
        let shows = vec![slug("a"), slug("b")];
        assert_eq!(batches(shows, 10, 1).len(), 2);
    }

    #[test]
    fn overhead_covers_the_worst_case() {
        let key = "k".repeat(ASSUMED_API_KEY_LEN);
        let path = activity_path(
            &key,
            &ActivityRequest {
                shows: &[],
                actions: ActionSet::from_iter(Action::ALL.into_iter().take(10)),
                start: Some(TraktTime(i64::MIN)),
                end: Some(TraktTime(i64::MIN)),
            },
        );
        assert!(ASSUMED_BASE_URL_LEN + path.len() <= url_overhead());
    }

    #[test]
    fn masks_the_key() {
        assert_eq!(
            mask_key("/activity/shows.json/SECRET/x and SECRET", "SECRET"),
            "/activity/shows.json/***/x and ***"
        );
        assert_eq!(mask_key("nothing here", "SECRET"), "nothing here");
        assert_eq!(mask_key("text", ""), "text");
        assert_eq!(mask_key("a%2Fb", "a/b"), "***");
    }
}
