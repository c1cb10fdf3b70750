//! The print desk of every office: printers and blanks set up through the API, the daily
//! batches (up to each printer's capacity and the blanks on hand, the queue's head first),
//! the hand-over of printed cards, the ETA each newly approved application is given, and
//! each office's ledger and Suket counts.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use anyhow::{anyhow, Context, Result};
use jiff::civil::Date;
use serde_json::{json, Value};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::client::Office;

/// One office's print desk as `GET /api/v1/print/status` shows it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct DeskStatus {
    pub(super) diterima: u64,
    pub(super) dipakai: u64,
    pub(super) rusak: u64,
    pub(super) ada: u64,
    pub(super) antrean: u64,
    pub(super) suket_aktif: u64,
    pub(super) suket_dicabut: u64,
    pub(super) suket_diganti: u64,
}

impl DeskStatus {
    pub(super) fn parse(v: &Value) -> DeskStatus {
        let n = |x: &Value| x.as_u64().unwrap_or(0);
        DeskStatus {
            diterima: n(&v["blanko"]["diterima"]),
            dipakai: n(&v["blanko"]["dipakai"]),
            rusak: n(&v["blanko"]["rusak"]),
            ada: n(&v["blanko"]["ada"]),
            antrean: n(&v["antrean"]),
            suket_aktif: n(&v["suket"]["aktif"]),
            suket_dicabut: n(&v["suket"]["dicabut"]),
            suket_diganti: n(&v["suket"]["diganti"]),
        }
    }

    /// The blank ledger balances: received = used + spoiled + on hand.
    pub(super) fn balanced(&self) -> bool {
        self.diterima == self.dipakai + self.rusak + self.ada
    }

    /// Every Suket the office has issued so far.
    pub(super) fn suket_issued(&self) -> u64 {
        self.suket_aktif + self.suket_dicabut + self.suket_diganti
    }
}

/// The print desk of every office (in office order).
pub(super) async fn desks(offices: &[Office]) -> Vec<Result<DeskStatus>> {
    let mut set = JoinSet::new();
    for (i, o) in offices.iter().enumerate() {
        let o = o.clone();
        set.spawn(async move { (i, o.get_ok("/api/v1/print/status").await) });
    }
    let mut out: Vec<Result<DeskStatus>> =
        offices.iter().map(|_| Err(anyhow!("no answer"))).collect();
    while let Some(Ok((i, r))) = set.join_next().await {
        out[i] = r.map(|v| DeskStatus::parse(&v));
    }
    out
}

/// Sets up one printer of `capacity` cards a day and `blanks` blank cards at an office;
/// with `delivery`, schedules that many blanks for that date. Returns the printer id and
/// the scheduled delivery's id.
pub(super) async fn set_up(
    o: &Office,
    capacity: u32,
    blanks: u64,
    delivery: Option<(Date, u64)>,
) -> Result<(i64, Option<i64>)> {
    let v = o
        .post_ok(
            "/api/v1/print/printers",
            &json!({"nama": format!("Printer {}", o.kode), "kapasitas_harian": capacity}),
        )
        .await?;
    let id = v["id"]
        .as_i64()
        .ok_or_else(|| anyhow!("printer of office {}: no id in {v}", o.kode))?;
    if blanks > 0 {
        o.post_ok("/api/v1/print/blanko/receive", &json!({ "jumlah": blanks }))
            .await?;
    }
    let mut kiriman = None;
    if let Some((tanggal, jumlah)) = delivery {
        let v = o
            .post_ok(
                "/api/v1/print/blanko/schedule",
                &json!({"tanggal": tanggal.to_string(), "jumlah": jumlah}),
            )
            .await?;
        kiriman = v["id"].as_i64();
    }
    Ok((id, kiriman))
}

/// The scheduled delivery arrives: `jumlah` blanks received against it.
pub(super) async fn receive(o: &Office, jumlah: u64, kiriman: Option<i64>) -> Result<()> {
    o.post_ok(
        "/api/v1/print/blanko/receive",
        &json!({"jumlah": jumlah, "kiriman": kiriman}),
    )
    .await?;
    Ok(())
}

/// A card printed: its registration number and the date of its batch on the office's
/// own clock (the ETA is a date on that clock too; on a contended machine the offices'
/// simulated clock can run ahead of the simulator's day).
pub(super) type Printed = (String, Option<Date>);

/// Prints batches at one office until nothing more can be printed today; returns the
/// cards printed.
async fn print_office(o: Office, printer: i64) -> Result<Vec<Printed>> {
    let mut printed = Vec::new();
    loop {
        let v = o
            .post_ok(
                "/api/v1/print/batches",
                &json!({"printer_id": printer, "maks": 200}),
            )
            .await?;
        let items = v["items"].as_array().cloned().unwrap_or_default();
        if v["nomor_batch"].is_null() || items.is_empty() {
            return Ok(printed);
        }
        let tanggal: Option<Date> = v["tanggal"].as_str().and_then(|s| s.parse().ok());
        printed.extend(
            items
                .iter()
                .filter(|it| it["hasil"] == "dicetak")
                .filter_map(|it| it["nomor"].as_str().map(|n| (n.to_string(), tanggal))),
        );
    }
}

/// Every office prints its queue's head up to today's capacity and blanks; returns the
/// cards printed.
pub(super) async fn print_day(offices: &[Office], printers: &[i64]) -> Result<Vec<Printed>> {
    let mut set = JoinSet::new();
    for (o, &p) in offices.iter().zip(printers) {
        set.spawn(print_office(o.clone(), p));
    }
    let mut all = Vec::new();
    while let Some(r) = set.join_next().await {
        all.extend(r.context("print task")??);
    }
    Ok(all)
}

/// Whether a card printed earlier is collected on day `day`: about `pct` percent of the
/// waiting cards each working day, decided by a hash so that runs repeat.
pub(super) fn collects(nomor: &str, day: u32, pct: u32) -> bool {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in nomor.bytes().chain(day.to_le_bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    (h % 100) < u64::from(pct)
}

/// Hands over (`serahkan`) the given cards at their offices; returns those handed over.
pub(super) async fn hand_over(
    offices: &[Office],
    cards: Vec<(usize, String)>,
    in_flight: usize,
) -> Result<Vec<String>> {
    let sems: Vec<_> = offices
        .iter()
        .map(|_| Arc::new(Semaphore::new(in_flight.max(1))))
        .collect();
    let mut set = JoinSet::new();
    for (i, nomor) in cards {
        let o = offices[i].clone();
        let sem = sems[i].clone();
        set.spawn(async move {
            let _permit = sem.acquire_owned().await;
            let (st, _) = o
                .post_json(
                    &format!("/api/v1/applications/{nomor}/actions/serahkan"),
                    &json!({}),
                )
                .await?;
            anyhow::Ok(st.is_success().then_some(nomor))
        });
    }
    let mut done = Vec::new();
    while let Some(r) = set.join_next().await {
        done.extend(r.context("hand-over task")??);
    }
    Ok(done)
}

/// The ETA an application was given when first seen in the print queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct EtaSeen {
    pub(super) day: u32,
    pub(super) jenis: String,
    pub(super) tanggal: Option<Date>,
}

/// Asks every office for the ETA of its `siap_cetak` applications not seen before.
pub(super) async fn poll_etas(
    offices: &[Office],
    seen: &HashMap<String, EtaSeen>,
    day: u32,
    in_flight: usize,
) -> Result<Vec<(String, EtaSeen)>> {
    let mut set = JoinSet::new();
    for o in offices {
        let o = o.clone();
        let known: HashSet<String> = seen.keys().cloned().collect();
        set.spawn(async move {
            let fresh: Vec<String> = o
                .list(Some("siap_cetak"))
                .await?
                .into_iter()
                .map(|a| a.nomor)
                .filter(|n| !known.contains(n))
                .collect();
            let sem = Arc::new(Semaphore::new(in_flight.max(1)));
            let mut inner = JoinSet::new();
            for nomor in fresh {
                let (o, sem) = (o.clone(), sem.clone());
                inner.spawn(async move {
                    let _permit = sem.acquire_owned().await;
                    let v = o
                        .get_ok(&format!("/api/v1/applications/{nomor}/eta"))
                        .await?;
                    let e = EtaSeen {
                        day,
                        jenis: v["jenis"].as_str().unwrap_or("?").to_string(),
                        tanggal: v["tanggal"].as_str().and_then(|s| s.parse().ok()),
                    };
                    anyhow::Ok((nomor, e))
                });
            }
            let mut out = Vec::new();
            while let Some(r) = inner.join_next().await {
                out.push(r??);
            }
            anyhow::Ok(out)
        });
    }
    let mut all = Vec::new();
    while let Some(r) = set.join_next().await {
        all.extend(r.context("ETA task")??);
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ledger_balances_or_not() {
        let v = json!({
            "blanko": {"diterima": 100, "dipakai": 60, "rusak": 2, "ada": 38},
            "antrean": 5,
            "suket": {"aktif": 7, "dicabut": 3, "diganti": 1},
        });
        let mut d = DeskStatus::parse(&v);
        assert!(d.balanced());
        assert_eq!(d.suket_issued(), 11);
        assert_eq!(d.antrean, 5);
        d.ada = 37;
        assert!(!d.balanced());
        assert!(DeskStatus::default().balanced());
    }

    #[test]
    fn collection_is_a_repeatable_share() {
        let n = (0..10_000)
            .filter(|i| collects(&format!("3172010000{i}"), 30, 50))
            .count();
        assert!((4_500..5_500).contains(&n), "{n}");
        assert_eq!(collects("x", 3, 50), collects("x", 3, 50));
        assert!(!collects("x", 3, 0));
        assert!(collects("x", 3, 100));
    }
}
