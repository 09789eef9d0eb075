//! The typed activity model: one `Activity` per item of an `activity/shows`
//! response, parsed leniently (reference §6–§9), with its dedupe identity (§11).
//!
//! The same types are what the outbox stores today, so they serialize back to
//! JSON that the same lenient deserializers read again. The bot's own model is
//! `crate::activity`; `super::v1_map` maps these types into it. The dedupe
//! identity (`key`) is computed here and must never change (stores hold it).

use serde::{Deserialize, Serialize};

use super::action::{Action, ItemType};
use super::lenient;
use super::show_ref::ShowRef;
use crate::activity::subject_slug_of as slug_of;
pub use crate::activity::{ActivityKey, TraktTime};

/// The envelope's `timestamps`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timestamps {
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub start: Option<i64>,
    #[serde(deserialize_with = "lenient::i64_required")]
    pub current: i64,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub end: Option<i64>,
}

/// The user who did something. Only `username` is reliable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub username: String,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub full_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub avatar: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "lenient::bool_loose")]
    pub protected: bool,
}

/// Image URLs; any may be missing or a placeholder (reference §9).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Images {
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub poster: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub fanart: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub banner: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub screen: Option<String>,
}

/// A show object.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Show {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub year: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub tvdb_id: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub imdb_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_object")]
    pub images: Option<Images>,
}

impl Show {
    /// The slug: the last path segment of the show's Trakt URL.
    pub fn slug(&self) -> Option<&str> {
        slug_of(self.url.as_deref()?, "/show/")
    }

    /// Whether this show object is the show `show` names.
    pub fn is(&self, show: &ShowRef) -> bool {
        show.matches(self.slug(), self.tvdb_id)
    }
}

/// An episode object. `number` falls back to the duplicate `episode` key.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "RawEpisode")]
pub struct Episode {
    pub season: Option<u64>,
    pub number: Option<u64>,
    pub title: Option<String>,
    pub url: Option<String>,
    pub images: Option<Images>,
}

#[derive(Deserialize)]
struct RawEpisode {
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    season: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    number: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    episode: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    title: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    url: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_object")]
    images: Option<Images>,
}

impl From<RawEpisode> for Episode {
    fn from(raw: RawEpisode) -> Self {
        Episode {
            season: raw.season,
            number: raw.number.or(raw.episode),
            title: raw.title,
            url: raw.url,
            images: raw.images,
        }
    }
}

/// A movie object.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Movie {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub year: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub imdb_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub tmdb_id: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_object")]
    pub images: Option<Images>,
}

/// A user list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct List {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub slug: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub privacy: Option<String>,
}

/// What was added to a list (`item_added`). `kind` is the raw `type` (`show`,
/// `episode`, `movie`, perhaps `season`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListItem {
    #[serde(rename = "type", default, deserialize_with = "lenient::opt_string")]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_object")]
    pub show: Option<Show>,
    #[serde(default, deserialize_with = "lenient::opt_object")]
    pub episode: Option<Episode>,
    #[serde(default, deserialize_with = "lenient::opt_object")]
    pub movie: Option<Movie>,
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub season: Option<u64>,
}

/// A shout or a review.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub id: Option<u64>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub text: Option<String>,
    #[serde(default, deserialize_with = "lenient::bool_loose")]
    pub spoiler: bool,
}

/// The simple love/hate scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Love {
    Love,
    Hate,
}

fn opt_love<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Love>, D::Error> {
    Ok(
        lenient::opt_string(d)?.and_then(|s| match s.to_ascii_lowercase().as_str() {
            "love" => Some(Love::Love),
            "hate" => Some(Love::Hate),
            _ => None,
        }),
    )
}

/// One activity item, normalized. Which payload fields are set depends on
/// `action` × `kind` (reference §5, §8).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    #[serde(default, deserialize_with = "lenient::opt_u64")]
    pub id: Option<u64>,
    #[serde(deserialize_with = "lenient::i64_required")]
    pub timestamp: i64,
    #[serde(rename = "type")]
    pub kind: ItemType,
    pub action: Action,
    pub user: User,
    #[serde(
        default,
        deserialize_with = "lenient::opt_object",
        skip_serializing_if = "Option::is_none"
    )]
    pub show: Option<Show>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_object",
        skip_serializing_if = "Option::is_none"
    )]
    pub episode: Option<Episode>,
    #[serde(
        default,
        deserialize_with = "lenient::vec_objects",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub episodes: Vec<Episode>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_object",
        skip_serializing_if = "Option::is_none"
    )]
    pub movie: Option<Movie>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_object",
        skip_serializing_if = "Option::is_none"
    )]
    pub list: Option<List>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_object",
        skip_serializing_if = "Option::is_none"
    )]
    pub list_item: Option<ListItem>,
    #[serde(
        default,
        deserialize_with = "opt_love",
        skip_serializing_if = "Option::is_none"
    )]
    pub rating: Option<Love>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub rating_advanced: Option<u64>,
    #[serde(default, deserialize_with = "lenient::bool_loose")]
    pub use_rating_advanced: bool,
    #[serde(
        default,
        deserialize_with = "lenient::opt_object",
        skip_serializing_if = "Option::is_none"
    )]
    pub shout: Option<Comment>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_object",
        skip_serializing_if = "Option::is_none"
    )]
    pub review: Option<Comment>,
    #[serde(
        default,
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub watched: Option<u64>,
}

impl Activity {
    /// The server time of the activity.
    pub fn time(&self) -> TraktTime {
        TraktTime(self.timestamp)
    }

    /// The show this activity is about, if it names one (directly or via a list item).
    pub fn subject_show(&self) -> Option<&Show> {
        self.show
            .as_ref()
            .or_else(|| self.list_item.as_ref().and_then(|li| li.show.as_ref()))
    }

    /// Whether this activity concerns `show`.
    pub fn is_about(&self, show: &ShowRef) -> bool {
        self.subject_show().is_some_and(|s| s.is(show))
    }

    /// The dedupe identity.
    pub fn key(&self) -> ActivityKey {
        if let Some(id) = self.id {
            return ActivityKey(format!("{}:{id}", self.kind));
        }
        let mut h = Fnv64::new();
        h.field(&self.timestamp.to_string());
        h.field(self.kind.as_str());
        h.field(self.action.as_str());
        h.field(&self.user.username);
        if let Some(show) = self.subject_show() {
            h.field(show.url.as_deref().unwrap_or(""));
            h.field(&show.tvdb_id.map(|i| i.to_string()).unwrap_or_default());
        }
        for ep in self.episode.iter().chain(self.episodes.iter()) {
            h.field(&format!("{:?}x{:?}", ep.season, ep.number));
        }
        if let Some(movie) = &self.movie {
            h.field(
                movie
                    .imdb_id
                    .as_deref()
                    .or(movie.url.as_deref())
                    .unwrap_or(""),
            );
        }
        if let Some(list) = &self.list {
            h.field(list.slug.as_deref().or(list.url.as_deref()).unwrap_or(""));
        }
        for c in self.shout.iter().chain(self.review.iter()) {
            h.field(&c.id.map(|i| i.to_string()).unwrap_or_default());
        }
        ActivityKey(format!("h:{:016x}", h.finish()))
    }
}

/// FNV-1a, 64 bit: a hash whose value never changes between builds or platforms.
struct Fnv64(u64);

impl Fnv64 {
    fn new() -> Self {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }
    fn field(&mut self, s: &str) {
        for b in s.bytes().chain(std::iter::once(0x1f)) {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slug_from_url() {
        assert_eq!(
            slug_of("http://trakt.tv/show/fargo", "/show/"),
            Some("fargo")
        );
        assert_eq!(
            slug_of("http://trakt.tv/show/fargo/season/1/episode/2", "/show/"),
            Some("fargo")
        );
        assert_eq!(
            slug_of("http://trakt.tv/show/fargo?x=1", "/show/"),
            Some("fargo")
        );
        assert_eq!(slug_of("http://trakt.tv/movie/x", "/show/"), None);
    }

    #[test]
    fn lenient_fields() {
        let json = r#"{"timestamp":"12","type":"episode","action":"seen",
            "user":{"username":"u","full_name":null},
            "show":{"title":"T","tvdb_id":"153021","images":[]},
            "episodes":[{"season":"1","episode":3,"title":""}],
            "rating":false,"rating_advanced":"7","use_rating_advanced":1}"#;
        let a: Activity = serde_json::from_str(json).expect("parse");
        assert_eq!(a.timestamp, 12);
        assert_eq!(a.id, None);
        let show = a.show.as_ref().expect("show");
        assert_eq!(show.tvdb_id, Some(153021));
        assert_eq!(show.images, None);
        assert_eq!(a.episodes[0].season, Some(1));
        assert_eq!(a.episodes[0].number, Some(3));
        assert_eq!(a.episodes[0].title, None);
        assert_eq!(a.rating, None);
        assert_eq!(a.rating_advanced, Some(7));
        assert!(a.use_rating_advanced);
        // Round-trips through its own serialization.
        let back: Activity =
            serde_json::from_str(&serde_json::to_string(&a).expect("ser")).expect("de");
        assert_eq!(back, a);
        assert!(a.key().0.starts_with("h:"));
        assert_eq!(a.key(), back.key());
    }

    #[test]
    fn key_uses_type_and_id() {
        let json =
            r#"{"id":5,"timestamp":1,"type":"show","action":"shout","user":{"username":"u"}}"#;
        let a: Activity = serde_json::from_str(json).expect("parse");
        assert_eq!(a.key().0, "show:5");
    }

    #[test]
    fn unknown_action_is_an_error_for_that_item() {
        let json =
            r#"{"id":5,"timestamp":1,"type":"show","action":"dance","user":{"username":"u"}}"#;
        assert!(serde_json::from_str::<Activity>(json).is_err());
    }
}
