//! Pure: the notice the bot posts, once, when it had to disable a channel's
//! follow of a Trakt user (the profile turned private, was deleted or
//! locked): in the server's alerts channel when one is set (naming the
//! channel), else in the channel itself.

use super::embed::Embed;
use super::pack::{fit_nonce, CreateMessage, Message};
use super::text::escape_markdown;

/// Amber, as the channel alert.
const NOTICE_COLOR: u32 = 0xF0_A0_20;

/// The notice that `channel` (a Discord channel id) no longer gets the
/// activity of Trakt user `slug` (shown as `name`) because of `reason`, as
/// a create-message body (mentions disabled). `elsewhere`: posted in the
/// alerts channel, so the channel is named. `nonce_seed` is stable per
/// notice, so a repost of the same notice is dropped by Discord.
pub fn user_follow_disabled(
    channel: u64,
    slug: &str,
    name: &str,
    reason: &str,
    elsewhere: bool,
    nonce_seed: &str,
) -> CreateMessage {
    let place = if elsewhere {
        format!("<#{channel}>")
    } else {
        "this channel".to_owned()
    };
    let who = if name.eq_ignore_ascii_case(slug) {
        format!("`{slug}`")
    } else {
        format!("**{}** (`{slug}`)", escape_markdown(name))
    };
    let embed = Embed {
        title: Some("⚠️ I stopped posting a Trakt user's activity".to_owned()),
        description: Some(format!(
            "{place} no longer gets the Trakt activity of {who}.\n\n**Why:** {}.\n\n**What to do:** only public profiles can be followed. Once the profile is public again, /resume it (or /follow-user again) in {place}; /unfollow removes the follow.",
            escape_markdown(reason)
        )),
        color: Some(NOTICE_COLOR),
        ..Embed::default()
    };
    let message = Message {
        embeds: vec![embed],
    };
    message.to_request(Some(fit_nonce(&format!("unotice:{nonce_seed}"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(body: &CreateMessage) -> String {
        let v = serde_json::to_value(body).expect("json");
        v["embeds"][0]["description"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    #[test]
    fn the_notice_names_the_user_the_reason_and_where() {
        let here = user_follow_disabled(42, "moonfield", "Mira *O*", "private now", false, "a");
        let t = text(&here);
        assert!(t.starts_with("this channel no longer"), "{t}");
        assert!(t.contains("**Mira \\*O\\*** (`moonfield`)"), "{t}");
        assert!(t.contains("private now") && t.contains("/resume"), "{t}");
        let there = user_follow_disabled(42, "moonfield", "moonfield", "gone", true, "a");
        let t = text(&there);
        assert!(
            t.starts_with("<#42> no longer") && t.contains("of `moonfield`"),
            "{t}"
        );
        let v = serde_json::to_value(&here).expect("json");
        assert_eq!(v["allowed_mentions"], serde_json::json!({"parse": []}));
        assert_eq!(v["enforce_nonce"], true);
        let again = serde_json::to_value(user_follow_disabled(1, "x", "x", "r", true, "a"));
        let other = serde_json::to_value(user_follow_disabled(1, "x", "x", "r", true, "b"));
        assert_eq!(
            again.expect("json")["nonce"],
            v["nonce"],
            "same seed, same nonce"
        );
        assert_ne!(other.expect("json")["nonce"], v["nonce"]);
    }
}
