//! `trakt-herald import` at scale, as the built binary: a generated
//! 100 000-subscription export imports, a malformed last element writes
//! nothing, and a kill -9 mid-import followed by a rerun leaves exactly what a
//! one-shot import leaves (the two stores' exports are compared).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::Instant;

use trakt_herald::ids::{ChannelId, GuildId, UserId};
use trakt_herald::store::{Store, SubState, Subscription};
use trakt_herald::trakt::{ActionSet, ShowRef};

const BIN: &str = env!("CARGO_BIN_EXE_trakt-herald");
const SUBSCRIPTIONS: usize = 100_000;
const SHOWS: usize = 20_000;
const CHANNELS: u64 = 2_000;
/// Subscriptions per chunk of the binary's import (`IMPORT_CHUNK`).
const CHUNK: usize = trakt_herald::store::IMPORT_CHUNK;

/// One generated subscription: show `i` followed by channel `c`.
fn sub(show: usize, channel: u64, variant: u64) -> Subscription {
    let show_ref = if show % 10 == 0 {
        ShowRef::Tvdb(100_000 + show as u64)
    } else {
        ShowRef::Slug(format!("show-{show}"))
    };
    let actions = [
        "all",
        "seen,shout",
        "rating,review",
        "watching,checkin,scrobble",
    ][((show as u64 + channel + variant) % 4) as usize];
    let state = match (show as u64 * 7 + channel + variant) % 50 {
        0 => SubState::Paused {
            since: 1_700_000_100,
        },
        1 => SubState::Disabled {
            reason: "403".into(),
            since: 1_700_000_200,
        },
        _ => SubState::Active,
    };
    Subscription {
        delivery: Default::default(),
        digest: true,
        digest_window: None,
        guild: GuildId(1 + channel / 10),
        channel: ChannelId(10_000 + channel),
        show: show_ref,
        title: format!("Show number {show}"),
        slug: None,
        actions: ActionSet::parse(actions).expect("actions"),
        created_by: UserId(7),
        created_at: 1_700_000_000 + variant as i64,
        state,
        since: None,
    }
}

/// Subscription `i` of the big file: its show and channel (5 channels a show).
fn pair(i: usize) -> (usize, u64) {
    let show = i / 5;
    (show, (show as u64 * 13 + (i % 5) as u64 * 401) % CHANNELS)
}

/// The 100 000-subscription file: 20 000 shows, 5 channels each.
fn big_subs() -> Vec<Subscription> {
    (0..SUBSCRIPTIONS)
        .map(|i| {
            let (show, channel) = pair(i);
            sub(show, channel, 0)
        })
        .collect()
}

/// The generated export, written once per test run.
fn big_file() -> &'static (PathBuf, String) {
    static FILE: OnceLock<(PathBuf, String)> = OnceLock::new();
    FILE.get_or_init(|| {
        let subs = big_subs();
        assert_eq!(SHOWS, subs.len() / 5);
        let text = serde_json::to_string_pretty(&subs).expect("serialize");
        let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("import-100k.json");
        std::fs::write(&path, &text).expect("write the file");
        (path, text)
    })
}

/// What the stores hold before the big import: a slice of the same
/// (channel, show) pairs with other actions, states and dates, so that the
/// import replaces, re-activates and deactivates, not only adds.
fn before_text() -> String {
    let before: Vec<Subscription> = (0..SUBSCRIPTIONS)
        .step_by(97)
        .map(|i| {
            let (show, channel) = pair(i);
            sub(show, channel, 3)
        })
        .collect();
    serde_json::to_string_pretty(&before).expect("serialize")
}

fn config_for(dir: &Path) -> PathBuf {
    let path = dir.join("config.toml");
    let store = dir.join("store");
    std::fs::write(
        &path,
        format!("[storage]\npath = \"{}\"\n", store.display()),
    )
    .expect("write config");
    path
}

fn command(args: &[&str], config: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .arg("--config")
        .arg(config)
        .env_remove("DISCORD_TOKEN")
        .env_remove("TRAKT_API_KEY");
    cmd
}

fn run(args: &[&str], config: &Path) -> Output {
    command(args, config).output().expect("the binary runs")
}

fn import(file: &Path, config: &Path) -> Output {
    let out = run(&["import", file.to_str().expect("utf-8")], config);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn export(config: &Path) -> String {
    let out = run(&["export"], config);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// A store directory holding the "before" subscriptions.
fn prepared(dir: &Path) -> PathBuf {
    let config = config_for(dir);
    let before = dir.join("before.json");
    std::fs::write(&before, before_text()).expect("write");
    import(&before, &config);
    config
}

fn sorted(mut subs: Vec<Subscription>) -> Vec<Subscription> {
    subs.sort_by(|a, b| (a.guild, a.channel, &a.show).cmp(&(b.guild, b.channel, &b.show)));
    subs
}

#[test]
fn a_100k_import_killed_mid_way_then_rerun_equals_the_one_shot_import() {
    let (file, _) = big_file();
    let (one_dir, cut_dir) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let (one, cut) = (prepared(one_dir.path()), prepared(cut_dir.path()));
    assert_eq!(export(&one), export(&cut), "same starting state");

    let started = Instant::now();
    let out = import(file, &one);
    eprintln!(
        "one-shot import of {SUBSCRIPTIONS} (debug build): {:?}",
        started.elapsed()
    );
    let said = String::from_utf8_lossy(&out.stderr);
    let chunks = SUBSCRIPTIONS.div_ceil(CHUNK);
    assert!(
        said.contains(&format!("chunk {chunks}/{chunks} written")),
        "{said}"
    );
    let one_shot = export(&one);
    let imported: Vec<Subscription> = serde_json::from_str(&one_shot).expect("json");
    // Every (channel, show) of the file was in or came in: the file wins.
    assert_eq!(imported, sorted(big_subs()));

    // The same import, killed with SIGKILL once its second chunk is durable.
    let mut child = command(&["import", file.to_str().expect("utf-8")], &cut)
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let second = format!("chunk 2/{chunks} written");
    loop {
        let line = lines
            .next()
            .expect("the import reports its chunks")
            .expect("read");
        if line.contains(&second) {
            break;
        }
    }
    child.kill().expect("SIGKILL");
    let status = child.wait().expect("reap");
    assert!(!status.success(), "the import finished before the kill");
    let partial: Vec<Subscription> = serde_json::from_str(&export(&cut)).expect("json");
    assert_ne!(partial, imported, "the kill left a partial import");

    // The rerun finishes the job: byte for byte the one-shot export.
    import(file, &cut);
    assert_eq!(export(&cut), one_shot);
    // The index the poller reads agrees too.
    let followed = |config: &Path| {
        let dir = config.parent().expect("dir").join("store");
        Store::open(&dir, 4)
            .expect("open")
            .followed_shows()
            .expect("followed")
    };
    assert_eq!(followed(&cut), followed(&one));
}

#[test]
fn a_100k_file_with_a_malformed_last_element_writes_nothing() {
    let (_, text) = big_file();
    let dir = tempfile::tempdir().expect("dir");
    let config = prepared(dir.path());
    let before = export(&config);
    let last_line = text.lines().count();

    // Broken JSON on the file's last element; then an invalid value there.
    let broken_json = {
        let at = text.rfind("\"title\"").expect("a title");
        format!(
            "{}\"title\" \"Show\",{}",
            &text[..at],
            &text[at..].split_once(',').expect(",").1
        )
    };
    let bad_value = {
        let at = text.rfind("\"actions\"").expect("actions");
        let end = at + text[at..].find('\n').expect("a newline");
        format!(
            "{}\"actions\": \"seen,bogus\",{}",
            &text[..at],
            &text[end..]
        )
    };
    for (name, bad, marker, needle) in [
        (
            "broken.json",
            broken_json,
            "\"title\" \"Show\"",
            "expected `:`",
        ),
        ("bad-value.json", bad_value, "seen,bogus", "bogus"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, &bad).expect("write");
        // 1-based: the lines before the marker, plus its own.
        let line = bad[..bad.rfind(marker).expect("the marker")]
            .lines()
            .count();
        assert!(line + 12 > last_line, "near the end: {line} of {last_line}");
        let started = Instant::now();
        let out = run(&["import", path.to_str().expect("utf-8")], &config);
        eprintln!("refusing {name} (debug build): {:?}", started.elapsed());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{err}");
        assert!(err.contains(&format!("line {line}")), "{err}");
        assert!(err.contains(needle), "{err}");
        assert!(!err.contains("chunk"), "nothing was written: {err}");
        assert_eq!(export(&config), before);
    }
}
