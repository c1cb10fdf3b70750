//! Pages about sync: the office's sync page, the citizen's status lookup with an honest
//! outage notice, and the centre's dashboard. All in Bahasa Indonesia.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use sidik_domain::tanggal::waktu_wib;
use sidik_domain::{Peran, Status};
use sidik_store::StatusKirim;

use crate::auth::WebUser;
use crate::web::{html, kepala, pusat_gangguan_sejak, Kepala};
use crate::AppState;

#[derive(Template)]
#[template(path = "sinkron.html")]
struct SinkronPage {
    k: Kepala,
    pusat: String,
    menunggu: u64,
    tertua: String,
    terkirim: u64,
    keputusan: u64,
    ditolak: Vec<(String, String, String)>,
    galat_terakhir: String,
    /// Centre findings on cards already printed: (nomor, nama, status, hasil, catatan,
    /// when, other applications named).
    temuan: Vec<Temuan>,
}

struct Temuan {
    nomor: String,
    nama: String,
    status: String,
    hasil: String,
    catatan: String,
    waktu: String,
    kandidat: String,
}

pub async fn sinkron(State(st): State<AppState>, WebUser(u): WebUser) -> Response {
    let Some(v) = &st.sinkron else {
        return html(SinkronPage {
            k: kepala(&st, Some(&u)),
            pusat: "Simpul mandiri: tidak ada sinkronisasi dengan pusat.".into(),
            menunggu: 0,
            tertua: "-".into(),
            terkirim: 0,
            keputusan: 0,
            ditolak: vec![],
            galat_terakhir: String::new(),
            temuan: vec![],
        });
    };
    let s = v.sync.sync_stats().await.unwrap_or_default();
    let h = v.health.snapshot();
    let pusat = match (h.up, h.down_since) {
        (_, Some(t)) => format!("Tidak terjangkau sejak {}", waktu_wib(t)),
        (Some(true), None) => format!(
            "Terhubung{}",
            h.last_ok
                .map(|t| format!(" (kontak terakhir {})", waktu_wib(t)))
                .unwrap_or_default()
        ),
        _ => "Belum dihubungi".into(),
    };
    let ditolak = v
        .sync
        .outbox_refused_list(100)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|(p, r)| (p.packet_id, p.nomor, r))
        .collect();
    let temuan = v
        .sync
        .findings_on_issued_cards(100)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|t| Temuan {
            nomor: t.nomor,
            nama: t.nama,
            status: Status::parse(&t.status).map_or(t.status, |s| s.label().to_string()),
            hasil: sidik_domain::Hasil::parse(&t.hasil).map_or(t.hasil, |h| h.label().to_string()),
            catatan: t.catatan,
            waktu: waktu_wib(t.waktu),
            kandidat: t.kandidat.join(", "),
        })
        .collect();
    html(SinkronPage {
        k: kepala(&st, Some(&u)),
        pusat,
        menunggu: s.menunggu,
        tertua: s.tertua.map_or("-".into(), waktu_wib),
        terkirim: s.terkirim,
        keputusan: s.keputusan,
        ditolak,
        galat_terakhir: h.last_error.unwrap_or_default(),
        temuan,
    })
}

#[derive(Deserialize)]
pub struct CariStatus {
    #[serde(default)]
    nomor: String,
    #[serde(default)]
    nik: String,
}

#[derive(Template)]
#[template(path = "status.html")]
struct StatusPage {
    k: Kepala,
    nomor: String,
    nik: String,
    galat: Option<String>,
    hasil: Option<StatusWarga>,
}

struct StatusWarga {
    nama: String,
    status: String,
    direkam: String,
    pesan: Vec<String>,
    gangguan: Option<String>,
}

fn samarkan(nama: &str) -> String {
    nama.split_whitespace()
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => format!("{f}{}", "*".repeat(c.count())),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Citizen status lookup: both the registration number and the NIK must match, and the
/// answer never names anyone else (no candidates, no reasons that may cite others).
pub async fn status_warga(State(st): State<AppState>, Query(q): Query<CariStatus>) -> Response {
    let mut page = StatusPage {
        k: kepala(&st, None),
        nomor: q.nomor.trim().to_string(),
        nik: q.nik.trim().to_string(),
        galat: None,
        hasil: None,
    };
    if page.nomor.is_empty() && page.nik.is_empty() {
        return html(page);
    }
    let tidak_ada = "Data tidak ditemukan. Periksa kembali nomor registrasi (27 angka, tertera pada tanda terima perekaman) dan NIK Anda.".to_string();
    if page.nomor.len() != 27 || !page.nomor.bytes().all(|b| b.is_ascii_digit()) {
        page.galat = Some(
            "Nomor registrasi harus 27 angka, seperti tertera pada tanda terima perekaman.".into(),
        );
        return html(page);
    }
    if page.nik.len() != 16 || !page.nik.bytes().all(|b| b.is_ascii_digit()) {
        page.galat = Some("NIK harus 16 angka.".into());
        return html(page);
    }
    let p = match st.issuance.get(&page.nomor).await {
        Ok(p) if p.nik.as_str() == page.nik => p,
        _ => {
            page.galat = Some(tidak_ada);
            return html(page);
        }
    };
    let mut pesan = Vec::new();
    let mut gangguan = None;
    let kirim = match &st.sinkron {
        Some(v) => v.sync.outbox_of(p.nomor.as_str()).await.ok().flatten(),
        None => None,
    };
    match p.status {
        Status::Direkam | Status::Dikirim => {
            match kirim.as_ref().map(|k| k.status) {
                Some(StatusKirim::Menunggu) => {
                    pesan.push("Data perekaman Anda menunggu sinkronisasi ke pusat data untuk verifikasi ketunggalan.".into());
                    if let Some(t) = pusat_gangguan_sejak(&st) {
                        gangguan = Some(format!(
                            "Sistem pusat sedang gangguan sejak {}; data Anda tersimpan aman dan akan diproses otomatis.",
                            waktu_wib(t)
                        ));
                    }
                }
                Some(StatusKirim::Terkirim) => pesan.push("Data Anda sudah diterima pusat dan sedang dalam verifikasi ketunggalan.".into()),
                Some(StatusKirim::Karantina) => pesan.push("Data Anda perlu diperbaiki oleh petugas. Silakan hubungi kantor tempat Anda merekam.".into()),
                None => pesan.push("Data Anda sedang dalam verifikasi ketunggalan.".into()),
            }
        }
        Status::Tunggal | Status::SiapCetak => pesan.push("Verifikasi selesai. KTP-el Anda dalam antrean cetak; Anda akan diberi tahu saat kartu siap diambil.".into()),
        Status::Ganda => pesan.push("Data Anda memerlukan pemeriksaan lanjutan oleh petugas verifikasi. Petugas akan menghubungi Anda; Anda tidak perlu merekam ulang.".into()),
        Status::Dicetak => pesan.push(format!("KTP-el Anda sudah dicetak dan dapat diambil di kantor {} dengan membawa tanda terima perekaman.", st.info.nama_kantor)),
        Status::Diserahkan => pesan.push("KTP-el Anda sudah diserahkan.".into()),
        Status::Ditolak => pesan.push("Permohonan Anda tidak dapat diproses. Silakan datang ke kantor Dukcapil untuk penjelasan.".into()),
    }
    page.hasil = Some(StatusWarga {
        nama: samarkan(&p.nama),
        status: p.status.label().to_string(),
        direkam: waktu_wib(p.dibuat),
        pesan,
        gangguan,
    });
    html(page)
}

#[derive(Template)]
#[template(path = "pusat.html")]
struct PusatPage {
    k: Kepala,
    diterima: u64,
    diputuskan: u64,
    menunggu: u64,
    karantina_n: u64,
    galeri: usize,
    keputusan: Vec<(String, u64)>,
    kantor: Vec<(String, String, String, String)>,
    ganda: Vec<KasusGanda>,
    karantina: Vec<(String, String, String, String, String)>,
    admin: bool,
    /// Adjudicators (verifikator, admin) get the adjudication form.
    adjudikator: bool,
    pesan: Option<String>,
    galat: Option<String>,
}

/// A `ganda` case awaiting adjudication, with the centre's finding.
struct KasusGanda {
    nomor: String,
    nik: String,
    nama: String,
    kantor: String,
    /// The latest `ganda` decision's note and candidates ("NIK … (permohonan …, skor …)").
    catatan: String,
    kandidat: Vec<String>,
}

#[derive(Deserialize)]
pub struct PusatQuery {
    selesai: Option<String>,
}

pub async fn pusat(
    State(st): State<AppState>,
    WebUser(u): WebUser,
    Query(q): Query<PusatQuery>,
) -> Response {
    let pesan = q
        .selesai
        .filter(|n| n.len() <= 40 && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .map(|n| format!("Adjudikasi permohonan {n} tercatat dan dikirim ke kantor asalnya."));
    pusat_page(&st, &u, pesan, None).await
}

async fn pusat_page(
    st: &AppState,
    u: &sidik_store::User,
    pesan: Option<String>,
    galat: Option<String>,
) -> Response {
    let Some(c) = &st.pusat else {
        return html(PusatPage {
            k: kepala(st, Some(u)),
            diterima: 0,
            diputuskan: 0,
            menunggu: 0,
            karantina_n: 0,
            galeri: 0,
            keputusan: vec![],
            kantor: vec![],
            ganda: vec![],
            karantina: vec![],
            admin: false,
            adjudikator: false,
            pesan,
            galat,
        });
    };
    let s = c.store.central_stats().await.unwrap_or_default();
    let admin = u.peran == Peran::Admin;
    let kantor = c
        .store
        .offices()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|k| {
            (
                k.kode,
                k.nama,
                k.public_key,
                k.dicabut
                    .map_or("aktif".to_string(), |t| format!("dicabut {}", waktu_wib(t))),
            )
        })
        .collect();
    let adjudikator = matches!(u.peran, Peran::Admin | Peran::Verifikator);
    let mut ganda = Vec::new();
    if adjudikator {
        for p in c
            .store
            .packets_with_status("ganda", 200)
            .await
            .unwrap_or_default()
        {
            let temuan = c
                .store
                .decisions_for(&p.nomor)
                .await
                .unwrap_or_default()
                .into_iter()
                .rev()
                .find(|k| k.hasil == sidik_domain::Hasil::Ganda);
            let (catatan, kandidat) = temuan.map_or_else(Default::default, |k| {
                let kandidat = k
                    .kandidat
                    .iter()
                    .map(|c| {
                        format!(
                            "NIK {} (permohonan {}, skor {:.0}, {} jari cocok)",
                            c.nik, c.permohonan, c.skor, c.jari_cocok
                        )
                    })
                    .collect();
                (k.catatan, kandidat)
            });
            ganda.push(KasusGanda {
                nomor: p.nomor,
                nik: p.nik,
                nama: p.nama,
                kantor: p.kantor,
                catatan,
                kandidat,
            });
        }
    }
    let karantina = if admin {
        c.store
            .quarantine_list(200)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|q| {
                (
                    waktu_wib(q.diterima),
                    q.packet_id.unwrap_or_default(),
                    q.kantor.unwrap_or_default(),
                    q.kode,
                    q.alasan,
                )
            })
            .collect()
    } else {
        vec![]
    };
    html(PusatPage {
        k: kepala(st, Some(u)),
        diterima: s.diterima,
        diputuskan: s.diputuskan,
        menunggu: s.menunggu,
        karantina_n: s.karantina,
        galeri: c.abis.len(),
        keputusan: s.keputusan,
        kantor,
        ganda,
        karantina,
        admin,
        adjudikator,
        pesan,
        galat,
    })
}

#[derive(Deserialize)]
pub struct AdjudikasiForm {
    hasil: String,
    #[serde(default)]
    alasan: String,
}

/// An adjudicator's verdict on a `ganda` case, from the centre's page.
pub async fn adjudikasi(
    State(st): State<AppState>,
    WebUser(u): WebUser,
    axum::extract::Path(nomor): axum::extract::Path<String>,
    axum::extract::Form(f): axum::extract::Form<AdjudikasiForm>,
) -> Response {
    use axum::http::StatusCode;
    use axum::response::{IntoResponse, Redirect};
    let verdict: Result<(), (StatusCode, String)> = async {
        if !matches!(u.peran, Peran::Admin | Peran::Verifikator) {
            return Err((
                StatusCode::FORBIDDEN,
                "Peran Anda tidak berwenang melakukan adjudikasi.".to_string(),
            ));
        }
        let Some(c) = &st.pusat else {
            return Err((StatusCode::NOT_FOUND, "Node ini bukan pusat data.".into()));
        };
        let tunggal = match f.hasil.as_str() {
            "tunggal" => true,
            "tolak" => false,
            _ => {
                return Err((
                    StatusCode::BAD_REQUEST,
                    "Pilih hasil adjudikasi: tunggal atau tolak.".into(),
                ))
            }
        };
        if f.alasan.trim().is_empty() {
            return Err((
                StatusCode::BAD_REQUEST,
                format!("Alasan adjudikasi permohonan {nomor} wajib diisi."),
            ));
        }
        c.adjudicate(&format!("user:{}", u.username), &nomor, tunggal, &f.alasan)
            .await
            .map_err(|e| match e {
                sidik_store::StoreError::NotFound(_) => (
                    StatusCode::NOT_FOUND,
                    format!("Permohonan {nomor} tidak ditemukan di pusat."),
                ),
                sidik_store::StoreError::Conflict(_) => (
                    StatusCode::CONFLICT,
                    format!("Permohonan {nomor} bukan kasus ganda yang menunggu adjudikasi (mungkin sudah diadjudikasi)."),
                ),
                e => {
                    tracing::error!("adjudication of {nomor}: {e}");
                    (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "Adjudikasi gagal disimpan; coba lagi.".into(),
                    )
                }
            })
    }
    .await;
    match verdict {
        Ok(()) => Redirect::to(&format!("/pusat?selesai={nomor}")).into_response(),
        Err((status, galat)) => {
            (status, pusat_page(&st, &u, None, Some(galat)).await).into_response()
        }
    }
}
