//! Shout and review bodies: `:shortcode:` emoji turned into emoji, markdown
//! and mentions escaped, inline `[spoiler]…[/spoiler]` parts hidden as
//! `||…||` (a `||` typed in the text is escaped and cannot break out), the
//! whole text hidden when the comment is flagged a spoiler, cut at a clean
//! sentence or word boundary when long, with a link to the whole comment.

use crate::activity::{Activity, Comment, Expected, Subject};
use crate::trakt::Action;

use super::super::links::{clean_url, for_masked_link, trakt_url};
use super::super::text::{
    clean_multiline, escape_markdown, open_spoilers, truncate_clean_markdown,
};
use super::subject;

/// How much of a review the embed quotes before linking to the rest.
const REVIEW_EXCERPT: usize = 600;
/// How much of a shout the embed quotes before linking to the rest.
const SHOUT_EXCERPT: usize = 1500;
/// An inline spoiler's tags once escaped (matched ignoring ASCII case).
const OPEN_TAG: &str = "\\[spoiler\\]";
const CLOSE_TAG: &str = "\\[/spoiler\\]";
/// Longest shortcode name looked up.
const SHORTCODE_MAX: usize = 64;

/// The description of a shout or review, or `None` when it has no text.
pub(super) fn body(a: &Activity, c: &Comment) -> Option<String> {
    let (excerpt, more) = match a.action {
        Action::Review => (REVIEW_EXCERPT, "Read the full review on Trakt"),
        _ => (SHOUT_EXCERPT, "Read the whole shout on Trakt"),
    };
    let escaped = escape_markdown(&with_emoji(&clean_multiline(&c.text)));
    let text = spoilers(&escaped, !c.spoiler);
    if text.trim().is_empty() {
        return None;
    }
    let mut cut = truncate_clean_markdown(&text, excerpt);
    let shortened = cut != text;
    if open_spoilers(&cut) % 2 == 1 {
        cut.push_str("||");
    }
    let mut body = if c.spoiler { format!("||{cut}||") } else { cut };
    if shortened {
        let link = c
            .url
            .as_deref()
            .and_then(clean_url)
            .or_else(|| v1_page(a, c))
            .or_else(|| subject::page_url(a));
        if let Some(link) = link {
            body.push_str(&format!("\n\n[{more}]({})", for_masked_link(&link)));
        }
    }
    Some(body)
}

/// Without a page from the source: the form v1-era clients opened,
/// `http://trakt.tv/comment/{episode|movie|show}/{id}`.
fn v1_page(a: &Activity, c: &Comment) -> Option<String> {
    let kind = match &a.subject {
        Subject::Episode { .. }
        | Subject::Episodes { .. }
        | Subject::Missing {
            expected: Expected::Episode,
            ..
        } => "episode",
        Subject::Show { .. }
        | Subject::Missing {
            expected: Expected::Show,
            ..
        } => "show",
        Subject::Movie { .. }
        | Subject::Missing {
            expected: Expected::Movie,
            ..
        } => "movie",
        _ => return None,
    };
    trakt_url(&["comment", kind, &c.id?.to_string()])
}

fn starts_with_tag(s: &str, tag: &str) -> bool {
    s.get(..tag.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(tag))
}

/// Escaped text with its escaped spoiler tags resolved: each tagged part
/// becomes `||…||` when `mark`, or plain text when not (the whole comment is
/// hidden anyway, and spoilers do not nest). An unclosed tag hides the rest;
/// stray closing tags and empty parts are dropped. Tags are recognised at an
/// escape boundary only, so escapes around them stay whole.
fn spoilers(escaped: &str, mark: bool) -> String {
    let mut out = String::with_capacity(escaped.len());
    let mut hidden: Option<String> = None;
    let mut rest = escaped;
    while let Some(c) = rest.chars().next() {
        if starts_with_tag(rest, OPEN_TAG) {
            rest = &rest[OPEN_TAG.len()..];
            hidden.get_or_insert_with(String::new);
            continue;
        }
        if starts_with_tag(rest, CLOSE_TAG) {
            rest = &rest[CLOSE_TAG.len()..];
            if let Some(part) = hidden.take() {
                close(&mut out, &part, mark);
            }
            continue;
        }
        // One character, or an escape and the character it escapes.
        let mut len = c.len_utf8();
        if c == '\\' {
            len += rest[len..].chars().next().map_or(0, char::len_utf8);
        }
        let (piece, tail) = rest.split_at(len);
        hidden.as_mut().unwrap_or(&mut out).push_str(piece);
        rest = tail;
    }
    if let Some(part) = hidden {
        close(&mut out, &part, mark);
    }
    out
}

fn close(out: &mut String, part: &str, mark: bool) {
    if part.trim().is_empty() {
        out.push_str(part);
    } else if mark {
        out.push_str("||");
        out.push_str(part);
        out.push_str("||");
    } else {
        out.push_str(part);
    }
}

/// JoyPixels shortcodes (Trakt's names) that differ from the GitHub names of
/// the `emojis` table, with the GitHub name.
const JOYPIXELS: [(&str, &str); 5] = [
    ("rolling_eyes", "roll_eyes"),
    ("slight_smile", "slightly_smiling_face"),
    ("slight_frown", "slightly_frowning_face"),
    ("upside_down", "upside_down_face"),
    ("hugging", "hugs"),
];

/// The emoji of a shortcode, by its GitHub or JoyPixels name.
fn shortcode(name: &str) -> Option<&'static str> {
    let github = JOYPIXELS
        .iter()
        .find(|(joy, _)| *joy == name)
        .map_or(name, |(_, github)| github);
    emojis::get_by_shortcode(github).map(emojis::Emoji::as_str)
}

/// `:shortcode:` emoji (GitHub and JoyPixels names, as Trakt stores them)
/// turned into emoji; unknown shortcodes and other colons stay as they are.
pub(super) fn with_emoji(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find(':') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let name_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '-')))
            .unwrap_or(after.len());
        if (1..=SHORTCODE_MAX).contains(&name_len) && after[name_len..].starts_with(':') {
            if let Some(emoji) = shortcode(&after[..name_len]) {
                out.push_str(emoji);
                rest = &after[name_len + 1..];
                continue;
            }
        }
        out.push(':');
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortcodes_become_emoji_unknown_ones_stay() {
        assert_eq!(with_emoji("told you :smirk: :heart:"), "told you 😏 ❤️");
        assert_eq!(
            with_emoji(":no_such_code: at 10:30:45"),
            ":no_such_code: at 10:30:45"
        );
        assert_eq!(with_emoji("::smile:: :"), ":😄: :");
        assert_eq!(with_emoji("plain"), "plain");
        assert_eq!(with_emoji(":rolling_eyes: :roll_eyes:"), "🙄 🙄");
    }

    #[test]
    fn inline_spoilers_are_hidden_after_escaping() {
        let esc = |s: &str| spoilers(&escape_markdown(s), true);
        assert_eq!(
            esc("and [spoiler]the *barn*[/spoiler] hits"),
            "and ||the \\*barn\\*|| hits"
        );
        assert_eq!(esc("a [SPOILER]b||c[/Spoiler] d"), "a ||b\\|\\|c|| d");
        assert_eq!(esc("open [spoiler]to the end"), "open ||to the end||");
        assert_eq!(
            esc("stray[/spoiler] and [spoiler] [/spoiler]"),
            "stray and  "
        );
        assert_eq!(esc("typed \\[spoiler]x"), "typed \\\\||x||");
        assert_eq!(
            spoilers(&escape_markdown("a [spoiler]b[/spoiler]"), false),
            "a b"
        );
    }
}
