//! Pure decisions over v2 answers (reference §8.5, §8.7, §10): which shape a
//! recent-comments item has, when a walk back through pages stops, which
//! watchers are new since the previous `watching` snapshot, and which feed
//! items belong to a show.

use std::collections::HashSet;

use serde_json::Value;

use super::wire::{Comment, CommentWrapper, RecentComment, ShowId, Timestamp, User, UserSlug};

/// The two shapes of a `/comments/recent/…` item (§8.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecentShape {
    /// `{type, comment: {…}, <media>}` (blueprint, real clients).
    Wrapper,
    /// A comment object itself (the contract).
    Bare,
}

/// `comment` is an object → wrapper; `comment` is a string and `id` is
/// present → bare; anything else is unrecognised.
pub fn detect_shape(item: &Value) -> Option<RecentShape> {
    match item.get("comment") {
        Some(Value::Object(_)) => Some(RecentShape::Wrapper),
        Some(Value::String(_)) if item.get("id").is_some() => Some(RecentShape::Bare),
        _ => None,
    }
}

/// Parse one feed item in whichever shape it has; `None` if it fits neither.
pub fn parse_recent(item: Value) -> Option<RecentComment> {
    match detect_shape(&item)? {
        RecentShape::Wrapper => serde_json::from_value::<CommentWrapper>(item)
            .ok()
            .map(|w| RecentComment::Wrapped(Box::new(w))),
        RecentShape::Bare => serde_json::from_value::<Comment>(item)
            .ok()
            .map(|c| RecentComment::Bare(Box::new(c))),
    }
}

/// The wrapped feed items about `show`, in feed order. Bare items cannot be
/// attributed and are never included.
pub fn comments_for_show(items: &[RecentComment], show: ShowId) -> Vec<&CommentWrapper> {
    items
        .iter()
        .filter_map(|item| match item {
            RecentComment::Wrapped(w) if item.show_id() == Some(show) => Some(&**w),
            _ => None,
        })
        .collect()
}

/// What a walk does after reading a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Read the next page.
    Continue,
    /// Stop; `reached` tells whether everything newer than the bound was
    /// seen (false: the page cap cut the walk short, items may be missed).
    Done { reached: bool },
}

/// The stopping rule of a walk back to `bound` (watermark − overlap) through
/// a newest-first feed (§10.1):
/// - no bound (a first poll): one page, which sets the watermark;
/// - the page reaches back to the bound (its oldest item is not newer);
/// - the feed ends (see `Meta::is_last_page`);
/// - the page cap is hit: stop, NOT reached.
pub fn walk_step(
    oldest_on_page: Option<Timestamp>,
    bound: Option<Timestamp>,
    page_is_last: bool,
    pages_read: u32,
    max_pages: u32,
) -> Step {
    let Some(bound) = bound else {
        return Step::Done { reached: true };
    };
    if oldest_on_page.is_some_and(|t| t <= bound) || page_is_last {
        return Step::Done { reached: true };
    }
    if pages_read >= max_pages {
        return Step::Done { reached: false };
    }
    Step::Continue
}

/// The watchers to announce: in `current`, absent from `previous` (the slugs
/// of the last snapshot), and not private (§8.7). Each slug once.
pub fn watching_arrivals<'a>(previous: &HashSet<UserSlug>, current: &'a [User]) -> Vec<&'a User> {
    let mut seen = HashSet::new();
    current
        .iter()
        .filter(|u| !u.private && !previous.contains(&u.ids.slug) && seen.insert(&u.ids.slug))
        .collect()
}

/// The slugs of a snapshot (private users included, so that a user who turns
/// public while watching is not announced mid-session).
pub fn snapshot_slugs(current: &[User]) -> HashSet<UserSlug> {
    current.iter().map(|u| u.ids.slug.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        Timestamp::parse(s).expect("time")
    }

    fn fixture(name: &str) -> Vec<Value> {
        let path = format!(
            "{}/tests/fixtures/trakt-v2/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(path).expect("fixture");
        serde_json::from_str(&text).expect("json array")
    }

    #[test]
    fn shapes_are_detected_per_item() {
        let wrapped = fixture("comments-recent-episodes.json");
        let bare = fixture("comments-recent-episodes-bare.json");
        assert!(wrapped
            .iter()
            .all(|v| detect_shape(v) == Some(RecentShape::Wrapper)));
        assert!(bare
            .iter()
            .all(|v| detect_shape(v) == Some(RecentShape::Bare)));
        assert_eq!(detect_shape(&serde_json::json!({"comment": 5})), None);
        assert_eq!(detect_shape(&serde_json::json!({"comment": "no id"})), None);
        assert_eq!(detect_shape(&serde_json::json!([])), None);
    }

    #[test]
    fn filtering_by_show_keeps_exactly_the_walking_dead() {
        let items: Vec<RecentComment> = fixture("comments-recent-episodes.json")
            .into_iter()
            .filter_map(parse_recent)
            .collect();
        assert_eq!(items.len(), 7);
        let twd = comments_for_show(&items, ShowId(1393));
        let ids: Vec<u64> = twd.iter().map(|w| w.comment.id.0).collect();
        assert_eq!(ids, [8104445, 8104410, 8104380]);
        let bare: Vec<RecentComment> = fixture("comments-recent-episodes-bare.json")
            .into_iter()
            .filter_map(parse_recent)
            .collect();
        assert_eq!(bare.len(), 7);
        assert!(comments_for_show(&bare, ShowId(1393)).is_empty());
    }

    #[test]
    fn walks_stop_at_the_bound_the_end_or_the_cap() {
        let bound = Some(t("2026-11-15T01:00:00Z"));
        let older = Some(t("2026-11-15T00:59:59Z"));
        let newer = Some(t("2026-11-15T01:30:00Z"));
        assert_eq!(
            walk_step(newer, None, false, 1, 5),
            Step::Done { reached: true }
        );
        assert_eq!(
            walk_step(older, bound, false, 1, 5),
            Step::Done { reached: true }
        );
        assert_eq!(
            walk_step(bound, bound, false, 1, 5),
            Step::Done { reached: true },
            "an item at the bound itself reaches it"
        );
        assert_eq!(walk_step(newer, bound, false, 1, 5), Step::Continue);
        assert_eq!(
            walk_step(newer, bound, true, 1, 5),
            Step::Done { reached: true }
        );
        assert_eq!(
            walk_step(newer, bound, false, 5, 5),
            Step::Done { reached: false }
        );
        assert_eq!(walk_step(None, bound, false, 2, 5), Step::Continue);
    }

    #[test]
    fn watching_diff_announces_newcomers_but_never_private_users() {
        let parse = |name: &str| -> Vec<User> {
            fixture(name)
                .into_iter()
                .map(|v| serde_json::from_value(v).expect("user"))
                .collect()
        };
        let first = parse("show-watching-1.json");
        let second = parse("show-watching-2.json");
        let arrivals = watching_arrivals(&snapshot_slugs(&first), &second);
        let slugs: Vec<&str> = arrivals.iter().map(|u| u.ids.slug.0.as_str()).collect();
        assert_eq!(slugs, ["moonfield"], "quietviewer is private, kaiton left");
        // kaiton comes back after an absent snapshot: announced again.
        let back = watching_arrivals(&snapshot_slugs(&second), &first);
        assert!(back.iter().any(|u| u.ids.slug.0 == "kaiton"));
        // No previous snapshot at all: every public watcher, once.
        let mut doubled = second.clone();
        doubled.extend(second.iter().cloned());
        assert_eq!(watching_arrivals(&HashSet::new(), &doubled).len(), 3);
    }
}
