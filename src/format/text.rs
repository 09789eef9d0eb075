//! Text safety for embeds: control-character clean-up, Discord markdown
//! escaping, and grapheme-aware truncation (plain, at a clean sentence or word
//! boundary, and spoiler-preserving). Lengths are counted in `char`s, as Discord
//! counts them.

use unicode_segmentation::UnicodeSegmentation;

/// The ellipsis appended to anything shortened.
pub const ELLIPSIS: char = '…';

/// The number of characters Discord counts for `s`.
pub fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// One line of text: control characters and line breaks become single spaces,
/// runs of whitespace collapse, ends are trimmed.
pub fn clean_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        if c.is_whitespace() || c.is_control() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    out
}

/// Multi-line text: `\r\n` and `\r` become `\n`, other control characters are
/// dropped (tabs become spaces), trailing spaces go, at most one blank line in a
/// row is kept, and the whole is trimmed.
pub fn clean_multiline(s: &str) -> String {
    let normalized = s.replace("\r\n", "\n").replace('\r', "\n");
    let mut lines: Vec<String> = Vec::new();
    for raw in normalized.split('\n') {
        let line: String = raw
            .chars()
            .filter_map(|c| match c {
                '\t' => Some(' '),
                c if c.is_control() => None,
                c => Some(c),
            })
            .collect();
        let line = line.trim_end().to_owned();
        let blank = line.trim().is_empty();
        if blank && lines.last().is_none_or(|l| l.is_empty()) {
            continue;
        }
        lines.push(if blank { String::new() } else { line });
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines.join("\n")
}

/// Escape Discord markdown so user text shows exactly as typed and cannot break
/// the layout: emphasis, code, spoilers, quotes, headings, masked links and
/// mention syntax (`<@id>`, `@everyone`) are backslash-escaped, and so are list
/// markers at the start of a line (`- `, `+ `, `1. `).
///
/// Only for text Discord renders as markdown (titles, descriptions, fields); the
/// author name and footer text are plain and must not be escaped.
pub fn escape_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 4);
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let indent = line.len() - line.trim_start().len();
        let (lead, rest) = line.split_at(indent);
        out.push_str(lead);
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        for (at, c) in rest.char_indices() {
            let list_marker = at == 0 && matches!(c, '-' | '+');
            let ordered_dot = digits > 0 && at == digits && c == '.';
            if list_marker || ordered_dot || is_markdown_char(c) {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

fn is_markdown_char(c: char) -> bool {
    matches!(
        c,
        '\\' | '*' | '_' | '~' | '`' | '|' | '<' | '>' | '[' | ']' | '#' | '@'
    )
}

/// Shorten `s` to at most `max_chars` characters, cutting between grapheme
/// clusters and ending with "…". Text that fits is returned unchanged. A single
/// grapheme longer than the whole budget (say, a letter with a thousand combining
/// marks) is cut between characters rather than dropped.
pub fn truncate(s: &str, max_chars: usize) -> String {
    if char_len(s) <= max_chars {
        return s.to_owned();
    }
    if max_chars == 0 {
        return String::new();
    }
    let mut out = grapheme_prefix(s, max_chars - 1);
    let kept = out.trim_end().len();
    out.truncate(kept);
    out.push(ELLIPSIS);
    out
}

/// The longest prefix of whole graphemes within `budget` characters (or, when not
/// even the first grapheme fits, the first `budget` characters).
fn grapheme_prefix(s: &str, budget: usize) -> String {
    // In ASCII text without a CR (CR LF is one cluster) every character is a
    // grapheme cluster of its own: the common case, without segmenting.
    if s.is_ascii() && !s.contains('\r') {
        return s[..budget.min(s.len())].to_owned();
    }
    grapheme_prefix_segmented(s, budget)
}

fn grapheme_prefix_segmented(s: &str, budget: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    for g in s.graphemes(true) {
        let n = char_len(g);
        if used + n > budget {
            break;
        }
        out.push_str(g);
        used += n;
    }
    if out.is_empty() {
        out = s.chars().take(budget).collect();
    }
    out
}

/// Shorten `s` to at most `max_chars` at a clean boundary: after the last
/// sentence (ending in " …") or the last word (ending in "…") when that keeps at
/// least half of the budget; otherwise as [`truncate`]. Text that fits is
/// returned unchanged.
pub fn truncate_clean(s: &str, max_chars: usize) -> String {
    if char_len(s) <= max_chars {
        return s.to_owned();
    }
    if max_chars < 8 {
        return truncate(s, max_chars);
    }
    let prefix = grapheme_prefix(s, max_chars - 2);
    let floor = prefix.len() / 2;
    let mut sentence_end = None;
    let mut word_end = None;
    for (i, c) in prefix.char_indices() {
        let after = i + c.len_utf8();
        let next = s[after..].chars().next();
        if c == '\n' {
            sentence_end = Some(i);
        } else if matches!(c, '.' | '!' | '?' | '…') && next.is_none_or(char::is_whitespace) {
            sentence_end = Some(after);
        }
        if c.is_whitespace() {
            word_end = Some(i);
        }
    }
    if s[prefix.len()..].starts_with(char::is_whitespace) {
        word_end = Some(prefix.len());
    }
    if let Some(end) = sentence_end.filter(|&e| e >= floor) {
        let mut out = prefix[..end].trim_end().to_owned();
        out.push(' ');
        out.push(ELLIPSIS);
        return out;
    }
    if let Some(end) = word_end.filter(|&e| e >= floor) {
        let mut out = prefix[..end].trim_end().to_owned();
        out.push(ELLIPSIS);
        return out;
    }
    truncate(s, max_chars)
}

/// Shorten already-escaped markdown without breaking it: a backslash left
/// dangling by the cut is dropped, and a spoiler (`||`) left open is closed.
/// Text that fits is returned unchanged.
pub fn truncate_markdown(s: &str, max_chars: usize) -> String {
    if char_len(s) <= max_chars {
        return s.to_owned();
    }
    if max_chars < 5 {
        return truncate(s, max_chars);
    }
    let mut out = truncate(s, max_chars - 2);
    drop_dangling_backslash(&mut out);
    if open_spoilers(&out) % 2 == 1 {
        out.push_str("||");
    }
    out
}

/// Like [`truncate_clean`] for escaped markdown: never ends in a lone backslash.
pub fn truncate_clean_markdown(s: &str, max_chars: usize) -> String {
    let mut out = truncate_clean(s, max_chars);
    drop_dangling_backslash(&mut out);
    out
}

/// If the text before the final ellipsis ends in an odd run of backslashes (an
/// escape whose character was cut away), remove one.
fn drop_dangling_backslash(s: &mut String) {
    let body_len = s.strip_suffix(ELLIPSIS).map_or(s.len(), str::len);
    let body = &s[..body_len];
    let run = body.len() - body.trim_end_matches('\\').len();
    if run % 2 == 1 {
        let tail = s[body_len..].to_owned();
        s.truncate(body_len - 1);
        let kept = s.trim_end().len();
        s.truncate(kept);
        s.push_str(&tail);
    }
}

/// How many unescaped `||` markers `s` holds.
pub fn open_spoilers(s: &str) -> usize {
    let mut count = 0;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '|' if chars.peek() == Some(&'|') => {
                chars.next();
                count += 1;
            }
            _ => {}
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_prefix_agrees_with_segmentation() {
        for s in [
            "",
            "a",
            "Slow start, strong finish.",
            "tabs\tand\nnew lines\n\nand \u{7f} controls",
            "a\r\nb\r\nc",
            "e\u{301}cole, \u{1F469}\u{200D}\u{1F52C} and \u{1F1EB}\u{1F1F7}",
        ] {
            for budget in 0..=s.chars().count() + 1 {
                assert_eq!(
                    grapheme_prefix(s, budget),
                    grapheme_prefix_segmented(s, budget),
                    "{s:?} {budget}"
                );
            }
        }
        assert_eq!(grapheme_prefix("a\r\nb", 2), "a");
    }

    #[test]
    fn escapes_markdown_and_mentions() {
        assert_eq!(escape_markdown("**bold** _it_"), r"\*\*bold\*\* \_it\_");
        assert_eq!(escape_markdown("||spoil||"), r"\|\|spoil\|\|");
        assert_eq!(escape_markdown("@everyone <@123>"), r"\@everyone \<\@123\>");
        assert_eq!(escape_markdown("[x](http://e)"), r"\[x\](http://e)");
        assert_eq!(escape_markdown("a\\b `c`"), r"a\\b \`c\`");
        assert_eq!(escape_markdown("# head"), r"\# head");
        assert_eq!(escape_markdown("> quote"), r"\> quote");
        assert_eq!(escape_markdown("~~x~~"), r"\~\~x\~\~");
    }

    #[test]
    fn escapes_line_start_lists_only() {
        assert_eq!(
            escape_markdown("- a\n  + b\n12. c\nx - y 3. z"),
            "\\- a\n  \\+ b\n12\\. c\nx - y 3. z"
        );
        assert_eq!(escape_markdown("Spider-Man 2."), "Spider-Man 2.");
    }

    #[test]
    fn plain_text_is_untouched() {
        let s = "Ça va? שלום 👩‍👩‍👧 Don't stop, it's \"fine\" (really)!";
        assert_eq!(escape_markdown(s), s);
    }

    #[test]
    fn truncate_leaves_short_text_alone() {
        assert_eq!(truncate("hello", 5), "hello");
        assert_eq!(truncate("", 0), "");
        assert_eq!(truncate("hello", 0), "");
        assert_eq!(truncate("hello", 1), "…");
        assert_eq!(truncate("hello world", 7), "hello…");
    }

    #[test]
    fn truncate_keeps_graphemes_whole() {
        let family = "👩‍👩‍👧‍👦"; // 7 chars, one grapheme
        let s = format!("ab{family}cd");
        assert_eq!(truncate(&s, 10), format!("ab{family}…"));
        assert_eq!(truncate(&s, 9), "ab…");
        let accented = "e\u{301}\u{302}"; // one grapheme, 3 chars
        let s = accented.repeat(10);
        let t = truncate(&s, 8);
        assert!(char_len(&t) <= 8);
        assert_eq!(t, format!("{}{}", accented.repeat(2), ELLIPSIS));
    }

    #[test]
    fn truncate_splits_a_grapheme_only_when_nothing_else_fits() {
        let zalgo = format!("a{}", "\u{301}".repeat(1000));
        let t = truncate(&zalgo, 10);
        assert_eq!(char_len(&t), 10);
        assert!(t.starts_with('a'));
        assert!(t.ends_with(ELLIPSIS));
    }

    #[test]
    fn truncate_clean_prefers_sentences_then_words() {
        let s = "First sentence here. Second one is longer than the rest of it.";
        assert_eq!(truncate_clean(s, 40), "First sentence here. …");
        let s = "one two three four five six seven eight nine ten";
        assert_eq!(truncate_clean(s, 20), "one two three four…");
        let s = "x".repeat(50);
        assert_eq!(truncate_clean(&s, 20), format!("{}…", "x".repeat(19)));
        assert_eq!(truncate_clean("short", 20), "short");
        for max in 0..40 {
            assert!(char_len(&truncate_clean(&"a b. ".repeat(20), max)) <= max);
        }
    }

    #[test]
    fn truncate_markdown_closes_spoilers_and_drops_lone_backslash() {
        let s = format!("||{}||", "word ".repeat(100));
        let t = truncate_markdown(&s, 50);
        assert!(char_len(&t) <= 50);
        assert!(t.starts_with("||") && t.ends_with("…||"), "{t}");
        assert_eq!(open_spoilers(&t), 2);

        let s = r"abcdefg\*\*\*\*\*\*\*\*\*\*";
        for max in 5..s.len() {
            let t = truncate_markdown(s, max);
            assert!(char_len(&t) <= max);
            let body = t.trim_end_matches(ELLIPSIS);
            let run = body.len() - body.trim_end_matches('\\').len();
            assert_eq!(run % 2, 0, "{t}");
        }
    }

    #[test]
    fn escaped_pipes_are_not_spoilers() {
        assert_eq!(open_spoilers(r"\|\| x ||y||"), 2);
        assert_eq!(open_spoilers(&escape_markdown("||a||")), 0);
    }

    #[test]
    fn clean_line_and_multiline() {
        assert_eq!(clean_line("  a\n\tb\u{0}  c  "), "a b c");
        assert_eq!(clean_multiline("a\r\n\r\n\r\n b\u{7}\t\n\n"), "a\n\n b");
    }
}
