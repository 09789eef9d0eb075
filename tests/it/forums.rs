//! Threads, forum and media channels (issue 13): a forum follow opens one
//! post per show (tagged), reuses it across a restart, reopens a deleted
//! one; a thread follow posts into the thread, an archived thread gets the
//! post, a locked one is refused at /follow and one locked later disables
//! the follow with the reason (and alerts). The real bot in-process against
//! the fake Discord (`fake_discord::threads`) and the fake Trakt v2.

use serde_json::Value;
use trakt_herald::ids::{ChannelId, GuildId, UserId};
use trakt_herald::store::{ForumChannel, NewFollow, SubState};
use trakt_herald::trakt::{ActionSet, ShowRef, TraktTime};

use crate::support::fake_discord::{CommandInvocation, Reply, ReplyKind, GUILD_ID};
use crate::support::herald::{eventually, Herald, WAIT};
use crate::v2_polling::{comment, episode_item, follow_twd, v2_options, START, TWD};

const FORUM: u64 = 1_100_000_000_000_000_700;
const TEXT: u64 = 1_100_000_000_000_000_710;
const THREAD: u64 = 1_100_000_000_000_000_711;
const ALERTS: u64 = 1_100_000_000_000_000_720;
const GOT: u64 = 1390;
const TAG_TRAKT: u64 = 1_100_000_000_000_000_801;
const TAG_TWD: u64 = 1_100_000_000_000_000_802;

fn got() -> Value {
    serde_json::json!({"title": "Game of Thrones", "year": 2011, "ids": {"trakt": GOT,
           "slug": "game-of-thrones", "tvdb": 121361, "imdb": "tt0944947", "tmdb": 1399}})
}

fn twd() -> Value {
    crate::v2_polling::twd()
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

fn text(replies: &[Reply]) -> String {
    replies
        .iter()
        .map(|r| r.content.clone().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A shout on an episode of `show` at `START + secs`.
fn shout(bot: &Herald, id: u64, secs: i64, words: &str, show: Value) {
    bot.v2.edit(|w| {
        w.recent
            .entry("episodes".into())
            .or_default()
            .push(episode_item(comment(id, secs, words, false, false), show));
    });
}

/// Every embed description posted to `channel`, in order.
fn said(bot: &Herald, channel: u64) -> Vec<String> {
    crate::v2_polling::embeds(bot, channel)
        .iter()
        .map(crate::v2_polling::text_of)
        .collect()
}

fn says(bot: &Herald, channel: u64, words: &str) -> usize {
    said(bot, channel)
        .iter()
        .filter(|t| t.contains(words))
        .count()
}

/// The bot's post about `name` in the forum (one, or the test fails).
fn post_named(bot: &Herald, name: &str) -> u64 {
    let posts: Vec<u64> = bot
        .discord
        .posts_in(FORUM)
        .into_iter()
        .filter(|(_, p)| p.name == name && !p.deleted)
        .map(|(id, _)| id)
        .collect();
    assert_eq!(posts.len(), 1, "{:#?}", bot.discord.posts_in(FORUM));
    posts[0]
}

fn follow_in_forum(show: u64, title: &str) -> NewFollow {
    NewFollow {
        guild: GuildId(GUILD_ID),
        channel: ChannelId(FORUM),
        show: ShowRef::Trakt(show),
        title: title.to_owned(),
        slug: None,
        actions: ActionSet::parse("shout").expect("actions"),
        created_by: UserId(7),
        now: 1,
        start_watermark: Some(TraktTime(START)),
        max_per_guild: 50,
    }
}

fn forum_follow_cmd() -> CommandInvocation {
    CommandInvocation::new("follow")
        .option("show", "the-walking-dead")
        .option("actions", "shout")
        .channel_option("channel", FORUM, 15)
}

#[tokio::test]
async fn a_forum_follow_opens_one_tagged_post_per_show_and_reuses_it_across_a_restart() {
    let mut bot = Herald::start_with(v2_options()).await;
    bot.discord.add_forum(
        FORUM,
        15,
        &[(TAG_TRAKT, "Trakt"), (TAG_TWD, "the walking dead")],
        false,
    );
    let got_reply = replies(&bot, forum_follow_cmd()).await;
    let said_back = text(&got_reply);
    assert!(
        said_back.contains(&format!("<#{FORUM}> now follows")),
        "{said_back}"
    );
    // The post is opened by /follow, titled with the show, with the tag named like it.
    let twd_post = post_named(&bot, "The Walking Dead");
    assert!(
        said_back.contains(&format!("Posts go to <#{twd_post}>")),
        "{said_back}"
    );
    let place = bot.discord.place(twd_post).expect("post");
    assert_eq!(place.applied_tags, vec![TAG_TWD]);
    // A second show, followed without /follow: delivery opens its post, tagged "Trakt".
    bot.store
        .follow(follow_in_forum(GOT, "Game of Thrones"))
        .expect("follow");
    bot.store
        .set_forum(ChannelId(FORUM), ForumChannel { kind: 15 })
        .expect("forum");

    shout(&bot, 9_300_001, 10, "twd one", twd());
    shout(&bot, 9_300_002, 11, "got one", got());
    shout(&bot, 9_300_003, 12, "twd two", twd());
    eventually("both shows posted", WAIT, || {
        says(&bot, twd_post, "twd two") == 1
            && bot.discord.posts_in(FORUM).len() == 2
            && says(&bot, post_named(&bot, "Game of Thrones"), "got one") == 1
    })
    .await;
    let got_post = post_named(&bot, "Game of Thrones");
    assert_eq!(
        bot.discord.place(got_post).expect("post").applied_tags,
        vec![TAG_TRAKT]
    );
    assert_eq!(says(&bot, twd_post, "twd one"), 1);
    assert_eq!(
        says(&bot, twd_post, "got one"),
        0,
        "each show in its own post"
    );
    assert!(
        bot.discord.channel_messages(FORUM).is_empty(),
        "nothing is posted in the forum itself"
    );

    bot.restart().await;
    shout(&bot, 9_300_004, 20, "twd three", twd());
    eventually("posted after the restart", WAIT, || {
        says(&bot, twd_post, "twd three") == 1
    })
    .await;
    assert_eq!(bot.discord.posts_in(FORUM).len(), 2, "no post opened twice");
    // Following again reuses the post.
    let again = text(&replies(&bot, forum_follow_cmd()).await);
    assert!(
        again.contains(&format!("Posts go to <#{twd_post}>")),
        "{again}"
    );
    assert_eq!(bot.discord.posts_in(FORUM).len(), 2);
    assert_eq!(says(&bot, twd_post, "twd one"), 1, "nothing doubled");
}

#[tokio::test]
async fn a_deleted_post_is_opened_again_and_nothing_is_lost_or_doubled() {
    let bot = Herald::start_with(v2_options()).await;
    bot.discord.add_forum(FORUM, 16, &[], false);
    bot.store
        .follow(follow_in_forum(TWD, "The Walking Dead"))
        .expect("follow");
    bot.store
        .set_forum(ChannelId(FORUM), ForumChannel { kind: 16 })
        .expect("forum");
    shout(&bot, 9_310_001, 10, "before", twd());
    eventually("the first post", WAIT, || {
        bot.discord.posts_in(FORUM).len() == 1
            && says(&bot, bot.discord.posts_in(FORUM)[0].0, "before") == 1
    })
    .await;
    let first = bot.discord.posts_in(FORUM)[0].0;
    assert!(bot
        .discord
        .place(first)
        .expect("post")
        .applied_tags
        .is_empty());
    bot.discord.edit_place(first, |p| p.deleted = true);
    shout(&bot, 9_310_002, 20, "after", twd());
    eventually("a new post", WAIT, || {
        bot.discord
            .posts_in(FORUM)
            .iter()
            .any(|(id, p)| *id != first && !p.deleted && says(&bot, *id, "after") == 1)
    })
    .await;
    let live: Vec<u64> = bot
        .discord
        .posts_in(FORUM)
        .into_iter()
        .filter(|(_, p)| !p.deleted)
        .map(|(id, _)| id)
        .collect();
    assert_eq!(live.len(), 1, "one post reopened");
    assert_eq!(says(&bot, live[0], "after"), 1);
    assert_eq!(says(&bot, live[0], "before"), 0);
    let follows = bot
        .store
        .channel_follows(ChannelId(FORUM))
        .expect("follows");
    assert_eq!(follows[0].state, SubState::Active, "the follow goes on");
    assert_eq!(
        bot.store
            .forum_post(ChannelId(FORUM), &ShowRef::Trakt(TWD))
            .expect("post")
            .map(|p| p.thread.get()),
        Some(live[0])
    );
}

#[tokio::test]
async fn a_forum_that_requires_a_tag_it_lacks_is_refused_and_missing_permissions_are_named() {
    let bot = Herald::start_with(v2_options()).await;
    bot.discord
        .add_forum(FORUM, 15, &[(TAG_TWD, "Dramas")], true);
    let got_reply = replies(&bot, forum_follow_cmd()).await;
    assert!(got_reply.iter().all(|r| r.ephemeral), "{got_reply:#?}");
    let said_back = text(&got_reply);
    assert!(
        said_back.contains("need a tag") && said_back.contains("**Trakt**"),
        "{said_back}"
    );
    assert!(bot.discord.posts_in(FORUM).is_empty());
    assert!(bot
        .store
        .channel_follows(ChannelId(FORUM))
        .expect("f")
        .is_empty());
    // Without Send Messages in Threads the bot could open the post but not post in it.
    bot.discord
        .add_forum(FORUM, 15, &[(TAG_TRAKT, "Trakt")], true);
    bot.discord.deny_bot_in(
        FORUM,
        crate::support::fake_discord::threads::SEND_MESSAGES_IN_THREADS,
    );
    let said_back = text(&replies(&bot, forum_follow_cmd()).await);
    assert!(
        said_back.contains("**Send Messages in Threads**"),
        "{said_back}"
    );
    assert!(bot.discord.posts_in(FORUM).is_empty());
    bot.discord.deny_bot_in(FORUM, 0);
    let said_back = text(&replies(&bot, forum_follow_cmd()).await);
    assert!(said_back.contains("now follows"), "{said_back}");
    let post = post_named(&bot, "The Walking Dead");
    assert_eq!(
        bot.discord.place(post).expect("p").applied_tags,
        vec![TAG_TRAKT]
    );
}

#[tokio::test]
async fn a_thread_follow_posts_into_the_thread_even_when_it_was_archived() {
    let bot = Herald::start_with(v2_options()).await;
    bot.discord.add_text_channel(TEXT);
    bot.discord.add_thread(THREAD, TEXT, true, false);
    let cmd = CommandInvocation::new("follow")
        .option("show", "the-walking-dead")
        .option("actions", "shout")
        .thread_option("channel", THREAD, TEXT, false);
    let said_back = text(&replies(&bot, cmd).await);
    assert!(
        said_back.contains(&format!("<#{THREAD}> now follows")),
        "{said_back}"
    );
    shout(&bot, 9_320_001, 10, "in the thread", twd());
    eventually("posted in the thread", WAIT, || {
        says(&bot, THREAD, "in the thread") == 1
    })
    .await;
    assert!(
        !bot.discord.place(THREAD).expect("thread").archived,
        "the post unarchived it"
    );
    assert!(bot.discord.channel_messages(TEXT).is_empty());
}

#[tokio::test]
async fn a_locked_thread_is_refused_at_follow() {
    let bot = Herald::start_with(v2_options()).await;
    bot.discord.add_text_channel(TEXT);
    bot.discord.add_thread(THREAD, TEXT, false, true);
    let cmd = CommandInvocation::new("follow")
        .option("show", "the-walking-dead")
        .thread_option("channel", THREAD, TEXT, true);
    let got_reply = replies(&bot, cmd).await;
    assert!(got_reply.iter().all(|r| r.ephemeral), "{got_reply:#?}");
    let said_back = text(&got_reply);
    assert!(said_back.contains("locked thread"), "{said_back}");
    assert!(bot
        .store
        .channel_follows(ChannelId(THREAD))
        .expect("f")
        .is_empty());
}

#[tokio::test]
async fn a_thread_locked_later_disables_the_follow_with_the_reason_and_alerts() {
    let bot = Herald::start_with(v2_options()).await;
    bot.discord.add_text_channel(TEXT);
    bot.discord.add_thread(THREAD, TEXT, false, false);
    bot.store
        .set_alerts_channel(GuildId(GUILD_ID), Some(ChannelId(ALERTS)))
        .expect("alerts");
    follow_twd(&bot, THREAD, "shout", START);
    shout(&bot, 9_330_001, 10, "while open", twd());
    eventually("posted", WAIT, || says(&bot, THREAD, "while open") == 1).await;
    bot.discord.edit_place(THREAD, |p| p.locked = true);
    shout(&bot, 9_330_002, 20, "after the lock", twd());
    eventually("disabled", WAIT, || {
        bot.store
            .channel_follows(ChannelId(THREAD))
            .expect("follows")
            .iter()
            .all(|s| matches!(s.state, SubState::Disabled { .. }))
    })
    .await;
    let follows = bot.store.channel_follows(ChannelId(THREAD)).expect("f");
    match &follows[0].state {
        SubState::Disabled { reason, .. } => assert!(reason.contains("locked"), "{reason}"),
        other => panic!("{other:?}"),
    }
    eventually("one alert", WAIT, || {
        !bot.discord.channel_messages(ALERTS).is_empty()
    })
    .await;
    let alert = said(&bot, ALERTS).join("\n");
    assert!(
        alert.contains(&format!("<#{THREAD}>")) && alert.contains("locked"),
        "{alert}"
    );
    // /follows shows why.
    let list = replies(
        &bot,
        CommandInvocation::new("follows").thread_option("channel", THREAD, TEXT, true),
    )
    .await;
    let listed = format!("{:?}", list);
    assert!(listed.contains("locked"), "{listed}");
    assert_eq!(says(&bot, THREAD, "after the lock"), 0);
    assert_eq!(said(&bot, ALERTS).len(), 1, "one alert, not one per retry");
}

#[tokio::test]
async fn a_forum_post_locked_later_disables_only_that_shows_follow() {
    let bot = Herald::start_with(v2_options()).await;
    bot.discord.add_forum(FORUM, 15, &[], false);
    for (show, title) in [(TWD, "The Walking Dead"), (GOT, "Game of Thrones")] {
        bot.store
            .follow(follow_in_forum(show, title))
            .expect("follow");
    }
    bot.store
        .set_forum(ChannelId(FORUM), ForumChannel { kind: 15 })
        .expect("forum");
    shout(&bot, 9_340_001, 10, "twd open", twd());
    eventually("posted", WAIT, || bot.discord.posts_in(FORUM).len() == 1).await;
    let twd_post = post_named(&bot, "The Walking Dead");
    eventually("posted", WAIT, || says(&bot, twd_post, "twd open") == 1).await;
    bot.discord.edit_place(twd_post, |p| p.locked = true);
    shout(&bot, 9_340_002, 20, "twd locked", twd());
    shout(&bot, 9_340_003, 21, "got goes on", got());
    eventually("got posted", WAIT, || {
        bot.discord.posts_in(FORUM).len() == 2
            && says(&bot, post_named(&bot, "Game of Thrones"), "got goes on") == 1
    })
    .await;
    eventually("twd disabled", WAIT, || {
        bot.store
            .channel_follows(ChannelId(FORUM))
            .expect("f")
            .iter()
            .any(|s| s.show == ShowRef::Trakt(TWD) && matches!(s.state, SubState::Disabled { .. }))
    })
    .await;
    let follows = bot.store.channel_follows(ChannelId(FORUM)).expect("f");
    let got_state = follows
        .iter()
        .find(|s| s.show == ShowRef::Trakt(GOT))
        .map(|s| &s.state);
    assert_eq!(got_state, Some(&SubState::Active));
    assert_eq!(says(&bot, twd_post, "twd locked"), 0);
    // /follow again while the post is locked: refused, the follow stays disabled.
    let refused = replies(&bot, forum_follow_cmd()).await;
    assert!(refused.iter().all(|r| r.ephemeral), "{refused:#?}");
    let said_back = text(&refused);
    assert!(
        said_back.contains(&format!("<#{twd_post}>")) && said_back.contains("locked thread"),
        "{said_back}"
    );
    // Unlocked: /follow resumes it in the same post.
    bot.discord.edit_place(twd_post, |p| p.locked = false);
    let said_back = text(&replies(&bot, forum_follow_cmd()).await);
    assert!(
        said_back.contains(&format!("Posts go to <#{twd_post}>")),
        "{said_back}"
    );
    let twd_state = bot
        .store
        .channel_follows(ChannelId(FORUM))
        .expect("f")
        .into_iter()
        .find(|s| s.show == ShowRef::Trakt(TWD))
        .map(|s| s.state);
    assert_eq!(twd_state, Some(SubState::Active));
    assert_eq!(bot.discord.posts_in(FORUM).len(), 2, "no new post");
}
