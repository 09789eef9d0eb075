//! URLs that may go into an embed: only absolute http/https URLs that parse and
//! fit Discord's 2048-character limit, normalized by the `url` crate; Trakt's
//! placeholder images (reference §9) count as "no image".

use url::Url;

use super::limits;

/// The Trakt web site of the v1 era, for links the API does not hand out.
pub const TRAKT_WEB: &str = "http://trakt.tv";

/// File names (without the extension and a resize suffix) of Trakt's
/// "no image" placeholders.
const PLACEHOLDERS: [&str; 5] = [
    "poster-dark",
    "fanart-dark",
    "episode-dark",
    "banner",
    "avatar-large",
];

/// `raw` as a normalized absolute http/https URL with a host, within Discord's
/// URL length limit; `None` for anything else.
pub fn clean_url(raw: &str) -> Option<String> {
    parse_web(raw).and_then(fitting)
}

/// `raw` parsed, if it is an absolute http/https URL with a host.
fn parse_web(raw: &str) -> Option<Url> {
    let url = Url::parse(raw.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return None;
    }
    Some(url)
}

/// The URL's text, if it fits Discord's limit.
fn fitting(url: Url) -> Option<String> {
    let url = String::from(url);
    (url.chars().count() <= limits::URL).then_some(url)
}

/// Whether `url` is a real image an embed can show: http/https, parseable,
/// short enough, and not one of Trakt's placeholders (`poster-dark.jpg`,
/// `fanart-dark.jpg`, `episode-dark.jpg`, `banner.jpg`, `avatar-large.jpg`,
/// including resized variants such as `poster-dark-300.jpg`).
pub fn is_real_image(url: &str) -> bool {
    image_url(Some(url)).is_some()
}

/// The usable image URL, if `raw` is a real image. Parses `raw` once (this is
/// on every render's path).
pub fn image_url(raw: Option<&str>) -> Option<String> {
    let url = parse_web(raw?)?;
    if is_placeholder(&url) {
        return None;
    }
    fitting(url)
}

fn is_placeholder(url: &Url) -> bool {
    let Some(file) = url.path_segments().and_then(|mut s| s.next_back()) else {
        return false;
    };
    let file = file.to_ascii_lowercase();
    let stem = file
        .rsplit_once('.')
        .map_or(file.as_str(), |(stem, _)| stem);
    if PLACEHOLDERS.contains(&stem) {
        return true;
    }
    match stem.rsplit_once('-') {
        Some((base, size)) => {
            !size.is_empty()
                && size.bytes().all(|b| b.is_ascii_digit())
                && PLACEHOLDERS.contains(&base)
        }
        None => false,
    }
}

/// A Trakt web URL built from path segments (each percent-encoded as needed).
pub fn trakt_url(segments: &[&str]) -> Option<String> {
    let mut url = Url::parse(TRAKT_WEB).ok()?;
    url.path_segments_mut().ok()?.clear().extend(segments);
    clean_url(url.as_str())
}

/// `base` with more path segments appended (e.g. a show URL + `season/2`).
pub fn extend_url(base: &str, segments: &[&str]) -> Option<String> {
    let mut url = Url::parse(&clean_url(base)?).ok()?;
    url.set_query(None);
    url.set_fragment(None);
    url.path_segments_mut()
        .ok()?
        .pop_if_empty()
        .extend(segments);
    clean_url(url.as_str())
}

/// A URL safe inside a markdown masked link `[text](url)`: parentheses and
/// spaces percent-encoded so they cannot end the link early.
pub fn for_masked_link(url: &str) -> String {
    url.replace('(', "%28")
        .replace(')', "%29")
        .replace(' ', "%20")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_images_pass() {
        assert!(is_real_image(
            "http://slurm.trakt.us/images/posters/124.47.jpg"
        ));
        assert!(is_real_image(
            "https://slurm.trakt.us/images/episodes/124-4-6.jpg?1384750800"
        ));
        assert!(is_real_image("http://example.com/images/banner-art.jpg"));
    }

    #[test]
    fn placeholders_and_variants_are_dropped() {
        for name in [
            "poster-dark.jpg",
            "poster-dark-138.jpg",
            "poster-dark-300.jpg",
            "fanart-dark.jpg",
            "fanart-dark-940.jpg",
            "episode-dark.jpg",
            "banner.jpg",
            "avatar-large.jpg",
            "AVATAR-LARGE.JPG",
        ] {
            let url = format!("http://slurm.trakt.us/images/{name}");
            assert!(!is_real_image(&url), "{url}");
            let url = format!("https://trakt.us/images/{name}?1384");
            assert!(!is_real_image(&url), "{url}");
        }
    }

    #[test]
    fn only_http_urls_that_parse() {
        for bad in [
            "",
            "   ",
            "not a url",
            "/images/posters/1.jpg",
            "ftp://trakt.us/x.jpg",
            "javascript:alert(1)",
            "data:image/png;base64,AAAA",
            "http://",
            "file:///etc/passwd",
        ] {
            assert!(!is_real_image(bad), "{bad:?}");
            assert_eq!(clean_url(bad), None, "{bad:?}");
        }
        let long = format!("http://trakt.us/{}", "a".repeat(3000));
        assert!(!is_real_image(&long));
    }

    #[test]
    fn urls_are_normalized() {
        assert_eq!(
            clean_url("http://Trakt.tv/show/café (2014)").as_deref(),
            Some("http://trakt.tv/show/caf%C3%A9%20(2014)")
        );
        assert_eq!(
            trakt_url(&["user", "a b/c"]).as_deref(),
            Some("http://trakt.tv/user/a%20b%2Fc")
        );
        assert_eq!(
            extend_url("http://trakt.tv/show/fargo/?x=1", &["season", "2"]).as_deref(),
            Some("http://trakt.tv/show/fargo/season/2")
        );
        assert_eq!(
            for_masked_link("http://x.test/a_(b)"),
            "http://x.test/a_%28b%29"
        );
    }
}
