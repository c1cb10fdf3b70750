//! Every verdict of `verify`, and the shape of the encoded QR.

mod common;

use common::*;
use coset::{iana, CoseSign1, TaggedCborSerializable};
use ed25519_dalek::Signer as _;
use sidik_suket::{
    encode, key_id, verify, Revocation, RevocationList, Subject, SuketError, TrustStore, Verdict,
};

fn revocations(issuer: &str, entries: Vec<Revocation>) -> RevocationList {
    RevocationList {
        issuer: issuer.into(),
        issued_at: NOW - 600,
        sequence: 1,
        entries,
    }
}

fn revoke(subject: Subject, at: i64, reason: &str) -> Revocation {
    Revocation {
        subject,
        revoked_at: at,
        reason: reason.into(),
    }
}

#[test]
fn round_trip_is_valid_with_equal_claims() {
    let qr = encode(&claims(), &office_key()).unwrap();
    let v = verify(&qr, &trust(), NOW);
    assert_eq!(v.verdict, Verdict::Valid, "{}", v.detail);
    assert_eq!(v.claims, Some(claims().as_carried()));
    assert_eq!(v.kid, Some(key_id(&office_key().verifying_key())));
    assert_eq!(v.kantor.as_deref(), Some("317201"));
    assert_eq!(v.list_age_secs, Some(NOW - key_set().issued_at));
    assert_eq!(v.verdict.slug(), "valid");
    assert_eq!(v.verdict.label_id(), "Sah");
    // Printable: well under a version-25 QR in alphanumeric mode.
    assert!(qr.len() < 600, "QR text is {} characters", qr.len());
}

#[test]
fn male_holder_round_trips() {
    let mut c = claims();
    c.jenis_kelamin = sidik_suket::JenisKelaminClaim::Laki;
    c.nomor_suket = "SKT-3172012015090900001-2".into();
    let qr = encode(&c, &office_key()).unwrap();
    let v = verify(&qr, &trust(), NOW);
    assert_eq!(v.verdict, Verdict::Valid);
    assert_eq!(v.claims, Some(c.as_carried()));
}

#[test]
fn kid_and_alg_are_in_the_protected_header() {
    let qr = encode(&claims(), &office_key()).unwrap();
    let sign1 = CoseSign1::from_tagged_slice(&cose_bytes(&qr)).unwrap();
    let kid = key_id(&office_key().verifying_key());
    assert_eq!(sign1.protected.header.key_id, kid.to_vec());
    assert_eq!(
        sign1.protected.header.alg,
        Some(coset::Algorithm::Assigned(iana::Algorithm::EdDSA))
    );
    assert!(sign1.unprotected.key_id.is_empty());
}

#[test]
fn expired_after_exp_only() {
    let qr = encode(&claims(), &office_key()).unwrap();
    assert_eq!(verify(&qr, &trust(), EXPIRES).verdict, Verdict::Valid);
    let v = verify(&qr, &trust(), EXPIRES + 1);
    assert_eq!(v.verdict, Verdict::Expired);
    assert_eq!(v.verdict.label_id(), "Kedaluwarsa");
    assert!(v.claims.is_some());
}

#[test]
fn revoked_by_suket_id_in_the_centre_list() {
    let qr = encode(&claims(), &office_key()).unwrap();
    let mut trust = trust();
    let subject = Subject::Suket(claims().nomor_suket);
    trust.add_centre_list(revocations(
        "pusat",
        vec![revoke(subject, NOW - 60, "ganda")],
    ));
    let v = verify(&qr, &trust, NOW);
    assert_eq!(
        v.verdict,
        Verdict::Revoked {
            reason: "ganda".into(),
            at: NOW - 60
        }
    );
    assert_eq!(v.verdict.slug(), "revoked");
    assert_eq!(v.list_age_secs, Some(NOW - key_set().issued_at));
    // Revoked wins over expired.
    assert_eq!(verify(&qr, &trust, EXPIRES + 10).verdict.slug(), "revoked");
}

#[test]
fn revoked_by_suket_id_in_the_issuing_office_list_only() {
    let qr = encode(&claims(), &office_key()).unwrap();
    let subject = Subject::Suket(claims().nomor_suket);
    let list = vec![revoke(subject, NOW - 60, "diserahkan")];
    let mut other = trust();
    other.add_office_list(revocations("317202", list.clone()));
    assert_eq!(verify(&qr, &other, NOW).verdict, Verdict::Valid);
    let mut own = trust();
    own.add_office_list(revocations("317201", list));
    assert_eq!(verify(&qr, &own, NOW).verdict.slug(), "revoked");
}

#[test]
fn revoked_by_registration_issued_before_the_revocation() {
    let qr = encode(&claims(), &office_key()).unwrap();
    let subject = Subject::Registration(claims().nomor_registrasi);
    let mut trust_at = trust();
    let at_iat = revoke(subject.clone(), ISSUED, "ditolak");
    trust_at.add_centre_list(revocations("pusat", vec![at_iat]));
    assert_eq!(verify(&qr, &trust_at, NOW).verdict.slug(), "revoked");
    // A registration revoked before this Suket was issued does not touch it.
    let mut trust_before = trust();
    let before = revoke(subject, ISSUED - 1, "ditolak");
    trust_before.add_centre_list(revocations("pusat", vec![before]));
    assert_eq!(verify(&qr, &trust_before, NOW).verdict, Verdict::Valid);
}

#[test]
fn revoked_by_key_revocation_at_or_before_iat() {
    let qr = encode(&claims(), &office_key()).unwrap();
    let mut keys = key_set();
    keys.keys[0].revoked_at = Some(ISSUED);
    let v = verify(&qr, &TrustStore::new(keys.clone()), NOW);
    assert_eq!(
        v.verdict,
        Verdict::Revoked {
            reason: "kunci_dicabut".into(),
            at: ISSUED
        }
    );
    keys.keys[0].revoked_at = Some(ISSUED + 1);
    assert_eq!(
        verify(&qr, &TrustStore::new(keys), NOW).verdict,
        Verdict::Valid
    );
}

#[test]
fn forged_when_one_byte_of_the_signature_changes() {
    let qr = encode(&claims(), &office_key()).unwrap();
    let forged = tamper(&qr);
    assert_ne!(forged, qr);
    let v = verify(&forged, &trust(), NOW);
    assert_eq!(v.verdict, Verdict::Forged, "{}", v.detail);
    assert_eq!(v.verdict.label_id(), "Palsu (tanda tangan tidak cocok)");
    assert_eq!(v.claims, Some(claims().as_carried()));
    assert!(v.detail.contains("cannot be trusted"), "{}", v.detail);
}

#[test]
fn forged_when_one_byte_of_the_name_changes() {
    let qr = encode(&claims(), &office_key()).unwrap();
    let mut cose = cose_bytes(&qr);
    let at = cose.windows(4).position(|w| w == b"SITI").unwrap();
    cose[at + 3] = b'U';
    let v = verify(&qr_from_cose(&cose), &trust(), NOW);
    assert_eq!(v.verdict, Verdict::Forged);
    assert_eq!(v.claims.unwrap().nama, "SITU AMINAH");
}

#[test]
fn forged_when_an_office_key_issues_for_another_office() {
    let qr = encode(&claims(), &other_office_key()).unwrap();
    let v = verify(&qr, &trust(), NOW);
    assert_eq!(v.verdict, Verdict::Forged);
    assert!(v.detail.contains("317202"), "{}", v.detail);
}

#[test]
fn unknown_key_when_the_kid_is_not_in_the_key_set() {
    let qr = encode(&claims(), &stranger_key()).unwrap();
    let v = verify(&qr, &trust(), NOW);
    assert_eq!(v.verdict, Verdict::UnknownKey);
    assert_eq!(v.verdict.slug(), "unknown_key");
    assert_eq!(v.kid, Some(key_id(&stranger_key().verifying_key())));
    assert_eq!(v.kantor, None);
    assert!(v.claims.is_some());
}

#[test]
fn unknown_key_when_the_protected_header_has_no_kid() {
    let qr = encode(&claims(), &office_key()).unwrap();
    let mut sign1 = CoseSign1::from_tagged_slice(&cose_bytes(&qr)).unwrap();
    sign1.protected.header.key_id.clear();
    sign1.protected.original_data = None;
    // The kid only in the unprotected header is not enough.
    sign1.unprotected.key_id = key_id(&office_key().verifying_key()).to_vec();
    let tbs = sign1.tbs_data(&[]);
    sign1.signature = office_key().sign(&tbs).to_bytes().to_vec();
    let qr = qr_from_cose(&sign1.to_tagged_vec().unwrap());
    let v = verify(&qr, &trust(), NOW);
    assert_eq!(v.verdict, Verdict::UnknownKey, "{}", v.detail);
    assert_eq!(v.kid, None);
}

#[test]
fn malformed_inputs() {
    let qr = encode(&claims(), &office_key()).unwrap();
    let not_zlib = claim169_core::pipeline::base45_encode(&cose_bytes(&qr));
    let not_cose = qr_from_cose(b"\xa1\x01\x02");
    let long = "A".repeat(4097);
    let lower = qr.to_lowercase();
    let cases = [
        "",
        "hello",
        "not base45 at all!",
        lower.as_str(),
        &qr[..qr.len() - 7],
        not_zlib.as_str(),
        not_cose.as_str(),
        long.as_str(),
    ];
    for case in cases {
        let v = verify(case, &trust(), NOW);
        assert_eq!(v.verdict, Verdict::Malformed, "{case:?}: {}", v.detail);
        assert_eq!(v.verdict.label_id(), "Tidak terbaca");
        assert!(v.claims.is_none() && v.list_age_secs.is_none());
    }
}

#[test]
fn malformed_when_the_decompressed_payload_is_too_big() {
    let mut sign1 =
        CoseSign1::from_tagged_slice(&cose_bytes(&encode(&claims(), &office_key()).unwrap()))
            .unwrap();
    sign1.payload = Some(vec![0u8; 70_000]);
    let qr = qr_from_cose(&sign1.to_tagged_vec().unwrap());
    assert!(qr.len() < 4096);
    let v = verify(&qr, &trust(), NOW);
    assert_eq!(v.verdict, Verdict::Malformed);
    assert!(v.detail.contains("65536"), "{}", v.detail);
}

#[test]
fn encode_refuses_inconsistent_claims() {
    let key = office_key();
    let mut c = claims();
    c.nomor_registrasi = "999".into();
    assert!(matches!(
        encode(&c, &key),
        Err(SuketError::InvalidClaim {
            field: "nomor_suket",
            ..
        })
    ));
    let mut c = claims();
    c.nik = "12345".into();
    assert!(matches!(
        encode(&c, &key),
        Err(SuketError::InvalidClaim { field: "nik", .. })
    ));
    let mut c = claims();
    c.berlaku_hingga = c.diterbitkan;
    assert!(encode(&c, &key).is_err());
    let mut c = claims();
    c.kantor = "31:72".into();
    assert!(encode(&c, &key).is_err());
}

#[test]
fn list_age_follows_the_oldest_list_relied_on() {
    let qr = encode(&claims(), &office_key()).unwrap();
    let mut trust = trust();
    let mut old_other = revocations("317202", vec![]);
    old_other.issued_at = ISSUED - 999_999;
    trust.add_office_list(old_other);
    // The other office's list is not relied on for a 317201 Suket.
    assert_eq!(
        verify(&qr, &trust, NOW).list_age_secs,
        Some(NOW - key_set().issued_at)
    );
    assert_eq!(trust.list_issued_at(), Some(ISSUED - 999_999));
    let mut old_own = revocations("317201", vec![]);
    old_own.issued_at = ISSUED - 7_200;
    trust.add_office_list(old_own);
    assert_eq!(
        verify(&qr, &trust, NOW).list_age_secs,
        Some(NOW - ISSUED + 7_200)
    );
}
