//! The centre's database: SQLite in its data folder (the default), or with
//! `--db postgres` a throwaway PostgreSQL cluster on loopback
//! (`sidik_testkit::postgres::Cluster`: `initdb` and `pg_ctl` from Debian's
//! `postgresql`, a temp dir, a free port).
//!
//! The cluster is a server of its own: the outage SIGKILLs the centre process, never
//! the database, so the cluster runs from before provisioning to the end of the run and
//! is stopped (and its directory removed) when [`Database`] is dropped — after the
//! nodes, which are declared after it. It runs with `fsync=off` and
//! `synchronous_commit=off` like the test kit's clusters: that only matters if the
//! PostgreSQL server itself (or the machine) dies, which this replay does not do.

use anyhow::{anyhow, Context, Result};
use sidik_testkit::postgres;

use crate::CentreDb;

/// The database the simulator's centre uses.
pub(super) enum Database {
    /// SQLite in the centre's data folder (created by the centre's commands).
    Sqlite,
    /// A database on a throwaway PostgreSQL cluster, stopped on drop.
    Postgres {
        cluster: postgres::Cluster,
        url: String,
        version: String,
        /// The postmaster's pid (`None` if it could not be found).
        server_pid: Option<u32>,
    },
}

/// The database created on the cluster for the centre.
const DB_NAME: &str = "sidik_pusat";

/// The message when `--db postgres` finds no PostgreSQL server binaries.
fn missing_postgres() -> anyhow::Error {
    anyhow!(
        "--db postgres needs the PostgreSQL server binaries (initdb and pg_ctl in \
         /usr/lib/postgresql/<version>/bin) and none were found: install Debian's \
         postgresql package (apt-get install postgresql) or run with --db sqlite"
    )
}

impl Database {
    /// For SQLite nothing; for PostgreSQL starts the cluster and creates the centre's
    /// (empty) database.
    pub(super) async fn start(kind: CentreDb) -> Result<Database> {
        match kind {
            CentreDb::Sqlite => Ok(Database::Sqlite),
            CentreDb::Postgres => {
                let bin = postgres::find_bin().ok_or_else(missing_postgres)?;
                // initdb and pg_ctl block for a few seconds: off the async workers.
                tokio::task::spawn_blocking(move || -> Result<Database> {
                    let cluster = postgres::Cluster::start_with(&bin).with_context(|| {
                        format!("starting a PostgreSQL cluster with {}", bin.display())
                    })?;
                    cluster
                        .sql("postgres", &format!("CREATE DATABASE {DB_NAME}"))
                        .context("creating the centre's database")?;
                    let version = cluster
                        .sql("postgres", "SHOW server_version")
                        .map(|v| v.trim().to_string())
                        .unwrap_or_else(|_| "?".into());
                    let url = cluster.url(DB_NAME);
                    let server_pid = postmaster_pid(&cluster);
                    Ok(Database::Postgres {
                        cluster,
                        url,
                        version,
                        server_pid,
                    })
                })
                .await
                .context("the PostgreSQL start-up task")?
            }
        }
    }

    /// The centre's `--db` URL (`None`: SQLite in its data folder).
    pub(super) fn url(&self) -> Option<&str> {
        match self {
            Database::Sqlite => None,
            Database::Postgres { url, .. } => Some(url),
        }
    }

    /// The PostgreSQL server's postmaster (`None` on SQLite).
    pub(super) fn server_pid(&self) -> Option<u32> {
        match self {
            Database::Sqlite => None,
            Database::Postgres { server_pid, .. } => *server_pid,
        }
    }

    /// One line for the report's header.
    pub(super) fn describe(&self) -> String {
        match self {
            Database::Sqlite => "SQLite in the centre's data folder".into(),
            Database::Postgres {
                cluster,
                url,
                version,
                ..
            } => format!(
                "PostgreSQL {version}, a throwaway cluster on 127.0.0.1:{} ({url}); only the centre process is killed at the outage, the database server keeps running",
                cluster.port()
            ),
        }
    }
}

/// The postmaster's pid: the first line of `postmaster.pid` in the server's data
/// directory.
fn postmaster_pid(cluster: &postgres::Cluster) -> Option<u32> {
    let data = cluster.sql("postgres", "SHOW data_directory").ok()?;
    let pidfile = std::path::Path::new(data.trim()).join("postmaster.pid");
    std::fs::read_to_string(pidfile)
        .ok()?
        .lines()
        .next()?
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sqlite_needs_no_server() {
        let db = Database::start(CentreDb::Sqlite).await.unwrap();
        assert_eq!(db.url(), None);
        assert!(db.describe().starts_with("SQLite"));
    }

    #[test]
    fn the_missing_server_message_says_what_to_install() {
        let m = missing_postgres().to_string();
        assert!(m.contains("apt-get install postgresql"), "{m}");
        assert!(m.contains("--db sqlite"), "{m}");
    }
}
