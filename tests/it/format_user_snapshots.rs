//! Snapshot tests of `format::render` on a followed user's items (issue 12):
//! every event of `user-history.json` (scrobble, check-in, seen, a movie),
//! every rating of `user-ratings.json` (episode, show, movie, season), every
//! entry of `user-watchlist.json` and the viewing of `user-watching.json`,
//! mapped by `trakt::v2::map_user` (what the poller posts) with moonfield's
//! profile (`user-profile.json`, with its avatar) as author. Every embed is
//! also validated as part of a create-message request. The second test does
//! the same for the collection (an episode of `user-collection-shows.json`,
//! a movie), the user's comments (`user-comments.json`: on an episode, on a
//! show with an inline spoiler, on a list; plus a review flagged a spoiler),
//! their lists (`user-lists.json` created, items of `user-list-items.json`
//! added, a movie among them) and watchlisted movies and episodes.

use std::path::Path;

use serde::de::DeserializeOwned;
use trakt_herald::activity::Activity;
use trakt_herald::format::{pack, render, Embed};
use trakt_herald::store::Profile;
use trakt_herald::trakt::v2::user_sources::{CollectedMovie, CollectedShow};
use trakt_herald::trakt::v2::users::{HistoryItem, RatedItem, UserProfile, Watching};
use trakt_herald::trakt::v2::UserSlug;
use trakt_herald::trakt::v2::{map_user, map_user_sources, CommentWrapper, ListItem, TraktList};

use crate::format_schema::{request_errors, request_json};

fn fixture<T: DeserializeOwned>(name: &str) -> T {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/trakt-v2")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).expect("read fixture"))
        .expect("the v2 wire types read the fixture")
}

fn extra<T: DeserializeOwned>(name: &str) -> T {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/user-sources")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).expect("read fixture"))
        .expect("the v2 wire types read the fixture")
}

fn snapshot(name: &str, a: &Activity, all: &mut Vec<Embed>) {
    let e = render(a);
    insta::assert_json_snapshot!(name.to_owned(), e);
    all.push(e);
}

fn moonfield() -> (UserSlug, trakt_herald::activity::User) {
    let p: UserProfile = fixture("user-profile.json");
    let profile = Profile {
        username: p.user.username.clone().unwrap_or_default(),
        name: p.user.name.clone(),
        avatar: p.avatar().map(str::to_owned),
    };
    let slug = UserSlug("moonfield".into());
    let by = profile.as_user(&slug);
    (slug, by)
}

fn validate(all: Vec<Embed>) {
    assert!(all.iter().all(|e| e
        .author
        .as_ref()
        .is_some_and(|a| a.icon_url.is_some() && a.name.contains("Mira Okafor"))));
    for message in pack(all) {
        let errors = request_errors(&request_json(&message, None));
        assert!(errors.is_empty(), "{errors:#?}");
    }
}

#[test]
fn every_user_item_renders_as_reviewed_and_validates() {
    let (slug, by) = moonfield();
    let mut all = Vec::new();
    let history: Vec<HistoryItem> = fixture("user-history.json");
    for h in &history {
        let a = map_user::history(h, &by).expect("a known action");
        snapshot(&format!("user-history-{}", h.id), &a, &mut all);
    }
    let ratings: Vec<RatedItem> = fixture("user-ratings.json");
    for (i, r) in ratings.iter().enumerate() {
        let a = map_user::rating(r, &slug.0, &by).expect("a rated item");
        snapshot(&format!("user-rating-{i}-{}", r.r#type), &a, &mut all);
    }
    let watchlist: Vec<ListItem> = fixture("user-watchlist.json");
    for w in &watchlist {
        let a = map_user::watchlist(w, &slug.0, &by).expect("a show");
        snapshot(&format!("user-watchlist-{}", w.id), &a, &mut all);
    }
    let now: Watching = fixture("user-watching.json");
    let a = map_user::watching(&now, &slug.0, &by).expect("an episode");
    snapshot("user-watching-moonfield", &a, &mut all);
    assert_eq!(all.len(), 5 + 4 + 3 + 1, "every item of every fixture");
    validate(all);
}

#[test]
fn collection_comments_lists_and_watchlisted_movies_and_episodes_render_and_validate() {
    let (slug, by) = moonfield();
    let mut all = Vec::new();
    let shows: Vec<CollectedShow> = fixture("user-collection-shows.json");
    let episodes = map_user_sources::collected_episodes(&shows[0], None, &slug.0, &by);
    let newest = episodes.last().expect("collected episodes");
    snapshot("user-collection-episode", newest, &mut all);
    let movies: Vec<CollectedMovie> = extra("user-collection-movies.json");
    let a = map_user_sources::collected_movie(&movies[0], &slug.0, &by).expect("a movie");
    snapshot("user-collection-movie", &a, &mut all);
    let comments: Vec<CommentWrapper> = fixture("user-comments.json");
    for w in &comments {
        let a = map_user_sources::user_comment(w, &slug.0, &by).expect("a comment");
        snapshot(
            &format!("user-comment-{}-{}", w.r#type, w.comment.id.0),
            &a,
            &mut all,
        );
    }
    let mut review = comments[0].clone();
    review.comment.review = true;
    review.comment.spoiler = true;
    let a = map_user_sources::user_comment(&review, &slug.0, &by).expect("a review");
    snapshot("user-review-spoiler", &a, &mut all);
    let lists: Vec<TraktList> = fixture("user-lists.json");
    let a = map_user_sources::list_created(&lists[0], &slug.0, &by).expect("created");
    snapshot("user-list-created", &a, &mut all);
    let items: Vec<ListItem> = extra("user-list-items.json");
    for i in &items {
        let a = map_user_sources::list_item_added(&lists[0], i, &slug.0, &by).expect("an item");
        snapshot(
            &format!("user-list-item-{}-{}", i.r#type, i.id.0),
            &a,
            &mut all,
        );
    }
    for name in ["user-watchlist-movies.json", "user-watchlist-episodes.json"] {
        let entries: Vec<ListItem> = extra(name);
        for w in &entries {
            let a = map_user::watchlist(w, &slug.0, &by).expect("an entry");
            snapshot(
                &format!("user-watchlist-{}-{}", w.r#type, w.id.0),
                &a,
                &mut all,
            );
        }
    }
    assert_eq!(all.len(), 2 + 3 + 1 + 1 + items.len() + 2);
    validate(all);
}
