//! Who a follow pings and where it may post (issue 13): role pings limited to
//! the chosen actions and to that one role, quiet and published follows, and
//! `/follow`'s check of the bot's own permissions in the target channel. The
//! real bot in-process against the fake Discord and the fake Trakt v2.

use serde_json::{json, Value};
use trakt_herald::ids::{ChannelId, GuildId, RoleId, UserId};
use trakt_herald::store::{Delivery, NewFollow};
use trakt_herald::trakt::{ActionSet, ShowRef, TraktTime};

use crate::support::fake_discord::{
    CommandInvocation, Reply, ReplyKind, BOT_PERMISSIONS, CHANNEL_ID, EMBED_LINKS, GUILD_ID,
    OTHER_CHANNEL_ID, READ_MESSAGE_HISTORY, SEND_MESSAGES, VIEW_CHANNEL,
};
use crate::support::herald::{eventually, Herald, Options, WAIT};
use crate::v2_polling::{at, comment, episode_item, show_item, twd, v2_options, START, TWD};

const ROLE: u64 = 1_100_000_000_000_000_555;

fn follow_twd_with(bot: &Herald, actions: &str, delivery: Delivery) {
    bot.store
        .follow_with(
            NewFollow {
                guild: GuildId(GUILD_ID),
                channel: ChannelId(CHANNEL_ID),
                show: ShowRef::Trakt(TWD),
                title: "The Walking Dead".to_owned(),
                slug: Some("the-walking-dead".to_owned()),
                actions: ActionSet::parse(actions).expect("actions"),
                created_by: UserId(7),
                now: 1,
                start_watermark: Some(TraktTime(START)),
                max_per_guild: 50,
            },
            Some(delivery),
        )
        .expect("follow");
}

/// The bodies of the messages the bot posted to `channel`, in order.
fn posted(bot: &Herald, channel: u64) -> Vec<Value> {
    let path = format!("/api/v10/channels/{channel}/messages");
    bot.discord
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == path && r.status == Some(200))
        .map(|r| r.body)
        .collect()
}

const HOSTILE: &str = "@everyone @here <@&1100000000000000555> <@1100000000000000040> look";

#[tokio::test]
async fn a_role_ping_comes_only_with_its_actions_and_nothing_else_ever_pings() {
    let bot = Herald::start_with(v2_options()).await;
    // Comments only: the fake's watchers would add a message of their own.
    follow_twd_with(
        &bot,
        "shout,review",
        Delivery {
            ping: Some(RoleId(ROLE)),
            ping_on: Some(ActionSet::parse("review").expect("actions")),
            quiet: false,
            publish: false,
        },
    );
    bot.v2.edit(|w| {
        let episodes = w.recent.entry("episodes".into()).or_default();
        episodes.push(episode_item(
            comment(9_100_001, 10, HOSTILE, false, false),
            twd(),
        ));
        episodes.push(episode_item(
            comment(9_100_003, 14, HOSTILE, false, false),
            twd(),
        ));
        w.recent.entry("shows".into()).or_default().push(show_item(
            comment(
                9_100_002,
                12,
                &format!("A review. {HOSTILE} ").repeat(4),
                true,
                false,
            ),
            twd(),
        ));
    });
    bot.v2.set_now(&at(30));
    eventually("three messages", WAIT, || {
        posted(&bot, CHANNEL_ID).len() >= 3
    })
    .await;
    let bodies = posted(&bot, CHANNEL_ID);
    assert_eq!(
        bodies.len(),
        3,
        "shout | review | shout, never mixed: {bodies:#?}"
    );
    let counts: Vec<usize> = bodies
        .iter()
        .map(|b| b["embeds"].as_array().map_or(0, Vec::len))
        .collect();
    assert_eq!(counts, vec![1, 1, 1], "{bodies:#?}");
    for (i, body) in bodies.iter().enumerate() {
        let review = i == 1;
        let text = body["embeds"][0].to_string();
        assert!(text.contains("look"), "the hostile text is there: {text}");
        if review {
            assert_eq!(body["content"], json!(format!("<@&{ROLE}>")), "{body}");
            assert_eq!(
                body["allowed_mentions"],
                json!({"parse": [], "roles": [ROLE.to_string()]}),
                "{body}"
            );
        } else {
            assert!(
                body.get("content").is_none(),
                "a shout pings nobody: {body}"
            );
            assert_eq!(body["allowed_mentions"], json!({"parse": []}), "{body}");
        }
        assert!(body.get("flags").is_none(), "{body}");
    }
}

#[tokio::test]
async fn a_quiet_follow_is_silent_and_a_published_one_is_crossposted() {
    let bot = Herald::start_with(v2_options()).await;
    follow_twd_with(
        &bot,
        "shout",
        Delivery {
            ping: None,
            ping_on: None,
            quiet: true,
            publish: true,
        },
    );
    bot.v2.edit(|w| {
        let episodes = w.recent.entry("episodes".into()).or_default();
        episodes.push(episode_item(
            comment(9_200_001, 10, "quietly", false, false),
            twd(),
        ));
    });
    bot.v2.set_now(&at(30));
    eventually("a message", WAIT, || !posted(&bot, CHANNEL_ID).is_empty()).await;
    let body = &posted(&bot, CHANNEL_ID)[0];
    assert_eq!(body["flags"], json!(4096), "{body}");
    assert_eq!(body["allowed_mentions"], json!({"parse": []}), "{body}");
    let crosspost = |bot: &Herald| {
        bot.discord
            .requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/crosspost"))
            .map(|r| r.path)
            .collect::<Vec<_>>()
    };
    eventually("a crosspost", WAIT, || !crosspost(&bot).is_empty()).await;
    let paths = crosspost(&bot);
    assert_eq!(paths.len(), 1, "{paths:?}");
    assert!(
        paths[0].starts_with(&format!("/api/v10/channels/{CHANNEL_ID}/messages/")),
        "{paths:?}"
    );
}

/// The bot on v2, with a poller that stays quiet after its first tick.
fn quiet_poller() -> Options {
    Options {
        poll_interval: "1h",
        ..v2_options()
    }
}

async fn replies(bot: &Herald, invocation: CommandInvocation) -> Vec<Reply> {
    let r = bot.discord.interact(invocation).await;
    bot.discord
        .wait_reply(&r, WAIT)
        .await
        .into_iter()
        .filter(|x| x.kind != ReplyKind::Defer)
        .collect()
}

fn follows_here(bot: &Herald) -> usize {
    bot.store
        .channel_follows(ChannelId(CHANNEL_ID))
        .expect("follows")
        .len()
}

#[tokio::test]
async fn follow_without_embed_links_is_refused_privately_naming_it_and_stores_nothing() {
    let bot = Herald::start_with(quiet_poller()).await;
    let follow = CommandInvocation::new("follow")
        .option("show", "the-walking-dead")
        .with_app_permissions(VIEW_CHANNEL | SEND_MESSAGES | READ_MESSAGE_HISTORY);
    let got = replies(&bot, follow).await;
    assert_eq!(got.len(), 1, "{got:#?}");
    assert!(got[0].ephemeral, "{got:#?}");
    let text = got[0].content.clone().unwrap_or_default();
    assert!(text.contains("**Embed Links**"), "{text}");
    assert!(
        !text.contains("Send Messages"),
        "names only what is missing: {text}"
    );
    assert_eq!(follows_here(&bot), 0);
    assert!(
        bot.v2
            .paths()
            .iter()
            .all(|p| !p.starts_with("/search") && !p.starts_with("/shows")),
        "Trakt is not asked: {:?}",
        bot.v2.paths()
    );

    // In a thread, Send Messages in Threads is what counts.
    let thread = CommandInvocation::new("follow")
        .option("show", "the-walking-dead")
        .in_channel_kind(11)
        .with_app_permissions(BOT_PERMISSIONS);
    let got = replies(&bot, thread).await;
    let text = got[0].content.clone().unwrap_or_default();
    assert!(
        got[0].ephemeral && text.contains("**Send Messages in Threads**"),
        "{text}"
    );
    assert_eq!(follows_here(&bot), 0);
}

#[tokio::test]
async fn follow_with_a_ping_stores_it_and_refuses_unmentionable_roles_and_everyone() {
    let bot = Herald::start_with(quiet_poller()).await;
    let follow = CommandInvocation::new("follow")
        .option("show", "the-walking-dead")
        .role_option("ping", ROLE, true)
        .option("ping_on", "review,shout")
        .option("quiet", true);
    let got = replies(&bot, follow).await;
    let public: Vec<&Reply> = got.iter().filter(|r| !r.ephemeral).collect();
    assert_eq!(public.len(), 1, "{got:#?}");
    let text = public[0].content.clone().unwrap_or_default();
    assert!(
        text.contains(&format!("pings <@&{ROLE}> for shout,review")),
        "{text}"
    );
    let subs = bot
        .store
        .channel_follows(ChannelId(CHANNEL_ID))
        .expect("follows");
    assert_eq!(subs.len(), 1);
    assert_eq!(
        subs[0].delivery,
        Delivery {
            ping: Some(RoleId(ROLE)),
            ping_on: Some(ActionSet::parse("shout,review").expect("actions")),
            quiet: true,
            publish: false,
        }
    );

    for (invocation, needle) in [
        (
            CommandInvocation::new("follow")
                .option("show", "the-walking-dead")
                .role_option("ping", ROLE + 1, false),
            "mentionable",
        ),
        (
            CommandInvocation::new("follow")
                .option("show", "the-walking-dead")
                .role_option("ping", GUILD_ID, true),
            "@everyone",
        ),
        (
            CommandInvocation::new("follow")
                .option("show", "the-walking-dead")
                .option("publish", true),
            "announcement channels",
        ),
    ] {
        let got = replies(&bot, invocation).await;
        assert_eq!(got.len(), 1, "{got:#?}");
        let text = got[0].content.clone().unwrap_or_default();
        assert!(
            got[0].ephemeral && text.contains(needle),
            "{needle}: {text}"
        );
    }
    // Nothing changed by the refusals.
    let after = bot
        .store
        .channel_follows(ChannelId(CHANNEL_ID))
        .expect("follows");
    assert_eq!(after[0].delivery, subs[0].delivery);
}

#[tokio::test]
async fn the_channel_option_follows_elsewhere_after_checking_the_bots_permissions_there() {
    let bot = Herald::start_with(quiet_poller()).await;
    bot.discord.deny_bot_in(OTHER_CHANNEL_ID, EMBED_LINKS);
    let elsewhere = || {
        CommandInvocation::new("follow")
            .option("show", "the-walking-dead")
            .channel_option("channel", OTHER_CHANNEL_ID, 0)
    };
    // Where it is typed the bot may do everything; there it lacks Embed Links.
    let got = replies(&bot, elsewhere()).await;
    assert_eq!(got.len(), 1, "{got:#?}");
    let text = got[0].content.clone().unwrap_or_default();
    assert!(got[0].ephemeral, "{got:#?}");
    assert!(
        text.contains(&format!("<#{OTHER_CHANNEL_ID}>")) && text.contains("**Embed Links**"),
        "{text}"
    );
    let there = |bot: &Herald| {
        bot.store
            .channel_follows(ChannelId(OTHER_CHANNEL_ID))
            .expect("follows")
            .len()
    };
    assert_eq!(there(&bot), 0);

    bot.discord.deny_bot_in(OTHER_CHANNEL_ID, 0);
    let got = replies(&bot, elsewhere()).await;
    let public: Vec<&Reply> = got.iter().filter(|r| !r.ephemeral).collect();
    assert_eq!(public.len(), 1, "{got:#?}");
    let text = public[0].content.clone().unwrap_or_default();
    assert!(
        text.contains(&format!("<#{OTHER_CHANNEL_ID}> now follows")),
        "{text}"
    );
    assert_eq!((there(&bot), follows_here(&bot)), (1, 0));

    // /follows, /pause and /unfollow act on the channel the option names.
    let list = replies(
        &bot,
        CommandInvocation::new("follows").channel_option("channel", OTHER_CHANNEL_ID, 0),
    )
    .await;
    let listed = list[0].embeds[0]["description"].to_string();
    assert!(listed.contains("the-walking-dead"), "{list:#?}");
    let paused = replies(
        &bot,
        CommandInvocation::new("pause")
            .option("follow", "the-walking-dead")
            .channel_option("channel", OTHER_CHANNEL_ID, 0),
    )
    .await;
    assert!(!paused[0].ephemeral, "{paused:#?}");
    let sub = &bot
        .store
        .channel_follows(ChannelId(OTHER_CHANNEL_ID))
        .expect("follows")[0];
    assert!(!sub.state.is_active(), "{sub:?}");
    let gone = replies(
        &bot,
        CommandInvocation::new("unfollow")
            .option("show", "the-walking-dead")
            .channel_option("channel", OTHER_CHANNEL_ID, 0),
    )
    .await;
    assert!(!gone[0].ephemeral, "{gone:#?}");
    assert_eq!(there(&bot), 0);
}
