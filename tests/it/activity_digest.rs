//! `/activity … digest:` end to end (issue 14) through the v1 fake Trakt:
//! by default a burst of check-ins to one episode is one digest embed naming
//! or counting everyone, as a notification would be; `digest:false` is one
//! embed per activity, the ten newest; both cost Trakt the same requests.

use crate::support::activities::{episode_activity, TestShow};
use crate::support::fake_discord::{CommandInvocation, Reply, CHANNEL_ID};
use crate::support::herald::{Herald, WAIT};

const TWD: TestShow<'static> = TestShow {
    slug: "the-walking-dead",
    title: "The Walking Dead",
    tvdb_id: None,
};
const BURST: u64 = 30;

async fn ask(bot: &Herald, digest: Option<bool>) -> Reply {
    let mut command = CommandInvocation::new("activity")
        .in_channel(CHANNEL_ID)
        .option("show", TWD.slug)
        .option("since", "2h");
    if let Some(on) = digest {
        command = command.option("digest", on);
    }
    let r = bot.discord.interact(command).await;
    let replies = bot.discord.wait_reply(&r, WAIT).await;
    replies.last().cloned().expect("a reply")
}

#[tokio::test]
async fn activity_folds_a_burst_by_default_and_not_with_digest_off() {
    let mut bot = Herald::start().await;
    let now = bot.trakt.now();
    bot.trakt.publish_all((0..BURST).map(|i| {
        let ts = now - 600 + i as i64;
        episode_activity(
            i + 1,
            "checkin",
            &format!("fan{i:02}"),
            ts,
            &TWD,
            6,
            "Live Bait",
        )
    }));
    let before = bot.trakt.request_count();
    let reply = ask(&bot, None).await;
    let folded_cost = bot.trakt.request_count() - before;
    assert!(!reply.ephemeral);
    let text = reply.content.clone().unwrap_or_default();
    assert!(text.contains(&format!("{BURST} of {BURST}")), "{text}");
    assert_eq!(reply.embeds.len(), 1, "{reply:#?}");
    let footer = reply.embeds[0]["footer"]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(
        footer.ends_with(&format!(" · digest of {BURST}")),
        "{footer}"
    );
    let description = reply.embeds[0]["description"].as_str().unwrap_or_default();
    assert!(
        description.contains(&format!("…and {} more", BURST as usize - 20)),
        "{description}"
    );

    let before = bot.trakt.request_count();
    let reply = ask(&bot, Some(false)).await;
    assert_eq!(
        bot.trakt.request_count() - before,
        folded_cost,
        "folding asks Trakt for nothing more"
    );
    assert_eq!(reply.embeds.len(), 10, "{reply:#?}");
    let newest = reply.embeds[0]["author"]["name"]
        .as_str()
        .unwrap_or_default();
    assert!(newest.contains("fan29"), "newest first: {newest}");
    assert!(reply
        .embeds
        .iter()
        .all(|e| !e.to_string().contains("digest of")));
    bot.stop().await;
}
