//! Property tests: no panics on garbage, and no mutation of a valid QR verifies.

mod common;

use common::*;
use proptest::prelude::*;
use sidik_suket::{encode, qr_text_from_image, verify, KeySet, RevocationList, Verdict};

const BASE45: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

fn valid_qr() -> String {
    encode(&claims(), &office_key()).unwrap()
}

fn small_png() -> Vec<u8> {
    let image = image::GrayImage::from_fn(16, 16, |x, y| image::Luma([((x * y) % 256) as u8]));
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn verify_never_panics_on_strings(text in any::<String>()) {
        let v = verify(&text, &trust(), NOW);
        prop_assert_ne!(v.verdict, Verdict::Valid);
    }

    #[test]
    fn verify_never_panics_on_base45_alphabet(text in "[0-9A-Z $%*+./:-]{0,300}") {
        let v = verify(&text, &trust(), NOW);
        prop_assert_ne!(v.verdict, Verdict::Valid);
    }

    #[test]
    fn verify_never_panics_on_zlib_of_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let v = verify(&qr_from_cose(&bytes), &trust(), NOW);
        prop_assert_ne!(v.verdict, Verdict::Valid);
    }

    #[test]
    fn images_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = qr_text_from_image(&bytes);
    }

    #[test]
    fn mangled_pngs_never_panic(edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let mut png = small_png();
        for (at, byte) in edits {
            let i = at.index(png.len());
            png[i] = byte;
        }
        let _ = qr_text_from_image(&png);
    }

    #[test]
    fn trust_lists_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let centre = centre_key().verifying_key();
        prop_assert!(KeySet::open(&bytes, &centre).is_err());
        prop_assert!(RevocationList::open(&bytes, &centre).is_err());
        prop_assert!(trust().add_office_list_signed(&bytes).is_err());
    }

    #[test]
    fn mutated_qr_texts_never_verify(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>()), 1..4)
    ) {
        let original = valid_qr();
        let mut text = original.clone().into_bytes();
        for (at, with) in edits {
            let i = at.index(text.len());
            text[i] = BASE45[with.index(BASE45.len())];
        }
        let text = String::from_utf8(text).unwrap();
        let verdict = verify(&text, &trust(), NOW).verdict;
        if text == original {
            prop_assert_eq!(verdict, Verdict::Valid);
        } else {
            prop_assert_ne!(verdict, Verdict::Valid);
        }
    }

    #[test]
    fn mutated_cose_bytes_never_verify(at in any::<prop::sample::Index>(), xor in 1u8..=255) {
        let mut cose = cose_bytes(&valid_qr());
        let i = at.index(cose.len());
        cose[i] ^= xor;
        let verdict = verify(&qr_from_cose(&cose), &trust(), NOW).verdict;
        prop_assert_ne!(verdict, Verdict::Valid);
    }
}

/// Every byte of the signed COSE, flipped in each bit (and all bits): never Valid.
#[test]
fn every_single_byte_change_of_the_cose_is_caught() {
    let cose = cose_bytes(&valid_qr());
    let trust = trust();
    for i in 0..cose.len() {
        for xor in [0x01u8, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xff] {
            let mut changed = cose.clone();
            changed[i] ^= xor;
            let v = verify(&qr_from_cose(&changed), &trust, NOW);
            assert_ne!(v.verdict, Verdict::Valid, "byte {i} ^ {xor:#04x}");
        }
    }
}
