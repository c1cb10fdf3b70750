//! Deterministic demo data for Sidik.
//!
//! * [`population`] / [`population_iter`]: synthetic but realistic residents of Kota
//!   Administrasi Jakarta Utara (31.72), family by family, with valid and unique NIKs and
//!   KK numbers. Everything follows from a seed and a `today` passed in: no clock, no OS
//!   randomness, no I/O.
//! * The resident CSV format itself is production code: `sidik_domain::csv`.

mod data;
mod gen;
mod rng;

pub use data::PEKERJAAN;
pub use gen::{population, population_iter, Generator, UMUR_MAKS};

#[cfg(test)]
mod tests;
