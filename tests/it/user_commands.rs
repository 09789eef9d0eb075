//! User follows in the commands (issue 12, part), end to end against the
//! fake Trakt v2 and the fake Discord: `/activity user:` (the same embeds
//! as notifications, few requests, `/follow-user`'s private answers),
//! `/unfollow`, `/pause` and `/resume` on a user follow (autocomplete of
//! both kinds, labelled), and the one notice of a follow disabled because
//! the profile turned private.

use serde_json::{json, Value};
use trakt_herald::ids::{ChannelId, GuildId};
use trakt_herald::store::SubState;

use crate::support::fake_discord::{
    CommandInvocation, Reply, ReplyKind, CHANNEL_ID, GUILD_ID, OTHER_CHANNEL_ID,
};
use crate::support::herald::{eventually, Herald, WAIT};
use crate::v2_polling::{at, cycles, embeds, follow_twd, hits, twd, v2_options, START};

const HISTORY: &str = "/users/moonfield/history";
const FEED: &str = "/comments/recent/all/episodes";

async fn ask(bot: &Herald, invocation: CommandInvocation) -> Vec<Reply> {
    let r = bot.discord.interact(invocation).await;
    bot.discord
        .wait_reply(&r, WAIT)
        .await
        .into_iter()
        .filter(|x| x.kind != ReplyKind::Defer)
        .collect()
}

/// The one reply's text, asserting it is public or private as expected.
async fn answer(bot: &Herald, invocation: CommandInvocation, private: bool) -> String {
    let what = format!("/{} {:?}", invocation.name, invocation.options);
    let replies = ask(bot, invocation).await;
    let last = replies.last().unwrap_or_else(|| panic!("{what}: no reply"));
    assert_eq!(last.ephemeral, private, "{what}: {replies:#?}");
    last.content.clone().unwrap_or_default()
}

fn follow_user(user: &str, actions: &str, channel: u64) -> CommandInvocation {
    CommandInvocation::new("follow-user")
        .option("user", user)
        .option("actions", actions)
        .in_channel(channel)
}

fn user_paths(bot: &Herald) -> Vec<String> {
    bot.v2
        .paths()
        .into_iter()
        .filter(|p| p.starts_with("/users/"))
        .collect()
}

fn watch(id: u64, secs: i64, number: u64) -> Value {
    json!({"id": id, "watched_at": at(secs), "action": "watch", "type": "episode",
           "episode": {"season": 11, "number": number, "title": format!("Episode {number}"),
                       "ids": {"trakt": 5_320_000 + number, "tvdb": null, "imdb": null, "tmdb": null}},
           "show": twd()})
}

fn footers(embeds: &[Value]) -> Vec<String> {
    embeds
        .iter()
        .map(|e| e["footer"]["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn activity_for_a_user_shows_their_recent_activity_as_notifications_do_in_few_requests() {
    let bot = Herald::start_with(v2_options()).await;
    let before = user_paths(&bot).len();
    let invocation = CommandInvocation::new("activity")
        .option("user", "https://trakt.tv/users/moonfield")
        .option("since", "3h");
    let replies = ask(&bot, invocation).await;
    let reply = replies.last().expect("a reply");
    assert!(!reply.ephemeral, "{replies:#?}");
    let text = reply.content.clone().unwrap_or_default();
    assert!(text.contains("Mira Okafor (moonfield)"), "{text}");
    // Fixtures inside 3 h of the fake's clock (02:00): 2 watches, 2 ratings,
    // 1 watchlist entry; older ones are left out.
    assert_eq!(reply.embeds.len(), 5, "{:#?}", reply.embeds);
    for e in &reply.embeds {
        assert!(
            e["author"]["name"]
                .as_str()
                .is_some_and(|n| n.contains("Mira Okafor")),
            "the user as author, as in notifications: {e}"
        );
    }
    let times: Vec<&str> = reply
        .embeds
        .iter()
        .filter_map(|e| e["timestamp"].as_str())
        .collect();
    assert_eq!(times.len(), 5);
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {times:?}"
    );
    // The profile, then one page of each source the actions need.
    let asked = &user_paths(&bot)[before..];
    assert_eq!(asked.len(), 5, "{asked:?}");
    assert_eq!(asked[0], "/users/moonfield");

    // Only ratings asked: only the ratings are read.
    let before = user_paths(&bot).len();
    let invocation = CommandInvocation::new("activity")
        .option("user", "moonfield")
        .option("actions", "rating")
        .option("since", "3h");
    let replies = ask(&bot, invocation).await;
    let reply = replies.last().expect("a reply");
    assert_eq!(footers(&reply.embeds), ["⭐ Rating", "⭐ Rating"]);
    assert_eq!(
        &user_paths(&bot)[before..],
        ["/users/moonfield", "/users/moonfield/ratings/all"]
    );
}

#[tokio::test]
async fn activity_for_a_private_or_unknown_user_or_for_both_or_neither_is_a_private_answer() {
    let bot = Herald::start_with(v2_options()).await;
    for (name, needle) in [("quietviewer", "private"), ("nobody-here", "no user")] {
        let before = user_paths(&bot).len();
        let invocation = CommandInvocation::new("activity").option("user", name);
        let text = answer(&bot, invocation, true).await;
        assert!(text.contains(needle) && text.contains(name), "{text}");
        assert_eq!(user_paths(&bot).len(), before + 1, "one request");
    }
    let both = CommandInvocation::new("activity")
        .option("show", "the-walking-dead")
        .option("user", "moonfield");
    assert!(answer(&bot, both, true).await.contains("not both"));
    let neither = CommandInvocation::new("activity").option("since", "2h");
    let text = answer(&bot, neither, true).await;
    assert!(text.contains("`show`") && text.contains("`user`"), "{text}");
}

async fn choices(bot: &Herald, command: &str, option: &str) -> Vec<(String, String)> {
    let invocation = CommandInvocation::new(command).option(option, "");
    let r = bot.discord.autocomplete(invocation, option).await;
    let replies = bot.discord.wait_reply(&r, WAIT).await;
    let reply = replies
        .iter()
        .find(|r| r.kind == ReplyKind::Autocomplete)
        .expect("an autocomplete answer");
    reply
        .choices
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap_or_default().to_owned();
            (s("name"), s("value"))
        })
        .collect()
}

#[tokio::test]
async fn unfollow_pause_and_resume_name_user_follows_offered_beside_shows() {
    let bot = Herald::start_with(v2_options()).await;
    follow_twd(&bot, CHANNEL_ID, "shout", START);
    answer(&bot, follow_user("moonfield", "seen", CHANNEL_ID), false).await;
    for (command, option) in [
        ("unfollow", "show"),
        ("pause", "follow"),
        ("resume", "follow"),
    ] {
        assert_eq!(
            choices(&bot, command, option).await,
            [
                (
                    "show · The Walking Dead (the-walking-dead)".to_owned(),
                    "the-walking-dead".to_owned()
                ),
                (
                    "user · Mira Okafor (moonfield)".to_owned(),
                    "user:moonfield".to_owned()
                ),
            ],
            "/{command}"
        );
    }
    cycles(&bot, HISTORY, 1).await;

    let pause = CommandInvocation::new("pause").option("follow", "user:moonfield");
    let text = answer(&bot, pause, false).await;
    assert!(
        text.starts_with("⏸️ Paused **Mira Okafor** (`moonfield`)"),
        "{text}"
    );
    let channel = ChannelId(CHANNEL_ID);
    let state = |bot: &Herald| {
        bot.store.channel_user_follows(channel).expect("read")[0]
            .state
            .clone()
    };
    assert!(matches!(state(&bot), SubState::Paused { .. }));
    // Paused: not read any more, and what happens meanwhile is never posted.
    let reads = hits(&bot.v2, HISTORY);
    bot.v2.edit(|w| {
        w.history
            .entry("moonfield".into())
            .or_default()
            .push(watch(30_000_000_001, 20, 1));
    });
    bot.v2.set_now(&at(30));
    cycles(&bot, FEED, 3).await;
    assert_eq!(hits(&bot.v2, HISTORY), reads, "a paused user is not polled");

    let resume = CommandInvocation::new("resume").option("follow", "Mira Okafor");
    let text = answer(&bot, resume, false).await;
    assert!(
        text.starts_with("▶️ Resumed **Mira Okafor** (`moonfield`)"),
        "{text}"
    );
    assert!(state(&bot).is_active());
    bot.v2.edit(|w| {
        w.history
            .entry("moonfield".into())
            .or_default()
            .push(watch(30_000_000_002, 40, 2));
    });
    bot.v2.set_now(&at(50));
    let mira = |bot: &Herald| -> Vec<Value> {
        embeds(bot, CHANNEL_ID)
            .into_iter()
            .filter(|e| {
                e["author"]["name"]
                    .as_str()
                    .is_some_and(|n| n.contains("Mira"))
            })
            .collect()
    };
    eventually("the watch after the resume", WAIT, || {
        !mira(&bot).is_empty()
    })
    .await;
    cycles(&bot, HISTORY, 2).await;
    let posted = mira(&bot);
    assert_eq!(
        posted.len(),
        1,
        "only what followed the resume: {posted:#?}"
    );
    assert!(posted[0]["title"]
        .as_str()
        .is_some_and(|t| t.contains("S11E02")));

    let unfollow = CommandInvocation::new("unfollow").option("show", "user:moonfield");
    let text = answer(&bot, unfollow, false).await;
    assert!(text.contains("no longer follows **Mira Okafor**"), "{text}");
    assert!(bot
        .store
        .channel_user_follows(channel)
        .expect("read")
        .is_empty());
    assert_eq!(
        bot.store.channel_follows(channel).expect("read").len(),
        1,
        "the show stays"
    );
    // /unfollow-user is the same path: nothing left to remove.
    let again = CommandInvocation::new("unfollow-user").option("user", "moonfield");
    assert!(answer(&bot, again, true).await.contains("does not follow"));
}

fn notices(bot: &Herald, channel: u64) -> Vec<Value> {
    embeds(bot, channel)
        .into_iter()
        .filter(|e| {
            e["title"]
                .as_str()
                .is_some_and(|t| t.contains("stopped posting a Trakt user"))
        })
        .collect()
}

#[tokio::test]
async fn a_user_turning_private_is_told_once_in_the_channel() {
    let bot = Herald::start_with(v2_options()).await;
    follow_twd(&bot, CHANNEL_ID, "shout", START);
    answer(&bot, follow_user("moonfield", "seen", CHANNEL_ID), false).await;
    cycles(&bot, HISTORY, 1).await;
    bot.v2.edit(|w| {
        w.private_users.insert("moonfield".into());
    });
    eventually("the notice", WAIT, || !notices(&bot, CHANNEL_ID).is_empty()).await;
    cycles(&bot, FEED, 3).await;
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let told = notices(&bot, CHANNEL_ID);
    assert_eq!(told.len(), 1, "once, not per cycle: {told:#?}");
    let text = told[0]["description"].as_str().unwrap_or_default();
    assert!(
        text.contains("this channel") && text.contains("Mira Okafor") && text.contains("private"),
        "{text}"
    );
    assert!(bot.store.pending_notices().expect("read").is_empty());
}

#[tokio::test]
async fn a_user_turning_private_is_told_once_in_the_alerts_channel_when_set() {
    let bot = Herald::start_with(v2_options()).await;
    bot.store
        .set_alerts_channel(GuildId(GUILD_ID), Some(ChannelId(OTHER_CHANNEL_ID)))
        .expect("alerts channel");
    answer(&bot, follow_user("moonfield", "seen", CHANNEL_ID), false).await;
    cycles(&bot, HISTORY, 1).await;
    bot.v2.edit(|w| {
        w.private_users.insert("moonfield".into());
    });
    eventually("the notice", WAIT, || {
        !notices(&bot, OTHER_CHANNEL_ID).is_empty()
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    let told = notices(&bot, OTHER_CHANNEL_ID);
    assert_eq!(told.len(), 1, "{told:#?}");
    let text = told[0]["description"].as_str().unwrap_or_default();
    assert!(
        text.contains(&format!("<#{CHANNEL_ID}>")),
        "names the channel: {text}"
    );
    assert!(
        notices(&bot, CHANNEL_ID).is_empty(),
        "not in the channel too"
    );
}

/// `trakt-herald export` then `import` (the built binary) carry user follows.
#[test]
fn the_cli_exports_and_imports_user_follows() {
    use std::process::Command;
    use trakt_herald::ids::UserId;
    use trakt_herald::store::{NewUserFollow, Profile, Store};
    use trakt_herald::trakt::v2::UserSlug;
    use trakt_herald::trakt::{ActionSet, TraktTime};

    let bin = env!("CARGO_BIN_EXE_trakt-herald");
    let run = |args: &[&str]| {
        let out = Command::new(bin)
            .args(args)
            .env_remove("DISCORD_TOKEN")
            .env_remove("TRAKT_API_KEY")
            .output()
            .expect("the binary runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let dir = tempfile::tempdir().expect("dir");
    let config = |name: &str| {
        let path = dir.path().join(format!("{name}.toml"));
        let store = dir.path().join(format!("{name}.sled"));
        let text = format!("[storage]\npath = \"{}\"\ncache_mb = 4\n", store.display());
        std::fs::write(&path, text).expect("write config");
        (path.to_string_lossy().into_owned(), store)
    };
    let (source_cfg, source) = config("source");
    {
        let store = Store::open(&source, 4).expect("open");
        store
            .follow_user(NewUserFollow {
                guild: GuildId(10),
                channel: ChannelId(20),
                user: UserSlug("moonfield".into()),
                profile: Profile {
                    username: "moonfield".into(),
                    name: Some("Mira Okafor".into()),
                    avatar: None,
                },
                actions: ActionSet::parse("seen,rating").expect("actions"),
                show: None,
                created_by: UserId(5),
                now: 1_700_000_000,
                start_watermark: Some(TraktTime(1_700_000_000)),
                max_per_guild: 50,
            })
            .expect("follow");
        store.flush().expect("flush");
    }
    let exported = run(&["export", "--config", &source_cfg]);
    assert!(exported.contains("\"user\": \"moonfield\""), "{exported}");
    let file = dir.path().join("follows.json");
    std::fs::write(&file, &exported).expect("write");
    let (target_cfg, _) = config("target");
    let file = file.to_string_lossy().into_owned();
    for _ in 0..2 {
        run(&["import", &file, "--config", &target_cfg]);
    }
    assert_eq!(run(&["export", "--config", &target_cfg]), exported);
}
