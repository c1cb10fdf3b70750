//! Storage of the citizen's side: contacts captured at enrollment, the notification
//! outbox and its delivery log, and regional notices (pengumuman).
//!
//! Invariant: a notification is queued in the SAME transaction as the state change
//! that causes it (an application's transition, a Suket issued, a notice published),
//! once per (cause, channel): a repeated cause queues nothing new.

use async_trait::async_trait;
use jiff::Timestamp;
use sidik_domain::audit::AuditDraft;
use sidik_domain::kabar::{Jenis, Kontak};
use sidik_domain::pengumuman::{Pengumuman, PengumumanBaru};
use sidik_domain::RtRw;

use crate::Result;

/// A contact recorded with a new application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KontakBaru {
    pub kontak: Kontak,
    /// The applicant's address at enrollment, for notices of their area.
    pub kelurahan: String,
    pub rt_rw: RtRw,
    /// The unsubscribe token (random, hex), unique.
    pub token: String,
    /// When the applicant consented.
    pub setuju: Timestamp,
}

/// What kind of address a message goes to; the delivery worker picks the transport
/// (SMTP or the file channel for email, the HTTP gateway or the file channel for a
/// phone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kanal {
    Email,
    Sms,
    WhatsApp,
}

impl Kanal {
    pub fn slug(self) -> &'static str {
        match self {
            Kanal::Email => "email",
            Kanal::Sms => "sms",
            Kanal::WhatsApp => "whatsapp",
        }
    }
    pub fn parse(s: &str) -> Option<Kanal> {
        [Kanal::Email, Kanal::Sms, Kanal::WhatsApp]
            .into_iter()
            .find(|k| k.slug() == s)
    }
}

/// A queued message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KabarKeluar {
    pub id: i64,
    /// The cause, unique per channel: `status:<nomor>:<timeline index>`,
    /// `suket:<nomor_suket>`, `pengumuman:<id>`.
    pub sumber: String,
    pub nomor: String,
    pub kanal: Kanal,
    pub tujuan: String,
    pub jenis: Jenis,
    /// Suket: its end; pengumuman: its id.
    pub rujukan: Option<i64>,
    /// The contact's unsubscribe token.
    pub token: String,
    /// Failed attempts so far.
    pub percobaan: u32,
    pub dibuat: Timestamp,
}

/// State of a queued message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKabar {
    Menunggu,
    Terkirim,
    /// Given up after the last attempt.
    Gagal,
    /// The contact unsubscribed before it went out.
    Batal,
}

impl StatusKabar {
    pub fn slug(self) -> &'static str {
        match self {
            StatusKabar::Menunggu => "menunggu",
            StatusKabar::Terkirim => "terkirim",
            StatusKabar::Gagal => "gagal",
            StatusKabar::Batal => "batal",
        }
    }
    pub fn parse(s: &str) -> Option<StatusKabar> {
        [
            StatusKabar::Menunggu,
            StatusKabar::Terkirim,
            StatusKabar::Gagal,
            StatusKabar::Batal,
        ]
        .into_iter()
        .find(|k| k.slug() == s)
    }
}

/// The outcome of one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HasilKirim {
    /// Accepted by the transport (`via`: smtp, gateway, berkas).
    Terkirim { via: String },
    /// Failed; try again at `berikut`, or give up (`None`).
    Gagal {
        galat: String,
        berikut: Option<Timestamp>,
    },
}

/// One line of the delivery log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogKirim {
    pub keluar: i64,
    pub waktu: Timestamp,
    pub percobaan: u32,
    /// `terkirim via smtp`, or the error.
    pub hasil: String,
}

/// A message's state with its log (officers, tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiwayatKabar {
    pub pesan: KabarKeluar,
    pub status: StatusKabar,
    pub log: Vec<LogKirim>,
}

/// The contact behind an unsubscribe token, masked for the confirmation page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KontakTersamar {
    pub telepon: Option<String>,
    pub email: Option<String>,
    pub berhenti: Option<Timestamp>,
}

#[async_trait]
pub trait KabarStore: Send + Sync {
    /// Messages due at `now` (waiting, next attempt not in the future), oldest first.
    async fn kabar_due(&self, now: Timestamp, limit: u32) -> Result<Vec<KabarKeluar>>;
    /// Records one attempt's outcome and its log line in one transaction. A message no
    /// longer waiting (sent, given up, cancelled) is left as it is.
    async fn kabar_hasil(
        &self,
        id: i64,
        percobaan: u32,
        hasil: &HasilKirim,
        now: Timestamp,
    ) -> Result<()>;
    /// The messages of an application (any state), with their logs.
    async fn kabar_of(&self, nomor: &str) -> Result<Vec<RiwayatKabar>>;
    /// The contact of an unsubscribe token.
    async fn kontak_by_token(&self, token: &str) -> Result<Option<KontakTersamar>>;
    /// Unsubscribes the token's contact and cancels its waiting messages (one
    /// transaction). `false`: unknown token. Idempotent.
    async fn kontak_berhenti(&self, token: &str, now: Timestamp) -> Result<bool>;
    /// Publishes a notice, its audit entry and a message to every subscribed contact of
    /// an open application in its area, in one transaction; returns its id.
    async fn pengumuman_terbit(&self, p: &PengumumanBaru, audit: AuditDraft) -> Result<i64>;
    /// Notices for a resident of `kelurahan` (at `rt_rw`, if known), newest first.
    async fn pengumuman_untuk(
        &self,
        kelurahan: &str,
        rt_rw: Option<RtRw>,
        limit: u32,
    ) -> Result<Vec<Pengumuman>>;
    /// Notices of an area page: those of the area itself, of the areas it lies in and,
    /// for a kelurahan, of its RWs and RTs; newest first.
    async fn pengumuman_area(&self, wilayah: &str, limit: u32) -> Result<Vec<Pengumuman>>;
    /// One notice.
    async fn pengumuman_get(&self, id: i64) -> Result<Option<Pengumuman>>;
    /// The latest automatic notice (outage or recovery) for `wilayah`.
    async fn pengumuman_otomatis_terakhir(&self, wilayah: &str) -> Result<Option<Pengumuman>>;
}
