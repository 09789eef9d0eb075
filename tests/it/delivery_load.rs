//! Delivery under load does not starve the bot (item 8): while 20 channels
//! drain a burst each (store work on the blocking pool, never on the async
//! workers), every slash command dispatched meanwhile is answered within
//! Discord's 3 s interaction deadline, which the fake enforces.

use std::time::Duration;

use crate::delivery_direct::queue;
use crate::support::fake_discord::{CommandInvocation, CHANNEL_ID};
use crate::support::herald::{Herald, Options, WAIT};

const CHANNELS: u64 = 20;
const PER_CHANNEL: usize = 100;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interactions_are_answered_within_3_s_while_20_channels_drain_a_burst() {
    let mut bot = Herald::start_with(Options {
        channel_message_interval: "10ms",
        max_messages_per_second: 50.0,
        ..Options::default()
    })
    .await;
    for c in 0..CHANNELS {
        let users: Vec<String> = (0..PER_CHANNEL).map(|i| format!("c{c}u{i:03}")).collect();
        queue(&bot.store, 6_000 + c, 1 + c * 1_000, &users);
    }
    let total = CHANNELS as usize * PER_CHANNEL;
    assert_eq!(bot.store.outbox_len().expect("outbox"), total);

    let mut during_drain = 0;
    while bot.store.outbox_len().expect("outbox") > 0 {
        let interaction = bot
            .discord
            .interact(CommandInvocation::new("follows").in_channel(CHANNEL_ID))
            .await;
        let replies = bot.discord.wait_reply(&interaction, WAIT).await;
        assert!(!replies.is_empty(), "the command was answered");
        during_drain += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        during_drain >= 3,
        "only {during_drain} interactions overlapped the drain"
    );
    // Late callbacks are refused by the fake and recorded as violations.
    let violations = bot.discord.violations();
    assert!(violations.is_empty(), "{violations:#?}");
    for c in 0..CHANNELS {
        let n: usize = bot
            .discord
            .wait_channel_messages(6_000 + c, PER_CHANNEL.div_ceil(10), WAIT)
            .await
            .iter()
            .map(|m| m["embeds"].as_array().map_or(0, Vec::len))
            .sum();
        assert_eq!(n, PER_CHANNEL, "channel {c} got its whole burst");
    }
    bot.stop().await;
}
