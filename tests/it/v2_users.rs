//! Following a Trakt user end to end (issue 12): the real bot in-process
//! against the fake Trakt v2 (users' history, ratings, watchlist, watching)
//! and the fake Discord. Follows are made with `/follow-user`; new events
//! appear on the fake, its clock moves on, and what each channel receives
//! is checked, as is what the bot asked Trakt.

use serde_json::{json, Value};
use trakt_herald::store::SubState;
use trakt_herald::trakt::v2::UserSlug;

use crate::support::fake_discord::{
    CommandInvocation, Reply, ReplyKind, CHANNEL_ID, OTHER_CHANNEL_ID,
};
use crate::support::herald::{eventually, Herald, WAIT};
use crate::v2_polling::{at, cycles, embeds, hits, twd, user, v2_options};

const HISTORY: &str = "/users/moonfield/history";

async fn ask(bot: &Herald, invocation: CommandInvocation) -> Vec<Reply> {
    let r = bot.discord.interact(invocation).await;
    bot.discord
        .wait_reply(&r, WAIT)
        .await
        .into_iter()
        .filter(|x| x.kind != ReplyKind::Defer)
        .collect()
}

fn follow_user(user: &str, actions: &str, channel: u64) -> CommandInvocation {
    CommandInvocation::new("follow-user")
        .option("user", user)
        .option("actions", actions)
        .in_channel(channel)
}

/// Run `/follow-user`, expecting one public confirmation; its text.
async fn followed(bot: &Herald, invocation: CommandInvocation) -> String {
    let replies = ask(bot, invocation).await;
    assert_eq!(replies.len(), 1, "{replies:#?}");
    assert!(!replies[0].ephemeral, "public: {replies:#?}");
    replies[0].content.clone().unwrap_or_default()
}

fn episode(number: u64) -> Value {
    json!({"season": 11, "number": number, "title": format!("Episode {number}"),
           "ids": {"trakt": 5_310_000 + number, "tvdb": null, "imdb": null, "tmdb": null}})
}

fn got() -> Value {
    json!({"title": "Game of Thrones", "year": 2011, "ids": {"trakt": 1390,
           "slug": "game-of-thrones", "tvdb": 121361, "imdb": "tt0944947", "tmdb": 1399}})
}

fn event(id: u64, secs: i64, action: &str, show: Value, number: u64) -> Value {
    json!({"id": id, "watched_at": at(secs), "action": action, "type": "episode",
           "episode": episode(number), "show": show})
}

fn rated(secs: i64, score: u64, number: u64) -> Value {
    json!({"rated_at": at(secs), "rating": score, "type": "episode",
           "episode": episode(number), "show": twd()})
}

/// The footer labels (one per action) of what `channel` received.
fn labels(bot: &Herald, channel: u64) -> Vec<String> {
    embeds(bot, channel)
        .iter()
        .map(|e| e["footer"]["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn user_paths(bot: &Herald) -> Vec<String> {
    bot.v2
        .paths()
        .into_iter()
        .filter(|p| p.starts_with("/users/"))
        .collect()
}

#[tokio::test]
async fn a_private_or_unknown_user_gets_a_private_answer_after_one_request_and_nothing_is_stored() {
    let bot = Herald::start_with(v2_options()).await;
    for (name, needle) in [("quietviewer", "private"), ("nobody-here", "no user")] {
        let before = user_paths(&bot).len();
        let replies = ask(&bot, follow_user(name, "all", CHANNEL_ID)).await;
        assert_eq!(replies.len(), 1, "{replies:#?}");
        assert!(replies[0].ephemeral, "private answer: {replies:#?}");
        let text = replies[0].content.clone().unwrap_or_default();
        assert!(text.contains(needle) && text.contains(name), "{text}");
        assert_eq!(user_paths(&bot).len(), before + 1, "one request");
    }
    assert!(bot
        .store
        .channel_user_follows(trakt_herald::ids::ChannelId(CHANNEL_ID))
        .expect("read")
        .is_empty());
}

#[tokio::test]
async fn two_channels_get_exactly_their_actions_once_in_order_and_nothing_from_before() {
    let bot = Herald::start_with(v2_options()).await;
    let text = followed(&bot, follow_user("moonfield", "seen,rating", CHANNEL_ID)).await;
    assert!(
        text.contains("Mira Okafor") && text.contains("moonfield") && text.contains("seen, rating"),
        "{text}"
    );
    followed(
        &bot,
        follow_user(
            "https://trakt.tv/users/moonfield",
            "checkin",
            OTHER_CHANNEL_ID,
        ),
    )
    .await;
    cycles(&bot, HISTORY, 2).await;
    assert!(
        embeds(&bot, CHANNEL_ID).is_empty(),
        "the fixtures' backlog is not posted"
    );
    assert!(embeds(&bot, OTHER_CHANNEL_ID).is_empty());
    // Right after a cycle's last read (ratings), so one cycle sees it all.
    cycles(&bot, "/users/moonfield/ratings/all", 1).await;
    bot.v2.edit(|w| {
        let h = w.history.entry("moonfield".into()).or_default();
        h.push(event(20_000_000_001, 20, "checkin", twd(), 1));
        h.push(event(20_000_000_002, 40, "watch", twd(), 2));
        h.push(event(20_000_000_003, 45, "scrobble", twd(), 3));
        w.ratings
            .entry("moonfield".into())
            .or_default()
            .push(rated(50, 9, 2));
    });
    bot.v2.set_now(&at(70));
    eventually("both channels posted", WAIT, || {
        labels(&bot, CHANNEL_ID).len() >= 2 && !labels(&bot, OTHER_CHANNEL_ID).is_empty()
    })
    .await;
    cycles(&bot, HISTORY, 3).await;
    assert_eq!(labels(&bot, CHANNEL_ID), ["✅ Seen", "⭐ Rating"]);
    assert_eq!(labels(&bot, OTHER_CHANNEL_ID), ["📍 Checked in"]);
    let e = &embeds(&bot, CHANNEL_ID)[0];
    assert!(
        e["author"]["name"]
            .as_str()
            .is_some_and(|n| n.contains("Mira Okafor")),
        "{e}"
    );
    assert!(
        e["author"]["icon_url"].as_str().is_some(),
        "the avatar: {e}"
    );
    // One read of the user per cycle serves both channels.
    let log = bot.v2.paths();
    let history = hits(&bot.v2, HISTORY);
    let ratings = hits(&bot.v2, "/users/moonfield/ratings/all");
    assert!(ratings.abs_diff(history) <= 1, "{log:?}");
    assert_eq!(hits(&bot.v2, "/users/moonfield/watchlist/shows/added"), 0);
    assert_eq!(hits(&bot.v2, "/users/moonfield/watching"), 0);
}

#[tokio::test]
async fn a_follow_narrowed_to_one_show_gets_nothing_about_other_shows() {
    let bot = Herald::start_with(v2_options()).await;
    let text = followed(
        &bot,
        follow_user("moonfield", "seen", CHANNEL_ID).option("show", "the-walking-dead"),
    )
    .await;
    assert!(text.contains("about **The Walking Dead**"), "{text}");
    cycles(&bot, HISTORY, 1).await;
    bot.v2.edit(|w| {
        let h = w.history.entry("moonfield".into()).or_default();
        h.push(event(20_000_000_011, 10, "watch", got(), 4));
        h.push(event(20_000_000_012, 20, "watch", twd(), 5));
    });
    bot.v2.set_now(&at(30));
    eventually("posted", WAIT, || !embeds(&bot, CHANNEL_ID).is_empty()).await;
    cycles(&bot, HISTORY, 2).await;
    let posted = embeds(&bot, CHANNEL_ID);
    assert_eq!(posted.len(), 1, "{posted:#?}");
    assert!(posted[0]["title"]
        .as_str()
        .is_some_and(|t| t.contains("Walking Dead")));
}

#[tokio::test]
async fn backdated_history_inside_the_overlap_is_posted_once_and_older_not_at_all() {
    let bot = Herald::start_with(v2_options()).await;
    followed(&bot, follow_user("moonfield", "seen", CHANNEL_ID)).await;
    cycles(&bot, HISTORY, 1).await;
    bot.v2.edit(|w| {
        let h = w.history.entry("moonfield".into()).or_default();
        h.push(event(20_000_000_021, 190, "watch", twd(), 6));
    });
    bot.v2.set_now(&at(200));
    eventually("the first watch", WAIT, || {
        embeds(&bot, CHANNEL_ID).len() == 1
    })
    .await;
    // The mark is 190 and the overlap 60 s: 150 is inside, 100 outside.
    bot.v2.edit(|w| {
        let h = w.history.entry("moonfield".into()).or_default();
        h.push(event(20_000_000_022, 150, "watch", twd(), 7));
        h.push(event(20_000_000_023, 100, "watch", twd(), 8));
    });
    bot.v2.set_now(&at(210));
    eventually("the back-dated watch", WAIT, || {
        embeds(&bot, CHANNEL_ID).len() >= 2
    })
    .await;
    cycles(&bot, HISTORY, 3).await;
    let posted = embeds(&bot, CHANNEL_ID);
    assert_eq!(posted.len(), 2, "{posted:#?}");
    assert!(
        posted[1]["title"]
            .as_str()
            .is_some_and(|t| t.contains("S11E07")),
        "{}",
        posted[1]
    );
    let last = bot
        .v2
        .log()
        .into_iter()
        .rev()
        .find(|l| l.path == HISTORY)
        .expect("a history read");
    assert_eq!(
        last.query.get("start_at").map(String::as_str),
        Some(at(130).as_str())
    );
}

#[tokio::test]
async fn requests_per_cycle_are_what_the_plan_says_for_users_with_mixed_actions() {
    let bot = Herald::start_with(v2_options()).await;
    bot.v2.edit(|w| {
        w.users.insert("kaiton".into(), user("kaiton"));
    });
    followed(&bot, follow_user("moonfield", "seen,rating", CHANNEL_ID)).await;
    followed(&bot, follow_user("moonfield", "watching", OTHER_CHANNEL_ID)).await;
    followed(&bot, follow_user("kaiton", "watchlist", CHANNEL_ID)).await;
    cycles(&bot, HISTORY, 3).await;
    // Between two consecutive history reads of moonfield lies one cycle.
    let paths = user_paths(&bot);
    let marks: Vec<usize> = paths
        .iter()
        .enumerate()
        .filter(|(_, p)| p.as_str() == HISTORY)
        .map(|(i, _)| i)
        .collect();
    let n = marks.len();
    assert!(n >= 3, "{paths:?}");
    let cycle = &paths[marks[n - 2]..marks[n - 1]];
    let mut sorted: Vec<&str> = cycle.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    // moonfield: watching + history + ratings; kaiton: watchlist only (shows,
    // episodes and movies).
    assert_eq!(
        sorted,
        [
            "/users/kaiton/watchlist/episodes/added",
            "/users/kaiton/watchlist/movies/added",
            "/users/kaiton/watchlist/shows/added",
            "/users/moonfield/history",
            "/users/moonfield/ratings/all",
            "/users/moonfield/watching",
        ],
        "{paths:?}"
    );
    assert_eq!(hits(&bot.v2, "/users/kaiton/history"), 0);
}

#[tokio::test]
async fn a_user_who_turns_private_has_their_follow_disabled_with_the_reason() {
    let bot = Herald::start_with(v2_options()).await;
    followed(&bot, follow_user("moonfield", "seen", CHANNEL_ID)).await;
    cycles(&bot, HISTORY, 1).await;
    bot.v2.edit(|w| {
        w.private_users.insert("moonfield".into());
    });
    let channel = trakt_herald::ids::ChannelId(CHANNEL_ID);
    eventually("disabled", WAIT, || {
        bot.store
            .channel_user_follows(channel)
            .expect("read")
            .iter()
            .any(|s| matches!(&s.state, SubState::Disabled { reason, .. } if reason.contains("private")))
    })
    .await;
    assert!(bot.store.followed_users().expect("read").is_empty());
    let state = bot
        .store
        .user_state(&UserSlug("moonfield".into()))
        .expect("state");
    assert_eq!(state.failures, 0, "disabled, not backing off");
    let replies = ask(&bot, CommandInvocation::new("follows")).await;
    let text = replies
        .iter()
        .flat_map(|r| r.embeds.iter())
        .filter_map(|e| e["description"].as_str())
        .collect::<String>();
    assert!(
        text.contains("moonfield") && text.contains("private"),
        "{text}"
    );
}
