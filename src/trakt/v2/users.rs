//! A followed public user's v2 endpoints (reference §8.11–§8.14, §8.17,
//! §10.2) and their wire types: the profile (checked at follow time), the
//! watch history from `start_at` (scrobbles, check-ins, manual watches),
//! ratings, the shows watchlist, and what the user is watching now (200 or
//! 204). The walks stop at a bound (watermark − overlap) like the show
//! walks; a private profile answers 401 with `X-Private-User` ([`V2Error::PrivateUser`]).

use serde::Deserialize;

use super::client::{ApiPath, Fetched, V2Client};
use super::endpoints::{typed, Reach, Walk, WalkLimits};
use super::error::V2Error;
use super::wire::{Episode, ListItem, Movie, Season, Show, Timestamp, User};
use crate::trakt::lenient::opt_object;

/// `images` of a full profile: the avatar URL, when Trakt gives one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct ProfileImages {
    #[serde(default, deserialize_with = "opt_object")]
    pub avatar: Option<ImageSizes>,
}

/// An image in its sizes (only `full` is used).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct ImageSizes {
    #[serde(default)]
    pub full: Option<String>,
}

/// `GET /users/{id}?extended=full` (§8.11).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct UserProfile {
    #[serde(flatten)]
    pub user: User,
    #[serde(default, deserialize_with = "opt_object")]
    pub images: Option<ProfileImages>,
}

impl UserProfile {
    /// The avatar's URL, when the profile has one.
    pub fn avatar(&self) -> Option<&str> {
        self.images
            .as_ref()?
            .avatar
            .as_ref()?
            .full
            .as_deref()
            .filter(|u| !u.is_empty())
    }
}

/// One history event (§8.12): `id` is unique per event.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct HistoryItem {
    pub id: u64,
    pub watched_at: Timestamp,
    /// `scrobble`, `checkin` or `watch`.
    pub action: String,
    pub r#type: String,
    #[serde(default, deserialize_with = "opt_object")]
    pub show: Option<Show>,
    #[serde(default, deserialize_with = "opt_object")]
    pub episode: Option<Episode>,
    #[serde(default, deserialize_with = "opt_object")]
    pub movie: Option<Movie>,
}

/// One rating (§8.13): no id; `rated_at` changes when the rating does.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct RatedItem {
    pub rated_at: Timestamp,
    pub rating: u64,
    pub r#type: String,
    #[serde(default, deserialize_with = "opt_object")]
    pub show: Option<Show>,
    #[serde(default, deserialize_with = "opt_object")]
    pub season: Option<Season>,
    #[serde(default, deserialize_with = "opt_object")]
    pub episode: Option<Episode>,
    #[serde(default, deserialize_with = "opt_object")]
    pub movie: Option<Movie>,
}

/// `GET /users/{id}/watching` when watching (§8.17).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Watching {
    pub started_at: Timestamp,
    #[serde(default)]
    pub expires_at: Option<Timestamp>,
    /// `scrobble` or `checkin`.
    #[serde(default)]
    pub action: Option<String>,
    pub r#type: String,
    #[serde(default, deserialize_with = "opt_object")]
    pub show: Option<Show>,
    #[serde(default, deserialize_with = "opt_object")]
    pub episode: Option<Episode>,
    #[serde(default, deserialize_with = "opt_object")]
    pub movie: Option<Movie>,
}

fn user_path(slug: &str, rest: &[&str]) -> ApiPath {
    let mut segments = vec!["users", slug];
    segments.extend_from_slice(rest);
    ApiPath::new(&segments)
}

impl V2Client {
    /// `GET /users/{slug}?extended=full`: 401 + `X-Private-User` is
    /// [`V2Error::PrivateUser`], an unknown user [`V2Error::NotFound`].
    pub async fn user_profile(&self, slug: &str) -> Result<Fetched<UserProfile>, V2Error> {
        let query = [("extended", "full".to_owned())];
        self.get_one(&user_path(slug, &[]), &query).await
    }

    /// History events watched after `bound` (sent as `start_at`), newest first.
    pub async fn user_history_since(
        &self,
        slug: &str,
        bound: Option<Timestamp>,
        limits: WalkLimits,
    ) -> Result<Walk<HistoryItem>, V2Error> {
        let mut query = Vec::new();
        if let Some(b) = bound {
            query.push(("start_at", b.0.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()));
        }
        self.walk(
            &user_path(slug, &["history"]),
            &query,
            Reach::Back(bound),
            limits,
            typed,
            |h: &HistoryItem| Some(h.watched_at),
        )
        .await
    }

    /// Ratings given after `bound`, newest first (`/ratings/all`).
    pub async fn user_ratings_since(
        &self,
        slug: &str,
        bound: Option<Timestamp>,
        limits: WalkLimits,
    ) -> Result<Walk<RatedItem>, V2Error> {
        self.walk(
            &user_path(slug, &["ratings", "all"]),
            &[],
            Reach::Back(bound),
            limits,
            typed,
            |r: &RatedItem| Some(r.rated_at),
        )
        .await
    }

    /// Shows added to the watchlist after `bound`, newest first
    /// (`/watchlist/shows/added`).
    pub async fn user_watchlist_since(
        &self,
        slug: &str,
        bound: Option<Timestamp>,
        limits: WalkLimits,
    ) -> Result<Walk<ListItem>, V2Error> {
        self.walk(
            &user_path(slug, &["watchlist", "shows", "added"]),
            &[],
            Reach::Back(bound),
            limits,
            typed,
            |i: &ListItem| Some(i.listed_at),
        )
        .await
    }

    /// What the user is watching now (`None`: 204, nothing).
    pub async fn user_watching(&self, slug: &str) -> Result<Fetched<Option<Watching>>, V2Error> {
        self.get_optional(&user_path(slug, &["watching"]), &[])
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        let path = format!(
            "{}/tests/fixtures/trakt-v2/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(path).expect("fixture")
    }

    #[test]
    fn the_user_fixtures_parse() {
        let p: UserProfile = serde_json::from_str(&fixture("user-profile.json")).expect("profile");
        assert_eq!(p.user.ids.slug.0, "moonfield");
        assert!(p.avatar().is_some_and(|a| a.starts_with("https://")));
        let h: Vec<HistoryItem> =
            serde_json::from_str(&fixture("user-history.json")).expect("history");
        assert_eq!(h.len(), 5);
        assert!(h.iter().any(|i| i.movie.is_some()));
        let r: Vec<RatedItem> = serde_json::from_str(&fixture("user-ratings.json")).expect("r");
        assert_eq!(r.len(), 4);
        let w: Vec<ListItem> = serde_json::from_str(&fixture("user-watchlist.json")).expect("w");
        assert_eq!(w.len(), 3);
        let now: Watching = serde_json::from_str(&fixture("user-watching.json")).expect("now");
        assert_eq!(now.episode.map(|e| e.number), Some(24));
    }
}
