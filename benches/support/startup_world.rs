//! Measurement 4's worlds: the generated store (v1-era follows by slug or
//! TVDB id for the v1 poller; v2 follows by Trakt id for the default v2
//! poller), the fakes the bot talks to (the fake Discord with its gateway,
//! and the fake Trakt of the API in use, the v2 one seeded with every
//! generated show), and the bot's configuration.

use std::path::Path;
use std::time::Duration;

use serde_json::json;
use trakt_herald::store::Store;
use trakt_herald::trakt::ShowRef;

use super::gen::Gen;
use crate::fakes::fake_discord::{self, FakeDiscord};
use crate::fakes::fake_trakt::FakeTrakt;
use crate::fakes::fake_trakt_v2::{FakeTraktV2, CLIENT_ID};

/// The v1 fake's key.
const V1_KEY: &str = "benchkey0123456789";

/// Which poller the bot runs (`trakt.api`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    V1,
    V2,
}

impl Api {
    pub fn name(self) -> &'static str {
        match self {
            Api::V1 => "v1",
            Api::V2 => "v2",
        }
    }
}

/// A store of `subscriptions` over `shows` (1–20 channels each), through
/// `Store::import` in chunks; answers how long it took. On v2 every show is
/// followed by Trakt id `1..=shows`, as `/follow` stores it.
pub fn build_store(
    path: &Path,
    api: Api,
    shows: usize,
    subscriptions: usize,
    channels: usize,
) -> anyhow::Result<Duration> {
    let started = std::time::Instant::now();
    let mut g = Gen::with_seed(super::gen::SEED + 4);
    let mut shows = g.shows(shows);
    if api == Api::V2 {
        for (i, s) in shows.iter_mut().enumerate() {
            s.show = ShowRef::Trakt(i as u64 + 1);
        }
    }
    let subs = g.subscriptions(&shows, subscriptions, channels);
    let store = Store::open(path, 16)?;
    for chunk in subs.chunks(5_000) {
        store.import(chunk.to_vec())?;
    }
    store.flush()?;
    anyhow::ensure!(store.export()?.len() == subscriptions, "import incomplete");
    Ok(started.elapsed())
}

/// The fake Trakt of one launch.
pub enum Trakt {
    V1(FakeTrakt),
    V2(FakeTraktV2),
}

impl Trakt {
    /// A fake for `api`; the v2 one knows shows `1..=shows` (no lists, no
    /// watchers, no comments but its seeded feed).
    pub async fn start(api: Api, shows: usize) -> Trakt {
        match api {
            Api::V1 => Trakt::V1(FakeTrakt::start(V1_KEY).await),
            Api::V2 => {
                let fake = FakeTraktV2::start().await;
                fake.edit(|w| {
                    w.shows = (1..=shows as u64)
                        .map(|id| {
                            json!({"title": format!("Show {id}"), "year": 2020,
                                   "ids": {"trakt": id, "slug": format!("show-{id}")}})
                        })
                        .collect();
                    w.watchers.clear();
                    w.lists.clear();
                    w.show_comments.clear();
                });
                Trakt::V2(fake)
            }
        }
    }

    pub fn request_count(&self) -> usize {
        match self {
            Trakt::V1(t) => t.request_count(),
            Trakt::V2(t) => t.edit_ret(|w| w.log.len()),
        }
    }

    fn base_url(&self) -> String {
        match self {
            Trakt::V1(t) => t.base_url(),
            Trakt::V2(t) => t.base_url(),
        }
    }
}

/// The configuration: defaults everywhere (poll every 60 s, the API's
/// request rate unless `rps` is given, 16 MiB sled cache) but for the
/// endpoints, the secrets and the guild.
pub fn config_text(
    discord: &FakeDiscord,
    trakt: &Trakt,
    api: Api,
    store: &Path,
    rps: Option<f64>,
) -> String {
    let key = match api {
        Api::V1 => V1_KEY,
        Api::V2 => CLIENT_ID,
    };
    format!(
        r#"[discord]
token = "{token}"
api_base = "{discord_api}"
guild_id = {guild}

[trakt]
api = "{api}"
api_key = "{key}"
base_url = "{trakt}"
{rps}

[storage]
path = "{store}"
{cache}
"#,
        api = api.name(),
        rps = rps
            .map(|r| format!("max_requests_per_second = {r:?}"))
            .unwrap_or_default(),
        cache = std::env::var("HERALD_BENCH_CACHE_MB")
            .map(|mb| format!("cache_mb = {mb}"))
            .unwrap_or_default(),
        token = fake_discord::TOKEN,
        discord_api = discord.api_base(),
        guild = fake_discord::GUILD_ID,
        trakt = trakt.base_url(),
        store = store.display(),
    )
}
