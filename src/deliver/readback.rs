//! The content match behind "exactly once" beyond Discord's nonce memory: is
//! the batch we are about to resend already among the channel's recent
//! messages? Pure: our rendered embeds against the messages Discord returned.
//!
//! Discord does not return the nonce when messages are read back, so the match
//! is on content: a plain message (type 0) by the bot whose embeds are, one by
//! one and in order, the embeds we sent. Discord normalises what it stores (it
//! adds `type: "rich"`, `content_scan_version`, `proxy_url`/`width`/`height`
//! on images, writes timestamps as `+00:00`, omits `inline: false`…), so only
//! the fields we set are compared, each normalised: strings trimmed, numbers
//! by value, timestamps as instants, a missing field equal to our default.
//!
//! The window: the newest [`READ_BACK_LIMIT`] messages. A channel has at most
//! one delivery in flight, so if the batch was posted it is the newest
//! delivery there; the limit leaves room for chatter posted after it.

use serde_json::Value;

use crate::discord::rest::PostedMessage;
use crate::format::Embed;
use crate::ids::UserId;

/// How many of the channel's newest messages are checked.
pub const READ_BACK_LIMIT: u8 = 50;

/// Discord's type for a plain channel message.
const DEFAULT_MESSAGE: u8 = 0;

/// True when one of `recent` (newest first) is the bot's message with exactly
/// the embeds `sent`.
pub fn already_posted(sent: &[Embed], recent: &[PostedMessage], bot: UserId) -> bool {
    let ours: Vec<Value> = sent
        .iter()
        .filter_map(|e| serde_json::to_value(e).ok())
        .collect();
    if ours.is_empty() || ours.len() != sent.len() {
        return false;
    }
    recent
        .iter()
        .filter(|m| m.author.id == bot && m.kind == DEFAULT_MESSAGE)
        .any(|m| {
            m.embeds.len() == ours.len()
                && ours
                    .iter()
                    .zip(&m.embeds)
                    .all(|(o, t)| matches(None, o, Some(t)))
        })
}

/// Does Discord's `theirs` hold what we set in `ours`? `key` is the field name.
fn matches(key: Option<&str>, ours: &Value, theirs: Option<&Value>) -> bool {
    let theirs = match theirs {
        None | Some(Value::Null) => return is_default(ours),
        Some(t) => t,
    };
    match (ours, theirs) {
        (Value::Object(o), Value::Object(t)) => o
            .iter()
            .all(|(k, v)| matches(Some(k.as_str()), v, t.get(k))),
        (Value::Array(o), Value::Array(t)) => {
            o.len() == t.len() && o.iter().zip(t).all(|(a, b)| matches(key, a, Some(b)))
        }
        (Value::String(o), Value::String(t)) if key == Some("timestamp") => same_instant(o, t),
        (Value::String(o), Value::String(t)) => o.trim() == t.trim(),
        (Value::Number(o), Value::Number(t)) => o.as_f64() == t.as_f64(),
        (o, t) => o == t,
    }
}

/// What Discord leaves out when we sent it: `false`, `""`, `[]`, `{}`, null.
fn is_default(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.values().all(is_default),
        Value::Number(_) => false,
    }
}

/// RFC 3339 timestamps naming the same instant (`Z` vs `+00:00`, fractions).
fn same_instant(a: &str, b: &str) -> bool {
    match (
        serenity::model::Timestamp::parse(a),
        serenity::model::Timestamp::parse(b),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{EmbedAuthor, EmbedField, EmbedFooter, EmbedMedia};

    const BOT: UserId = UserId(1_100_000_000_000_000_002);

    fn embed(user: &str) -> Embed {
        Embed {
            title: Some("The Walking Dead 5x03 · Four Walls and a Roof".into()),
            description: Some(format!("**{user}** watched it  ")),
            url: Some("https://trakt.tv/shows/the-walking-dead/seasons/5/episodes/3".into()),
            color: Some(0x2E_CC71),
            timestamp: Some("2013-11-18T19:00:00Z".into()),
            author: Some(EmbedAuthor {
                name: user.into(),
                url: Some(format!("https://trakt.tv/users/{user}")),
                icon_url: None,
            }),
            thumbnail: Some(EmbedMedia {
                url: "https://walter.trakt.tv/images/shows/000/001/393/posters/thumb/a.jpg".into(),
            }),
            fields: vec![EmbedField {
                name: "Rating".into(),
                value: "9/10".into(),
                inline: false,
            }],
            footer: Some(EmbedFooter {
                text: "Trakt".into(),
                icon_url: None,
            }),
        }
    }

    /// A message as Discord returns it from `GET /channels/{id}/messages`
    /// (MessageResponse with MessageEmbedResponse), for the embed of `user`.
    fn discord_message(author: u64, kind: u8, users: &[&str]) -> PostedMessage {
        let embeds: Vec<Value> = users
            .iter()
            .map(|user| {
                serde_json::json!({
                    "type": "rich",
                    "url": "https://trakt.tv/shows/the-walking-dead/seasons/5/episodes/3",
                    "title": "The Walking Dead 5x03 · Four Walls and a Roof",
                    "description": format!("**{user}** watched it"),
                    "color": 3_066_993,
                    "timestamp": "2013-11-18T19:00:00+00:00",
                    "fields": [{ "name": "Rating", "value": "9/10", "inline": false }],
                    "author": { "name": user, "url": format!("https://trakt.tv/users/{user}") },
                    "thumbnail": {
                        "url": "https://walter.trakt.tv/images/shows/000/001/393/posters/thumb/a.jpg",
                        "proxy_url": "https://images-ext-1.discordapp.net/external/x/a.jpg",
                        "width": 300, "height": 450,
                        "content_type": "image/jpeg", "placeholder": "abc", "placeholder_version": 1,
                        "flags": 0
                    },
                    "footer": { "text": "Trakt" },
                    "content_scan_version": 2
                })
            })
            .collect();
        let json = serde_json::json!({
            "type": kind,
            "id": "1200000000000000007",
            "channel_id": "1100000000000000020",
            "author": { "id": author.to_string(), "username": "trakt-herald", "discriminator": "0",
                        "global_name": null, "avatar": null, "bot": true },
            "content": "",
            "mentions": [], "mention_roles": [], "attachments": [],
            "embeds": embeds,
            "timestamp": "2024-05-01T10:00:00.123000+00:00",
            "edited_timestamp": null,
            "flags": 0, "components": [], "pinned": false, "mention_everyone": false, "tts": false
        });
        serde_json::from_value(json).expect("MessageResponse")
    }

    #[test]
    fn a_normalised_copy_of_the_batch_counts_as_posted() {
        let sent = vec![embed("alice"), embed("bob")];
        let recent = vec![
            discord_message(42, 0, &["someone else"]),
            discord_message(BOT.0, 0, &["alice", "bob"]),
        ];
        assert!(already_posted(&sent, &recent, BOT));
    }

    #[test]
    fn different_content_order_or_count_is_not_posted() {
        let sent = vec![embed("alice"), embed("bob")];
        for users in [
            &["alice"][..],
            &["bob", "alice"],
            &["alice", "bob", "carol"],
        ] {
            let recent = vec![discord_message(BOT.0, 0, users)];
            assert!(!already_posted(&sent, &recent, BOT), "{users:?}");
        }
        let mut other_time = embed("alice");
        other_time.timestamp = Some("2013-11-18T19:00:01Z".into());
        let recent = vec![discord_message(BOT.0, 0, &["alice"])];
        assert!(!already_posted(&[other_time], &recent, BOT));
    }

    #[test]
    fn only_the_bots_plain_messages_count() {
        let sent = vec![embed("alice")];
        let by_someone = vec![discord_message(42, 0, &["alice"])];
        assert!(!already_posted(&sent, &by_someone, BOT));
        let command_reply = vec![discord_message(BOT.0, 20, &["alice"])];
        assert!(!already_posted(&sent, &command_reply, BOT));
        assert!(!already_posted(&[], &[discord_message(BOT.0, 0, &[])], BOT));
    }

    #[test]
    fn normalisation_rules() {
        assert!(same_instant(
            "2013-11-18T19:00:00Z",
            "2013-11-18T19:00:00+00:00"
        ));
        assert!(same_instant(
            "2013-11-18T19:00:00.000Z",
            "2013-11-18T19:00:00+00:00"
        ));
        assert!(!same_instant(
            "2013-11-18T19:00:00Z",
            "2013-11-18T19:00:01+00:00"
        ));
        // A field Discord drops because it is our default still matches.
        let ours = serde_json::json!({ "name": "a", "value": "b", "inline": false });
        let theirs = serde_json::json!({ "name": "a", "value": "b" });
        assert!(matches(None, &ours, Some(&theirs)));
        let inline = serde_json::json!({ "name": "a", "value": "b", "inline": true });
        assert!(!matches(None, &inline, Some(&theirs)));
    }
}
