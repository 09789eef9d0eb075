use super::*;
use crate::activity::Activity;
use crate::trakt::ShowRef;

fn parse(json: &str) -> v1::Activity {
    serde_json::from_str(json).expect("v1 item parses")
}

fn rated(adv: Option<u64>, love: Option<&str>, use_adv: bool) -> Option<Rating> {
    let mut json = serde_json::json!({"timestamp":1,"type":"show","action":"rating",
        "user":{"username":"u"},"use_rating_advanced":use_adv});
    if let Some(n) = adv {
        json["rating_advanced"] = n.into();
    }
    if let Some(l) = love {
        json["rating"] = l.into();
    }
    Activity::from(&parse(&json.to_string())).rating
}

#[test]
fn ratings_follow_the_users_scale() {
    let score = |n| Some(Rating::Score(Score::new(n).expect("score")));
    assert_eq!(rated(Some(9), Some("love"), true), score(9));
    assert_eq!(rated(Some(9), Some("love"), false), Some(Rating::Love));
    assert_eq!(rated(Some(2), Some("hate"), false), Some(Rating::Hate));
    assert_eq!(rated(None, Some("hate"), true), Some(Rating::Hate));
    assert_eq!(rated(Some(7), None, false), score(7));
    assert_eq!(rated(Some(0), None, true), None);
    assert_eq!(rated(Some(11), None, true), None);
}

#[test]
fn key_time_and_user_are_v1s() {
    let raw = parse(
        r#"{"id":5,"timestamp":77,"type":"show","action":"shout","user":{"username":"night owl"},
            "show":{"title":"Fargo","url":"http://trakt.tv/show/fargo","tvdb_id":"269613"},
            "shout":{"id":9,"text":"Good.","spoiler":true}}"#,
    );
    let a = Activity::from(&raw);
    assert_eq!(a.key().0, "show:5");
    assert_eq!(a.key(), &raw.key());
    assert_eq!(a.time(), raw.time());
    assert_eq!(
        a.user.profile_url.as_deref(),
        Some("http://trakt.tv/user/night%20owl")
    );
    let c = a.comment.as_ref().expect("the shout");
    assert_eq!((c.id, c.text.as_str(), c.spoiler), (Some(9), "Good.", true));
    assert!(a.is_about(&ShowRef::Slug("fargo".into())));
    assert!(a.is_about(&ShowRef::Tvdb(269613)));
    let hashed =
        parse(r#"{"timestamp":77,"type":"show","action":"watchlist","user":{"username":"u"}}"#);
    assert_eq!(Activity::from(&hashed).key(), &hashed.key());
    assert!(hashed.key().0.starts_with("h:"));
}

#[test]
fn a_review_keeps_only_the_review() {
    let a = Activity::from(&parse(
        r#"{"timestamp":1,"type":"movie","action":"review","user":{"username":"u"},
            "movie":{"title":"M"},"shout":{"text":"no"},"review":{"text":"yes"}}"#,
    ));
    assert_eq!(a.comment.map(|c| c.text).as_deref(), Some("yes"));
    assert!(matches!(a.subject, Subject::Movie { .. }));
}

#[test]
fn list_items_become_the_subject() {
    let item = |li: &str| {
        Activity::from(&parse(&format!(
            r#"{{"timestamp":1,"type":"list","action":"item_added","user":{{"username":"u"}},
                "list":{{"name":"L"}},"list_item":{li}}}"#
        )))
        .subject
    };
    let show = r#"{"title":"Lost","url":"http://trakt.tv/show/lost"}"#;
    assert!(matches!(
        item(&format!(r#"{{"type":"season","season":2,"show":{show}}}"#)),
        Subject::Season {
            show: Some(_),
            season: act::Season {
                number: Some(2),
                ..
            }
        }
    ));
    assert!(matches!(
        item(&format!(
            r#"{{"type":"Episode","show":{show},"episode":{{"season":1,"number":2}}}}"#
        )),
        Subject::Episode { show: Some(_), .. }
    ));
    assert!(matches!(
        item(r#"{"type":"movie"}"#),
        Subject::Missing {
            show: None,
            expected: Expected::Movie
        }
    ));
    assert!(matches!(
        item(&format!(r#"{{"show":{show}}}"#)),
        Subject::Show { .. }
    ));
    assert!(matches!(
        item("{}"),
        Subject::Missing {
            expected: Expected::Something,
            ..
        }
    ));
    let created = Activity::from(&parse(
        r#"{"timestamp":1,"type":"list","action":"created","user":{"username":"u"},"list":{"name":"L","privacy":"public"}}"#,
    ));
    assert_eq!(created.subject, Subject::List);
    assert_eq!(
        created.list.and_then(|l| l.privacy).as_deref(),
        Some("public")
    );
}

#[test]
fn episodes_fall_back_to_the_single_episode() {
    let a = Activity::from(&parse(
        r#"{"timestamp":1,"type":"episode","action":"seen","user":{"username":"u"},
            "episode":{"season":1,"number":1},
            "episodes":[{"season":1,"number":3},{"season":1,"number":2},{"season":1,"number":3}]}"#,
    ));
    let Subject::Episodes { episodes, show } = a.subject else {
        panic!("a run: {:?}", a.subject);
    };
    assert_eq!(show, None);
    let numbers: Vec<_> = episodes.iter().map(|e| e.number).collect();
    assert_eq!(numbers, vec![Some(2), Some(3)]);
    let single = Activity::from(&parse(
        r#"{"timestamp":1,"type":"episode","action":"seen","user":{"username":"u"},
            "episode":{"season":1,"number":1,"images":{"screen":"http://x/s.jpg"}}}"#,
    ));
    let Subject::Episode { episode, .. } = single.subject else {
        panic!("one episode");
    };
    assert_eq!(episode.screenshot.as_deref(), Some("http://x/s.jpg"));
}
