//! Family composition: who lives on one KK (the Kepala Keluarga, a spouse, children, a
//! married child's family, parents or parents-in-law, a relative from the home town).

use sidik_domain::{Agama, Hubungan, JenisKelamin, Penduduk, StatusPerkawinan};

use super::calendar::{tahun_lalu, umur};
use super::{Anggota, Generator};
use crate::data::{self, Kota, Suku, SukuDef};

/// At least 18 years (18 × 366 days always covers 18 birthdays).
const GAP_MIN: i32 = 18 * 366;
/// Less than 41 years (41 years always have at least 41 × 365 + 9 days).
const GAP_MAX: i32 = 41 * 365;

/// Household type, drawn from the head's age.
#[derive(Clone, Copy)]
enum Tipe {
    /// A married couple, with their children if any.
    Pasangan,
    /// A widowed or divorced head, with the children if any.
    OrangTuaTunggal,
    /// No spouse and no children (other relatives may still live there).
    Sendiri,
}

/// What every member of a family starts from: the head's tradition, the family marga
/// (for naming traditions that have one) and the family's religion.
#[derive(Clone, Copy)]
struct Asal {
    suku: Suku,
    def: &'static SukuDef,
    marga: Option<&'static str>,
    agama: Agama,
}

/// What the rest of a family depends on about its Kepala Keluarga (who is `ang[0]`).
struct Kepala {
    tipe: Tipe,
    umur: i32,
    wanita: bool,
    /// Moved to Jakarta as a young adult.
    pendatang: bool,
    /// Day number of the move (`i32::MIN` when not a `pendatang`).
    tiba: i32,
    /// Birthplace outside Jakarta (`None`: born in Jakarta).
    kota: Option<Kota>,
}

impl Generator {
    /// Generates one family (one KK), Kepala Keluarga first; a one-person household when
    /// `hanya_sendiri`.
    pub(super) fn buat_keluarga(&mut self, hanya_sendiri: bool) -> Vec<Penduduk> {
        self.keluarga += 1;
        let ki = self.rng.weighted_index(&self.kel_bobot);
        let kel_data = self.kel[ki].data;
        let pesisir = kel_data.is_some_and(|d| d.pesisir);
        let suku = self.pilih_suku(kel_data);
        let def = data::suku_def(suku);

        let (marga, agama) = self.marga_agama(suku, def);
        let asal = Asal {
            suku,
            def,
            marga,
            agama,
        };
        let mut ang: Vec<Anggota> = Vec::with_capacity(6);

        let kk = self.kepala(&mut ang, asal, hanya_sendiri);
        let pasangan = match kk.tipe {
            Tipe::Pasangan => Some(self.pasangan(&mut ang, asal, &kk)),
            Tipe::OrangTuaTunggal | Tipe::Sendiri => None,
        };
        if !matches!(kk.tipe, Tipe::Sendiri) {
            self.anak(&mut ang, asal, &kk, pasangan);
        }
        // A one-person household: nobody else.
        if !hanya_sendiri {
            self.kerabat(&mut ang, asal, &kk, pasangan);
        }

        self.jadikan_penduduk(ki, ang, agama, pesisir)
    }

    /// Adds the Kepala Keluarga (as `ang[0]`) and draws the household type.
    fn kepala(&mut self, ang: &mut Vec<Anggota>, asal: Asal, hanya_sendiri: bool) -> Kepala {
        let Asal {
            suku,
            def,
            marga,
            agama,
        } = asal;
        let umur_kk = self.umur_kepala();
        let lahir_kk = self.lahir_umur(umur_kk, umur_kk);
        let tipe = self.tipe(umur_kk, hanya_sendiri);
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
        let status_kk = self.status_kepala(tipe, umur_kk);
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
        Kepala {
            tipe,
            umur: umur_kk,
            wanita: kk_wanita,
            pendatang,
            tiba,
            kota: kota_kk,
        }
    }

    /// The household type of a head aged `umur_kk` (always [`Tipe::Sendiri`] when
    /// `hanya_sendiri`; the draw is made either way).
    fn tipe(&mut self, umur_kk: i32, hanya_sendiri: bool) -> Tipe {
        let r = self.rng.below(100) as i32;
        match umur_kk {
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
        }
    }

    /// The marital status of a head of household type `tipe`, aged `umur_kk`.
    fn status_kepala(&mut self, tipe: Tipe, umur_kk: i32) -> StatusPerkawinan {
        match tipe {
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
        }
    }

    /// Adds the head's spouse; returns the spouse's index in `ang`.
    fn pasangan(&mut self, ang: &mut Vec<Anggota>, asal: Asal, kk: &Kepala) -> usize {
        let Asal {
            suku, marga, agama, ..
        } = asal;
        let kk_wanita = kk.wanita;
        let lahir_kk = ang[0].lahir;
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
        let dewasa = tahun_lalu(self.hari_ini, 18);
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
        let kota = if self.rng.chance(if kk.pendatang { 60.0 } else { 25.0 }) {
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
        ang.len() - 1
    }

    /// Adds the children of the head (and of the spouse at `pasangan`) who still live on
    /// the KK, and sometimes a married child's spouse and children.
    fn anak(&mut self, ang: &mut Vec<Anggota>, asal: Asal, kk: &Kepala, pasangan: Option<usize>) {
        let Asal {
            suku,
            def,
            marga,
            agama,
        } = asal;
        let kk_wanita = kk.wanita;
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
        let lahir_anak = self.kelahiran(ang, &orang_tua, k);
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
            let lahir_di = if lahir < kk.tiba { kk.kota } else { None };
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
        if pasangan.is_some() && kk.umur >= 45 && self.rng.chance(14.0) {
            self.tiga_generasi(ang, suku, agama, marga);
        }
    }

    /// Adds the relatives of a household that is not one person: parents or
    /// parents-in-law living with the family, and a relative from the home town.
    fn kerabat(
        &mut self,
        ang: &mut Vec<Anggota>,
        asal: Asal,
        kk: &Kepala,
        pasangan: Option<usize>,
    ) {
        let Asal {
            suku, def, agama, ..
        } = asal;
        // Parents or parents-in-law living with the family.
        if kk.umur <= 58 && self.rng.chance(7.0) {
            self.orang_tua(ang, 0, Hubungan::OrangTua, agama);
        } else if let Some(p) = pasangan {
            if umur(ang[p].lahir, self.hari_ini) <= 55 && self.rng.chance(4.0) {
                self.orang_tua(ang, p, Hubungan::Mertua, agama);
            }
        }
        // A nephew, niece or cousin from the home town.
        if self.rng.chance(5.0) {
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
        let dewasa = tahun_lalu(self.hari_ini, 21);
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
        let lahir_m = (ang[a].lahir + geser).clamp(self.lahir_min, tahun_lalu(self.hari_ini, 19));
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
}
