//! Verifikasi ketunggalan: the pure decision rules of the uniqueness step, shared by the
//! centre's decider (a batch of packets against the national gallery) and an office's
//! own check (one application against the office's gallery).
//!
//! Two rules:
//!
//! 1. **One live enrollment per NIK** ([`satu_perekaman_per_nik`]): of the enrollments
//!    of one NIK, only the first (in enrollment order) lives; a later one is rejected,
//!    naming the first.
//! 2. **A hit is symmetric** ([`temuan_simetris`]): if A's fingers match B's, both are
//!    `ganda`, each naming the other. Inside a batch the hit is mirrored; an enrollment
//!    decided before (outside the batch) is named in [`Temuan::balik`] so that the
//!    caller flags it too ([`sisi_lain`] says how, given its state).
//!
//! The callers do the I/O (reading earlier enrollments, running the 1:N search); these
//! functions decide.

use crate::permohonan::{Kandidat, Status};

/// An enrollment taking part in a uniqueness decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Perekaman<'a> {
    /// Registration number.
    pub nomor: &'a str,
    pub nik: &'a str,
    /// The office that enrolled it.
    pub kantor: &'a str,
}

/// An earlier live enrollment of the same NIK: (office, registration number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerekamanLain {
    pub kantor: String,
    pub nomor: String,
}

/// Rule 1. `batch` is in enrollment order; `sebelumnya(nik)` gives a live enrollment of
/// `nik` decided before the batch, if any. Returns, per member, the earlier enrollment
/// that makes it a second one (to be rejected), or `None` if it is the NIK's first.
pub fn satu_perekaman_per_nik(
    batch: &[Perekaman<'_>],
    sebelumnya: impl Fn(&str) -> Option<PerekamanLain>,
) -> Vec<Option<PerekamanLain>> {
    let mut pertama: std::collections::HashMap<&str, PerekamanLain> = Default::default();
    batch
        .iter()
        .map(|p| {
            if let Some(f) = pertama.get(p.nik) {
                return Some(f.clone());
            }
            match sebelumnya(p.nik) {
                Some(e) => Some(e),
                None => {
                    pertama.insert(
                        p.nik,
                        PerekamanLain {
                            kantor: p.kantor.to_string(),
                            nomor: p.nomor.to_string(),
                        },
                    );
                    None
                }
            }
        })
        .collect()
}

/// Why a second enrollment of a NIK is rejected (shown to officers).
pub fn alasan_nik_sudah_direkam(nik: &str, lain: &PerekamanLain) -> String {
    format!(
        "NIK {nik} sudah direkam di kantor {} (permohonan {}); satu NIK hanya boleh memiliki satu perekaman aktif",
        lain.kantor, lain.nomor
    )
}

/// The outcome of rule 2 for a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct Temuan {
    /// Per member: its candidates (its own hits, plus every member that hit it).
    pub kandidat: Vec<Vec<Kandidat>>,
    /// Enrollments outside the batch that a member hit: `(member index, outside
    /// enrollment as the member's candidate)`. Each must be flagged too, naming the
    /// member. In member order, then candidate order.
    pub balik: Vec<(usize, Kandidat)>,
}

/// Rule 2. `hits[i]` are member `i`'s search results (best first). Results naming the
/// member itself or its own NIK are not duplicates of another identity and are dropped.
pub fn temuan_simetris(members: &[Perekaman<'_>], hits: Vec<Vec<Kandidat>>) -> Temuan {
    assert_eq!(members.len(), hits.len(), "one result list per member");
    let mut kandidat: Vec<Vec<Kandidat>> = members
        .iter()
        .zip(hits)
        .map(|(m, h)| {
            h.into_iter()
                .filter(|c| c.permohonan != m.nomor && c.nik != m.nik)
                .collect()
        })
        .collect();
    let pos = |nomor: &str| members.iter().position(|m| m.nomor == nomor);
    for i in 0..members.len() {
        for c in kandidat[i].clone() {
            if let Some(j) = pos(&c.permohonan) {
                if !kandidat[j].iter().any(|k| k.permohonan == members[i].nomor) {
                    kandidat[j].push(Kandidat {
                        permohonan: members[i].nomor.to_string(),
                        nik: members[i].nik.to_string(),
                        skor: c.skor,
                        jari_cocok: c.jari_cocok,
                    });
                }
            }
        }
    }
    let balik = kandidat
        .iter()
        .enumerate()
        .flat_map(|(i, cs)| {
            cs.iter()
                .filter(|c| pos(&c.permohonan).is_none())
                .map(move |c| (i, c.clone()))
        })
        .collect();
    Temuan { kandidat, balik }
}

/// The member as a candidate of the enrollment it hit (same score), for flagging the
/// other side.
pub fn sebagai_kandidat(member: &Perekaman<'_>, hit: &Kandidat) -> Kandidat {
    Kandidat {
        permohonan: member.nomor.to_string(),
        nik: member.nik.to_string(),
        skor: hit.skor,
        jari_cocok: hit.jari_cocok,
    }
}

/// What an office does to an earlier application of its own that a later enrollment's
/// fingers matched (the other side of a hit), given the earlier one's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SisiLain {
    /// Approved but not printed (`tunggal`, `siap_cetak`): it becomes `ganda`, naming
    /// the later enrollment, and waits for adjudication: no card is printed meanwhile.
    TandaiGanda,
    /// Already `ganda`: the later enrollment joins its candidates.
    TambahKandidat,
    /// The card is out (`dicetak`, `diserahkan`): the state stays, the finding is
    /// recorded (candidate and audit entry) for officers to hold or recall the card.
    CatatTemuan,
    /// Not checked yet (`direkam`, `dikirim`: its own check will find the later one,
    /// which is in the gallery now) or already rejected: nothing to do.
    Abaikan,
}

/// How the other side of a hit is flagged, by its state.
pub fn sisi_lain(status: Status) -> SisiLain {
    match status {
        Status::Tunggal | Status::SiapCetak => SisiLain::TandaiGanda,
        Status::Ganda => SisiLain::TambahKandidat,
        Status::Dicetak | Status::Diserahkan => SisiLain::CatatTemuan,
        Status::Direkam | Status::Dikirim | Status::Ditolak => SisiLain::Abaikan,
    }
}

/// The note on an earlier enrollment flagged by a later one.
pub fn catatan_sisi_lain(lingkup: &str, later: &Kandidat, kantor: Option<&str>) -> String {
    format!(
        "Verifikasi ketunggalan{lingkup}: sidik jari cocok dengan perekaman kemudian {} (NIK {}{})",
        later.permohonan,
        later.nik,
        kantor.map(|k| format!(", kantor {k}")).unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m<'a>(nomor: &'a str, nik: &'a str) -> Perekaman<'a> {
        Perekaman {
            nomor,
            nik,
            kantor: "317201",
        }
    }

    fn k(nomor: &str, nik: &str, skor: f32) -> Kandidat {
        Kandidat {
            permohonan: nomor.into(),
            nik: nik.into(),
            skor,
            jari_cocok: 4,
        }
    }

    #[test]
    fn the_first_enrollment_of_a_nik_lives_and_later_ones_name_it() {
        let batch = [m("a", "N1"), m("b", "N2"), m("c", "N1"), m("d", "N3")];
        let earlier = |nik: &str| {
            (nik == "N3").then(|| PerekamanLain {
                kantor: "317202".into(),
                nomor: "z".into(),
            })
        };
        let r = satu_perekaman_per_nik(&batch, earlier);
        assert_eq!(r[0], None);
        assert_eq!(r[1], None);
        assert_eq!(
            r[2],
            Some(PerekamanLain {
                kantor: "317201".into(),
                nomor: "a".into()
            }),
            "the second of N1 in the batch names the first"
        );
        assert_eq!(
            r[3].as_ref().unwrap().nomor,
            "z",
            "decided before the batch"
        );
        assert!(alasan_nik_sudah_direkam("N1", r[2].as_ref().unwrap()).contains("permohonan a"));
    }

    #[test]
    fn a_rejected_member_does_not_become_the_first_of_its_nik() {
        // N1 already lives outside the batch: both members of N1 name that one.
        let batch = [m("a", "N1"), m("b", "N1")];
        let r = satu_perekaman_per_nik(&batch, |_| {
            Some(PerekamanLain {
                kantor: "x".into(),
                nomor: "old".into(),
            })
        });
        assert!(r.iter().all(|e| e.as_ref().unwrap().nomor == "old"));
    }

    #[test]
    fn hits_are_mirrored_inside_the_batch_and_named_outside_it() {
        let members = [m("a", "N1"), m("b", "N2"), m("c", "N3")];
        let hits = vec![
            vec![k("b", "N2", 80.0), k("old", "N9", 75.0)],
            vec![],
            vec![k("c", "N3", 99.0), k("x", "N3", 99.0)],
        ];
        let t = temuan_simetris(&members, hits);
        assert_eq!(t.kandidat[0].len(), 2);
        assert_eq!(
            t.kandidat[1],
            vec![k("a", "N1", 80.0)],
            "b did not find a, but a found b: b names a with the same score"
        );
        assert!(
            t.kandidat[2].is_empty(),
            "itself and its own NIK are not duplicates of another identity"
        );
        assert_eq!(t.balik, vec![(0, k("old", "N9", 75.0))]);
        assert_eq!(
            sebagai_kandidat(&members[0], &t.balik[0].1),
            k("a", "N1", 75.0)
        );
    }

    #[test]
    fn a_hit_found_from_both_sides_is_listed_once() {
        let members = [m("a", "N1"), m("b", "N2")];
        let t = temuan_simetris(
            &members,
            vec![vec![k("b", "N2", 80.0)], vec![k("a", "N1", 81.0)]],
        );
        assert_eq!(t.kandidat[0], vec![k("b", "N2", 80.0)]);
        assert_eq!(t.kandidat[1], vec![k("a", "N1", 81.0)]);
        assert!(t.balik.is_empty());
    }

    #[test]
    fn the_other_side_is_flagged_by_its_state() {
        use Status::*;
        assert_eq!(sisi_lain(Tunggal), SisiLain::TandaiGanda);
        assert_eq!(sisi_lain(SiapCetak), SisiLain::TandaiGanda);
        assert_eq!(sisi_lain(Ganda), SisiLain::TambahKandidat);
        assert_eq!(sisi_lain(Dicetak), SisiLain::CatatTemuan);
        assert_eq!(sisi_lain(Diserahkan), SisiLain::CatatTemuan);
        for s in [Direkam, Dikirim, Ditolak] {
            assert_eq!(sisi_lain(s), SisiLain::Abaikan);
        }
        // Every flagging transition is one the state machine allows.
        for s in Status::ALL {
            if sisi_lain(*s) == SisiLain::TandaiGanda {
                assert_eq!(crate::Aksi::TandaiGanda.target(*s), Some(Ganda));
            }
        }
    }
}
