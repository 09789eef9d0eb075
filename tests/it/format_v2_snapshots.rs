//! Snapshot tests of `format::render` on v2 items: every comment of
//! `show-comments-newest.json` (show level) and `comments-recent-episodes.json`
//! (episodes), one season comment, the lists of `show-lists-personal-added.json`
//! as created and the items of `list-items.json` as added, and the public
//! watchers of `show-watching-2.json`. The `activity::Activity` inputs are
//! built here from the fixtures' JSON by a small hand-written mapping (the v2
//! wire types belong to the v2 client). Every embed is also validated as part
//! of a create-message request.

use std::path::Path;
use std::time::UNIX_EPOCH;

use serde_json::Value;
use trakt_herald::activity::{
    web, Activity, ActivityKey, Comment, Episode, List, ListItem, Score, Season, Show, Subject,
    TraktTime, User,
};
use trakt_herald::format::{pack, render, Embed};
use trakt_herald::trakt::Action;

use crate::format_schema::{request_errors, request_json};

fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/trakt-v2")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).expect("read fixture")).expect("JSON")
}

fn string(v: &Value) -> Option<String> {
    v.as_str().filter(|s| !s.is_empty()).map(str::to_owned)
}

fn time(v: &Value) -> TraktTime {
    let at = humantime::parse_rfc3339(v.as_str().expect("a timestamp")).expect("RFC 3339");
    let secs = at.duration_since(UNIX_EPOCH).expect("after 1970").as_secs();
    TraktTime(i64::try_from(secs).expect("fits"))
}

fn user(v: &Value) -> User {
    let deleted = v["deleted"].as_bool().unwrap_or(false);
    User {
        username: v["username"].as_str().unwrap_or_default().to_owned(),
        display_name: string(&v["name"]),
        avatar: None,
        profile_url: (!deleted)
            .then(|| web::profile(v["ids"]["slug"].as_str()?))
            .flatten(),
        deleted,
    }
}

fn show(v: &Value) -> Show {
    Show {
        title: string(&v["title"]),
        year: v["year"].as_u64(),
        trakt: v["ids"]["trakt"].as_u64(),
        slug: string(&v["ids"]["slug"]),
        tvdb: v["ids"]["tvdb"].as_u64(),
        imdb: string(&v["ids"]["imdb"]),
        url: None,
        poster: None,
    }
}

fn episode(v: &Value) -> Episode {
    Episode {
        season: v["season"].as_u64(),
        number: v["number"].as_u64(),
        title: string(&v["title"]),
        ..Episode::default()
    }
}

fn comment(c: &Value, subject: Subject) -> Activity {
    let id = c["id"].as_u64().expect("a comment id");
    Activity {
        action: if c["review"].as_bool() == Some(true) {
            Action::Review
        } else {
            Action::Shout
        },
        time: time(&c["created_at"]),
        key: ActivityKey::comment(id),
        user: user(&c["user"]),
        subject,
        comment: Some(Comment {
            id: Some(id),
            text: c["comment"].as_str().unwrap_or_default().to_owned(),
            spoiler: c["spoiler"].as_bool().unwrap_or(false),
            user_rating: c["user_rating"].as_u64().and_then(Score::new),
            url: web::comment(id),
        }),
        list: None,
        list_item: None,
        rating: None,
    }
}

fn list(l: &Value) -> List {
    let id = l["ids"]["trakt"].as_u64();
    let slug = string(&l["ids"]["slug"]);
    let handle = slug.clone().or_else(|| id.map(|i| i.to_string()));
    List {
        id,
        name: string(&l["name"]),
        url: handle.and_then(|h| web::list(l["user"]["ids"]["slug"].as_str()?, &h)),
        slug,
        description: string(&l["description"]),
        privacy: string(&l["privacy"]),
    }
}

fn list_item_subject(item: &Value) -> Subject {
    let show = show(&item["show"]);
    match item["type"].as_str() {
        Some("season") => Subject::Season {
            show: Some(show),
            season: Season {
                number: item["season"]["number"].as_u64(),
                url: None,
            },
        },
        Some("episode") => Subject::Episode {
            show: Some(show),
            episode: episode(&item["episode"]),
        },
        _ => Subject::Show { show },
    }
}

fn the_walking_dead() -> Show {
    show(&fixture("show-summary-full.json"))
}

fn snapshot(name: &str, a: &Activity, all: &mut Vec<Embed>) {
    let e = render(a);
    insta::assert_json_snapshot!(name.to_owned(), e);
    all.push(e);
}

fn array(v: &Value) -> &Vec<Value> {
    v.as_array().expect("an array")
}

fn comments(all: &mut Vec<Embed>) {
    let twd = the_walking_dead();
    for c in array(&fixture("show-comments-newest.json")) {
        let a = comment(c, Subject::Show { show: twd.clone() });
        snapshot(&format!("v2-show-comment-{}", c["id"]), &a, all);
    }
    for w in array(&fixture("comments-recent-episodes.json")) {
        let subject = Subject::Episode {
            show: Some(show(&w["show"])),
            episode: episode(&w["episode"]),
        };
        let a = comment(&w["comment"], subject);
        snapshot(
            &format!("v2-episode-comment-{}", w["comment"]["id"]),
            &a,
            all,
        );
    }
    // No fixture has a season comment: 8104392 ("Season 2 holds up…") as one.
    let newest = fixture("show-comments-newest.json");
    let c = &array(&newest)[2];
    let season = Subject::Season {
        show: Some(twd),
        season: Season {
            number: Some(2),
            url: None,
        },
    };
    snapshot("v2-season-comment-8104392", &comment(c, season), all);
}

fn lists(all: &mut Vec<Embed>) {
    let lists = fixture("show-lists-personal-added.json");
    for l in array(&lists) {
        let a = Activity {
            action: Action::Created,
            time: time(&l["created_at"]),
            key: ActivityKey::list(l["ids"]["trakt"].as_u64().expect("list id")),
            user: user(&l["user"]),
            subject: Subject::List,
            comment: None,
            list: Some(list(l)),
            list_item: None,
            rating: None,
        };
        snapshot(&format!("v2-list-created-{}", l["ids"]["trakt"]), &a, all);
    }
    // list-items.json holds the items of the first (newest) list.
    let owner = &array(&lists)[0];
    let list_id = owner["ids"]["trakt"].as_u64().expect("list id");
    for item in array(&fixture("list-items.json")) {
        let item_id = item["id"].as_u64().expect("item id");
        let a = Activity {
            action: Action::ItemAdded,
            time: time(&item["listed_at"]),
            key: ActivityKey::list_item(list_id, item_id),
            user: user(&owner["user"]),
            subject: list_item_subject(item),
            comment: None,
            list: Some(list(owner)),
            list_item: Some(ListItem {
                id: Some(item_id),
                notes: string(&item["notes"]),
            }),
            rating: None,
        };
        snapshot(&format!("v2-list-item-{item_id}"), &a, all);
    }
}

fn watchers(all: &mut Vec<Embed>) {
    // The snapshot's `Date`: 2026-11-15T02:00:00Z.
    let at = time(&Value::from("2026-11-15T02:00:00Z"));
    let twd = the_walking_dead();
    for u in array(&fixture("show-watching-2.json")) {
        if u["private"].as_bool() == Some(true) {
            continue; // private users are never announced
        }
        let slug = u["ids"]["slug"].as_str().expect("slug");
        let a = Activity {
            action: Action::Watching,
            time: at,
            key: ActivityKey::watching(1393, slug, at),
            user: user(u),
            subject: Subject::Show { show: twd.clone() },
            comment: None,
            list: None,
            list_item: None,
            rating: None,
        };
        snapshot(&format!("v2-watching-{slug}"), &a, all);
    }
}

#[test]
fn every_v2_item_renders_as_reviewed_and_validates() {
    let mut all = Vec::new();
    comments(&mut all);
    lists(&mut all);
    watchers(&mut all);
    assert_eq!(
        all.len(),
        7 + 7 + 1 + 3 + 4 + 3,
        "every item of every fixture"
    );
    for message in pack(all) {
        let errors = request_errors(&request_json(&message, None));
        assert!(errors.is_empty(), "{errors:#?}");
    }
}
