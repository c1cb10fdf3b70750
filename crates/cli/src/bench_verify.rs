//! `sidik bench verify`: Suket verifications per second — Base45, zlib, COSE_Sign1
//! (Ed25519 signature), CWT and Claim 169 decoding and the revocation lists — on as
//! many threads as asked, the way a verifier service or `/verifikasi` runs them.

use std::time::{Duration, Instant};

use anyhow::Result;
use ed25519_dalek::SigningKey;
use rayon::prelude::*;
use sidik_suket::{
    JenisKelaminClaim, KeyEntry, KeySet, Revocation, RevocationList, Subject, SuketClaims,
    TrustStore, Verdict,
};

#[derive(clap::Args)]
pub struct VerifyBench {
    /// Seconds to run.
    #[arg(long, default_value_t = 5.0)]
    seconds: f64,
    /// Worker threads.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Entries in the office's revocation list (a busy office's half year; one signed
    /// list holds at most about 98,000 entries under its 8 MiB cap).
    #[arg(long, default_value_t = 50_000)]
    revoked: usize,
}

fn claims(n: usize, now: i64) -> SuketClaims {
    let nomor = format!("3172010{:06}20150909101500", n % 1_000_000);
    SuketClaims {
        nomor_suket: format!("SKT-{nomor}-1"),
        nomor_registrasi: nomor,
        nik: format!("31720155059{:05}", n % 100_000),
        nama: "SITI AMINAH BINTI SUPARMAN".into(),
        tempat_lahir: "JAKARTA".into(),
        tanggal_lahir: jiff::civil::date(1990, 5, 15),
        jenis_kelamin: JenisKelaminClaim::Perempuan,
        alamat: "JL. BUGIS RAYA NO. 12\\nRT/RW 005/011\\nKel. 31.72.01.1005".into(),
        kewarganegaraan: "IDN".into(),
        kantor: "317201".into(),
        diterbitkan: now - 3600,
        berlaku_hingga: now + 180 * 86_400,
    }
}

pub fn run(o: VerifyBench) -> Result<()> {
    let now = jiff::Timestamp::now().as_second();
    let root = SigningKey::from_bytes(&[1u8; 32]);
    let office = SigningKey::from_bytes(&[2u8; 32]);
    let vk = office.verifying_key();
    let keys = KeySet {
        issued_at: now,
        sequence: 1,
        keys: vec![KeyEntry {
            kid: sidik_suket::key_id(&vk),
            kantor: "317201".into(),
            public: vk.to_bytes(),
            certified_at: 0,
            revoked_at: None,
        }],
    };
    let list = RevocationList {
        issuer: "317201".into(),
        issued_at: now,
        sequence: 1,
        entries: (0..o.revoked)
            .map(|i| Revocation {
                subject: Subject::Suket(format!("SKT-9{i:026}-1")),
                revoked_at: now - 10,
                reason: "diserahkan".into(),
            })
            .collect(),
    };
    let mut trust = TrustStore::new(KeySet::open(&keys.sign(&root), &root.verifying_key())?);
    trust.add_office_list_signed(&list.sign(&office))?;
    let qrs: Vec<String> = (0..256)
        .map(|n| sidik_suket::encode(&claims(n, now), &office))
        .collect::<Result<_, _>>()?;
    assert!(qrs
        .iter()
        .all(|q| sidik_suket::verify(q, &trust, now).verdict == Verdict::Valid));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(o.threads)
        .build()?;
    let budget = Duration::from_secs_f64(o.seconds);
    let start = Instant::now();
    let done: usize = pool.install(|| {
        (0..o.threads)
            .into_par_iter()
            .map(|t| {
                let mut n = 0usize;
                while start.elapsed() < budget {
                    for q in qrs.iter().skip(t % 2).step_by(2).take(32) {
                        let v = sidik_suket::verify(q, &trust, now);
                        debug_assert_eq!(v.verdict, Verdict::Valid);
                        n += 1;
                    }
                }
                n
            })
            .sum()
    });
    let wall = start.elapsed().as_secs_f64();
    println!(
        "Suket verifications: {done} in {wall:.2} s = {:.0}/s on {} thread(s) (QR {} characters, office list of {} revocations)",
        done as f64 / wall,
        o.threads,
        qrs[0].len(),
        o.revoked
    );
    Ok(())
}
