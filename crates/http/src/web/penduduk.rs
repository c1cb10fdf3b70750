//! The population registry lookup for officers.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sidik_domain::tanggal::tanggal_hari;
use sidik_domain::{Nik, Peran};

use super::formulir::Csrf;
use super::layout::{html, kepala, pesan, Kepala};
use crate::auth::{Desk, WebUser};
use crate::views::region_name;
use crate::AppState;

#[derive(Template)]
#[template(path = "penduduk.html")]
struct PendudukPage {
    k: Kepala,
    nik: String,
    biodata: Vec<(&'static str, String)>,
    kelurahan: String,
    permohonan: Vec<(String, &'static str)>,
    galat: Option<String>,
    boleh_rekam: bool,
}

pub(super) async fn penduduk(
    State(st): State<AppState>,
    Desk(iss): Desk,
    WebUser(u): WebUser,
    Csrf(t): Csrf,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let nik_s = q.get("nik").cloned().unwrap_or_default();
    let mut page = PendudukPage {
        k: kepala(&st, Some(&u), &t),
        nik: nik_s.clone(),
        biodata: vec![],
        kelurahan: String::new(),
        permohonan: vec![],
        galat: None,
        boleh_rekam: matches!(u.peran, Peran::Operator | Peran::Admin),
    };
    if nik_s.trim().is_empty() {
        return html(page);
    }
    let nik = match Nik::parse(&nik_s) {
        Ok(n) => n,
        Err(_) => {
            page.galat = Some(
                "NIK tidak valid: harus 16 angka dengan kode wilayah dan tanggal lahir yang sah."
                    .into(),
            );
            return (StatusCode::BAD_REQUEST, html(page)).into_response();
        }
    };
    let store = &iss.store;
    match iss.resident(&u, &nik, "halaman /penduduk").await {
        Ok(Some(r)) => {
            let today = sidik_domain::tanggal::tanggal_wib(iss.clock.now());
            page.kelurahan = r.kelurahan.clone();
            page.biodata = vec![
                ("NIK", r.nik.to_string()),
                ("Nama", r.nama.clone()),
                (
                    "Tempat/Tgl Lahir",
                    format!("{}, {}", r.tempat_lahir, tanggal_hari(r.tanggal_lahir)),
                ),
                ("Umur", format!("{} tahun", r.umur(today))),
                ("Jenis Kelamin", r.jenis_kelamin.label().to_string()),
                ("Gol. Darah", r.golongan_darah.label().to_string()),
                ("Alamat", format!("{} RT/RW {}", r.alamat, r.rt_rw)),
                ("Kel/Desa", region_name(&r.kelurahan)),
                ("Kecamatan", region_name(r.kecamatan())),
                ("Agama", r.agama.label().to_string()),
                ("Status Perkawinan", r.status_perkawinan.label().to_string()),
                ("Pekerjaan", r.pekerjaan.clone()),
            ];
            // The family part only for the roles that may see it.
            if let Some(k) = &r.keluarga {
                page.biodata.insert(1, ("No. KK", k.nomor_kk.to_string()));
                page.biodata
                    .push(("Hubungan dalam KK", k.hubungan.label().to_string()));
                page.biodata
                    .push(("Nama Ibu Kandung", k.nama_ibu_kandung.clone()));
            }
            if !r.wajib_ktp(today) {
                page.boleh_rekam = false;
                page.galat = Some(
                    "Penduduk ini belum wajib KTP (belum 17 tahun dan belum pernah kawin).".into(),
                );
            }
            page.permohonan = store
                .applications_of_nik(&nik)
                .await
                .unwrap_or_default()
                .into_iter()
                .map(|(n, s)| (n, s.label()))
                .collect();
        }
        Ok(None) => {
            page.galat = Some(format!(
                "NIK {nik} tidak terdaftar dalam database kependudukan."
            ));
            return (StatusCode::NOT_FOUND, html(page)).into_response();
        }
        Err(e) => page.galat = Some(pesan(&e.into())),
    }
    html(page)
}
