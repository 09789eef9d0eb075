//! A followed user's collection, comments and lists → the bot's activity
//! model, with the user (from their profile) as author. Keys per reference
//! §10.2: a collected episode `collection:{user}:episode:{show}:{s}:{e}:{collected_at}`,
//! a collected movie `collection:{user}:movie:{id}:{collected_at}`, a comment
//! `comment:{id}` (as from a show's sources), a list `list:{id}`, a list item
//! `list_item:{list}:{item}`. A movie stays a movie. Pure.

use super::map::{self, episode, show, time};
use super::map_user::{activity, movie, subject};
use super::user_sources::{CollectedMovie, CollectedShow};
use super::wire::{self, CommentWrapper, ListItem, TraktList};
use crate::activity::{self, web, Activity, ActivityKey, Subject, TraktTime};
use crate::trakt::Action;

/// The episodes of a collected show collected after `bound` (all of them
/// when `None`), one activity each, oldest first.
pub fn collected_episodes(
    c: &CollectedShow,
    bound: Option<TraktTime>,
    user_slug: &str,
    by: &activity::User,
) -> Vec<Activity> {
    let mut out = Vec::new();
    for season in &c.seasons {
        for e in &season.episodes {
            let Some(at) = e.collected_at.map(time) else {
                continue;
            };
            if bound.is_some_and(|b| at <= b) {
                continue;
            }
            let wire_episode = wire::Episode {
                season: season.number,
                number: e.number,
                title: None,
                ids: wire::MediaIds::default(),
            };
            let subject = Subject::Episode {
                show: Some(show(&c.show)),
                episode: episode(&wire_episode),
            };
            let key = ActivityKey::collection_episode(
                user_slug,
                c.show.ids.trakt.0,
                season.number,
                e.number,
                at,
            );
            out.push(activity(Action::Collection, at, key, by, subject));
        }
    }
    out.sort_by_key(|a| a.time());
    out
}

/// A collected movie; `None` without the movie, its Trakt id or the time.
pub fn collected_movie(
    c: &CollectedMovie,
    user_slug: &str,
    by: &activity::User,
) -> Option<Activity> {
    let m = c.movie.as_ref()?;
    let at = time(c.collected_at?);
    let key = ActivityKey::collection_movie(user_slug, m.ids.trakt?, at);
    let subject = Subject::Movie { movie: movie(m) };
    Some(activity(Action::Collection, at, key, by, subject))
}

/// The user's comment (shout or review) on a show, season, episode, movie
/// or list; `None` for a reply or an item without what its type names.
pub fn user_comment(w: &CommentWrapper, user_slug: &str, by: &activity::User) -> Option<Activity> {
    if w.comment.is_reply() {
        return None;
    }
    let on_list = match w.r#type.as_str() {
        "list" => Some(w.list.as_ref()?),
        _ => None,
    };
    let subject = match on_list {
        Some(_) => Subject::List,
        None => {
            subject(
                &w.r#type,
                w.show.as_ref(),
                w.season.as_ref(),
                w.episode.as_ref(),
                w.movie.as_ref(),
            )?
            .0
        }
    };
    let mut a = map::comment(&w.comment, subject);
    a.user = by.clone();
    a.list = on_list.map(|l| list(l, user_slug));
    Some(a)
}

/// The model's list of the user; its page under its owner (the followed
/// user when the answer names no owner).
fn list(l: &TraktList, user_slug: &str) -> activity::List {
    let mut out = map::list(l);
    if out.url.is_none() && l.user.is_none() {
        let handle = out
            .slug
            .clone()
            .unwrap_or_else(|| l.ids.trakt.0.to_string());
        out.url = web::list(user_slug, &handle);
    }
    out
}

/// The user creating one of their lists (at its `created_at`).
pub fn list_created(l: &TraktList, user_slug: &str, by: &activity::User) -> Option<Activity> {
    let mut a = map::list_created(l)?;
    a.user = by.clone();
    a.list = Some(list(l, user_slug));
    Some(a)
}

/// An item the user added to their list `l` (at its `listed_at`): a show,
/// season, episode or movie; `None` for a person or a missing payload.
pub fn list_item_added(
    l: &TraktList,
    item: &ListItem,
    user_slug: &str,
    by: &activity::User,
) -> Option<Activity> {
    let (subject, _) = subject(
        &item.r#type,
        item.show.as_ref(),
        item.season.as_ref(),
        item.episode.as_ref(),
        item.movie.as_ref(),
    )?;
    let key = ActivityKey::list_item(l.ids.trakt.0, item.id.0);
    let mut a = activity(Action::ItemAdded, time(item.listed_at), key, by, subject);
    a.list = Some(list(l, user_slug));
    a.list_item = Some(activity::ListItem {
        id: Some(item.id.0),
        notes: item.notes.clone().filter(|n| !n.is_empty()),
    });
    Some(a)
}

#[cfg(test)]
#[path = "map_user_sources_tests.rs"]
mod tests;
