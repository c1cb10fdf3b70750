//! Wiring of the citizen's side (issue 15): the notification delivery worker on every
//! office, and on an office that answers to a centre the automatic outage and recovery
//! notices.

use std::sync::Arc;
use std::time::Duration;

use sidik_http::Role;
use sidik_kabar::pantau::Pantau;
use sidik_kabar::{Gateway, KabarConfig, Kantor, Pengantar, Smtp};

use crate::{Backend, Node};

/// How an office reaches its citizens.
#[derive(Clone, Debug)]
pub struct KabarSetelan {
    /// The node's public base URL, for links in messages.
    pub url_publik: String,
    /// The office's address, service hours and contact, for citizens.
    pub alamat: String,
    pub jam: String,
    pub kontak: String,
    /// Email over SMTP (else the file channel).
    pub smtp: Option<Smtp>,
    /// SMS/WhatsApp gateway (else the file channel).
    pub gateway: Option<Gateway>,
    /// First retry delay (doubling after each failure).
    pub jeda_dasar: Duration,
    /// An outage is announced once it lasted this long.
    pub gangguan_setelah: Duration,
    /// Enrollments cleared per hour after an outage when no drain could be measured.
    pub per_jam_bawaan: u64,
}

impl Default for KabarSetelan {
    fn default() -> Self {
        KabarSetelan {
            url_publik: "http://127.0.0.1:8080".into(),
            alamat: String::new(),
            jam: String::new(),
            kontak: String::new(),
            smtp: None,
            gateway: None,
            jeda_dasar: Duration::from_secs(30),
            gangguan_setelah: Duration::from_secs(300),
            per_jam_bawaan: 10_000,
        }
    }
}

/// Starts the delivery worker (offices) and the outage monitor (office role).
pub(crate) fn start<S: Backend>(node: &Node<S>) {
    let Some(iss) = node.issuance() else {
        return;
    };
    let s = &node.kabar;
    let info = &node.state.info;
    let mut config = KabarConfig::new(
        &node.data,
        &s.url_publik,
        Kantor {
            nama: info.nama_kantor.clone(),
            alamat: s.alamat.clone(),
            jam: s.jam.clone(),
            kontak: s.kontak.clone(),
        },
    );
    config.smtp = s.smtp.clone();
    config.gateway = s.gateway.clone();
    config.jeda_dasar = s.jeda_dasar;
    let pengantar = Arc::new(Pengantar::new(
        node.store.clone(),
        iss.clock.clone(),
        config,
    ));
    tokio::spawn(pengantar.run());
    if let Role::Office(_, view) = &node.state.role {
        let health = view.health.clone();
        tokio::spawn(
            Pantau {
                store: node.store.clone(),
                clock: iss.clock.clone(),
                putus: Arc::new(move || health.snapshot().down_since),
                kota: iss.kota(),
                kantor: info.nama_kantor.clone(),
                setelah: s.gangguan_setelah,
                ukur: Duration::from_secs(30),
                per_jam_bawaan: s.per_jam_bawaan,
                interval: Duration::from_secs(2),
            }
            .run(),
        );
    }
}
