//! The honest ETA (perkiraan selesai) of an e-KTP, and the print plan behind
//! `sidik plan print --clear-by DATE`.
//!
//! The model: from today on, each working day `d` prints
//! `min(capacity of d, blanks on hand at the start of d + deliveries arriving on d)`
//! cards, where today's capacity is what is left of it (`sisa_hari_ini`) and a later
//! working day's is `per_hari`. Non-working days print nothing (deliveries dated on them
//! still arrive). Queue position `p` (0-based) is printed on the first day the cumulative
//! count exceeds `p`. The model assumes the queue ahead never runs dry and every print
//! succeeds; it promises no date that depends on blanks nobody has scheduled.
//!
//! Working days come from [`Kalender`]; in a year whose holidays are not loaded only
//! weekends are skipped, so callers should say a date there is less certain
//! ([`Kalender::tahun_dimuat`]).

use jiff::civil::Date;

use crate::kalender::Kalender;

/// How far ahead the day-by-day simulation looks (three years of days).
pub const CAKRAWALA_HARI: u32 = 3 * 366;

/// A scheduled blank delivery that has not been received yet. It arrives at the start of
/// its day; one dated before today is late and is not counted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kiriman {
    pub tanggal: Date,
    pub jumlah: u64,
}

/// The office's printing capacity and blank supply.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KapasitasCetak {
    /// Sum of the active printers' daily capacity.
    pub per_hari: u32,
    /// What is left of today's capacity (0 after office hours).
    pub sisa_hari_ini: u32,
    /// Blanks on hand now.
    pub blanko_ada: u64,
    /// Scheduled deliveries (arrive at the start of that day).
    pub kiriman: Vec<Kiriman>,
}

/// Whether the national centre (pusat) is reachable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeadaanPusat {
    Normal,
    Terputus { sejak: Date },
}

/// Where an application stands, as far as the ETA is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tahap {
    /// Sent, waiting for the national uniqueness check.
    MenungguPusat,
    /// In the print queue; `posisi` 0 is printed next. The print queue is local, so it is
    /// not held up by an outage of the centre.
    DalamAntrean {
        posisi: u64,
    },
    SudahDicetak,
    /// Anything else (rejected, awaiting adjudication, ...).
    Lainnya,
}

/// The ETA shown to officers and citizens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Perkiraan {
    /// Ready on `tanggal`, `hari_kerja` working days from today (0 = today).
    Tanggal { tanggal: Date, hari_kerja: u32 },
    /// The centre is down: ready `hari_kerja` working days after it is back.
    SetelahPusatPulih { hari_kerja: u32 },
    /// Not enough blanks and none scheduled: no date can be promised.
    MenungguBlanko,
    /// No active printer (or too little capacity to promise any date).
    TanpaKapasitas,
    /// Printed, rejected, ...: no ETA applies.
    TidakBerlaku,
}

impl Perkiraan {
    /// The Indonesian sentence for pages.
    pub fn kalimat(&self) -> String {
        match self {
            Perkiraan::Tanggal {
                tanggal,
                hari_kerja: 0,
            } => format!(
                "Perkiraan kartu selesai: {} (hari ini).",
                crate::tanggal::tanggal_hari(*tanggal)
            ),
            Perkiraan::Tanggal {
                tanggal,
                hari_kerja,
            } => format!(
                "Perkiraan kartu selesai: {} ({hari_kerja} hari kerja lagi).",
                crate::tanggal::tanggal_hari(*tanggal)
            ),
            Perkiraan::SetelahPusatPulih { hari_kerja } => format!(
                "Pusat data sedang terputus: kartu diperkirakan selesai {hari_kerja} hari kerja setelah pusat pulih."
            ),
            Perkiraan::MenungguBlanko => {
                "Blanko kartu sedang habis; tanggal selesai belum dapat diperkirakan.".into()
            }
            Perkiraan::TanpaKapasitas => {
                "Tidak ada mesin cetak yang aktif; tanggal selesai belum dapat diperkirakan."
                    .into()
            }
            Perkiraan::TidakBerlaku => {
                "Perkiraan tanggal selesai tidak berlaku untuk permohonan ini.".into()
            }
        }
    }
}

/// When queue position `posisi` (0-based) gets printed, if ever.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HasilSimulasi {
    Dicetak(Date),
    BlankoKurang,
    KapasitasKurang,
}

/// Deliveries arriving on `d` (not before `hari_ini`: late ones are not counted on).
fn tiba_pada(kap: &KapasitasCetak, d: Date) -> u64 {
    kap.kiriman
        .iter()
        .filter(|k| k.tanggal == d)
        .fold(0u64, |n, k| n.saturating_add(k.jumlah))
}

/// Simulates day by day from `hari_ini` for [`CAKRAWALA_HARI`] days. Past the last
/// delivery the outcome follows arithmetically, so a slow queue still gets its date.
fn simulasikan(kap: &KapasitasCetak, kal: &Kalender, hari_ini: Date, posisi: u64) -> HasilSimulasi {
    let butuh = posisi.saturating_add(1);
    let terakhir = kap.kiriman.iter().map(|k| k.tanggal).max();
    let mut stok = kap.blanko_ada;
    let mut cetak = 0u64;
    let mut d = hari_ini;
    let mut hari_ke = 0u32;
    loop {
        stok = stok.saturating_add(tiba_pada(kap, d));
        if kal.hari_kerja(d) {
            let kapasitas = if hari_ke == 0 {
                kap.sisa_hari_ini
            } else {
                kap.per_hari
            };
            let n = stok.min(u64::from(kapasitas));
            stok -= n;
            cetak = cetak.saturating_add(n);
            if cetak >= butuh {
                return HasilSimulasi::Dicetak(d);
            }
        }
        hari_ke += 1;
        // Past the last delivery (or the horizon: later deliveries are not counted on).
        let selesai = terakhir.is_none_or(|t| t <= d) || hari_ke >= CAKRAWALA_HARI;
        match d.tomorrow() {
            Ok(next) if !selesai => d = next,
            _ => return sisa_tanpa_kiriman(kap, kal, d, stok, butuh - cetak),
        }
    }
}

/// After day `d`, with no more deliveries: `sisa` more cards to print from `stok`.
fn sisa_tanpa_kiriman(
    kap: &KapasitasCetak,
    kal: &Kalender,
    d: Date,
    stok: u64,
    sisa: u64,
) -> HasilSimulasi {
    if sisa > stok {
        return HasilSimulasi::BlankoKurang;
    }
    if kap.per_hari == 0 {
        return HasilSimulasi::KapasitasKurang;
    }
    let hari = sisa.div_ceil(u64::from(kap.per_hari));
    match u32::try_from(hari) {
        Ok(hari) if hari <= 100 * 262 => HasilSimulasi::Dicetak(kal.tambah_hari_kerja(d, hari)),
        // More than a century of printing: no date worth promising.
        _ => HasilSimulasi::KapasitasKurang,
    }
}

/// The cards that will be printed before an application, as far as its office can know.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Didahului {
    /// Certainly ahead: queued ahead of it, or enrolled earlier and still waiting for
    /// the centre (which decides in enrollment order, so they are approved first).
    pub pasti: u64,
    /// Enrolled later but with a higher print priority (elderly, disabled, a declared
    /// urgent need) and still waiting for the centre: for each, how many waiting
    /// applications the centre decides before it. They go ahead only if approved before
    /// this card is printed.
    pub menyusul: Vec<u64>,
}

/// The queue position an application will in effect have: [`Didahului::pasti`] plus the
/// later, higher-priority applications the centre will have approved before the day it
/// is printed, at `keputusan_per_hari` decisions per calendar day (the office's recent
/// rate). Without a rate (nothing decided lately), all of them count while the centre
/// is reachable (they are decided within minutes) and none while it is down. The count
/// and the print day depend on each other; the count only grows, so this settles.
pub fn posisi_efektif(
    d: &Didahului,
    kap: &KapasitasCetak,
    kal: &Kalender,
    hari_ini: Date,
    pusat: &KeadaanPusat,
    keputusan_per_hari: f64,
) -> u64 {
    let semua = d.pasti.saturating_add(d.menyusul.len() as u64);
    if d.menyusul.is_empty() {
        return d.pasti;
    }
    if keputusan_per_hari <= 0.0 || !keputusan_per_hari.is_finite() {
        return match pusat {
            KeadaanPusat::Normal => semua,
            KeadaanPusat::Terputus { .. } => d.pasti,
        };
    }
    let mut posisi = d.pasti;
    loop {
        let HasilSimulasi::Dicetak(tanggal) = simulasikan(kap, kal, hari_ini, posisi) else {
            return posisi;
        };
        let hari = tanggal
            .since(hari_ini)
            .map_or(0.0, |s| f64::from(s.get_days()));
        // Decided after `rank / rate` days: ahead if that is before its print day.
        let k = d
            .menyusul
            .iter()
            .filter(|&&rank| (rank as f64) / keputusan_per_hari < hari)
            .count() as u64;
        let baru = d.pasti.saturating_add(k);
        if baru <= posisi {
            return posisi;
        }
        posisi = baru;
    }
}

/// The ETA of an application.
///
/// - `DalamAntrean { posisi }`: printed when the cumulative count from today exceeds
///   `posisi`.
/// - `MenungguPusat`, centre `Normal`: the check takes `keputusan_hari_kerja` working
///   days, then the application joins the end of the queue (position `antrean_total`);
///   it cannot be printed before it has joined.
/// - `MenungguPusat`, centre `Terputus`: the same count as if the centre came back today,
///   given as [`Perkiraan::SetelahPusatPulih`].
///
/// [`Perkiraan::TanpaKapasitas`] when no printer is active (`per_hari` and
/// `sisa_hari_ini` both 0) or the position lies beyond today's remainder with `per_hari`
/// 0; [`Perkiraan::MenungguBlanko`] when the blanks on hand and scheduled never suffice.
pub fn perkirakan(
    tahap: &Tahap,
    kap: &KapasitasCetak,
    kal: &Kalender,
    hari_ini: Date,
    pusat: &KeadaanPusat,
    antrean_total: u64,
    keputusan_hari_kerja: u32,
) -> Perkiraan {
    let (posisi, paling_awal) = match tahap {
        Tahap::SudahDicetak | Tahap::Lainnya => return Perkiraan::TidakBerlaku,
        Tahap::DalamAntrean { posisi } => (*posisi, hari_ini),
        Tahap::MenungguPusat => (
            antrean_total,
            kal.tambah_hari_kerja(hari_ini, keputusan_hari_kerja),
        ),
    };
    if kap.per_hari == 0 && kap.sisa_hari_ini == 0 {
        return Perkiraan::TanpaKapasitas;
    }
    let tanggal = match simulasikan(kap, kal, hari_ini, posisi) {
        HasilSimulasi::Dicetak(d) => d.max(paling_awal),
        HasilSimulasi::BlankoKurang => return Perkiraan::MenungguBlanko,
        HasilSimulasi::KapasitasKurang => return Perkiraan::TanpaKapasitas,
    };
    let hari_kerja = u32::try_from(kal.hari_kerja_antara(hari_ini, tanggal)).unwrap_or(0);
    match (tahap, pusat) {
        (Tahap::MenungguPusat, KeadaanPusat::Terputus { .. }) => {
            Perkiraan::SetelahPusatPulih { hari_kerja }
        }
        _ => Perkiraan::Tanggal {
            tanggal,
            hari_kerja,
        },
    }
}

/// What it takes to clear the queue by a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rencana {
    /// Working days from today through the target date (today counts if it is a working
    /// day with capacity left).
    pub hari_kerja: u32,
    /// Cards to print per working day, rounded up.
    pub kartu_per_hari: u64,
    /// Blanks still to order beyond those on hand and the deliveries scheduled up to the
    /// target date.
    pub blanko_kurang: u64,
    /// Whether the current capacity (today's remainder, then `per_hari` on each working
    /// day) clears the queue by the target date.
    pub cukup_kapasitas: bool,
}

/// Why no plan can be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RencanaError {
    #[error("the target date {selesai} is before today ({hari_ini})")]
    SudahLewat { hari_ini: Date, selesai: Date },
    #[error("there is no working day from {hari_ini} to {selesai}")]
    TanpaHariKerja { hari_ini: Date, selesai: Date },
}

impl RencanaError {
    /// The reason in Indonesian, for pages.
    pub fn pesan(&self) -> String {
        use crate::tanggal::tanggal_hari;
        match self {
            RencanaError::SudahLewat { hari_ini, selesai } => format!(
                "Tanggal target {} sudah lewat (hari ini {}).",
                tanggal_hari(*selesai),
                tanggal_hari(*hari_ini)
            ),
            RencanaError::TanpaHariKerja { hari_ini, selesai } => format!(
                "Tidak ada hari kerja dari {} sampai {}.",
                tanggal_hari(*hari_ini),
                tanggal_hari(*selesai)
            ),
        }
    }
}

/// The plan to print `antrean` cards by `selesai` (inclusive).
pub fn rencana_cetak(
    antrean: u64,
    kap: &KapasitasCetak,
    kal: &Kalender,
    hari_ini: Date,
    selesai: Date,
) -> Result<Rencana, RencanaError> {
    if selesai < hari_ini {
        return Err(RencanaError::SudahLewat { hari_ini, selesai });
    }
    let hari_ini_dihitung = kal.hari_kerja(hari_ini) && kap.sisa_hari_ini > 0;
    let kemudian = u64::try_from(kal.hari_kerja_antara(hari_ini, selesai)).unwrap_or(0);
    let hari_kerja = kemudian + u64::from(hari_ini_dihitung);
    if hari_kerja == 0 {
        return Err(RencanaError::TanpaHariKerja { hari_ini, selesai });
    }
    let kapasitas = kemudian
        .saturating_mul(u64::from(kap.per_hari))
        .saturating_add(if hari_ini_dihitung {
            u64::from(kap.sisa_hari_ini)
        } else {
            0
        });
    let tersedia = kap
        .kiriman
        .iter()
        .filter(|k| hari_ini <= k.tanggal && k.tanggal <= selesai)
        .fold(kap.blanko_ada, |n, k| n.saturating_add(k.jumlah));
    Ok(Rencana {
        hari_kerja: u32::try_from(hari_kerja).unwrap_or(u32::MAX),
        kartu_per_hari: antrean.div_ceil(hari_kerja),
        blanko_kurang: antrean.saturating_sub(tersedia),
        cukup_kapasitas: kapasitas >= antrean,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn kal() -> &'static Kalender {
        Kalender::indonesia()
    }

    fn kap(per_hari: u32, sisa: u32, blanko: u64) -> KapasitasCetak {
        KapasitasCetak {
            per_hari,
            sisa_hari_ini: sisa,
            blanko_ada: blanko,
            kiriman: vec![],
        }
    }

    /// Wednesday 9 September 2015.
    fn rabu() -> Date {
        date(2015, 9, 9)
    }

    fn antre(posisi: u64) -> Tahap {
        Tahap::DalamAntrean { posisi }
    }

    fn eta(tahap: Tahap, k: &KapasitasCetak, hari_ini: Date) -> Perkiraan {
        perkirakan(&tahap, k, kal(), hari_ini, &KeadaanPusat::Normal, 0, 1)
    }

    #[test]
    fn later_priority_applications_go_ahead_only_if_approved_before_the_print_day() {
        // 10 cards a day, 25 certainly ahead: printed on the third working day from
        // Wednesday (Wed 0–9, Thu 10–19, Fri 20–29), i.e. Friday, two calendar days on.
        let k = kap(10, 10, 1000);
        let d = Didahului {
            pasti: 25,
            menyusul: vec![0, 5, 30, 200],
        };
        let normal = KeadaanPusat::Normal;
        let p =
            |rate: f64, pusat: &KeadaanPusat| posisi_efektif(&d, &k, kal(), rabu(), pusat, rate);
        // At 10 decisions a day, ranks 0 and 5 are decided within a day (before Friday)
        // and push the card to position 27; rank 30 (three days) comes too late even for
        // Friday; the answer settles.
        assert_eq!(p(10.0, &normal), 27);
        // A fast centre approves all four before Friday: position 29, still Friday.
        assert_eq!(p(1_000.0, &normal), 29);
        // At 100 a day, rank 200 takes two days: not before Friday, so three go ahead.
        assert_eq!(p(100.0, &normal), 28);
        // No recent decision: all while the centre is reachable, none while it is down.
        assert_eq!(p(0.0, &normal), 29);
        let down = KeadaanPusat::Terputus { sejak: rabu() };
        assert_eq!(p(0.0, &down), 25);
        assert_eq!(p(f64::NAN, &down), 25);
        // Nothing later and more urgent: just the certain ones.
        let only = Didahului {
            pasti: 7,
            menyusul: vec![],
        };
        assert_eq!(posisi_efektif(&only, &k, kal(), rabu(), &normal, 5.0), 7);
    }

    #[test]
    fn a_date_counted_in_working_days() {
        let k = kap(10, 5, 1000);
        let p = eta(antre(0), &k, rabu());
        assert_eq!(
            p,
            Perkiraan::Tanggal {
                tanggal: rabu(),
                hari_kerja: 0
            }
        );
        assert_eq!(
            p.kalimat(),
            "Perkiraan kartu selesai: Rabu, 9 September 2015 (hari ini)."
        );
        // 5 today, 10 Thursday, 10 Friday, 10 Monday: position 30 is Monday's 6th card.
        let p = eta(antre(30), &k, rabu());
        assert_eq!(
            p,
            Perkiraan::Tanggal {
                tanggal: date(2015, 9, 14),
                hari_kerja: 3
            }
        );
        assert_eq!(
            p.kalimat(),
            "Perkiraan kartu selesai: Senin, 14 September 2015 (3 hari kerja lagi)."
        );
        assert_eq!(
            eta(antre(35), &k, rabu()),
            Perkiraan::Tanggal {
                tanggal: date(2015, 9, 15),
                hari_kerja: 4
            }
        );
    }

    #[test]
    fn weekends_and_idul_adha_print_nothing() {
        // Wednesday 23 September 2015 after hours; 24 is Idul Adha, then 25 (Friday),
        // the weekend, Monday 28.
        let k = kap(10, 0, 1000);
        let hari_ini = date(2015, 9, 23);
        assert_eq!(
            eta(antre(0), &k, hari_ini),
            Perkiraan::Tanggal {
                tanggal: date(2015, 9, 25),
                hari_kerja: 1
            }
        );
        assert_eq!(
            eta(antre(10), &k, hari_ini),
            Perkiraan::Tanggal {
                tanggal: date(2015, 9, 28),
                hari_kerja: 2
            }
        );
        // Asked on a Saturday: today's remainder does not count on a non-working day.
        let sabtu = date(2015, 9, 26);
        assert_eq!(
            eta(antre(0), &kap(10, 10, 100), sabtu),
            Perkiraan::Tanggal {
                tanggal: date(2015, 9, 28),
                hari_kerja: 1
            }
        );
    }

    #[test]
    fn waiting_for_the_centre() {
        let k = kap(10, 10, 1000);
        let normal = perkirakan(
            &Tahap::MenungguPusat,
            &k,
            kal(),
            rabu(),
            &KeadaanPusat::Normal,
            35,
            1,
        );
        // 10 + 10 + 10 by Friday, the 36th card on Monday.
        assert_eq!(
            normal,
            Perkiraan::Tanggal {
                tanggal: date(2015, 9, 14),
                hari_kerja: 3
            }
        );
        // An empty queue still waits for the decision.
        let kosong = perkirakan(
            &Tahap::MenungguPusat,
            &k,
            kal(),
            rabu(),
            &KeadaanPusat::Normal,
            0,
            2,
        );
        assert_eq!(
            kosong,
            Perkiraan::Tanggal {
                tanggal: date(2015, 9, 11),
                hari_kerja: 2
            }
        );
        let putus = perkirakan(
            &Tahap::MenungguPusat,
            &k,
            kal(),
            rabu(),
            &KeadaanPusat::Terputus {
                sejak: date(2015, 9, 8),
            },
            35,
            1,
        );
        assert_eq!(putus, Perkiraan::SetelahPusatPulih { hari_kerja: 3 });
        assert_eq!(
            putus.kalimat(),
            "Pusat data sedang terputus: kartu diperkirakan selesai 3 hari kerja setelah pusat pulih."
        );
        // The local queue keeps printing during an outage.
        let dalam = perkirakan(
            &antre(0),
            &k,
            kal(),
            rabu(),
            &KeadaanPusat::Terputus { sejak: rabu() },
            35,
            1,
        );
        assert!(matches!(dalam, Perkiraan::Tanggal { hari_kerja: 0, .. }));
    }

    #[test]
    fn no_blanks_no_date_until_a_delivery_is_scheduled() {
        let mut k = kap(10, 10, 3);
        assert_eq!(
            eta(antre(2), &k, rabu()),
            Perkiraan::Tanggal {
                tanggal: rabu(),
                hari_kerja: 0
            }
        );
        let p = eta(antre(3), &k, rabu());
        assert_eq!(p, Perkiraan::MenungguBlanko);
        assert_eq!(
            p.kalimat(),
            "Blanko kartu sedang habis; tanggal selesai belum dapat diperkirakan."
        );
        // A delivery on Saturday the 12th unblocks it: printed on Monday the 14th.
        k.kiriman.push(Kiriman {
            tanggal: date(2015, 9, 12),
            jumlah: 50,
        });
        assert_eq!(
            eta(antre(3), &k, rabu()),
            Perkiraan::Tanggal {
                tanggal: date(2015, 9, 14),
                hari_kerja: 3
            }
        );
        // ...but not for position 53 (3 + 50 blanks in all).
        assert_eq!(eta(antre(53), &k, rabu()), Perkiraan::MenungguBlanko);
        // A late delivery (dated before today) is not counted on.
        k.kiriman = vec![Kiriman {
            tanggal: date(2015, 9, 8),
            jumlah: 50,
        }];
        assert_eq!(eta(antre(3), &k, rabu()), Perkiraan::MenungguBlanko);
    }

    #[test]
    fn no_capacity_and_not_applicable() {
        let p = eta(antre(0), &kap(0, 0, 100), rabu());
        assert_eq!(p, Perkiraan::TanpaKapasitas);
        assert!(p.kalimat().contains("mesin cetak"));
        // Only today's remainder, and the position lies beyond it.
        assert_eq!(
            eta(antre(4), &kap(0, 5, 100), rabu()),
            Perkiraan::Tanggal {
                tanggal: rabu(),
                hari_kerja: 0
            }
        );
        assert_eq!(
            eta(antre(5), &kap(0, 5, 100), rabu()),
            Perkiraan::TanpaKapasitas
        );
        for t in [Tahap::SudahDicetak, Tahap::Lainnya] {
            let p = eta(t, &kap(10, 10, 100), rabu());
            assert_eq!(p, Perkiraan::TidakBerlaku);
            assert!(p.kalimat().contains("tidak berlaku"));
        }
    }

    #[test]
    fn a_long_queue_gets_a_far_date_not_a_false_shortage() {
        // 1 card a day for 2,000 cards: beyond the three-year horizon, blanks suffice.
        let k = kap(1, 0, 5000);
        match eta(antre(1999), &k, rabu()) {
            Perkiraan::Tanggal { hari_kerja, .. } => assert_eq!(hari_kerja, 2000),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            eta(antre(u64::MAX - 1), &kap(1, 0, u64::MAX), rabu()),
            Perkiraan::TanpaKapasitas
        );
    }

    #[test]
    fn the_plan_arithmetic() {
        // Wednesday 23 September 2015, 10 left today; through Wednesday 30 September:
        // today, 25, 28, 29, 30 (24 is Idul Adha) = 5 working days.
        let mut k = kap(20, 10, 40);
        k.kiriman = vec![
            Kiriman {
                tanggal: date(2015, 9, 28),
                jumlah: 30,
            },
            Kiriman {
                tanggal: date(2015, 10, 1),
                jumlah: 500,
            },
        ];
        let hari_ini = date(2015, 9, 23);
        let r = rencana_cetak(101, &k, kal(), hari_ini, date(2015, 9, 30)).unwrap();
        assert_eq!(
            r,
            Rencana {
                hari_kerja: 5,
                kartu_per_hari: 21,
                blanko_kurang: 31,
                cukup_kapasitas: false
            }
        );
        // 10 + 4 × 20 = 90 capacity.
        let r = rencana_cetak(90, &k, kal(), hari_ini, date(2015, 9, 30)).unwrap();
        assert!(r.cukup_kapasitas);
        assert_eq!((r.kartu_per_hari, r.blanko_kurang), (18, 20));
        // After hours today counts for nothing.
        k.sisa_hari_ini = 0;
        let r = rencana_cetak(90, &k, kal(), hari_ini, date(2015, 9, 30)).unwrap();
        assert_eq!((r.hari_kerja, r.kartu_per_hari), (4, 23));
        assert!(!r.cukup_kapasitas);
        let e = rencana_cetak(1, &k, kal(), hari_ini, hari_ini).unwrap_err();
        assert!(matches!(e, RencanaError::TanpaHariKerja { .. }));
        assert!(e.pesan().contains("Tidak ada hari kerja"));
        let e = rencana_cetak(1, &k, kal(), hari_ini, date(2015, 9, 1)).unwrap_err();
        assert!(matches!(e, RencanaError::SudahLewat { .. }));
        assert!(matches!(
            rencana_cetak(1, &k, kal(), date(2015, 9, 26), date(2015, 9, 27)),
            Err(RencanaError::TanpaHariKerja { .. })
        ));
        let r = rencana_cetak(0, &k, kal(), hari_ini, date(2015, 9, 25)).unwrap();
        assert_eq!((r.hari_kerja, r.kartu_per_hari, r.blanko_kurang), (1, 0, 0));
    }
}
