//! The notification pipeline end to end (issue 6): each channel gets exactly
//! what its filter wants, once, in order, packed; overlapping polls and paging
//! back lose and repeat nothing; Trakt outages and Discord refusals, rate limits
//! and errors are survived; unfollow drops what is pending; and the real binary,
//! killed with SIGKILL at five moments while activity flows, still delivers
//! every activity exactly once (every restart past the nonce window), then
//! stops cleanly on SIGTERM.
//!
//! By concern: `flow` (filters, order, packing, budgets, overlap), `failures`
//! (Trakt outages, Discord errors and refusals, unfollow) and `crash` (the real
//! binary under kill -9). This file holds what they share.

mod crash;
mod failures;
mod flow;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::time::Instant;
use trakt_herald::clock::unix_now;
use trakt_herald::ids::{ChannelId, GuildId, UserId};
use trakt_herald::store::{NewFollow, Store, SubState};
use trakt_herald::trakt::{Action, ActionSet, ShowRef, TraktTime};

use crate::support::activities::{episode_activity, TestShow};
use crate::support::fake_discord::{
    self, CommandInvocation, FakeDiscord, Fault, RecordedRequest, Route, State, Times, CHANNEL_ID,
    GUILD_ID, OTHER_CHANNEL_ID,
};
use crate::support::fake_trakt::{FailKind, FakeTrakt};
use crate::support::herald::{config_text, eventually, Herald, Options, T0, TRAKT_KEY, WAIT};
use crate::support::process::Process;

/// A third text channel (the fake Discord accepts messages to any channel id).
const THIRD_CHANNEL_ID: u64 = 1_100_000_000_000_000_022;
const TWD: &str = "the-walking-dead";
const BREAKING_BAD: &str = "breaking-bad";

/// An episode activity of `show` by `user`; `user` is its identity in what the
/// fake Discord stores (the embed's author name).
fn activity(show: &str, id: u64, action: &str, user: &str, ts: i64) -> Value {
    let title = format!("Show {show}");
    let subject = TestShow {
        slug: show,
        title: &title,
        tvdb_id: None,
    };
    let mut a = episode_activity(id, action, user, ts, &subject, 6, "Live Bait");
    if let Some(obj) = a.as_object_mut() {
        obj.insert("rating_advanced".to_owned(), json!(8));
        obj.insert("use_rating_advanced".to_owned(), json!(true));
    }
    a
}

fn twd(id: u64, action: &str, user: &str, ts: i64) -> Value {
    activity(TWD, id, action, user, ts)
}

/// Follow `show` in `channel` straight in the store, polling from `watermark`.
fn follow(store: &Store, channel: u64, show: &str, actions: &str, watermark: i64) {
    store
        .follow(NewFollow {
            slug: None,
            guild: GuildId(GUILD_ID),
            channel: ChannelId(channel),
            show: ShowRef::parse(show).expect("a valid show"),
            title: show.to_owned(),
            actions: ActionSet::parse(actions).expect("valid actions"),
            created_by: UserId(fake_discord::MODERATOR_USER_ID),
            now: unix_now(),
            start_watermark: Some(TraktTime(watermark)),
            max_per_guild: 50,
        })
        .expect("follow");
    // These tests are about one embed per activity: digests off (tests/it/digest.rs).
    let show = ShowRef::parse(show).expect("a valid show");
    store
        .set_digest(ChannelId(channel), &show, false)
        .expect("digest off");
}

/// The author names of every embed in `messages`, in order.
fn authors(messages: &[Value]) -> Vec<String> {
    messages
        .iter()
        .flat_map(|m| m["embeds"].as_array().cloned().unwrap_or_default())
        .map(|e| e["author"]["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn embed_counts(messages: &[Value]) -> Vec<usize> {
    messages
        .iter()
        .map(|m| m["embeds"].as_array().map_or(0, Vec::len))
        .collect()
}

/// The channel's embeds' authors once there are at least `n`.
async fn wait_authors(discord: &FakeDiscord, channel: u64, n: usize) -> Vec<String> {
    discord
        .wait_for(
            |s| {
                let a = authors(&s.channel_messages(channel));
                (a.len() >= n).then_some(a)
            },
            WAIT,
        )
        .await
}

/// Wait until the fake Trakt has answered `n` more requests (polls).
async fn polls(trakt: &FakeTrakt, n: usize) {
    let seen = trakt.request_count();
    eventually(&format!("{n} more Trakt requests"), WAIT, || {
        trakt.request_count() >= seen + n
    })
    .await;
}

fn nonce(r: &RecordedRequest) -> String {
    r.body["nonce"].as_str().unwrap_or_default().to_owned()
}

fn names(users: &[&str]) -> Vec<String> {
    users.iter().map(|u| (*u).to_owned()).collect()
}

fn is_message_post(r: &RecordedRequest) -> bool {
    r.method == "POST" && r.path.starts_with("/api/v10/channels/") && r.path.ends_with("/messages")
}
