//! The JSON objects the fake Discord hands out (users, members, messages,
//! commands, the application, READY, interactions), each with every field
//! serenity 0.12.5 and poise 0.7.1 require, and a check that serenity's own
//! models can read them: a dispatch serenity cannot read is dropped silently.

use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use super::{CommandInvocation, Member, APP_ID, BOT_USER_ID, GUILD_ID, OWNER_USER_ID};

/// Discord's "guild text" and "DM" channel types.
const DM: u8 = 1;
/// Message types: a plain message and a reply to a slash command.
const DEFAULT_MESSAGE: u8 = 0;
const CHAT_INPUT_COMMAND: u8 = 20;
/// Ten MiB, what Discord reports for a guild without boosts.
const ATTACHMENT_SIZE_LIMIT: u64 = 10 * 1024 * 1024;

/// Reads `value` as serenity's `T`, naming `what` in the error.
pub fn check_shape<T: DeserializeOwned>(what: &str, value: &Value) -> Result<(), String> {
    serde_json::from_value::<T>(value.clone())
        .map(drop)
        .map_err(|e| format!("fake_discord: serenity cannot read the {what} it built: {e}"))
}

/// The current time as Discord writes it.
pub fn now() -> String {
    humantime::format_rfc3339_micros(std::time::SystemTime::now()).to_string()
}

/// A user object.
pub fn user(id: u64, username: &str, bot: bool) -> Value {
    json!({
        "id": id.to_string(),
        "username": username,
        "discriminator": "0",
        "global_name": null,
        "avatar": null,
        "bot": bot,
        "system": false,
        "flags": 0,
        "public_flags": 0,
    })
}

/// The bot's own user.
pub fn bot_user() -> Value {
    user(BOT_USER_ID, "trakt-herald", true)
}

/// A guild member object as sent inside an interaction (with `permissions`).
pub fn member(member: &Member) -> Value {
    json!({
        "user": user(member.user_id, &member.username, false),
        "nick": null,
        "avatar": null,
        "banner": null,
        "roles": [],
        "joined_at": "2024-01-01T00:00:00.000000+00:00",
        "premium_since": null,
        "deaf": false,
        "mute": false,
        "flags": 0,
        "pending": false,
        "permissions": member.permissions.to_string(),
        "communication_disabled_until": null,
        "unusual_dm_activity_until": null,
    })
}

/// `GET /oauth2/applications/@me`.
pub fn application() -> Value {
    json!({
        "id": APP_ID.to_string(),
        "name": "trakt-herald",
        "icon": null,
        "description": "",
        "rpc_origins": [],
        "bot_public": true,
        "bot_require_code_grant": false,
        "bot": bot_user(),
        "owner": user(OWNER_USER_ID, "owner", false),
        "verify_key": "0".repeat(64),
        "team": null,
        "flags": 0,
        "tags": [],
        "redirect_uris": [],
        "interactions_endpoint_url": null,
        "role_connections_verification_url": null,
        "approximate_guild_count": 1,
    })
}

/// `GET /gateway/bot`.
pub fn gateway_bot(url: &str, shards: u64) -> Value {
    json!({
        "url": url,
        "shards": shards,
        "session_start_limit": { "total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1 },
    })
}

/// The READY dispatch's `d`.
pub fn ready(session_id: &str, resume_url: &str, shard: &Value) -> Value {
    json!({
        "v": 10,
        "user": bot_user(),
        "guilds": [{ "id": GUILD_ID.to_string(), "unavailable": true }],
        "session_id": session_id,
        "resume_gateway_url": resume_url,
        "shard": shard,
        "application": { "id": APP_ID.to_string(), "flags": 0 },
        "private_channels": [],
        "relationships": [],
        "presences": [],
        "guild_join_requests": [],
        "geo_ordered_rtc_regions": [],
        "user_settings": {},
        "_trace": ["fake-discord"],
    })
}

/// How a created message came to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// `POST /channels/{id}/messages`.
    Channel,
    /// An interaction reply or followup (sent through the app's webhook).
    Interaction,
}

/// Embeds as Discord echoes them: each gains `type: rich`.
fn embeds_of(body: &Value) -> Vec<Value> {
    body.get("embeds")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|embed| {
                    let mut embed = embed.clone();
                    if let Some(map) = embed.as_object_mut() {
                        map.entry("type").or_insert_with(|| json!("rich"));
                    }
                    embed
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A full message object built from a create body.
pub fn message(id: u64, channel_id: u64, body: &Value, origin: Origin) -> Value {
    let webhook = origin == Origin::Interaction;
    let mut message = json!({
        "id": id.to_string(),
        "channel_id": channel_id.to_string(),
        "author": if webhook { user(APP_ID, "trakt-herald", true) } else { bot_user() },
        "content": body.get("content").and_then(Value::as_str).unwrap_or(""),
        "timestamp": now(),
        "edited_timestamp": null,
        "tts": body.get("tts").and_then(Value::as_bool).unwrap_or(false),
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "mention_channels": [],
        "attachments": [],
        "embeds": embeds_of(body),
        "reactions": [],
        "pinned": false,
        "type": if webhook { CHAT_INPUT_COMMAND } else { DEFAULT_MESSAGE },
        "flags": body.get("flags").and_then(Value::as_u64).unwrap_or(0),
        "components": body
            .get("components")
            .filter(|c| c.is_array())
            .cloned()
            .unwrap_or_else(|| json!([])),
        "sticker_items": [],
    });
    if let Some(map) = message.as_object_mut() {
        if webhook {
            map.insert("webhook_id".to_owned(), json!(APP_ID.to_string()));
            map.insert("application_id".to_owned(), json!(APP_ID.to_string()));
        }
        if let Some(nonce) = body.get("nonce").filter(|n| !n.is_null()) {
            map.insert("nonce".to_owned(), nonce.clone());
        }
    }
    message
}

/// Applies an edit body to a stored message, as Discord does.
pub fn apply_edit(message: &mut Value, edit: &Value) {
    let Some(map) = message.as_object_mut() else {
        return;
    };
    if let Some(content) = edit.get("content") {
        map.insert(
            "content".to_owned(),
            json!(content.as_str().unwrap_or_default()),
        );
    }
    if edit.get("embeds").is_some() {
        map.insert("embeds".to_owned(), json!(embeds_of(edit)));
    }
    if let Some(flags) = edit.get("flags").and_then(Value::as_u64) {
        map.insert("flags".to_owned(), json!(flags));
    }
    map.insert("edited_timestamp".to_owned(), json!(now()));
}

/// One registered command as Discord answers a bulk overwrite.
pub fn command(request: &Value, id: u64, guild_id: Option<u64>) -> Value {
    let mut command = request.clone();
    if let Some(map) = command.as_object_mut() {
        map.insert("id".to_owned(), json!(id.to_string()));
        map.insert("application_id".to_owned(), json!(APP_ID.to_string()));
        map.insert("version".to_owned(), json!(id.to_string()));
        map.entry("type").or_insert_with(|| json!(1));
        map.entry("description").or_insert_with(|| json!(""));
        map.entry("default_member_permissions")
            .or_insert(Value::Null);
        map.entry("nsfw").or_insert_with(|| json!(false));
        if let Some(guild_id) = guild_id {
            map.insert("guild_id".to_owned(), json!(guild_id.to_string()));
        }
    }
    command
}

/// The Discord option type for an option value: string 3, integer 4,
/// boolean 5, number 10.
pub fn option_type(value: &Value) -> u8 {
    match value {
        Value::String(_) => 3,
        Value::Number(n) if n.is_i64() || n.is_u64() => 4,
        Value::Number(_) => 10,
        Value::Bool(_) => 5,
        other => panic!("fake_discord: unsupported option value {other} (use a string, integer, number or bool)"),
    }
}

/// What the fake knows when it builds an interaction.
pub struct InteractionSpec<'a> {
    pub id: u64,
    pub token: &'a str,
    /// 2 = application command, 4 = autocomplete.
    pub kind: u8,
    pub command_id: u64,
    /// Set when the command was registered in this guild.
    pub command_guild: Option<u64>,
    pub invocation: &'a CommandInvocation,
    /// The option that has the focus (autocomplete only).
    pub focused: Option<&'a str>,
}

/// An INTERACTION_CREATE dispatch's `d`.
pub fn interaction(spec: &InteractionSpec<'_>) -> Value {
    let inv = spec.invocation;
    let options: Vec<Value> = inv
        .options
        .iter()
        .map(|(name, value)| {
            let kind = inv
                .resolved
                .iter()
                .find(|(n, _, _)| n == name)
                .map_or_else(|| option_type(value), |(_, k, _)| *k);
            let mut option = json!({ "name": name, "type": kind, "value": value });
            if spec.focused == Some(name.as_str()) {
                option["focused"] = json!(true);
            }
            option
        })
        .collect();
    let mut data = json!({
        "id": spec.command_id.to_string(),
        "name": inv.name,
        "type": 1,
        "options": options,
    });
    if let Some(guild_id) = spec.command_guild {
        data["guild_id"] = json!(guild_id.to_string());
    }
    let mut resolved = json!({});
    for (_, kind, object) in &inv.resolved {
        let (field, id) = (if *kind == 7 { "channels" } else { "roles" }, &object["id"]);
        let id = id.as_str().unwrap_or_default().to_owned();
        resolved[field][id] = object.clone();
    }
    if !inv.resolved.is_empty() {
        data["resolved"] = resolved;
    }
    let mut interaction = json!({
        "id": spec.id.to_string(),
        "application_id": APP_ID.to_string(),
        "type": spec.kind,
        "data": data,
        "channel_id": inv.channel_id.to_string(),
        "token": spec.token,
        "version": 1,
        "app_permissions": inv.app_permissions.to_string(),
        "locale": "en-US",
        "entitlements": [],
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    });
    let user = user(inv.member.user_id, &inv.member.username, false);
    if inv.in_dm {
        interaction["user"] = user.clone();
        interaction["channel"] = json!({
            "id": inv.channel_id.to_string(),
            "type": DM,
            "recipients": [user],
        });
        interaction["context"] = json!(1);
        interaction["authorizing_integration_owners"] = json!({ "0": "0" });
    } else {
        interaction["guild_id"] = json!(GUILD_ID.to_string());
        interaction["guild_locale"] = json!("en-US");
        interaction["member"] = member(&inv.member);
        interaction["channel"] = json!({
            "id": inv.channel_id.to_string(),
            "type": inv.channel_kind,
            "name": "general",
            "guild_id": GUILD_ID.to_string(),
            "permissions": inv.member.permissions.to_string(),
            "parent_id": null,
        });
        interaction["context"] = json!(0);
        interaction["authorizing_integration_owners"] = json!({ "0": GUILD_ID.to_string() });
    }
    interaction
}

/// A guild role as Discord sends it (`resolved.roles`, `GET /guilds/{id}/roles`).
pub fn role(id: u64, mentionable: bool) -> Value {
    json!({
        "id": id.to_string(),
        "name": format!("role-{id}"),
        "color": 0,
        "colors": { "primary_color": 0, "secondary_color": null, "tertiary_color": null },
        "hoist": false,
        "icon": null,
        "unicode_emoji": null,
        "position": 1,
        "permissions": "0",
        "managed": false,
        "mentionable": mentionable,
        "flags": 0,
    })
}
