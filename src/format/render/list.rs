//! Lists: the name in a sentence, the page, the description of a new list,
//! the owner's notes on an added item, and the visibility field.

use crate::activity::{Activity, List, ListItem};
use crate::trakt::Action;

use super::super::embed::EmbedField;
use super::super::links::clean_url;
use super::super::text::{
    clean_line, clean_multiline, escape_markdown, truncate, truncate_clean_markdown,
};
use super::comment::with_emoji;
use super::ITEM_MAX;

/// How much of a list description the embed quotes.
const LIST_DESCRIPTION: usize = 1000;
/// How much of a list item's notes the embed quotes.
const NOTES: usize = 500;

/// `the list "Name"` (or its slug), else `a list`.
pub(super) fn phrase(list: Option<&List>) -> String {
    list.and_then(|l| l.name.as_deref().or(l.slug.as_deref()))
        .map(clean_line)
        .filter(|n| !n.is_empty())
        .map_or_else(
            || "a list".to_owned(),
            |n| format!("the list \"{}\"", truncate(&n, ITEM_MAX)),
        )
}

/// The list's page.
pub(super) fn url(list: Option<&List>) -> Option<String> {
    list.and_then(|l| l.url.as_deref()).and_then(clean_url)
}

/// Free text of a list (description, notes): emoji, escaped, shortened.
fn quoted(text: &str, max: usize) -> Option<String> {
    let text = escape_markdown(&with_emoji(&clean_multiline(text)));
    Some(truncate_clean_markdown(&text, max)).filter(|d| !d.is_empty())
}

/// The description of a new list.
pub(super) fn description(list: Option<&List>) -> Option<String> {
    quoted(list?.description.as_deref()?, LIST_DESCRIPTION)
}

/// The owner's notes on an added item.
pub(super) fn notes(item: Option<&ListItem>) -> Option<String> {
    quoted(item?.notes.as_deref()?, NOTES)
}

/// The visibility of a new list, as a field.
pub(super) fn fields(a: &Activity) -> Vec<EmbedField> {
    if a.action != Action::Created {
        return Vec::new();
    }
    let Some(privacy) = a.list.as_ref().and_then(|l| l.privacy.as_deref()) else {
        return Vec::new();
    };
    let value = match privacy.trim().to_ascii_lowercase().as_str() {
        "public" => "🌍 Public".to_owned(),
        "friends" => "👥 Friends only".to_owned(),
        "private" => "🔒 Private".to_owned(),
        "link" => "🔗 Anyone with the link".to_owned(),
        _ => escape_markdown(&truncate(&clean_line(privacy), 64)),
    };
    vec![EmbedField {
        name: "Visibility".to_owned(),
        value,
        inline: true,
    }]
}
