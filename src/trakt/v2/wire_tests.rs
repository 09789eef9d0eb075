use super::*;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../../tests/fixtures/trakt-v2/", $name))
    };
}

fn parse<T: serde::de::DeserializeOwned>(text: &str) -> T {
    serde_json::from_str(text).expect("the fixture parses")
}

#[test]
fn timestamps_with_and_without_fractions_are_instants() {
    let a = Timestamp::parse("2026-11-15T01:59:40.000Z").expect("millis");
    let b = Timestamp::parse("2026-11-15T01:59:40Z").expect("no fraction");
    let c = Timestamp::parse("2019-01-20T06:54:36.859Z").expect("real fraction");
    assert_eq!(a, b);
    assert!(c < a);
    assert_eq!(a.to_string(), "2026-11-15T01:59:40.000Z");
    assert_eq!(a.minus_secs(60).to_string(), "2026-11-15T01:58:40.000Z");
    assert!(Timestamp::parse("2026-11-15").is_none());
    assert!(Timestamp::parse("yesterday").is_none());
    let http = Timestamp::parse_http("Sun, 15 Nov 2026 01:54:01 GMT").expect("HTTP date");
    assert_eq!(http.to_string(), "2026-11-15T01:54:01.000Z");
}

#[test]
fn show_summary_full_parses() {
    let show: Show = parse(fixture!("show-summary-full.json"));
    assert_eq!(show.title, "The Walking Dead");
    assert_eq!(show.ids.trakt, ShowId(1393));
    assert_eq!(show.ids.slug, "the-walking-dead");
    assert_eq!(show.ids.tvdb, Some(153021));
    assert_eq!(show.ids.imdb.as_deref(), Some("tt1520211"));
    assert_eq!(show.year, Some(2010));
    assert_eq!(show.status.as_deref(), Some("ended"));
}

#[test]
fn only_the_always_fields_are_required() {
    let minimal: Show = parse(
        r#"{"title":"X","year":null,"ids":{"trakt":1,"slug":"x","imdb":"","plex":{"guid":"g"}},"new":1}"#,
    );
    assert_eq!(minimal.year, None);
    assert_eq!(minimal.ids.imdb, None, "an empty imdb is None");
    assert!(serde_json::from_str::<Show>(r#"{"title":"X","ids":{"slug":"x"}}"#).is_err());
    let user: User = parse(r#"{"ids":{"slug":"a"},"vip":null,"private":null}"#);
    assert!(!user.vip && !user.private && user.ids.trakt.is_none());
    let comment: Comment =
        parse(r#"{"id":5,"created_at":"2026-11-15T01:59:40Z","comment":"hi","user":{"no":"ids"}}"#);
    assert_eq!(
        comment.user, None,
        "a malformed user does not fail the comment"
    );
    assert!(!comment.is_reply() && comment.updated_at.is_none());
}

#[test]
fn comments_and_users_parse() {
    let comments: Vec<Comment> = parse(fixture!("show-comments-newest.json"));
    assert_eq!(comments.len(), 7);
    assert_eq!(comments[0].id, CommentId(8104471));
    assert!(comments.iter().any(|c| c.review));
    assert!(comments.iter().any(|c| c.spoiler));
    let deleted = comments
        .iter()
        .find(|c| c.id == CommentId(8104201))
        .and_then(|c| c.user.as_ref())
        .expect("the deleted user's comment");
    assert!(deleted.deleted);
    let edited = comments
        .iter()
        .find(|c| c.id == CommentId(8103995))
        .expect("edited");
    assert!(edited.updated_at > Some(edited.created_at));
    let watching: Vec<User> = parse(fixture!("show-watching-2.json"));
    assert_eq!(watching.len(), 4);
    assert!(watching
        .iter()
        .any(|u| u.private && u.ids.slug.0 == "quietviewer"));
}

#[test]
fn lists_items_and_search_parse() {
    let lists: Vec<TraktList> = parse(fixture!("show-lists-personal-added.json"));
    assert_eq!(lists[0].ids.trakt, ListId(31882114));
    assert_eq!(
        lists[0].updated_at,
        Timestamp::parse("2026-11-15T01:30:44.000Z")
    );
    let items: Vec<ListItem> = parse(fixture!("list-items.json"));
    assert_eq!(items.len(), 4);
    assert_eq!(
        items.iter().map(|i| i.r#type.as_str()).collect::<Vec<_>>(),
        ["show", "show", "season", "episode"]
    );
    assert!(items.iter().all(|i| i.show.is_some()));
    let found: Vec<SearchResult> = parse(fixture!("search-tvdb-show.json"));
    assert_eq!(found[0].score, Some(1000.0));
    let text: Vec<SearchResult> = parse(fixture!("search-text-show.json"));
    assert!(text.iter().all(|r| r.show.is_some()));
}

#[test]
fn both_recent_comment_shapes_parse() {
    let wrapped: Vec<CommentWrapper> = parse(fixture!("comments-recent-episodes.json"));
    assert_eq!(wrapped.len(), 7);
    assert!(wrapped
        .iter()
        .all(|w| w.episode.is_some() && w.show.is_some()));
    let bare: Vec<Comment> = parse(fixture!("comments-recent-episodes-bare.json"));
    assert_eq!(
        bare.iter().map(|c| c.id).collect::<Vec<_>>(),
        wrapped.iter().map(|w| w.comment.id).collect::<Vec<_>>()
    );
}
