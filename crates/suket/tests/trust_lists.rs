//! Signed key sets and revocation lists.

mod common;

use common::*;
use coset::{CoseSign1, TaggedCborSerializable};
use sidik_suket::{
    key_id, KeySet, Revocation, RevocationList, Subject, TrustError, TrustStore, MAX_LIST_BYTES,
};

fn list(issuer: &str, sequence: u64) -> RevocationList {
    RevocationList {
        issuer: issuer.into(),
        issued_at: NOW - sequence as i64,
        sequence,
        entries: vec![
            Revocation {
                subject: Subject::Suket("SKT-3172012015090900001-1".into()),
                revoked_at: NOW - 100,
                reason: "diserahkan".into(),
            },
            Revocation {
                subject: Subject::Registration("3172012015090900002".into()),
                revoked_at: NOW - 50,
                reason: "ganda".into(),
            },
        ],
    }
}

/// Flips one byte inside the payload of a signed list.
fn tamper_payload(bytes: &[u8]) -> Vec<u8> {
    let mut sign1 = CoseSign1::from_tagged_slice(bytes).unwrap();
    let payload = sign1.payload.as_mut().unwrap();
    let mid = payload.len() / 2;
    payload[mid] ^= 0x20;
    sign1.to_tagged_vec().unwrap()
}

#[test]
fn key_set_round_trip() {
    let mut keys = key_set();
    keys.keys[1].revoked_at = Some(NOW);
    let signed = keys.sign(&centre_key());
    let opened = KeySet::open(&signed, &centre_key().verifying_key()).unwrap();
    assert_eq!(opened, keys);
    let sign1 = CoseSign1::from_tagged_slice(&signed).unwrap();
    assert_eq!(
        sign1.protected.header.key_id,
        key_id(&centre_key().verifying_key()).to_vec()
    );
}

#[test]
fn revocation_list_round_trip() {
    let l = list("pusat", 7);
    let signed = l.sign(&centre_key());
    assert_eq!(
        RevocationList::open(&signed, &centre_key().verifying_key()),
        Ok(l)
    );
}

#[test]
fn tampered_lists_are_refused() {
    let centre = centre_key().verifying_key();
    let keys = key_set().sign(&centre_key());
    assert_eq!(
        KeySet::open(&tamper_payload(&keys), &centre),
        Err(TrustError::BadSignature)
    );
    let revs = list("pusat", 1).sign(&centre_key());
    assert_eq!(
        RevocationList::open(&tamper_payload(&revs), &centre),
        Err(TrustError::BadSignature)
    );
    let mut sig_flipped = revs.clone();
    let last = sig_flipped.len() - 1;
    sig_flipped[last] ^= 1;
    assert_eq!(
        RevocationList::open(&sig_flipped, &centre),
        Err(TrustError::BadSignature)
    );
}

#[test]
fn lists_signed_by_another_key_are_refused() {
    let signed = key_set().sign(&stranger_key());
    assert_eq!(
        KeySet::open(&signed, &centre_key().verifying_key()),
        Err(TrustError::UnknownKey)
    );
}

#[test]
fn one_list_kind_cannot_pass_as_the_other() {
    let revs = list("pusat", 1).sign(&centre_key());
    assert!(matches!(
        KeySet::open(&revs, &centre_key().verifying_key()),
        Err(TrustError::WrongType(_))
    ));
    let keys = key_set().sign(&centre_key());
    assert!(matches!(
        RevocationList::open(&keys, &centre_key().verifying_key()),
        Err(TrustError::WrongType(_))
    ));
}

#[test]
fn a_key_set_with_a_wrong_kid_is_refused() {
    let mut keys = key_set();
    keys.keys[0].kid = [0; 8];
    let signed = keys.sign(&centre_key());
    assert!(matches!(
        KeySet::open(&signed, &centre_key().verifying_key()),
        Err(TrustError::BadPayload(_))
    ));
}

#[test]
fn garbage_and_oversized_inputs_are_refused() {
    let centre = centre_key().verifying_key();
    for garbage in [&b""[..], b"\xd2", b"\xd2\x84", b"hello world", &[0xff; 64]] {
        assert!(KeySet::open(garbage, &centre).is_err());
        assert!(RevocationList::open(garbage, &centre).is_err());
        assert!(trust().add_office_list_signed(garbage).is_err());
    }
    let big = vec![0u8; MAX_LIST_BYTES + 1];
    assert_eq!(
        KeySet::open(&big, &centre),
        Err(TrustError::TooLarge(MAX_LIST_BYTES + 1))
    );
}

#[test]
fn an_office_list_signed_by_the_office_is_accepted() {
    let mut trust = trust();
    let signed = list("317201", 1).sign(&office_key());
    assert_eq!(trust.add_office_list_signed(&signed), Ok(list("317201", 1)));
    let qr = sidik_suket::encode(&claims(), &office_key()).unwrap();
    assert_eq!(
        sidik_suket::verify(&qr, &trust, NOW).verdict.slug(),
        "revoked"
    );
}

#[test]
fn an_office_list_signed_by_another_office_is_refused() {
    let mut trust = trust();
    let signed = list("317201", 1).sign(&other_office_key());
    assert!(matches!(
        trust.add_office_list_signed(&signed),
        Err(TrustError::NotAuthorised(_))
    ));
    let by_stranger = list("317201", 1).sign(&stranger_key());
    assert_eq!(
        trust.add_office_list_signed(&by_stranger),
        Err(TrustError::UnknownKey)
    );
    // Nothing was installed: the Suket stays valid.
    let qr = sidik_suket::encode(&claims(), &office_key()).unwrap();
    assert_eq!(
        sidik_suket::verify(&qr, &trust, NOW).verdict.slug(),
        "valid"
    );
}

#[test]
fn an_office_list_signed_by_a_revoked_key_is_refused() {
    let mut keys = key_set();
    keys.keys[0].revoked_at = Some(NOW - 10);
    let mut trust = TrustStore::new(keys);
    let signed = list("317201", 1).sign(&office_key());
    assert!(matches!(
        trust.add_office_list_signed(&signed),
        Err(TrustError::NotAuthorised(_))
    ));
}

#[test]
fn older_lists_do_not_replace_newer_ones() {
    let mut trust = trust();
    trust.add_centre_list(list("pusat", 5));
    let mut stale = list("pusat", 4);
    stale.entries.clear();
    trust.add_centre_list(stale);
    let qr = sidik_suket::encode(&claims(), &office_key()).unwrap();
    assert_eq!(
        sidik_suket::verify(&qr, &trust, NOW).verdict.slug(),
        "revoked"
    );
    let mut newer = list("pusat", 6);
    newer.entries.clear();
    trust.add_centre_list(newer);
    assert_eq!(
        sidik_suket::verify(&qr, &trust, NOW).verdict.slug(),
        "valid"
    );
}
