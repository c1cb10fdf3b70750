//! Names in each naming tradition.

use sidik_domain::{Agama, JenisKelamin};

use super::calendar::civil_from_days;
use super::Generator;
use crate::data::{self, Suku};

impl Generator {
    /// A full name in the given tradition for someone born on day `lahir`.
    /// `urutan` is the birth order (1-based) for Balinese names, 0 if unknown.
    pub(super) fn nama(
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
    pub(super) fn nama_modern(
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
}
