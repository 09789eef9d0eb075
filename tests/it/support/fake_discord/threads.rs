//! Threads, forum and media channels in the fake Discord (added for issue
//! 13). A test registers them ([`FakeDiscord::add_forum`],
//! [`FakeDiscord::add_thread`]); then:
//! - `GET /channels/{id}` answers each with its type, flags, tags, parent,
//!   thread metadata (archived, locked) and a member overwrite allowing the
//!   bot Send Messages in Threads (minus what [`FakeDiscord::deny_bot_in`]
//!   denies it);
//! - `POST /channels/{forum}/threads` opens a post: name 1–100 characters,
//!   at most 5 applied tags, each a tag of the forum, a tag when the forum
//!   requires one (else 400, 40067), a starter message with content; the
//!   starter message is the post's first message;
//! - `POST /channels/{thread}/messages`: a deleted thread answers 404 10003,
//!   a locked one 400 160005; an archived unlocked one is unarchived, then
//!   the message is created as in any channel.
//!
//! Channels the test did not register behave as before.

use serde_json::{json, Value};

use super::objects::{self, Origin};
use super::{CommandInvocation, FakeDiscord, State, BOT_USER_ID, GUILD_ID};

/// Discord's permission to post in threads.
pub const SEND_MESSAGES_IN_THREADS: u64 = 1 << 38;
/// Channel flag: posts need a tag.
pub const REQUIRE_TAG: u64 = 1 << 4;

/// A channel the test registered: a forum (15), media channel (16), text
/// channel (0) or thread (11).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Place {
    pub kind: u8,
    pub name: String,
    pub parent: Option<u64>,
    /// `(id, name, moderated)`.
    pub tags: Vec<(u64, String, bool)>,
    pub flags: u64,
    pub archived: bool,
    pub locked: bool,
    pub deleted: bool,
    pub applied_tags: Vec<u64>,
    /// Opened by the bot (`POST /channels/{forum}/threads`).
    pub by_bot: bool,
}

impl FakeDiscord {
    /// A forum (15) or media (16) channel with these tags `(id, name)`.
    pub fn add_forum(&self, id: u64, kind: u8, tags: &[(u64, &str)], require_tag: bool) {
        let place = Place {
            kind,
            name: format!("forum-{id}"),
            tags: tags
                .iter()
                .map(|(t, n)| (*t, (*n).to_owned(), false))
                .collect(),
            flags: if require_tag { REQUIRE_TAG } else { 0 },
            ..Place::default()
        };
        self.shared.update(|s| s.places.insert(id, place));
    }

    /// A text channel whose threads the test adds.
    pub fn add_text_channel(&self, id: u64) {
        let place = Place {
            kind: 0,
            name: format!("channel-{id}"),
            ..Place::default()
        };
        self.shared.update(|s| s.places.insert(id, place));
    }

    /// A public thread of `parent`.
    pub fn add_thread(&self, id: u64, parent: u64, archived: bool, locked: bool) {
        let place = Place {
            kind: 11,
            name: format!("thread-{id}"),
            parent: Some(parent),
            archived,
            locked,
            ..Place::default()
        };
        self.shared.update(|s| s.places.insert(id, place));
    }

    /// Change a registered channel (lock, archive, delete a thread, …).
    pub fn edit_place(&self, id: u64, f: impl FnOnce(&mut Place)) {
        self.shared.update(|s| {
            if let Some(place) = s.places.get_mut(&id) {
                f(place);
            }
        });
    }

    /// A registered channel as it is now.
    pub fn place(&self, id: u64) -> Option<Place> {
        self.shared.lock().places.get(&id).cloned()
    }

    /// The posts opened in `forum` (deleted ones too), by id.
    pub fn posts_in(&self, forum: u64) -> Vec<(u64, Place)> {
        let state = self.shared.lock();
        state
            .places
            .iter()
            .filter(|(_, p)| p.parent == Some(forum) && p.by_bot)
            .map(|(id, p)| (*id, p.clone()))
            .collect()
    }
}

impl CommandInvocation {
    /// A `channel` option naming a thread of `parent`, with its metadata.
    pub fn thread_option(mut self, name: &str, id: u64, parent: u64, locked: bool) -> Self {
        self.options
            .push((name.to_owned(), Value::String(id.to_string())));
        let channel = json!({
            "id": id.to_string(),
            "type": 11,
            "name": format!("thread-{id}"),
            "permissions": self.member.permissions.to_string(),
            "parent_id": parent.to_string(),
            "thread_metadata": metadata(false, locked),
        });
        self.resolved.push((name.to_owned(), 7, channel));
        self
    }
}

fn metadata(archived: bool, locked: bool) -> Value {
    json!({
        "archived": archived, "locked": locked, "auto_archive_duration": 1440,
        "archive_timestamp": objects::now(), "create_timestamp": objects::now(),
    })
}

/// A registered channel as `GET /channels/{id}` returns it.
pub(super) fn channel_object(state: &State, id: u64, place: &Place) -> Value {
    let deny = state.bot_denied.get(&id).copied().unwrap_or(0);
    let mut channel = json!({
        "id": id.to_string(), "type": place.kind, "guild_id": GUILD_ID.to_string(),
        "name": place.name, "position": 1,
        "parent_id": place.parent.map(|p| p.to_string()),
        "permission_overwrites": [{"id": BOT_USER_ID.to_string(), "type": 1,
            "allow": (SEND_MESSAGES_IN_THREADS & !deny).to_string(), "deny": deny.to_string()}],
        "nsfw": false, "topic": null, "last_message_id": null,
        "rate_limit_per_user": 0, "flags": place.flags,
    });
    if place.kind == 15 || place.kind == 16 {
        channel["available_tags"] = place
            .tags
            .iter()
            .map(|(t, n, m)| {
                json!({"id": t.to_string(), "name": n, "moderated": m,
                                    "emoji_id": null, "emoji_name": null})
            })
            .collect();
    }
    if place.kind == 11 {
        channel["thread_metadata"] = metadata(place.archived, place.locked);
        channel["owner_id"] = json!(BOT_USER_ID.to_string());
        channel["applied_tags"] = json!(place
            .applied_tags
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>());
        channel["message_count"] = json!(0);
        channel["member_count"] = json!(1);
        channel["total_message_sent"] = json!(0);
    }
    channel
}

/// The answer for a request about a registered channel, `None` when the
/// request is not about one (the usual routes answer it).
pub(super) fn route(
    state: &mut State,
    method: &str,
    segments: &[&str],
    body: &Value,
) -> Option<(u16, Value)> {
    let id: u64 = match segments {
        ["channels", id, ..] => id.parse().ok()?,
        _ => return None,
    };
    let place = state.places.get(&id)?.clone();
    let unknown = || (404, json!({"code": 10003, "message": "Unknown Channel"}));
    if place.deleted {
        return Some(unknown());
    }
    match (method, &segments[2..]) {
        ("GET", []) => Some((200, channel_object(state, id, &place))),
        ("POST", ["threads"]) => Some(open_post(state, id, &place, body)),
        ("POST", ["messages"]) if place.kind == 11 => {
            if place.locked {
                return Some((400, json!({"code": 160005, "message": "Thread is locked"})));
            }
            if let Some(p) = state.places.get_mut(&id) {
                p.archived = false;
            }
            None
        }
        _ => None,
    }
}

fn refuse(code: u32, message: &str) -> (u16, Value) {
    (400, json!({"code": code, "message": message}))
}

fn open_post(state: &mut State, forum: u64, place: &Place, body: &Value) -> (u16, Value) {
    if place.kind != 15 && place.kind != 16 {
        return refuse(50024, "Cannot execute action on this channel type");
    }
    let name = body["name"].as_str().unwrap_or_default();
    if name.is_empty() || name.chars().count() > 100 {
        return refuse(50035, "Invalid Form Body (name)");
    }
    let tags: Vec<u64> = body["applied_tags"]
        .as_array()
        .map(|a| a.iter().filter_map(|t| t.as_str()?.parse().ok()).collect())
        .unwrap_or_default();
    if tags.len() > 5
        || tags
            .iter()
            .any(|t| !place.tags.iter().any(|(id, _, _)| id == t))
    {
        return refuse(50035, "Invalid Form Body (applied_tags)");
    }
    if tags.is_empty() && place.flags & REQUIRE_TAG != 0 {
        return refuse(
            40067,
            "A tag is required to create a forum post in this channel",
        );
    }
    let starter = &body["message"];
    if starter["content"].as_str().unwrap_or_default().is_empty() {
        return refuse(50006, "Cannot send an empty message");
    }
    let id = state.new_id();
    let thread = Place {
        kind: 11,
        name: name.to_owned(),
        parent: Some(forum),
        applied_tags: tags,
        by_bot: true,
        ..Place::default()
    };
    let message = objects::message(id, id, starter, Origin::Channel);
    state.channels.entry(id).or_default().push(message);
    state.places.insert(id, thread.clone());
    (201, channel_object(state, id, &thread))
}
