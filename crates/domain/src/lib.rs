//! Sidik's domain model.
//!
//! Architecture invariant: this crate performs no I/O, never reads the clock and never
//! draws random numbers. Time, identifiers and randomness are passed in by the caller,
//! which keeps every rule here deterministic and testable.

pub mod aspirasi;
pub mod audit;
pub mod biometrik;
pub mod cetak;
pub mod csv;
pub mod enums;
pub mod eta;
pub mod kabar;
pub mod kalender;
pub mod keputusan;
pub mod ketunggalan;
pub mod kk;
pub mod nik;
pub mod penduduk;
pub mod pengumuman;
pub mod permohonan;
pub mod suket;
pub mod tanggal;
pub mod user;

pub use enums::*;
pub use keputusan::{Hasil, Keputusan, StatusPaket};
pub use kk::NomorKk;
pub use nik::Nik;
pub use penduduk::{Penduduk, RtRw};
pub use permohonan::{Aksi, KodeKantor, NomorRegistrasi, Permohonan, Riwayat, Status};
pub use user::{Peran, Username};
