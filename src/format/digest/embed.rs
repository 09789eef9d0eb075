//! The digest embeds: a fold ("23 people checked in to …", people named up to a
//! limit, "…and N more", the time span, for ratings the average and spread) and
//! a run ("walter watched 8 episodes of Breaking Bad: S05E01–E08", one line per
//! episode). Colour, link and picture are those of the single embed; names are
//! escaped; everything stays within Discord's limits.

use std::collections::HashMap;

use crate::activity::{Activity, Rating, Subject, User};
use crate::trakt::Action;

use super::super::embed::{Embed, EmbedFooter};
use super::super::limits;
use super::super::render::{
    action_label, display_name, episode_lines, render, show_name, subject_phrase, timestamp,
    NAME_MAX,
};
use super::super::text::{clean_line, escape_markdown, truncate, truncate_markdown};
use super::group::user_key;
use super::NAMES_LISTED;

/// The embed for several activities of one action on one thing.
pub(super) fn fold(acts: &[&Activity]) -> Option<Embed> {
    let first = *acts.first()?;
    let people = people(acts);
    let who = match people.len() {
        1 => "1 person".to_owned(),
        n => format!("{n} people"),
    };
    let item = subject_phrase(first);
    let are = if people.len() == 1 { "is" } else { "are" };
    let sentence = match first.action {
        Action::Watching => format!("{who} {are} watching {item}"),
        Action::Scrobble => format!("{who} watched {item}"),
        Action::Checkin => format!("{who} checked in to {item}"),
        Action::Seen => format!("{who} marked {item} as seen"),
        Action::Collection => format!("{who} added {item} to their collection"),
        Action::Rating => format!("{who} rated {item}"),
        Action::Watchlist => format!("{who} added {item} to their watchlist"),
        _ => format!("{who}: {item}"),
    };
    let rated = first.action == Action::Rating;
    let mut lines = vec![names_line(&people, rated)];
    lines.extend(rated.then(|| ratings_line(acts)).flatten());
    lines.extend(span_line(acts));
    Some(finish(render(first), sentence, lines, acts, false))
}

/// The embed for one user's action over consecutive episodes of one season.
pub(super) fn run(acts: &[&Activity]) -> Option<Embed> {
    let first = *acts.first()?;
    let mut episodes: Vec<_> = acts
        .iter()
        .filter_map(|a| match &a.subject {
            Subject::Episode { episode, .. } => Some(episode.clone()),
            _ => None,
        })
        .collect();
    episodes.sort_by_key(|e| e.number);
    let show = first.subject.show().cloned();
    let code = match (episodes.first(), episodes.last()) {
        (Some(a), Some(b)) => format!(
            "S{:02}E{:02}–E{:02}",
            a.season.unwrap_or(0),
            a.number.unwrap_or(0),
            b.number.unwrap_or(0)
        ),
        _ => String::new(),
    };
    let what = format!(
        "{} episodes of {}",
        episodes.len(),
        show.as_ref().map_or_else(|| "a show".to_owned(), show_name)
    );
    let who = truncate(&display_name(&first.user), NAME_MAX);
    let sentence = match first.action {
        Action::Checkin => format!("{who} checked in to {what}: {code}"),
        Action::Seen => format!("{who} marked {what} as seen: {code}"),
        Action::Collection => format!("{who} added {what} to their collection: {code}"),
        Action::Rating => format!("{who} rated {what}: {code}"),
        Action::Watchlist => format!("{who} added {what} to their watchlist: {code}"),
        _ => format!("{who} watched {what}: {code}"),
    };
    let subject = Subject::episodes(show, episodes);
    let mut lines: Vec<String> = episode_lines(&subject).into_iter().collect();
    if first.action == Action::Rating {
        lines.extend(ratings_line(acts));
    }
    lines.extend(span_line(acts));
    let whole = Activity {
        subject,
        ..first.clone()
    };
    Some(finish(render(&whole), sentence, lines, acts, true))
}

/// The single embed of the first activity with the digest's title,
/// description, footer and newest time; a fold (several people) has no author line.
fn finish(
    mut base: Embed,
    sentence: String,
    lines: Vec<String>,
    acts: &[&Activity],
    keep_author: bool,
) -> Embed {
    let first = acts.first().map(|a| a.action);
    base.title = Some(truncate_markdown(
        &escape_markdown(&clean_line(&sentence)),
        limits::TITLE,
    ));
    base.description = Some(lines.join("\n")).filter(|d| !d.is_empty());
    if let Some(action) = first {
        base.footer = Some(EmbedFooter {
            text: format!("{} · digest of {}", action_label(action), acts.len()),
            icon_url: None,
        });
    }
    base.timestamp = acts.iter().map(|a| a.time.0).max().and_then(timestamp);
    if !keep_author {
        base.author = None;
    }
    base.fit();
    base
}

/// The distinct people, in order of their first activity (each deleted or
/// nameless account counts as one more person).
fn people<'a>(acts: &[&'a Activity]) -> Vec<(&'a User, Option<Rating>)> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out: Vec<(&User, Option<Rating>)> = Vec::new();
    for a in acts {
        let key = user_key(&a.user);
        match key.as_ref().and_then(|k| seen.get(k)) {
            // The same person again: keep their latest rating.
            Some(&at) => {
                if let Some(p) = out.get_mut(at) {
                    p.1 = a.rating.or(p.1);
                }
            }
            None => {
                if let Some(key) = key {
                    seen.insert(key, out.len());
                }
                out.push((&a.user, a.rating));
            }
        }
    }
    out
}

/// "alice, bob (8), … …and N more": the first [`NAMES_LISTED`] people, escaped.
fn names_line(people: &[(&User, Option<Rating>)], rated: bool) -> String {
    let names: Vec<String> = people
        .iter()
        .take(NAMES_LISTED)
        .map(|(user, rating)| {
            let name = escape_markdown(&truncate(&display_name(user), NAME_MAX));
            match (rated, rating) {
                (true, Some(Rating::Score(s))) => format!("{name} ({}/10)", s.get()),
                (true, Some(Rating::Love)) => format!("{name} (loved it)"),
                (true, Some(Rating::Hate)) => format!("{name} (hated it)"),
                _ => name,
            }
        })
        .collect();
    let rest = people.len().saturating_sub(NAMES_LISTED);
    let mut line = names.join(", ");
    if rest > 0 {
        line.push_str(&format!(" …and {rest} more"));
    }
    line
}

/// "Average **8.4**/10 (from 6 to 10) · 2 loved it · 1 hated it".
fn ratings_line(acts: &[&Activity]) -> Option<String> {
    let scores: Vec<u8> = acts
        .iter()
        .filter_map(|a| match a.rating {
            Some(Rating::Score(s)) => Some(s.get()),
            _ => None,
        })
        .collect();
    let count = |r: Rating| acts.iter().filter(|a| a.rating == Some(r)).count();
    let mut parts = Vec::new();
    if let (Some(min), Some(max)) = (scores.iter().min(), scores.iter().max()) {
        let sum: u32 = scores.iter().map(|s| u32::from(*s)).sum();
        let avg = f64::from(sum) / scores.len() as f64;
        let spread = if min == max {
            format!("all {min}")
        } else {
            format!("from {min} to {max}")
        };
        parts.push(format!("Average **{avg:.1}**/10 ({spread})"));
    }
    for (r, words) in [(Rating::Love, "loved it"), (Rating::Hate, "hated it")] {
        let n = count(r);
        if n > 0 {
            parts.push(format!("{n} {words}"));
        }
    }
    (!parts.is_empty()).then(|| parts.join(" · "))
}

/// "Between <t:…:t> and <t:…:t>" (Discord shows each reader's local time).
fn span_line(acts: &[&Activity]) -> Option<String> {
    let times = acts
        .iter()
        .map(|a| a.time.0)
        .filter(|t| timestamp(*t).is_some());
    let (min, max) = times.fold(None, |acc: Option<(i64, i64)>, t| match acc {
        Some((a, b)) => Some((a.min(t), b.max(t))),
        None => Some((t, t)),
    })?;
    Some(if min == max {
        format!("At <t:{min}:t>")
    } else {
        format!("Between <t:{min}:t> and <t:{max}:t>")
    })
}
