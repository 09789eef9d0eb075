//! The rest of a followed user's v2 sources (reference §8.14–§8.16, §8.18,
//! §10.2): the watchlist by media type (shows, movies, episodes), the
//! collection (shows with their collected episodes, and movies), the user's
//! comments (wrappers of a show, season, episode, movie or list), their
//! lists and one list's items, and the stats whose `collected` counts tell
//! whether the collection changed (§8.19). Wire types and `V2Client` methods; the
//! profile, history, ratings and watching are in `users`.

use serde::Deserialize;

use super::client::{ApiPath, Fetched, V2Client};
use super::endpoints::{typed, Reach, Walk, WalkLimits};
use super::error::V2Error;
use super::wire::{CommentWrapper, ListId, ListItem, Movie, Show, Timestamp, TraktList};
use crate::trakt::lenient::{opt_object, opt_u64};

/// Which part of the watchlist one request reads (`/watchlist/{type}/added`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WatchlistKind {
    Shows,
    Movies,
    Episodes,
}

impl WatchlistKind {
    /// The path segment.
    pub fn segment(self) -> &'static str {
        match self {
            WatchlistKind::Shows => "shows",
            WatchlistKind::Movies => "movies",
            WatchlistKind::Episodes => "episodes",
        }
    }
}

/// Which half of the collection (`/collection/{type}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CollectionKind {
    Shows,
    Movies,
}

/// One collected episode: its number and when it was collected.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct CollectedEpisode {
    pub number: u32,
    #[serde(default, deserialize_with = "super::wire::opt_time")]
    pub collected_at: Option<Timestamp>,
}

/// One season of a collected show.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct CollectedSeason {
    pub number: u32,
    #[serde(default)]
    pub episodes: Vec<CollectedEpisode>,
}

/// A show in `/collection/shows`, with the episodes collected.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct CollectedShow {
    #[serde(default, deserialize_with = "super::wire::opt_time")]
    pub last_collected_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "super::wire::opt_time")]
    pub last_updated_at: Option<Timestamp>,
    pub show: Show,
    #[serde(default)]
    pub seasons: Vec<CollectedSeason>,
}

/// A movie in `/collection/movies`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct CollectedMovie {
    #[serde(default, deserialize_with = "super::wire::opt_time")]
    pub collected_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "super::wire::opt_time")]
    pub updated_at: Option<Timestamp>,
    #[serde(deserialize_with = "opt_object")]
    pub movie: Option<Movie>,
}

/// One media type's counters in `/users/{id}/stats` (only `collected` is used).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct StatCounts {
    #[serde(default, deserialize_with = "opt_u64")]
    pub collected: Option<u64>,
}

/// `GET /users/{id}/stats` (§8.19), the parts the bot reads.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct UserStats {
    #[serde(default, deserialize_with = "opt_object")]
    pub movies: Option<StatCounts>,
    #[serde(default, deserialize_with = "opt_object")]
    pub episodes: Option<StatCounts>,
}

impl UserStats {
    /// Collected episodes, when Trakt says.
    pub fn collected_episodes(&self) -> Option<u64> {
        self.episodes.as_ref()?.collected
    }

    /// Collected movies, when Trakt says.
    pub fn collected_movies(&self) -> Option<u64> {
        self.movies.as_ref()?.collected
    }
}

/// Reading the user's collection: every page (the answer is not sorted by
/// time, and usually not paginated at all).
pub const COLLECTION_WALK: WalkLimits = WalkLimits {
    limit: 250,
    max_pages: 10,
};

fn user_path(slug: &str, rest: &[&str]) -> ApiPath {
    let mut segments = vec!["users", slug];
    segments.extend_from_slice(rest);
    ApiPath::new(&segments)
}

impl V2Client {
    /// Entries of one `kind` added to the watchlist after `bound`, newest
    /// first (`/watchlist/{shows|movies|episodes}/added`).
    pub async fn user_watchlist_kind_since(
        &self,
        slug: &str,
        kind: WatchlistKind,
        bound: Option<Timestamp>,
        limits: WalkLimits,
    ) -> Result<Walk<ListItem>, V2Error> {
        self.walk(
            &user_path(slug, &["watchlist", kind.segment(), "added"]),
            &[],
            Reach::Back(bound),
            limits,
            typed,
            |i: &ListItem| Some(i.listed_at),
        )
        .await
    }

    /// The user's counters (`/users/{slug}/stats`): one cheap request that
    /// tells whether the collection changed.
    pub async fn user_stats(&self, slug: &str) -> Result<Fetched<UserStats>, V2Error> {
        self.get_one(&user_path(slug, &["stats"]), &[]).await
    }

    /// The whole collected shows half (`/collection/shows`).
    pub async fn user_collection_shows(&self, slug: &str) -> Result<Walk<CollectedShow>, V2Error> {
        self.walk(
            &user_path(slug, &["collection", "shows"]),
            &[],
            Reach::All,
            COLLECTION_WALK,
            typed,
            |s: &CollectedShow| s.last_collected_at,
        )
        .await
    }

    /// The whole collected movies half (`/collection/movies`).
    pub async fn user_collection_movies(
        &self,
        slug: &str,
    ) -> Result<Walk<CollectedMovie>, V2Error> {
        self.walk(
            &user_path(slug, &["collection", "movies"]),
            &[],
            Reach::All,
            COLLECTION_WALK,
            typed,
            |m: &CollectedMovie| m.collected_at,
        )
        .await
    }

    /// The user's top-level comments on anything, written after `bound`,
    /// newest first (`/comments/all/all?include_replies=false`).
    pub async fn user_comments_since(
        &self,
        slug: &str,
        bound: Option<Timestamp>,
        limits: WalkLimits,
    ) -> Result<Walk<CommentWrapper>, V2Error> {
        let query = [("include_replies", "false".to_owned())];
        self.walk(
            &user_path(slug, &["comments", "all", "all"]),
            &query,
            Reach::Back(bound),
            limits,
            typed,
            |w: &CommentWrapper| Some(w.comment.created_at),
        )
        .await
    }

    /// The user's public lists (every page up to the cap: they are ordered
    /// by creation, and a changed list may be an old one).
    pub async fn user_lists(
        &self,
        slug: &str,
        limits: WalkLimits,
    ) -> Result<Walk<TraktList>, V2Error> {
        self.walk(
            &user_path(slug, &["lists"]),
            &[],
            Reach::All,
            limits,
            typed,
            |l: &TraktList| l.updated_at.or(l.created_at),
        )
        .await
    }

    /// Every item of one of the user's lists, page by page up to the cap.
    pub async fn user_list_items(
        &self,
        slug: &str,
        list: ListId,
        limits: WalkLimits,
    ) -> Result<Walk<ListItem>, V2Error> {
        let id = list.to_string();
        self.walk(
            &user_path(slug, &["lists", &id, "items"]),
            &[],
            Reach::All,
            limits,
            typed,
            |i: &ListItem| Some(i.listed_at),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(path: &str) -> String {
        let path = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(path).expect("fixture")
    }

    #[test]
    fn the_collection_comment_list_and_watchlist_fixtures_parse() {
        let c: Vec<CollectedShow> =
            serde_json::from_str(&read("trakt-v2/user-collection-shows.json")).expect("shows");
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].seasons[0].episodes.len(), 4);
        assert!(c[0].seasons[0].episodes[3].collected_at.is_some());
        let m: Vec<CollectedMovie> =
            serde_json::from_str(&read("user-sources/user-collection-movies.json"))
                .expect("movies");
        assert!(m
            .iter()
            .all(|m| m.movie.is_some() && m.collected_at.is_some()));
        let w: Vec<CommentWrapper> =
            serde_json::from_str(&read("trakt-v2/user-comments.json")).expect("comments");
        assert_eq!(w.len(), 3);
        assert!(w.iter().any(|w| w.list.is_some()));
        let l: Vec<TraktList> =
            serde_json::from_str(&read("trakt-v2/user-lists.json")).expect("lists");
        assert_eq!(l.len(), 2);
        let stats: UserStats =
            serde_json::from_str(&read("user-sources/user-stats.json")).expect("stats");
        assert_eq!(stats.collected_episodes(), Some(7));
        assert_eq!(stats.collected_movies(), Some(2));
        let items: Vec<ListItem> =
            serde_json::from_str(&read("user-sources/user-watchlist-movies.json")).expect("w");
        assert!(items.iter().all(|i| i.movie.is_some()));
        let items: Vec<ListItem> =
            serde_json::from_str(&read("user-sources/user-watchlist-episodes.json")).expect("w");
        assert!(items
            .iter()
            .all(|i| i.episode.is_some() && i.show.is_some()));
    }
}
