//! Deterministic synthetic fingerprints (minutiae level).
//!
//! A [`Generator`] with a seed defines, for every person index and finger position, a
//! *master* finger: an orientation field built from singular points (zero-pole model:
//! half the sum of the arguments to the cores minus half the sum to the deltas, plus a
//! smooth low-frequency term), and 35–70 minutiae placed by dart throwing with a minimum
//! spacing, oriented along the field (either way along the ridge), about 60% endings and
//! 40% bifurcations.
//!
//! An *impression* `k` of a finger applies, deterministically from (seed, person,
//! position, k): a rigid rotation (±25°) and translation (±35 px), a smooth elastic
//! displacement field (up to ~7 px), position and angle jitter, a capture window that
//! crops the finger (partial overlap), dropped minutiae (8–25%), spurious minutiae (0–7)
//! and type swaps (10%). Everything is at ~500 dpi (197 px/cm).
//!
//! [`Regime`]s (module `regime`) give harder, named capture models: Cappelli plastic
//! distortion, rotations to ±45°, partial overlap, a poor extractor, and a hold-out
//! regime that is never tuned on.
//!
//! Everything is a pure function of its inputs: `Generator::new(7).person(42)` is the same
//! person on every machine and run.

use crate::template::{FingerView, Minutia, MinutiaKind, Template};
use std::f64::consts::PI;

mod regime;
pub use regime::{window_overlap, Plastic, Regime};

/// Master canvas size (pixels).
const W: f64 = 360.0;
const H: f64 = 440.0;
/// Capture window size (pixels) of an impression.
const WIN_W: f64 = 300.0;
const WIN_H: f64 = 380.0;

/// Small deterministic PRNG (SplitMix64), enough for synthesis.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    /// Derives a stream from several keys.
    pub fn keyed(keys: &[u64]) -> Self {
        let mut h = 0x243F_6A88_85A3_08D3u64;
        for &k in keys {
            h = mix(h ^ k.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        }
        Rng(h)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }
    /// Uniform in [0, 1).
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f64()
    }
    /// Uniform integer in [lo, hi].
    pub fn int(&mut self, lo: u32, hi: u32) -> u32 {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as u32
    }
    pub fn normal(&mut self) -> f64 {
        let u1 = self.f64().max(1e-12);
        let u2 = self.f64();
        (-2.0 * u1.ln()).sqrt() * (2.0 * PI * u2).cos()
    }
    pub fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A master minutia (continuous coordinates, angle in radians).
#[derive(Clone, Copy, Debug)]
pub struct MasterMinutia {
    pub x: f64,
    pub y: f64,
    pub angle: f64,
    pub bifurcation: bool,
}

/// The ground truth of one finger.
#[derive(Clone, Debug)]
pub struct MasterFinger {
    pub person: u64,
    pub position: u8,
    pub minutiae: Vec<MasterMinutia>,
    seed: u64,
}

/// A synthetic person: ten master fingers (positions 1..=10).
#[derive(Clone, Debug)]
pub struct Person {
    pub index: u64,
    pub fingers: Vec<MasterFinger>,
}

impl Person {
    /// Impression `k` of the finger at `position` (1..=10).
    pub fn impression(&self, position: u8, k: u32) -> FingerView {
        let f = &self.fingers[(position.clamp(1, 10) - 1) as usize];
        f.impression(k)
    }

    /// All ten fingers, impression `k` each, as `(position, view)` pairs ready for
    /// [`crate::Gallery::insert`].
    pub fn enrollment(&self, k: u32) -> Vec<(u8, FingerView)> {
        self.fingers
            .iter()
            .map(|f| (f.position, f.impression(k)))
            .collect()
    }

    /// Impression `k` of all ten fingers as one ISO 19794-2 record (ten views).
    pub fn enrollment_iso(&self, k: u32) -> Vec<u8> {
        let views = self.enrollment(k).into_iter().map(|(_, v)| v).collect();
        crate::iso19794::write(&window_template(views))
    }
}

fn window_template(views: Vec<FingerView>) -> Template {
    Template {
        width: WIN_W as u16,
        height: WIN_H as u16,
        x_res: 197,
        y_res: 197,
        views,
    }
}

/// Deterministic generator of synthetic persons and impressions.
#[derive(Clone, Copy, Debug)]
pub struct Generator {
    seed: u64,
}

impl Generator {
    pub fn new(seed: u64) -> Self {
        Generator { seed }
    }

    /// Person `i` (ten fingers).
    pub fn person(&self, i: u64) -> Person {
        Person {
            index: i,
            fingers: (1..=10).map(|p| self.finger(i, p)).collect(),
        }
    }

    /// The master finger of person `i` at `position` (any u8; 1..=10 for real positions).
    pub fn finger(&self, person: u64, position: u8) -> MasterFinger {
        let mut r = Rng::keyed(&[self.seed, person, position as u64, 1]);
        let field = Field::random(&mut r);
        let n_target = r.int(35, 70) as usize;
        let min_d = r.range(17.0, 22.0);
        let mut ms: Vec<MasterMinutia> = Vec::with_capacity(n_target);
        let mut tries = 0;
        while ms.len() < n_target && tries < n_target * 60 {
            tries += 1;
            let x = r.range(0.0, W);
            let y = r.range(0.0, H);
            // Elliptic finger pad.
            let ex = (x - W / 2.0) / (W / 2.0);
            let ey = (y - H / 2.0) / (H / 2.0);
            if ex * ex + ey * ey > 1.0 {
                continue;
            }
            if ms
                .iter()
                .any(|m| (m.x - x).powi(2) + (m.y - y).powi(2) < min_d * min_d)
            {
                continue;
            }
            let o = field.orientation(x, y);
            let angle = if r.chance(0.5) { o } else { o + PI };
            ms.push(MasterMinutia {
                x,
                y,
                angle: angle.rem_euclid(2.0 * PI),
                bifurcation: r.chance(0.4),
            });
        }
        MasterFinger {
            person,
            position,
            minutiae: ms,
            seed: self.seed,
        }
    }

    /// Impression `k` of finger `position` of person `person` as a finger view.
    pub fn impression(&self, person: u64, position: u8, k: u32) -> FingerView {
        self.finger(person, position).impression(k)
    }

    /// Impression as a one-view template.
    pub fn impression_template(&self, person: u64, position: u8, k: u32) -> Template {
        window_template(vec![self.impression(person, position, k)])
    }

    /// Impression as ISO/IEC 19794-2:2005 bytes.
    pub fn impression_iso(&self, person: u64, position: u8, k: u32) -> Vec<u8> {
        crate::iso19794::write(&self.impression_template(person, position, k))
    }
}

impl MasterFinger {
    /// Impression `k`: a distorted, cropped, noisy view of the master.
    pub fn impression(&self, k: u32) -> FingerView {
        let mut r = Rng::keyed(&[self.seed, self.person, self.position as u64, 2, k as u64]);
        let rot = r.range(-25.0, 25.0).to_radians();
        let (sn, cs) = rot.sin_cos();
        let tx = r.range(-35.0, 35.0);
        let ty = r.range(-35.0, 35.0);
        // Capture window centre on the master (partial overlap).
        let wx = W / 2.0 + r.range(-45.0, 45.0);
        let wy = H / 2.0 + r.range(-50.0, 50.0);
        // Elastic distortion: two smooth sinusoidal displacement modes.
        let mut modes = [(0.0f64, 0.0f64, 0.0f64, 0.0f64, 0.0f64); 2];
        for m in modes.iter_mut() {
            let dir = r.range(0.0, 2.0 * PI);
            let wl = r.range(250.0, 500.0);
            *m = (
                dir.cos() * 2.0 * PI / wl,
                dir.sin() * 2.0 * PI / wl,
                r.range(0.0, 2.0 * PI),
                r.range(-5.0, 5.0),
                r.range(-5.0, 5.0),
            );
        }
        let p_drop = r.range(0.08, 0.25);
        let jitter = r.range(1.5, 3.0);
        let ajitter = r.range(3.0, 6.0).to_radians();
        let mut out = Vec::with_capacity(self.minutiae.len() + 8);
        for m in &self.minutiae {
            if r.chance(p_drop) {
                continue;
            }
            let (mut x, mut y) = (m.x, m.y);
            for &(kx, ky, ph, ax, ay) in &modes {
                let s = (kx * m.x + ky * m.y + ph).sin();
                x += ax * s;
                y += ay * s;
            }
            // Window-relative, then rotate about the window centre and translate.
            let dx = x - wx;
            let dy = y - wy;
            // Rotation counter-clockwise on screen (y down).
            let rx = dx * cs + dy * sn;
            let ry = -dx * sn + dy * cs;
            let fx = rx + WIN_W / 2.0 + tx + jitter * r.normal();
            let fy = ry + WIN_H / 2.0 + ty + jitter * r.normal();
            if fx < 8.0 || fy < 8.0 || fx > WIN_W - 8.0 || fy > WIN_H - 8.0 {
                continue;
            }
            let a = m.angle + rot + ajitter * r.normal();
            let mut bif = m.bifurcation;
            if r.chance(0.1) {
                bif = !bif;
            }
            out.push(mk(fx, fy, a, bif));
        }
        let spurious = r.int(0, 7);
        for _ in 0..spurious {
            let x = r.range(10.0, WIN_W - 10.0);
            let y = r.range(10.0, WIN_H - 10.0);
            out.push(mk(x, y, r.range(0.0, 2.0 * PI), r.chance(0.4)));
        }
        // Extractors report minutiae in scan order, not in master order.
        out.sort_by_key(|m| (m.y, m.x));
        FingerView {
            position: if self.position <= 10 {
                self.position
            } else {
                0
            },
            view_number: 0,
            impression: 0,
            quality: 60,
            minutiae: out,
        }
    }
}

fn mk(x: f64, y: f64, a: f64, bif: bool) -> Minutia {
    let units = (a.rem_euclid(2.0 * PI) * 128.0 / PI).round() as i64;
    Minutia {
        kind: if bif {
            MinutiaKind::Bifurcation
        } else {
            MinutiaKind::Ending
        },
        x: x.round().clamp(0.0, 16383.0) as u16,
        y: y.round().clamp(0.0, 16383.0) as u16,
        angle: (units & 255) as u8,
        quality: 60,
    }
}

/// Orientation field: zero-pole model plus a smooth perturbation.
struct Field {
    cores: Vec<(f64, f64)>,
    deltas: Vec<(f64, f64)>,
    base: f64,
    wave: (f64, f64, f64, f64),
}

impl Field {
    fn random(r: &mut Rng) -> Field {
        let cx = W / 2.0 + r.range(-40.0, 40.0);
        let cy = H * 0.42 + r.range(-40.0, 40.0);
        let kind = r.int(0, 9);
        let (cores, deltas) = match kind {
            // Arch: no singular points.
            0 => (vec![], vec![]),
            // Whorl: two cores, two deltas.
            1..=3 => (
                vec![(cx - 12.0, cy - 10.0), (cx + 12.0, cy + 10.0)],
                vec![(cx - 130.0, cy + 150.0), (cx + 130.0, cy + 150.0)],
            ),
            // Loops (left / right).
            _ => {
                let side = if r.chance(0.5) { 1.0 } else { -1.0 };
                (
                    vec![(cx, cy)],
                    vec![(cx + side * r.range(90.0, 140.0), cy + r.range(120.0, 170.0))],
                )
            }
        };
        Field {
            cores,
            deltas,
            base: r.range(-0.3, 0.3),
            wave: (
                r.range(0.005, 0.012),
                r.range(0.005, 0.012),
                r.range(0.0, 2.0 * PI),
                r.range(0.05, 0.25),
            ),
        }
    }

    /// Ridge orientation (mod π) at a point, counter-clockwise, y down.
    fn orientation(&self, x: f64, y: f64) -> f64 {
        let mut o = self.base;
        if self.cores.is_empty() {
            // Arch: ridges flow across, curving up in the middle.
            o += 0.6 * ((x - W / 2.0) / W * PI).sin() * (1.0 - y / H);
        }
        for &(px, py) in &self.cores {
            o += 0.5 * (-(y - py)).atan2(x - px);
        }
        for &(px, py) in &self.deltas {
            o -= 0.5 * (-(y - py)).atan2(x - px);
        }
        let (kx, ky, ph, amp) = self.wave;
        o + amp * (kx * x + ky * y + ph).sin()
    }
}
