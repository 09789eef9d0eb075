//! The command line, as the built binary: `check`, `export`, `import`.

use std::path::Path;
use std::process::{Command, Output};

use trakt_herald::ids::{ChannelId, GuildId, UserId};
use trakt_herald::store::{NewFollow, Store};
use trakt_herald::trakt::{ActionSet, ShowRef, TraktTime};

const BIN: &str = env!("CARGO_BIN_EXE_trakt-herald");

fn herald(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("DISCORD_TOKEN")
        .env_remove("TRAKT_API_KEY");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn check_accepts_the_sample_with_secrets_and_masks_them() {
    let out = herald(
        &["check", "--config", "config/default.toml"],
        &[
            ("DISCORD_TOKEN", "tok-VERYSECRET"),
            ("TRAKT_API_KEY", "keyVERYSECRET"),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!shown.contains("VERYSECRET"), "{shown}");
    assert!(shown.contains("token = \"********\""), "{shown}");
    assert!(shown.contains("batch_size = 20"), "{shown}");
}

#[test]
fn check_names_the_missing_or_bad_key() {
    let out = herald(&["check", "--config", "config/default.toml"], &[]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("discord.token"),
        "{}",
        text(&out.stderr)
    );

    let out = herald(
        &["check", "--config", "config/default.toml"],
        &[("DISCORD_TOKEN", "t")],
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("trakt.api_key"),
        "{}",
        text(&out.stderr)
    );

    let dir = tempfile::tempdir().expect("dir");
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[poll]\ninterval = \"soon\"\n").expect("write");
    let out = herald(
        &["check", "--config", bad.to_str().expect("utf-8")],
        &[("DISCORD_TOKEN", "t"), ("TRAKT_API_KEY", "k")],
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("poll.interval"),
        "{}",
        text(&out.stderr)
    );
}

fn config_for(dir: &Path, store: &Path) -> std::path::PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(
        &path,
        format!("[storage]\npath = \"{}\"\ncache_mb = 4\n", store.display()),
    )
    .expect("write config");
    path
}

#[test]
fn export_then_import_round_trips_and_bad_input_writes_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let source = dir.path().join("source.sled");
    {
        let store = Store::open(&source, 4).expect("open");
        for (channel, show, actions) in [
            (20, "the-walking-dead", "seen,shout"),
            (21, "the-walking-dead", "rating"),
            (21, "153021", "all"),
        ] {
            store
                .follow(NewFollow {
                    slug: None,
                    guild: GuildId(10),
                    channel: ChannelId(channel),
                    show: ShowRef::parse(show).expect("show"),
                    title: "The Walking Dead".into(),
                    actions: ActionSet::parse(actions).expect("actions"),
                    created_by: UserId(5),
                    now: 1_700_000_000,
                    start_watermark: Some(TraktTime(1_384_800_000)),
                    max_per_guild: 50,
                })
                .expect("follow");
        }
        store.flush().expect("flush");
    }
    // No secrets are needed for offline work.
    let source_cfg = config_for(dir.path(), &source);
    let out = herald(
        &["export", "--config", source_cfg.to_str().expect("utf-8")],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let exported = text(&out.stdout);
    let export_file = dir.path().join("subs.json");
    std::fs::write(&export_file, &exported).expect("write export");

    let target_dir = dir.path().join("target");
    std::fs::create_dir(&target_dir).expect("mkdir");
    let target = target_dir.join("target.sled");
    let target_cfg = config_for(&target_dir, &target);
    let target_cfg = target_cfg.to_str().expect("utf-8");
    for _ in 0..2 {
        let out = herald(
            &[
                "import",
                export_file.to_str().expect("utf-8"),
                "--config",
                target_cfg,
            ],
            &[],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let out = herald(&["export", "--config", target_cfg], &[]);
    assert!(out.status.success());
    let a: serde_json::Value = serde_json::from_str(&exported).expect("json");
    let b: serde_json::Value = serde_json::from_str(&text(&out.stdout)).expect("json");
    assert_eq!(a, b);
    assert_eq!(a.as_array().map(Vec::len), Some(3));

    // A malformed file: refused with its line, and the store is unchanged.
    let broken = dir.path().join("broken.json");
    let mut lines: Vec<String> = exported.lines().map(str::to_owned).collect();
    let at = lines
        .iter()
        .position(|l| l.contains("\"show\""))
        .expect("a show line");
    lines[at] = lines[at].replace("the-walking-dead", "The Walking Dead");
    std::fs::write(&broken, lines.join("\n")).expect("write");
    let empty_dir = dir.path().join("empty");
    std::fs::create_dir(&empty_dir).expect("mkdir");
    let empty = empty_dir.join("empty.sled");
    let empty_cfg = config_for(&empty_dir, &empty);
    let empty_cfg = empty_cfg.to_str().expect("utf-8");
    let out = herald(
        &[
            "import",
            broken.to_str().expect("utf-8"),
            "--config",
            empty_cfg,
        ],
        &[],
    );
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains(&format!("line {}", at + 1)), "{err}");
    let out = herald(&["export", "--config", empty_cfg], &[]);
    assert!(out.status.success());
    assert_eq!(text(&out.stdout).trim(), "[]");
}
