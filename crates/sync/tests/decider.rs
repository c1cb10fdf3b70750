//! The centre's decider on a real SQLite store and the real ABIS: batch semantics,
//! enrollment order and gallery rebuild.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use sidik_abis_gallery::{GalleryAbis, IsoTemplates};
use sidik_domain::biometrik::{Biometrik, PosisiJari};
use sidik_domain::{Hasil, KodeKantor, NomorRegistrasi};
use sidik_packet::{CentreKeys, OfficeKeys, Packet, PacketBody};
use sidik_ports::SystemClock;
use sidik_store::CentreStore;
use sidik_store_sqlite::SqliteStore;
use sidik_sync::centre::{Centre, HoldPolicy, Receipt};

const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 1, 2, 3,
];
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

struct Rig {
    _dir: tempfile::TempDir,
    store: Arc<SqliteStore>,
    centre: Arc<Centre>,
    centre_keys_seed: CentreKeys,
    offices: Vec<(KodeKantor, OfficeKeys, u64)>,
}

impl Rig {
    async fn new() -> Rig {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open_dir(dir.path()).await.unwrap());
        let mut rng = sidik_packet::rand_core::OsRng;
        let keys = CentreKeys::generate(&mut rng);
        let copy = CentreKeys::from_text(&keys.to_text()).unwrap();
        let mut centre = Centre::new(
            store.clone(),
            keys,
            Arc::new(GalleryAbis::default()),
            Arc::new(IsoTemplates),
            Arc::new(SystemClock),
        )
        .await
        .unwrap();
        centre.hold = HoldPolicy::NONE;
        let centre = Arc::new(centre);
        let mut offices = Vec::new();
        for k in ["317201", "317202"] {
            let kode = KodeKantor::parse(k).unwrap();
            let ok = OfficeKeys::generate(&mut rng);
            centre
                .register_office(
                    sidik_sync::centre::Actor::Console,
                    &kode,
                    k,
                    &ok.public_key(),
                )
                .await
                .unwrap();
            offices.push((kode, ok, 0));
        }
        Rig {
            _dir: dir,
            store,
            centre,
            centre_keys_seed: copy,
            offices,
        }
    }

    /// A second centre over the same store and keys (a restart), with `hold`.
    async fn centre_again(&self, hold: HoldPolicy) -> Centre {
        let mut c = Centre::new(
            self.store.clone(),
            CentreKeys::from_text(&self.centre_keys_seed.to_text()).unwrap(),
            Arc::new(GalleryAbis::default()),
            Arc::new(IsoTemplates),
            Arc::new(SystemClock),
        )
        .await
        .unwrap();
        c.hold = hold;
        c
    }

    /// Seals and pushes one enrollment: NIK serial, synthetic person and impression,
    /// enrolled at `direkam`. Returns its registration number.
    async fn push(
        &mut self,
        office: usize,
        serial: u32,
        person: u64,
        impression: u32,
        direkam: Timestamp,
    ) -> String {
        let g = abis::synth::Generator::new(99);
        let jari = (1..=10u8)
            .map(|pos| {
                (
                    PosisiJari::new(pos).unwrap(),
                    g.impression_iso(person, pos, impression),
                )
            })
            .collect();
        let bio = Biometrik::new(
            jari,
            vec![],
            Some(JPEG.to_vec()),
            Some(PNG.to_vec()),
            |_| Ok(()),
        )
        .unwrap();
        let sealing = self.centre_keys_seed.public().sealing;
        let (kode, keys, seq) = &mut self.offices[office];
        *seq += 1;
        let nomor = NomorRegistrasi::mint(kode, *seq, direkam);
        let body = PacketBody::new(
            kode,
            "operator",
            *seq,
            direkam.as_nanosecond() as i64,
            &nomor,
            &sidik_testkit::fixtures::resident(serial as u16),
            &bio,
        );
        let mut rng = sidik_packet::rand_core::OsRng;
        let packet = Packet::seal(&body, keys, &sealing, &mut rng).unwrap();
        let r = self
            .centre
            .receive(packet.packet_id(), &packet.to_bytes())
            .await
            .unwrap();
        assert_eq!(r, Receipt::Accepted);
        nomor.to_string()
    }

    async fn status(&self, nomor: &str) -> &'static str {
        self.store
            .packet_by_nomor(nomor)
            .await
            .unwrap()
            .unwrap()
            .status
            .slug()
    }

    /// Every decision published for `nomor` (both offices' feeds).
    async fn decisions(&self, nomor: &str) -> Vec<sidik_domain::Keputusan> {
        let mut out = Vec::new();
        for (kode, _, _) in &self.offices {
            out.extend(
                self.store
                    .decision_feed(kode.as_str(), 0, 1000)
                    .await
                    .unwrap()
                    .into_iter()
                    .filter(|k| k.nomor.to_string() == nomor),
            );
        }
        out
    }
}

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_person_under_two_niks_in_one_batch_is_ganda_on_both_sides_once() {
    let mut r = Rig::new().await;
    let a = r.push(0, 3, 1, 0, at("2015-09-03T02:00:00Z")).await;
    let b = r.push(1, 4, 1, 1, at("2015-09-04T02:00:00Z")).await;
    let c = r.push(1, 5, 2, 0, at("2015-09-05T02:00:00Z")).await;
    assert_eq!(r.centre.decide_pending(128).await.unwrap(), 3);
    assert_eq!(
        r.centre.decide_pending(128).await.unwrap(),
        0,
        "all decided"
    );
    assert_eq!(r.status(&a).await, "ganda");
    assert_eq!(r.status(&b).await, "ganda");
    assert_eq!(r.status(&c).await, "tunggal");
    for (me, other) in [(&a, &b), (&b, &a)] {
        let d = r.decisions(me).await;
        assert_eq!(d.len(), 1, "one decision for {me}: {d:?}");
        assert_eq!(d[0].hasil, Hasil::Ganda);
        assert!(
            d[0].kandidat.iter().any(|k| k.permohonan == *other),
            "{me} names {other}: {d:?}"
        );
    }
    assert_eq!(r.decisions(&c).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_in_a_later_batch_revises_the_earlier_decision() {
    let mut r = Rig::new().await;
    let a = r.push(0, 3, 7, 0, at("2015-09-03T02:00:00Z")).await;
    r.centre.decide_pending(128).await.unwrap();
    assert_eq!(r.status(&a).await, "tunggal");
    let b = r.push(1, 4, 7, 1, at("2015-09-04T02:00:00Z")).await;
    r.centre.decide_pending(128).await.unwrap();
    assert_eq!(r.status(&b).await, "ganda");
    assert_eq!(r.status(&a).await, "ganda");
    let d = r.decisions(&a).await;
    assert_eq!(d.len(), 2, "{d:?}");
    assert_eq!(d[0].hasil, Hasil::Tunggal);
    assert_eq!(d[1].hasil, Hasil::Ganda);
    assert!(d[1].kandidat.iter().any(|k| k.permohonan == b));
    // Deciding again publishes nothing new.
    assert_eq!(r.centre.decide_pending(128).await.unwrap(), 0);
    assert_eq!(r.decisions(&a).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_nik_keeps_the_earlier_enrollment_whatever_the_arrival_order() {
    let mut r = Rig::new().await;
    // The later enrollment reaches the centre first.
    let later = r.push(1, 3, 11, 0, at("2015-09-20T02:00:00Z")).await;
    let earlier = r.push(0, 3, 12, 0, at("2015-09-03T02:00:00Z")).await;
    r.centre.decide_pending(128).await.unwrap();
    assert_eq!(r.status(&earlier).await, "tunggal");
    assert_eq!(r.status(&later).await, "ditolak");
    let d = r.decisions(&later).await;
    assert_eq!(d.len(), 1);
    assert!(d[0].catatan.contains(&earlier), "{:?}", d[0].catatan);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gallery_rebuild_holds_decided_packets_only() {
    let mut r = Rig::new().await;
    r.push(0, 3, 21, 0, at("2015-09-03T02:00:00Z")).await;
    r.push(0, 3, 22, 0, at("2015-09-04T02:00:00Z")).await; // same NIK: ditolak
    r.push(1, 4, 23, 0, at("2015-09-05T02:00:00Z")).await;
    r.centre.decide_pending(128).await.unwrap();
    r.push(1, 5, 24, 0, at("2015-09-06T02:00:00Z")).await; // undecided
    let again = r.centre_again(HoldPolicy::NONE).await;
    assert_eq!(again.rebuild_gallery().await.unwrap(), 2);
    assert_eq!(again.abis.len(), 2);
    // The undecided packet enters with its batch and is found unique.
    assert_eq!(again.decide_pending(128).await.unwrap(), 1);
    assert_eq!(again.abis.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_packet_waits_for_other_offices_earlier_enrollments() {
    let mut r = Rig::new().await;
    let hold = HoldPolicy {
        gather: std::time::Duration::ZERO,
        live: std::time::Duration::from_secs(60),
        max_hold: std::time::Duration::from_secs(120),
    };
    r.centre = Arc::new(r.centre_again(hold).await);
    // Office B has delivered what it enrolled before 4 September.
    r.centre
        .feed(
            "317202",
            0,
            10,
            Some(at("2015-09-04T00:00:00Z")),
            Duration::ZERO,
        )
        .await
        .unwrap();
    // Office A's enrollment of 10 September arrives: it waits for office B.
    let second = r.push(0, 3, 31, 1, at("2015-09-10T02:00:00Z")).await;
    assert_eq!(r.centre.decide_pending(128).await.unwrap(), 0);
    assert_eq!(r.status(&second).await, "diterima");
    // Office B delivers the same person's enrollment of 5 September and says so.
    let first = r.push(1, 4, 31, 0, at("2015-09-05T02:00:00Z")).await;
    assert_eq!(
        r.centre.decide_pending(128).await.unwrap(),
        0,
        "both wait until office B reports again"
    );
    r.centre
        .feed(
            "317202",
            0,
            10,
            Some(at("2015-09-30T00:00:00Z")),
            Duration::ZERO,
        )
        .await
        .unwrap();
    assert_eq!(r.centre.decide_pending(128).await.unwrap(), 2);
    // The later enrollment was searched against the earlier one: never unique.
    assert_eq!(r.status(&second).await, "ganda");
    assert_eq!(r.status(&first).await, "ganda");
    let d = r.decisions(&second).await;
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].hasil, Hasil::Ganda);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_office_holds_nothing_and_no_packet_waits_forever() {
    let mut r = Rig::new().await;
    let hold = HoldPolicy {
        gather: std::time::Duration::ZERO,
        live: std::time::Duration::from_secs(60),
        max_hold: std::time::Duration::from_millis(300),
    };
    r.centre = Arc::new(r.centre_again(hold).await);
    // Office A never reported: it holds nothing.
    let a = r.push(1, 4, 41, 0, at("2015-09-10T02:00:00Z")).await;
    assert_eq!(r.centre.decide_pending(128).await.unwrap(), 1);
    assert_eq!(r.status(&a).await, "tunggal");
    // Office B reported a stale watermark: a later packet waits at most max_hold.
    r.centre
        .feed(
            "317202",
            0,
            10,
            Some(at("2015-09-01T00:00:00Z")),
            Duration::ZERO,
        )
        .await
        .unwrap();
    let b = r.push(0, 5, 42, 0, at("2015-09-11T02:00:00Z")).await;
    assert_eq!(r.centre.decide_pending(128).await.unwrap(), 0);
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(r.centre.decide_pending(128).await.unwrap(), 1);
    assert_eq!(r.status(&b).await, "tunggal");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_polled_feed_answers_when_a_decision_is_published() {
    let mut r = Rig::new().await;
    let a = r.push(0, 3, 41, 0, at("2015-09-03T02:00:00Z")).await;
    let kode = r.offices[0].0.to_string();
    // Nothing published yet: a long poll with a short wait ends empty, after the wait.
    let t0 = std::time::Instant::now();
    let page = r
        .centre
        .feed(&kode, 0, 10, None, Duration::from_millis(150))
        .await
        .unwrap();
    assert!(page.is_empty());
    assert!(t0.elapsed() >= Duration::from_millis(150));
    // A long poll that is waiting gets the decision as soon as it is published.
    let centre = r.centre.clone();
    let poll = tokio::spawn({
        let kode = kode.clone();
        async move {
            centre
                .feed(&kode, 0, 10, None, Duration::from_secs(20))
                .await
                .unwrap()
        }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!poll.is_finished(), "the poll waits while nothing is new");
    let t1 = std::time::Instant::now();
    assert_eq!(r.centre.decide_pending(128).await.unwrap(), 1);
    let page = tokio::time::timeout(Duration::from_secs(10), poll)
        .await
        .expect("the poll answers after the publication")
        .unwrap();
    assert!(t1.elapsed() < Duration::from_secs(10));
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].nomor.to_string(), a);
    // With something to read, the feed answers at once whatever the wait.
    let t2 = std::time::Instant::now();
    let again = r
        .centre
        .feed(&kode, 0, 10, None, Duration::from_secs(20))
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert!(t2.elapsed() < Duration::from_secs(10));
}

/// Two deciders on one database (two centre processes): exactly one decides, the other
/// stands by; when the deciding one dies, the stand-by takes the lease over once it
/// lapses and decides with a gallery brought up to date with what the dead one decided
/// (a later enrollment of the same person is `ganda` against it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stand_by_decider_takes_over_with_the_gallery_up_to_date() {
    use sidik_sync::centre::LeasePolicy;
    let mut r = Rig::new().await;
    let mut deciders = Vec::new();
    for holder in ["pusat-a", "pusat-b"] {
        let mut c = r.centre_again(HoldPolicy::NONE).await;
        c.lease = LeasePolicy {
            holder: holder.into(),
            ttl: Duration::from_secs(2),
            renew: Duration::from_millis(300),
            predecessor: None,
        };
        // As a node does at start: the gallery from the decided packets (none yet).
        c.rebuild_gallery().await.unwrap();
        let c = Arc::new(c);
        deciders.push((c.clone(), tokio::spawn(c.run_decider())));
    }
    let decided = |c: &Centre| {
        c.counters
            .decided
            .load(std::sync::atomic::Ordering::Relaxed)
    };
    let store = r.store.clone();
    let wait_decided = |nomor: String| {
        let store = store.clone();
        async move {
            let start = std::time::Instant::now();
            loop {
                let p = store.packet_by_nomor(&nomor).await.unwrap().unwrap();
                if p.status.slug() != "diterima" {
                    return p.status.slug();
                }
                assert!(start.elapsed() < Duration::from_secs(300), "never decided");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    // The counters move just after the publishing transaction commits: wait for them.
    let centres: Vec<Arc<Centre>> = deciders.iter().map(|(c, _)| c.clone()).collect();
    let first = r.push(0, 7, 71, 0, at("2015-09-03T02:00:00Z")).await;
    assert_eq!(wait_decided(first.clone()).await, "tunggal");
    // Exactly one of them decided it: the lease holder.
    let counts = decided_at_least(&centres, 1).await;
    assert_eq!(counts.iter().sum::<u64>(), 1, "{counts:?}");
    let holder = counts.iter().position(|&n| n == 1).unwrap();
    let other = 1 - holder;
    // The holder dies (its renewals stop with it).
    deciders[holder].1.abort();
    let _ = (&mut deciders[holder].1).await;
    // The same person again, under another NIK: the stand-by decides it, against a
    // gallery that holds the first enrollment although it never decided that itself.
    let second = r.push(1, 8, 71, 1, at("2015-09-04T02:00:00Z")).await;
    assert_eq!(wait_decided(second.clone()).await, "ganda");
    decided_at_least(&centres, 2).await;
    assert_eq!(decided(&deciders[other].0), 1);
    assert_eq!(decided(&deciders[holder].0), 1);
    let own = r.decisions(&second).await;
    assert_eq!(own.len(), 1, "{own:?}");
    assert_eq!(own[0].kandidat[0].permohonan, first);
    // The first enrollment learns of the later one, once.
    let back = r.decisions(&first).await;
    assert_eq!(
        back.iter().map(|k| k.hasil).collect::<Vec<_>>(),
        [Hasil::Tunggal, Hasil::Ganda]
    );
    deciders[other].1.abort();
}

/// The deciders' counters once they sum to `total` (or after 30 s, for the assertion
/// to report).
async fn decided_at_least(centres: &[Arc<Centre>], total: u64) -> Vec<u64> {
    let start = std::time::Instant::now();
    loop {
        let counts: Vec<u64> = centres
            .iter()
            .map(|c| {
                c.counters
                    .decided
                    .load(std::sync::atomic::Ordering::Relaxed)
            })
            .collect();
        if counts.iter().sum::<u64>() >= total || start.elapsed() > Duration::from_secs(30) {
            return counts;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// An enrollment an officer rejected through another centre process (whose gallery,
/// not this one's, lost it) is no candidate of this process's decider any more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejection_adjudicated_through_another_process_is_no_candidate() {
    let mut r = Rig::new().await;
    let a = r.push(0, 9, 91, 0, at("2015-09-03T02:00:00Z")).await;
    let b = r.push(1, 10, 91, 1, at("2015-09-04T02:00:00Z")).await;
    r.centre.decide_pending(128).await.unwrap();
    assert_eq!((r.status(&a).await, r.status(&b).await), ("ganda", "ganda"));
    let other = r.centre_again(HoldPolicy::NONE).await;
    other
        .adjudicate(
            sidik_sync::centre::Actor::Console,
            &a,
            false,
            "sidik jari orang lain",
        )
        .await
        .unwrap();
    assert_eq!(r.status(&a).await, "ditolak");
    assert_eq!(
        r.centre.abis.len(),
        2,
        "this process's gallery still holds it"
    );
    // The same person a third time: a hit on `b` only, and `a` leaves the gallery.
    let c = r.push(0, 11, 91, 2, at("2015-09-05T02:00:00Z")).await;
    r.centre.decide_pending(128).await.unwrap();
    let d = r.decisions(&c).await;
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].hasil, Hasil::Ganda);
    let cands: Vec<&str> = d[0]
        .kandidat
        .iter()
        .map(|k| k.permohonan.as_str())
        .collect();
    assert_eq!(cands, [b.as_str()]);
    assert_eq!(r.centre.abis.len(), 2);
}

#[test]
fn two_centres_of_one_process_never_share_a_lease_holder() {
    use sidik_sync::centre::LeasePolicy;
    assert_ne!(LeasePolicy::default().holder, LeasePolicy::default().holder);
}

/// A days-in-seconds clock (as `sidik simulate` gives the centre).
struct Fast(std::time::Instant, Timestamp);

impl sidik_ports::Clock for Fast {
    fn now(&self) -> Timestamp {
        let real = self.0.elapsed().as_nanos() as i64;
        self.1 + jiff::SignedDuration::from_nanos(real.saturating_mul(100_000))
    }
}

/// The lease runs on real time: a centre whose clock runs days in seconds still holds
/// it from one renewal to the next and decides.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_decider_decides_under_a_simulated_clock() {
    let mut r = Rig::new().await;
    let mut c = r.centre_again(HoldPolicy::NONE).await;
    c.clock = Arc::new(Fast(std::time::Instant::now(), Timestamp::now()));
    let c = Arc::new(c);
    let task = tokio::spawn(c.clone().run_decider());
    let nomor = r.push(0, 12, 121, 0, at("2015-09-03T02:00:00Z")).await;
    let start = std::time::Instant::now();
    while r.status(&nomor).await == "diterima" {
        assert!(start.elapsed() < Duration::from_secs(120), "never decided");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(r.status(&nomor).await, "tunggal");
    task.abort();
}
