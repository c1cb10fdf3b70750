//! The centre's decisions at an office: planned against the application's state,
//! recorded and applied in one transaction (runs of them per transaction).

use super::*;

impl Issuance {
    /// Plans one centre decision against the application's current state.
    async fn plan_decision(&self, k: &Keputusan) -> Result<sidik_store::RencanaKeputusan> {
        let mut p = self.get(k.nomor.as_str()).await?;
        let from = p.status;
        let now = self.clock.now();
        let (entries, audits) = match terapkan_keputusan(&mut p, k, now)
            .map_err(|e| conflict_transition(e.to_string()))?
        {
            Penerapan::Berubah { mulai, .. } => {
                let entries = p.riwayat[mulai..].to_vec();
                let audits = entries
                    .iter()
                    .map(|e| audit_of(k.nomor.as_str(), e))
                    .collect();
                (entries, audits)
            }
            Penerapan::Tetap(note) => (
                vec![],
                vec![AuditDraft {
                    aktor: sidik_domain::keputusan::aktor_pusat(k.seq),
                    aksi: "permohonan.keputusan_pusat".into(),
                    subjek: k.nomor.to_string(),
                    waktu: now,
                    detail: note,
                }],
            ),
        };
        Ok(sidik_store::RencanaKeputusan {
            keputusan: k.clone(),
            from,
            entries,
            audits,
        })
    }

    /// After a decision was recorded: a rejected application leaves the local gallery.
    fn after_decision(&self, plan: &sidik_store::RencanaKeputusan) {
        if plan.entries.last().map(|e| e.ke) == Some(Status::Ditolak) {
            self.abis_delete(plan.keputusan.nomor.as_str());
        }
    }

    /// Applies one decision of the centre (office node): records it and moves the
    /// application in ONE transaction. Applying a decision already recorded is a no-op
    /// (returns false), so a feed page fetched twice changes nothing.
    pub async fn apply_decision(&self, k: &Keputusan) -> Result<bool> {
        let Some(uplink) = self.uplink() else {
            return Err(not_an_office());
        };
        for _ in 0..5 {
            let plan = self.plan_decision(k).await?;
            match uplink
                .sync
                .decision_record(k, plan.from, &plan.entries, plan.audits.clone())
                .await
            {
                Ok(applied) => {
                    if applied {
                        self.after_decision(&plan);
                    }
                    return Ok(applied);
                }
                // An officer moved the application meanwhile: plan again.
                Err(StoreError::Stale(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(IssuanceError::Conflict {
            code: "stale_state",
            message: format!(
                "application {} kept changing while applying a decision",
                k.nomor
            ),
        })
    }

    /// Applies consecutive feed decisions, in feed order, as [`Issuance::apply_decision`]
    /// would one by one, but recording runs of them in one transaction each (one fsync
    /// per run instead of per decision). A run never holds two decisions for the same
    /// application (the second is planned on the state the first leaves); a run that
    /// meets a concurrent change (`Stale`) is rolled back whole and applied one by one.
    /// Stops at the first error: the decisions before it are recorded, none after.
    /// Returns how many were new.
    pub async fn apply_decisions(&self, ks: &[Keputusan]) -> Result<usize> {
        let Some(uplink) = self.uplink() else {
            return Err(not_an_office());
        };
        let mut applied = 0;
        let mut i = 0;
        while i < ks.len() {
            let mut plans = Vec::new();
            let mut nomors = std::collections::HashSet::new();
            while let Some(k) = ks.get(i + plans.len()) {
                if plans.len() == DECISION_RUN || !nomors.insert(k.nomor.as_str()) {
                    break;
                }
                match self.plan_decision(k).await {
                    Ok(plan) => plans.push(plan),
                    // The run so far is recorded first; the next round meets the
                    // error again and returns it.
                    Err(_) if !plans.is_empty() => break,
                    Err(e) => return Err(e),
                }
            }
            let run = &ks[i..i + plans.len()];
            match uplink.sync.decision_record_batch(&plans).await {
                Ok(new) => {
                    for (plan, new) in plans.iter().zip(new) {
                        if new {
                            applied += 1;
                            self.after_decision(plan);
                        }
                    }
                }
                Err(StoreError::Stale(_)) => {
                    for k in run {
                        applied += self.apply_decision(k).await? as usize;
                    }
                }
                Err(e) => return Err(e.into()),
            }
            i += run.len();
        }
        Ok(applied)
    }
}

/// Most decisions recorded in one transaction by [`Issuance::apply_decisions`].
const DECISION_RUN: usize = 128;

fn not_an_office() -> IssuanceError {
    IssuanceError::invalid(
        "not_an_office",
        "this node does not take decisions from a centre",
    )
}

#[async_trait::async_trait]
impl DecisionSink for Issuance {
    async fn apply_decisions(&self, decisions: &[Keputusan]) -> std::result::Result<usize, String> {
        Issuance::apply_decisions(self, decisions)
            .await
            .map_err(|e| e.to_string())
    }
}
