//! Pure: the alert about one followed show (`crate::store::Notice`): failing
//! for over an hour, gone from Trakt, or polled again after an alerted
//! failure. Posted in the server's alerts channel naming the channels that
//! follow it, or in each of those channels when there is no alerts channel.

use super::embed::Embed;
use super::escape_markdown;
use super::pack::{fit_nonce, CreateMessage, Message};
use crate::store::NoticeKind;

/// Amber for trouble, green for a recovery.
const TROUBLE_COLOR: u32 = 0xF0_A0_20;
const RECOVERED_COLOR: u32 = 0x2E_CC_71;

/// The alert for notice `id` about the show `title` (`handle`: its slug or
/// stored form), followed in `channels`, posted in `target`. The nonce comes
/// from the notice and the target, so a retry is not posted twice.
pub fn show_notice(
    id: u64,
    title: &str,
    handle: &str,
    kind: &NoticeKind,
    channels: &[u64],
    target: u64,
) -> CreateMessage {
    let show = format!(
        "**{}** (`{}`)",
        escape_markdown(title),
        handle.replace('`', "'")
    );
    let places = channels
        .iter()
        .map(|c| format!("<#{c}>"))
        .collect::<Vec<_>>()
        .join(", ");
    let (heading, text, color) = match kind {
        NoticeKind::Failing { since, error } => (
            "⚠️ A followed show keeps failing",
            format!(
                "I have not been able to read {show} from Trakt since <t:{since}:R>, so nothing new of it is posted in {places}.\n\n**Last error:** {}\n\nI keep trying (at most an hour apart) and say so here when it works again. /status shows the details.",
                escape_markdown(error)
            ),
            TROUBLE_COLOR,
        ),
        NoticeKind::Gone => (
            "⚠️ A followed show is gone from Trakt",
            format!(
                "Trakt no longer knows {show}, which {places} follow{s}: nothing more can be posted for it.\n\n**What to do:** /unfollow it there, or /follow the show's new Trakt address if it moved.",
                s = if channels.len() == 1 { "s" } else { "" }
            ),
            TROUBLE_COLOR,
        ),
        NoticeKind::Recovered { since } => (
            "✅ A followed show works again",
            format!(
                "{show} is read from Trakt again (it was failing since <t:{since}:R>): its activity is posted in {places} as before."
            ),
            RECOVERED_COLOR,
        ),
    };
    let embed = Embed {
        title: Some(heading.to_owned()),
        description: Some(text),
        color: Some(color),
        ..Embed::default()
    };
    Message {
        embeds: vec![embed],
    }
    .to_request(Some(fit_nonce(&format!("n{id:x}.{target:x}"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(kind: &NoticeKind, channels: &[u64]) -> String {
        let body = serde_json::to_value(show_notice(9, "Lost *x*", "lost", kind, channels, 5))
            .expect("json");
        assert_eq!(body["allowed_mentions"], serde_json::json!({"parse": []}));
        body["embeds"][0]["description"]
            .as_str()
            .expect("text")
            .to_owned()
    }

    #[test]
    fn each_notice_names_the_show_the_channels_and_what_to_do() {
        let failing = NoticeKind::Failing {
            since: 100,
            error: "Trakt is unavailable (HTTP 502)".into(),
        };
        let t = text(&failing, &[1, 2]);
        assert!(t.contains("**Lost \\*x\\*** (`lost`)"), "{t}");
        assert!(t.contains("<#1>, <#2>") && t.contains("<t:100:R>"), "{t}");
        assert!(t.contains("HTTP 502"), "{t}");
        let t = text(&NoticeKind::Gone, &[1]);
        assert!(
            t.contains("no longer knows") && t.contains("/unfollow"),
            "{t}"
        );
        let t = text(&NoticeKind::Recovered { since: 100 }, &[1]);
        assert!(t.contains("again"), "{t}");
    }

    #[test]
    fn a_retry_carries_the_same_nonce_and_each_target_its_own() {
        let kind = NoticeKind::Gone;
        let a = serde_json::to_value(show_notice(9, "t", "h", &kind, &[1], 5)).expect("json");
        let b = serde_json::to_value(show_notice(9, "t", "h", &kind, &[1], 5)).expect("json");
        let c = serde_json::to_value(show_notice(9, "t", "h", &kind, &[1], 6)).expect("json");
        assert_eq!(a["nonce"], b["nonce"]);
        assert_ne!(a["nonce"], c["nonce"]);
    }
}
