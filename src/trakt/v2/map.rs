//! v2 wire types → the bot's activity model (`crate::activity`), as
//! `trakt::v1_map` does for v1. Pure: what the v2 poller routes and
//! `/activity` renders both come from here, so a notification and an
//! `/activity` line for the same item are the same embed.
//!
//! Keys are the `ActivityKey` constructors (`comment:{id}`, `list:{id}`,
//! `list_item:{list}:{item}`, `watching:{show}:{user}:{since}`); times are
//! Trakt's own (`created_at`, `updated_at`, `listed_at`, the snapshot's `Date`).

use super::wire::{self, Comment, CommentWrapper, ListItem, Timestamp, TraktList, User};
use crate::activity::{self, web, Activity, ActivityKey, Score, Subject, TraktTime};
use crate::trakt::Action;

/// A v2 timestamp as the model's Trakt time (whole seconds).
pub fn time(t: Timestamp) -> TraktTime {
    TraktTime(t.unix().max(0))
}

/// A v2 user profile as the model's user (no link for a deleted account).
pub fn user(u: &User) -> activity::User {
    activity::User {
        username: u.username.clone().unwrap_or_else(|| u.ids.slug.0.clone()),
        display_name: u.name.clone().filter(|n| !n.is_empty()),
        avatar: None,
        profile_url: (!u.deleted).then(|| web::profile(&u.ids.slug.0)).flatten(),
        deleted: u.deleted,
    }
}

/// A v2 show as the model's show.
pub fn show(s: &wire::Show) -> activity::Show {
    activity::Show {
        title: Some(s.title.clone()).filter(|t| !t.is_empty()),
        year: s.year.map(u64::from),
        trakt: Some(s.ids.trakt.0),
        slug: Some(s.ids.slug.clone()).filter(|s| !s.is_empty()),
        tvdb: s.ids.tvdb,
        imdb: s.ids.imdb.clone(),
        url: None,
        poster: None,
    }
}

pub(super) fn episode(e: &wire::Episode) -> activity::Episode {
    activity::Episode {
        season: Some(u64::from(e.season)),
        number: Some(u64::from(e.number)),
        title: e.title.clone(),
        ..activity::Episode::default()
    }
}

pub(super) fn season(s: &wire::Season) -> activity::Season {
    activity::Season {
        number: Some(u64::from(s.number)),
        url: None,
    }
}

/// A comment on `subject`: a review when Trakt flags it, else a shout.
pub fn comment(c: &Comment, subject: Subject) -> Activity {
    let id = c.id.0;
    Activity {
        action: if c.review {
            Action::Review
        } else {
            Action::Shout
        },
        time: time(c.created_at),
        key: ActivityKey::comment(id),
        user: c.user.as_ref().map(user).unwrap_or_default(),
        subject,
        comment: Some(activity::Comment {
            id: Some(id),
            text: c.comment.clone(),
            spoiler: c.spoiler,
            user_rating: c.user_rating.map(u64::from).and_then(Score::new),
            url: web::comment(id),
        }),
        list: None,
        list_item: None,
        rating: None,
    }
}

/// A show-level comment on `on`.
pub fn show_comment(c: &Comment, on: &wire::Show) -> Activity {
    comment(c, Subject::Show { show: show(on) })
}

/// A recent-comments feed item, attached to its episode, season or show;
/// `None` for items about anything else (movies, lists) or without a show.
pub fn feed_comment(w: &CommentWrapper) -> Option<Activity> {
    let on = w.show.as_ref()?;
    let subject = match (w.r#type.as_str(), &w.episode, &w.season) {
        ("episode", Some(e), _) => Subject::Episode {
            show: Some(show(on)),
            episode: episode(e),
        },
        ("season", _, Some(s)) => Subject::Season {
            show: Some(show(on)),
            season: season(s),
        },
        ("show", _, _) => Subject::Show { show: show(on) },
        _ => return None,
    };
    Some(comment(&w.comment, subject))
}

/// The model's list (its page is under its owner's profile).
pub fn list(l: &TraktList) -> activity::List {
    let id = l.ids.trakt.0;
    let slug = l.ids.slug.clone().filter(|s| !s.is_empty());
    let handle = slug.clone().unwrap_or_else(|| id.to_string());
    let url = l
        .user
        .as_ref()
        .and_then(|u| web::list(&u.ids.slug.0, &handle));
    activity::List {
        id: Some(id),
        name: Some(l.name.clone()).filter(|n| !n.is_empty()),
        slug,
        url,
        description: l.description.clone().filter(|d| !d.is_empty()),
        privacy: l.privacy.clone(),
    }
}

/// A list being created (at its `created_at`), by its owner.
pub fn list_created(l: &TraktList) -> Option<Activity> {
    Some(Activity {
        action: Action::Created,
        time: time(l.created_at?),
        key: ActivityKey::list(l.ids.trakt.0),
        user: l.user.as_ref().map(user).unwrap_or_default(),
        subject: Subject::List,
        comment: None,
        list: Some(list(l)),
        list_item: None,
        rating: None,
    })
}

/// An item of `l` (at its `listed_at`), by the list's owner; `None` for a
/// movie, a person or an item without its show.
pub fn list_item_added(l: &TraktList, item: &ListItem) -> Option<Activity> {
    let on = item.show.as_ref()?;
    let subject = match (item.r#type.as_str(), &item.season, &item.episode) {
        ("show", _, _) => Subject::Show { show: show(on) },
        ("season", Some(s), _) => Subject::Season {
            show: Some(show(on)),
            season: season(s),
        },
        ("episode", _, Some(e)) => Subject::Episode {
            show: Some(show(on)),
            episode: episode(e),
        },
        _ => return None,
    };
    Some(Activity {
        action: Action::ItemAdded,
        time: time(item.listed_at),
        key: ActivityKey::list_item(l.ids.trakt.0, item.id.0),
        user: l.user.as_ref().map(user).unwrap_or_default(),
        subject,
        comment: None,
        list: Some(list(l)),
        list_item: Some(activity::ListItem {
            id: Some(item.id.0),
            notes: item.notes.clone().filter(|n| !n.is_empty()),
        }),
        rating: None,
    })
}

/// `u` seen watching `on` (Trakt id `show_id`), in a viewing first seen at `since`.
pub fn watching(on: activity::Show, show_id: u64, u: &User, since: TraktTime) -> Activity {
    Activity {
        action: Action::Watching,
        time: since,
        key: ActivityKey::watching(show_id, &u.ids.slug.0, since),
        user: user(u),
        subject: Subject::Show { show: on },
        comment: None,
        list: None,
        list_item: None,
        rating: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trakt::v2::feed::parse_recent;
    use crate::trakt::v2::wire::RecentComment;

    fn fixture<T: serde::de::DeserializeOwned>(name: &str) -> T {
        let path = format!(
            "{}/tests/fixtures/trakt-v2/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("parses")
    }

    fn twd() -> wire::Show {
        fixture("show-summary-full.json")
    }

    #[test]
    fn comments_keep_ids_flags_rating_and_link() {
        let comments: Vec<Comment> = fixture("show-comments-newest.json");
        let acts: Vec<Activity> = comments.iter().map(|c| show_comment(c, &twd())).collect();
        assert!(acts.iter().all(|a| a.key.0.starts_with("comment:")));
        assert!(acts.iter().any(|a| a.action == Action::Review));
        assert!(acts.iter().any(|a| a.action == Action::Shout));
        let spoiler = comments.iter().position(|c| c.spoiler).expect("a spoiler");
        assert!(acts[spoiler].comment.as_ref().is_some_and(|c| c.spoiler));
        let first = &acts[0];
        let c = first.comment.as_ref().expect("comment");
        assert_eq!(c.url, web::comment(comments[0].id.0));
        assert_eq!(first.time, time(comments[0].created_at));
        assert!(first.is_about(&crate::trakt::ShowRef::Trakt(1393)));
    }

    #[test]
    fn feed_items_attach_to_their_episode_and_show() {
        let raw: Vec<serde_json::Value> = fixture("comments-recent-episodes.json");
        let items: Vec<RecentComment> = raw.into_iter().filter_map(parse_recent).collect();
        let acts: Vec<Activity> = items
            .iter()
            .filter_map(|i| match i {
                RecentComment::Wrapped(w) => feed_comment(w),
                RecentComment::Bare(_) => None,
            })
            .collect();
        assert_eq!(acts.len(), 7);
        let on_twd = acts
            .iter()
            .filter(|a| a.is_about(&crate::trakt::ShowRef::Trakt(1393)))
            .count();
        assert_eq!(on_twd, 3);
        assert!(acts
            .iter()
            .all(|a| matches!(a.subject, Subject::Episode { .. })));
    }

    #[test]
    fn lists_items_and_watchers_map() {
        let lists: Vec<TraktList> = fixture("show-lists-personal-added.json");
        let created = list_created(&lists[0]).expect("created_at");
        assert_eq!(created.action, Action::Created);
        assert_eq!(created.key, ActivityKey::list(lists[0].ids.trakt.0));
        assert!(created.list.as_ref().and_then(|l| l.url.clone()).is_some());
        let items: Vec<ListItem> = fixture("list-items.json");
        let added: Vec<Activity> = items
            .iter()
            .filter_map(|i| list_item_added(&lists[0], i))
            .collect();
        assert!(!added.is_empty());
        assert!(added.iter().all(|a| a.action == Action::ItemAdded));
        let users: Vec<User> = fixture("show-watching-1.json");
        let w = watching(show(&twd()), 1393, &users[0], TraktTime(5));
        assert_eq!(
            w.key,
            ActivityKey::watching(1393, &users[0].ids.slug.0, TraktTime(5))
        );
    }
}
