//! The embed as Discord's JSON (`RichEmbed`, the parts trakt-herald uses), how
//! Discord counts its characters, and `fit`, which brings any embed within every
//! per-embed limit.

use serde::{Deserialize, Serialize};

use super::limits;
use super::links::clean_url;
use super::text::{char_len, truncate, truncate_markdown};

/// One Discord embed. Serializes to Discord's JSON, leaving out what is unset.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Embed {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<u32>,
    /// RFC 3339, UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<EmbedAuthor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<EmbedMedia>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<EmbedField>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footer: Option<EmbedFooter>,
}

/// The author line (plain text, no markdown).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmbedAuthor {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon_url: Option<String>,
}

/// An image by URL (the thumbnail).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmbedMedia {
    pub url: String,
}

/// A name/value field.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmbedField {
    pub name: String,
    pub value: String,
    #[serde(default)]
    pub inline: bool,
}

/// The footer (plain text, no markdown).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmbedFooter {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon_url: Option<String>,
}

/// What Discord puts in a field it requires but which has nothing to say.
const BLANK: &str = "\u{200B}";

/// What a description keeps before fields are dropped to fit 6000 characters.
const DESCRIPTION_FLOOR: usize = 1024;

impl Embed {
    /// The characters Discord counts against the 6000 per message: title,
    /// description, field names and values, footer text and author name.
    pub fn char_count(&self) -> usize {
        let opt = |s: &Option<String>| s.as_deref().map_or(0, char_len);
        opt(&self.title)
            + opt(&self.description)
            + self
                .fields
                .iter()
                .map(|f| char_len(&f.name) + char_len(&f.value))
                .sum::<usize>()
            + self.footer.as_ref().map_or(0, |f| char_len(&f.text))
            + self.author.as_ref().map_or(0, |a| char_len(&a.name))
    }

    /// Bring the embed within every per-embed limit: lengths of title,
    /// description, field names and values, footer and author name; at most 25
    /// fields, none empty; URLs that are http/https, parse and fit 2048; a colour
    /// within 24 bits; an RFC 3339 timestamp; and at most 6000 counted characters
    /// in all (the description shrinks first, then fields go from the end).
    /// Shortened markdown keeps its spoilers closed. An embed already within the
    /// limits is left as it is.
    pub fn fit(&mut self) {
        self.fit_with(true);
    }

    /// [`Embed::fit`] for an embed whose URLs all came out of the URL
    /// cleaners (`clean_url`, `image_url`, ...): the same result without
    /// parsing every URL again (URL parsing dominates rendering otherwise).
    pub(super) fn fit_rendered(&mut self) {
        self.fit_with(false);
    }

    fn fit_with(&mut self, check_urls: bool) {
        let url = |u: Option<String>| {
            if check_urls {
                u.and_then(|u| clean_url(&u))
            } else {
                u
            }
        };
        self.title = fit_opt(self.title.take(), limits::TITLE);
        self.description = fit_opt(self.description.take(), limits::DESCRIPTION);
        self.url = url(self.url.take());
        self.color = self.color.map(|c| c.min(limits::COLOR_MAX));
        self.timestamp = self
            .timestamp
            .take()
            .filter(|t| humantime::parse_rfc3339(t).is_ok());
        self.author = self.author.take().and_then(|mut a| {
            a.name = truncate(&a.name, limits::AUTHOR_NAME);
            a.url = url(a.url);
            a.icon_url = url(a.icon_url);
            (!a.name.trim().is_empty()).then_some(a)
        });
        self.thumbnail = self
            .thumbnail
            .take()
            .and_then(|t| url(Some(t.url)).map(|url| EmbedMedia { url }));
        self.fields.truncate(limits::FIELDS);
        for field in &mut self.fields {
            field.name = fit_required(&field.name, limits::FIELD_NAME);
            field.value = fit_required(&field.value, limits::FIELD_VALUE);
        }
        self.footer = self.footer.take().and_then(|mut f| {
            f.text = truncate(&f.text, limits::FOOTER);
            f.icon_url = url(f.icon_url);
            (!f.text.trim().is_empty()).then_some(f)
        });
        self.shrink_to(limits::MESSAGE_TOTAL);
    }

    /// Shorten until `char_count() <= max`: the description down to 1024
    /// characters first, then fields from the end, then the rest of the
    /// description, footer, title and author name.
    pub fn shrink_to(&mut self, max: usize) {
        let over = |e: &Embed| e.char_count().saturating_sub(max);
        if over(self) == 0 {
            return;
        }
        let len = self.description.as_deref().map_or(0, char_len);
        let keep = len
            .saturating_sub(over(self))
            .max(len.min(DESCRIPTION_FLOOR));
        self.description = fit_opt(self.description.take(), keep);
        while over(self) > 0 && self.fields.pop().is_some() {}
        for shorten in [
            shorten_description,
            shorten_footer,
            shorten_title,
            shorten_author,
        ] {
            let excess = over(self);
            if excess == 0 {
                break;
            }
            shorten(self, excess);
        }
    }
}

fn shorten_description(e: &mut Embed, excess: usize) {
    let keep = e
        .description
        .as_deref()
        .map_or(0, char_len)
        .saturating_sub(excess);
    e.description = fit_opt(e.description.take(), keep);
}

fn shorten_footer(e: &mut Embed, excess: usize) {
    e.footer = e.footer.take().and_then(|mut f| {
        f.text = truncate(&f.text, char_len(&f.text).saturating_sub(excess));
        (!f.text.is_empty()).then_some(f)
    });
}

fn shorten_title(e: &mut Embed, excess: usize) {
    let keep = e
        .title
        .as_deref()
        .map_or(0, char_len)
        .saturating_sub(excess);
    e.title = fit_opt(e.title.take(), keep);
}

fn shorten_author(e: &mut Embed, excess: usize) {
    e.author = e.author.take().and_then(|mut a| {
        a.name = truncate(&a.name, char_len(&a.name).saturating_sub(excess));
        (!a.name.is_empty()).then_some(a)
    });
}

/// Markdown text shortened to `max`; `None` when nothing is left.
fn fit_opt(s: Option<String>, max: usize) -> Option<String> {
    s.map(|s| truncate_markdown(&s, max))
        .filter(|s| !s.trim().is_empty())
}

/// A required field part: shortened to `max`, never empty.
fn fit_required(s: &str, max: usize) -> String {
    let s = truncate_markdown(s, max);
    if s.trim().is_empty() {
        BLANK.to_owned()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn big() -> Embed {
        Embed {
            title: Some("t".repeat(300)),
            description: Some(format!("||{}||", "d".repeat(5000))),
            url: Some("ftp://x".into()),
            color: Some(u32::MAX),
            timestamp: Some("yesterday".into()),
            author: Some(EmbedAuthor {
                name: "a".repeat(300),
                url: Some("http://trakt.tv/user/a".into()),
                icon_url: Some("nope".into()),
            }),
            thumbnail: Some(EmbedMedia { url: "::".into() }),
            fields: (0..30)
                .map(|i| EmbedField {
                    name: if i == 0 {
                        String::new()
                    } else {
                        "n".repeat(300)
                    },
                    value: "v".repeat(2000),
                    inline: true,
                })
                .collect(),
            footer: Some(EmbedFooter {
                text: "f".repeat(3000),
                icon_url: None,
            }),
        }
    }

    #[test]
    fn fit_enforces_every_limit() {
        let mut e = big();
        e.fit();
        assert!(e.char_count() <= limits::MESSAGE_TOTAL);
        assert!(char_len(e.title.as_deref().unwrap_or("")) <= limits::TITLE);
        assert!(char_len(e.description.as_deref().unwrap_or("")) <= limits::DESCRIPTION);
        assert!(e.fields.len() <= limits::FIELDS);
        for f in &e.fields {
            assert!(!f.name.is_empty() && char_len(&f.name) <= limits::FIELD_NAME);
            assert!(!f.value.is_empty() && char_len(&f.value) <= limits::FIELD_VALUE);
        }
        assert!(char_len(&e.footer.as_ref().unwrap().text) <= limits::FOOTER);
        assert!(char_len(&e.author.as_ref().unwrap().name) <= limits::AUTHOR_NAME);
        assert_eq!(e.url, None);
        assert_eq!(e.color, Some(limits::COLOR_MAX));
        assert_eq!(e.timestamp, None);
        assert_eq!(e.thumbnail, None);
        assert_eq!(e.author.as_ref().unwrap().icon_url, None);
        // The description kept 1024 characters and its spoiler closed; fields
        // went from the end to make room.
        let d = e.description.as_deref().unwrap();
        assert_eq!(char_len(d), 1024);
        assert!(d.starts_with("||") && d.ends_with("…||"));
        assert!(!e.fields.is_empty() && e.fields.len() < limits::FIELDS);
        assert_eq!(e.fields[0].name, BLANK);
        // Fit is idempotent.
        let again = {
            let mut x = e.clone();
            x.fit();
            x
        };
        assert_eq!(again, e);
    }

    #[test]
    fn fit_leaves_a_good_embed_alone() {
        let e = Embed {
            title: Some("alice is watching Fargo S01E01 \"The Crocodile's Dilemma\"".into()),
            description: Some("||a spoiler||".into()),
            url: Some("http://trakt.tv/show/fargo/season/1/episode/1".into()),
            color: Some(0x2ECC71),
            timestamp: Some("2013-11-18T04:31:40Z".into()),
            author: Some(EmbedAuthor {
                name: "alice".into(),
                url: Some("http://trakt.tv/user/alice".into()),
                icon_url: None,
            }),
            thumbnail: Some(EmbedMedia {
                url: "http://slurm.trakt.us/images/posters/1.jpg".into(),
            }),
            fields: vec![EmbedField {
                name: "Visibility".into(),
                value: "Public".into(),
                inline: true,
            }],
            footer: Some(EmbedFooter {
                text: "👀 Watching".into(),
                icon_url: None,
            }),
        };
        let mut fitted = e.clone();
        fitted.fit();
        assert_eq!(fitted, e);
    }

    #[test]
    fn counts_what_discord_counts() {
        let e = Embed {
            title: Some("ab".into()),
            description: Some("é👍".into()),
            url: Some("http://not-counted.example/".into()),
            fields: vec![EmbedField {
                name: "n".into(),
                value: "vv".into(),
                inline: false,
            }],
            footer: Some(EmbedFooter {
                text: "fff".into(),
                icon_url: None,
            }),
            author: Some(EmbedAuthor {
                name: "aaaa".into(),
                url: None,
                icon_url: None,
            }),
            ..Embed::default()
        };
        assert_eq!(e.char_count(), 2 + 2 + 1 + 2 + 3 + 4);
    }

    #[test]
    fn serializes_without_unset_parts() {
        let e = Embed {
            title: Some("x".into()),
            ..Embed::default()
        };
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"title": "x"})
        );
        let back: Embed = serde_json::from_str(r#"{"title":"x"}"#).unwrap();
        assert_eq!(back, e);
    }
}
