//! `activity::Activity` → `Embed`: the sentence title, the author line, the
//! link to the item's Trakt page, colour and label per action, thumbnail,
//! episode summaries, ratings, shouts and reviews (spoilers kept hidden,
//! `:shortcode:` emoji turned into emoji), lists and their items, and the
//! timestamp.
//!
//! - `subject`: the subject as words, its page and its picture.
//! - `title`: the sentence per action.
//! - `comment`: shout and review bodies (spoilers, emoji, excerpt, link).
//! - `list`: list names, pages, descriptions, notes and visibility.
//!
//! Episodes are written one way everywhere: `S04E06`, specials as `S00E03`,
//! runs of one season as `S01E01–E06`.

mod comment;
mod list;
mod subject;
mod title;

use std::time::{Duration, UNIX_EPOCH};

use crate::activity::{Activity, User};
use crate::trakt::Action;

use super::embed::{Embed, EmbedAuthor, EmbedFooter, EmbedMedia};
use super::limits;
use super::links::{clean_url, image_url};
use super::text::{clean_line, truncate};

/// Longest user name kept in a title.
pub(super) const NAME_MAX: usize = 64;
/// Longest show, movie, episode or list name kept in a title.
const ITEM_MAX: usize = 100;
/// The last second humantime can print (end of year 9999).
const LAST_PRINTABLE_SECOND: i64 = 253_402_300_799;
/// How a deleted account is named.
const DELETED_USER: &str = "Deleted user";

/// The embed colour of an action (24-bit RGB), one per action.
pub fn action_color(a: Action) -> u32 {
    match a {
        Action::Watching => 0x2E_CC71,
        Action::Scrobble => 0x1A_BC9C,
        Action::Checkin => 0x34_98DB,
        Action::Seen => 0x9B_59B6,
        Action::Collection => 0xE6_7E22,
        Action::Rating => 0xF1_C40F,
        Action::Watchlist => 0x58_65F2,
        Action::Shout => 0xE9_1E63,
        Action::Review => 0xE7_4C3C,
        Action::Created => 0x11_806A,
        Action::ItemAdded => 0x20_6694,
    }
}

/// The short emoji-and-word label of an action (shown in the footer).
pub fn action_label(a: Action) -> &'static str {
    match a {
        Action::Watching => "👀 Watching",
        Action::Scrobble => "📺 Watched",
        Action::Checkin => "📍 Checked in",
        Action::Seen => "✅ Seen",
        Action::Collection => "📀 Collection",
        Action::Rating => "⭐ Rating",
        Action::Watchlist => "🔖 Watchlist",
        Action::Shout => "💬 Shout",
        Action::Review => "📝 Review",
        Action::Created => "📋 New list",
        Action::ItemAdded => "➕ Added to a list",
    }
}

/// The name a person goes by: "Deleted user" for a deleted account, else the
/// display name when set, else the username.
pub fn display_name(user: &User) -> String {
    if user.deleted {
        return DELETED_USER.to_owned();
    }
    let full = user
        .display_name
        .as_deref()
        .map(clean_line)
        .unwrap_or_default();
    if !full.is_empty() {
        return full;
    }
    let username = clean_line(&user.username);
    if username.is_empty() {
        "Someone".to_owned()
    } else {
        username
    }
}

/// The embed for one activity, always within Discord's limits.
pub fn render(activity: &Activity) -> Embed {
    let subject = &activity.subject;
    let page = match activity.action {
        Action::Created | Action::ItemAdded => list::url(activity.list.as_ref()),
        Action::Shout | Action::Review => activity
            .comment
            .as_ref()
            .and_then(|c| c.url.as_deref())
            .and_then(clean_url)
            .or_else(|| subject::page_url(activity)),
        _ => subject::page_url(activity),
    };
    let mut embed = Embed {
        title: Some(title::title(activity)),
        description: description(activity),
        url: page,
        color: Some(action_color(activity.action)),
        timestamp: timestamp(activity.time.0),
        author: Some(author(&activity.user)),
        thumbnail: subject::thumbnail(subject).map(|url| EmbedMedia { url }),
        fields: list::fields(activity),
        footer: Some(EmbedFooter {
            text: action_label(activity.action).to_owned(),
            icon_url: None,
        }),
    };
    // Every URL above came out of the URL cleaners.
    embed.fit_rendered();
    embed
}

fn description(a: &Activity) -> Option<String> {
    let text = match a.action {
        Action::Shout | Action::Review => a.comment.as_ref().and_then(|c| comment::body(a, c)),
        Action::Created => list::description(a.list.as_ref()),
        Action::ItemAdded => list::notes(a.list_item.as_ref()),
        _ => None,
    };
    text.or_else(|| subject::episode_lines(&a.subject))
}

/// The author line: name (with the username when a display name is shown),
/// the profile link, and the avatar unless it is the placeholder. A deleted
/// account is "Deleted user", without link or avatar.
fn author(user: &User) -> EmbedAuthor {
    if user.deleted {
        return EmbedAuthor {
            name: DELETED_USER.to_owned(),
            url: None,
            icon_url: None,
        };
    }
    let shown = display_name(user);
    let username = clean_line(&user.username);
    let name = if !username.is_empty() && !shown.eq_ignore_ascii_case(&username) {
        format!("{shown} ({username})")
    } else {
        shown
    };
    EmbedAuthor {
        name: truncate(&name, limits::AUTHOR_NAME),
        url: user.profile_url.as_deref().and_then(clean_url),
        icon_url: image_url(user.avatar.as_deref()),
    }
}

/// The activity's server time as RFC 3339 UTC, when it is a printable time.
pub(super) fn timestamp(secs: i64) -> Option<String> {
    if !(1..=LAST_PRINTABLE_SECOND).contains(&secs) {
        return None;
    }
    let time = UNIX_EPOCH + Duration::from_secs(secs.unsigned_abs());
    Some(humantime::format_rfc3339_seconds(time).to_string())
}

/// For the digest: the subject of `a` as words in a sentence (unescaped).
pub(super) fn subject_phrase(a: &Activity) -> String {
    subject::phrase(a)
}

/// For the digest: the show's name as titles write it (unescaped).
pub(super) fn show_name(show: &crate::activity::Show) -> String {
    subject::show_name(show)
}

/// For the digest: a run of episodes, one line each up to a limit.
pub(super) fn episode_lines(subject: &crate::activity::Subject) -> Option<String> {
    subject::episode_lines(subject)
}

#[cfg(test)]
mod tests;
