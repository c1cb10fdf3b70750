//! Demo data: the synthetic Jakarta Utara population, the demo admin, synthetic
//! biometrics and a handful of applications in every state.

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use sidik_domain::audit::AuditDraft;
use sidik_domain::tanggal::tanggal_wib;
use sidik_domain::{Aksi, Peran};
use sidik_issuance::akun::{generate_password, Akun};
use sidik_issuance::{EnrollInput, Issuance};
use sidik_store::{ListFilter, Store};

/// Default population seed (the year of the outage Sidik was built for).
pub const SEED: u64 = 2015;
/// Seed of the synthetic fingerprint generator for demo enrollments.
const BIO_SEED: u64 = 19_794;

/// (ten ISO templates by finger position, face image, signature image)
pub type DemoCapture = (Vec<(u8, Vec<u8>)>, Vec<u8>, Vec<u8>);

pub const FOTO: &[u8] = include_bytes!("../assets/demo-foto.png");
pub const TTD: &[u8] = include_bytes!("../assets/demo-ttd.png");

/// Synthetic biometrics of synthetic person `person`: ten ISO/IEC 19794-2 records (one
/// impression of each finger), a face and a signature image.
pub fn biometrik(person: u64) -> DemoCapture {
    let g = abis::synth::Generator::new(BIO_SEED);
    let jari = (1..=10u8)
        .map(|pos| (pos, g.impression_iso(person, pos, 0)))
        .collect();
    (jari, FOTO.to_vec(), TTD.to_vec())
}

/// A second, different impression of the same synthetic person (for duplicate demos).
pub fn biometrik_ulang(person: u64) -> DemoCapture {
    let g = abis::synth::Generator::new(BIO_SEED);
    let jari = (1..=10u8)
        .map(|pos| (pos, g.impression_iso(person, pos, 1)))
        .collect();
    (jari, FOTO.to_vec(), TTD.to_vec())
}

fn today() -> jiff::civil::Date {
    tanggal_wib(jiff::Timestamp::now())
}

/// `serve --demo`: seeds the population (into an empty registry), gives the demo admin
/// a fresh one-time password (returned) and adds demo applications (once).
pub async fn prepare(node: &sidik_node::Node, residents: usize, queue: usize) -> Result<String> {
    let store = node.store.as_ref();
    if store.resident_count().await? == 0 {
        seed_population(store, SEED, residents, true).await?;
    }
    let akun = &node.state.akun;
    let password = demo_admin(akun).await?;
    if let Some(iss) = node.issuance() {
        seed_applications(iss, akun).await?;
        seed_queue(iss, akun, residents, queue).await?;
        crate::demo_aspirasi::seed(store).await?;
    }
    Ok(password)
}

/// Inserts the synthetic population (upsert: rerunning with the same seed changes nothing).
pub async fn seed_population(
    store: &dyn Store,
    seed: u64,
    n: usize,
    progress: bool,
) -> Result<usize> {
    let people = sidik_demo::population(seed, n, today());
    let bar = if progress {
        let b = ProgressBar::new(people.len() as u64);
        b.set_style(
            ProgressStyle::with_template("seeding residents {bar:40} {pos}/{len} ({eta})")
                .expect("template"),
        );
        b
    } else {
        ProgressBar::hidden()
    };
    for chunk in people.chunks(2_000) {
        let audit = AuditDraft {
            aktor: "sistem:demo".into(),
            aksi: "penduduk.seed".into(),
            subjek: "penduduk".into(),
            waktu: jiff::Timestamp::now(),
            detail: format!("seed={seed} rows={}", chunk.len()),
        };
        store.residents_upsert(chunk, audit).await?;
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    Ok(people.len())
}

/// Creates the demo admin or gives it a fresh one-time password; returns the password.
pub async fn demo_admin(akun: &Akun) -> Result<String> {
    let pw = generate_password()?;
    if akun.store.user_get("admin").await?.is_some() {
        akun.set_password("sistem:demo", "admin", &pw).await?;
    } else {
        akun.create_user("sistem:demo", "admin", Peran::Admin, &pw)
            .await?;
    }
    Ok(pw)
}

/// Adds a few applications in every state so the console has something to show. Runs
/// only when there are no applications yet.
pub async fn seed_applications(iss: &Issuance, akun: &Akun) -> Result<()> {
    let store = &iss.store;
    let any = store
        .application_list(&ListFilter {
            limit: 1,
            ..Default::default()
        })
        .await?;
    if !any.is_empty() {
        return Ok(());
    }
    let Some(admin) = akun.store.user_get("admin").await? else {
        return Ok(());
    };
    let today = today();
    let mut adults = Vec::new();
    for kel in [
        "31.72.01.1005",
        "31.72.02.1001",
        "31.72.03.1001",
        "31.72.04.1001",
        "31.72.06.1001",
    ] {
        for p in store.residents_in(kel, 200).await? {
            if p.wajib_ktp(today) && adults.len() < 24 {
                adults.push(p);
            }
        }
    }
    // Two printers of 200 cards a day and a delivery of blanks, as an office has.
    iss.printer_save(&admin, "Printer 1", 200, true).await?;
    iss.printer_save(&admin, "Printer 2", 200, true).await?;
    iss.blanko_receive(&admin, 1000, None).await?;
    for (i, p) in adults.iter().enumerate() {
        // The last applicant is the first one again under another NIK: a duplicate.
        let capture = if i + 1 == adults.len() && i > 0 {
            biometrik_ulang(0)
        } else {
            biometrik(i as u64)
        };
        let nomor = enroll(iss, &admin, p, capture).await?;
        if i % 6 == 5 && i + 1 != adults.len() {
            continue; // left as Direkam
        }
        let checked = iss.check(&admin, &nomor).await?;
        if checked.status != sidik_domain::Status::SiapCetak {
            continue;
        }
        if i % 3 != 0 {
            iss.transition(&admin, &nomor, Aksi::Cetak, None).await?;
        }
        if i % 3 == 1 {
            iss.transition(&admin, &nomor, Aksi::Serahkan, None).await?;
        }
    }
    tracing::info!("demo: {} applications created", adults.len());
    Ok(())
}

/// Enrolls demo resident `p` with `capture`; returns the registration number.
async fn enroll(
    iss: &Issuance,
    admin: &sidik_store::User,
    p: &sidik_domain::Penduduk,
    (jari, foto, ttd): DemoCapture,
) -> Result<String> {
    let input = EnrollInput {
        nik: p.nik.to_string(),
        kelurahan: p.kelurahan.clone(),
        jari,
        foto: Some(foto),
        tanda_tangan: Some(ttd),
        ..Default::default()
    };
    Ok(match iss.enroll(admin, input).await? {
        sidik_store::Created::New(a) | sidik_store::Created::Replayed(a) => a.nomor.to_string(),
    })
}

/// `serve --demo --demo-queue N` (hidden, for `.ci/bench_status`): N more adults
/// enrolled and checked, so N cards wait in the print queue as in an office's backlog.
/// Runs only while the queue is shorter than N.
async fn seed_queue(iss: &Issuance, akun: &Akun, residents: usize, n: usize) -> Result<()> {
    let store = &iss.store;
    let waiting = store
        .application_counts(&ListFilter::default())
        .await?
        .into_iter()
        .find(|(s, _)| *s == sidik_domain::Status::SiapCetak)
        .map_or(0, |(_, n)| n as usize);
    let Some(admin) = akun.store.user_get("admin").await? else {
        return Ok(());
    };
    if waiting >= n {
        return Ok(());
    }
    let taken: std::collections::HashSet<String> = store
        .application_list(&ListFilter {
            limit: 100_000,
            ..Default::default()
        })
        .await?
        .into_iter()
        .map(|a| a.nik.to_string())
        .collect();
    let today = today();
    let adults = sidik_demo::population(SEED, residents, today)
        .into_iter()
        .filter(|p| p.wajib_ktp(today) && !taken.contains(p.nik.as_str()));
    let bar = ProgressBar::new((n - waiting) as u64);
    for (i, p) in adults.take(n - waiting).enumerate() {
        // Synthetic persons 1,000 and up: none of them matches a demo applicant.
        let nomor = enroll(iss, &admin, &p, biometrik(1_000 + i as u64)).await?;
        iss.check(&admin, &nomor).await?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(())
}

/// Prints the demo population as CSV.
pub fn export_csv(seed: u64, n: usize) {
    println!("{}", sidik_domain::csv::HEADER);
    for p in sidik_demo::population(seed, n, today()) {
        println!("{}", sidik_domain::csv::to_row(&p));
    }
}
