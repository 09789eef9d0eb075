//! Config parsing and validation: defaults, overrides, and errors that name the key.

use super::*;
use std::collections::HashMap;

struct FakeEnv(HashMap<&'static str, &'static str>);
impl Env for FakeEnv {
    fn var(&self, name: &str) -> Option<String> {
        self.0.get(name).map(|s| (*s).to_owned())
    }
}

fn secrets() -> FakeEnv {
    FakeEnv(HashMap::from([
        (ENV_DISCORD_TOKEN, "tok-SECRET"),
        (ENV_TRAKT_API_KEY, "key123SECRET"),
    ]))
}

fn parse(text: &str, env: &FakeEnv) -> Result<Config, ConfigError> {
    Config::from_toml(text, Path::new("test.toml"), env)
}

#[test]
fn the_api_picks_the_address_and_rate_defaults_and_keys_override_them() {
    let v2 = parse("", &secrets()).expect("empty file");
    assert_eq!(v2.trakt.api, TraktApi::V2);
    assert_eq!(v2.trakt.base_url(), "https://api.trakt.tv");
    assert!(v2.trakt.max_requests_per_second() * 300.0 <= 400.0 + 1e-9);
    let v1 = parse("[trakt]\napi = \"v1\"\n", &secrets()).expect("v1");
    assert_eq!(v1.trakt.api, TraktApi::V1);
    assert_eq!(v1.trakt.base_url(), "http://api.trakt.tv");
    assert_eq!(v1.trakt.max_requests_per_second(), 2.0);
    let set = parse(
        "[trakt]\napi = \"v2\"\nbase_url = \"http://127.0.0.1:9\"\nmax_requests_per_second = 5.0\n",
        &secrets(),
    )
    .expect("explicit");
    assert_eq!(set.trakt.base_url(), "http://127.0.0.1:9");
    assert_eq!(set.trakt.max_requests_per_second(), 5.0);
    let shown = set.masked_toml();
    assert!(shown.contains("api = \"v2\""), "{shown}");
    let err = parse("[trakt]\napi = \"v3\"\n", &secrets()).expect_err("v3");
    assert!(err.to_string().contains("trakt.api"), "{err}");
}

#[test]
fn committed_sample_parses_with_env_secrets() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/default.toml");
    let config = Config::load(&path, &secrets()).expect("sample parses");
    assert_eq!(config.discord.api_base, DEFAULT_DISCORD_API_BASE);
    assert_eq!(config.trakt.api, TraktApi::V2);
    assert_eq!(config.trakt.base_url(), "https://api.trakt.tv");
    assert!((config.trakt.max_requests_per_second() - 400.0 / 300.0).abs() < 1e-9);
    assert_eq!(config.trakt.timeout, Duration::from_secs(10));
    assert_eq!(config.trakt.batch_size, 20);
    assert_eq!(config.trakt.max_retries, 3);
    assert_eq!(config.trakt.retry_delay, Duration::from_millis(500));
    assert_eq!(config.poll.interval, Duration::from_secs(60));
    assert_eq!(config.poll.overlap, Duration::from_secs(60));
    assert_eq!(config.poll.max_interval, Duration::from_secs(3600));
    assert_eq!(config.storage.path, PathBuf::from("data/trakt-herald.sled"));
    assert_eq!(config.limits.max_follows_per_guild, 50);
    assert_eq!(config.discord_token(), "tok-SECRET");
    assert_eq!(config.trakt_api_key(), "key123SECRET");
}

#[test]
fn committed_sample_without_secrets_names_the_key() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/default.toml");
    let err = Config::load(&path, &FakeEnv(HashMap::new())).expect_err("no token");
    assert!(err.to_string().contains("discord.token"), "{err}");
    let env = FakeEnv(HashMap::from([(ENV_DISCORD_TOKEN, "t")]));
    let err = Config::load(&path, &env).expect_err("no key");
    assert!(err.to_string().contains("trakt.api_key"), "{err}");
}

#[test]
fn unknown_keys_and_bad_durations_name_the_key() {
    let err = parse("[poll]\ninterval = \"sixty\"\n", &secrets()).expect_err("dur");
    assert!(err.to_string().contains("poll.interval"), "{err}");
    let err = parse("[trakt]\nbatchsize = 3\n", &secrets()).expect_err("unknown");
    let text = err.to_string();
    assert!(
        text.contains("trakt.batchsize") && text.contains("unknown field"),
        "{text}"
    );
    let err = parse("[nope]\n", &secrets()).expect_err("section");
    assert!(err.to_string().contains("nope"), "{err}");
    let err = parse("[trakt]\nbatch_size = 0\n", &secrets()).expect_err("range");
    assert!(err.to_string().contains("trakt.batch_size"), "{err}");
    let err = parse("[trakt]\nmax_retries = 11\n", &secrets()).expect_err("retries");
    assert!(err.to_string().contains("trakt.max_retries"), "{err}");
    let err = parse("[trakt]\nretry_delay = \"2m\"\n", &secrets()).expect_err("delay");
    assert!(err.to_string().contains("trakt.retry_delay"), "{err}");
    let config = parse(
        "[trakt]\nmax_retries = 0\nretry_delay = \"50ms\"\n",
        &secrets(),
    )
    .expect("no retries");
    assert_eq!(config.trakt.max_retries, 0);
    assert_eq!(config.trakt.retry_delay, Duration::from_millis(50));
    let err = parse("[discord]\napi_base = \"ftp://x\"\n", &secrets()).expect_err("url");
    assert!(err.to_string().contains("discord.api_base"), "{err}");
}

#[test]
fn poll_max_interval_defaults_to_an_hour_and_is_at_least_the_interval() {
    let config = parse("", &secrets()).expect("defaults");
    assert_eq!(config.poll.max_interval, Duration::from_secs(3600));
    assert!(config.masked_toml().contains("max_interval = \"1h\"\n"));
    let set = parse(
        "[poll]\ninterval = \"10s\"\nmax_interval = \"10s\"\n",
        &secrets(),
    )
    .expect("equal is fine");
    assert_eq!(set.poll.max_interval, Duration::from_secs(10));
    let err = parse(
        "[poll]\ninterval = \"2m\"\nmax_interval = \"1m\"\n",
        &secrets(),
    )
    .expect_err("below the interval");
    let text = err.to_string();
    assert!(
        text.contains("poll.max_interval") && text.contains("poll.interval"),
        "{text}"
    );
    let err = parse("[poll]\nmax_interval = \"soon\"\n", &secrets()).expect_err("dur");
    assert!(err.to_string().contains("poll.max_interval"), "{err}");
}

#[test]
fn discord_shards_is_auto_or_a_count_and_bad_values_name_the_key() {
    assert_eq!(
        parse("", &secrets()).expect("default").discord.shards,
        Shards::Auto
    );
    let fixed = parse("[discord]\nshards = 2\n", &secrets()).expect("fixed");
    assert_eq!(fixed.discord.shards, Shards::Fixed(2));
    assert!(fixed.masked_toml().contains("shards = 2\n"));
    for bad in ["0", "\"many\"", "-3"] {
        let err =
            parse(&format!("[discord]\nshards = {bad}\n"), &secrets()).expect_err("bad shards");
        assert!(err.to_string().contains("discord.shards"), "{bad}: {err}");
    }
}

#[test]
fn metrics_listen_is_an_address_or_unset_and_bad_values_name_the_key() {
    let unset = parse("", &secrets()).expect("default");
    assert_eq!(unset.metrics.listen, None);
    assert!(unset.masked_toml().contains("# listen = (unset"));
    let set = parse("[metrics]\nlisten = \"127.0.0.1:9184\"\n", &secrets()).expect("set");
    assert_eq!(set.metrics.listen, Some(([127, 0, 0, 1], 9184).into()));
    assert!(set.masked_toml().contains("listen = \"127.0.0.1:9184\"\n"));
    let v6 = parse("[metrics]\nlisten = \"[::]:9184\"\n", &secrets()).expect("v6");
    assert_eq!(v6.metrics.listen.map(|a| a.port()), Some(9184));
    for bad in ["\"9184\"", "\"localhost\"", "\"1.2.3.4:99999\"", "9184"] {
        let err = parse(&format!("[metrics]\nlisten = {bad}\n"), &secrets()).expect_err(bad);
        assert!(err.to_string().contains("metrics.listen"), "{bad}: {err}");
    }
    let docker = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/docker.toml");
    let docker = Config::load(&docker, &secrets()).expect("docker config parses");
    assert_eq!(docker.metrics.listen, Some(([0, 0, 0, 0], 9184).into()));
}

#[test]
fn masked_output_hides_secrets() {
    let config = parse("", &secrets()).expect("defaults");
    let shown = format!("{}\n{:?}", config.masked_toml(), config);
    assert!(!shown.contains("SECRET"), "{shown}");
    assert!(shown.contains("********"));
    // The masked output is itself a valid configuration.
    let reparsed = parse(
        &config.masked_toml().replace("\"********\"", "\"x\""),
        &secrets(),
    );
    assert!(reparsed.is_ok(), "{reparsed:?}");
}
