use std::collections::BTreeMap;
fn main() {
    let today = jiff::civil::date(2026, 11, 28);
    let t = std::time::Instant::now();
    let n: usize = std::env::args()
        .nth(1)
        .map_or(20_000, |s| s.parse().unwrap());
    let pop = sidik_demo::population(42, n, today);
    eprintln!("{} in {:?}", pop.len(), t.elapsed());
    let mut bands = BTreeMap::new();
    let mut hub = BTreeMap::new();
    let mut agama = BTreeMap::new();
    let mut kerja = BTreeMap::new();
    let mut st = BTreeMap::new();
    let mut kel = BTreeMap::new();
    let mut men = 0;
    for p in &pop {
        p.validate(today).unwrap();
        *bands.entry(p.umur(today) / 5 * 5).or_insert(0) += 1;
        *hub.entry(p.hubungan.label()).or_insert(0) += 1;
        *agama.entry(p.agama.label()).or_insert(0) += 1;
        *kerja.entry(p.pekerjaan.clone()).or_insert(0) += 1;
        *st.entry(p.status_perkawinan.label()).or_insert(0) += 1;
        *kel.entry(p.kelurahan.clone()).or_insert(0) += 1;
        if p.jenis_kelamin == sidik_domain::JenisKelamin::LakiLaki {
            men += 1;
        }
    }
    println!("men {:.1}%", men as f64 * 100.0 / pop.len() as f64);
    for (k, v) in &bands {
        println!(
            "{k:>3} {:5.1}% {}",
            *v as f64 * 100.0 / pop.len() as f64,
            "#".repeat(v * 400 / pop.len())
        );
    }
    println!("{hub:?}\n{agama:?}\n{st:?}\n{kerja:#?}\n{}", kel.len());
    let rows = if std::env::args().nth(2).is_some() {
        pop.len()
    } else {
        40
    };
    for p in pop.iter().take(rows) {
        println!("{}", sidik_domain::csv::to_row(p));
    }
}
