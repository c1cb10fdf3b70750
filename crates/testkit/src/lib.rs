//! Sidik's test kit, ONE place for what tests share:
//!
//! - [`fixtures`]: residents, synthetic fingerprints, images, officers.
//! - [`contract`]: the behaviour every storage backend must show ([`contract::run_all`]
//!   runs all of it: `Store`, `SyncStore` and `CentreStore`).
//! - [`process`]: real `sidik` processes on loopback (free ports, start and wait until
//!   up, SIGKILL, logs, one-shot commands) and an HTTP client for them (logins, form
//!   posts, pages, metrics).
//! - [`postgres`]: a throwaway PostgreSQL cluster (`initdb` + `pg_ctl` on a free
//!   loopback port) with a fresh database per test, for the PostgreSQL backend's suite.
//!
//! Architecture invariant: no serving node depends on this crate. Its users are tests
//! (as a dev-dependency) and the `simulate` crate, which is itself a harness of real
//! processes (`sidik simulate outage`).

pub mod contract;
pub mod fixtures;
pub mod postgres;
pub mod process;
