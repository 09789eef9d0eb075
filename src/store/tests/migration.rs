//! Migration 3 against a store written by the schema-2 build
//! (`tests/fixtures/store-v2/`): v1-shaped outbox entries and an in-flight
//! marker become the activity model, render exactly as that build rendered
//! them, and deliver.

use serde_json::Value;

use super::super::migrate_outbox::{shape_of, Shape};
use super::*;

const TREES_JSON: &str = include_str!("../../../tests/fixtures/store-v2/trees.json");
const EMBEDS_JSON: &str = include_str!("../../../tests/fixtures/store-v2/embeds.json");

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// A stored value from the fixture: the version byte and JSON, or raw bytes.
fn value_bytes(v: &Value) -> Vec<u8> {
    match (v.get("v1"), v.get("hex")) {
        (Some(json), _) => {
            let mut out = vec![1u8];
            serde_json::to_writer(&mut out, json).unwrap();
            out
        }
        (None, Some(Value::String(h))) => unhex(h),
        _ => panic!("bad fixture value {v}"),
    }
}

/// Write the fixture's trees into a fresh sled directory, raw, as the
/// schema-2 build left them; return its path.
fn write_v2_store(dir: &TempDir) -> std::path::PathBuf {
    let path = dir.path().join("db");
    let trees: serde_json::Map<String, Value> = serde_json::from_str(TREES_JSON).unwrap();
    let db = raw_open(&path);
    for (name, rows) in &trees {
        let tree = db.open_tree(name).unwrap();
        for row in rows.as_array().unwrap() {
            let key = unhex(row["key"].as_str().unwrap());
            tree.insert(key, value_bytes(&row["value"])).unwrap();
        }
    }
    db.flush().unwrap();
    drop(db);
    path
}

fn outbox_raw(store: &Store) -> Vec<(Vec<u8>, Vec<u8>)> {
    store
        .tree(TreeId::Outbox)
        .iter()
        .map(|kv| {
            let (k, v) = kv.unwrap();
            (k.to_vec(), v.to_vec())
        })
        .collect()
}

/// The embeds the schema-2 build rendered for `channel`, by outbox id.
fn expected_embeds(channel: u64) -> Vec<(OutboxId, Value)> {
    let all: Value = serde_json::from_str(EMBEDS_JSON).unwrap();
    all[channel.to_string()]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (OutboxId(e["id"].as_u64().unwrap()), e["embed"].clone()))
        .collect()
}

fn rendered(entries: &[OutboxEntry]) -> Vec<(OutboxId, Value)> {
    entries
        .iter()
        .map(|e| {
            let embed = serde_json::to_value(crate::format::render(&e.activity)).unwrap();
            (e.id, embed)
        })
        .collect()
}

#[test]
fn a_store_written_by_today_s_schema_opens_and_delivers() {
    let dir = TempDir::new().unwrap();
    let path = write_v2_store(&dir);
    let store = Store::open(&path, 4).unwrap();
    assert_eq!(store.stored_version().unwrap(), Some(SCHEMA_VERSION));
    assert_eq!(SCHEMA_VERSION, 5);
    assert_eq!(store.outbox_len().unwrap(), 27);
    assert_eq!(store.quarantined_len().unwrap(), 0);
    for (_, raw) in outbox_raw(&store) {
        assert!(matches!(shape_of(&raw), Shape::Current), "not migrated");
    }
    let show = slug("the-walking-dead");
    for channel in [10, 20] {
        let pending = store.pending(ChannelId(channel), usize::MAX).unwrap();
        // Exactly the embeds the schema-2 build rendered, entry by entry.
        assert_eq!(rendered(&pending), expected_embeds(channel), "{channel}");
        for e in &pending {
            assert_eq!(&e.key, e.activity.key(), "the stored key is the model's");
            assert!(store.is_recorded(&show, &e.key).unwrap(), "dedupe key kept");
        }
    }
    // The in-flight marker still names its entries; the resend renders the
    // same embeds as the first send.
    let marker = store.in_flight(ChannelId(10)).unwrap().unwrap();
    assert_eq!(marker.ids, vec![OutboxId(0), OutboxId(2), OutboxId(4)]);
    assert_eq!(marker.nonce, "fixture-nonce");
    let resend = store.entries(ChannelId(10), &marker.ids).unwrap();
    let before: Vec<_> = expected_embeds(10).into_iter().take(3).collect();
    assert_eq!(rendered(&resend), before);
    // Deliver it: pack, ack; the channel's next batch follows.
    let embeds = resend.iter().map(|e| crate::format::render(&e.activity));
    let message = crate::format::pack(embeds.collect())
        .into_iter()
        .next()
        .unwrap();
    assert_eq!(message.embeds.len(), 3);
    store.ack(ChannelId(10), &marker.ids).unwrap();
    assert_eq!(store.in_flight(ChannelId(10)).unwrap(), None);
    assert_eq!(store.outbox_len().unwrap(), 24);
    let next = store.pending(ChannelId(10), 1).unwrap();
    assert_eq!(next[0].id, OutboxId(6));
}

#[test]
fn the_migration_is_idempotent_and_finishes_after_a_crash() {
    let dir = TempDir::new().unwrap();
    let path = write_v2_store(&dir);
    let old = {
        let raw = raw_open(&path);
        let old = raw
            .open_tree("outbox")
            .unwrap()
            .get(keys::outbox(ChannelId(10), OutboxId(2)));
        old.unwrap().unwrap().to_vec()
    };
    let store = Store::open(&path, 4).unwrap();
    let migrated = snapshot(&store);
    // Run twice: nothing to do.
    let again = store.migrate_outbox_in_batches(4).unwrap();
    assert_eq!((again.rewritten, again.quarantined), (0, 0));
    assert_eq!(snapshot(&store), migrated);
    // A crash mid-way: version still 2, one entry still in the v1 shape.
    store.write_schema_version(2).unwrap();
    store
        .tree(TreeId::Outbox)
        .insert(keys::outbox(ChannelId(10), OutboxId(2)), old)
        .unwrap();
    drop(store);
    let store = Store::open(&path, 4).unwrap();
    assert_eq!(store.stored_version().unwrap(), Some(SCHEMA_VERSION));
    assert_eq!(snapshot(&store), migrated);
}

#[test]
fn the_migration_works_in_bounded_batches() {
    let dir = TempDir::new().unwrap();
    let path = write_v2_store(&dir);
    // Migrate by hand, 4 entries per transaction: 27 entries, 7 batches.
    let raw = raw_open(&path);
    drop(raw);
    let store = {
        // Open at the current version without migrating, by claiming it.
        let db = raw_open(&path);
        db.open_tree("meta")
            .unwrap()
            .insert(SCHEMA_KEY, &SCHEMA_VERSION.to_be_bytes())
            .unwrap();
        db.flush().unwrap();
        drop(db);
        Store::open(&path, 4).unwrap()
    };
    let done = store.migrate_outbox_in_batches(4).unwrap();
    assert_eq!(done.rewritten, 27);
    assert_eq!(done.batches, 7);
    assert_eq!(
        rendered(&store.pending(ChannelId(20), usize::MAX).unwrap()),
        expected_embeds(20)
    );
}

#[test]
fn an_undecodable_entry_is_quarantined_by_the_migration() {
    let dir = TempDir::new().unwrap();
    let path = write_v2_store(&dir);
    {
        let db = raw_open(&path);
        let outbox = db.open_tree("outbox").unwrap();
        outbox
            .insert(
                keys::outbox(ChannelId(10), OutboxId(0)),
                &b"\x01{\"nope\":1}"[..],
            )
            .unwrap();
        db.flush().unwrap();
    }
    let store = Store::open(&path, 4).unwrap();
    assert_eq!(store.stored_version().unwrap(), Some(SCHEMA_VERSION));
    assert_eq!(store.quarantined_len().unwrap(), 1);
    assert_eq!(store.outbox_len().unwrap(), 26);
    let marker = store.in_flight(ChannelId(10)).unwrap().unwrap();
    assert_eq!(marker.ids, vec![OutboxId(2), OutboxId(4)]);
}

#[test]
fn a_newer_schema_is_still_refused() {
    let dir = TempDir::new().unwrap();
    let path = write_v2_store(&dir);
    {
        let db = raw_open(&path);
        db.open_tree("meta")
            .unwrap()
            .insert(SCHEMA_KEY, &(SCHEMA_VERSION + 1).to_be_bytes())
            .unwrap();
        db.flush().unwrap();
    }
    match Store::open(&path, 4) {
        Err(StoreError::SchemaTooNew { found, supported })
            if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION => {}
        other => panic!("{other:?}"),
    }
}

/// Open the directory with sled directly, waiting (as `Store::open` does)
/// while a handle dropped a moment ago still holds its lock.
fn raw_open(path: &std::path::Path) -> sled::Db {
    for _ in 0..100 {
        match sled::open(path) {
            Ok(db) => return db,
            Err(sled::Error::Io(e)) if e.kind() == std::io::ErrorKind::Other => {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(e) => panic!("cannot open {}: {e}", path.display()),
        }
    }
    panic!("{} stayed locked", path.display())
}
