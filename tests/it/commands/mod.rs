//! The slash commands end to end (issue 5): the real bot, serenity and poise
//! against the fake Discord and the fake Trakt. Each test checks what the user
//! sees (content, privacy, deferral) and what the store holds afterwards, and
//! that every reply goes out with mentions disabled and within Discord's limits.
//!
//! By command: `follow` (and what every command does with bad input, outages,
//! internal errors and slow answers), `unfollow` (with `/follows`) and
//! `activity`. This file holds what they share.

mod activity;
mod follow;
mod unfollow;

use std::time::Duration;

use serde_json::{json, Value};
use trakt_herald::discord::commands::{APOLOGY, OUTDATED};
use trakt_herald::format;
use trakt_herald::ids::{ChannelId, GuildId};
use trakt_herald::store::SubState;
use trakt_herald::trakt::{ActionSet, Activity, ShowRef, TraktTime};

use crate::support::activities::{episode_activity, TestShow};
use crate::support::fake_discord::{
    CommandInvocation, InteractionRef, Member, Reply, ReplyKind, Route, CHANNEL_ID, GUILD_ID,
    OTHER_CHANNEL_ID,
};
use crate::support::fake_trakt::FailKind;
use crate::support::herald::{Herald, Options, WAIT};

const TWD: &str = "the-walking-dead";
const TWD_TITLE: &str = "The Walking Dead";
const TWD_TVDB: u64 = 153_021;

/// What the client retries before giving up (`RetryPolicy::default`).
const TRAKT_ATTEMPTS: usize = 4;

/// An activity about a show, in Trakt's v1 shape.
fn activity(id: u64, action: &str, user: &str, ts: i64, slug: &str, title: &str) -> Value {
    let tvdb = if slug == TWD {
        TWD_TVDB.to_string()
    } else {
        (900_000 + id).to_string()
    };
    let show = TestShow {
        slug,
        title,
        tvdb_id: Some(tvdb),
    };
    episode_activity(id, action, user, ts, &show, id, &format!("Episode {id}"))
}

fn twd() -> ShowRef {
    ShowRef::parse(TWD).expect("a valid slug")
}

fn show(slug: &str) -> ShowRef {
    ShowRef::parse(slug).expect("a valid slug")
}

fn follow(show: &str) -> CommandInvocation {
    CommandInvocation::new("follow").option("show", show)
}

/// Options with a poller that stays quiet after its first (empty) tick, so
/// that every Trakt request a test sees comes from a command.
fn quiet() -> Options {
    Options {
        poll_interval: "1h",
        ..Options::default()
    }
}

/// Dispatch and wait until the bot sent more than a defer.
async fn ask(bot: &Herald, invocation: CommandInvocation) -> (InteractionRef, Vec<Reply>) {
    let r = bot.discord.interact(invocation).await;
    let replies = bot.discord.wait_reply(&r, WAIT).await;
    (r, replies)
}

/// Wait until the replies to `r` satisfy `done`.
async fn replies_until(
    bot: &Herald,
    r: &InteractionRef,
    done: impl Fn(&[Reply]) -> bool,
) -> Vec<Reply> {
    bot.discord
        .wait_for(
            |state| {
                let replies = state.replies(r);
                done(&replies).then_some(replies)
            },
            WAIT,
        )
        .await
}

/// Everything a reply shows: content, embed titles and descriptions.
fn text_of(reply: &Reply) -> String {
    let mut out = reply.content.clone().unwrap_or_default();
    for e in &reply.embeds {
        for key in ["title", "description"] {
            if let Some(s) = e[key].as_str() {
                out.push('\n');
                out.push_str(s);
            }
        }
    }
    out
}

/// The single visible answer of a command that failed: private, and naming
/// `needle`. Returns its text.
async fn refused(bot: &Herald, invocation: CommandInvocation, needle: &str) -> String {
    let what = format!("/{} {:?}", invocation.name, invocation.options);
    let (_, replies) = ask(bot, invocation).await;
    let shown: Vec<&Reply> = replies
        .iter()
        .filter(|r| r.kind != ReplyKind::Defer)
        .collect();
    assert_eq!(shown.len(), 1, "{what}: one answer: {replies:#?}");
    let reply = shown[0];
    assert!(reply.ephemeral, "{what}: the error is private: {reply:#?}");
    let text = text_of(reply);
    assert!(
        text.to_lowercase().contains(&needle.to_lowercase()),
        "{what}: the error names the problem ({needle}): {text}"
    );
    assert_no_internals(&text);
    text
}

/// Nothing of our internals in a user-visible text.
fn assert_no_internals(text: &str) {
    for leak in [
        "internal error",
        "store:",
        "trakt:",
        "discord:",
        "HTTP ",
        "API key",
        "sled",
        "127.0.0.1",
        "testkey",
    ] {
        assert!(
            !text.contains(leak),
            "internal detail `{leak}` shown: {text}"
        );
    }
}

/// The checks every test ends with: every message the bot sent for an
/// interaction disables mentions, Discord accepted every body in time, and
/// the bot stops cleanly.
async fn finish(mut bot: Herald) {
    let callbacks = bot
        .discord
        .requests_to(&Route::new("POST", "/interactions/*/*/callback"));
    for c in &callbacks {
        if c.body["type"] == json!(4) {
            assert_eq!(
                c.body["data"]["allowed_mentions"]["parse"],
                json!([]),
                "a reply that may ping: {}",
                c.body
            );
        }
    }
    for f in bot
        .discord
        .requests_to(&Route::new("POST", "/webhooks/*/*"))
    {
        assert_eq!(
            f.body["allowed_mentions"]["parse"],
            json!([]),
            "a followup that may ping: {}",
            f.body
        );
    }
    let violations = bot.discord.violations();
    assert!(violations.is_empty(), "{violations:#?}");
    bot.stop().await;
}

fn channel() -> ChannelId {
    ChannelId(CHANNEL_ID)
}

fn guild() -> GuildId {
    GuildId(GUILD_ID)
}

fn trakt_asked_about(bot: &Herald, slug: &str) -> bool {
    bot.trakt
        .requests()
        .iter()
        .any(|p| p.split('/').any(|seg| seg.split(',').any(|s| s == slug)))
}
