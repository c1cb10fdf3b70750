//! Template codec tests: round trips, truncations, the FVC2002 fixtures.
use abis::{
    ansi378, iso19794, parse_any, FingerView, Minutia, MinutiaKind, Template, TemplateError,
};
use proptest::prelude::*;
use std::path::PathBuf;

fn fvc_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/fingerprints/fvc2002")
}

fn fvc_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for db in ["DB1_B", "DB2_B", "DB3_B", "DB4_B"] {
        for e in std::fs::read_dir(fvc_dir().join(db)).expect("fixture folder") {
            out.push(e.unwrap().path());
        }
    }
    out.sort();
    out
}

fn minutia() -> impl Strategy<Value = Minutia> {
    (0u8..3, 0u16..16384, 0u16..16384, any::<u8>(), 0u8..=100).prop_map(
        |(k, x, y, angle, quality)| Minutia {
            kind: MinutiaKind::from_code(k).unwrap(),
            x,
            y,
            angle,
            quality,
        },
    )
}

fn view() -> impl Strategy<Value = FingerView> {
    (
        0u8..=10,
        0u8..16,
        0u8..16,
        0u8..=100,
        prop::collection::vec(minutia(), 0..60),
    )
        .prop_map(
            |(position, view_number, impression, quality, minutiae)| FingerView {
                position,
                view_number,
                impression,
                quality,
                minutiae,
            },
        )
}

fn template() -> impl Strategy<Value = Template> {
    (
        any::<u16>(),
        any::<u16>(),
        any::<u16>(),
        any::<u16>(),
        prop::collection::vec(view(), 0..4),
    )
        .prop_map(|(width, height, x_res, y_res, views)| Template {
            width,
            height,
            x_res,
            y_res,
            views,
        })
}

proptest! {
    #[test]
    fn iso_round_trip(t in template()) {
        let bytes = iso19794::write(&t);
        prop_assert_eq!(iso19794::parse(&bytes).unwrap(), t.clone());
        prop_assert_eq!(parse_any(&bytes).unwrap(), t);
    }

    #[test]
    fn ansi_round_trip(t in template()) {
        // ANSI angles have 2-degree resolution: compare after one lossy pass.
        let once = ansi378::parse(&ansi378::write(&t)).unwrap();
        let twice = ansi378::parse(&ansi378::write(&once)).unwrap();
        prop_assert_eq!(&once, &twice);
        for (a, b) in t.views.iter().zip(&once.views) {
            prop_assert_eq!(a.minutiae.len(), b.minutiae.len());
            for (m, n) in a.minutiae.iter().zip(&b.minutiae) {
                prop_assert_eq!((m.x, m.y, m.kind), (n.x, n.y, n.kind));
                let d = (m.angle.wrapping_sub(n.angle) as i8).abs();
                prop_assert!(d <= 1, "angle {} -> {}", m.angle, n.angle);
            }
        }
    }

    #[test]
    fn every_truncation_rejected(t in template()) {
        let bytes = iso19794::write(&t);
        for n in 0..bytes.len() {
            prop_assert!(iso19794::parse(&bytes[..n]).is_err());
            prop_assert!(parse_any(&bytes[..n]).is_err());
        }
        let bytes = ansi378::write(&t);
        for n in 0..bytes.len() {
            prop_assert!(ansi378::parse(&bytes[..n]).is_err());
        }
    }

    #[test]
    fn garbage_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = iso19794::parse(&bytes);
        let _ = ansi378::parse(&bytes);
        let _ = parse_any(&bytes);
    }

    #[test]
    fn corrupted_header_never_panics(t in template(), pos in 0usize..64, val in any::<u8>()) {
        let mut bytes = iso19794::write(&t);
        if pos < bytes.len() {
            bytes[pos] = val;
        }
        let _ = iso19794::parse(&bytes);
    }
}

#[test]
fn all_fvc_records_parse() {
    let files = fvc_files();
    assert_eq!(files.len(), 320);
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        let t = iso19794::parse(&bytes).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        // The FVC quirk: 300x400 declared whatever the image.
        assert_eq!((t.width, t.height), (300, 400));
        assert_eq!(t.views.len(), 1);
        assert!(t.views[0].minutiae.len() >= 10, "{}", f.display());
        // Write is the exact inverse on these records (no extended data).
        assert_eq!(iso19794::write(&t), bytes, "{}", f.display());
        for n in 0..bytes.len() {
            assert!(iso19794::parse(&bytes[..n]).is_err());
        }
    }
}

#[test]
fn precise_errors() {
    let bytes = std::fs::read(fvc_dir().join("DB1_B/101_1.iso")).unwrap();
    assert!(matches!(
        iso19794::parse(&bytes[..10]),
        Err(TemplateError::Truncated {
            what: "record length",
            ..
        })
    ));
    assert!(matches!(
        iso19794::parse(&bytes[..bytes.len() - 1]),
        Err(TemplateError::LengthMismatch { .. })
    ));
    let mut b = bytes.clone();
    b[0] = b'X';
    assert!(matches!(
        iso19794::parse(&b),
        Err(TemplateError::BadMagic { .. })
    ));
    let mut b = bytes.clone();
    b[24] = 11; // finger position
    assert!(matches!(
        iso19794::parse(&b),
        Err(TemplateError::BadFingerPosition { position: 11, .. })
    ));
    let mut b = bytes.clone();
    b[28] |= 0xc0; // minutia type 3
    assert!(matches!(
        iso19794::parse(&b),
        Err(TemplateError::BadMinutiaType { index: 0, .. })
    ));
    // Declared length larger than the data, with the data padded: the count no longer fits.
    let mut b = bytes.clone();
    b.push(0);
    b[11] += 1;
    assert!(matches!(
        iso19794::parse(&b),
        Err(TemplateError::TrailingData { .. })
    ));
    // A lying minutiae count is caught.
    let mut b = bytes.clone();
    b[27] += 1;
    assert!(iso19794::parse(&b).is_err());
}

#[test]
fn ansi_angles_and_detection() {
    let t = Template {
        width: 500,
        height: 500,
        x_res: 197,
        y_res: 197,
        views: vec![FingerView {
            position: 2,
            view_number: 0,
            impression: 0,
            quality: 80,
            minutiae: vec![Minutia {
                kind: MinutiaKind::Ending,
                x: 100,
                y: 200,
                angle: 64, // 90 degrees
                quality: 50,
            }],
        }],
    };
    let bytes = ansi378::write(&t);
    assert_eq!(bytes[8..10], (bytes.len() as u16).to_be_bytes());
    let back = parse_any(&bytes).unwrap();
    assert_eq!(back, t);
    // 90 degrees is 45 in ANSI units.
    assert_eq!(bytes[26 + 4 + 4], 45);
    let mut bad = bytes.clone();
    bad[26 + 4 + 4] = 180;
    assert!(matches!(
        ansi378::parse(&bad),
        Err(TemplateError::BadAngle { angle: 180, .. })
    ));
}
