//! `KabarStore`: contacts, the notification outbox written with its cause, the
//! delivery log, unsubscribing, and regional notices.

use super::*;
use sidik_domain::kabar::{Jenis, Kontak};
use sidik_domain::pengumuman::{Asal, Cakupan, PengumumanBaru};

fn kontak(p: &Penduduk, token: &str) -> KontakBaru {
    KontakBaru {
        kontak: Kontak {
            telepon: Some("+6281234567890".into()),
            whatsapp: true,
            email: Some("warga@contoh.id".into()),
        },
        kelurahan: p.kelurahan.clone(),
        rt_rw: p.rt_rw,
        token: token.into(),
        setuju: t(1),
    }
}

fn kirim(a: &Permohonan, sec: i64) -> Transisi {
    let mut b = a.clone();
    b.terapkan(Aksi::Kirim, "user:contract".into(), t(sec), None)
        .unwrap();
    Transisi {
        nomor: a.nomor.to_string(),
        from: a.status,
        entries: b.riwayat[a.riwayat.len()..].to_vec(),
        hasil: None,
        audits: vec![audit("permohonan.kirim", a.nomor.as_str(), sec)],
        suket: None,
    }
}

fn notice(wilayah: &str, rw: Option<u16>, sec: i64) -> PengumumanBaru {
    PengumumanBaru {
        cakupan: Cakupan::baru(wilayah, rw, None).unwrap(),
        judul: format!("Pengumuman {wilayah} {rw:?}"),
        isi: "Pelayanan perekaman hari Sabtu.".into(),
        asal: Asal::Petugas,
        oleh: "user:contract".into(),
        terbit: t(sec),
    }
}

async fn create(s: &dyn Store, p: &Penduduk, kontak: Option<KontakBaru>, sec: i64) -> Permohonan {
    let mut new = new_app(p, None, sec);
    new.kontak = kontak;
    match s
        .application_create(&new, &bio(sec as u8), audit("permohonan.rekam", "?", sec))
        .await
        .unwrap()
    {
        Created::New(a) => a,
        Created::Replayed(_) => panic!("new application"),
    }
}

pub async fn notifications_and_notices(s: &dyn Store) {
    let (p, q) = (resident(900), resident(901));
    s.residents_upsert(&[p.clone(), q.clone()], audit("penduduk.import", "t", 1))
        .await
        .unwrap();
    let a = create(s, &p, Some(kontak(&p, "tok-a")), 2).await;
    let b = create(s, &q, None, 3).await;
    let far = t(1_000_000);
    let start = s.kabar_due(far, 100).await.unwrap().len();

    // A failed transaction (the second change is stale) queues nothing.
    let mut stale = kirim(&b, 10);
    stale.from = Status::Dikirim;
    assert!(s
        .applications_transition(&[kirim(&a, 10), stale])
        .await
        .is_err());
    assert_eq!(s.kabar_due(far, 100).await.unwrap().len(), start);

    // The change queues one message per channel of the contact; none without one.
    s.applications_transition(&[kirim(&a, 10), kirim(&b, 10)])
        .await
        .unwrap();
    let due: Vec<_> = s
        .kabar_due(far, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|k| k.nomor == a.nomor.as_str())
        .collect();
    assert_eq!(due.len(), 2, "{due:?}");
    assert!(due
        .iter()
        .all(|k| k.jenis == Jenis::Dikirim && k.token == "tok-a"));
    let email = due.iter().find(|k| k.kanal == Kanal::Email).unwrap();
    let wa = due.iter().find(|k| k.kanal == Kanal::WhatsApp).unwrap();
    assert_eq!(email.tujuan, "warga@contoh.id");
    assert_eq!(wa.tujuan, "+6281234567890");
    assert!(s.kabar_of(b.nomor.as_str()).await.unwrap().is_empty());
    // Not due before it was queued.
    assert!(s
        .kabar_due(t(9), 100)
        .await
        .unwrap()
        .iter()
        .all(|k| k.nomor != a.nomor.as_str()));

    // Sent: never due again, logged once; a late second outcome changes nothing.
    let sent = HasilKirim::Terkirim { via: "smtp".into() };
    s.kabar_hasil(email.id, 0, &sent, t(20)).await.unwrap();
    s.kabar_hasil(email.id, 0, &sent, t(21)).await.unwrap();
    // Failed: due again at its next attempt, then given up.
    let retry = HasilKirim::Gagal {
        galat: "gateway 503".into(),
        berikut: Some(t(100)),
    };
    s.kabar_hasil(wa.id, 1, &retry, t(20)).await.unwrap();
    let due_ids = |v: Vec<KabarKeluar>| v.into_iter().map(|k| k.id).collect::<Vec<_>>();
    assert!(!due_ids(s.kabar_due(t(99), 100).await.unwrap()).contains(&wa.id));
    let again = s.kabar_due(t(100), 100).await.unwrap();
    let w = again.iter().find(|k| k.id == wa.id).unwrap();
    assert_eq!(w.percobaan, 1);
    let give_up = HasilKirim::Gagal {
        galat: "gateway 400".into(),
        berikut: None,
    };
    s.kabar_hasil(wa.id, 2, &give_up, t(101)).await.unwrap();
    assert!(!due_ids(s.kabar_due(far, 100).await.unwrap()).contains(&wa.id));
    let log = s.kabar_of(a.nomor.as_str()).await.unwrap();
    let by_id = |id| log.iter().find(|r| r.pesan.id == id).unwrap();
    assert_eq!(by_id(email.id).status, StatusKabar::Terkirim);
    assert_eq!(by_id(email.id).log.len(), 1);
    assert_eq!(by_id(email.id).log[0].hasil, "terkirim via smtp");
    assert_eq!(by_id(wa.id).status, StatusKabar::Gagal);
    assert_eq!(by_id(wa.id).log.len(), 2);

    notices_and_unsubscribing(s, &p, &a).await;
}

/// Notices fan out to the area's subscribed open applications (with the audit);
/// unsubscribing cancels what waits.
async fn notices_and_unsubscribing(s: &dyn Store, p: &Penduduk, a: &Permohonan) {
    let far = t(1_000_000);
    let before = verify_chain(s).await;
    let rw = p.rt_rw.rw;
    let id = s
        .pengumuman_terbit(
            &notice(&p.kelurahan, Some(rw), 30),
            audit("pengumuman.terbit", "", 30),
        )
        .await
        .unwrap();
    let other = s
        .pengumuman_terbit(
            &notice(&p.kelurahan, Some(rw + 1), 31),
            audit("pengumuman.terbit", "", 31),
        )
        .await
        .unwrap();
    let kota = s
        .pengumuman_terbit(
            &notice("31.72", None, 32),
            audit("pengumuman.terbit", "", 32),
        )
        .await
        .unwrap();
    assert_eq!(verify_chain(s).await, before + 3);
    let rows: Vec<_> = s
        .kabar_due(far, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|k| k.nomor == a.nomor.as_str() && k.jenis == Jenis::Pengumuman)
        .collect();
    let mut refs: Vec<_> = rows.iter().map(|k| k.rujukan.unwrap()).collect();
    refs.sort();
    refs.dedup();
    assert_eq!(refs, vec![id, kota], "not the other RW's notice");
    assert_eq!(rows.len(), 4, "two channels each");
    let mine: Vec<_> = s
        .pengumuman_untuk(&p.kelurahan, Some(p.rt_rw), 10)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.id)
        .collect();
    assert!(mine.contains(&id) && mine.contains(&kota) && !mine.contains(&other));
    assert!(mine.iter().position(|x| *x == kota) < mine.iter().position(|x| *x == id));
    let area: Vec<_> = s
        .pengumuman_area(&p.kelurahan, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.id)
        .collect();
    assert!(area.contains(&id) && area.contains(&other) && area.contains(&kota));
    assert!(!s
        .pengumuman_area("31.73", 10)
        .await
        .unwrap()
        .iter()
        .any(|n| n.id == kota));
    assert_eq!(s.pengumuman_otomatis_terakhir("31.72").await.unwrap(), None);
    let got = s.pengumuman_get(id).await.unwrap().unwrap();
    assert_eq!((got.cakupan.rw, got.asal), (Some(rw), Asal::Petugas));
    assert_eq!(s.pengumuman_get(-1).await.unwrap(), None);
    let mut auto = notice("31.72", None, 40);
    auto.asal = Asal::Gangguan;
    let g = s
        .pengumuman_terbit(&auto, audit("pengumuman.terbit", "", 40))
        .await
        .unwrap();
    assert_eq!(
        s.pengumuman_otomatis_terakhir("31.72")
            .await
            .unwrap()
            .map(|n| n.id),
        Some(g)
    );

    // Unsubscribing cancels what waits and queues nothing more.
    assert!(!s.kontak_berhenti("no-such-token", t(50)).await.unwrap());
    assert!(s.kontak_berhenti("tok-a", t(50)).await.unwrap());
    assert!(s.kontak_berhenti("tok-a", t(51)).await.unwrap());
    assert_eq!(
        s.kontak_by_token("tok-a").await.unwrap().unwrap().berhenti,
        Some(t(50))
    );
    assert!(s
        .kabar_due(far, 1000)
        .await
        .unwrap()
        .iter()
        .all(|k| k.nomor != a.nomor.as_str()));
    s.pengumuman_terbit(
        &notice("31.72", None, 60),
        audit("pengumuman.terbit", "", 60),
    )
    .await
    .unwrap();
    assert!(s
        .kabar_due(far, 1000)
        .await
        .unwrap()
        .iter()
        .all(|k| k.nomor != a.nomor.as_str()));
    assert!(s
        .kabar_of(a.nomor.as_str())
        .await
        .unwrap()
        .iter()
        .any(|r| r.status == StatusKabar::Batal));
}
