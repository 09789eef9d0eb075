//! The slash commands on Trakt API v2 (issue 11), end to end: the real bot
//! in-process against the fake Discord and the fake Trakt v2. Each test checks
//! what the user sees, what the store holds, and which requests reached Trakt.
//!
//! By concern: `follow` (inputs, outages, actions, limits), `search`
//! (autocomplete), `manage` (`/follows`, `/unfollow`, `/pause`, `/resume`, a
//! refused key, v1 and Trakt ids) and `activity`. This file holds what they share.

mod activity;
mod follow;
mod manage;
mod search;

use std::time::Duration;

use serde_json::Value;
use trakt_herald::discord::commands::APOLOGY;
use trakt_herald::format;
use trakt_herald::ids::{ChannelId, GuildId};
use trakt_herald::store::SubState;
use trakt_herald::trakt::v2::{map, Comment, ListItem, Show, TraktList};
use trakt_herald::trakt::{ActionSet, ShowRef, TraktTime};

use crate::support::fake_discord::{
    CommandInvocation, InteractionRef, Member, Reply, ReplyKind, CHANNEL_ID, GUILD_ID,
    OTHER_CHANNEL_ID,
};
use crate::support::fake_trakt_v2::{fixture_json, Scripted};
use crate::support::herald::{eventually, Herald, Options, WAIT};

const TWD: &str = "the-walking-dead";
const TWD_TITLE: &str = "The Walking Dead";
const TWD_ID: u64 = 1393;
/// The fake v2's clock at start (`2026-11-15T02:00:00Z`).
const FAKE_NOW: i64 = 1_794_708_000;
/// What the bot answers once Trakt refused its key.
const KEY_REFUSED: &str =
    "Trakt refused the bot's API key; the bot's operator must fix trakt.api_key";

/// The bot on v2, with a poller that stays quiet after its first tick.
fn v2() -> Options {
    Options {
        api: "v2",
        poll_interval: "1h",
        ..Options::default()
    }
}

fn follow(show: &str) -> CommandInvocation {
    CommandInvocation::new("follow").option("show", show)
}

/// Let the fake know Fear the Walking Dead too (from the search fixture).
fn add_fear(bot: &Herald) {
    let fear = fixture_json("search-text-show.json")[1]["show"].clone();
    assert_eq!(fear["ids"]["slug"], "fear-the-walking-dead");
    bot.v2.edit(|w| w.shows.push(fear));
}

fn channel() -> ChannelId {
    ChannelId(CHANNEL_ID)
}

/// Requests the commands made (the site-wide feed is the poller's).
fn command_requests(bot: &Herald) -> Vec<String> {
    bot.v2
        .paths()
        .into_iter()
        .filter(|p| !p.starts_with("/comments/recent"))
        .collect()
}

async fn ask(bot: &Herald, invocation: CommandInvocation) -> Vec<Reply> {
    let r = bot.discord.interact(invocation).await;
    shown(bot, &r).await
}

/// The replies to `r` that are more than a defer, once there is one.
async fn shown(bot: &Herald, r: &InteractionRef) -> Vec<Reply> {
    bot.discord
        .wait_reply(r, WAIT)
        .await
        .into_iter()
        .filter(|x| x.kind != ReplyKind::Defer)
        .collect()
}

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

/// The one public answer of a command that worked; its text.
async fn confirmed(bot: &Herald, invocation: CommandInvocation) -> String {
    let what = format!("/{} {:?}", invocation.name, invocation.options);
    let replies = ask(bot, invocation).await;
    let public: Vec<&Reply> = replies.iter().filter(|r| !r.ephemeral).collect();
    assert_eq!(public.len(), 1, "{what}: one public answer: {replies:#?}");
    text_of(public[0])
}

/// The one private answer of a refused command, naming `needle`; its text.
async fn refused(bot: &Herald, invocation: CommandInvocation, needle: &str) -> String {
    let what = format!("/{} {:?}", invocation.name, invocation.options);
    let replies = ask(bot, invocation).await;
    assert_eq!(replies.len(), 1, "{what}: one answer: {replies:#?}");
    assert!(replies[0].ephemeral, "{what}: private: {replies:#?}");
    let text = text_of(&replies[0]);
    assert!(
        text.to_lowercase().contains(&needle.to_lowercase()),
        "{what}: names the problem ({needle}): {text}"
    );
    assert!(!text.contains(APOLOGY), "{what}: {text}");
    text
}

async fn choices(bot: &Herald, command: &str, typed: &str) -> Vec<(String, String)> {
    let invocation = CommandInvocation::new(command).option("show", typed.to_owned());
    let r = bot.discord.autocomplete(invocation, "show").await;
    let replies = bot.discord.wait_reply(&r, WAIT).await;
    let reply = replies
        .iter()
        .find(|r| r.kind == ReplyKind::Autocomplete)
        .expect("an autocomplete answer");
    reply
        .choices
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or_default().to_owned(),
                c["value"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Every check a test ends with: Discord accepted every body in time, and
/// the bot stops cleanly.
async fn finish(mut bot: Herald) {
    let violations = bot.discord.violations();
    assert!(violations.is_empty(), "{violations:#?}");
    bot.stop().await;
}
