//! Activity JSON in Trakt's v1 shape, as the fake Trakt publishes it. Every test
//! file builds its activities here, varying only what it asserts on.

use serde_json::{json, Value};

/// The show an activity is about.
pub struct TestShow<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    pub tvdb_id: Option<String>,
}

/// An episode activity (with an `episodes` list and a shout, so any action
/// renders) by `user` at Trakt time `ts`.
pub fn episode_activity(
    id: u64,
    action: &str,
    user: &str,
    ts: i64,
    show: &TestShow<'_>,
    number: u64,
    episode_title: &str,
) -> Value {
    let mut show_json = json!({
        "title": show.title,
        "url": format!("http://trakt.tv/show/{}", show.slug),
    });
    if let (Some(tvdb), Some(obj)) = (&show.tvdb_id, show_json.as_object_mut()) {
        obj.insert("tvdb_id".to_owned(), json!(tvdb));
    }
    json!({
        "id": id,
        "timestamp": ts,
        "type": "episode",
        "action": action,
        "user": {"username": user, "url": format!("http://trakt.tv/user/{user}")},
        "show": show_json,
        "episode": {"season": 4, "number": number, "title": episode_title},
        "episodes": [{"season": 4, "number": number, "title": episode_title}],
        "shout": {"id": id, "text": format!("shout by {user} @everyone"), "spoiler": false}
    })
}
