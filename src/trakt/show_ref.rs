//! `ShowRef`: a validated reference to a show (a Trakt slug or a numeric TVDB id).
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
}

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
    #[error("the TVDB id `{0}` is too large")]
    IdOverflow(String),
}

impl ShowRef {
    /// Parse and validate user or config input.
    pub fn parse(input: &str) -> Result<Self, ShowRefError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(ShowRefError::Empty);
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

    /// The path-segment form (`the-walking-dead` or `153021`). Always URL-safe.
    pub fn as_segment(&self) -> String {
        self.to_string()
    }

    /// Whether a show object from the API is this show.
    pub fn matches(&self, slug: Option<&str>, tvdb_id: Option<u64>) -> bool {
        match self {
            ShowRef::Slug(s) => slug == Some(s.as_str()),
            ShowRef::Tvdb(id) => tvdb_id == Some(*id),
        }
    }
}

impl fmt::Display for ShowRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShowRef::Slug(s) => f.write_str(s),
            ShowRef::Tvdb(id) => write!(f, "{id}"),
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
