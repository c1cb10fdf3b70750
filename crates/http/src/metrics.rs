//! `GET /metrics`: Prometheus text format, per role. No personal data.

use std::fmt::Write as _;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use sidik_domain::Status;
use sidik_issuance::Issuance;
use sidik_sync::Centre;

use crate::batas::Pembatas;
use crate::{AppState, Role, SyncView};

/// `GET /metrics`: Prometheus text format. No personal data.
pub async fn metrics(
    State(st): State<AppState>,
    Extension(lookups): Extension<Arc<Pembatas>>,
) -> Response {
    let mut out = String::new();
    match &st.role {
        Role::Standalone(i) => {
            applications(&mut out, i).await;
            status_lookups(&mut out, &lookups);
        }
        Role::Office(i, v) => {
            office(&mut out, v, st.clock.now()).await;
            applications(&mut out, i).await;
            status_lookups(&mut out, &lookups);
        }
        Role::Centre(c) => centre(&mut out, c).await,
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        out,
    )
        .into_response()
}

fn gauge(out: &mut String, name: &str, help: &str, kind: &str, v: &dyn std::fmt::Display) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}"
    );
}

/// The office's sync with the centre.
async fn office(out: &mut String, v: &SyncView, now: jiff::Timestamp) {
    let mut gauge = |name: &str, help: &str, kind: &str, v: &dyn std::fmt::Display| {
        gauge(out, name, help, kind, v)
    };
    match v.sync.sync_stats().await {
        Ok(s) => {
            let k = v.health.snapshot();
            gauge(
                "sidik_outbox_waiting",
                "Packets waiting to be sent to the centre.",
                "gauge",
                &s.menunggu,
            );
            let age = s.tertua.map_or(0.0, |t| {
                (now.duration_since(t).as_secs_f64().max(0.0) * 1000.0).round() / 1000.0
            });
            gauge(
                "sidik_outbox_oldest_age_seconds",
                "Age of the oldest waiting packet.",
                "gauge",
                &age,
            );
            gauge(
                "sidik_outbox_sent_total",
                "Packets acknowledged by the centre.",
                "counter",
                &s.terkirim,
            );
            gauge(
                "sidik_outbox_rejected_total",
                "Packets refused (quarantined) by the centre.",
                "counter",
                &s.karantina,
            );
            gauge(
                "sidik_decisions_applied_total",
                "Centre decisions recorded at this office.",
                "counter",
                &s.keputusan,
            );
            gauge(
                "sidik_decision_cursor",
                "Highest centre decision sequence applied.",
                "gauge",
                &s.kursor,
            );
            gauge(
                "sidik_centre_up",
                "1 if the last contact with the centre succeeded.",
                "gauge",
                &u8::from(k.up == Some(true)),
            );
            let down = k
                .down_since
                .map_or(0, |t| now.duration_since(t).as_secs().max(0));
            gauge(
                "sidik_centre_down_seconds",
                "Seconds since the centre became unreachable (0 if up).",
                "gauge",
                &down,
            );
            if let Ok(f) = v.sync.findings_on_issued_cards(10_000).await {
                gauge(
                        "sidik_findings_on_issued_cards",
                        "Printed or handed-over cards whose latest centre decision is ganda or ditolak.",
                        "gauge",
                        &f.len(),
                    );
            }
            gauge(
                "sidik_sync_pushed_total",
                "Packets pushed since start (sync rate = rate() of this).",
                "counter",
                &v.health.pushed.load(Ordering::Relaxed),
            );
        }
        Err(e) => tracing::error!("metrics: {e}"),
    }
}

/// The centre's intake and decisions.
async fn centre(out: &mut String, c: &Centre) {
    let mut gauge = |name: &str, help: &str, kind: &str, v: &dyn std::fmt::Display| {
        gauge(out, name, help, kind, v)
    };
    match c.store.centre_stats().await {
        Ok(s) => {
            gauge(
                "sidik_packets_received_total",
                "Packets recorded at the centre (each exactly once).",
                "counter",
                &s.diterima,
            );
            gauge(
                "sidik_packets_replayed_total",
                "Harmless re-sends of recorded packets since start.",
                "counter",
                &c.counters.replayed.load(Ordering::Relaxed),
            );
            gauge(
                "sidik_packets_decided_total",
                "Packets with a uniqueness decision.",
                "counter",
                &s.diputuskan,
            );
            gauge(
                "sidik_packets_waiting",
                "Packets recorded but not yet decided.",
                "gauge",
                &s.menunggu,
            );
            gauge(
                "sidik_quarantine_total",
                "Refused packets kept in quarantine.",
                "counter",
                &s.karantina,
            );
            gauge(
                "sidik_gallery_persons",
                "Persons in the national 1:N gallery.",
                "gauge",
                &c.abis.len(),
            );
            let _ = writeln!(out, "# HELP sidik_decisions_total Decisions published, by result.\n# TYPE sidik_decisions_total counter");
            for h in sidik_domain::Hasil::ALL {
                let n = s
                    .keputusan
                    .iter()
                    .find(|(k, _)| k == h)
                    .map_or(0, |(_, n)| *n);
                let _ = writeln!(out, "sidik_decisions_total{{hasil=\"{}\"}} {n}", h.slug());
            }
        }
        Err(e) => tracing::error!("metrics: {e}"),
    }
}

/// The citizen status lookup's rate limit (office roles).
fn status_lookups(out: &mut String, l: &Pembatas) {
    gauge(
        out,
        "sidik_status_lookup_clients",
        "Client addresses the status lookup's rate limiter tracks (bounded by its capacity).",
        "gauge",
        &l.len(),
    );
    gauge(
        out,
        "sidik_status_lookup_clients_capacity",
        "How many client addresses the status lookup's rate limiter can track.",
        "gauge",
        &l.capacity(),
    );
    gauge(
        out,
        "sidik_status_lookups_refused_total",
        "Status lookups refused by the rate limit (429) since start.",
        "counter",
        &l.refused(),
    );
}

/// Applications by status (office roles).
async fn applications(out: &mut String, i: &Issuance) {
    if let Ok(counts) = i
        .store
        .application_counts(&sidik_store::ListFilter::default())
        .await
    {
        let _ = writeln!(
            out,
            "# HELP sidik_applications Applications by status.\n# TYPE sidik_applications gauge"
        );
        for s in Status::ALL {
            let n = counts.iter().find(|(k, _)| k == s).map_or(0, |(_, n)| *n);
            let _ = writeln!(out, "sidik_applications{{status=\"{}\"}} {n}", s.slug());
        }
    }
    documents(out, i).await;
}

/// The document desk: Sukets by state, the blank ledger, the print queue.
async fn documents(out: &mut String, i: &Issuance) {
    if let Ok(s) = i.store.suket_stats().await {
        let _ = writeln!(
            out,
            "# HELP sidik_suket Suket certificates by state.\n# TYPE sidik_suket gauge"
        );
        for (k, n) in [
            ("aktif", s.aktif),
            ("dicabut", s.dicabut),
            ("diganti", s.diganti),
        ] {
            let _ = writeln!(out, "sidik_suket{{status=\"{k}\"}} {n}");
        }
    }
    if let Ok(b) = i.store.blanko().await {
        let _ = writeln!(
            out,
            "# HELP sidik_blanko Blank cards: received, used, spoiled, on hand.\n# TYPE sidik_blanko gauge"
        );
        for (k, n) in [
            ("diterima", b.diterima),
            ("dipakai", b.dipakai),
            ("rusak", b.rusak),
            ("ada", b.ada()),
        ] {
            let _ = writeln!(out, "sidik_blanko{{jenis=\"{k}\"}} {n}");
        }
    }
    if let Ok(n) = i.store.print_queue_len().await {
        gauge(
            out,
            "sidik_print_queue",
            "Applications waiting to be printed.",
            "gauge",
            &n,
        );
    }
}
