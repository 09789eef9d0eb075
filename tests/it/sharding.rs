//! Sharding against the fake Discord: with `discord.shards = "auto"` the bot
//! runs as many shards as `GET /gateway/bot` recommends, with a number it runs
//! that many without asking; commands are registered once, an interaction on
//! every shard is answered, and stopping closes every shard.

use std::path::Path;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use trakt_herald::config::Config;
use trakt_herald::store::Store;

use crate::support::fake_discord::{self, CommandInvocation, FakeDiscord, Route};
use crate::support::fake_trakt::FakeTrakt;
use crate::support::herald::{config_text, NoEnv, Options, TRAKT_KEY, WAIT};

/// What the lifecycle tests allow between the stop request and the end.
const STOP_WITHIN: Duration = Duration::from_secs(5);
/// serenity starts one shard every 5 s: two shards need a little more.
const TWO_SHARDS_WITHIN: Duration = Duration::from_secs(30);

/// The bot running in-process against the fakes with `discord.shards = shards`.
struct Sharded {
    discord: FakeDiscord,
    _trakt: FakeTrakt,
    cancel: CancellationToken,
    task: JoinHandle<anyhow::Result<()>>,
    _dir: tempfile::TempDir,
}

impl Sharded {
    async fn start(shards: &str, recommended: u64) -> Sharded {
        let discord = fake_discord::start().await;
        discord.set_recommended_shards(recommended);
        let trakt = FakeTrakt::start(TRAKT_KEY).await;
        let dir = tempfile::tempdir().expect("temp dir");
        let store_path = dir.path().join("store");
        let text = config_text(
            &discord.api_base(),
            &trakt.base_url(),
            &store_path,
            &Options::default(),
        )
        .replacen("[discord]\n", &format!("[discord]\nshards = {shards}\n"), 1);
        let config = Config::from_toml(&text, Path::new("test.toml"), &NoEnv).expect("config");
        let store = Store::open(&store_path, 4).expect("open store");
        let cancel = CancellationToken::new();
        let task = tokio::spawn(trakt_herald::app::run_with_store(
            config,
            store,
            cancel.clone(),
        ));
        Sharded {
            discord,
            _trakt: trakt,
            cancel,
            task,
            _dir: dir,
        }
    }

    /// `/follows` on `shard` gets its answer.
    async fn assert_answered_on(&self, shard: u64) {
        let r = self
            .discord
            .interact_on_shard(shard, CommandInvocation::new("follows"))
            .await;
        let replies = self.discord.wait_reply(&r, WAIT).await;
        let content = replies[0].content.as_deref().unwrap_or_default();
        assert!(
            content.contains("follows no show"),
            "shard {shard}: {replies:?}"
        );
    }

    /// Cancels and checks the bot ends within the bound and closes every shard.
    async fn stop(self) -> FakeDiscord {
        self.cancel.cancel();
        let ended = tokio::time::timeout(STOP_WITHIN, self.task)
            .await
            .expect("the bot stops within the lifecycle bound")
            .expect("the bot task does not panic");
        ended.expect("the bot stops without error");
        self.discord
            .try_wait_for(|s| s.open_shards.is_empty().then_some(()), STOP_WITHIN)
            .await
            .unwrap_or_else(|| panic!("shards still open: {:?}", self.discord.open_shards()));
        self.discord
    }

    fn command_registrations(&self) -> usize {
        self.discord
            .requests_to(&Route::new("PUT", "/applications/*/guilds/*/commands"))
            .len()
            + self
                .discord
                .requests_to(&Route::new("PUT", "/applications/*/commands"))
                .len()
    }
}

#[tokio::test]
async fn auto_follows_gateway_bot_registers_once_and_serves_both_shards() {
    let bot = Sharded::start("\"auto\"", 2).await;
    let mut shards = bot
        .discord
        .wait_identified_shards(2, TWO_SHARDS_WITHIN)
        .await;
    shards.sort_unstable();
    assert_eq!(shards, [[0, 2], [1, 2]]);
    assert_eq!(
        bot.discord
            .requests_to(&Route::new("GET", "/gateway/bot"))
            .len(),
        1,
        "auto asks Discord for its recommendation"
    );
    bot.discord.wait_registered_commands(WAIT).await;
    bot.assert_answered_on(0).await;
    bot.assert_answered_on(1).await;
    assert_eq!(bot.command_registrations(), 1, "commands registered once");
    assert_eq!(bot.discord.open_shards(), [0, 1]);
    let _ = bot.stop().await;
}

#[tokio::test]
async fn a_fixed_count_ignores_the_recommendation() {
    // Discord recommends 1; the configuration says 2.
    let bot = Sharded::start("2", 1).await;
    let mut shards = bot
        .discord
        .wait_identified_shards(2, TWO_SHARDS_WITHIN)
        .await;
    shards.sort_unstable();
    assert_eq!(shards, [[0, 2], [1, 2]]);
    assert!(
        bot.discord
            .requests_to(&Route::new("GET", "/gateway/bot"))
            .is_empty(),
        "a fixed count needs no recommendation"
    );
    bot.assert_answered_on(1).await;
    bot.assert_answered_on(0).await;
    assert_eq!(bot.command_registrations(), 1, "commands registered once");
    let _ = bot.stop().await;
}

#[tokio::test]
async fn auto_with_one_recommended_shard_runs_one() {
    let bot = Sharded::start("\"auto\"", 1).await;
    let shards = bot.discord.wait_identified_shards(1, WAIT).await;
    assert_eq!(shards, [[0, 1]]);
    bot.discord.wait_registered_commands(WAIT).await;
    bot.assert_answered_on(0).await;
    let _ = bot.stop().await;
}

#[tokio::test]
async fn a_stop_between_two_shard_starts_closes_the_connected_shard_at_once() {
    let bot = Sharded::start("\"auto\"", 2).await;
    let first = bot.discord.wait_identified_shards(1, WAIT).await;
    assert_eq!(first, [[0, 2]]);
    bot.discord
        .wait_for(|s| (!s.open_shards.is_empty()).then_some(()), WAIT)
        .await;
    // serenity waits 5 s before it starts shard 1; stop within that gap.
    bot.cancel.cancel();
    let closed = bot
        .discord
        .try_wait_for(
            |s| (!s.open_shards.contains_key(&0)).then_some(()),
            Duration::from_secs(2),
        )
        .await;
    assert!(
        closed.is_some(),
        "shard 0 still open: {:?}",
        bot.discord.open_shards()
    );
    let discord = bot.stop().await;
    // serenity's shard queuer wakes up 5 s after shard 0 started; give it the
    // chance to start shard 1 (it does not, once shut down), then nothing may
    // stay connected.
    let _ = discord
        .try_wait_for(
            |s| (s.identifies.len() >= 2).then_some(()),
            Duration::from_secs(8),
        )
        .await;
    discord
        .try_wait_for(|s| s.open_shards.is_empty().then_some(()), STOP_WITHIN)
        .await
        .unwrap_or_else(|| panic!("shards still open: {:?}", discord.open_shards()));
}
