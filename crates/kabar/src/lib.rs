//! Kabar: delivering the citizens' notifications, and the automatic notices when the
//! centre goes down and comes back.
//!
//! The outbox (`kabar_keluar`) is written by the store in the transaction of each
//! cause; [`Pengantar`] (the delivery worker) takes what is due, renders the message
//! (`sidik_domain::kabar::pesan`), hands it to a channel ([`kanal`]: email over SMTP
//! with `lettre`, SMS/WhatsApp through an HTTP gateway, or the file channel when none
//! is configured) and records the outcome and a log line in one transaction; failures
//! are retried with a doubling delay ([`sidik_domain::kabar::coba_lagi`]).
//!
//! Exactly once: a message is marked sent only after its transport accepted it, so a
//! crash (kill -9) before that repeats the attempt — the SMTP session of a killed
//! process never completed, so its server never accepted the message; the gateway
//! gets an `Idempotency-Key` and email a fixed `Message-ID` per message; the file
//! channel renames a finished file into place, and an existing file counts as
//! delivered. The one window left is between a transport's acceptance and the commit
//! of "sent" (milliseconds): a crash exactly there repeats the message, with the same
//! `Message-ID` / `Idempotency-Key` for the receiver to drop it.

pub mod kanal;
pub mod pantau;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use sidik_domain::kabar::{coba_lagi, pesan, Jenis, Konteks, Pesan};
use sidik_domain::tanggal::{tanggal_hari, tanggal_wib};
use sidik_ports::Clock;
use sidik_store::{HasilKirim, KabarKeluar, KabarStore};

pub use kanal::{Gateway, Smtp};

/// The office as the messages name it.
#[derive(Debug, Clone, Default)]
pub struct Kantor {
    pub nama: String,
    pub alamat: String,
    /// "Senin–Jumat 08.00–15.00 WIB".
    pub jam: String,
    /// Phone / email of the office for citizens.
    pub kontak: String,
}

/// How messages leave this node.
#[derive(Debug, Clone)]
pub struct KabarConfig {
    /// The file channel's folder: every message that has no configured transport
    /// (the default) is written there, one file each.
    pub berkas: PathBuf,
    /// Email goes over SMTP when set, else to the file channel.
    pub smtp: Option<Smtp>,
    /// SMS and WhatsApp go through this gateway when set, else to the file channel.
    pub gateway: Option<Gateway>,
    /// The first retry's delay; each further one doubles it (at most an hour).
    pub jeda_dasar: Duration,
    /// How often the worker looks for due messages.
    pub interval: Duration,
    /// The node's public base URL (links in messages), without a trailing slash.
    pub url_publik: String,
    pub kantor: Kantor,
}

impl KabarConfig {
    /// Defaults: the file channel in `data/kabar`, retries from 30 s, a look every second.
    pub fn new(data: &std::path::Path, url_publik: &str, kantor: Kantor) -> KabarConfig {
        KabarConfig {
            berkas: data.join("kabar"),
            smtp: None,
            gateway: None,
            jeda_dasar: Duration::from_secs(30),
            interval: Duration::from_secs(1),
            url_publik: url_publik.trim_end_matches('/').to_string(),
            kantor,
        }
    }
}

/// The delivery worker.
pub struct Pengantar {
    pub store: Arc<dyn KabarStore>,
    pub clock: Arc<dyn Clock>,
    pub config: KabarConfig,
    http: reqwest::Client,
}

/// Messages taken per round.
const PER_PUTARAN: u32 = 32;

impl Pengantar {
    pub fn new(store: Arc<dyn KabarStore>, clock: Arc<dyn Clock>, config: KabarConfig) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Pengantar {
            store,
            clock,
            config,
            http,
        }
    }

    /// Runs forever: a round whenever messages are due, otherwise a look every
    /// `interval`.
    pub async fn run(self: Arc<Self>) {
        loop {
            match self.putaran().await {
                Ok(n) if n == PER_PUTARAN as usize => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!("notifications: {e}"),
            }
            tokio::time::sleep(self.config.interval).await;
        }
    }

    /// One round: every due message (up to a batch) attempted once. Returns how many
    /// were attempted.
    pub async fn putaran(&self) -> Result<usize, String> {
        let due = self
            .store
            .kabar_due(self.clock.now(), PER_PUTARAN)
            .await
            .map_err(|e| e.to_string())?;
        for k in &due {
            let hasil = match self.render(k).await {
                Ok(p) => match self.kirim(k, &p).await {
                    Ok(via) => HasilKirim::Terkirim { via: via.into() },
                    Err(galat) => self.gagal(k, galat),
                },
                Err(galat) => self.gagal(k, galat),
            };
            if let HasilKirim::Gagal { galat, .. } = &hasil {
                tracing::info!(
                    id = k.id,
                    kanal = k.kanal.slug(),
                    "notification failed: {galat}"
                );
            }
            let percobaan = match hasil {
                HasilKirim::Terkirim { .. } => k.percobaan,
                HasilKirim::Gagal { .. } => k.percobaan + 1,
            };
            self.store
                .kabar_hasil(k.id, percobaan, &hasil, self.clock.now())
                .await
                .map_err(|e| e.to_string())?;
        }
        Ok(due.len())
    }

    fn gagal(&self, k: &KabarKeluar, galat: String) -> HasilKirim {
        HasilKirim::Gagal {
            galat,
            berikut: coba_lagi(k.percobaan + 1, self.clock.now(), self.config.jeda_dasar),
        }
    }

    /// The message of a queued row.
    pub async fn render(&self, k: &KabarKeluar) -> Result<Pesan, String> {
        let c = &self.config;
        let mut ctx = Konteks {
            nomor: k.nomor.clone(),
            kantor: c.kantor.nama.clone(),
            alamat: c.kantor.alamat.clone(),
            jam: c.kantor.jam.clone(),
            url_status: format!("{}/status", c.url_publik),
            url_berhenti: format!("{}/kabar/berhenti/{}", c.url_publik, k.token),
            ..Konteks::default()
        };
        match k.jenis {
            Jenis::SuketTerbit | Jenis::SuketDiperpanjang => {
                ctx.berlaku_hingga = k
                    .rujukan
                    .and_then(|n| jiff::Timestamp::from_nanosecond(n as i128).ok())
                    .map(|t| tanggal_hari(tanggal_wib(t)));
            }
            Jenis::Pengumuman => {
                let id = k.rujukan.ok_or("pengumuman tanpa rujukan")?;
                let p = self
                    .store
                    .pengumuman_get(id)
                    .await
                    .map_err(|e| e.to_string())?
                    .ok_or_else(|| format!("pengumuman {id} tidak ada"))?;
                ctx.judul = Some(p.judul);
                ctx.isi = Some(p.isi);
            }
            _ => {}
        }
        Ok(pesan(k.jenis, &ctx))
    }

    /// Hands one message to its channel; `Ok(via)` once the transport accepted it.
    async fn kirim(&self, k: &KabarKeluar, p: &Pesan) -> Result<&'static str, String> {
        use sidik_store::Kanal;
        let c = &self.config;
        match (k.kanal, &c.smtp, &c.gateway) {
            (Kanal::Email, Some(smtp), _) => {
                kanal::kirim_smtp(smtp, k, p, &c.kantor).await?;
                Ok("smtp")
            }
            (Kanal::Sms | Kanal::WhatsApp, _, Some(g)) => {
                kanal::kirim_gateway(&self.http, g, k, p).await?;
                Ok("gateway")
            }
            _ => {
                kanal::tulis_berkas(&c.berkas, k, p).await?;
                Ok("berkas")
            }
        }
    }
}
