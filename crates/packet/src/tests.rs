//! Behaviour of the public API: round trips, tampering, trust, determinism.

use std::collections::BTreeMap;

use proptest::prelude::*;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use sidik_domain::biometrik::{AlasanPengecualian, Biometrik, PosisiJari};
use sidik_domain::enums::JenisKelamin;
use sidik_domain::{Nik, NomorRegistrasi, Penduduk};

use crate::testkit::*;
use crate::*;

fn open(w: &World, bytes: &[u8]) -> Result<Opened, Rejection> {
    Packet::open(bytes, &w.ring, &w.centre.sealing)
}

#[test]
fn seal_open_round_trip() {
    let w = World::new(1);
    let b = body(42);
    let p = w.seal(&b);
    let bytes = p.to_bytes();
    let o = open(&w, &bytes).unwrap();
    assert_eq!(o.body, b);
    assert_eq!(o.packet_id(), "317201-0000000042");
    assert_eq!(o.penduduk(), &penduduk());
    assert_eq!(o.biometrik, biometrik());
    assert_eq!(o.header.office.as_str(), KANTOR_A);
    assert_eq!(o.header.created_at, created_at());
    assert_eq!(o.hash, p.hash());
    assert_eq!(o.signer, w.office_a.public_key());
    // The content hash is plain SHA-256 of the signed content, stable across re-parses.
    assert_eq!(Packet::from_bytes(&bytes).unwrap().hash(), p.hash());
}

#[test]
fn every_single_byte_change_is_rejected() {
    let w = World::new(2);
    let bytes = w.seal(&body(1)).to_bytes();
    let mut seen: BTreeMap<&'static str, usize> = BTreeMap::new();
    for i in 0..bytes.len() {
        for mask in [0x01u8, 0x80, 0xFF] {
            let mut t = bytes.clone();
            t[i] ^= mask;
            match open(&w, &t) {
                Ok(_) => panic!("flip of byte {i} with mask {mask:#04x} was accepted"),
                Err(r) => *seen.entry(r.code()).or_default() += 1,
            }
        }
    }
    // The loop reached every layer: envelope structure, content hash and signature.
    for code in ["malformed", "hash_mismatch", "bad_signature"] {
        assert!(seen.contains_key(code), "no {code} among {seen:?}");
    }
    assert_eq!(seen.values().sum::<usize>(), bytes.len() * 3);
}

#[test]
fn truncation_at_every_length_and_trailing_bytes_are_malformed() {
    let w = World::new(3);
    let bytes = w.seal(&body(1)).to_bytes();
    for len in 0..bytes.len() {
        let r = open(&w, &bytes[..len]).unwrap_err();
        assert_eq!(r.code(), "malformed", "length {len}: {r}");
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(open(&w, &longer).unwrap_err().code(), "malformed");
    let mut twice = bytes.clone();
    twice.extend_from_slice(&bytes);
    assert_eq!(open(&w, &twice).unwrap_err().code(), "malformed");
    assert!(open(&w, &bytes).is_ok());
}

#[test]
fn oversized_input_is_refused_before_decoding() {
    let w = World::new(3);
    let r = open(&w, &vec![0u8; MAX_PACKET_BYTES + 1]).unwrap_err();
    assert_eq!(r.code(), "malformed");
    assert!(r.to_string().contains("limit"), "{r}");
}

#[test]
fn wrong_centre_secret_is_decrypt_failed() {
    let w = World::new(4);
    let bytes = w.seal(&body(1)).to_bytes();
    let other = CentreKeys::generate(&mut ChaCha20Rng::seed_from_u64(99));
    let r = Packet::open(&bytes, &w.ring, &other.sealing).unwrap_err();
    assert_eq!(r.code(), "decrypt_failed", "{r}");
    // The trust checks passed first: the same bytes open with the right key.
    assert!(open(&w, &bytes).is_ok());
}

#[test]
fn unknown_office_is_rejected() {
    let w = World::new(5);
    // Office 317203 is not in the ring; its packet is signed with a fresh key.
    let stranger = OfficeKeys::generate(&mut w.rng());
    let p = Packet::seal(
        &body_for("317203", 1),
        &stranger,
        &w.centre.sealing.public_key(),
        &mut w.rng(),
    )
    .unwrap();
    let r = open(&w, &p.to_bytes()).unwrap_err();
    assert_eq!(
        r,
        Rejection::UnknownOffice {
            office: "317203".into()
        }
    );
}

#[test]
fn revoked_key_is_rejected_and_others_are_not_affected() {
    let mut w = World::new(6);
    let bytes = w.seal(&body(1)).to_bytes();
    let b_bytes = Packet::seal(
        &body_for(KANTOR_B, 1),
        &w.office_b,
        &w.centre.sealing.public_key(),
        &mut w.rng(),
    )
    .unwrap()
    .to_bytes();
    assert!(open(&w, &bytes).is_ok());
    let a_pub = w.office_a.public_key();
    assert!(w.ring.revoke(KANTOR_A, &a_pub));
    assert!(!w.ring.revoke(KANTOR_B, &a_pub), "A's key is not B's");
    let r = open(&w, &bytes).unwrap_err();
    assert_eq!(r.code(), "revoked", "{r}");
    assert!(r.to_string().contains(&a_pub.to_string()));
    assert!(open(&w, &b_bytes).is_ok());
    // Re-adding the certificate does not un-revoke the key.
    let cert = w.ring.entries(KANTOR_A)[0].certificate.clone();
    w.ring.add(cert).unwrap();
    assert_eq!(open(&w, &bytes).unwrap_err().code(), "revoked");
}

#[test]
fn key_of_office_a_claiming_office_b_is_a_key_mismatch() {
    let w = World::new(7);
    let p = Packet::seal(
        &body_for(KANTOR_B, 1),
        &w.office_a,
        &w.centre.sealing.public_key(),
        &mut w.rng(),
    )
    .unwrap();
    let r = open(&w, &p.to_bytes()).unwrap_err();
    assert_eq!(
        r,
        Rejection::KeyMismatch {
            office: KANTOR_B.into(),
            key: w.office_a.public_key().to_string(),
            certified_for: Some(KANTOR_A.into()),
        }
    );
    assert!(r.to_string().contains("certified for office 317201"), "{r}");

    // A key nobody certified, claiming a known office.
    let rogue = OfficeKeys::generate(&mut w.rng());
    let p = Packet::seal(
        &body_for(KANTOR_A, 2),
        &rogue,
        &w.centre.sealing.public_key(),
        &mut w.rng(),
    )
    .unwrap();
    assert!(matches!(
        open(&w, &p.to_bytes()).unwrap_err(),
        Rejection::KeyMismatch {
            certified_for: None,
            ..
        }
    ));
}

#[test]
fn certificate_tampering_is_detected() {
    let w = World::new(8);
    let centre_vk = w.centre.certifying.verifying_key();
    let good = w.ring.entries(KANTOR_A)[0].certificate.clone();
    good.verify(&centre_vk).unwrap();

    let mut c = good.clone();
    c.office = KANTOR_B.into();
    assert_eq!(c.verify(&centre_vk), Err(CertError::BadSignature));
    let mut c = good.clone();
    c.public_key = w.office_b.public_key();
    assert_eq!(c.verify(&centre_vk), Err(CertError::BadSignature));
    let mut c = good.clone();
    c.issued_at += 1;
    assert_eq!(c.verify(&centre_vk), Err(CertError::BadSignature));
    for i in 0..64 {
        let mut c = good.clone();
        c.signature[i] ^= 0x01;
        assert_eq!(
            c.verify(&centre_vk),
            Err(CertError::BadSignature),
            "byte {i}"
        );
    }
    let mut c = good.clone();
    c.office = "31720".into();
    assert!(matches!(c.verify(&centre_vk), Err(CertError::BadOffice(_))));

    // A certificate issued by another centre does not enter the ring.
    let other = CentreKeys::generate(&mut ChaCha20Rng::seed_from_u64(77));
    let forged = Certificate::issue(
        &other.certifying,
        &kantor("317203"),
        &w.office_b.public_key(),
        0,
    );
    let mut ring = w.ring.clone();
    assert_eq!(ring.add(forged), Err(CertError::BadSignature));
    assert!(ring.entries("317203").is_empty());
}

#[test]
fn certificate_text_round_trips_and_one_key_serves_one_office() {
    let w = World::new(9);
    let cert = w.ring.entries(KANTOR_A)[0].certificate.clone();
    let text = cert.to_text();
    assert!(text.starts_with("-----BEGIN SIDIK OFFICE CERTIFICATE-----"));
    assert_eq!(Certificate::from_text(&text).unwrap(), cert);
    assert!(Certificate::from_text("garbage").is_err());

    let again = Certificate::issue(
        &w.centre.certifying,
        &kantor(KANTOR_B),
        &w.office_a.public_key(),
        1,
    );
    let mut ring = w.ring.clone();
    assert!(matches!(
        ring.add(again),
        Err(CertError::KeyOfOtherOffice { certified_for, .. }) if certified_for == KANTOR_A
    ));
}

#[test]
fn rotated_keys_both_verify_until_one_is_revoked() {
    let mut w = World::new(10);
    let new_key = OfficeKeys::generate(&mut w.rng());
    w.ring
        .add(Certificate::issue(
            &w.centre.certifying,
            &kantor(KANTOR_A),
            &new_key.public_key(),
            nanos(created_at()) + 1,
        ))
        .unwrap();
    let old = w.seal(&body(1)).to_bytes();
    let new = Packet::seal(
        &body(2),
        &new_key,
        &w.centre.sealing.public_key(),
        &mut w.rng(),
    )
    .unwrap()
    .to_bytes();
    assert!(open(&w, &old).is_ok());
    assert!(open(&w, &new).is_ok());
    w.ring.revoke(KANTOR_A, &w.office_a.public_key());
    assert_eq!(open(&w, &old).unwrap_err().code(), "revoked");
    assert!(open(&w, &new).is_ok());
}

#[test]
fn router_reads_the_header_without_keys_but_biometrics_are_sealed() {
    let w = World::new(11);
    let b = body(5);
    let bytes = w.seal(&b).to_bytes();
    let p = Packet::from_bytes(&bytes).unwrap();
    assert_eq!(p.header(), &b.header);
    assert_eq!(p.packet_id(), "317201-0000000005");
    assert_eq!(p.to_bytes(), bytes);
    let contains = |needle: &[u8]| bytes.windows(needle.len()).any(|win| win == needle);
    assert!(contains(b"Siti Rahmawati"), "biodata is readable");
    for f in &b.biometrics.fingers {
        assert!(
            !contains(&f.template),
            "template of finger {} in clear",
            f.position
        );
    }
    assert!(!contains(&b.biometrics.face[..32]), "face image in clear");
    assert!(
        !contains(&b.biometrics.signature[..24]),
        "signature image in clear"
    );
    assert!(!contains(b"cedera"), "exception reasons are sealed too");
    // Debug output names the packet without dumping biodata or biometrics.
    let dbg = format!("{p:?}");
    assert!(
        dbg.contains("317201-0000000005") && !dbg.contains("Siti"),
        "{dbg}"
    );
    let dbg = format!("{:?}", open(&w, &bytes).unwrap());
    assert!(
        dbg.contains("bytes") && !dbg.contains("171, 171, 171"),
        "{dbg}"
    );
}

#[test]
fn encoding_is_deterministic() {
    let w = World::new(12);
    let b = body(1);
    let pk = w.centre.sealing.public_key();
    let seal = |seed| {
        Packet::seal(&b, &w.office_a, &pk, &mut ChaCha20Rng::seed_from_u64(seed))
            .unwrap()
            .to_bytes()
    };
    assert_eq!(seal(5), seal(5));
    assert_ne!(seal(5), seal(6), "a fresh ephemeral key and nonce per seal");
    let bytes = seal(5);
    assert_eq!(Packet::from_bytes(&bytes).unwrap().to_bytes(), bytes);
}

/// Pins the wire format: a change here breaks every packet already in an outbox.
/// Update the constant only together with `FORMAT_VERSION`.
#[test]
fn wire_format_is_pinned() {
    let w = World::new(2015);
    let p = Packet::seal(
        &body(1),
        &w.office_a,
        &w.centre.sealing.public_key(),
        &mut ChaCha20Rng::seed_from_u64(9539),
    )
    .unwrap();
    let bytes = p.to_bytes();
    let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
    assert_eq!(
        (bytes.len(), p.hash_hex().as_str(), digest.as_str()),
        (GOLDEN_LEN, GOLDEN_HASH, GOLDEN_DIGEST)
    );
}

const GOLDEN_LEN: usize = 1361;
const GOLDEN_HASH: &str = "4a7be9de6d47045d8309220d7ad1dba3e7a1255e00281aa652d04993141c163d";
const GOLDEN_DIGEST: &str = "3f40da6b8118087fa66ac3ad665f9e104054909b65dd19d86cf635e48559bac6";

#[test]
fn rejection_codes_are_stable_and_distinct() {
    let all = [
        Rejection::Malformed("x".into()),
        Rejection::HashMismatch,
        Rejection::UnknownOffice { office: "o".into() },
        Rejection::KeyMismatch {
            office: "o".into(),
            key: "k".into(),
            certified_for: None,
        },
        Rejection::Revoked {
            office: "o".into(),
            key: "k".into(),
        },
        Rejection::BadSignature {
            office: "o".into(),
            key: "k".into(),
        },
        Rejection::DecryptFailed("x".into()),
        Rejection::BodyInvalid("x".into()),
    ];
    let codes: Vec<&str> = all.iter().map(Rejection::code).collect();
    assert_eq!(
        codes,
        [
            "malformed",
            "hash_mismatch",
            "unknown_office",
            "key_mismatch",
            "revoked",
            "bad_signature",
            "decrypt_failed",
            "body_invalid"
        ]
    );
    let texts: std::collections::BTreeSet<String> = all.iter().map(|r| r.to_string()).collect();
    assert_eq!(texts.len(), all.len(), "every reason reads differently");
    for r in &all[2..6] {
        assert!(
            r.to_string().contains("office o"),
            "{r} does not name the office"
        );
    }
}

#[test]
fn seal_refuses_bodies_the_centre_would_reject() {
    let w = World::new(13);
    let pk = w.centre.sealing.public_key();
    let refuse = |b: &PacketBody, needle: &str| {
        let e = Packet::seal(b, &w.office_a, &pk, &mut w.rng()).unwrap_err();
        assert!(e.to_string().contains(needle), "{e} lacks {needle:?}");
    };
    let mut b = body(1);
    b.header.packet_id = "317201-1".into();
    refuse(&b, "packet_id");
    let mut b = body(1);
    let t = created_at();
    b.header.registration = NomorRegistrasi::mint(&kantor(KANTOR_B), 1, t)
        .as_str()
        .into();
    refuse(&b, "minted by office 317202");
    let mut b = body(1);
    b.header.nik = "3172015505850004".into();
    refuse(&b, "nik");
    let mut b = body(1);
    b.header.operator = String::new();
    refuse(&b, "operator");
    let mut b = body(1);
    b.header.biodata.kelurahan = "31.72.01.9999".into();
    refuse(&b, "kelurahan");
    let mut b = body(1);
    b.biometrics.fingers.retain(|f| f.position != 7);
    refuse(&b, "index fingers");
    let mut b = body(1);
    b.biometrics.face = b"GIF89a".to_vec();
    refuse(&b, "JPEG or PNG");
    let mut b = body(1);
    b.biometrics.exceptions[0].reason = "hilang".into();
    refuse(&b, "exception reason");
    // Born after the packet was created (the century comes from created_at, not a clock).
    let mut b = body(1);
    b.header.created_at = nanos("1985-05-14T00:00:00Z".parse().unwrap());
    b.header.registration = NomorRegistrasi::mint(&kantor(KANTOR_A), 1, created_at())
        .as_str()
        .into();
    refuse(&b, "birth date");
}

#[test]
fn biodata_mirror_round_trips_and_is_strict() {
    let p = penduduk();
    let b = Biodata::from(&p);
    assert_eq!(b.jenis_kelamin, "perempuan");
    assert_eq!(b.golongan_darah, "o+");
    assert_eq!(b.tanggal_lahir, "1985-05-15");
    assert_eq!((b.rt, b.rw), (5, 9));
    assert_eq!(Penduduk::try_from(&b).unwrap(), p);
    let mut x = b.clone();
    x.agama = "Islam".into(); // the label, not the slug
    assert!(Penduduk::try_from(&x).is_err());
    let mut x = b.clone();
    x.rt = 0;
    assert!(Penduduk::try_from(&x).is_err());
    let mut x = b.clone();
    x.tanggal_lahir = "15-05-1985".into();
    assert!(Penduduk::try_from(&x).is_err());
    let mut x = b.clone();
    x.nik = " 3172015505850003".into();
    assert!(Penduduk::try_from(&x).is_err());

    let bio = biometrik();
    assert_eq!(Biometrik::try_from(&Biometrics::from(&bio)).unwrap(), bio);
}

// ---- property tests ----------------------------------------------------------------

const KELURAHAN: &[&str] = &[
    "31.72.01.1001",
    "31.72.01.1005",
    "31.72.02.1001",
    "31.72.02.1003",
];

fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[A-Za-z][A-Za-z .']{{0,{max}}}[a-z]"))
        .unwrap()
        .prop_map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
}

fn image(magic: &'static [u8]) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..300).prop_map(move |mut v| {
        let mut out = magic.to_vec();
        out.append(&mut v);
        out
    })
}

prop_compose! {
    fn arb_biometrik()(
        present in proptest::collection::vec(any::<bool>(), 10),
        reasons in proptest::collection::vec(0u8..3, 10),
        templates in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..200), 10),
        face in prop_oneof![image(JPEG), image(PNG)],
        ttd in prop_oneof![image(JPEG), image(PNG)],
    ) -> Biometrik {
        let mut jari = Vec::new();
        let mut pengecualian = Vec::new();
        for n in 1..=10u8 {
            let p = PosisiJari::new(n).unwrap();
            let i = usize::from(n - 1);
            // Fingers 2 and 7 need a template or an exception; at least one template.
            if present[i] || n == 2 {
                jari.push((p, templates[i].clone()));
            } else if n == 7 || reasons[i] == 0 {
                let a = [
                    AlasanPengecualian::Amputasi,
                    AlasanPengecualian::Cedera,
                    AlasanPengecualian::TidakTerbaca,
                ][usize::from(reasons[i])];
                pengecualian.push((p, a));
            }
        }
        Biometrik::new(jari, pengecualian, Some(face), Some(ttd), |_| Ok(())).unwrap()
    }
}

prop_compose! {
    fn arb_penduduk()(
        y in 1930i16..1998, m in 1i8..=12, d in 1i8..=28, woman: bool, serial in 1u16..=9999,
        nama in text(40), tempat in text(20), alamat in text(60), ibu in text(40),
        pekerjaan in text(30),
        rt in 1u16..=999, rw in 1u16..=999,
        kel in 0..KELURAHAN.len(),
        kk_serial in 1u16..=9999,
    ) -> Penduduk {
        use sidik_domain::enums::*;
        let lahir = jiff::civil::date(y, m, d);
        let jk = if woman { JenisKelamin::Perempuan } else { JenisKelamin::LakiLaki };
        let mut p = penduduk();
        p.nik = Nik::from_parts("317201", lahir, jk, serial).unwrap();
        p.nomor_kk = sidik_domain::NomorKk::from_parts("317201", jiff::civil::date(2015, 1, 2), kk_serial).unwrap();
        p.tanggal_lahir = lahir;
        p.jenis_kelamin = jk;
        p.hubungan = Hubungan::ALL[usize::from(serial) % Hubungan::ALL.len()];
        p.golongan_darah = GolonganDarah::ALL[usize::from(serial) % GolonganDarah::ALL.len()];
        p.agama = Agama::ALL[usize::from(kk_serial) % Agama::ALL.len()];
        p.status_perkawinan = StatusPerkawinan::ALL[usize::from(rt) % StatusPerkawinan::ALL.len()];
        p.kewarganegaraan = Kewarganegaraan::ALL[usize::from(rw) % 2];
        p.nama = nama;
        p.tempat_lahir = tempat;
        p.alamat = alamat;
        p.nama_ibu_kandung = ibu;
        p.pekerjaan = pekerjaan;
        p.rt_rw = sidik_domain::RtRw { rt, rw };
        p.kelurahan = KELURAHAN[kel].into();
        p
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_bodies_round_trip(
        p in arb_penduduk(),
        bio in arb_biometrik(),
        seq in 0u64..10_000_000,
        office in prop_oneof![Just(KANTOR_A), Just(KANTOR_B)],
        secs in 1_420_070_400i64..1_800_000_000,
        seed: u64,
    ) {
        let w = World::new(seed);
        let t = jiff::Timestamp::from_second(secs).unwrap();
        let k = kantor(office);
        let b = PacketBody::new(&k, "user:op", seq, nanos(t), &NomorRegistrasi::mint(&k, seq, t), &p, &bio);
        let keys = if office == KANTOR_A { &w.office_a } else { &w.office_b };
        let packet = Packet::seal(&b, keys, &w.centre.sealing.public_key(), &mut w.rng()).unwrap();
        let bytes = packet.to_bytes();
        prop_assert_eq!(Packet::from_bytes(&bytes).unwrap().to_bytes(), bytes.clone());
        let o = open(&w, &bytes).unwrap();
        prop_assert_eq!(&o.body, &b);
        prop_assert_eq!(o.penduduk(), &p);
        prop_assert_eq!(&o.biometrik, &bio);
        prop_assert_eq!(o.body.header.biodata.jenis_kelamin == "perempuan", p.jenis_kelamin == JenisKelamin::Perempuan);
    }

    #[test]
    fn arbitrary_bytes_are_never_accepted(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let w = World::new(1);
        prop_assert!(open(&w, &bytes).is_err());
    }

    #[test]
    fn multi_byte_damage_is_never_accepted(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..6),
    ) {
        let w = World::new(2);
        let original = w.seal(&body(1)).to_bytes();
        let mut bytes = original.clone();
        for (i, x) in edits {
            let i = i.index(bytes.len());
            bytes[i] ^= x;
        }
        // Two edits of the same byte can cancel out; that case is no damage at all.
        prop_assume!(bytes != original);
        prop_assert!(open(&w, &bytes).is_err());
    }
}
