//! Measurement 7 (issue 14): Discord messages and embeds per activity with
//! digests on against off, for a premiere-night burst (500 check-ins to one
//! episode, 50 ratings of it and 20 shouts in 3 minutes, all pending when the
//! channel's next message goes out) and a binge (one user, 12 episodes in a
//! row). Counted from `format::digest::messages`, the function delivery sends
//! from; off is the same function with every follow's switch off (today's
//! packing).

use trakt_herald::activity::{
    Activity, ActivityKey, Comment, Episode, Rating, Score, Show, Subject, TraktTime, User,
};
use trakt_herald::format::digest::{messages, Item};
use trakt_herald::trakt::Action;

use super::report::{Report, Row, Verdict};

const SECTION: &str = "8";
const T0: i64 = 1_700_000_000;

fn episode(show: &Show, action: Action, user: &str, number: u64, t: i64) -> Activity {
    Activity {
        action,
        time: TraktTime(t),
        key: ActivityKey(format!("{}:{user}:{number}:{t}", action.as_str())),
        user: User {
            username: user.to_owned(),
            profile_url: Some(format!("https://trakt.tv/users/{user}")),
            ..User::default()
        },
        subject: Subject::Episode {
            show: Some(show.clone()),
            episode: Episode {
                season: Some(11),
                number: Some(number),
                title: Some(format!("Episode {number}")),
                ..Episode::default()
            },
        },
        comment: None,
        list: None,
        list_item: None,
        rating: None,
    }
}

fn show(title: &str, slug: &str, id: u64) -> Show {
    Show {
        title: Some(title.to_owned()),
        slug: Some(slug.to_owned()),
        trakt: Some(id),
        ..Show::default()
    }
}

/// 500 check-ins, 50 ratings, 20 shouts over 3 minutes, interleaved.
fn premiere() -> Vec<Activity> {
    let twd = show("The Walking Dead", "the-walking-dead", 1393);
    let mut out = Vec::new();
    for i in 0..570u64 {
        let t = T0 + (i as i64 * 180) / 570;
        let a = match i % 57 {
            0 | 28 => {
                let mut a = episode(&twd, Action::Shout, &format!("shouter{i}"), 5, t);
                a.comment = Some(Comment {
                    text: format!("What an episode! ({i})"),
                    ..Comment::default()
                });
                a
            }
            n if n % 11 == 5 => {
                let mut a = episode(&twd, Action::Rating, &format!("rater{i}"), 5, t);
                a.rating = Score::new(5 + i % 6).map(Rating::Score);
                a
            }
            _ => episode(&twd, Action::Checkin, &format!("fan{i}"), 5, t),
        };
        out.push(a);
    }
    out
}

fn binge() -> Vec<Activity> {
    let bb = show("Breaking Bad", "breaking-bad", 1388);
    (1..=12)
        .map(|n| episode(&bb, Action::Scrobble, "walter", n, T0 + n as i64 * 2900))
        .collect()
}

/// (messages, embeds) for `acts` with digests on or off.
fn count(acts: &[Activity], digest: bool) -> (usize, usize) {
    let items: Vec<Item<'_>> = acts
        .iter()
        .map(|activity| Item { activity, digest })
        .collect();
    let msgs = messages(&items);
    let embeds = msgs.iter().map(|(m, _)| m.embeds.len()).sum();
    (msgs.len(), embeds)
}

pub fn run(report: &mut Report) -> anyhow::Result<()> {
    println!("\n## {SECTION}. digests: messages and embeds per activity");
    let premiere = premiere();
    let kinds = |a: Action| premiere.iter().filter(|x| x.action == a).count();
    anyhow::ensure!(
        (
            kinds(Action::Checkin),
            kinds(Action::Rating),
            kinds(Action::Shout)
        ) == (500, 50, 20),
        "the premiere burst is 500 check-ins, 50 ratings, 20 shouts"
    );
    for (name, acts, target) in [
        (
            "premiere burst (500 check-ins, 50 ratings, 20 shouts, 3 min)",
            &premiere,
            Some(0.012),
        ),
        ("binge (one user, 12 episodes)", &binge(), None),
    ] {
        let n = acts.len();
        let (off_m, off_e) = count(acts, false);
        let (on_m, on_e) = count(acts, true);
        let per = |x: usize| x as f64 / n as f64;
        report.add(Row {
            section: SECTION,
            what: format!("{name}: messages, digests on / off"),
            value: format!("{on_m} ({:.4}/activity)", per(on_m)),
            baseline: format!("off: {off_m} ({:.4}/activity)", per(off_m)),
            ratio: format!("{:.1}× fewer", off_m as f64 / on_m.max(1) as f64),
            target: target.map_or_else(String::new, |t| format!("≤ {t} messages/activity")),
            verdict: target.map_or(Verdict::Info, |t| Verdict::of(per(on_m) <= t)),
        });
        report.add(Row {
            section: SECTION,
            what: format!("{name}: embeds, digests on / off"),
            value: format!("{on_e} ({:.4}/activity)", per(on_e)),
            baseline: format!("off: {off_e} ({:.4}/activity)", per(off_e)),
            ratio: format!("{:.1}× fewer", off_e as f64 / on_e.max(1) as f64),
            target: String::new(),
            verdict: Verdict::Info,
        });
    }
    Ok(())
}
