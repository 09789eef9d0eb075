//! Pure: the alert the bot posts in a server's alerts channel when delivery
//! had to disable a channel's follows: which channel, why, and what to do.

use super::embed::Embed;
use super::pack::{fit_nonce, CreateMessage, Message};

/// Amber, as a warning.
const ALERT_COLOR: u32 = 0xF0_A0_20;

/// Why delivery stopped posting in a channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DisabledBecause {
    /// 403: the bot lost a permission there.
    Forbidden,
    /// 404: the channel is gone.
    Gone,
    /// The thread (or a forum's post) was locked.
    Locked,
    /// Discord refused to open the show's post in a forum (e.g. a required tag).
    PostRefused,
}

/// The alert that `channel` (a Discord channel id) had its `follows` follows
/// disabled at unix second `since`, as a create-message body (mentions
/// disabled). Its nonce derives from the channel and the time, so a retry of
/// the same alert is not posted twice.
pub fn channel_disabled(
    channel: u64,
    because: DisabledBecause,
    follows: usize,
    since: i64,
) -> CreateMessage {
    let plural = if follows == 1 { "follow" } else { "follows" };
    let (why, todo) = match because {
        DisabledBecause::Forbidden => (
            "Discord refused my post there: I lack a permission (View Channel, Send Messages, Embed Links).",
            "Give me those permissions in that channel, then use /follow there again: its follows resume from that moment (what happened meanwhile is not posted).",
        ),
        DisabledBecause::Gone => (
            "The channel no longer exists.",
            "To keep following these shows, use /follow in another channel.",
        ),
        DisabledBecause::PostRefused => (
            "Discord refused to open the show's post in that forum (it requires a tag I cannot use, or refused the post).",
            "Create a tag named Trakt (not moderated) there, then use /follow there again.",
        ),
        DisabledBecause::Locked => (
            "The thread I post in there was locked: Discord lets only moderators post in a locked thread.",
            "Unlock it, then use /follow there again: its follows resume from that moment (what happened meanwhile is not posted).",
        ),
    };
    let embed = Embed {
        title: Some("⚠️ I stopped posting in a channel".to_owned()),
        description: Some(format!(
            "I disabled the {follows} {plural} of <#{channel}>.\n\n**Why:** {why}\n\n**What to do:** {todo}\n\n/follows in that channel lists them."
        )),
        color: Some(ALERT_COLOR),
        ..Embed::default()
    };
    let message = Message {
        embeds: vec![embed],
    };
    message.to_request(Some(fit_nonce(&format!("alert:{channel}:{since}"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_alert_names_the_channel_the_reason_and_the_remedy() {
        let body = serde_json::to_value(channel_disabled(42, DisabledBecause::Forbidden, 2, 7))
            .expect("json");
        let text = body["embeds"][0]["description"].as_str().expect("text");
        assert!(
            text.contains("<#42>") && text.contains("2 follows"),
            "{text}"
        );
        assert!(
            text.contains("permission") && text.contains("/follow"),
            "{text}"
        );
        assert_eq!(body["allowed_mentions"], serde_json::json!({"parse": []}));
        assert_eq!(body["enforce_nonce"], true);
        let again = serde_json::to_value(channel_disabled(42, DisabledBecause::Forbidden, 2, 7))
            .expect("json");
        assert_eq!(
            body["nonce"], again["nonce"],
            "a retry carries the same nonce"
        );
        let gone =
            serde_json::to_value(channel_disabled(42, DisabledBecause::Gone, 1, 8)).expect("json");
        let text = gone["embeds"][0]["description"].as_str().expect("text");
        assert!(
            text.contains("1 follow ") && text.contains("no longer exists"),
            "{text}"
        );
        assert_ne!(gone["nonce"], body["nonce"]);
        let locked = serde_json::to_value(channel_disabled(42, DisabledBecause::Locked, 1, 9))
            .expect("json");
        let text = locked["embeds"][0]["description"].as_str().expect("text");
        assert!(text.contains("locked") && text.contains("Unlock"), "{text}");
    }
}
