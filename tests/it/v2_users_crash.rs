//! The real binary following a Trakt user (issue 12), killed with SIGKILL
//! while the user's history and ratings flow: a channel following the user
//! for `seen,rating` and another for `checkin` get exactly those, once,
//! across the restarts (each source in order; items of one cycle oldest
//! first).

use std::time::Duration;

use serde_json::json;
use trakt_herald::ids::{ChannelId, GuildId, UserId};
use trakt_herald::store::{NewUserFollow, Profile, Store};
use trakt_herald::trakt::v2::UserSlug;
use trakt_herald::trakt::{ActionSet, TraktTime};

use crate::support::fake_discord::{self, CHANNEL_ID, GUILD_ID, OTHER_CHANNEL_ID};
use crate::support::fake_trakt_v2::FakeTraktV2;
use crate::support::herald::eventually;
use crate::support::process::V2Run;
use crate::v2_polling::{at, twd, START};

const ROUNDS: usize = 3;
const PER_ROUND: usize = 6;

fn follow(store: &Store, channel: u64, actions: &str) {
    store
        .follow_user(NewUserFollow {
            guild: GuildId(GUILD_ID),
            channel: ChannelId(channel),
            user: UserSlug("moonfield".into()),
            profile: Profile {
                username: "moonfield".into(),
                name: Some("Mira Okafor".into()),
                avatar: None,
            },
            actions: ActionSet::parse(actions).expect("actions"),
            show: None,
            created_by: UserId(7),
            now: 1,
            start_watermark: Some(TraktTime(START)),
            max_per_guild: 50,
        })
        .expect("follow");
}

/// Event `i` (episode `i + 1`): a check-in, a manual watch or a rating.
fn publish(v2: &FakeTraktV2, i: usize) {
    let secs = 10 + i as i64 * 2;
    let number = i as u64 + 1;
    let episode = json!({"season": 11, "number": number, "title": format!("Part {number:02}"),
                         "ids": {"trakt": 6_000_000 + number}});
    v2.edit(|w| match i % 3 {
        0 | 1 => w
            .history
            .entry("moonfield".into())
            .or_default()
            .push(json!({
            "id": 30_000_000_000u64 + number, "watched_at": at(secs),
            "action": if i % 3 == 0 { "checkin" } else { "watch" },
            "type": "episode", "episode": episode, "show": twd()})),
        _ => w
            .ratings
            .entry("moonfield".into())
            .or_default()
            .push(json!({
            "rated_at": at(secs), "rating": 8, "type": "episode",
            "episode": episode, "show": twd()})),
    });
    v2.set_now(&at(secs + 1));
}

/// The episode titles (`Part NN`) and footers posted to `channel`, in order.
fn posted(discord: &fake_discord::FakeDiscord, channel: u64) -> Vec<(String, String)> {
    discord
        .channel_messages(channel)
        .iter()
        .flat_map(|m| m["embeds"].as_array().cloned().unwrap_or_default())
        .map(|e| {
            let title = e["title"].as_str().unwrap_or_default();
            let part = title
                .find("Part ")
                .map(|at| title[at..at + 7].to_owned())
                .unwrap_or_default();
            (
                part,
                e["footer"]["text"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn kill_9_while_a_users_activity_flows_loses_and_repeats_nothing() {
    let discord = fake_discord::start().await;
    let v2 = FakeTraktV2::start().await;
    v2.edit(|w| {
        w.history.clear();
        w.ratings.clear();
    });
    let run = V2Run::new(&discord, &v2);
    run.prepare(|store| {
        follow(store, CHANNEL_ID, "seen,rating");
        follow(store, OTHER_CHANNEL_ID, "checkin");
    });
    let mut bot = run.spawn();
    let mut published = 0;
    for round in 0..ROUNDS {
        for _ in 0..PER_ROUND {
            publish(&v2, published);
            published += 1;
        }
        let want = round * PER_ROUND / 3 + 1;
        bot.wait_for("a post of this round", || {
            posted(&discord, OTHER_CHANNEL_ID).len() >= want
        })
        .await;
        assert!(bot.is_running(), "the bot died:\n{}", bot.log_tail());
        bot.kill_9();
        bot = run.spawn();
    }
    let part = |i: usize| format!("Part {:02}", i + 1);
    let checkins: Vec<String> = (0..published).filter(|i| i % 3 == 0).map(part).collect();
    let seen: Vec<String> = (0..published).filter(|i| i % 3 == 1).map(part).collect();
    let rated: Vec<String> = (0..published).filter(|i| i % 3 == 2).map(part).collect();
    eventually("everything delivered", Duration::from_secs(60), || {
        posted(&discord, OTHER_CHANNEL_ID).len() >= checkins.len()
            && posted(&discord, CHANNEL_ID).len() >= seen.len() + rated.len()
    })
    .await;
    let polls = v2.log().len();
    eventually("more polls", Duration::from_secs(30), || {
        v2.log().len() >= polls + 6
    })
    .await;
    let other = posted(&discord, OTHER_CHANNEL_ID);
    assert!(other.iter().all(|(_, f)| f == "📍 Checked in"), "{other:?}");
    let other: Vec<String> = other.into_iter().map(|(p, _)| p).collect();
    assert_eq!(other, checkins, "check-ins once each, in order");
    let mine = posted(&discord, CHANNEL_ID);
    let of = |label: &str| -> Vec<String> {
        mine.iter()
            .filter(|(_, f)| f == label)
            .map(|(p, _)| p.clone())
            .collect()
    };
    assert_eq!(of("✅ Seen"), seen, "{mine:?}");
    assert_eq!(of("⭐ Rating"), rated, "{mine:?}");
    assert_eq!(
        mine.len(),
        seen.len() + rated.len(),
        "nothing else: {mine:?}"
    );
    bot.kill_9();
}
