//! The offices' work: enrolling one applicant (with a local check), printing cards.

use std::sync::Arc;

use anyhow::Result;
use sidik_domain::Penduduk;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::client::{Enrollment, Office};
use crate::plan::{self, Applicant};

/// What happened to one applicant.
#[derive(Debug, Clone, Default)]
pub(super) struct Outcome {
    pub(super) nomor: Option<String>,
    /// When the office acknowledged the enrollment (orders the two of a planted pair).
    pub(super) acked: Option<std::time::Instant>,
    /// Status right after the local check.
    pub(super) checked: Option<String>,
    pub(super) error: Option<String>,
}

pub(super) async fn enroll_one(office: Office, a: Applicant, p: Penduduk, key: String) -> Outcome {
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
    match office.enroll(&e).await {
        Err(err) => out.error = Some(format!("{err:#}")),
        Ok(app) => {
            out.nomor = Some(app.nomor.clone());
            out.acked = Some(std::time::Instant::now());
            match office.check(&app.nomor).await {
                Ok(c) => out.checked = Some(c.status),
                Err(err) => out.error = Some(format!("{err:#}")),
            }
        }
    }
    out
}

/// Prints every `siap_cetak` card of every office; returns how many were printed.
pub(super) async fn print_ready(offices: &[Office], in_flight: usize) -> Result<u64> {
    let mut set = JoinSet::new();
    for o in offices {
        let o = o.clone();
        set.spawn(async move {
            let ready = o.list(Some("siap_cetak")).await?;
            let sem = Arc::new(Semaphore::new(in_flight.max(1)));
            let mut inner = JoinSet::new();
            for a in ready {
                let o = o.clone();
                let sem = sem.clone();
                inner.spawn(async move {
                    let _permit = sem.acquire_owned().await;
                    o.print(&a.nomor).await
                });
            }
            let mut n = 0u64;
            while let Some(r) = inner.join_next().await {
                if r?? {
                    n += 1;
                }
            }
            anyhow::Ok(n)
        });
    }
    let mut total = 0;
    while let Some(r) = set.join_next().await {
        total += r??;
    }
    Ok(total)
}
