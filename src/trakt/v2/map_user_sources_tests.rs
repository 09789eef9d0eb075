use super::*;
use crate::trakt::ShowRef;

fn fixture<T: serde::de::DeserializeOwned>(path: &str) -> T {
    let path = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("parses")
}

fn by() -> activity::User {
    activity::User {
        username: "moonfield".into(),
        display_name: Some("Mira Okafor".into()),
        avatar: Some("https://example.test/a.png".into()),
        profile_url: web::profile("moonfield"),
        deleted: false,
    }
}

#[test]
fn collected_episodes_after_the_bound_one_each_keyed_per_reference() {
    let shows: Vec<CollectedShow> = fixture("trakt-v2/user-collection-shows.json");
    let all = collected_episodes(&shows[0], None, "moonfield", &by());
    assert_eq!(all.len(), 4);
    // S11E24 was collected at 00:05:00, the others long before.
    let bound = time(wire::Timestamp::parse("2026-11-15T00:00:00Z").expect("t"));
    let new = collected_episodes(&shows[0], Some(bound), "moonfield", &by());
    assert_eq!(new.len(), 1);
    let a = &new[0];
    assert_eq!(a.action, Action::Collection);
    assert!(a.is_about(&ShowRef::Trakt(1393)));
    assert_eq!(
        a.key,
        ActivityKey::collection_episode("moonfield", 1393, 11, 24, a.time)
    );
    assert_eq!(a.user, by());
    assert!(collected_episodes(&shows[1], Some(bound), "moonfield", &by()).is_empty());
}

#[test]
fn a_collected_movie_is_a_movie() {
    let movies: Vec<CollectedMovie> = fixture("user-sources/user-collection-movies.json");
    let a = collected_movie(&movies[0], "moonfield", &by()).expect("a movie");
    assert!(matches!(&a.subject, Subject::Movie { movie } if movie.trakt == Some(12601)));
    assert_eq!(
        a.key,
        ActivityKey::collection_movie("moonfield", 12601, a.time)
    );
    assert!(a.subject_show().is_none());
}

#[test]
fn user_comments_keep_the_comment_key_flags_and_their_subject() {
    let items: Vec<CommentWrapper> = fixture("trakt-v2/user-comments.json");
    let acts: Vec<Activity> = items
        .iter()
        .filter_map(|w| user_comment(w, "moonfield", &by()))
        .collect();
    assert_eq!(acts.len(), 3);
    assert_eq!(acts[0].key, ActivityKey::comment(8104445));
    assert!(matches!(acts[0].subject, Subject::Episode { .. }));
    assert!(matches!(acts[1].subject, Subject::Show { .. }));
    assert!(matches!(acts[2].subject, Subject::List));
    assert!(acts[2]
        .list
        .as_ref()
        .is_some_and(|l| l.id == Some(31740032)));
    assert!(acts
        .iter()
        .all(|a| a.action == Action::Shout && a.user == by()));
    let mut review = items[0].clone();
    review.comment.review = true;
    review.comment.spoiler = true;
    let r = user_comment(&review, "moonfield", &by()).expect("a review");
    assert_eq!(r.action, Action::Review);
    assert!(r.comment.as_ref().is_some_and(|c| c.spoiler));
    let mut reply = items[0].clone();
    reply.comment.parent_id = Some(8104000);
    assert!(user_comment(&reply, "moonfield", &by()).is_none());
}

#[test]
fn lists_and_their_items_map_with_movies_as_movies() {
    let lists: Vec<TraktList> = fixture("trakt-v2/user-lists.json");
    let created = list_created(&lists[0], "moonfield", &by()).expect("created_at");
    assert_eq!(created.key, ActivityKey::list(31882114));
    assert!(created
        .list
        .as_ref()
        .and_then(|l| l.url.clone())
        .is_some_and(|u| u.contains("/users/moonfield/lists/")));
    let mut ownerless = lists[1].clone();
    ownerless.user = None;
    let a = list_created(&ownerless, "moonfield", &by()).expect("created_at");
    assert!(a.list.and_then(|l| l.url).is_some());
    let items: Vec<ListItem> = fixture("user-sources/user-list-items.json");
    let added: Vec<Activity> = items
        .iter()
        .filter_map(|i| list_item_added(&lists[0], i, "moonfield", &by()))
        .collect();
    assert_eq!(added.len(), items.len());
    let movie = added.last().expect("the movie");
    assert!(matches!(movie.subject, Subject::Movie { .. }));
    assert_eq!(
        movie.key,
        ActivityKey::list_item(31882114, items[items.len() - 1].id.0)
    );
}
