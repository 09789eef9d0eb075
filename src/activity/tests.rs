use super::*;

fn sample() -> Activity {
    Activity {
        action: Action::Review,
        time: TraktTime(1_763_171_059),
        key: ActivityKey::comment(8104423),
        user: User {
            username: "GrimesFan_88".into(),
            display_name: Some("Dario Grimaldi".into()),
            profile_url: web::profile("grimesfan-88"),
            ..User::default()
        },
        subject: Subject::Season {
            show: Some(Show {
                title: Some("The Walking Dead".into()),
                trakt: Some(1393),
                slug: Some("the-walking-dead".into()),
                tvdb: Some(153021),
                ..Show::default()
            }),
            season: Season {
                number: Some(2),
                url: None,
            },
        },
        comment: Some(Comment {
            id: Some(8104423),
            text: "Twelve seasons in.".into(),
            spoiler: false,
            user_rating: Score::new(8),
            url: web::comment(8104423),
        }),
        list: None,
        list_item: None,
        rating: Some(Rating::Love),
    }
}

#[test]
fn serializes_with_stable_names_and_round_trips() {
    let a = sample();
    let json = serde_json::to_value(&a).expect("serialize");
    assert_eq!(json["action"], "review");
    assert_eq!(json["time"], 1_763_171_059);
    assert_eq!(json["key"], "comment:8104423");
    assert_eq!(json["subject"]["kind"], "season");
    assert_eq!(json["subject"]["season"]["number"], 2);
    assert_eq!(json["subject"]["show"]["slug"], "the-walking-dead");
    assert_eq!(json["comment"]["user_rating"], 8);
    assert_eq!(json["rating"], "love");
    assert!(json.get("list").is_none(), "absent options are left out");
    assert!(json["user"].get("deleted").is_none());
    let back: Activity = serde_json::from_value(json).expect("deserialize");
    assert_eq!(back, a);
}

#[test]
fn unknown_fields_are_ignored_and_bad_scores_rejected() {
    let mut json = serde_json::to_value(sample()).expect("serialize");
    json["from_the_future"] = serde_json::json!(1);
    json["user"]["also_new"] = serde_json::json!("x");
    assert_eq!(
        serde_json::from_value::<Activity>(json.clone()).expect("lenient"),
        sample()
    );
    json["comment"]["user_rating"] = serde_json::json!(11);
    assert!(serde_json::from_value::<Activity>(json).is_err());
    json = serde_json::json!({"score": 7});
    assert_eq!(
        serde_json::from_value::<Rating>(json).expect("score"),
        Rating::Score(Score::new(7).expect("7"))
    );
    assert_eq!(Score::new(0), None);
    assert_eq!(Score::new(300), None);
}

#[test]
fn helpers_find_the_subjects_show() {
    let a = sample();
    assert_eq!(a.time(), TraktTime(1_763_171_059));
    assert_eq!(a.key().0, "comment:8104423");
    assert!(a.is_about(&ShowRef::Slug("the-walking-dead".into())));
    assert!(a.is_about(&ShowRef::Tvdb(153021)));
    assert!(!a.is_about(&ShowRef::Slug("fargo".into())));
    let mut list = a.clone();
    list.subject = Subject::List;
    assert_eq!(list.subject_show(), None);
    assert!(!list.is_about(&ShowRef::Tvdb(153021)));
}
