//! `/pause`, `/resume` and `/unfollow` with the `channel` option naming
//! another channel say which channel (`<#id>`), not "this channel".

use crate::support::fake_discord::{CommandInvocation, CHANNEL_ID, OTHER_CHANNEL_ID};
use crate::support::herald::{Herald, WAIT};

const TWD: &str = "the-walking-dead";

async fn reply(bot: &Herald, invocation: CommandInvocation) -> String {
    let r = bot.discord.interact(invocation).await;
    let replies = bot.discord.wait_reply(&r, WAIT).await;
    replies
        .iter()
        .filter_map(|r| r.content.clone())
        .collect::<Vec<_>>()
        .join("\n")
}

/// `/name follow:the-walking-dead channel:#other`, typed in the main channel.
fn elsewhere(name: &str, option: &str) -> CommandInvocation {
    CommandInvocation::new(name)
        .option(option, TWD)
        .channel_option("channel", OTHER_CHANNEL_ID, 0)
        .in_channel(CHANNEL_ID)
}

#[tokio::test]
async fn the_replies_name_the_channel_the_option_names() {
    let mut bot = Herald::start().await;
    let text = reply(
        &bot,
        CommandInvocation::new("follow")
            .option("show", TWD)
            .in_channel(OTHER_CHANNEL_ID),
    )
    .await;
    assert!(text.contains("follows"), "{text}");
    let other = format!("<#{OTHER_CHANNEL_ID}>");
    for (name, option, expected) in [
        ("pause", "follow", "⏸️ Paused"),
        ("pause", "follow", "already paused in"),
        ("resume", "follow", "▶️ Resumed"),
        ("resume", "follow", "is not paused in"),
        ("unfollow", "show", "no longer follows"),
        ("unfollow", "show", "does not follow"),
    ] {
        let text = reply(&bot, elsewhere(name, option)).await;
        assert!(text.contains(expected), "/{name}: {text}");
        assert!(text.contains(&other), "/{name} names {other}: {text}");
        assert!(!text.contains("this channel"), "/{name}: {text}");
    }
    bot.stop().await;
}
