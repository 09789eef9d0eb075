//! `metrics.listen`: `/metrics` parses as Prometheus text and its counters
//! move when a poll delivers; `/healthz` follows the gateway (503 while it is
//! down, 200 once back); nothing listens when the key is unset; a bad value
//! or a port in use stops the start with a message naming the key; and
//! `trakt-herald health` answers from the running binary.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::activities::{episode_activity, TestShow};
use crate::support::fake_discord::{self, CommandInvocation, GatewayMode, CHANNEL_ID};
use crate::support::fake_trakt::FakeTrakt;
use crate::support::herald::{config_text, eventually, Herald, NoEnv, Options, TRAKT_KEY, WAIT};
use trakt_herald::config::Config;
use trakt_herald::store::Store;

fn with_metrics() -> Options {
    Options {
        metrics_listen: Some("127.0.0.1:0"),
        ..Options::default()
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("http client")
}

/// `GET path`: status and body.
async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let response = http()
        .get(format!("http://{addr}{path}"))
        .send()
        .await
        .expect("the metrics server answers");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

/// `/metrics`, parsed.
async fn scrape(addr: SocketAddr) -> prometheus_parse::Scrape {
    let (status, text) = get(addr, "/metrics").await;
    assert_eq!(status, 200, "{text}");
    prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned())))
        .expect("/metrics is Prometheus text")
}

/// The value of `name` with exactly `labels` (`None`: no such sample).
fn value(scrape: &prometheus_parse::Scrape, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    scrape
        .samples
        .iter()
        .find(|s| {
            s.metric == name
                && s.labels.len() == labels.len()
                && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v))
        })
        .and_then(|s| match s.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => Some(v),
            _ => None,
        })
}

fn show_activity(id: u64, user: &str, ts: i64) -> serde_json::Value {
    let show = TestShow {
        slug: "the-walking-dead",
        title: "The Walking Dead",
        tvdb_id: None,
    };
    episode_activity(id, "seen", user, ts, &show, 6, "Live Bait")
}

#[tokio::test]
async fn metrics_parse_and_count_a_poll_that_delivers() {
    let bot = Herald::start_with(with_metrics()).await;
    let addr = bot.metrics_addr();
    let before = scrape(addr).await;
    assert_eq!(
        value(&before, "herald_messages_delivered_total", &[]),
        Some(0.0)
    );
    assert_eq!(
        value(&before, "herald_gateway_shards_connected", &[]),
        Some(1.0)
    );

    let r = bot
        .discord
        .interact(CommandInvocation::new("follow").option("show", "the-walking-dead"))
        .await;
    bot.discord.wait_reply(&r, WAIT).await;
    let t = bot.trakt.now() + 5;
    bot.trakt.advance(10);
    bot.trakt.publish(show_activity(1, "alice", t));
    bot.trakt.publish(show_activity(2, "bob", t + 1));
    bot.discord.wait_channel_messages(CHANNEL_ID, 1, WAIT).await;

    // The delivery is counted once Discord accepted it and the entries are acked.
    let mut after = scrape(addr).await;
    for _ in 0..100 {
        if value(&after, "herald_outbox_entries", &[]) == Some(0.0)
            && value(&after, "herald_messages_delivered_total", &[]) == Some(1.0)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        after = scrape(addr).await;
    }
    let at = |name, labels: &[(&str, &str)]| value(&after, name, labels);
    assert_eq!(at("herald_messages_delivered_total", &[]), Some(1.0));
    assert_eq!(at("herald_embeds_delivered_total", &[]), Some(2.0));
    assert_eq!(
        at("herald_activities_total", &[("result", "new")]),
        Some(2.0)
    );
    assert_eq!(at("herald_outbox_entries", &[]), Some(0.0));
    assert_eq!(at("herald_follows", &[("state", "active")]), Some(1.0));
    assert!(at("herald_poll_cycles_total", &[]) >= Some(1.0));
    let ok = [("endpoint", "activity/shows"), ("status", "200")];
    let requests = at("herald_trakt_requests_total", &ok).expect("Trakt requests counted");
    let cycles_before = value(&before, "herald_poll_cycles_total", &[]).unwrap_or(0.0);
    assert!(at("herald_poll_cycles_total", &[]) > Some(cycles_before));
    // The follow's lookup and at least one poll.
    assert!(requests >= 2.0, "{requests}");
    assert!(requests <= bot.trakt.request_count() as f64);
}

async fn wait_health(addr: SocketAddr, status: u16, body: &str) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (s, b) = get(addr, "/healthz").await;
        if s == status && b.contains(body) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "/healthz still answers {s} {b:?}, not {status} {body:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_is_503_while_the_gateway_is_down_and_200_once_it_is_back() {
    let bot = Herald::start_with(with_metrics()).await;
    let addr = bot.metrics_addr();
    wait_health(addr, 200, "ok").await;

    bot.discord.set_gateway_mode(GatewayMode::Refuse);
    bot.discord.cut_gateway().await;
    wait_health(addr, 503, "gateway not connected").await;
    let down = scrape(addr).await;
    assert_eq!(
        value(&down, "herald_gateway_shards_connected", &[]),
        Some(0.0)
    );

    bot.discord.set_gateway_mode(GatewayMode::Normal);
    wait_health(addr, 200, "ok").await;
}

#[tokio::test]
async fn a_metrics_port_in_use_stops_the_start_naming_the_key() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port();
    let discord = fake_discord::start().await;
    let trakt = FakeTrakt::start(TRAKT_KEY).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("store");
    let listen: &'static str = Box::leak(format!("127.0.0.1:{port}").into_boxed_str());
    let options = Options {
        metrics_listen: Some(listen),
        ..Options::default()
    };
    let text = config_text(&discord.api_base(), &trakt.base_url(), &path, &options);
    let config = Config::from_toml(&text, Path::new("t.toml"), &NoEnv).expect("config");
    let store = Store::open(&path, 4).expect("store");
    let run = trakt_herald::app::run_with_store(config, store, Default::default());
    let error = tokio::time::timeout(WAIT, run)
        .await
        .expect("start-up fails at once")
        .expect_err("the port is taken");
    let error = format!("{error:#}");
    assert!(
        error.contains("metrics.listen") && error.contains("cannot listen"),
        "{error}"
    );
    assert!(
        discord.wait_for(|s| Some(s.identifies.len()), WAIT).await == 0,
        "nothing connected to Discord"
    );
}

/// The real binary with `config`: `run` with its output discarded, anything
/// else with it captured.
fn spawn(args: &[&str], config: &Path) -> Child {
    let output = || {
        if args == ["run"] {
            Stdio::null()
        } else {
            Stdio::piped()
        }
    };
    let mut command = Command::new(env!("CARGO_BIN_EXE_trakt-herald"));
    command.args(args).arg("--config").arg(config);
    for var in [
        "DISCORD_TOKEN",
        "TRAKT_API_KEY",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        command.env_remove(var);
    }
    command
        .stdin(Stdio::null())
        .stdout(output())
        .stderr(output())
        .spawn()
        .expect("start trakt-herald")
}

/// The local TCP ports process `pid` listens on (Linux: its socket fds
/// matched against the kernel's LISTEN sockets).
fn listening_ports(pid: u32) -> Vec<u16> {
    let inodes: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("the bot's fds")
        .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .filter_map(|link| {
            let link = link.to_string_lossy().into_owned();
            Some(link.strip_prefix("socket:[")?.strip_suffix(']')?.to_owned())
        })
        .collect();
    let mut ports = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let text = std::fs::read_to_string(table).unwrap_or_default();
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            // local_address, st (0A: LISTEN), inode
            if cols.len() > 9 && cols[3] == "0A" && inodes.iter().any(|i| i == cols[9]) {
                let port = cols[1].rsplit(':').next().unwrap_or_default();
                ports.push(u16::from_str_radix(port, 16).expect("hex port"));
            }
        }
    }
    ports
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_listens_only_when_metrics_listen_is_set_and_health_asks_it() {
    let discord = fake_discord::start().await;
    let trakt = FakeTrakt::start(TRAKT_KEY).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |name: &str, options: &Options| {
        let store = dir.path().join(format!("{name}.sled"));
        let text = config_text(&discord.api_base(), &trakt.base_url(), &store, options);
        let path = dir.path().join(format!("{name}.toml"));
        std::fs::write(&path, text).expect("write config");
        path
    };
    let mut ports_of = Vec::new();
    for (name, options) in [("unset", Options::default()), ("set", with_metrics())] {
        let identified = discord.wait_for(|s| Some(s.identifies.len()), WAIT).await;
        let mut child = spawn(&["run"], &write(name, &options));
        discord
            .wait_for(|s| (s.identifies.len() > identified).then_some(()), WAIT)
            .await;
        let pid = child.id();
        let mut ports = Vec::new();
        if options.metrics_listen.is_some() {
            eventually("the metrics port is open", WAIT, || {
                ports = listening_ports(pid);
                !ports.is_empty()
            })
            .await;
            let listen: &'static str =
                Box::leak(format!("127.0.0.1:{}", ports[0]).into_boxed_str());
            let probe = Options {
                metrics_listen: Some(listen),
                ..Options::default()
            };
            let health = write("probe", &probe);
            eventually("`trakt-herald health` exits 0", WAIT, || {
                let out = spawn(&["health"], &health)
                    .wait_with_output()
                    .expect("health");
                out.status.success() && String::from_utf8_lossy(&out.stdout).contains("ok")
            })
            .await;
        } else {
            ports = listening_ports(pid);
        }
        let _ = child.kill();
        let _ = child.wait();
        ports_of.push(ports);
    }
    assert_eq!(ports_of[0], Vec::<u16>::new(), "nothing listens when unset");
    assert_eq!(ports_of[1].len(), 1, "the metrics server listens when set");

    // With the bot gone, the health check fails with exit 1.
    let gone = Options {
        metrics_listen: Some("127.0.0.1:1"),
        ..Options::default()
    };
    let out = spawn(&["health"], &write("gone", &gone))
        .wait_with_output()
        .expect("health");
    assert_eq!(out.status.code(), Some(1), "{out:?}");

    // A value that is not an address is a configuration error naming the key.
    let bad = dir.path().join("bad.toml");
    let text = config_text(
        &discord.api_base(),
        &trakt.base_url(),
        &dir.path().join("b"),
        &Options::default(),
    );
    std::fs::write(&bad, text + "\n[metrics]\nlisten = \"localhost\"\n").expect("write");
    let out = spawn(&["check"], &bad).wait_with_output().expect("check");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("metrics.listen"), "{stderr}");
}

#[tokio::test]
async fn on_v2_the_poller_keeps_health_up_and_requests_are_counted_by_route() {
    let bot = Herald::start_with(Options {
        api: "v2",
        ..with_metrics()
    })
    .await;
    let addr = bot.metrics_addr();
    crate::v2_polling::follow_twd(&bot, CHANNEL_ID, "shout,watching", crate::v2_polling::START);
    crate::v2_polling::cycles(&bot, "/shows/1393/watching", 2).await;
    let scrape = scrape(addr).await;
    let feed = value(
        &scrape,
        "herald_trakt_requests_total",
        &[("endpoint", "comments/recent"), ("status", "200")],
    );
    assert!(feed.is_some_and(|n| n >= 2.0), "{feed:?}");
    let watching = value(
        &scrape,
        "herald_trakt_requests_total",
        &[("endpoint", "shows/:id/watching"), ("status", "200")],
    );
    assert!(watching.is_some_and(|n| n >= 2.0), "{watching:?}");
    assert!(value(&scrape, "herald_poll_cycles_total", &[]).is_some_and(|n| n >= 2.0));
    let (status, body) = get(addr, "/healthz").await;
    assert_eq!(status, 200, "{body}");
}
