//! The guild as the bot may fetch it to compute its permissions in another
//! channel: `GET /channels/{id}` (a text channel of the test guild, with a
//! member overwrite for the bot when a test denied it something),
//! `GET /guilds/{id}/roles` (@everyone with [`BOT_PERMISSIONS`]) and
//! `GET /guilds/{id}/members/{bot}` (no roles).

use serde_json::{json, Value};

use super::objects;
use super::{Member, State, BOT_PERMISSIONS, BOT_USER_ID, GUILD_ID};

/// The answer to one of those routes, `None` for an unknown id.
pub(super) fn get(state: &State, segments: &[&str]) -> Option<Value> {
    match segments {
        ["channels", id] => {
            let id: u64 = id.parse().ok()?;
            let overwrites = match state.bot_denied.get(&id) {
                Some(deny) => vec![json!({"id": BOT_USER_ID.to_string(), "type": 1,
                                          "allow": "0", "deny": deny.to_string()})],
                None => Vec::new(),
            };
            Some(json!({
                "id": id.to_string(), "type": 0, "guild_id": GUILD_ID.to_string(),
                "name": format!("channel-{id}"), "position": 1, "parent_id": null,
                "permission_overwrites": overwrites, "nsfw": false, "topic": null,
                "last_message_id": null, "rate_limit_per_user": 0, "flags": 0,
            }))
        }
        ["guilds", guild, "roles"] if *guild == GUILD_ID.to_string() => {
            let mut everyone = objects::role(GUILD_ID, true);
            everyone["permissions"] = json!(BOT_PERMISSIONS.to_string());
            Some(json!([everyone]))
        }
        ["guilds", guild, "members", user]
            if *guild == GUILD_ID.to_string() && *user == BOT_USER_ID.to_string() =>
        {
            let mut bot = objects::member(&Member {
                user_id: BOT_USER_ID,
                username: "herald".to_owned(),
                permissions: 0,
            });
            bot["user"]["bot"] = json!(true);
            Some(bot)
        }
        _ => None,
    }
}
