//! The documents citizens left with: the Suket on the enrollment day (and whether its QR
//! verifies), the days to a card, how good the ETAs were, and what became of the
//! planted duplicates' Suket after the centre's return.

use std::collections::BTreeMap;

use anyhow::Result;
use sidik_domain::kalender::Kalender;

use super::days::RunLog;
use super::stats::{percentile, EtaError};
use super::workload::sukets;
use super::Scenario;
use crate::client::Office;
use crate::plan;

/// A planted duplicate's later enrollment that got a Suket during the outage.
#[derive(Debug, Clone)]
pub(super) struct PlantedSuket {
    pub(super) nomor: String,
    /// Hours after the centre's restart the Suket was revoked (`None`: not revoked).
    pub(super) revoked_after_hours: Option<f64>,
    pub(super) status: String,
}

/// The end-of-run account of documents.
#[derive(Debug, Default)]
pub(super) struct Documents {
    /// Applicants whose local check passed.
    pub(super) passed: u64,
    /// Of those, holding an active Suket issued on their enrollment day.
    pub(super) held_same_day: u64,
    /// Verdicts of the public verifier on the sampled Suket QRs.
    pub(super) verdicts: BTreeMap<String, u64>,
    /// Enrollment to card, in working days and in calendar days.
    pub(super) to_card_work: Vec<i64>,
    pub(super) to_card_cal: Vec<i64>,
    /// First ETA kinds seen in the print queue.
    pub(super) eta_kinds: BTreeMap<String, u64>,
    pub(super) eta: EtaError,
    /// Cards whose batch date on their office's clock is not the simulated day they were
    /// printed on (the simulator fell behind its timeline).
    pub(super) printed_off_day: u64,
    pub(super) planted: Vec<PlantedSuket>,
    pub(super) flap_etas: BTreeMap<String, u64>,
}

impl Documents {
    pub(super) fn failures(&self) -> Vec<String> {
        let mut f = Vec::new();
        if self.held_same_day < self.passed {
            f.push(format!(
                "{} of {} applicants whose local check passed left without an active Suket",
                self.passed - self.held_same_day,
                self.passed
            ));
        }
        let bad: u64 = self
            .verdicts
            .iter()
            .filter(|(v, _)| v.as_str() != "valid")
            .map(|(_, c)| c)
            .sum();
        if bad > 0 {
            f.push(format!("{bad} sampled Suket QR(s) did not verify as valid"));
        }
        let kept = self
            .planted
            .iter()
            .filter(|p| p.revoked_after_hours.is_none())
            .count();
        if kept > 0 {
            f.push(format!(
                "{kept} planted duplicate(s) still hold an unrevoked Suket"
            ));
        }
        f
    }
}

/// Collects the account from the run's log (and, for the planted duplicates, the
/// offices' Suket lists at the end).
pub(super) async fn collect(offices: &[Office], sc: &Scenario, log: &RunLog) -> Result<Documents> {
    let k = Kalender::indonesia();
    let mut d = Documents {
        flap_etas: log.flap_etas.clone(),
        ..Default::default()
    };
    for o in &log.outcomes {
        if o.passed() {
            d.passed += 1;
            d.held_same_day += o.documented_same_day() as u64;
        }
        if let Some(v) = &o.verdict {
            *d.verdicts.entry(v.clone()).or_default() += 1;
        }
        let Some(nomor) = &o.nomor else { continue };
        if let Some(&p) = log.printed.get(nomor) {
            let (from, to) = (plan::date_of(o.day), plan::date_of(p));
            d.to_card_cal.push(i64::from(p) - i64::from(o.day));
            d.to_card_work
                .push(i64::from(k.hari_kerja_antara(from, to)));
        }
    }
    let mut pairs = Vec::new();
    for (nomor, e) in &log.etas {
        *d.eta_kinds.entry(e.jenis.clone()).or_default() += 1;
        if let (Some(eta), Some(&p)) = (e.tanggal, log.printed.get(nomor)) {
            // The ETA is a date on the office's clock, so it is compared with the batch's
            // date on that clock.
            pairs.push((
                eta,
                log.printed_on
                    .get(nomor)
                    .copied()
                    .unwrap_or(plan::date_of(p)),
            ));
        }
    }
    d.printed_off_day = log
        .printed
        .iter()
        .filter(|(n, &p)| {
            log.printed_on
                .get(*n)
                .is_some_and(|&t| t != plan::date_of(p))
        })
        .count() as u64;
    d.eta = EtaError::of(&pairs, k);
    d.planted = planted(offices, sc, log).await?;
    Ok(d)
}

/// The later enrollment of every planted pair that got a Suket during the outage, and
/// when (after the centre's restart) that Suket was revoked.
async fn planted(offices: &[Office], sc: &Scenario, log: &RunLog) -> Result<Vec<PlantedSuket>> {
    let mut out = Vec::new();
    let outcomes = &log.outcomes;
    for (j, a) in sc.applicants.iter().enumerate() {
        let Some(i) = a.duplicate_of else { continue };
        let later = match (outcomes[i].acked, outcomes[j].acked) {
            (Some(ti), Some(tj)) if tj < ti => i,
            _ => j,
        };
        let o = &outcomes[later];
        let (Some(nomor), Some(s)) = (&o.nomor, &o.suket) else {
            continue;
        };
        let office = &offices[sc.applicants[later].office];
        let now = sukets(office, nomor)
            .await?
            .into_iter()
            .find(|x| x.nomor_suket == s.nomor_suket);
        let status = now.as_ref().map_or("?".to_string(), |x| x.status.clone());
        let revoked_after_hours = now
            .as_ref()
            .filter(|x| x.status != "aktif")
            .and_then(|x| x.dicabut)
            .zip(log.restart_sim)
            .map(|(t, r)| t.duration_since(r).as_secs_f64() / 3600.0);
        out.push(PlantedSuket {
            nomor: nomor.clone(),
            revoked_after_hours,
            status,
        });
    }
    Ok(out)
}

fn pct(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        100.0 * a as f64 / b as f64
    }
}

/// Prints the account.
pub(super) fn print(d: &Documents) {
    println!();
    println!("documents");
    println!(
        "  local check passed                        {:>8}",
        d.passed
    );
    println!(
        "  holding an active signed Suket at the end of the enrollment day {:>6} ({:.2}%)",
        d.held_same_day,
        pct(d.held_same_day, d.passed)
    );
    let sampled: u64 = d.verdicts.values().sum();
    println!(
        "  sampled Suket QRs verified (POST /api/v1/verify, the same day) {sampled}: {}",
        d.verdicts
            .iter()
            .map(|(v, c)| format!("{v} {c}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let show = |v: &[i64], p| percentile(v, p).map_or("-".into(), |x| x.to_string());
    println!(
        "  enrollment to card ({} cards): median {} working days ({} calendar), p95 {} working days ({} calendar)",
        d.to_card_work.len(),
        show(&d.to_card_work, 50.0),
        show(&d.to_card_cal, 50.0),
        show(&d.to_card_work, 95.0),
        show(&d.to_card_cal, 95.0)
    );
    println!(
        "  ETA on entering the print queue: {} applications ({}); compared with the batch date on the office's clock: {}",
        d.eta_kinds.values().sum::<u64>(),
        d.eta_kinds
            .iter()
            .map(|(k, c)| format!("{k} {c}"))
            .collect::<Vec<_>>()
            .join(", "),
        d.eta.total
    );
    println!(
        "    actual − ETA in working days: {}; within ±1 working day {:.1}%",
        d.eta.describe(),
        100.0 * d.eta.within(1)
    );
    if d.printed_off_day > 0 {
        println!(
            "    {} card(s) were printed on another date of their office's clock than the simulated day (the run fell behind its timeline)",
            d.printed_off_day
        );
    }
    let mut hours: Vec<f64> = d
        .planted
        .iter()
        .filter_map(|p| p.revoked_after_hours)
        .collect();
    hours.sort_by(f64::total_cmp);
    println!(
        "  planted duplicates whose later NIK got a Suket during the outage {}: revoked {} (after the centre's restart: min {}, median {}, max {})",
        d.planted.len(),
        hours.len(),
        hours.first().map_or("-".into(), |h| format!("{h:.1} h")),
        hours.get(hours.len() / 2).map_or("-".into(), |h| format!("{h:.1} h")),
        hours.last().map_or("-".into(), |h| format!("{h:.1} h")),
    );
    for p in d.planted.iter().filter(|p| p.revoked_after_hours.is_none()) {
        println!("    NOT revoked: {} (Suket {})", p.nomor, p.status);
    }
    if !d.flap_etas.is_empty() {
        println!(
            "  --flap: ETAs given while the centre was down again: {}",
            d.flap_etas
                .iter()
                .map(|(k, c)| format!("{k} {c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}
