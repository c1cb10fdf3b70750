//! `sidik bench enroll`: enrollments per second through the HTTP API on SQLite.
//!
//! Starts a real server on loopback (in this process, same router as `serve`), seeds a
//! population, then sends multipart enrollments (10 synthetic ISO templates, photo,
//! signature) from concurrent clients and reports throughput and latency.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use sidik_domain::Peran;
use sidik_store::Store;

use sidik_node::{Matcher, Node, NodeConfig, RoleConfig};

use crate::demo;

/// (NIK, kelurahan, fingers) of one enrollment.
type Payload = (String, String, Vec<(u8, Vec<u8>)>);

#[derive(Subcommand)]
pub enum BenchCmd {
    /// Enrollments per second through POST /api/v1/applications.
    Enroll {
        /// Enrollments to send.
        #[arg(long, default_value_t = 3_000)]
        count: usize,
        /// Concurrent clients.
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// Population to seed (must hold at least `count` adults).
        #[arg(long, default_value_t = 20_000)]
        residents: usize,
        /// Demographic checks only (no ABIS gallery insert per enrollment).
        #[arg(long)]
        no_abis: bool,
        /// Per applicant also what they leave with: the check (which signs the Suket),
        /// the receipt PDF and the Suket PDF.
        #[arg(long)]
        documents: bool,
    },
    /// Suket verifications per second (Claim 169 decode, signature, revocation lists).
    Verify(crate::bench_verify::VerifyBench),
    /// How fast the centre clears an outage backlog (intake + national 1:N dedup).
    Centre(crate::bench_centre::CentreBench),
    /// The centre on PostgreSQL at size: 1M residents, 10M audit entries, 100k packets
    /// in flight, decisions with 1, 2 and 4 ABIS workers, the decision feed, the disk.
    Scale(crate::bench_scale::ScaleBench),
}

pub async fn run(cmd: BenchCmd) -> Result<()> {
    let cmd = match cmd {
        BenchCmd::Centre(o) => return crate::bench_centre::run(o).await,
        BenchCmd::Verify(o) => return crate::bench_verify::run(o),
        BenchCmd::Scale(o) => return crate::bench_scale::run(o).await,
        other => other,
    };
    let BenchCmd::Enroll {
        count,
        concurrency,
        residents,
        no_abis,
        documents,
    } = cmd
    else {
        unreachable!("handled above")
    };
    let dir = tempfile::tempdir()?;
    let kantor = sidik_domain::KodeKantor::parse("317200").map_err(anyhow::Error::msg)?;
    let mut cfg = NodeConfig::new(dir.path(), kantor, RoleConfig::Standalone);
    if no_abis {
        cfg.matcher = Matcher::DemographicOnly;
    }
    let node = Node::build(cfg).await?;
    let store = node.store.clone();
    demo::seed_population(store.as_ref(), demo::SEED, residents, true).await?;
    let password = "bench-password-123";
    node.state
        .akun
        .create_user("bench", "bench", Peran::Operator, password)
        .await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(sidik_http::serve(
        listener,
        node.router(),
        std::future::pending(),
    ));

    let today = sidik_domain::tanggal::tanggal_wib(jiff::Timestamp::now());
    let adults: Vec<_> = sidik_demo::population(demo::SEED, residents, today)
        .into_iter()
        .filter(|p| p.wajib_ktp(today))
        .take(count)
        .collect();
    if adults.len() < count {
        bail!(
            "only {} adults in {residents} residents; raise --residents",
            adults.len()
        );
    }
    // Payloads are prepared before the clock starts.
    let payloads: Arc<Vec<Payload>> = Arc::new(
        adults
            .iter()
            .enumerate()
            .map(|(i, p)| {
                (
                    p.nik.to_string(),
                    p.kelurahan.clone(),
                    demo::biometrik(i as u64).0,
                )
            })
            .collect(),
    );
    let http = reqwest::Client::new();
    let login: serde_json::Value = http
        .post(format!("{base}/api/v1/login"))
        .json(&serde_json::json!({"username": "bench", "password": password}))
        .send()
        .await?
        .json()
        .await?;
    let token = login["token"].as_str().context("login")?.to_string();

    let bar = ProgressBar::new(count as u64);
    bar.set_style(ProgressStyle::with_template(
        "enrolling {bar:40} {pos}/{len} ({per_sec})",
    )?);
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (http, base, token, next, payloads, bar) = (
            http.clone(),
            base.clone(),
            token.clone(),
            next.clone(),
            payloads.clone(),
            bar.clone(),
        );
        tasks.push(tokio::spawn(client(
            http, base, token, next, payloads, bar, documents,
        )));
    }
    let mut lat: Vec<Duration> = Vec::with_capacity(count);
    for t in tasks {
        lat.extend(t.await??);
    }
    let wall = start.elapsed();
    bar.finish_and_clear();
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 - 1.0) * p) as usize].as_secs_f64() * 1e3;
    println!(
        "enrollments through the API: {count} in {:.2} s = {:.0}/s  (concurrency {concurrency}, ABIS {}, {}SQLite WAL synchronous=FULL)",
        wall.as_secs_f64(),
        count as f64 / wall.as_secs_f64(),
        if no_abis { "off" } else { "on" },
        if documents {
            "each with check + signed Suket + receipt PDF + Suket PDF, "
        } else {
            ""
        }
    );
    println!("latency p50 {:.1} ms, p99 {:.1} ms", pct(0.5), pct(0.99));
    if documents {
        let avg = |i: usize| STEP_MICROS[i].load(Ordering::Relaxed) as f64 / count as f64 / 1e3;
        println!(
            "of which, mean latency: check + Suket {:.1} ms, receipt PDF {:.1} ms, Suket PDF {:.1} ms",
            avg(0),
            avg(1),
            avg(2)
        );
    }
    let n = store
        .application_list(&sidik_store::ListFilter {
            limit: 1,
            ..Default::default()
        })
        .await?
        .len();
    if n == 0 {
        bail!("no application stored");
    }
    Ok(())
}

/// One client: enrolls the next payload until none is left; returns its latencies.
async fn client(
    http: reqwest::Client,
    base: String,
    token: String,
    next: Arc<AtomicUsize>,
    payloads: Arc<Vec<Payload>>,
    bar: ProgressBar,
    documents: bool,
) -> Result<Vec<Duration>> {
    let mut lat = Vec::new();
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some((nik, kel, jari)) = payloads.get(i) else {
            return Ok(lat);
        };
        let mut form = reqwest::multipart::Form::new()
            .text("nik", nik.clone())
            .text("kelurahan", kel.clone());
        for (pos, t) in jari {
            form = form.part(
                format!("jari_{pos}"),
                reqwest::multipart::Part::bytes(t.clone()).file_name("f.iso"),
            );
        }
        form = form
            .part(
                "foto",
                reqwest::multipart::Part::bytes(demo::FOTO.to_vec()).file_name("f.png"),
            )
            .part(
                "tanda_tangan",
                reqwest::multipart::Part::bytes(demo::TTD.to_vec()).file_name("t.png"),
            );
        let t0 = Instant::now();
        let r = http
            .post(format!("{base}/api/v1/applications"))
            .bearer_auth(&token)
            .multipart(form)
            .send()
            .await?;
        if !r.status().is_success() {
            bail!("enrollment failed: {} {}", r.status(), r.text().await?);
        }
        if documents {
            let v: serde_json::Value = r.json().await?;
            let nomor = v["nomor"].as_str().context("nomor")?;
            documents_of(&http, &base, &token, nomor).await?;
        }
        lat.push(t0.elapsed());
        bar.inc(1);
    }
}

/// What an applicant leaves with: the check (the Suket is signed in its transaction),
/// then the receipt and the Suket as PDFs (the officer's session cookie).
async fn documents_of(http: &reqwest::Client, base: &str, token: &str, nomor: &str) -> Result<()> {
    let t0 = Instant::now();
    let r = http
        .post(format!("{base}/api/v1/applications/{nomor}/check"))
        .bearer_auth(token)
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("check failed: {} {}", r.status(), r.text().await?);
    }
    STEP_MICROS[0].fetch_add(t0.elapsed().as_micros() as usize, Ordering::Relaxed);
    for (i, doc) in ["tanda-terima.pdf", "suket.pdf"].into_iter().enumerate() {
        let t0 = Instant::now();
        let r = http
            .get(format!("{base}/permohonan/{nomor}/{doc}"))
            .header("cookie", format!("{}={token}", sidik_http::SESSION_COOKIE))
            .send()
            .await?;
        if !r.status().is_success() {
            bail!("{doc}: {}", r.status());
        }
        let pdf = r.bytes().await?;
        if !pdf.starts_with(b"%PDF") {
            bail!("{doc}: not a PDF");
        }
        STEP_MICROS[i + 1].fetch_add(t0.elapsed().as_micros() as usize, Ordering::Relaxed);
    }
    Ok(())
}

/// Summed latency of the check, the receipt and the Suket PDF (µs), for the report.
static STEP_MICROS: [AtomicUsize; 3] = [
    AtomicUsize::new(0),
    AtomicUsize::new(0),
    AtomicUsize::new(0),
];
