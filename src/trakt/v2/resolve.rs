//! What users type for a show (`/follow`, reference §2, §8.1, §8.2): a slug,
//! a pasted Trakt address (`…/shows/the-walking-dead/seasons/2`), an IMDb id
//! (`tt1520211`) or a numeric TVDB id — parsed purely into `ShowInput`, with
//! clear refusals for movie and person addresses and garbage — then resolved
//! through the client to the show's Trakt id, slug and title.

use super::client::{ApiPath, Fetched, V2Client};
use super::error::V2Error;
use super::wire::{SearchResult, Show, ShowId};
use crate::trakt::show_ref::{ShowRef, ShowRefError};

/// A show as typed, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShowInput {
    Slug(String),
    /// A numeric id inside a Trakt address (`/shows/1393`).
    TraktId(u64),
    /// `tt` and digits, lower-cased.
    Imdb(String),
    /// A bare number: a TVDB id, as on v1.
    Tvdb(u64),
}

/// Why an input does not name a show, or resolving it failed. The text is
/// shown to the user (privately).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    #[error("that is a movie on Trakt (`{0}`), not a show; only shows can be followed")]
    Movie(String),
    #[error("that is a person on Trakt (`{0}`), not a show")]
    Person(String),
    #[error("that Trakt address is not a show page: paste one like `https://trakt.tv/shows/the-walking-dead`")]
    OtherTraktPage,
    #[error("that address is not on trakt.tv: give a Trakt show address, a slug such as `the-walking-dead`, an IMDb id such as `tt1520211` or a TVDB id such as `153021`")]
    NotTrakt,
    #[error("{0}")]
    Invalid(ShowRefError),
    #[error("Trakt knows no show `{0}`")]
    Unknown(String),
    #[error("TVDB id {id} is not a show on Trakt (it is a {kind})")]
    TvdbNotShow { id: u64, kind: String },
    #[error("{0}")]
    Trakt(V2Error),
}

/// A resolved show: what the store keeps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedShow {
    pub id: ShowId,
    pub slug: String,
    pub title: String,
    pub year: Option<u32>,
}

impl From<Show> for ResolvedShow {
    fn from(show: Show) -> Self {
        ResolvedShow {
            id: show.ids.trakt,
            slug: show.ids.slug,
            title: show.title,
            year: show.year,
        }
    }
}

const TRAKT_HOSTS: [&str; 3] = ["trakt.tv", "www.trakt.tv", "app.trakt.tv"];

impl ShowInput {
    pub fn parse(input: &str) -> Result<ShowInput, ResolveError> {
        let s = input.trim();
        if looks_like_address(s) {
            return parse_address(s);
        }
        if let Some(imdb) = imdb_id(s) {
            return Ok(ShowInput::Imdb(imdb));
        }
        match ShowRef::parse(s).map_err(ResolveError::Invalid)? {
            ShowRef::Slug(slug) => Ok(ShowInput::Slug(slug)),
            ShowRef::Tvdb(id) => Ok(ShowInput::Tvdb(id)),
            ShowRef::Trakt(id) => Ok(ShowInput::TraktId(id)),
        }
    }

    /// The label used in messages.
    pub fn label(&self) -> String {
        match self {
            ShowInput::Slug(s) | ShowInput::Imdb(s) => s.clone(),
            ShowInput::TraktId(id) => format!("Trakt id {id}"),
            ShowInput::Tvdb(id) => format!("TVDB id {id}"),
        }
    }
}

fn looks_like_address(s: &str) -> bool {
    s.contains("://") || TRAKT_HOSTS.iter().any(|h| s.starts_with(&format!("{h}/")))
}

/// `tt` followed by digits (any case), as `tt1520211`.
fn imdb_id(s: &str) -> Option<String> {
    let lower = s.to_ascii_lowercase();
    let digits = lower.strip_prefix("tt")?;
    (digits.len() >= 5 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(lower)
}

fn parse_address(s: &str) -> Result<ShowInput, ResolveError> {
    let with_scheme = if s.contains("://") {
        s.to_owned()
    } else {
        format!("https://{s}")
    };
    let url = url::Url::parse(&with_scheme).map_err(|_| ResolveError::NotTrakt)?;
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    if !matches!(url.scheme(), "http" | "https") || !TRAKT_HOSTS.contains(&host.as_str()) {
        return Err(ResolveError::NotTrakt);
    }
    let mut segments = url
        .path_segments()
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty());
    let kind = segments.next().unwrap_or_default();
    let Some(id) = segments.next() else {
        return Err(ResolveError::OtherTraktPage);
    };
    let id = percent_encoding::percent_decode_str(id)
        .decode_utf8_lossy()
        .into_owned();
    match kind {
        // Anything after the slug (`/seasons/2`, `/seasons/2/episodes/3`,
        // `/comments`) still names the show.
        "shows" => {
            if let Some(imdb) = imdb_id(&id) {
                return Ok(ShowInput::Imdb(imdb));
            }
            match ShowRef::parse(&id).map_err(ResolveError::Invalid)? {
                ShowRef::Slug(slug) => Ok(ShowInput::Slug(slug)),
                ShowRef::Tvdb(n) | ShowRef::Trakt(n) => Ok(ShowInput::TraktId(n)),
            }
        }
        "movies" => Err(ResolveError::Movie(id)),
        "people" => Err(ResolveError::Person(id)),
        _ => Err(ResolveError::OtherTraktPage),
    }
}

impl V2Client {
    /// Resolve what a user typed: slug, address and IMDb id through
    /// `/shows/{id}`; a TVDB id through `/search/tvdb/{id}?type=show`.
    pub async fn resolve_show(&self, input: &ShowInput) -> Result<ResolvedShow, ResolveError> {
        self.lookup_show(input)
            .await
            .map(|f| ResolvedShow::from(f.value))
    }

    /// As [`V2Client::resolve_show`], keeping the show as Trakt sent it and
    /// the answer's headers (its `Date` is Trakt's clock at the lookup).
    pub async fn lookup_show(&self, input: &ShowInput) -> Result<Fetched<Show>, ResolveError> {
        let by_path = |id: String| async move {
            match self.show_summary(&id, false).await {
                Ok(f) => Ok(f),
                Err(V2Error::NotFound) => Err(ResolveError::Unknown(input.label())),
                Err(e) => Err(ResolveError::Trakt(e)),
            }
        };
        match input {
            ShowInput::Slug(s) | ShowInput::Imdb(s) => by_path(s.clone()).await,
            ShowInput::TraktId(id) => by_path(id.to_string()).await,
            ShowInput::Tvdb(id) => self.resolve_tvdb(*id, input).await,
        }
    }

    async fn resolve_tvdb(
        &self,
        id: u64,
        input: &ShowInput,
    ) -> Result<Fetched<Show>, ResolveError> {
        let path = ApiPath::new(&["search", "tvdb", &id.to_string()]);
        let query = [("type", "show".to_owned())];
        let page = self
            .get_page::<SearchResult>(&path, &query, 1, 10)
            .await
            .map_err(|e| match e {
                V2Error::NotFound => ResolveError::Unknown(input.label()),
                e => ResolveError::Trakt(e),
            })?;
        if let Some(show) = page.items.iter().find_map(|r| r.show.clone()) {
            return Ok(Fetched {
                value: show,
                meta: page.meta,
            });
        }
        match page.items.first() {
            Some(other) => Err(ResolveError::TvdbNotShow {
                id,
                kind: other.r#type.clone(),
            }),
            None => Err(ResolveError::Unknown(input.label())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> ShowInput {
        ShowInput::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn every_way_of_naming_the_walking_dead() {
        let slug = ShowInput::Slug("the-walking-dead".into());
        assert_eq!(ok("the-walking-dead"), slug);
        assert_eq!(ok("  the-walking-dead "), slug);
        for address in [
            "https://trakt.tv/shows/the-walking-dead",
            "https://trakt.tv/shows/the-walking-dead/",
            "https://trakt.tv/shows/the-walking-dead/seasons/2",
            "https://trakt.tv/shows/the-walking-dead/seasons/2/episodes/3",
            "http://www.trakt.tv/shows/the-walking-dead?utm=x#top",
            "trakt.tv/shows/the-walking-dead",
            "https://app.trakt.tv/shows/the-walking-dead",
        ] {
            assert_eq!(ok(address), slug, "{address}");
        }
        assert_eq!(ok("tt1520211"), ShowInput::Imdb("tt1520211".into()));
        assert_eq!(ok("TT1520211"), ShowInput::Imdb("tt1520211".into()));
        assert_eq!(ok("153021"), ShowInput::Tvdb(153021));
        assert_eq!(ok("https://trakt.tv/shows/1393"), ShowInput::TraktId(1393));
    }

    #[test]
    fn movies_people_and_garbage_are_refused_with_what_they_are() {
        let err = |s: &str| ShowInput::parse(s).expect_err(s);
        assert_eq!(
            err("https://trakt.tv/movies/tron-legacy-2010"),
            ResolveError::Movie("tron-legacy-2010".into())
        );
        assert!(err("https://trakt.tv/movies/tron-legacy-2010")
            .to_string()
            .contains("movie"));
        assert_eq!(
            err("https://trakt.tv/people/norman-reedus"),
            ResolveError::Person("norman-reedus".into())
        );
        assert_eq!(
            err("https://trakt.tv/users/moonfield"),
            ResolveError::OtherTraktPage
        );
        assert_eq!(err("https://trakt.tv/shows"), ResolveError::OtherTraktPage);
        assert_eq!(err("https://example.com/shows/x"), ResolveError::NotTrakt);
        assert_eq!(err("ftp://trakt.tv/shows/x"), ResolveError::NotTrakt);
        assert!(matches!(err("The Walking Dead"), ResolveError::Invalid(_)));
        assert!(matches!(err(""), ResolveError::Invalid(_)));
        assert!(matches!(err("drop;table"), ResolveError::Invalid(_)));
        assert!(matches!(
            err("https://trakt.tv/shows/Bad%20Slug"),
            ResolveError::Invalid(_)
        ));
    }
}
