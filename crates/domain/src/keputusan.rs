//! Keputusan pusat: the centre's decisions on enrollment packets, and how an office
//! brings its own copy of an application in line with them.
//!
//! The centre is the authority on uniqueness (verifikasi ketunggalan against the national
//! gallery) and on adjudication. It publishes decisions in a per-office feed; the office
//! applies them in feed order. Applying is a pure function of (current application,
//! decision) → timeline entries, so the same decision applied twice changes nothing and
//! every office reaches the same state whatever the order of retries.

use std::fmt;

use jiff::Timestamp;

use crate::permohonan::{Aksi, Kandidat, NomorRegistrasi, Permohonan, Status, TransitionError};

/// What the centre decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Hasil {
    /// No other identity matched: the card may be printed.
    Tunggal,
    /// Duplicate suspect(s): the candidates are attached; adjudication follows.
    Ganda,
    /// Rejected (reason in `catatan`).
    Ditolak,
    /// An adjudicator at the centre cleared a `Ganda` case: print.
    AdjudikasiTunggal,
}

impl Hasil {
    pub const ALL: &'static [Hasil] = &[
        Hasil::Tunggal,
        Hasil::Ganda,
        Hasil::Ditolak,
        Hasil::AdjudikasiTunggal,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Hasil::Tunggal => "tunggal",
            Hasil::Ganda => "ganda",
            Hasil::Ditolak => "ditolak",
            Hasil::AdjudikasiTunggal => "adjudikasi_tunggal",
        }
    }

    pub fn parse(s: &str) -> Result<Hasil, String> {
        Hasil::ALL
            .iter()
            .copied()
            .find(|h| h.slug() == s.trim())
            .ok_or_else(|| format!("unknown decision {s:?}"))
    }

    pub fn label(self) -> &'static str {
        match self {
            Hasil::Tunggal => "Tunggal",
            Hasil::Ganda => "Ganda",
            Hasil::Ditolak => "Ditolak",
            Hasil::AdjudikasiTunggal => "Adjudikasi: tunggal",
        }
    }
}

impl fmt::Display for Hasil {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

/// A packet's state at the centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusPaket {
    /// Recorded, not yet decided.
    Diterima,
    /// Decided unique (or cleared by adjudication).
    Tunggal,
    /// Duplicate suspect, awaiting adjudication.
    Ganda,
    Ditolak,
}

impl StatusPaket {
    pub const ALL: &'static [StatusPaket] = &[
        StatusPaket::Diterima,
        StatusPaket::Tunggal,
        StatusPaket::Ganda,
        StatusPaket::Ditolak,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            StatusPaket::Diterima => "diterima",
            StatusPaket::Tunggal => "tunggal",
            StatusPaket::Ganda => "ganda",
            StatusPaket::Ditolak => "ditolak",
        }
    }

    pub fn parse(s: &str) -> Result<StatusPaket, String> {
        StatusPaket::ALL
            .iter()
            .copied()
            .find(|h| h.slug() == s.trim())
            .ok_or_else(|| format!("unknown packet status {s:?}"))
    }

    /// The packet's status after a decision.
    pub fn after(hasil: Hasil) -> StatusPaket {
        match hasil {
            Hasil::Tunggal | Hasil::AdjudikasiTunggal => StatusPaket::Tunggal,
            Hasil::Ganda => StatusPaket::Ganda,
            Hasil::Ditolak => StatusPaket::Ditolak,
        }
    }

    /// A decided enrollment that lives (the one-live-enrollment-per-NIK rule counts it).
    pub fn hidup(self) -> bool {
        matches!(self, StatusPaket::Tunggal | StatusPaket::Ganda)
    }
}

impl fmt::Display for StatusPaket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

/// One decision of the centre, as published in an office's feed.
#[derive(Debug, Clone, PartialEq)]
pub struct Keputusan {
    /// Position in the centre's feed (strictly increasing, unique).
    pub seq: i64,
    pub nomor: NomorRegistrasi,
    pub packet_id: String,
    pub hasil: Hasil,
    pub kandidat: Vec<Kandidat>,
    pub catatan: String,
    pub waktu: Timestamp,
}

/// The actor recorded for timeline entries that come from the centre.
pub fn aktor_pusat(seq: i64) -> String {
    format!("pusat:keputusan#{seq}")
}

/// What applying a decision did.
#[derive(Debug, Clone, PartialEq)]
pub enum Penerapan {
    /// The application moved; the new timeline entries start at this index.
    Berubah { dari: Status, mulai: usize },
    /// Nothing to change (already in line, or a final state); the note says why.
    Tetap(String),
}

/// Brings `p` in line with decision `k` by appending timeline entries (at `waktu`, the
/// office's time of applying). Never fails on a decision that arrives "late" (for
/// example a `Tunggal` for a card already printed): that is recorded as [`Penerapan::Tetap`].
pub fn terapkan_keputusan(
    p: &mut Permohonan,
    k: &Keputusan,
    waktu: Timestamp,
) -> Result<Penerapan, TransitionError> {
    use Status::*;
    let dari = p.status;
    let mulai = p.riwayat.len();
    let aktor = aktor_pusat(k.seq);
    let catatan = Some(k.catatan.clone()).filter(|c| !c.trim().is_empty());
    let step = |p: &mut Permohonan, aksi: Aksi, alasan: Option<String>| {
        p.terapkan(aksi, aktor.clone(), waktu, alasan).map(|_| ())
    };
    match (k.hasil, dari) {
        (Hasil::Tunggal | Hasil::Ganda | Hasil::Ditolak, Direkam) => {
            step(p, Aksi::Kirim, Some("Dikirim ke pusat".into()))?;
            return terapkan_lanjut(p, k, waktu, dari, mulai);
        }
        (Hasil::Tunggal, Dikirim) => {
            step(p, Aksi::HasilTunggal, catatan)?;
            step(
                p,
                Aksi::Setujui,
                Some("Otomatis: tunggal menurut pusat".into()),
            )?;
        }
        (Hasil::Ganda, Dikirim) => step(p, Aksi::HasilGanda, catatan)?,
        (Hasil::Ganda, Tunggal | SiapCetak) => step(p, Aksi::TandaiGanda, catatan)?,
        (Hasil::Ditolak, Dikirim | Ganda) => step(
            p,
            Aksi::Tolak,
            catatan.or_else(|| Some("Ditolak oleh pusat".into())),
        )?,
        (Hasil::AdjudikasiTunggal, Ganda) => {
            step(p, Aksi::AdjudikasiTunggal, catatan)?;
            step(
                p,
                Aksi::Setujui,
                Some("Otomatis setelah adjudikasi pusat".into()),
            )?;
        }
        (h, s) => {
            return Ok(Penerapan::Tetap(format!(
                "keputusan pusat {h} dicatat; permohonan tetap {s}"
            )))
        }
    }
    Ok(Penerapan::Berubah { dari, mulai })
}

fn terapkan_lanjut(
    p: &mut Permohonan,
    k: &Keputusan,
    waktu: Timestamp,
    dari: Status,
    mulai: usize,
) -> Result<Penerapan, TransitionError> {
    match terapkan_keputusan(p, k, waktu)? {
        Penerapan::Berubah { .. } => Ok(Penerapan::Berubah { dari, mulai }),
        Penerapan::Tetap(_) => Ok(Penerapan::Berubah { dari, mulai }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::permohonan::KodeKantor;
    use crate::Nik;

    fn app() -> Permohonan {
        let k = KodeKantor::parse("317201").unwrap();
        let t: Timestamp = "2015-09-09T07:00:00Z".parse().unwrap();
        Permohonan::baru(
            NomorRegistrasi::mint(&k, 1, t),
            Nik::parse("3172015505850003").unwrap(),
            k,
            "31.72.01.1005".into(),
            "Siti".into(),
            "user:op".into(),
            t,
        )
    }

    fn k(seq: i64, hasil: Hasil, p: &Permohonan) -> Keputusan {
        Keputusan {
            seq,
            nomor: p.nomor.clone(),
            packet_id: "317201-0000000001".into(),
            hasil,
            kandidat: vec![],
            catatan: "uji".into(),
            waktu: p.dibuat,
        }
    }

    #[test]
    fn packet_status_follows_the_decision_and_round_trips() {
        for s in StatusPaket::ALL {
            assert_eq!(StatusPaket::parse(s.slug()), Ok(*s));
        }
        assert!(StatusPaket::parse("tunggal ").is_ok());
        assert!(StatusPaket::parse("Ganda").is_err());
        assert_eq!(
            StatusPaket::after(Hasil::AdjudikasiTunggal),
            StatusPaket::Tunggal
        );
        assert_eq!(StatusPaket::after(Hasil::Ganda), StatusPaket::Ganda);
        assert!(StatusPaket::Ganda.hidup() && StatusPaket::Tunggal.hidup());
        assert!(!StatusPaket::Diterima.hidup() && !StatusPaket::Ditolak.hidup());
    }

    #[test]
    fn tunggal_from_recorded_or_sent_queues_printing() {
        for kirim_dulu in [false, true] {
            let mut p = app();
            if kirim_dulu {
                let t = p.dibuat;
                p.terapkan(Aksi::Kirim, "u".into(), t, None).unwrap();
            }
            let d = k(1, Hasil::Tunggal, &p);
            let t = p.dibuat;
            let r = terapkan_keputusan(&mut p, &d, t).unwrap();
            assert!(matches!(r, Penerapan::Berubah { .. }));
            assert_eq!(p.status, Status::SiapCetak);
            // Applying the same decision again changes nothing.
            let n = p.riwayat.len();
            assert!(matches!(
                terapkan_keputusan(&mut p, &d, t).unwrap(),
                Penerapan::Tetap(_)
            ));
            assert_eq!(p.riwayat.len(), n);
        }
    }

    #[test]
    fn later_duplicate_flags_an_approved_application() {
        let mut p = app();
        {
            let d = k(1, Hasil::Tunggal, &p);
            let t = p.dibuat;
            terapkan_keputusan(&mut p, &d, t)
        }
        .unwrap();
        {
            let d = k(7, Hasil::Ganda, &p);
            let t = p.dibuat;
            terapkan_keputusan(&mut p, &d, t)
        }
        .unwrap();
        assert_eq!(p.status, Status::Ganda);
        assert_eq!(p.riwayat.last().unwrap().aksi, Aksi::TandaiGanda);
        assert_eq!(p.riwayat.last().unwrap().aktor, "pusat:keputusan#7");
        {
            let d = k(9, Hasil::AdjudikasiTunggal, &p);
            let t = p.dibuat;
            terapkan_keputusan(&mut p, &d, t)
        }
        .unwrap();
        assert_eq!(p.status, Status::SiapCetak);
    }

    #[test]
    fn printed_cards_are_not_moved_backwards() {
        let mut p = app();
        {
            let d = k(1, Hasil::Tunggal, &p);
            let t = p.dibuat;
            terapkan_keputusan(&mut p, &d, t)
        }
        .unwrap();
        let t = p.dibuat;
        p.terapkan(Aksi::Cetak, "u".into(), t, None).unwrap();
        let r = {
            let d = k(2, Hasil::Ganda, &p);
            let t = p.dibuat;
            terapkan_keputusan(&mut p, &d, t)
        }
        .unwrap();
        assert!(matches!(r, Penerapan::Tetap(_)));
        assert_eq!(p.status, Status::Dicetak);
    }

    #[test]
    fn rejection_from_recorded() {
        let mut p = app();
        {
            let d = k(3, Hasil::Ditolak, &p);
            let t = p.dibuat;
            terapkan_keputusan(&mut p, &d, t)
        }
        .unwrap();
        assert_eq!(p.status, Status::Ditolak);
    }

    #[test]
    fn officers_cannot_flag() {
        for peran in crate::Peran::ALL {
            assert!(!Aksi::TandaiGanda.allowed(*peran));
        }
    }
}
