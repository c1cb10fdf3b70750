//! Personal and household attributes: ages, sex, tradition and religion, marga,
//! birthplaces, blood group, occupation and address.

use sidik_domain::{Agama, GolonganDarah, Hubungan, JenisKelamin, StatusPerkawinan};

use super::calendar::tahun_lalu;
use super::{Anggota, Generator, UMUR_MAKS};
use crate::data::{self, kerja, Kelurahan, Kota, Suku, SukuDef};

impl Generator {
    /// A birth day number for someone aged `lo..=hi` whole years today.
    pub(super) fn lahir_umur(&mut self, lo: i32, hi: i32) -> i32 {
        let hi = hi.min(UMUR_MAKS);
        let awal = tahun_lalu(self.hari_ini, hi + 1) + 1;
        let akhir = tahun_lalu(self.hari_ini, lo);
        self.rng.range(awal as i64, akhir as i64) as i32
    }

    pub(super) fn umur_kepala(&mut self) -> i32 {
        const BAND: [(i32, u32); 14] = [
            (19, 3),
            (25, 9),
            (30, 13),
            (35, 14),
            (40, 14),
            (45, 12),
            (50, 10),
            (55, 8),
            (60, 6),
            (65, 4),
            (70, 3),
            (75, 2),
            (80, 1),
            (85, 1),
        ];
        let w: Vec<u32> = BAND.iter().map(|b| b.1).collect();
        let i = self.rng.weighted_index(&w);
        let lo = BAND[i].0;
        let hi = if i + 1 < BAND.len() {
            BAND[i + 1].0 - 1
        } else {
            UMUR_MAKS
        };
        self.rng.range(lo as i64, hi as i64) as i32
    }

    pub(super) fn jk(&mut self) -> JenisKelamin {
        if self.rng.chance(51.0) {
            JenisKelamin::LakiLaki
        } else {
            JenisKelamin::Perempuan
        }
    }

    pub(super) fn pilih_suku(&mut self, kel: Option<&Kelurahan>) -> Suku {
        let tionghoa = kel.map_or(5, |k| k.tionghoa);
        if self.rng.chance(tionghoa as f64) {
            return Suku::Tionghoa;
        }
        let pesisir = kel.is_some_and(|k| k.pesisir);
        let w: Vec<u32> = data::SUKU
            .iter()
            .map(|&s| {
                let b = data::suku_def(s).bobot;
                if pesisir && matches!(s, Suku::Bugis | Suku::Betawi) {
                    b * 2
                } else {
                    b
                }
            })
            .collect();
        data::SUKU[self.rng.weighted_index(&w)]
    }

    /// Family marga (for naming traditions that have one) and the family's religion.
    pub(super) fn marga_agama(
        &mut self,
        suku: Suku,
        def: &'static SukuDef,
    ) -> (Option<&'static str>, Agama) {
        let marga = (!def.marga.is_empty()).then(|| *self.rng.pick(def.marga));
        let agama = if suku == Suku::Batak {
            // Mandailing marga are mostly Muslim, Toba marga mostly Christian.
            let mandailing = matches!(marga, Some("Nasution" | "Lubis" | "Harahap"));
            let w = if mandailing {
                [92, 6, 2, 0, 0, 0, 0]
            } else {
                [4, 80, 16, 0, 0, 0, 0]
            };
            Agama::ALL[self.rng.weighted_index(&w)]
        } else {
            Agama::ALL[self.rng.weighted_index(&def.agama)]
        };
        (marga, agama)
    }

    /// A marga for someone of the same tradition other than `bukan` (exogamy; a woman
    /// keeps her own family name).
    pub(super) fn marga_lain(
        &mut self,
        def: &'static SukuDef,
        bukan: Option<&'static str>,
    ) -> Option<&'static str> {
        if def.marga.is_empty() {
            return None;
        }
        for _ in 0..8 {
            let m = *self.rng.pick(def.marga);
            if Some(m) != bukan {
                return Some(m);
            }
        }
        Some(def.marga[0])
    }

    /// Another tradition whose families commonly share this religion (mixed marriages).
    pub(super) fn suku_seagama(&mut self, agama: Agama) -> Option<Suku> {
        let pilihan: &[Suku] = match agama {
            Agama::Islam => &[
                Suku::Jawa,
                Suku::Sunda,
                Suku::Betawi,
                Suku::Minang,
                Suku::Bugis,
            ],
            Agama::Kristen | Agama::Katolik => {
                &[Suku::Batak, Suku::Manado, Suku::Jawa, Suku::Tionghoa]
            }
            Agama::Buddha | Agama::Konghucu => &[Suku::Tionghoa],
            Agama::Hindu => &[Suku::Bali, Suku::Jawa],
            Agama::Kepercayaan => &[Suku::Jawa, Suku::Sunda],
        };
        Some(*self.rng.pick(pilihan))
    }

    pub(super) fn kota(&mut self, def: &'static SukuDef) -> Kota {
        *self.rng.pick(def.kota)
    }

    pub(super) fn golongan_darah(&mut self) -> GolonganDarah {
        use GolonganDarah::*;
        self.rng.weighted(&[
            (TidakTahu, 420),
            (O, 170),
            (B, 150),
            (A, 120),
            (Ab, 40),
            (OPlus, 35),
            (BPlus, 30),
            (APlus, 22),
            (AbPlus, 8),
            (OMinus, 2),
            (AMinus, 1),
            (BMinus, 1),
            (AbMinus, 1),
        ])
    }

    pub(super) fn pekerjaan(
        &mut self,
        a: &Anggota,
        umur: i32,
        agama: Agama,
        pesisir: bool,
    ) -> &'static str {
        use kerja::*;
        let (jk, status, hub, suku) = (a.jk, a.status, a.hubungan, a.suku);
        let pria = jk == JenisKelamin::LakiLaki;
        let dagang = if suku == Suku::Tionghoa { 3 } else { 1 };
        let nelayan = if pesisir { 1 } else { 0 };
        let r = &mut self.rng;
        match umur {
            ..=4 => BELUM,
            5 => {
                if r.chance(50.0) {
                    PELAJAR
                } else {
                    BELUM
                }
            }
            6..=15 => PELAJAR,
            16..=18 => r.weighted(&[(PELAJAR, 88), (BELUM, 5), (BURUH, 4), (SWASTA, 3)]),
            19..=23 => r.weighted(&[
                (
                    PELAJAR,
                    if status == StatusPerkawinan::Kawin {
                        4
                    } else {
                        38
                    },
                ),
                (SWASTA, 24),
                (BELUM, 16),
                (BURUH, 8),
                (WIRASWASTA, 4 * dagang),
                (PEDAGANG, 3 * dagang),
                (NELAYAN, if pria { 10 * nelayan } else { 0 }),
                (
                    IRT,
                    if !pria && status == StatusPerkawinan::Kawin {
                        30
                    } else {
                        0
                    },
                ),
            ]),
            24..=57 if pria => r.weighted(&[
                (SWASTA, 32),
                (WIRASWASTA, 17 * dagang),
                (BURUH, 12),
                (PEDAGANG, 7 * dagang),
                (SOPIR, 5),
                (PNS, 3),
                (BUMN, 2),
                (TNI, 1),
                (POLRI, 1),
                (GURU, 2),
                (MEKANIK, 2),
                (TUKANG_BATU, 2),
                (PELAUT, 2),
                (DOKTER, 1),
                (DOSEN, 1),
                (BELUM, 3),
                (USTADZ, u32::from(agama == Agama::Islam)),
                (PENDETA, u32::from(agama == Agama::Kristen)),
                (NELAYAN, 22 * nelayan),
                (BURUH_NELAYAN, 10 * nelayan),
            ]),
            24..=57 => {
                let irt = if status == StatusPerkawinan::Kawin || hub == Hubungan::Istri {
                    42
                } else {
                    8
                };
                r.weighted(&[
                    (IRT, irt),
                    (SWASTA, 26),
                    (WIRASWASTA, 8 * dagang),
                    (PEDAGANG, 7 * dagang),
                    (BURUH, 4),
                    (GURU, 4),
                    (PNS, 3),
                    (PERAWAT, 2),
                    (BIDAN, 1),
                    (DOKTER, 1),
                    (PEMBANTU, 2),
                    (BELUM, 4),
                    (BUMN, 1),
                    (BURUH_NELAYAN, 4 * nelayan),
                ])
            }
            _ => r.weighted(&[
                (PENSIUNAN, 22),
                (BELUM, if pria { 30 } else { 12 }),
                (IRT, if pria { 0 } else { 40 }),
                (WIRASWASTA, 10 * dagang),
                (PEDAGANG, 8 * dagang),
                (NELAYAN, if pria { 8 * nelayan } else { 0 }),
                (BURUH, 3),
            ]),
        }
    }

    pub(super) fn alamat(&mut self, kel: Option<&Kelurahan>) -> String {
        let r = &mut self.rng;
        let jalan = kel.map_or("Jl. Raya", |k| *r.pick(k.jalan));
        let no = r.range(1, 120);
        if kel.is_some_and(|k| k.perumahan) && r.chance(55.0) {
            let blok = *r.pick(&[
                "A", "B", "C", "D", "E", "F", "G", "H", "J", "K", "M", "N", "P", "QA", "QB", "RA",
            ]);
            format!("{jalan} Blok {blok}{} No. {no}", r.range(1, 12))
        } else if r.chance(35.0) {
            let gang = *r.pick(&[
                "Gg. Masjid",
                "Gg. Kober",
                "Gg. Mushola",
                "Gg. Langgar",
                "Gg. Damai",
                "Gg. H. Naim",
                "Gg. Sawo",
                "Gg. Kelor",
                "Gg. Pinang",
                "Gg. Swadaya",
                "Gg. Rukun",
                "Gg. Bakti",
            ]);
            format!("{jalan} {gang} No. {no}")
        } else {
            format!("{jalan} No. {no}")
        }
    }
}
