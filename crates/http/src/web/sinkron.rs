//! The office's sync page: the centre's health, the outbox, refused packets and centre
//! findings on cards already printed.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use sidik_domain::tanggal::waktu_wib;
use sidik_domain::Status;

use super::formulir::Csrf;
use super::layout::{html, kepala, Kepala};
use crate::auth::WebUser;
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

pub async fn sinkron(State(st): State<AppState>, WebUser(u): WebUser, Csrf(t): Csrf) -> Response {
    let Some(v) = st.role.sync_view() else {
        return html(SinkronPage {
            k: kepala(&st, Some(&u), &t),
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
        k: kepala(&st, Some(&u), &t),
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
