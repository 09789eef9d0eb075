//! A followed user's v2 items → the bot's activity model: history events
//! (`scrobble`, `checkin`, `watch` = seen), ratings with the score,
//! watchlist entries and the current viewing, with the user (from their
//! profile) as author. Keys per reference §10.2: `history:{id}`;
//! `rating:{user}:{type}:{id}:{rated_at}`; `watchlist:{user}:{item}`;
//! `user_watching:{user}:{type}:{id}:{started_at}`. Pure. The collection,
//! comments and lists of a user are mapped in `map_user_sources`.

use super::map::{episode, season, show, time};
use super::users::{HistoryItem, RatedItem, Watching};
use super::wire::{self, ListItem};
use crate::activity::{self, web, Activity, ActivityKey, Rating, Score, Subject};
use crate::trakt::Action;

/// A v2 movie as the model's movie, with its Trakt page.
pub fn movie(m: &wire::Movie) -> activity::Movie {
    activity::Movie {
        title: m.title.clone().filter(|t| !t.is_empty()),
        year: m.year.map(u64::from),
        trakt: m.ids.trakt,
        imdb: m.ids.imdb.clone(),
        url: m.ids.slug.as_deref().and_then(web::movie),
        poster: None,
    }
}

/// The subject of a user item of `kind` and the Trakt id it is keyed by;
/// `None` when the payload lacks what the type calls for (or is a person).
pub(super) fn subject(
    kind: &str,
    on: Option<&wire::Show>,
    s: Option<&wire::Season>,
    e: Option<&wire::Episode>,
    m: Option<&wire::Movie>,
) -> Option<(Subject, u64)> {
    match kind {
        "movie" => {
            let m = m?;
            Some((Subject::Movie { movie: movie(m) }, m.ids.trakt?))
        }
        "show" => {
            let on = on?;
            Some((Subject::Show { show: show(on) }, on.ids.trakt.0))
        }
        "season" => {
            let (on, s) = (on?, s?);
            let id = s.ids.trakt.unwrap_or(on.ids.trakt.0);
            Some((
                Subject::Season {
                    show: Some(show(on)),
                    season: season(s),
                },
                id,
            ))
        }
        "episode" => {
            let (on, e) = (on?, e?);
            Some((
                Subject::Episode {
                    show: Some(show(on)),
                    episode: episode(e),
                },
                e.ids.trakt?,
            ))
        }
        _ => None,
    }
}

pub(super) fn activity(
    action: Action,
    at: activity::TraktTime,
    key: ActivityKey,
    by: &activity::User,
    subject: Subject,
) -> Activity {
    Activity {
        action,
        time: at,
        key,
        user: by.clone(),
        subject,
        comment: None,
        list: None,
        list_item: None,
        rating: None,
    }
}

/// A history event: `scrobble`, `checkin`, or `watch` (seen).
pub fn history(h: &HistoryItem, by: &activity::User) -> Option<Activity> {
    let action = match h.action.as_str() {
        "scrobble" => Action::Scrobble,
        "checkin" => Action::Checkin,
        "watch" => Action::Seen,
        _ => return None,
    };
    let (subject, _) = subject(
        &h.r#type,
        h.show.as_ref(),
        None,
        h.episode.as_ref(),
        h.movie.as_ref(),
    )?;
    Some(activity(
        action,
        time(h.watched_at),
        ActivityKey::history(h.id),
        by,
        subject,
    ))
}

/// A rating, with its score.
pub fn rating(r: &RatedItem, user_slug: &str, by: &activity::User) -> Option<Activity> {
    let (subject, id) = subject(
        &r.r#type,
        r.show.as_ref(),
        r.season.as_ref(),
        r.episode.as_ref(),
        r.movie.as_ref(),
    )?;
    let at = time(r.rated_at);
    let mut a = activity(
        Action::Rating,
        at,
        ActivityKey::rating(user_slug, &r.r#type, id, at),
        by,
        subject,
    );
    a.rating = Score::new(r.rating).map(Rating::Score);
    Some(a)
}

/// An entry added to the watchlist.
pub fn watchlist(i: &ListItem, user_slug: &str, by: &activity::User) -> Option<Activity> {
    let (subject, _) = subject(
        &i.r#type,
        i.show.as_ref(),
        i.season.as_ref(),
        i.episode.as_ref(),
        i.movie.as_ref(),
    )?;
    let mut a = activity(
        Action::Watchlist,
        time(i.listed_at),
        ActivityKey::watchlist(user_slug, i.id.0),
        by,
        subject,
    );
    a.list_item = i
        .notes
        .clone()
        .filter(|n| !n.is_empty())
        .map(|notes| activity::ListItem {
            id: Some(i.id.0),
            notes: Some(notes),
        });
    Some(a)
}

/// What the user is watching now (announced once per viewing).
pub fn watching(w: &Watching, user_slug: &str, by: &activity::User) -> Option<Activity> {
    let (subject, id) = subject(
        &w.r#type,
        w.show.as_ref(),
        None,
        w.episode.as_ref(),
        w.movie.as_ref(),
    )?;
    let at = time(w.started_at);
    Some(activity(
        Action::Watching,
        at,
        ActivityKey::user_watching(user_slug, &w.r#type, id, at),
        by,
        subject,
    ))
}

#[cfg(test)]
#[path = "map_user_tests.rs"]
mod tests;
