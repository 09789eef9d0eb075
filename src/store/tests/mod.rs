//! Unit tests of the store, each on its own temporary database: shared
//! helpers here, the tests by concern in the submodules.

use super::schema::SCHEMA_KEY;
use super::*;
use crate::activity::Activity;
use crate::ids::UserId;
use crate::ids::{ChannelId, GuildId, OutboxId};
use crate::trakt::{ActionSet, TraktTime};
use crate::trakt::{ActivityKey, ShowRef};
use tempfile::TempDir;

mod digest;
mod followers;
mod import;
mod import_users;
mod migration;
mod outbox;
mod pause;
mod pings;
mod poll;
mod schedule;
mod schema;
mod status;
mod subs;
mod user_commands;
mod users;

pub(super) fn open(dir: &TempDir) -> Store {
    Store::open(&dir.path().join("db"), 4).unwrap()
}

pub(super) fn slug(s: &str) -> ShowRef {
    ShowRef::parse(s).unwrap()
}

pub(super) fn actions(s: &str) -> ActionSet {
    ActionSet::parse(s).unwrap()
}

/// An episode activity of `show` with a Trakt id (so its key is `episode:{id}`).
pub(super) fn activity(id: u64, ts: i64, action: &str, show: &str) -> Activity {
    let v1: crate::trakt::Activity = serde_json::from_str(&format!(
        r#"{{"id":{id},"timestamp":{ts},"type":"episode","action":"{action}",
            "user":{{"username":"u"}},
            "show":{{"title":"T","url":"https://trakt.tv/show/{show}"}},
            "episode":{{"season":1,"number":{id}}}}}"#
    ))
    .unwrap();
    Activity::from(v1)
}

/// The Trakt id in an `episode:{id}` key.
pub(super) fn id_of(a: &Activity) -> u64 {
    a.key.0.strip_prefix("episode:").unwrap().parse().unwrap()
}

pub(super) fn new_follow(guild: u64, channel: u64, show: &str, acts: &str) -> NewFollow {
    NewFollow {
        slug: None,
        guild: GuildId(guild),
        channel: ChannelId(channel),
        show: slug(show),
        title: format!("Title of {show}"),
        actions: actions(acts),
        created_by: UserId(9),
        now: 1_000,
        start_watermark: None,
        max_per_guild: 50,
    }
}

pub(super) fn follow(
    store: &Store,
    guild: u64,
    channel: u64,
    show: &str,
    acts: &str,
) -> FollowOutcome {
    store
        .follow(new_follow(guild, channel, show, acts))
        .unwrap()
}

pub(super) fn item(show: &str, a: Activity, channels: &[u64]) -> PollItem {
    PollItem {
        show: slug(show),
        activity: a,
        channels: channels.iter().map(|c| ChannelId(*c)).collect(),
    }
}

pub(super) fn commit(
    store: &Store,
    items: Vec<PollItem>,
    watermarks: &[(&str, i64)],
    now: i64,
) -> CommitStats {
    store
        .commit_poll(PollCommit {
            feeds: Vec::new(),
            marks: Vec::new(),
            watermarks: watermarks
                .iter()
                .map(|(s, t)| (slug(s), TraktTime(*t)))
                .collect(),
            items,
            now,
            ..Default::default()
        })
        .unwrap()
}

pub(super) fn pending_ids(store: &Store, channel: u64) -> Vec<u64> {
    store
        .pending(ChannelId(channel), usize::MAX)
        .unwrap()
        .iter()
        .map(|e| id_of(&e.activity))
        .collect()
}

/// Everything a commit can touch, to compare before and after a failed one.
pub(super) fn snapshot(store: &Store) -> Vec<Vec<(Vec<u8>, Vec<u8>)>> {
    store
        .trees
        .iter()
        .map(|t| {
            t.iter()
                .map(|kv| {
                    let (k, v) = kv.unwrap();
                    (k.to_vec(), v.to_vec())
                })
                .collect()
        })
        .collect()
}

pub(super) fn sub_of(channel: u64, show: &str, acts: &str, state: SubState) -> Subscription {
    Subscription {
        slug: None,
        guild: GuildId(1),
        channel: ChannelId(channel),
        show: slug(show),
        title: format!("Title of {show}"),
        actions: actions(acts),
        created_by: UserId(9),
        created_at: 5,
        state,
        since: None,
        delivery: Default::default(),
        digest: true,
        digest_window: None,
    }
}
