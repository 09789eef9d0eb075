//! What an activity is about: a show (whole, one season, one episode or a run
//! of episodes), a movie, a list, or — when the source's payload lacks what its
//! type calls for — nothing known beyond perhaps the show.

use serde::{Deserialize, Serialize};

use crate::trakt::ShowRef;

/// A show and its ids, as far as the source knows them.
///
/// `url` is set only when the source hands out the show's page (v1); `slug`
/// only when the source names it apart from the page (v2). Each is stored once:
/// [`Show::slug`] falls back to the page's last segment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Show {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<u64>,
    /// Trakt's numeric id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trakt: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tvdb: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imdb: Option<String>,
    /// The show's Trakt page as the source gave it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poster: Option<String>,
}

impl Show {
    /// The slug: the one the source named, else the last path segment of the
    /// show's Trakt page (`…/show/{slug}`).
    pub fn slug(&self) -> Option<&str> {
        self.slug
            .as_deref()
            .filter(|s| !s.is_empty())
            .or_else(|| slug_of(self.url.as_deref()?, "/show/"))
    }

    /// Whether this show is the show `show` names.
    pub fn is(&self, show: &ShowRef) -> bool {
        show.matches_ids(self.trakt, self.slug(), self.tvdb)
    }
}

/// The segment after `marker` in a URL, without query or fragment.
pub(crate) fn slug_of<'a>(url: &'a str, marker: &str) -> Option<&'a str> {
    let rest = &url[url.find(marker)? + marker.len()..];
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let slug = &rest[..end];
    (!slug.is_empty()).then_some(slug)
}

/// One season of a show.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Season {
    /// `0` is the specials.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<u64>,
    /// The season's page, when the source gives one; otherwise it is derived
    /// from the show's page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// One episode.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Episode {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub season: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The episode's page, when the source gives one; otherwise it is derived
    /// from the show's page and the numbers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A screenshot of the episode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub screenshot: Option<String>,
}

/// A movie.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Movie {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trakt: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imdb: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poster: Option<String>,
}

/// What was expected but missing from the source's payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expected {
    Show,
    Episode,
    Movie,
    /// The type itself was not said (a list item without a recognisable item).
    Something,
}

/// What an activity is about. Serialized with a `kind` tag.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Subject {
    /// The show as a whole.
    Show {
        show: Show,
    },
    /// One season of a show.
    Season {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        show: Option<Show>,
        season: Season,
    },
    /// One episode.
    Episode {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        show: Option<Show>,
        episode: Episode,
    },
    /// Two or more episodes of one show, sorted by (season, number), without
    /// duplicates; construct with [`Subject::episodes`].
    Episodes {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        show: Option<Show>,
        episodes: Vec<Episode>,
    },
    Movie {
        movie: Movie,
    },
    /// The list the activity names (in [`super::Activity::list`]).
    List,
    /// The payload the item's type calls for is missing.
    Missing {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        show: Option<Show>,
        expected: Expected,
    },
}

impl Subject {
    /// Episodes of a show as a subject: sorted by (season, number), numbered
    /// duplicates removed; one episode is [`Subject::Episode`], none is
    /// `Missing { expected: Episode }`.
    pub fn episodes(show: Option<Show>, mut episodes: Vec<Episode>) -> Subject {
        episodes.sort_by_key(|e| (e.season.is_none(), e.season, e.number.is_none(), e.number));
        episodes.dedup_by(|a, b| {
            a.season.is_some() && a.number.is_some() && a.season == b.season && a.number == b.number
        });
        match episodes.len() {
            0 => Subject::Missing {
                show,
                expected: Expected::Episode,
            },
            1 => match episodes.pop() {
                Some(episode) => Subject::Episode { show, episode },
                None => Subject::Missing {
                    show,
                    expected: Expected::Episode,
                },
            },
            _ => Subject::Episodes { show, episodes },
        }
    }

    /// The show the subject belongs to, if known.
    pub fn show(&self) -> Option<&Show> {
        match self {
            Subject::Show { show } => Some(show),
            Subject::Season { show, .. }
            | Subject::Episode { show, .. }
            | Subject::Episodes { show, .. }
            | Subject::Missing { show, .. } => show.as_ref(),
            Subject::Movie { .. } | Subject::List => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slug_from_url_or_named() {
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
        let named = Show {
            slug: Some("the-walking-dead".into()),
            url: Some("http://trakt.tv/show/other".into()),
            ..Show::default()
        };
        assert_eq!(named.slug(), Some("the-walking-dead"));
        assert!(named.is(&ShowRef::Slug("the-walking-dead".into())));
    }

    #[test]
    fn episodes_are_sorted_deduped_and_collapse() {
        let ep = |s: u64, n: u64| Episode {
            season: Some(s),
            number: Some(n),
            ..Episode::default()
        };
        let s = Subject::episodes(None, vec![ep(1, 3), ep(1, 1), ep(1, 3)]);
        let Subject::Episodes { episodes, .. } = s else {
            panic!("two episodes: {s:?}");
        };
        assert_eq!(episodes, vec![ep(1, 1), ep(1, 3)]);
        assert!(matches!(
            Subject::episodes(None, vec![ep(2, 2), ep(2, 2)]),
            Subject::Episode { .. }
        ));
        assert!(matches!(
            Subject::episodes(None, vec![]),
            Subject::Missing {
                expected: Expected::Episode,
                ..
            }
        ));
    }
}
