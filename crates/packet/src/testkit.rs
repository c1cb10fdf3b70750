//! Fixtures shared by the tests.

use std::cell::Cell;

use jiff::Timestamp;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use sidik_domain::biometrik::{AlasanPengecualian, Biometrik, PosisiJari};
use sidik_domain::{KodeKantor, NomorRegistrasi, Penduduk};

use crate::{CentreKeys, Certificate, KeyRing, OfficeKeys, Packet, PacketBody};

pub const KANTOR_A: &str = "317201";
pub const KANTOR_B: &str = "317202";
pub const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F'];
pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

pub fn kantor(k: &str) -> KodeKantor {
    KodeKantor::parse(k).unwrap()
}

pub fn created_at() -> Timestamp {
    "2015-09-09T07:00:00Z".parse().unwrap()
}

pub fn nanos(t: Timestamp) -> i64 {
    i64::try_from(t.as_nanosecond()).unwrap()
}

/// The test kit's resident 3, named as when the wire format was pinned
/// (`wire_format_is_pinned` seals exactly these bytes).
pub fn penduduk() -> Penduduk {
    let mut p = sidik_testkit::fixtures::resident(3);
    p.nama = "Siti Rahmawati".into();
    p
}

pub fn biometrik() -> Biometrik {
    let p = |n| PosisiJari::new(n).unwrap();
    let face: Vec<u8> = JPEG
        .iter()
        .copied()
        .chain((0..200u8).map(|i| i ^ 0x5a))
        .collect();
    let ttd: Vec<u8> = PNG
        .iter()
        .copied()
        .chain((0..60u8).map(|i| i ^ 0xa5))
        .collect();
    Biometrik::new(
        vec![
            (p(2), (0..40u8).collect()),
            (p(7), (0..40u8).rev().collect()),
            (p(1), vec![0xAB; 24]),
        ],
        vec![(p(3), AlasanPengecualian::Cedera)],
        Some(face),
        Some(ttd),
        |_| Ok(()),
    )
    .unwrap()
}

pub fn body_for(office: &str, seq: u64) -> PacketBody {
    let k = kantor(office);
    let t = created_at();
    PacketBody::new(
        &k,
        "user:operator1",
        seq,
        nanos(t),
        &NomorRegistrasi::mint(&k, seq, t),
        &penduduk(),
        &biometrik(),
    )
}

pub fn body(seq: u64) -> PacketBody {
    body_for(KANTOR_A, seq)
}

/// A centre, two certified offices (A = 317201, B = 317202) and a seeded RNG source.
pub struct World {
    pub centre: CentreKeys,
    pub office_a: OfficeKeys,
    pub office_b: OfficeKeys,
    pub ring: KeyRing,
    seed: u64,
    draws: Cell<u64>,
}

impl World {
    pub fn new(seed: u64) -> World {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let centre = CentreKeys::generate(&mut rng);
        let office_a = OfficeKeys::generate(&mut rng);
        let office_b = OfficeKeys::generate(&mut rng);
        let mut ring = KeyRing::new(centre.certifying.verifying_key());
        let t = nanos(created_at());
        for (k, o) in [(KANTOR_A, &office_a), (KANTOR_B, &office_b)] {
            ring.add(Certificate::issue(
                &centre.certifying,
                &kantor(k),
                &o.public_key(),
                t,
            ))
            .unwrap();
        }
        World {
            centre,
            office_a,
            office_b,
            ring,
            seed,
            draws: Cell::new(0),
        }
    }

    /// A fresh deterministic RNG (a new stream on every call).
    pub fn rng(&self) -> ChaCha20Rng {
        let n = self.draws.get() + 1;
        self.draws.set(n);
        let mut r = ChaCha20Rng::seed_from_u64(self.seed);
        r.set_stream(n);
        r
    }

    /// Seals a body with office A's key.
    pub fn seal(&self, body: &PacketBody) -> Packet {
        Packet::seal(
            body,
            &self.office_a,
            &self.centre.sealing.public_key(),
            &mut self.rng(),
        )
        .unwrap()
    }
}
