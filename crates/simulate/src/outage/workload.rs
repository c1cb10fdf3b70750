//! The counter's work: enrolling one applicant (with a local check) and reading the
//! Suket the office issued with it.

use anyhow::Result;
use jiff::Timestamp;
use serde_json::Value;
use sidik_domain::Penduduk;

use super::clock::Timeline;
use crate::client::{Enrollment, Office};
use crate::plan::{self, Applicant};

/// What happened to one applicant.
#[derive(Debug, Clone, Default)]
pub(super) struct Outcome {
    pub(super) nomor: Option<String>,
    /// When the office acknowledged the enrollment (orders the two of a planted pair).
    pub(super) acked: Option<std::time::Instant>,
    /// The simulated day the counter visit ended (enrollment acknowledged and checked;
    /// the nodes' calendar day). On a day that overran, a visit can be acknowledged just
    /// before midnight and checked just after: the Suket the check issues then carries
    /// the later date, which is the visit's end.
    pub(super) day: u32,
    /// Status right after the local check.
    pub(super) checked: Option<String>,
    /// The Suket the office returned right after the check, if one is active.
    pub(super) suket: Option<SuketSeen>,
    /// `POST /api/v1/verify` on the Suket's QR, for the sampled applicants.
    pub(super) verdict: Option<String>,
    pub(super) error: Option<String>,
}

impl Outcome {
    /// The local check passed (no local hit, no refusal): a Suket is due.
    pub(super) fn passed(&self) -> bool {
        self.checked
            .as_deref()
            .is_some_and(|s| !matches!(s, "ganda" | "ditolak" | "direkam"))
    }

    /// Holds an active Suket issued on the enrollment day.
    pub(super) fn documented_same_day(&self) -> bool {
        self.suket.as_ref().is_some_and(|s| {
            Timeline::day_of(s.diterbitkan) == i64::from(self.day) && s.status == "aktif"
        })
    }
}

/// A Suket as the office listed it.
#[derive(Debug, Clone)]
pub(super) struct SuketSeen {
    pub(super) nomor_suket: String,
    pub(super) status: String,
    pub(super) diterbitkan: Timestamp,
    pub(super) dicabut: Option<Timestamp>,
    pub(super) qr: String,
}

/// The Suket of an application (`GET …/suket`), newest last.
pub(super) async fn sukets(office: &Office, nomor: &str) -> Result<Vec<SuketSeen>> {
    let v = office
        .get_ok(&format!("/api/v1/applications/{nomor}/suket"))
        .await?;
    let ts = |x: &Value| x.as_str().and_then(|s| s.parse::<Timestamp>().ok());
    Ok(v["items"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|it| {
            Some(SuketSeen {
                nomor_suket: it["nomor_suket"].as_str()?.to_string(),
                status: it["status"].as_str()?.to_string(),
                diterbitkan: ts(&it["diterbitkan"])?,
                dicabut: ts(&it["dicabut"]),
                qr: it["qr"].as_str().unwrap_or_default().to_string(),
            })
        })
        .collect())
}

/// `POST /api/v1/verify` (public): the verdict on a QR. The verifier is rate limited
/// per address; a refused attempt is retried a few times after a pause.
pub(super) async fn verify(office: &Office, qr: &str) -> Result<String> {
    let body = serde_json::json!({ "qr": qr });
    let mut last = None;
    for _ in 0..4 {
        match office.post_ok("/api/v1/verify", &body).await {
            Ok(v) => return Ok(v["verdict"].as_str().unwrap_or("?").to_string()),
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    }
    Err(last.expect("an attempt"))
}

pub(super) async fn enroll_one(
    office: Office,
    a: Applicant,
    p: Penduduk,
    key: String,
    timeline: Timeline,
) -> Outcome {
    let mut out = Outcome::default();
    let fingers = tokio::task::spawn_blocking(move || {
        let g = abis::synth::Generator::new(plan::FINGER_SEED);
        (1..=10u8)
            .map(|pos| (pos, g.impression_iso(a.finger_person, pos, a.impression)))
            .collect::<Vec<_>>()
    })
    .await;
    let fingers = match fingers {
        Ok(f) => f,
        Err(e) => {
            out.error = Some(format!("fingerprint generation: {e}"));
            return out;
        }
    };
    let e = Enrollment {
        nik: p.nik.to_string(),
        kelurahan: p.kelurahan.clone(),
        fingers,
        idempotency_key: key,
    };
    let app = match office.enroll(&e).await {
        Err(err) => {
            out.error = Some(format!("{err:#}"));
            return out;
        }
        Ok(app) => app,
    };
    out.nomor = Some(app.nomor.clone());
    out.acked = Some(std::time::Instant::now());
    out.day = Timeline::day_of(timeline.sim_now()).max(0) as u32;
    match office.check(&app.nomor).await {
        Ok(c) => out.checked = Some(c.status),
        Err(err) => {
            out.error = Some(format!("{err:#}"));
            return out;
        }
    }
    out.day = Timeline::day_of(timeline.sim_now()).max(0) as u32;
    if out.passed() {
        // Right after a passing check: the active Suket the office returned.
        match sukets(&office, &app.nomor).await {
            Ok(list) => out.suket = list.into_iter().rev().find(|s| s.status == "aktif"),
            Err(err) => out.error = Some(format!("{err:#}")),
        }
    }
    out
}
