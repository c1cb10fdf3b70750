//! The population generator.

use std::collections::HashMap;

use jiff::civil::Date;
use sidik_domain::{
    Agama, GolonganDarah, Hubungan, JenisKelamin, Kewarganegaraan, Nik, NomorKk, Penduduk, RtRw,
    StatusPerkawinan,
};
use sidik_wilayah::{Wilayah, JAKARTA_UTARA};

use crate::data::{self, kerja, Kelurahan, Kota, Suku, SukuDef};
use crate::rng::Rng;

// ---------------------------------------------------------------------------------------
// Day numbers (days since 1970-01-01), Howard Hinnant's civil algorithms.

fn days_from_civil(y: i32, m: i32, d: i32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i32) -> (i32, i32, i32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn dn(d: Date) -> i32 {
    days_from_civil(d.year() as i32, d.month() as i32, d.day() as i32)
}

fn date(n: i32) -> Date {
    let (y, m, d) = civil_from_days(n);
    Date::new(y as i16, m as i8, d as i8).expect("day number in jiff's range")
}

/// Whole years from birth day number `lahir` to day number `pada`.
fn umur(lahir: i32, pada: i32) -> i32 {
    let (by, bm, bd) = civil_from_days(lahir);
    let (ty, tm, td) = civil_from_days(pada);
    ty - by - i32::from((tm, td) < (bm, bd))
}

/// At least 18 years (18 × 366 days always covers 18 birthdays).
const GAP_MIN: i32 = 18 * 366;
/// Less than 41 years (41 years always have at least 41 × 365 + 9 days).
const GAP_MAX: i32 = 41 * 365;
/// Oldest age generated.
pub const UMUR_MAKS: i32 = 90;

// ---------------------------------------------------------------------------------------

/// A Jakarta Utara kelurahan resolved against the kode wilayah table.
struct Kel {
    kode: &'static str,
    kec: String,
    data: Option<&'static Kelurahan>,
}

/// One family member before conversion to [`Penduduk`].
struct Anggota {
    hubungan: Hubungan,
    jk: JenisKelamin,
    lahir: i32,
    status: StatusPerkawinan,
    nama: String,
    suku: Suku,
    marga: Option<&'static str>,
    /// `None` = born in Jakarta.
    lahir_di: Option<Kota>,
    /// Index of the mother within the family, if she is on the same KK.
    ibu: Option<usize>,
}

/// Deterministic generator of Jakarta Utara families.
///
/// Yields residents family by family (the Kepala Keluarga first). NIKs and KK numbers are
/// unique across everything one generator produces.
pub struct Generator {
    rng: Rng,
    today: Date,
    hari_ini: i32,
    lahir_min: i32,
    kel: Vec<Kel>,
    kel_bobot: Vec<u32>,
    kec_ju: Vec<String>,
    kec_jakarta: Vec<String>,
    kec_kab: HashMap<&'static str, Vec<String>>,
    nik_serial: HashMap<u64, u16>,
    kk_serial: HashMap<u64, u16>,
    antre: std::vec::IntoIter<Penduduk>,
    keluarga: u64,
}

fn kec_digits(kode: &str) -> String {
    kode.replace('.', "")
}

impl Generator {
    pub fn new(seed: u64, today: Date) -> Generator {
        let w = Wilayah::get();
        let mut kel = Vec::new();
        let mut kec_ju = Vec::new();
        for kec in w.children(JAKARTA_UTARA) {
            kec_ju.push(kec_digits(kec.kode));
            for k in w.children(kec.kode) {
                kel.push(Kel {
                    kode: k.kode,
                    kec: kec_digits(kec.kode),
                    data: data::KELURAHAN.iter().find(|d| d.kode == k.kode),
                });
            }
        }
        let kel_bobot = kel.iter().map(|k| k.data.map_or(50, |d| d.ribu)).collect();
        let kec_jakarta = data::JAKARTA_LAIN
            .iter()
            .flat_map(|kab| w.children(kab))
            .map(|k| kec_digits(k.kode))
            .collect();
        let hari_ini = dn(today);
        Generator {
            rng: Rng::new(seed),
            today,
            hari_ini,
            lahir_min: Self::tahun_lalu(hari_ini, UMUR_MAKS + 1) + 1,
            kel,
            kel_bobot,
            kec_ju,
            kec_jakarta,
            kec_kab: HashMap::new(),
            nik_serial: HashMap::new(),
            kk_serial: HashMap::new(),
            antre: Vec::new().into_iter(),
            keluarga: 0,
        }
    }

    /// The date `n` years before day `d` (29 February becomes 28 February).
    fn tahun_lalu(d: i32, n: i32) -> i32 {
        let (y, m, day) = civil_from_days(d);
        let y = y - n;
        let day = if m == 2 && day == 29 && date(days_from_civil(y, 3, 1) - 1).day() == 28 {
            28
        } else {
            day
        };
        days_from_civil(y, m, day)
    }

    /// A birth day number for someone aged `lo..=hi` whole years today.
    fn lahir_umur(&mut self, lo: i32, hi: i32) -> i32 {
        let hi = hi.min(UMUR_MAKS);
        let awal = Self::tahun_lalu(self.hari_ini, hi + 1) + 1;
        let akhir = Self::tahun_lalu(self.hari_ini, lo);
        self.rng.range(awal as i64, akhir as i64) as i32
    }

    /// Number of families generated so far.
    pub fn jumlah_keluarga(&self) -> u64 {
        self.keluarga
    }

    /// Generates the next family (one KK), Kepala Keluarga first.
    pub fn keluarga(&mut self) -> Vec<Penduduk> {
        self.buat_keluarga(false)
    }

    /// The next family with at most `maks` members (`maks >= 1`): families that do not
    /// fit are skipped, and after a few tries a one-person household is made.
    pub fn keluarga_maks(&mut self, maks: usize) -> Vec<Penduduk> {
        for _ in 0..20 {
            let f = self.buat_keluarga(false);
            if f.len() <= maks {
                return f;
            }
        }
        self.buat_keluarga(true)
    }

    fn buat_keluarga(&mut self, hanya_sendiri: bool) -> Vec<Penduduk> {
        self.keluarga += 1;
        let ki = self.rng.weighted_index(&self.kel_bobot);
        let kel_data = self.kel[ki].data;
        let pesisir = kel_data.is_some_and(|d| d.pesisir);
        let suku = self.pilih_suku(kel_data);
        let def = data::suku_def(suku);

        let (marga, agama) = self.marga_agama(suku, def);
        let mut ang: Vec<Anggota> = Vec::with_capacity(6);

        // Kepala Keluarga.
        let umur_kk = self.umur_kepala();
        let lahir_kk = self.lahir_umur(umur_kk, umur_kk);
        let r = self.rng.below(100) as i32;
        enum Tipe {
            Pasangan,
            OrangTuaTunggal,
            Sendiri,
        }
        let tipe = match umur_kk {
            _ if hanya_sendiri => Tipe::Sendiri,
            ..=22 => {
                if r < 45 {
                    Tipe::Pasangan
                } else {
                    Tipe::Sendiri
                }
            }
            23..=69 => match r {
                0..=77 => Tipe::Pasangan,
                78..=89 => Tipe::OrangTuaTunggal,
                _ => Tipe::Sendiri,
            },
            _ => match r {
                0..=44 => Tipe::Pasangan,
                45..=89 => Tipe::OrangTuaTunggal,
                _ => Tipe::Sendiri,
            },
        };
        let kk_wanita = match tipe {
            Tipe::Pasangan => self.rng.chance(3.0),
            Tipe::OrangTuaTunggal => self.rng.chance(75.0),
            Tipe::Sendiri => self.rng.chance(if umur_kk >= 60 { 65.0 } else { 40.0 }),
        };
        let jk_kk = if kk_wanita {
            JenisKelamin::Perempuan
        } else {
            JenisKelamin::LakiLaki
        };
        let status_kk = match tipe {
            Tipe::Pasangan => StatusPerkawinan::Kawin,
            Tipe::OrangTuaTunggal => {
                let mati = match umur_kk {
                    ..=40 => 20.0,
                    41..=55 => 45.0,
                    _ => 85.0,
                };
                if self.rng.chance(mati) {
                    StatusPerkawinan::CeraiMati
                } else {
                    StatusPerkawinan::CeraiHidup
                }
            }
            Tipe::Sendiri => match umur_kk {
                ..=34 => StatusPerkawinan::BelumKawin,
                35..=59 => self.rng.weighted(&[
                    (StatusPerkawinan::BelumKawin, 45),
                    (StatusPerkawinan::CeraiHidup, 35),
                    (StatusPerkawinan::CeraiMati, 20),
                ]),
                _ => self.rng.weighted(&[
                    (StatusPerkawinan::CeraiMati, 80),
                    (StatusPerkawinan::CeraiHidup, 12),
                    (StatusPerkawinan::BelumKawin, 8),
                ]),
            },
        };
        // A migrant head moved to Jakarta as a young adult.
        let pendatang =
            suku != Suku::Betawi && self.rng.chance(if umur_kk >= 40 { 55.0 } else { 35.0 });
        let tiba = if pendatang {
            lahir_kk + self.rng.range(16 * 365, 28 * 365) as i32
        } else {
            i32::MIN
        };
        let kota_kk = pendatang.then(|| self.kota(def));
        let marga_kk = if kk_wanita {
            self.marga_lain(def, marga)
        } else {
            marga
        };
        let nama_kk = self.nama(suku, jk_kk, lahir_kk, marga_kk, 0, agama);
        ang.push(Anggota {
            hubungan: Hubungan::KepalaKeluarga,
            jk: jk_kk,
            lahir: lahir_kk,
            status: status_kk,
            nama: nama_kk,
            suku,
            marga: marga_kk,
            lahir_di: kota_kk,
            ibu: None,
        });

        // Spouse.
        let mut pasangan = None;
        if matches!(tipe, Tipe::Pasangan) {
            let suku_p = if self.rng.chance(82.0) {
                suku
            } else {
                self.suku_seagama(agama).unwrap_or(suku)
            };
            let def_p = data::suku_def(suku_p);
            let selisih = self.rng.weighted(&[
                (-3, 2),
                (-2, 3),
                (-1, 5),
                (0, 8),
                (1, 10),
                (2, 12),
                (3, 12),
                (4, 10),
                (5, 9),
                (6, 7),
                (7, 5),
                (8, 4),
                (9, 3),
                (10, 3),
                (12, 2),
                (15, 1),
            ]);
            // `selisih` years: how much older the husband is.
            let geser = selisih * 365 + self.rng.range(-150, 150) as i32;
            let dewasa = Self::tahun_lalu(self.hari_ini, 18);
            let lahir_p = if kk_wanita {
                lahir_kk - geser
            } else {
                lahir_kk + geser
            };
            let lahir_p = lahir_p.clamp(self.lahir_min, dewasa);
            let jk_p = if kk_wanita {
                JenisKelamin::LakiLaki
            } else {
                JenisKelamin::Perempuan
            };
            let marga_p = if suku_p == suku {
                self.marga_lain(def_p, marga)
            } else {
                self.marga_lain(def_p, None)
            };
            let marga_p = if kk_wanita { marga } else { marga_p };
            let nama = self.nama(suku_p, jk_p, lahir_p, marga_p, 0, agama);
            let kota = if self.rng.chance(if pendatang { 60.0 } else { 25.0 }) {
                Some(self.kota(def_p))
            } else {
                None
            };
            ang.push(Anggota {
                hubungan: if kk_wanita {
                    Hubungan::Suami
                } else {
                    Hubungan::Istri
                },
                jk: jk_p,
                lahir: lahir_p,
                status: StatusPerkawinan::Kawin,
                nama,
                suku: suku_p,
                marga: marga_p,
                lahir_di: kota,
                ibu: None,
            });
            pasangan = Some(1);
        }

        // Children.
        if !matches!(tipe, Tipe::Sendiri) {
            let ibu = match (kk_wanita, pasangan) {
                (true, _) => Some(0),
                (false, Some(p)) => Some(p),
                (false, None) => None,
            };
            let orang_tua: Vec<usize> = std::iter::once(0).chain(pasangan).collect();
            let marga_anak = if kk_wanita && pasangan.is_none() {
                self.marga_lain(def, ang[0].marga)
            } else {
                marga
            };
            let k = self
                .rng
                .weighted(&[(0, 8), (1, 22), (2, 34), (3, 22), (4, 9), (5, 4), (6, 1)]);
            let lahir_anak = self.kelahiran(&ang, &orang_tua, k);
            let muda = self.rng.chance(30.0);
            let mut urutan = 0;
            for lahir in lahir_anak {
                urutan += 1;
                let u = umur(lahir, self.hari_ini);
                let tetap = match u {
                    ..=22 => true,
                    23..=30 => self.rng.chance(55.0),
                    31..=40 => self.rng.chance(20.0),
                    _ => self.rng.chance(5.0),
                };
                if !tetap {
                    continue;
                }
                let jk = self.jk();
                let status = if u >= 25 && self.rng.chance(6.0) {
                    StatusPerkawinan::CeraiHidup
                } else {
                    StatusPerkawinan::BelumKawin
                };
                let mut nama = String::new();
                for _ in 0..6 {
                    nama = self.nama(suku, jk, lahir, marga_anak, urutan, agama);
                    if muda && suku != Suku::Bali {
                        // Families that pick a shared modern style for all their children.
                        nama = self.nama_modern(jk, agama, marga_anak).unwrap_or(nama);
                    }
                    if ang.iter().all(|a| a.nama != nama) {
                        break;
                    }
                }
                let lahir_di = if lahir < tiba { kota_kk } else { None };
                let lahir_di = lahir_di.or_else(|| self.rng.chance(4.0).then(|| self.kota(def)));
                ang.push(Anggota {
                    hubungan: Hubungan::Anak,
                    jk,
                    lahir,
                    status,
                    nama,
                    suku,
                    marga: marga_anak,
                    lahir_di,
                    ibu,
                });
            }

            // Three generations: a married child living with spouse and children.
            if pasangan.is_some() && umur_kk >= 45 && self.rng.chance(14.0) {
                self.tiga_generasi(&mut ang, suku, agama, marga);
            }
        }

        // Parents or parents-in-law living with the family.
        if hanya_sendiri {
            // A one-person household: nobody else.
        } else if umur_kk <= 58 && self.rng.chance(7.0) {
            self.orang_tua(&mut ang, 0, Hubungan::OrangTua, agama);
        } else if let Some(p) = pasangan {
            if umur(ang[p].lahir, self.hari_ini) <= 55 && self.rng.chance(4.0) {
                self.orang_tua(&mut ang, p, Hubungan::Mertua, agama);
            }
        }
        // A nephew, niece or cousin from the home town.
        if !hanya_sendiri && self.rng.chance(5.0) {
            let lahir = self.lahir_umur(14, 35);
            let jk = self.jk();
            let m = self.marga_lain(def, None);
            let nama = self.nama(suku, jk, lahir, m, 0, agama);
            let kota = self.rng.chance(65.0).then(|| self.kota(def));
            ang.push(Anggota {
                hubungan: Hubungan::FamiliLain,
                jk,
                lahir,
                status: StatusPerkawinan::BelumKawin,
                nama,
                suku,
                marga: m,
                lahir_di: kota,
                ibu: None,
            });
        }

        self.jadikan_penduduk(ki, ang, agama, pesisir)
    }

    /// Birth days of up to `k` children of the given parents, oldest first, each 18-40
    /// years younger than every parent and born on or before today.
    fn kelahiran(&mut self, ang: &[Anggota], orang_tua: &[usize], k: usize) -> Vec<i32> {
        let mut lo = i32::MIN;
        let mut hi = self.hari_ini;
        for &i in orang_tua {
            lo = lo.max(ang[i].lahir + GAP_MIN);
            hi = hi.min(ang[i].lahir + GAP_MAX);
        }
        let mut out = Vec::with_capacity(k);
        if k == 0 || lo > hi {
            return out;
        }
        // Mother's (or the younger parent's) age at the first birth, typically 20-32.
        let muda = orang_tua
            .iter()
            .map(|&i| ang[i].lahir)
            .max()
            .expect("a parent");
        let pertama = muda + self.rng.range(19 * 365, 33 * 365) as i32;
        if pertama > hi {
            // Not yet: a young couple without children.
            return out;
        }
        let mut t = pertama.max(lo);
        for _ in 0..k {
            if t > hi {
                break;
            }
            out.push(t);
            t += self.rng.range(500, 6 * 365) as i32;
        }
        out
    }

    fn tiga_generasi(
        &mut self,
        ang: &mut Vec<Anggota>,
        suku: Suku,
        agama: Agama,
        marga: Option<&'static str>,
    ) {
        let dewasa = Self::tahun_lalu(self.hari_ini, 21);
        let Some(a) =
            (0..ang.len()).find(|&i| ang[i].hubungan == Hubungan::Anak && ang[i].lahir <= dewasa)
        else {
            return;
        };
        ang[a].status = StatusPerkawinan::Kawin;
        let jk_m = if ang[a].jk == JenisKelamin::LakiLaki {
            JenisKelamin::Perempuan
        } else {
            JenisKelamin::LakiLaki
        };
        let suku_m = if self.rng.chance(75.0) {
            suku
        } else {
            self.suku_seagama(agama).unwrap_or(suku)
        };
        let def_m = data::suku_def(suku_m);
        let geser = self.rng.range(-4 * 365, 4 * 365) as i32;
        let lahir_m =
            (ang[a].lahir + geser).clamp(self.lahir_min, Self::tahun_lalu(self.hari_ini, 19));
        let marga_m = self.marga_lain(def_m, marga);
        let nama_m = self.nama(suku_m, jk_m, lahir_m, marga_m, 0, agama);
        let kota = self.rng.chance(40.0).then(|| self.kota(def_m));
        ang.push(Anggota {
            hubungan: Hubungan::Menantu,
            jk: jk_m,
            lahir: lahir_m,
            status: StatusPerkawinan::Kawin,
            nama: nama_m,
            suku: suku_m,
            marga: marga_m,
            lahir_di: kota,
            ibu: None,
        });
        let m = ang.len() - 1;
        let (ayah, ibu) = if ang[a].jk == JenisKelamin::LakiLaki {
            (a, m)
        } else {
            (m, a)
        };
        let k = self.rng.weighted(&[(1, 40), (2, 40), (3, 20)]);
        let suku_c = ang[ayah].suku;
        let marga_c = ang[ayah].marga;
        for (n, lahir) in self.kelahiran(ang, &[ayah, ibu], k).into_iter().enumerate() {
            let jk = self.jk();
            let nama = if self.rng.chance(60.0) {
                self.nama_modern(jk, agama, marga_c)
            } else {
                None
            };
            let mut nama =
                nama.unwrap_or_else(|| self.nama(suku_c, jk, lahir, marga_c, n + 1, agama));
            for _ in 0..6 {
                if ang.iter().all(|a| a.nama != nama) {
                    break;
                }
                nama = self.nama(suku_c, jk, lahir, marga_c, n + 1, agama);
            }
            ang.push(Anggota {
                hubungan: Hubungan::Cucu,
                jk,
                lahir,
                status: StatusPerkawinan::BelumKawin,
                nama,
                suku: suku_c,
                marga: marga_c,
                lahir_di: None,
                ibu: Some(ibu),
            });
        }
    }

    /// Adds one or both parents of member `anak` (Orang Tua of the head, or Mertua).
    fn orang_tua(&mut self, ang: &mut Vec<Anggota>, anak: usize, hub: Hubungan, agama: Agama) {
        let lo = (ang[anak].lahir - GAP_MAX + 1).max(self.lahir_min);
        let hi = ang[anak].lahir - GAP_MIN;
        if lo > hi {
            return;
        }
        let suku = ang[anak].suku;
        let def = data::suku_def(suku);
        let berdua = self.rng.chance(20.0);
        let (ada_ayah, ada_ibu) = if berdua {
            (true, true)
        } else if self.rng.chance(70.0) {
            (false, true)
        } else {
            (true, false)
        };
        let status = if berdua {
            StatusPerkawinan::Kawin
        } else {
            StatusPerkawinan::CeraiMati
        };
        // Parents' age at this child's birth, typically 22-35.
        let target = ang[anak].lahir - self.rng.range(22 * 365, 35 * 365) as i32;
        let mut ibu_idx = None;
        for (ada, jk) in [
            (ada_ayah, JenisKelamin::LakiLaki),
            (ada_ibu, JenisKelamin::Perempuan),
        ] {
            if !ada {
                continue;
            }
            let geser = if jk == JenisKelamin::LakiLaki {
                -self.rng.range(0, 5 * 365) as i32
            } else {
                0
            };
            let lahir = (target + geser).clamp(lo, hi);
            let marga = if jk == JenisKelamin::LakiLaki {
                ang[anak].marga
            } else {
                self.marga_lain(def, ang[anak].marga)
            };
            let mut nama = self.nama(suku, jk, lahir, marga, 0, agama);
            for _ in 0..6 {
                if ang.iter().all(|a| a.nama != nama) {
                    break;
                }
                nama = self.nama(suku, jk, lahir, marga, 0, agama);
            }
            let kota = self.rng.chance(70.0).then(|| self.kota(def));
            ang.push(Anggota {
                hubungan: hub,
                jk,
                lahir,
                status,
                nama,
                suku,
                marga,
                lahir_di: kota,
                ibu: None,
            });
            if jk == JenisKelamin::Perempuan {
                ibu_idx = Some(ang.len() - 1);
            }
        }
        if ibu_idx.is_some() {
            ang[anak].ibu = ibu_idx;
        }
    }

    fn jadikan_penduduk(
        &mut self,
        ki: usize,
        ang: Vec<Anggota>,
        agama: Agama,
        pesisir: bool,
    ) -> Vec<Penduduk> {
        let kel = &self.kel[ki];
        let kode = kel.kode;
        let kec = kel.kec.clone();
        let kel_data = kel.data;
        let alamat = self.alamat(kel_data);
        let rt_rw = RtRw {
            rt: self.rng.range(1, 15) as u16,
            rw: self.rng.range(1, 12) as u16,
        };
        // KK last re-issued after the youngest member's birth, within the last 15 years.
        let termuda = ang.iter().map(|a| a.lahir).max().expect("a head");
        let lo = termuda
            .max(ang[0].lahir + 17 * 366)
            .max(self.hari_ini - 15 * 365)
            .min(self.hari_ini);
        let dicatat = self.rng.range(lo as i64, self.hari_ini as i64) as i32;
        let nomor_kk = self.nomor_kk(&kec, dicatat);

        let mut out = Vec::with_capacity(ang.len());
        for a in &ang {
            let u = umur(a.lahir, self.hari_ini);
            let nama_ibu = match a.ibu {
                Some(i) => ang[i].nama.clone(),
                None => {
                    let mut n = String::new();
                    for _ in 0..6 {
                        let m = self.marga_lain(data::suku_def(a.suku), a.marga);
                        n = self.nama(
                            a.suku,
                            JenisKelamin::Perempuan,
                            a.lahir - 26 * 365,
                            m,
                            0,
                            agama,
                        );
                        if n != a.nama {
                            break;
                        }
                    }
                    n
                }
            };
            let region = self.region_nik(&kec, a.lahir_di, u);
            let lahir = date(a.lahir);
            let nik = self.nik(&region, lahir, a.jk);
            let pekerjaan = self.pekerjaan(a, u, agama, pesisir);
            out.push(Penduduk {
                nik,
                nomor_kk: nomor_kk.clone(),
                hubungan: a.hubungan,
                nama: a.nama.clone(),
                tempat_lahir: a.lahir_di.map_or("Jakarta", |k| k.0).to_string(),
                tanggal_lahir: lahir,
                jenis_kelamin: a.jk,
                golongan_darah: self.golongan_darah(),
                alamat: alamat.clone(),
                rt_rw,
                kelurahan: kode.to_string(),
                agama,
                status_perkawinan: a.status,
                pekerjaan: pekerjaan.to_string(),
                kewarganegaraan: Kewarganegaraan::Wni,
                nama_ibu_kandung: nama_ibu,
            });
        }
        out
    }

    // -----------------------------------------------------------------------------------
    // Identifiers.

    /// Region digits for a NIK: usually the current kecamatan, sometimes another one in
    /// Jakarta, sometimes the birthplace for residents who came from elsewhere.
    fn region_nik(&mut self, kec: &str, lahir_di: Option<Kota>, umur: i32) -> String {
        if let Some((_, kab)) = lahir_di {
            if umur >= 17 && self.rng.chance(40.0) {
                let w = Wilayah::get();
                let list = self
                    .kec_kab
                    .entry(kab)
                    .or_insert_with(|| w.children(kab).map(|k| kec_digits(k.kode)).collect());
                if !list.is_empty() {
                    let i = self.rng.below(list.len() as u64) as usize;
                    return list[i].clone();
                }
            }
        }
        let r = self.rng.below(100);
        if r < 84 {
            kec.to_string()
        } else if r < 93 {
            self.rng.pick(&self.kec_ju).clone()
        } else {
            self.rng.pick(&self.kec_jakarta).clone()
        }
    }

    fn nik(&mut self, region: &str, lahir: Date, jk: JenisKelamin) -> Nik {
        let dd = lahir.day() as u64 + if jk == JenisKelamin::Perempuan { 40 } else { 0 };
        let tgl = dd * 10_000 + lahir.month() as u64 * 100 + (lahir.year() % 100) as u64;
        // The requested region first; if its serials for this date were exhausted, the
        // other kecamatan of Jakarta Utara (only reachable at absurd population sizes).
        let candidates = std::iter::once(region.to_string()).chain(self.kec_ju.clone());
        for reg in candidates {
            let key = reg.parse::<u64>().expect("six digits") * 1_000_000 + tgl;
            let last = self.nik_serial.entry(key).or_insert(0);
            let step = 1 + u16::from(self.rng.chance(25.0));
            let serial = if *last + step <= 9999 {
                *last + step
            } else {
                *last + 1
            };
            if serial > 9999 {
                continue;
            }
            *last = serial;
            return Nik::from_parts(&reg, lahir, jk, serial).expect("valid NIK parts");
        }
        panic!("NIK serials exhausted for {lahir}");
    }

    fn nomor_kk(&mut self, kec: &str, mut dicatat: i32) -> NomorKk {
        let reg = kec.parse::<u64>().expect("six digits");
        loop {
            let d = date(dicatat);
            let key = reg * 1_000_000
                + d.day() as u64 * 10_000
                + d.month() as u64 * 100
                + (d.year() % 100) as u64;
            let last = self.kk_serial.entry(key).or_insert(0);
            if *last < 9999 {
                *last += 1;
                return NomorKk::from_parts(kec, d, *last).expect("valid KK parts");
            }
            dicatat -= 1;
        }
    }

    // -----------------------------------------------------------------------------------
    // Attributes.

    fn umur_kepala(&mut self) -> i32 {
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

    fn jk(&mut self) -> JenisKelamin {
        if self.rng.chance(51.0) {
            JenisKelamin::LakiLaki
        } else {
            JenisKelamin::Perempuan
        }
    }

    fn pilih_suku(&mut self, kel: Option<&Kelurahan>) -> Suku {
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
    fn marga_agama(&mut self, suku: Suku, def: &'static SukuDef) -> (Option<&'static str>, Agama) {
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
    fn marga_lain(
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
    fn suku_seagama(&mut self, agama: Agama) -> Option<Suku> {
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

    fn kota(&mut self, def: &'static SukuDef) -> Kota {
        *self.rng.pick(def.kota)
    }

    /// A full name in the given tradition for someone born on day `lahir`.
    /// `urutan` is the birth order (1-based) for Balinese names, 0 if unknown.
    fn nama(
        &mut self,
        suku: Suku,
        jk: JenisKelamin,
        lahir: i32,
        marga: Option<&'static str>,
        urutan: usize,
        agama: Agama,
    ) -> String {
        let def = data::suku_def(suku);
        let tahun = civil_from_days(lahir).0;
        let pria = jk == JenisKelamin::LakiLaki;
        let rng = &mut self.rng;
        match suku {
            Suku::Bali => {
                let u = if urutan == 0 {
                    rng.range(1, 4) as usize
                } else {
                    urutan
                };
                let urut = match (u - 1) % 4 {
                    // Gede is for boys only; first-born girls are often Luh.
                    0 if pria => *rng.pick(&["Wayan", "Putu", "Gede"]),
                    0 => *rng.pick(&["Wayan", "Putu", "Luh"]),
                    i => *rng.pick(data::BALI_URUTAN[i]),
                };
                let nama = if tahun < 1975 {
                    rng.pick(if pria { def.pria_lama } else { def.wanita_lama })
                } else {
                    rng.pick(if pria { def.pria } else { def.wanita })
                };
                format!("{} {urut} {nama}", if pria { "I" } else { "Ni" })
            }
            Suku::Tionghoa if tahun < 1960 && rng.chance(50.0) => rng
                .pick(if pria { def.pria_lama } else { def.wanita_lama })
                .to_string(),
            _ if !def.marga.is_empty() => {
                let depan = if tahun >= 1990 && agama != Agama::Islam && rng.chance(35.0) {
                    rng.pick(data::nama_muda(false, pria).0)
                } else if tahun < 1970 && suku != Suku::Tionghoa {
                    rng.pick(if pria { def.pria_lama } else { def.wanita_lama })
                } else {
                    rng.pick(if pria { def.pria } else { def.wanita })
                };
                match marga {
                    Some(m) if suku == Suku::Batak && !pria && rng.chance(25.0) => {
                        format!("{depan} Br {m}")
                    }
                    Some(m) => format!("{depan} {m}"),
                    None => depan.to_string(),
                }
            }
            _ => {
                let (depan, kedua) = if tahun >= 1995 && rng.chance(55.0) {
                    data::nama_muda(agama == Agama::Islam, pria)
                } else if tahun < 1975 {
                    (
                        if pria { def.pria_lama } else { def.wanita_lama },
                        if pria {
                            def.kedua_pria
                        } else {
                            def.kedua_wanita
                        },
                    )
                } else {
                    (
                        if pria { def.pria } else { def.wanita },
                        if pria {
                            def.kedua_pria
                        } else {
                            def.kedua_wanita
                        },
                    )
                };
                let a = *rng.pick(depan);
                let p_kedua = if tahun < 1975 { 40.0 } else { 75.0 };
                if rng.chance(p_kedua) && !a.contains(' ') {
                    let b = *rng.pick(kedua);
                    if b != a {
                        return format!("{a} {b}");
                    }
                }
                a.to_string()
            }
        }
    }

    /// A modern name (children born recently), keeping an inherited family name.
    fn nama_modern(
        &mut self,
        jk: JenisKelamin,
        agama: Agama,
        marga: Option<&'static str>,
    ) -> Option<String> {
        let (depan, kedua) = data::nama_muda(agama == Agama::Islam, jk == JenisKelamin::LakiLaki);
        let a = *self.rng.pick(depan);
        Some(match marga {
            Some(m) => format!("{a} {m}"),
            None if a.contains(' ') => a.to_string(),
            None => format!("{a} {}", self.rng.pick(kedua)),
        })
    }

    fn golongan_darah(&mut self) -> GolonganDarah {
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

    fn pekerjaan(&mut self, a: &Anggota, umur: i32, agama: Agama, pesisir: bool) -> &'static str {
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

    fn alamat(&mut self, kel: Option<&Kelurahan>) -> String {
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

    /// The `today` this generator was built with.
    pub fn today(&self) -> Date {
        self.today
    }
}

impl Iterator for Generator {
    type Item = Penduduk;

    fn next(&mut self) -> Option<Penduduk> {
        loop {
            if let Some(p) = self.antre.next() {
                return Some(p);
            }
            self.antre = self.keluarga().into_iter();
        }
    }
}

/// An endless, deterministic stream of residents, family by family (Kepala Keluarga
/// first). Use `.take(n)` or [`Generator::keluarga`] for chunked seeding of large
/// populations; NIKs and KK numbers are unique across the whole stream.
pub fn population_iter(seed: u64, today: Date) -> Generator {
    Generator::new(seed, today)
}

/// Exactly `n` synthetic residents of Kota Administrasi Jakarta Utara, in whole families,
/// deterministic in `seed` and `today`. It is the [`population_iter`] stream except near
/// the end, where families are picked to fit `n` exactly.
pub fn population(seed: u64, n: usize, today: Date) -> Vec<Penduduk> {
    let mut g = Generator::new(seed, today);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let f = g.keluarga_maks(n - out.len());
        out.extend(f);
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn day_numbers_round_trip() {
        for d in [
            jiff::civil::date(1970, 1, 1),
            jiff::civil::date(1936, 2, 29),
            jiff::civil::date(2000, 2, 29),
            jiff::civil::date(2026, 11, 28),
            jiff::civil::date(1899, 12, 31),
        ] {
            assert_eq!(date(dn(d)), d);
        }
        assert_eq!(dn(jiff::civil::date(1970, 1, 1)), 0);
        assert_eq!(
            dn(jiff::civil::date(2000, 3, 1)) - dn(jiff::civil::date(2000, 2, 28)),
            2
        );
        let b = dn(jiff::civil::date(2000, 2, 29));
        assert_eq!(umur(b, dn(jiff::civil::date(2018, 2, 28))), 17);
        assert_eq!(umur(b, dn(jiff::civil::date(2018, 3, 1))), 18);
        assert_eq!(
            Generator::tahun_lalu(b, 1),
            dn(jiff::civil::date(1999, 2, 28))
        );
    }
}
