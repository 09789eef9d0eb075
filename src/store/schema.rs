//! Opening the database and its schema version: the trees, and the ordered
//! list of migrations run from the stored version up to [`SCHEMA_VERSION`].
//!
//! A migration is needed only when the meaning or format of stored data
//! changes; a new tree that starts empty needs none. So the `quarantine`
//! tree (added after version 2) did NOT bump the version: a version-2 build
//! opening a store that has one simply never opens it, and works as before,
//! so going back to an older build stays possible.

use std::path::Path;
use std::sync::{Arc, Mutex};

use super::{corrupt, Store, StoreError, TreeId};

pub(super) const SCHEMA_KEY: &[u8] = b"schema_version";

/// What a migration does, and the function that does it (idempotent: the new
/// version is recorded only after it returns, so a crash in between runs it
/// again on the next open).
type Migration = (&'static str, fn(&Store) -> Result<(), StoreError>);

/// `MIGRATIONS[i]` brings a store from version `i` to version `i + 1`
/// (version 0 is a store written before versions were recorded).
const MIGRATIONS: &[Migration] = &[
    ("record the schema version", |_| Ok(())),
    ("build the followers index", Store::rebuild_followers),
    (
        "outbox entries carry the activity model",
        Store::migrate_outbox_to_model,
    ),
    // Nothing to rewrite: version 4 may hold shows keyed by Trakt id
    // (`ShowRef::Trakt`), subscriptions with a `slug`, v2 marks in show
    // states and a `feeds` tree. Older builds cannot read those, so the
    // version goes up and they refuse the store with a clear message.
    ("shows may be stored by Trakt id with v2 marks", |_| Ok(())),
    // One `followers` record per show instead of one entry per subscription
    // (`followers`), packed from the old entries.
    (
        "the followers index holds one record per show",
        Store::pack_followers,
    ),
];

/// The schema version this build writes and reads: one per migration.
/// Version 2 added the `followers` index; version 3 stores outbox entries
/// with the bot's activity model instead of the v1 wire item
/// (`migrate_outbox`); version 4 adds what v2 follows store (Trakt-id show
/// keys, slugs, v2 marks, feed watermarks), and rewrites nothing; version 5
/// packs the `followers` index into one record per show.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Open sled, waiting briefly while a previous handle in this process (whose
/// background flusher still holds the directory lock) finishes closing.
fn open_db(path: &Path, cache_mb: u64) -> Result<sled::Db, StoreError> {
    let config = sled::Config::new()
        .path(path)
        .cache_capacity(cache_mb.saturating_mul(1024 * 1024));
    let mut attempts = 0;
    loop {
        match config.open() {
            Ok(db) => return Ok(db),
            Err(sled::Error::Io(e)) if e.kind() == std::io::ErrorKind::Other && attempts < 40 => {
                attempts += 1;
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

impl Store {
    /// Open (or create) the database at `path` with a page cache of `cache_mb` MiB,
    /// and check its schema version: a fresh database gets [`SCHEMA_VERSION`]; a
    /// newer one is refused with [`StoreError::SchemaTooNew`]; an older one (or a
    /// non-empty one without a version, written before versioning) is migrated.
    pub fn open(path: &Path, cache_mb: u64) -> Result<Store, StoreError> {
        let db = open_db(path, cache_mb)?;
        let mut trees = Vec::with_capacity(TreeId::ALL.len());
        for t in TreeId::ALL {
            trees.push(db.open_tree(t.name())?);
        }
        let trees = trees
            .try_into()
            .map_err(|_| corrupt("tree list", "wrong number of trees"))?;
        let store = Store {
            meta: db.open_tree("meta")?,
            db,
            trees: Arc::new(trees),
            writer: Arc::new(Mutex::new(())),
        };
        store.check_schema()?;
        Ok(store)
    }

    pub(super) fn stored_version(&self) -> Result<Option<u32>, StoreError> {
        let Some(bytes) = self.meta.get(SCHEMA_KEY)? else {
            return Ok(None);
        };
        let raw: [u8; 4] = bytes
            .as_ref()
            .try_into()
            .map_err(|_| corrupt("schema version", format!("{} bytes, not 4", bytes.len())))?;
        Ok(Some(u32::from_be_bytes(raw)))
    }

    fn check_schema(&self) -> Result<(), StoreError> {
        let found = match self.stored_version()? {
            Some(found) if found > SCHEMA_VERSION => {
                return Err(StoreError::SchemaTooNew {
                    found,
                    supported: SCHEMA_VERSION,
                })
            }
            Some(found) => found,
            None if self.trees.iter().all(|t| t.is_empty()) => {
                self.write_schema_version(SCHEMA_VERSION)?;
                tracing::debug!(version = SCHEMA_VERSION, "new store");
                return Ok(());
            }
            None => 0,
        };
        for (from, (what, migrate)) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            migrate(self)?;
            let to = from as u32 + 1;
            self.write_schema_version(to)?;
            tracing::info!(from, to, what, "store schema migrated");
        }
        Ok(())
    }

    pub(super) fn write_schema_version(&self, version: u32) -> Result<(), StoreError> {
        self.meta.insert(SCHEMA_KEY, &version.to_be_bytes())?;
        self.durable()
    }
}
