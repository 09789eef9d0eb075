use proptest::prelude::*;

use super::*;
use crate::activity::{
    ActivityKey, Comment, Episode, Movie, Rating, Score, Show, Subject, TraktTime, User,
};
use crate::format::{limits, render, Embed};
use crate::trakt::Action;

const T: i64 = 1_700_000_000;

fn twd() -> Show {
    Show {
        title: Some("The Walking Dead".into()),
        trakt: Some(1393),
        slug: Some("the-walking-dead".into()),
        poster: Some("https://walter.trakt.tv/images/shows/000/001/393/posters/thumb/x.jpg".into()),
        ..Show::default()
    }
}

fn bb() -> Show {
    Show {
        title: Some("Breaking Bad".into()),
        trakt: Some(1388),
        slug: Some("breaking-bad".into()),
        ..Show::default()
    }
}

fn user(name: &str) -> User {
    User {
        username: name.into(),
        profile_url: Some(format!("https://trakt.tv/users/{name}")),
        ..User::default()
    }
}

fn on(show: Show, action: Action, who: &str, season: u64, number: u64, t: i64) -> Activity {
    Activity {
        action,
        time: TraktTime(t),
        key: ActivityKey(format!("{}-{who}-{season}-{number}-{t}", action.as_str())),
        user: user(who),
        subject: Subject::Episode {
            show: Some(show),
            episode: Episode {
                season: Some(season),
                number: Some(number),
                title: Some(format!("Episode title {number}")),
                ..Episode::default()
            },
        },
        comment: None,
        list: None,
        list_item: None,
        rating: None,
    }
}

fn checkin(who: &str, number: u64, t: i64) -> Activity {
    on(twd(), Action::Checkin, who, 11, number, t)
}

fn shout(who: &str, text: &str, spoiler: bool, t: i64) -> Activity {
    Activity {
        comment: Some(Comment {
            id: Some(t as u64),
            text: text.into(),
            spoiler,
            ..Comment::default()
        }),
        ..on(twd(), Action::Shout, who, 11, 5, t)
    }
}

fn rated(mut a: Activity, rating: Rating) -> Activity {
    a.action = Action::Rating;
    a.rating = Some(rating);
    a
}

fn score(n: u64) -> Rating {
    Rating::Score(Score::new(n).expect("1..=10"))
}

fn items(acts: &[Activity]) -> Vec<Item<'_>> {
    acts.iter()
        .map(|activity| Item {
            activity,
            digest: true,
        })
        .collect()
}

fn members(parts: &[Part]) -> Vec<Vec<usize>> {
    parts.iter().map(|p| p.members.clone()).collect()
}

fn title(p: &Part) -> &str {
    p.embed.title.as_deref().unwrap_or_default()
}

fn description(p: &Part) -> &str {
    p.embed.description.as_deref().unwrap_or_default()
}

#[test]
fn same_episode_and_action_fold() {
    let acts: Vec<Activity> = ["alice", "bob", "carol"]
        .iter()
        .enumerate()
        .map(|(i, u)| checkin(u, 5, T + i as i64 * 60))
        .collect();
    let parts = digest(&items(&acts));
    assert_eq!(members(&parts), vec![vec![0, 1, 2]]);
    assert_eq!(
        title(&parts[0]),
        "3 people checked in to The Walking Dead S11E05 \"Episode title 5\""
    );
    assert_eq!(
        description(&parts[0]),
        format!("alice, bob, carol\nBetween <t:{T}:t> and <t:{}:t>", T + 120)
    );
    assert_eq!(parts[0].embed.author, None);
    assert_eq!(
        parts[0].embed.timestamp.as_deref(),
        Some("2023-11-14T22:15:20Z")
    );
    let single = render(&acts[0]);
    assert_eq!(parts[0].embed.url, single.url);
    assert_eq!(parts[0].embed.color, single.color);
}

#[test]
fn different_episodes_or_actions_do_not_fold() {
    let acts = vec![
        checkin("alice", 5, T),
        checkin("bob", 6, T + 1),
        on(twd(), Action::Seen, "carol", 11, 5, T + 2),
        on(bb(), Action::Checkin, "dave", 11, 5, T + 3),
    ];
    let parts = digest(&items(&acts));
    assert_eq!(members(&parts), vec![vec![0], vec![1], vec![2], vec![3]]);
    for (p, a) in parts.iter().zip(&acts) {
        assert_eq!(p.embed, render(a));
    }
}

#[test]
fn consecutive_episodes_of_one_user_fold_into_a_run() {
    let mut acts: Vec<Activity> = (1..=8)
        .map(|n| on(bb(), Action::Scrobble, "walter", 5, n, T + n as i64 * 3000))
        .collect();
    acts.push(on(bb(), Action::Scrobble, "walter", 5, 10, T + 30_000));
    acts.push(on(bb(), Action::Scrobble, "jesse", 5, 12, T + 31_000));
    acts.push(on(bb(), Action::Seen, "jesse", 5, 13, T + 32_000));
    acts.push(on(bb(), Action::Scrobble, "jesse", 5, 13, T + 33_000));
    let parts = digest(&items(&acts));
    assert_eq!(
        members(&parts),
        vec![(0..8).collect::<Vec<_>>(), vec![8], vec![9, 11], vec![10]]
    );
    assert_eq!(
        title(&parts[0]),
        "walter watched 8 episodes of Breaking Bad: S05E01–E08"
    );
    assert!(description(&parts[0]).starts_with("**S05E01** Episode title 1\n"));
    assert_eq!(
        parts[0].embed.author.as_ref().map(|a| a.name.as_str()),
        Some("walter")
    );
    assert_eq!(
        title(&parts[2]),
        "jesse watched 2 episodes of Breaking Bad: S05E12–E13"
    );
    // Another season does not continue a run.
    let acts = vec![
        on(bb(), Action::Seen, "walter", 4, 13, T),
        on(bb(), Action::Seen, "walter", 5, 1, T + 1),
    ];
    assert_eq!(members(&digest(&items(&acts))), vec![vec![0], vec![1]]);
}

#[test]
fn a_run_is_found_in_any_order() {
    let acts: Vec<Activity> = [3, 1, 2]
        .iter()
        .map(|&n| on(bb(), Action::Seen, "walter", 5, n, T + n as i64))
        .collect();
    let parts = digest(&items(&acts));
    assert_eq!(members(&parts), vec![vec![0, 1, 2]]);
    assert_eq!(
        title(&parts[0]),
        "walter marked 3 episodes of Breaking Bad as seen: S05E01–E03"
    );
}

#[test]
fn shouts_and_reviews_never_fold_and_keep_their_spoilers() {
    let mut acts = vec![
        checkin("alice", 5, T),
        shout("bob", "Glenn dies", true, T + 1),
        checkin("carol", 5, T + 2),
        shout("dave", "wow", false, T + 3),
        shout("dave", "wow", false, T + 4),
    ];
    let mut review = shout("erin", "a [spoiler]long[/spoiler] review", false, T + 5);
    review.action = Action::Review;
    acts.push(review.clone());
    acts.push(review);
    let parts = digest(&items(&acts));
    assert_eq!(
        members(&parts),
        vec![vec![0, 2], vec![1], vec![3], vec![4], vec![5], vec![6]]
    );
    for (p, i) in parts.iter().zip([0, 1, 3, 4, 5, 6]).skip(1) {
        assert_eq!(p.embed, render(&acts[i]));
    }
    assert!(
        description(&parts[1]).contains("||"),
        "{:?}",
        parts[1].embed
    );
}

#[test]
fn digest_off_keeps_one_embed_per_activity() {
    let acts: Vec<Activity> = (0..5)
        .map(|i| checkin(&format!("u{i}"), 5, T + i))
        .collect();
    let mut items = items(&acts);
    for it in &mut items {
        it.digest = false;
    }
    let parts = digest(&items);
    assert_eq!(parts.len(), 5);
    for (p, a) in parts.iter().zip(&acts) {
        assert_eq!(p.embed, render(a));
    }
    // One follow on, one off: only the "on" items fold.
    items[1].digest = true;
    items[3].digest = true;
    assert_eq!(
        members(&digest(&items)),
        vec![vec![0], vec![1, 3], vec![2], vec![4]]
    );
}

#[test]
fn names_are_limited_and_the_rest_counted() {
    let acts: Vec<Activity> = (0..500)
        .map(|i| checkin(&format!("user{i:03}"), 5, T + i))
        .collect();
    let parts = digest(&items(&acts));
    assert_eq!(parts.len(), 1);
    let d = description(&parts[0]);
    let names = d.lines().next().unwrap_or_default();
    assert!(names.ends_with(" …and 480 more"), "{names}");
    assert_eq!(names.matches("user").count(), NAMES_LISTED);
    assert!(title(&parts[0]).starts_with("500 people checked in to"));
    assert_eq!(
        parts[0].embed.footer.as_ref().map(|f| f.text.as_str()),
        Some("📍 Checked in · digest of 500")
    );
}

#[test]
fn a_person_twice_is_named_once() {
    let acts = vec![
        checkin("alice", 5, T),
        checkin("Alice", 5, T + 1),
        checkin("bob", 5, T + 2),
    ];
    let parts = digest(&items(&acts));
    assert_eq!(parts.len(), 1);
    assert!(title(&parts[0]).starts_with("2 people checked in"));
    assert!(description(&parts[0]).starts_with("alice, bob\n"));
}

#[test]
fn long_and_markdown_names_are_escaped_and_within_limits() {
    let long = "x".repeat(300);
    let mut show = twd();
    show.title = Some("T".repeat(400));
    let acts: Vec<Activity> = (0..40)
        .map(|i| {
            let mut a = on(show.clone(), Action::Watching, "u", 11, 5, T + i);
            a.user = User {
                username: format!("u{i}"),
                display_name: Some(if i == 0 {
                    "*bold* _it_ @everyone".into()
                } else {
                    format!("{long}{i}")
                }),
                ..User::default()
            };
            a
        })
        .collect();
    let parts = digest(&items(&acts));
    assert_eq!(parts.len(), 1);
    let e = &parts[0].embed;
    assert!(
        description(&parts[0]).starts_with("\\*bold\\* \\_it\\_ \\@everyone, "),
        "{e:?}"
    );
    assert!(description(&parts[0]).contains("…and 20 more"));
    assert!(e.title.as_deref().map_or(0, |t| t.chars().count()) <= limits::TITLE);
    assert!(e.char_count() <= limits::MESSAGE_TOTAL);
    let mut fitted = e.clone();
    fitted.fit();
    assert_eq!(&fitted, e);
}

#[test]
fn ratings_show_the_average_and_spread() {
    let acts = vec![
        rated(checkin("alice", 5, T), score(10)),
        rated(checkin("bob", 5, T + 10), score(7)),
        rated(checkin("carol", 5, T + 20), score(8)),
        rated(checkin("dave", 5, T + 30), Rating::Love),
    ];
    let parts = digest(&items(&acts));
    assert_eq!(parts.len(), 1);
    assert_eq!(
        description(&parts[0]),
        format!(
            "alice (10/10), bob (7/10), carol (8/10), dave (loved it)\n\
             Average **8.3**/10 (from 7 to 10) · 1 loved it\n\
             Between <t:{T}:t> and <t:{}:t>",
            T + 30
        )
    );
    assert_eq!(
        title(&parts[0]),
        "4 people rated The Walking Dead S11E05 \"Episode title 5\""
    );
}

#[test]
fn movies_and_shows_fold_too() {
    let movie = |who: &str, t: i64| Activity {
        subject: Subject::Movie {
            movie: Movie {
                title: Some("Heat".into()),
                year: Some(1995),
                trakt: Some(5),
                ..Movie::default()
            },
        },
        ..checkin(who, 1, t)
    };
    let show = |who: &str, t: i64| Activity {
        action: Action::Watchlist,
        subject: Subject::Show { show: twd() },
        ..checkin(who, 1, t)
    };
    let acts = vec![
        movie("a", T),
        show("b", T + 1),
        movie("c", T + 2),
        show("d", T + 3),
    ];
    let parts = digest(&items(&acts));
    assert_eq!(members(&parts), vec![vec![0, 2], vec![1, 3]]);
    assert_eq!(title(&parts[0]), "2 people checked in to Heat (1995)");
    assert_eq!(
        title(&parts[1]),
        "2 people added The Walking Dead to their watchlist"
    );
}

#[test]
fn messages_pack_parts_and_say_what_they_hold() {
    let mut acts: Vec<Activity> = (0..30)
        .map(|i| checkin(&format!("u{i}"), 5, T + i))
        .collect();
    acts.extend((0..20).map(|i| shout(&format!("s{i}"), "hi", false, T + 100 + i)));
    let msgs = messages(&items(&acts));
    assert_eq!(
        msgs.iter().map(|(m, _)| m.embeds.len()).collect::<Vec<_>>(),
        vec![10, 10, 1]
    );
    assert_eq!(msgs[0].1.len(), 30 + 9);
    let mut all: Vec<usize> = msgs.iter().flat_map(|(_, ids)| ids.clone()).collect();
    all.sort_unstable();
    assert_eq!(all, (0..50).collect::<Vec<_>>());
}

fn arb_activity() -> impl Strategy<Value = (Activity, bool)> {
    let actions = prop::sample::select(vec![
        Action::Checkin,
        Action::Seen,
        Action::Scrobble,
        Action::Rating,
        Action::Shout,
        Action::Watching,
    ]);
    (
        actions,
        0..4u8,
        1..3u64,
        1..6u64,
        0..100i64,
        any::<bool>(),
        1..11u64,
    )
        .prop_map(|(action, who, season, number, t, on, s)| {
            let mut a = on_show(action, who, season, number, t);
            if action == Action::Rating {
                a.rating = Some(score(s));
            }
            if action == Action::Shout {
                a.comment = Some(Comment {
                    text: format!("shout {t}"),
                    ..Comment::default()
                });
            }
            (a, on || who > 0)
        })
}

fn on_show(action: Action, who: u8, season: u64, number: u64, t: i64) -> Activity {
    let show = if season == 1 { twd() } else { bb() };
    on(show, action, &format!("user{who}"), season, number, T + t)
}

proptest! {
    #[test]
    fn every_item_is_in_exactly_one_part_and_a_first_message_digests_to_itself(
        batch in prop::collection::vec(arb_activity(), 0..60)
    ) {
        let acts: Vec<Activity> = batch.iter().map(|(a, _)| a.clone()).collect();
        let items: Vec<Item<'_>> = acts.iter().zip(&batch).map(|(activity, (_, d))| Item { activity, digest: *d }).collect();
        let parts = digest(&items);
        let mut all: Vec<usize> = parts.iter().flat_map(|p| p.members.clone()).collect();
        all.sort_unstable();
        prop_assert_eq!(all, (0..items.len()).collect::<Vec<_>>());
        let msgs = messages(&items);
        if let Some((first, held)) = msgs.first() {
            let again: Vec<Item<'_>> = held.iter().map(|i| items[*i]).collect();
            let mut sorted = held.clone();
            sorted.sort_unstable();
            let again_sorted: Vec<Item<'_>> = sorted.iter().map(|i| items[*i]).collect();
            let redo = messages(&again_sorted);
            prop_assert_eq!(redo.len(), 1);
            prop_assert_eq!(&redo[0].0, first);
            prop_assert_eq!(again.len(), redo[0].1.len());
        }
    }
}

/// A fold of three people for `action` on TWD S11E05, as Discord gets it.
fn fold_of(action: Action) -> Embed {
    let acts: Vec<Activity> = ["alice", "bob", "carol"]
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let mut a = on(twd(), action, u, 11, 5, T + i as i64 * 45);
            if action == Action::Rating {
                a.rating = Some(score(6 + i as u64 * 2));
            }
            a
        })
        .collect();
    let parts = digest(&items(&acts));
    assert_eq!(parts.len(), 1, "{action:?} folds");
    parts[0].embed.clone()
}

#[test]
fn snapshot_of_each_fold() {
    for action in Action::ALL
        .into_iter()
        .filter(|a| group::folding_action(*a))
    {
        insta::assert_json_snapshot!(format!("fold-{}", action.as_str()), fold_of(action));
    }
    let acts: Vec<Activity> = (0..25)
        .map(|i| checkin(&format!("fan{i:02}"), 5, T + i * 7))
        .collect();
    insta::assert_json_snapshot!("fold-checkin-many", digest(&items(&acts))[0].embed);
}

#[test]
fn snapshot_of_each_run() {
    for action in [Action::Scrobble, Action::Seen, Action::Rating] {
        let acts: Vec<Activity> = (1..=12)
            .map(|n| {
                let mut a = on(bb(), action, "walter", 5, n, T + n as i64 * 2900);
                if action == Action::Rating {
                    a.rating = Some(score(5 + n % 5));
                }
                a
            })
            .collect();
        let parts = digest(&items(&acts));
        assert_eq!(parts.len(), 1);
        insta::assert_json_snapshot!(format!("run-{}", action.as_str()), parts[0].embed);
    }
}
