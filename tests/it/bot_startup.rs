//! The bot connects to the fake Discord, identifies with the configured token
//! and non-privileged intents, and registers exactly its commands.

use crate::support::fake_discord::{self, CommandInvocation};
use crate::support::herald::{Herald, WAIT};

#[tokio::test]
async fn connects_and_registers_its_commands() {
    let mut bot = Herald::start().await;
    let identify = bot.discord.wait_identified(WAIT).await;
    assert_eq!(identify.token, format!("Bot {}", fake_discord::TOKEN));
    // GUILDS only: no privileged intent (members 1<<1, presences 1<<8, content 1<<15).
    assert_eq!(identify.intents & ((1 << 1) | (1 << 8) | (1 << 15)), 0);

    let commands = bot.discord.wait_registered_commands(WAIT).await;
    let commands = commands.as_array().expect("a list");
    let mut names: Vec<&str> = commands
        .iter()
        .map(|c| c["name"].as_str().expect("name"))
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "activity",
            "alerts",
            "follow",
            "follow-user",
            "follows",
            "help",
            "pause",
            "resume",
            "status",
            "unfollow",
            "unfollow-user"
        ]
    );
    for c in commands {
        if c["name"] != "help" {
            assert_eq!(c["contexts"], serde_json::json!([0]), "{c}");
        }
        let perms = c["default_member_permissions"].as_str();
        match c["name"].as_str() {
            Some(
                "follow" | "unfollow" | "pause" | "resume" | "follow-user" | "unfollow-user"
                | "status",
            ) => {
                assert_eq!(perms, Some("16"), "{c}")
            }
            Some("alerts") => assert_eq!(perms, Some("32"), "{c}"),
            _ => assert_eq!(perms, None, "{c}"),
        }
    }
    let follow = commands
        .iter()
        .find(|c| c["name"] == "follow")
        .expect("follow");
    let options: Vec<(&str, bool)> = follow["options"]
        .as_array()
        .expect("options")
        .iter()
        .map(|o| {
            (
                o["name"].as_str().expect("name"),
                o["required"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    assert_eq!(
        options,
        [
            ("show", true),
            ("actions", false),
            ("channel", false),
            ("ping", false),
            ("ping_on", false),
            ("quiet", false),
            ("publish", false),
            ("digest", false),
            ("digest_window", false)
        ]
    );
    let unfollow = commands
        .iter()
        .find(|c| c["name"] == "unfollow")
        .expect("unfollow");
    assert_eq!(unfollow["options"][0]["autocomplete"], true);

    // A command answers: the whole path works.
    let r = bot
        .discord
        .interact(CommandInvocation::new("follows"))
        .await;
    let replies = bot.discord.wait_reply(&r, WAIT).await;
    assert!(replies[0].ephemeral, "{replies:?}");
    assert!(
        replies[0]
            .content
            .as_deref()
            .unwrap_or_default()
            .contains("follows no show"),
        "{replies:?}"
    );
    bot.stop().await;
}
