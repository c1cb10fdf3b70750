//! One way to read a row's columns, whichever SQLite driver fetched it: sqlx's
//! `SqliteRow` (every statement but one) or rusqlite's `Row` (the citizen's status
//! lookup, [`crate::lihat`]), so each record has one row mapper.

use sidik_store::Result;
use sqlx::Row;

use crate::be;

pub(crate) trait Baris {
    fn teks(&self, kolom: &str) -> Result<String>;
    fn teks_opt(&self, kolom: &str) -> Result<Option<String>>;
    fn angka(&self, kolom: &str) -> Result<i64>;
    fn angka_opt(&self, kolom: &str) -> Result<Option<i64>>;
}

impl Baris for sqlx::sqlite::SqliteRow {
    fn teks(&self, kolom: &str) -> Result<String> {
        self.try_get(kolom).map_err(be)
    }
    fn teks_opt(&self, kolom: &str) -> Result<Option<String>> {
        self.try_get(kolom).map_err(be)
    }
    fn angka(&self, kolom: &str) -> Result<i64> {
        self.try_get(kolom).map_err(be)
    }
    fn angka_opt(&self, kolom: &str) -> Result<Option<i64>> {
        self.try_get(kolom).map_err(be)
    }
}

impl Baris for rusqlite::Row<'_> {
    fn teks(&self, kolom: &str) -> Result<String> {
        self.get(kolom).map_err(crate::sinkron::galat)
    }
    fn teks_opt(&self, kolom: &str) -> Result<Option<String>> {
        self.get(kolom).map_err(crate::sinkron::galat)
    }
    fn angka(&self, kolom: &str) -> Result<i64> {
        self.get(kolom).map_err(crate::sinkron::galat)
    }
    fn angka_opt(&self, kolom: &str) -> Result<Option<i64>> {
        self.get(kolom).map_err(crate::sinkron::galat)
    }
}
