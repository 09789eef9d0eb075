//! Trakt web pages of the v2 era (`https://trakt.tv/…`), built from ids and
//! slugs. The v2 API hands out no URLs; these are the site's documented forms.
//! Each segment is percent-encoded as a path segment.

use url::Url;

/// The Trakt web site.
pub const TRAKT_SITE: &str = "https://trakt.tv";

fn page(segments: &[&str]) -> Option<String> {
    let mut url = Url::parse(TRAKT_SITE).ok()?;
    url.path_segments_mut().ok()?.clear().extend(segments);
    Some(url.into())
}

/// `https://trakt.tv/comments/{id}`.
pub fn comment(id: u64) -> Option<String> {
    page(&["comments", &id.to_string()])
}

/// `https://trakt.tv/users/{slug}`.
pub fn profile(user_slug: &str) -> Option<String> {
    (!user_slug.is_empty()).then(|| page(&["users", user_slug]))?
}

/// `https://trakt.tv/users/{owner}/lists/{list}`, where `list` is the list's
/// slug or, without one, its numeric id.
pub fn list(owner_slug: &str, list_slug_or_id: &str) -> Option<String> {
    if owner_slug.is_empty() || list_slug_or_id.is_empty() {
        return None;
    }
    page(&["users", owner_slug, "lists", list_slug_or_id])
}

/// `https://trakt.tv/shows/{slug}`.
pub fn show(slug: &str) -> Option<String> {
    (!slug.is_empty()).then(|| page(&["shows", slug]))?
}

/// `https://trakt.tv/shows/{slug}/seasons/{n}`.
pub fn season(slug: &str, season: u64) -> Option<String> {
    (!slug.is_empty()).then(|| page(&["shows", slug, "seasons", &season.to_string()]))?
}

/// `https://trakt.tv/shows/{slug}/seasons/{n}/episodes/{m}`.
pub fn episode(slug: &str, season: u64, number: u64) -> Option<String> {
    let (s, n) = (season.to_string(), number.to_string());
    (!slug.is_empty()).then(|| page(&["shows", slug, "seasons", &s, "episodes", &n]))?
}

/// `https://trakt.tv/movies/{slug}`.
pub fn movie(slug: &str) -> Option<String> {
    (!slug.is_empty()).then(|| page(&["movies", slug]))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_have_the_sites_forms() {
        assert_eq!(
            comment(8104471).as_deref(),
            Some("https://trakt.tv/comments/8104471")
        );
        assert_eq!(
            profile("ellie-r").as_deref(),
            Some("https://trakt.tv/users/ellie-r")
        );
        assert_eq!(
            list("moonfield", "zombie-marathon-2026").as_deref(),
            Some("https://trakt.tv/users/moonfield/lists/zombie-marathon-2026")
        );
        assert_eq!(
            episode("the-walking-dead", 11, 24).as_deref(),
            Some("https://trakt.tv/shows/the-walking-dead/seasons/11/episodes/24")
        );
        assert_eq!(
            season("the-walking-dead", 2).as_deref(),
            Some("https://trakt.tv/shows/the-walking-dead/seasons/2")
        );
        assert_eq!(
            show("a b/c").as_deref(),
            Some("https://trakt.tv/shows/a%20b%2Fc")
        );
        assert_eq!(profile(""), None);
        assert_eq!(list("x", ""), None);
    }
}
