//! `sidik resident import <csv>`: bad rows are reported, good rows are kept.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use sidik_domain::audit::AuditDraft;
use sidik_domain::tanggal::tanggal_wib;
use sidik_store::Store;

pub struct Report {
    pub imported: usize,
    pub rejected: usize,
}

const BATCH: usize = 1_000;

pub async fn import(store: &dyn Store, csv: &Path, report: Option<&Path>) -> Result<Report> {
    let text =
        std::fs::read_to_string(csv).with_context(|| format!("reading {}", csv.display()))?;
    let mut lines = text.lines().enumerate();
    let Some((_, header)) = lines.next() else {
        anyhow::bail!(
            "{} is empty; expected the header {}",
            csv.display(),
            sidik_domain::csv::HEADER
        );
    };
    sidik_domain::csv::check_header(header.trim_start_matches('\u{feff}'))
        .map_err(|e| anyhow::anyhow!("{}: header: {e}", csv.display()))?;
    let today = tanggal_wib(jiff::Timestamp::now());
    let total = text.lines().count().saturating_sub(1) as u64;
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("importing {bar:40} {pos}/{len} rows ({per_sec}, {eta})")
            .expect("template"),
    );
    let mut errors: Vec<String> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut batch = Vec::with_capacity(BATCH);
    let mut imported = 0;
    for (i, line) in lines {
        let lineno = i + 1;
        bar.inc(1);
        if line.trim().is_empty() {
            continue;
        }
        match sidik_domain::csv::parse_row(line, today) {
            Ok(p) => {
                if let Some(first) = seen.insert(p.nik.to_string(), lineno) {
                    errors.push(format!(
                        "line {lineno}: NIK {} appears again (first on line {first}); row skipped",
                        p.nik
                    ));
                    seen.insert(p.nik.to_string(), first);
                    continue;
                }
                batch.push(p);
            }
            Err(e) => errors.push(format!("line {lineno}: {e}")),
        }
        if batch.len() == BATCH {
            imported += flush(store, &mut batch, csv).await?;
        }
    }
    imported += flush(store, &mut batch, csv).await?;
    bar.finish_and_clear();
    for e in &errors {
        eprintln!("{e}");
    }
    if let Some(path) = report {
        let mut f =
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
        for e in &errors {
            writeln!(f, "{e}")?;
        }
    }
    Ok(Report {
        imported,
        rejected: errors.len(),
    })
}

async fn flush(
    store: &dyn Store,
    batch: &mut Vec<sidik_domain::Penduduk>,
    csv: &Path,
) -> Result<usize> {
    if batch.is_empty() {
        return Ok(0);
    }
    let audit = AuditDraft {
        aktor: "cli".into(),
        aksi: "penduduk.import".into(),
        subjek: "penduduk".into(),
        waktu: jiff::Timestamp::now(),
        detail: format!("file={} rows={}", csv.display(), batch.len()),
    };
    let n = store.residents_upsert(batch, audit).await? as usize;
    batch.clear();
    Ok(n)
}
