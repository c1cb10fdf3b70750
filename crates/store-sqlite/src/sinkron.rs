//! Synchronous read-only connections (rusqlite over the same `libsqlite3-sys` as sqlx)
//! for the one read that is hot enough for the hand-off to matter: the citizen's status
//! lookup ([`crate::lihat`]). A sqlx SQLite statement is sent to the connection's own
//! worker thread and its rows sent back, two thread wake-ups per lookup that cost more
//! CPU than the indexed statement itself; here the statement runs on the calling
//! thread.
//!
//! It blocks that thread for as long as the statement runs, so only bounded, indexed
//! single-row statements belong here. In WAL mode a reader never waits for the writer;
//! the short busy timeout covers the rare WAL-index recovery.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use sidik_store::{Result, StoreError};

use crate::MMAP_BYTES;

/// Connections kept open between lookups: one per thread that may run a lookup at the
/// same time (the runtime's workers); more are opened under a burst and closed after.
const IDLE_MAX: usize = 8;

pub(crate) struct Pembaca {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

pub(crate) fn galat(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

impl Pembaca {
    pub(crate) fn new(path: &Path) -> Pembaca {
        Pembaca {
            path: path.to_path_buf(),
            idle: Mutex::new(Vec::new()),
        }
    }

    fn open(&self) -> Result<Connection> {
        let c = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(galat)?;
        c.busy_timeout(Duration::from_millis(250)).map_err(galat)?;
        c.pragma_update(None, "mmap_size", MMAP_BYTES as i64)
            .map_err(galat)?;
        c.set_prepared_statement_cache_capacity(8);
        Ok(c)
    }

    /// Runs `f` on an idle connection (or a new one), on this thread.
    pub(crate) fn baca<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let idle = self.idle.lock().map_err(|_| poisoned())?.pop();
        let conn = match idle {
            Some(c) => c,
            None => self.open()?,
        };
        let out = f(&conn);
        let mut idle = self.idle.lock().map_err(|_| poisoned())?;
        if idle.len() < IDLE_MAX {
            idle.push(conn);
        }
        out
    }
}

fn poisoned() -> StoreError {
    StoreError::Backend("the read connection list is poisoned".into())
}
