//! The print queue's rules and the blank-card (blanko) ledger of an office.
//!
//! Queue order: urgent declared needs first (earliest date needed first), then the
//! elderly and people with disabilities, then everyone else; within a class, first come
//! first served by the sequence number given when the application joined the queue. A
//! spoiled print goes back with its original sequence number, so it returns to its place.

use std::fmt;

use jiff::civil::Date;

/// The age from which an applicant counts as elderly (lansia).
pub const UMUR_LANSIA: i16 = 60;

/// A declared urgent need for the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Keperluan {
    Sim,
    Stnk,
    Paspor,
    Sekolah,
    Bank,
}

impl Keperluan {
    pub const ALL: &'static [Keperluan] = &[
        Keperluan::Sim,
        Keperluan::Stnk,
        Keperluan::Paspor,
        Keperluan::Sekolah,
        Keperluan::Bank,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Keperluan::Sim => "sim",
            Keperluan::Stnk => "stnk",
            Keperluan::Paspor => "paspor",
            Keperluan::Sekolah => "sekolah",
            Keperluan::Bank => "bank",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Keperluan::Sim => "SIM",
            Keperluan::Stnk => "STNK",
            Keperluan::Paspor => "Paspor",
            Keperluan::Sekolah => "Sekolah",
            Keperluan::Bank => "Bank",
        }
    }

    /// Accepts the slug or the label, case-insensitively.
    pub fn parse(s: &str) -> Result<Keperluan, String> {
        let t = s.trim();
        Keperluan::ALL
            .iter()
            .copied()
            .find(|k| k.slug().eq_ignore_ascii_case(t) || k.label().eq_ignore_ascii_case(t))
            .ok_or_else(|| {
                format!(
                    "unknown need {t:?}; expected one of: {}",
                    Keperluan::ALL
                        .iter()
                        .map(|k| k.slug())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
    }
}

impl fmt::Display for Keperluan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

/// What moves an application up the print queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Prioritas {
    /// A declared urgent need and the date the card is needed by.
    pub keperluan: Option<(Keperluan, Date)>,
    /// 60 or older (see [`lansia`]).
    pub lansia: bool,
    pub disabilitas: bool,
}

impl Prioritas {
    /// Queue class: 0 = urgent need (ordered by date needed), 1 = elderly or disabled,
    /// 2 = everyone else. Within a class first come first served.
    pub fn kelas(&self) -> u8 {
        if self.keperluan.is_some() {
            0
        } else if self.lansia || self.disabilitas {
            1
        } else {
            2
        }
    }

    /// Indonesian label, e.g. "Mendesak: SIM (perlu 14 September 2015)", "Lansia",
    /// "Penyandang disabilitas", "Biasa".
    pub fn label(&self) -> String {
        if let Some((k, perlu)) = self.keperluan {
            return format!(
                "Mendesak: {} (perlu {})",
                k.label(),
                crate::tanggal::tanggal(perlu)
            );
        }
        match (self.lansia, self.disabilitas) {
            (true, true) => "Lansia, penyandang disabilitas".into(),
            (true, false) => "Lansia".into(),
            (false, true) => "Penyandang disabilitas".into(),
            (false, false) => "Biasa".into(),
        }
    }
}

/// The sort key of a queue entry: (kelas, needed-by date for class 0 else
/// [`Date::MAX`], queued sequence). A spoiled print goes back with its ORIGINAL
/// sequence, so it returns to its place.
pub fn kunci_antrean(p: &Prioritas, antre_seq: i64) -> (u8, Date, i64) {
    let perlu = p.keperluan.map_or(Date::MAX, |(_, d)| d);
    (p.kelas(), perlu, antre_seq)
}

/// Whether someone born on `tanggal_lahir` is 60 or older on `hari_ini`.
pub fn lansia(tanggal_lahir: Date, hari_ini: Date) -> bool {
    crate::penduduk::umur(tanggal_lahir, hari_ini) >= UMUR_LANSIA
}

/// Why a ledger operation was refused; the ledger is then unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BlankoError {
    #[error("the number of blanks must be greater than zero")]
    Nol,
    #[error("{diminta} blanks requested but only {ada} on hand")]
    StokKurang { diminta: u64, ada: u64 },
    #[error("{diminta} prints reported spoiled but only {dipakai} blanks were used")]
    MelebihiDipakai { diminta: u64, dipakai: u64 },
    #[error("the ledger would overflow")]
    Meluap,
    #[error("the ledger is not balanced (used + spoiled exceeds received)")]
    TidakSeimbang,
}

impl BlankoError {
    /// The reason in Indonesian, for pages.
    pub fn pesan(&self) -> String {
        match self {
            BlankoError::Nol => "Jumlah blanko harus lebih dari nol.".into(),
            BlankoError::StokKurang { diminta, ada } => {
                format!("Diminta {diminta} blanko, tetapi stok hanya {ada}.")
            }
            BlankoError::MelebihiDipakai { diminta, dipakai } => format!(
                "Dilaporkan {diminta} cetakan rusak, tetapi blanko terpakai hanya {dipakai}."
            ),
            BlankoError::Meluap => "Jumlah blanko melampaui batas pencatatan.".into(),
            BlankoError::TidakSeimbang => {
                "Buku blanko tidak seimbang: terpakai dan rusak melebihi yang diterima.".into()
            }
        }
    }
}

/// The ledger of blank cards of one office: received = used + spoiled + on hand, never
/// negative. Every operation returns a new ledger or an error (and the old one stays as
/// it was); operations on an unbalanced ledger are refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Blanko {
    pub diterima: u64,
    pub dipakai: u64,
    pub rusak: u64,
}

impl Blanko {
    /// Blanks on hand (0 for an unbalanced ledger).
    pub fn ada(&self) -> u64 {
        self.diterima
            .saturating_sub(self.dipakai)
            .saturating_sub(self.rusak)
    }

    /// Used + spoiled never exceed what was received.
    pub fn seimbang(&self) -> bool {
        self.dipakai
            .checked_add(self.rusak)
            .is_some_and(|keluar| keluar <= self.diterima)
    }

    fn periksa(&self, n: u64) -> Result<(), BlankoError> {
        if !self.seimbang() {
            Err(BlankoError::TidakSeimbang)
        } else if n == 0 {
            Err(BlankoError::Nol)
        } else {
            Ok(())
        }
    }

    /// A delivery of `n > 0` blanks arrived.
    pub fn terima(self, n: u64) -> Result<Blanko, BlankoError> {
        self.periksa(n)?;
        let diterima = self.diterima.checked_add(n).ok_or(BlankoError::Meluap)?;
        Ok(Blanko { diterima, ..self })
    }

    /// `n` blanks go into the printer; refused if `n` exceeds what is on hand.
    pub fn pakai(self, n: u64) -> Result<Blanko, BlankoError> {
        self.periksa(n)?;
        let ada = self.ada();
        if n > ada {
            return Err(BlankoError::StokKurang { diminta: n, ada });
        }
        Ok(Blanko {
            dipakai: self.dipakai + n,
            ..self
        })
    }

    /// `n` already-used blanks turned out spoiled: used -= n, spoiled += n (refused if
    /// `n` exceeds what was used).
    pub fn rusak_cetak(self, n: u64) -> Result<Blanko, BlankoError> {
        self.periksa(n)?;
        if n > self.dipakai {
            return Err(BlankoError::MelebihiDipakai {
                diminta: n,
                dipakai: self.dipakai,
            });
        }
        Ok(Blanko {
            dipakai: self.dipakai - n,
            rusak: self.rusak + n,
            ..self
        })
    }

    /// `n` blanks from stock were found damaged.
    pub fn rusak_stok(self, n: u64) -> Result<Blanko, BlankoError> {
        self.periksa(n)?;
        let ada = self.ada();
        if n > ada {
            return Err(BlankoError::StokKurang { diminta: n, ada });
        }
        Ok(Blanko {
            rusak: self.rusak + n,
            ..self
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    #[test]
    fn needs_parse_and_label() {
        for k in Keperluan::ALL {
            assert_eq!(Keperluan::parse(k.slug()), Ok(*k));
            assert_eq!(Keperluan::parse(k.label()), Ok(*k));
        }
        assert_eq!(Keperluan::parse(" STNK "), Ok(Keperluan::Stnk));
        assert!(Keperluan::parse("ktp").is_err());
    }

    #[test]
    fn classes_and_labels() {
        let sim = Prioritas {
            keperluan: Some((Keperluan::Sim, date(2015, 9, 14))),
            lansia: true,
            disabilitas: false,
        };
        assert_eq!(sim.kelas(), 0);
        assert_eq!(sim.label(), "Mendesak: SIM (perlu 14 September 2015)");
        let lansia = Prioritas {
            lansia: true,
            ..Prioritas::default()
        };
        assert_eq!((lansia.kelas(), lansia.label().as_str()), (1, "Lansia"));
        let dis = Prioritas {
            disabilitas: true,
            ..Prioritas::default()
        };
        assert_eq!(
            (dis.kelas(), dis.label().as_str()),
            (1, "Penyandang disabilitas")
        );
        assert_eq!(
            (Prioritas::default().kelas(), Prioritas::default().label()),
            (2, "Biasa".to_string())
        );
    }

    #[test]
    fn urgent_needs_sort_by_date_then_arrival() {
        let perlu = |d| Prioritas {
            keperluan: Some((Keperluan::Paspor, d)),
            ..Prioritas::default()
        };
        let mut q = [
            kunci_antrean(&Prioritas::default(), 1),
            kunci_antrean(&perlu(date(2015, 9, 20)), 5),
            kunci_antrean(&perlu(date(2015, 9, 14)), 9),
            kunci_antrean(
                &Prioritas {
                    lansia: true,
                    ..Prioritas::default()
                },
                7,
            ),
            kunci_antrean(&perlu(date(2015, 9, 14)), 3),
        ];
        q.sort();
        let seqs: Vec<i64> = q.iter().map(|k| k.2).collect();
        assert_eq!(seqs, [3, 9, 5, 7, 1]);
    }

    #[test]
    fn elderly_from_the_sixtieth_birthday() {
        let lahir = date(1955, 9, 10);
        assert!(!lansia(lahir, date(2015, 9, 9)));
        assert!(lansia(lahir, date(2015, 9, 10)));
        assert!(lansia(date(1940, 1, 1), date(2015, 9, 9)));
    }

    #[test]
    fn ledger_basics_and_messages() {
        let b = Blanko::default().terima(100).unwrap().pakai(30).unwrap();
        assert_eq!(b.ada(), 70);
        let b = b.rusak_cetak(2).unwrap();
        assert_eq!(
            b,
            Blanko {
                diterima: 100,
                dipakai: 28,
                rusak: 2
            }
        );
        assert_eq!(b.ada(), 70, "a spoiled print does not change the stock");
        let b = b.rusak_stok(5).unwrap();
        assert_eq!(b.ada(), 65);
        assert_eq!(
            b.pakai(66),
            Err(BlankoError::StokKurang {
                diminta: 66,
                ada: 65
            })
        );
        assert!(b.pakai(66).unwrap_err().pesan().contains("stok hanya 65"));
        assert_eq!(b.terima(0), Err(BlankoError::Nol));
        assert!(matches!(
            b.rusak_cetak(29),
            Err(BlankoError::MelebihiDipakai { .. })
        ));
        assert_eq!(b.terima(u64::MAX), Err(BlankoError::Meluap));
        let rusak = Blanko {
            diterima: 1,
            dipakai: 2,
            rusak: 0,
        };
        assert!(!rusak.seimbang());
        assert_eq!(rusak.ada(), 0);
        assert_eq!(rusak.terima(5), Err(BlankoError::TidakSeimbang));
    }

    #[derive(Debug, Clone, Copy)]
    enum Op {
        Terima(u64),
        Pakai(u64),
        RusakCetak(u64),
        RusakStok(u64),
    }

    fn op() -> impl Strategy<Value = Op> {
        let n = 0u64..60;
        prop_oneof![
            n.clone().prop_map(Op::Terima),
            n.clone().prop_map(Op::Pakai),
            n.clone().prop_map(Op::RusakCetak),
            n.prop_map(Op::RusakStok),
        ]
    }

    fn prioritas() -> impl Strategy<Value = Prioritas> {
        let need = proptest::option::of((
            proptest::sample::select(Keperluan::ALL),
            (0i64..30).prop_map(|n| date(2015, 9, 1).checked_add(jiff::Span::new().days(n))),
        ));
        (need, any::<bool>(), any::<bool>()).prop_map(|(k, lansia, disabilitas)| Prioritas {
            keperluan: k.map(|(k, d)| (k, d.unwrap())),
            lansia,
            disabilitas,
        })
    }

    proptest! {
        #[test]
        fn the_ledger_stays_balanced(ops in proptest::collection::vec(op(), 0..80)) {
            let mut b = Blanko::default();
            for o in ops {
                let before = b;
                let r = match o {
                    Op::Terima(n) => b.terima(n),
                    Op::Pakai(n) => b.pakai(n),
                    Op::RusakCetak(n) => b.rusak_cetak(n),
                    Op::RusakStok(n) => b.rusak_stok(n),
                };
                match r {
                    Ok(next) => {
                        prop_assert!(next.seimbang());
                        prop_assert!(next.diterima >= before.diterima);
                        prop_assert!(next.rusak >= before.rusak);
                        prop_assert_eq!(next.diterima, next.dipakai + next.rusak + next.ada());
                        b = next;
                    }
                    Err(_) => prop_assert_eq!(b, before, "a refusal changes nothing"),
                }
                prop_assert!(b.seimbang());
            }
        }

        #[test]
        fn queue_order_is_total_and_a_requeued_entry_returns_to_its_place(
            ps in proptest::collection::vec(prioritas(), 1..40),
            pick in any::<proptest::sample::Index>(),
        ) {
            let entries: Vec<(Prioritas, i64)> =
                ps.into_iter().enumerate().map(|(i, p)| (p, i as i64)).collect();
            let key = |e: &(Prioritas, i64)| kunci_antrean(&e.0, e.1);
            let mut sorted = entries.clone();
            sorted.sort_by_key(key);
            // Total and strict: distinct sequences give distinct keys, consistently ordered.
            for w in sorted.windows(2) {
                prop_assert!(key(&w[0]) < key(&w[1]));
                prop_assert!(w[0].0.kelas() <= w[1].0.kelas());
            }
            // Take one out (printed, spoiled) and put it back with its original sequence.
            let i = pick.index(sorted.len());
            let mut q = sorted.clone();
            let spoiled = q.remove(i);
            q.push(spoiled);
            q.sort_by_key(key);
            prop_assert_eq!(q, sorted);
        }
    }
}
