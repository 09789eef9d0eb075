//! The two identities every activity carries whatever its source: Trakt's time
//! of the event ([`TraktTime`]) and the dedupe identity ([`ActivityKey`]).
//!
//! A key is computed by the source that made the activity. The v1 source keeps
//! the values `trakt::model::Activity::key` has always produced (stores hold
//! them); the v2 sources use the constructors below, one per kind of item.

use serde::{Deserialize, Serialize};

/// A Trakt server timestamp in seconds. Only ever compared with other Trakt numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TraktTime(pub i64);

impl TraktTime {
    /// This time moved back by `secs` (saturating at zero).
    pub fn minus_secs(self, secs: u64) -> TraktTime {
        let secs = i64::try_from(secs).unwrap_or(i64::MAX);
        TraktTime(self.0.saturating_sub(secs).max(0))
    }
}

/// A stable identity for dedupe: the same event always gets the same key, so a
/// re-fetched (or edited) item is recognised and not posted again.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ActivityKey(pub String);

impl std::fmt::Display for ActivityKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl ActivityKey {
    /// A v2 comment (shout or review): `comment:{id}`. Comment ids are global,
    /// so a comment seen through two sources has one key; an edit keeps it.
    pub fn comment(id: u64) -> ActivityKey {
        ActivityKey(format!("comment:{id}"))
    }

    /// A v2 list being created: `list:{id}`.
    pub fn list(list_id: u64) -> ActivityKey {
        ActivityKey(format!("list:{list_id}"))
    }

    /// An item added to a v2 list: `list_item:{list}:{item}`.
    pub fn list_item(list_id: u64, item_id: u64) -> ActivityKey {
        ActivityKey(format!("list_item:{list_id}:{item_id}"))
    }

    /// A user seen watching a show on v2: `watching:{show}:{user}:{since}`, where
    /// `since` is the Trakt time of the first snapshot that listed the user in
    /// this run of snapshots (a new run after an absence is a new key).
    pub fn watching(show_trakt_id: u64, user_slug: &str, since: TraktTime) -> ActivityKey {
        ActivityKey(format!("watching:{show_trakt_id}:{user_slug}:{}", since.0))
    }

    /// A followed user's history event: `history:{id}` (ids are unique per
    /// event, so a re-read or back-dated event keeps its key).
    pub fn history(id: u64) -> ActivityKey {
        ActivityKey(format!("history:{id}"))
    }

    /// A followed user's rating: `rating:{user}:{type}:{trakt id}:{rated_at}`
    /// (ratings have no id; a changed rating has a new `rated_at`).
    pub fn rating(user_slug: &str, kind: &str, trakt_id: u64, rated_at: TraktTime) -> ActivityKey {
        ActivityKey(format!(
            "rating:{user_slug}:{kind}:{trakt_id}:{}",
            rated_at.0
        ))
    }

    /// A followed user's watchlist entry: `watchlist:{user}:{item id}`.
    pub fn watchlist(user_slug: &str, item_id: u64) -> ActivityKey {
        ActivityKey(format!("watchlist:{user_slug}:{item_id}"))
    }

    /// A followed user's collected episode:
    /// `collection:{user}:episode:{show trakt id}:{season}:{number}:{collected_at}`.
    pub fn collection_episode(
        user_slug: &str,
        show_trakt_id: u64,
        season: u32,
        number: u32,
        collected_at: TraktTime,
    ) -> ActivityKey {
        ActivityKey(format!(
            "collection:{user_slug}:episode:{show_trakt_id}:{season}:{number}:{}",
            collected_at.0
        ))
    }

    /// A followed user's collected movie:
    /// `collection:{user}:movie:{movie trakt id}:{collected_at}`.
    pub fn collection_movie(
        user_slug: &str,
        movie_trakt_id: u64,
        collected_at: TraktTime,
    ) -> ActivityKey {
        ActivityKey(format!(
            "collection:{user_slug}:movie:{movie_trakt_id}:{}",
            collected_at.0
        ))
    }

    /// A followed user's current viewing:
    /// `user_watching:{user}:{type}:{trakt id}:{started_at}`.
    pub fn user_watching(
        user_slug: &str,
        kind: &str,
        trakt_id: u64,
        started_at: TraktTime,
    ) -> ActivityKey {
        ActivityKey(format!(
            "user_watching:{user_slug}:{kind}:{trakt_id}:{}",
            started_at.0
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v2_keys_have_their_documented_form() {
        assert_eq!(ActivityKey::comment(8104471).0, "comment:8104471");
        assert_eq!(ActivityKey::list(31882114).0, "list:31882114");
        assert_eq!(
            ActivityKey::list_item(31882114, 1193004501).0,
            "list_item:31882114:1193004501"
        );
        assert_eq!(
            ActivityKey::watching(1393, "moonfield", TraktTime(1_763_172_000)).0,
            "watching:1393:moonfield:1763172000"
        );
    }

    #[test]
    fn minus_secs_saturates() {
        assert_eq!(TraktTime(100).minus_secs(60), TraktTime(40));
        assert_eq!(TraktTime(10).minus_secs(60), TraktTime(0));
        assert_eq!(TraktTime(10).minus_secs(u64::MAX), TraktTime(0));
    }
}
