//! The title: one sentence per action ("Nia watched Fargo S01E02 …"),
//! markdown-escaped, within Discord's 256 characters. A comment carrying the
//! commenter's own rating says so ("… and rated it 8/10").

use crate::activity::{Activity, Rating};
use crate::trakt::Action;

use super::super::limits;
use super::super::text::{clean_line, escape_markdown, truncate, truncate_markdown};
use super::{display_name, list, subject, NAME_MAX};

/// The title sentence of an activity.
pub(super) fn title(a: &Activity) -> String {
    let who = truncate(&display_name(&a.user), NAME_MAX);
    let item = subject::phrase(a);
    let list = || list::phrase(a.list.as_ref());
    let sentence = match a.action {
        Action::Watching => format!("{who} is watching {item}"),
        Action::Scrobble => format!("{who} watched {item}"),
        Action::Checkin => format!("{who} checked in to {item}"),
        Action::Seen => format!("{who} marked {item} as seen"),
        Action::Collection => format!("{who} added {item} to their collection"),
        Action::Rating => match a.rating {
            Some(Rating::Score(n)) => format!("{who} rated {item} {}/10", n.get()),
            Some(Rating::Love) => format!("{who} loved {item}"),
            Some(Rating::Hate) => format!("{who} hated {item}"),
            None => format!("{who} rated {item}"),
        },
        Action::Watchlist => format!("{who} added {item} to their watchlist"),
        Action::Shout => format!("{who} commented on {item}{}", rated_it(a)),
        Action::Review => format!("{who} reviewed {item}{}", rated_it(a)),
        Action::Created => format!("{who} created {}", list()),
        Action::ItemAdded => format!("{who} added {item} to {}", list()),
    };
    truncate_markdown(&escape_markdown(&clean_line(&sentence)), limits::TITLE)
}

/// ` and rated it N/10` when the comment carries the commenter's rating.
fn rated_it(a: &Activity) -> String {
    a.comment
        .as_ref()
        .and_then(|c| c.user_rating)
        .map(|n| format!(" and rated it {}/10", n.get()))
        .unwrap_or_default()
}
