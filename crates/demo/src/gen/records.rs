//! Residents' records: a family's members become [`Penduduk`] with an address, a KK
//! number and NIKs unique across the generator.

use jiff::civil::Date;
use sidik_domain::{Agama, JenisKelamin, Kewarganegaraan, Nik, NomorKk, Penduduk, RtRw};
use sidik_wilayah::Wilayah;

use super::calendar::{date, umur};
use super::{kec_digits, Anggota, Generator};
use crate::data::{self, Kota};

impl Generator {
    /// Turns a family's members into residents: one address, RT/RW and KK number for
    /// all, a mother's name, NIK, blood group and occupation each.
    pub(super) fn jadikan_penduduk(
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
}
