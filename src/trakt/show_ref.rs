//! `ShowRef`: a validated reference to a show: a Trakt slug or a numeric TVDB
//! id (what v1 follows are stored by), or a Trakt id (`trakt:1393`, what v2
//! follows are stored by, once `/follow` has resolved what the user typed).
//! Anything else is refused here, before it can get near a URL.

use std::fmt;

/// Longest slug accepted. Real Trakt slugs are far shorter; the cap keeps URLs bounded.
pub const MAX_SLUG_LEN: usize = 100;

/// A show, as a user or the API names it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ShowRef {
    /// A Trakt slug such as `the-walking-dead`.
    Slug(String),
    /// A numeric TVDB id such as `153021`.
    Tvdb(u64),
    /// Trakt's own numeric id, written `trakt:1393` (v2 follows).
    Trakt(u64),
}

/// The text prefix of a [`ShowRef::Trakt`].
pub const TRAKT_PREFIX: &str = "trakt:";

/// Why a show reference was refused. The text is shown to users.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShowRefError {
    #[error("the show is empty: give a Trakt slug such as `the-walking-dead` or a TVDB id such as `153021`")]
    Empty,
    #[error("the show is {0} characters long; at most {MAX_SLUG_LEN} are allowed")]
    TooLong(usize),
    #[error("the show must be lower-case: try `{0}`")]
    Uppercase(String),
    #[error("the show contains a space: Trakt slugs use hyphens, e.g. `the-walking-dead`")]
    Space,
    #[error("the show contains `{0}`, which is not allowed: use only a-z, 0-9 and single hyphens (e.g. `the-walking-dead`)")]
    InvalidChar(char),
    #[error("the show must not start or end with a hyphen, or contain two in a row")]
    BadHyphen,
    #[error("the id `{0}` is too large")]
    IdOverflow(String),
    #[error("`{0}` is not a Trakt id: write `trakt:` and digits, e.g. `trakt:1393`")]
    TraktId(String),
}

impl ShowRef {
    /// Parse and validate user or config input.
    pub fn parse(input: &str) -> Result<Self, ShowRefError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(ShowRefError::Empty);
        }
        if let Some(digits) = s.strip_prefix(TRAKT_PREFIX) {
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ShowRefError::TraktId(s.to_owned()));
            }
            return digits
                .parse()
                .map(ShowRef::Trakt)
                .map_err(|_| ShowRefError::IdOverflow(s.to_owned()));
        }
        let chars = s.chars().count();
        if chars > MAX_SLUG_LEN {
            return Err(ShowRefError::TooLong(chars));
        }
        if s.chars().any(char::is_whitespace) {
            return Err(ShowRefError::Space);
        }
        if let Some(c) = s
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
        {
            return Err(ShowRefError::InvalidChar(c));
        }
        if s.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(ShowRefError::Uppercase(s.to_ascii_lowercase()));
        }
        if s.starts_with('-') || s.ends_with('-') || s.contains("--") {
            return Err(ShowRefError::BadHyphen);
        }
        if s.bytes().all(|b| b.is_ascii_digit()) {
            return s
                .parse()
                .map(ShowRef::Tvdb)
                .map_err(|_| ShowRefError::IdOverflow(s.to_owned()));
        }
        Ok(ShowRef::Slug(s.to_owned()))
    }

    /// The path-segment form (`the-walking-dead`, `153021`; a Trakt id is
    /// its digits, which v2 paths take as is). Always URL-safe.
    pub fn as_segment(&self) -> String {
        match self {
            ShowRef::Trakt(id) => id.to_string(),
            other => other.to_string(),
        }
    }

    /// The Trakt id, for a show stored by it.
    pub fn trakt_id(&self) -> Option<u64> {
        match self {
            ShowRef::Trakt(id) => Some(*id),
            _ => None,
        }
    }

    /// Whether a show object from the API is this show.
    pub fn matches(&self, slug: Option<&str>, tvdb_id: Option<u64>) -> bool {
        self.matches_ids(None, slug, tvdb_id)
    }

    /// As [`ShowRef::matches`], with the show's Trakt id when the source has it.
    pub fn matches_ids(
        &self,
        trakt: Option<u64>,
        slug: Option<&str>,
        tvdb_id: Option<u64>,
    ) -> bool {
        match self {
            ShowRef::Slug(s) => slug == Some(s.as_str()),
            ShowRef::Tvdb(id) => tvdb_id == Some(*id),
            ShowRef::Trakt(id) => trakt == Some(*id),
        }
    }
}

impl fmt::Display for ShowRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShowRef::Slug(s) => f.write_str(s),
            ShowRef::Tvdb(id) => write!(f, "{id}"),
            ShowRef::Trakt(id) => write!(f, "{TRAKT_PREFIX}{id}"),
        }
    }
}

super::text_form!(ShowRef, ShowRefError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_slugs_and_ids() {
        assert_eq!(
            ShowRef::parse("the-walking-dead"),
            Ok(ShowRef::Slug("the-walking-dead".into()))
        );
        assert_eq!(ShowRef::parse("153021"), Ok(ShowRef::Tvdb(153021)));
        assert_eq!(ShowRef::parse(" fargo "), Ok(ShowRef::Slug("fargo".into())));
        assert_eq!(ShowRef::parse("24s"), Ok(ShowRef::Slug("24s".into())));
        assert_eq!(ShowRef::parse("trakt:1393"), Ok(ShowRef::Trakt(1393)));
        assert_eq!(ShowRef::Trakt(1393).to_string(), "trakt:1393");
        assert_eq!(ShowRef::Trakt(1393).as_segment(), "1393");
        assert!(ShowRef::parse("trakt:").is_err());
        assert!(ShowRef::parse("trakt:x1")
            .unwrap_err()
            .to_string()
            .contains("trakt:1393"));
    }

    #[test]
    fn refuses_everything_else_with_a_reason() {
        let cases: &[(&str, &str)] = &[
            ("", "empty"),
            ("../x", "`.`"),
            ("a/b", "`/`"),
            ("a,b", "`,`"),
            ("x%2Fy", "`%`"),
            ("The Walking Dead", "space"),
            ("The-Walking-Dead", "lower-case"),
            ("-x", "hyphen"),
            ("x--y", "hyphen"),
            ("x?y", "`?`"),
            ("x#y", "`#`"),
            ("é", "`é`"),
            ("99999999999999999999999", "too large"),
        ];
        for (input, needle) in cases {
            let err = ShowRef::parse(input).expect_err(input).to_string();
            assert!(err.contains(needle), "{input:?} → {err}");
        }
        let long = "a".repeat(300);
        let err = ShowRef::parse(&long).expect_err("long").to_string();
        assert!(err.contains("300 characters"), "{err}");
    }

    #[test]
    fn matches_api_show_objects() {
        let slug = ShowRef::Slug("fargo".into());
        assert!(slug.matches(Some("fargo"), None));
        assert!(!slug.matches(Some("fargo-2"), Some(1)));
        let id = ShowRef::Tvdb(7);
        assert!(id.matches(None, Some(7)));
        assert!(!id.matches(Some("7"), None));
        let trakt = ShowRef::Trakt(1393);
        assert!(trakt.matches_ids(Some(1393), Some("x"), None));
        assert!(!trakt.matches(Some("1393"), Some(1393)));
    }

    #[test]
    fn serde_round_trip_validates() {
        let json = serde_json::to_string(&ShowRef::Tvdb(5)).expect("ser");
        assert_eq!(json, "\"5\"");
        let back: ShowRef = serde_json::from_str(&json).expect("de");
        assert_eq!(back, ShowRef::Tvdb(5));
        assert!(serde_json::from_str::<ShowRef>("\"a/b\"").is_err());
    }
}
