use super::super::text::char_len;
use super::subject::{episode_lines, episode_phrase, runs, Run};
use super::*;
use crate::activity::{web, ActivityKey, Comment, Episode, Score, Show, Subject, TraktTime, User};

fn ep(season: Option<u64>, number: Option<u64>, title: Option<&str>) -> Episode {
    Episode {
        season,
        number,
        title: title.map(str::to_owned),
        ..Episode::default()
    }
}

#[test]
fn episode_forms() {
    assert_eq!(
        episode_phrase(&ep(Some(4), Some(6), Some("Live Bait"))).as_deref(),
        Some("S04E06 \"Live Bait\"")
    );
    assert_eq!(
        episode_phrase(&ep(Some(0), Some(3), None)).as_deref(),
        Some("S00E03 \"Episode 3\"")
    );
    assert_eq!(
        episode_phrase(&ep(None, Some(3), None)).as_deref(),
        Some("episode 3")
    );
    assert_eq!(
        episode_phrase(&ep(Some(2), None, Some("X"))).as_deref(),
        Some("\"X\" (season 2)")
    );
    assert_eq!(episode_phrase(&ep(None, None, None)), None);
    assert_eq!(
        episode_phrase(&ep(Some(1), Some(123), Some("  "))).as_deref(),
        Some("S01E123 \"Episode 123\"")
    );
}

#[test]
fn runs_compact_consecutive_episodes() {
    let eps: Vec<Episode> = [(1, 1), (1, 2), (1, 3), (1, 5), (2, 6), (2, 7)]
        .iter()
        .map(|&(s, n)| ep(Some(s), Some(n), None))
        .collect();
    let text: Vec<String> = runs(&eps).iter().map(Run::to_string).collect();
    assert_eq!(text, vec!["S01E01–E03", "S01E05", "S02E06–E07"]);
    assert_eq!(runs(&[ep(Some(1), Some(u64::MAX), None)]).len(), 1);
}

#[test]
fn many_episodes_are_listed_up_to_a_limit() {
    let eps: Vec<Episode> = (1..=14).map(|n| ep(Some(1), Some(n), None)).collect();
    let text = episode_lines(&Subject::episodes(None, eps)).expect("a run");
    assert_eq!(text.lines().count(), 11);
    assert!(text.starts_with("**S01E01** Episode 1\n"));
    assert!(text.ends_with("\n…and 4 more"));
}

#[test]
fn timestamps_are_rfc3339_utc() {
    assert_eq!(
        timestamp(1384777900).as_deref(),
        Some("2013-11-18T12:31:40Z")
    );
    assert_eq!(timestamp(0), None);
    assert_eq!(timestamp(-5), None);
    assert_eq!(timestamp(i64::MAX), None);
    assert!(timestamp(LAST_PRINTABLE_SECOND).is_some());
}

#[test]
fn colours_are_distinct_and_labels_short() {
    let mut colours: Vec<u32> = Action::ALL.iter().map(|a| action_color(*a)).collect();
    colours.sort_unstable();
    colours.dedup();
    assert_eq!(colours.len(), Action::ALL.len());
    assert!(colours.iter().all(|c| *c <= limits::COLOR_MAX));
    for a in Action::ALL {
        assert!(char_len(action_label(a)) <= 20, "{a}");
    }
}

#[test]
fn display_name_prefers_full_name() {
    let mut u = User {
        username: "night_owl_nia".into(),
        display_name: Some("Nia Brooks".into()),
        avatar: Some("http://slurm.trakt.us/images/avatar-large.jpg".into()),
        profile_url: Some("http://trakt.tv/user/night_owl_nia".into()),
        deleted: false,
    };
    assert_eq!(display_name(&u), "Nia Brooks");
    let a = author(&u);
    assert_eq!(a.name, "Nia Brooks (night_owl_nia)");
    assert_eq!(a.icon_url, None);
    assert_eq!(a.url.as_deref(), Some("http://trakt.tv/user/night_owl_nia"));
    u.display_name = Some("  ".into());
    assert_eq!(display_name(&u), "night_owl_nia");
    assert_eq!(author(&u).name, "night_owl_nia");
    u.username = String::new();
    u.display_name = None;
    assert_eq!(display_name(&u), "Someone");
}

#[test]
fn a_deleted_user_has_no_name_link_or_avatar() {
    let u = User {
        username: "old_survivor".into(),
        display_name: Some("Old Survivor".into()),
        avatar: Some("https://walter-r2.trakt.tv/images/users/1/avatars/x.jpg".into()),
        profile_url: web::profile("old-survivor"),
        deleted: true,
    };
    assert_eq!(display_name(&u), "Deleted user");
    let a = author(&u);
    assert_eq!(
        (a.name.as_str(), a.url, a.icon_url),
        ("Deleted user", None, None)
    );
}

fn comment_on_episode(text: &str, spoiler: bool, action: Action) -> Activity {
    Activity {
        action,
        time: TraktTime(1_763_171_059),
        key: ActivityKey::comment(7),
        user: User {
            username: "u".into(),
            ..User::default()
        },
        subject: Subject::Episode {
            show: Some(Show {
                title: Some("The Walking Dead".into()),
                slug: Some("the-walking-dead".into()),
                ..Show::default()
            }),
            episode: ep(Some(11), Some(24), Some("Rest in Peace")),
        },
        comment: Some(Comment {
            id: Some(7),
            text: text.into(),
            spoiler,
            user_rating: Score::new(8),
            url: web::comment(7),
        }),
        list: None,
        list_item: None,
        rating: None,
    }
}

#[test]
fn a_v2_comment_links_to_itself_and_says_the_rating() {
    let e = render(&comment_on_episode("Loved it.", false, Action::Shout));
    assert_eq!(e.url.as_deref(), Some("https://trakt.tv/comments/7"));
    assert_eq!(
        e.title.as_deref(),
        Some("u commented on The Walking Dead S11E24 \"Rest in Peace\" and rated it 8/10")
    );
    assert_eq!(e.description.as_deref(), Some("Loved it."));
    let mut no_url = comment_on_episode("x y", false, Action::Shout);
    if let Some(c) = no_url.comment.as_mut() {
        c.url = None;
    }
    assert_eq!(
        render(&no_url).url.as_deref(),
        Some("https://trakt.tv/shows/the-walking-dead/seasons/11/episodes/24")
    );
}

#[test]
fn a_long_spoiler_review_is_cut_hidden_and_linked() {
    let text = "It was good. ".repeat(100);
    let e = render(&comment_on_episode(&text, true, Action::Review));
    let d = e.description.expect("a body");
    assert!(d.starts_with("||It was good."), "{d}");
    assert!(
        d.ends_with("||\n\n[Read the full review on Trakt](https://trakt.tv/comments/7)"),
        "{d}"
    );
    assert!(char_len(&d) < 700);
    // An inline spoiler cut in the middle is closed.
    let text = format!("Intro. [spoiler]{}[/spoiler]", "word ".repeat(400));
    let d = render(&comment_on_episode(&text, false, Action::Review))
        .description
        .expect("a body");
    assert_eq!(super::super::text::open_spoilers(&d) % 2, 0, "{d}");
    assert!(d.starts_with("Intro. ||word"), "{d}");
}
