//! The decider: national 1:N dedup in enrollment order, a batch at a time, with the
//! uniqueness rules of `sidik_domain::ketunggalan`, published in one transaction per
//! batch; the hold for earlier enrollments still on their way.

use super::lease::Held;
use super::*;

impl Centre {
    /// Loads the national gallery from the decided packets (at start).
    pub async fn rebuild_gallery(&self) -> Result<usize, StoreError> {
        // Counted before the templates are read: a decision published in between makes
        // the mark too low, which only costs a rebuild (see `catch_up_gallery`).
        let mark = self.decision_count().await?;
        let rows = self.store.centre_templates().await?;
        let mut persons: Vec<Enrolled> = Vec::new();
        for r in rows {
            match persons.last_mut() {
                Some((nomor, _, jari)) if *nomor == r.permohonan => {
                    jari.push((r.posisi, r.template))
                }
                _ => persons.push((r.permohonan, r.nik, vec![(r.posisi, r.template)])),
            }
        }
        let n = persons.len();
        let abis = self.abis.clone();
        tokio::task::spawn_blocking(move || {
            for chunk in persons.chunks(4096) {
                abis.insert_batch(&entries(chunk))?;
            }
            Ok::<_, String>(())
        })
        .await
        .map_err(|e| StoreError::Backend(format!("ABIS task: {e}")))?
        .map_err(StoreError::Backend)?;
        self.set_gallery_mark(mark);
        Ok(n)
    }

    /// Decides a batch of waiting packets (in enrollment order), all published in ONE
    /// transaction.
    ///
    /// 1. Demographic rule: one live enrollment per NIK. A packet whose NIK already has
    ///    a decided, not rejected packet, or an earlier packet in this batch, is
    ///    `Ditolak`.
    /// 2. The others enter the national gallery together, then each is searched against
    ///    it (every earlier decision and the whole batch), in parallel.
    /// 3. A hit flags both sides `Ganda`, each with the other as candidate: inside the
    ///    batch the hit is made symmetric; a packet decided earlier gets a further
    ///    `Ganda` decision caused by this one.
    async fn decide_batch(&self, batch: &[PaketTunggu]) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        let decided = self.prepare_batch(batch, &HashMap::new()).await?;
        self.publish_batch(decided, None).await
    }

    /// Steps 1 to 3 of [`Centre::decide_batch`], up to the decisions to publish. The
    /// rules are `sidik_domain::ketunggalan`'s; this reads what they need and runs the
    /// search. `earlier`: NIK → (office, nomor) of a batch decided but not yet published
    /// (the decider publishes one batch while it prepares the next), which the one-NIK
    /// rule must see as if it were.
    async fn prepare_batch(
        &self,
        batch: &[PaketTunggu],
        earlier: &HashMap<String, (String, String)>,
    ) -> Result<Decided, StoreError> {
        let t0 = std::time::Instant::now();
        let members: Vec<Perekaman<'_>> = batch
            .iter()
            .map(|p| Perekaman {
                nomor: p.nomor.as_str(),
                nik: p.nik.as_str(),
                kantor: p.kantor.as_str(),
            })
            .collect();
        // 1. One live enrollment per NIK.
        let before = self.live_enrollments(batch, earlier).await?;
        let second = ketunggalan::satu_perekaman_per_nik(&members, |nik| before.get(nik).cloned());
        let t_demo = t0.elapsed();
        // 2. National 1:N search of the others, inserted together.
        let live: Vec<usize> = (0..batch.len()).filter(|&i| second[i].is_none()).collect();
        let (found, size) = self.search(batch, &live).await?;
        let found = match self.without_rejected(found).await {
            Ok(found) => found,
            Err(e) => {
                for &i in &live {
                    let _ = self.abis.delete(batch[i].nomor.as_str());
                }
                return Err(e);
            }
        };
        let t_abis = t0.elapsed();
        // 3. Hits, symmetric.
        let live_members: Vec<Perekaman<'_>> = live.iter().map(|&i| members[i]).collect();
        let temuan = ketunggalan::temuan_simetris(&live_members, found);
        let items = match self
            .decisions(batch, &second, &live_members, temuan, size)
            .await
        {
            Ok(items) => items,
            Err(e) => {
                // Not decided: the batch leaves the gallery again.
                for &i in &live {
                    let _ = self.abis.delete(batch[i].nomor.as_str());
                }
                return Err(e);
            }
        };
        let t_prep = t0.elapsed();
        tracing::debug!(
            packets = batch.len(),
            demographic_ms = t_demo.as_millis() as u64,
            abis_ms = (t_abis - t_demo).as_millis() as u64,
            prepare_ms = (t_prep - t_abis).as_millis() as u64,
            "decided batch"
        );
        Ok(Decided {
            items,
            packets: batch.len(),
            inserted: live.iter().map(|&i| batch[i].nomor.to_string()).collect(),
            niks: live
                .iter()
                .map(|&i| {
                    let p = &batch[i];
                    (
                        p.nik.to_string(),
                        (p.kantor.to_string(), p.nomor.to_string()),
                    )
                })
                .collect(),
            ids: batch.iter().map(|p| p.packet_id.clone()).collect(),
        })
    }

    /// For each NIK of the batch: its live enrollment decided before the batch (in the
    /// batch being published, or stored as `tunggal`/`ganda`), if any.
    async fn live_enrollments(
        &self,
        batch: &[PaketTunggu],
        earlier: &HashMap<String, (String, String)>,
    ) -> Result<HashMap<String, PerekamanLain>, StoreError> {
        let mut out = HashMap::new();
        let mut seen = HashSet::new();
        for p in batch {
            if !seen.insert(p.nik.as_str()) {
                continue;
            }
            let found = match earlier.get(p.nik.as_str()) {
                Some((kantor, nomor)) => Some((kantor.clone(), nomor.clone())),
                None => self
                    .store
                    .packets_of_nik(&p.nik)
                    .await?
                    .into_iter()
                    .find(|o| o.nomor != p.nomor && o.status.hidup())
                    .map(|o| (o.kantor.to_string(), o.nomor.to_string())),
            };
            if let Some((kantor, nomor)) = found {
                out.insert(p.nik.to_string(), PerekamanLain { kantor, nomor });
            }
        }
        Ok(out)
    }

    /// Inserts the `live` members of the batch into the national gallery together and
    /// searches each against it (in parallel); returns their hits and the gallery size.
    /// On failure the members leave the gallery again.
    async fn search(
        &self,
        batch: &[PaketTunggu],
        live: &[usize],
    ) -> Result<(Vec<Vec<Kandidat>>, usize), StoreError> {
        let owned: Vec<Enrolled> = live
            .iter()
            .map(|&i| {
                (
                    batch[i].nomor.to_string(),
                    batch[i].nik.to_string(),
                    batch[i].jari.clone(),
                )
            })
            .collect();
        let abis = self.abis.clone();
        let (found, size) = tokio::task::spawn_blocking(move || {
            let ti = std::time::Instant::now();
            abis.insert_batch(&entries(&owned))?;
            tracing::debug!(
                insert_ms = ti.elapsed().as_millis() as u64,
                "gallery insert"
            );
            let probes: Vec<AbisProbe<'_>> = owned
                .iter()
                .map(|(nomor, _, j)| (nomor.as_str(), &j[..]))
                .collect();
            let found = abis.identify_batch(&probes);
            let size = abis.len();
            found
                .into_iter()
                .collect::<Result<Vec<_>, String>>()
                .map(|f| (f, size))
                .inspect_err(|_| {
                    for (nomor, _, _) in &owned {
                        let _ = abis.delete(nomor);
                    }
                })
        })
        .await
        .map_err(|e| StoreError::Backend(format!("ABIS task: {e}")))?
        .map_err(StoreError::Backend)?;
        let hits = found
            .into_iter()
            .map(|cands| cands.into_iter().map(Kandidat::from).collect())
            .collect();
        Ok((hits, size))
    }

    /// Leaves out candidates whose enrollment was rejected after it entered this
    /// process's gallery (an officer adjudicated it `ditolak` through another centre
    /// process, whose gallery lost it, not this one's): they leave the gallery too, as a
    /// rebuild would leave them out. One read per distinct candidate (hits are rare).
    async fn without_rejected(
        &self,
        found: Vec<Vec<Kandidat>>,
    ) -> Result<Vec<Vec<Kandidat>>, StoreError> {
        let mut rejected: HashMap<String, bool> = HashMap::new();
        let mut out = Vec::with_capacity(found.len());
        for cands in found {
            let mut keep = Vec::with_capacity(cands.len());
            for c in cands {
                let gone = match rejected.get(&c.permohonan) {
                    Some(&gone) => gone,
                    None => {
                        let gone = matches!(
                            self.store.packet_by_nomor(&c.permohonan).await?,
                            Some(p) if p.status == StatusPaket::Ditolak
                        );
                        if gone {
                            let _ = self.abis.delete(&c.permohonan);
                        }
                        rejected.insert(c.permohonan.clone(), gone);
                        gone
                    }
                };
                if !gone {
                    keep.push(c);
                }
            }
            out.push(keep);
        }
        Ok(out)
    }

    /// The decisions of a batch, per packet in batch order: its own decision, and for a
    /// hit on a packet decided before the batch, a further `ganda` decision for that
    /// one (the symmetric rule's other side).
    async fn decisions(
        &self,
        batch: &[PaketTunggu],
        second: &[Option<PerekamanLain>],
        live_members: &[Perekaman<'_>],
        temuan: ketunggalan::Temuan,
        size: usize,
    ) -> Result<Vec<PublishItem>, StoreError> {
        let now = self.clock.now();
        let decision = |p: &PaketTunggu, hasil, kandidat, catatan: String| KeputusanBaru {
            kantor: p.kantor.clone(),
            nomor: p.nomor.clone(),
            packet_id: p.packet_id.clone(),
            sebab: p.packet_id.clone(),
            hasil,
            kandidat,
            catatan,
            waktu: now,
        };
        let ketunggalan::Temuan {
            mut kandidat,
            balik,
        } = temuan;
        let mut items = Vec::with_capacity(batch.len());
        // The live members are the batch's packets that are not a second enrollment, in
        // batch order: a running count gives each one its index among them.
        let mut next_live = 0;
        for (i, p) in batch.iter().enumerate() {
            let mut decisions = Vec::new();
            let li = second[i].is_none().then(|| {
                next_live += 1;
                next_live - 1
            });
            match (&second[i], li) {
                (Some(lain), _) => decisions.push(decision(
                    p,
                    Hasil::Ditolak,
                    vec![],
                    ketunggalan::alasan_nik_sudah_direkam(p.nik.as_str(), lain),
                )),
                (None, Some(li)) if kandidat[li].is_empty() => decisions.push(decision(
                    p,
                    Hasil::Tunggal,
                    vec![],
                    format!("Verifikasi ketunggalan nasional: tidak ada kecocokan sidik jari di galeri {size} orang"),
                )),
                (None, Some(li)) => {
                    let cands = std::mem::take(&mut kandidat[li]);
                    let catatan = format!(
                        "Verifikasi ketunggalan nasional: {} kandidat dengan sidik jari yang cocok (NIK {})",
                        cands.len(),
                        cands.iter().map(|c| c.nik.as_str()).collect::<Vec<_>>().join(", ")
                    );
                    decisions.push(decision(p, Hasil::Ganda, cands, catatan));
                    // Packets decided before this batch learn of the later enrollment.
                    for (_, c) in balik.iter().filter(|(m, _)| *m == li) {
                        let Some(other) = self.store.packet_by_nomor(&c.permohonan).await? else {
                            continue;
                        };
                        let later = ketunggalan::sebagai_kandidat(&live_members[li], c);
                        decisions.push(KeputusanBaru {
                            kantor: other.kantor.clone(),
                            nomor: other.nomor.clone(),
                            packet_id: other.packet_id.clone(),
                            sebab: p.packet_id.clone(),
                            hasil: Hasil::Ganda,
                            catatan: ketunggalan::catatan_sisi_lain(
                                " nasional",
                                &later,
                                Some(p.kantor.as_str()),
                            ),
                            kandidat: vec![later],
                            waktu: now,
                        });
                    }
                }
                (None, None) => unreachable!("a packet is either rejected or live"),
            }
            let audits = decisions
                .iter()
                .map(|d| AuditDraft {
                    aktor: SISTEM.into(),
                    aksi: format!("keputusan.{}", d.hasil.slug()),
                    subjek: d.nomor.to_string(),
                    waktu: now,
                    detail: format!("sebab {}: {}", d.sebab, d.catatan),
                })
                .collect();
            items.push(PublishItem {
                decided: Some(p.packet_id.clone()),
                decisions,
                audits,
            });
        }
        Ok(items)
    }

    /// Publishes a decided batch in ONE transaction, fenced with the decider's lease
    /// when `held` (the store checks it inside that transaction). If that fails, the
    /// batch leaves the gallery again: it is searched anew on the next attempt (and a
    /// restart rebuilds the gallery from decided packets only); a lease found gone
    /// stops the deciding.
    async fn publish_batch(&self, d: Decided, held: Option<&Held>) -> Result<(), StoreError> {
        let t0 = std::time::Instant::now();
        let fence = held.map(|h| self.fence(h));
        let n = match self
            .store
            .decisions_publish_batch(&d.items, fence.as_ref())
            .await
        {
            Ok(n) => n,
            Err(e) => {
                self.undo(&d);
                if let (Some(h), StoreError::Stale(_)) = (held, &e) {
                    h.lose();
                }
                return Err(e);
            }
        };
        self.gallery_published(n);
        self.published.send_modify(|n| *n += 1);
        self.counters
            .decided
            .fetch_add(d.packets as u64, Ordering::Relaxed);
        tracing::debug!(
            packets = d.packets,
            publish_ms = t0.elapsed().as_millis() as u64,
            "published batch"
        );
        Ok(())
    }

    /// Takes a decided, unpublished batch out of the gallery.
    fn undo(&self, d: &Decided) {
        for nomor in &d.inserted {
            let _ = self.abis.delete(nomor);
        }
    }

    /// Packets enrolled at or after the returned instant wait (see [`HoldPolicy`]);
    /// `None`: nothing waits.
    async fn hold_from(&self) -> Result<Option<Timestamp>, StoreError> {
        if self.hold.max_hold.is_zero() {
            return Ok(None);
        }
        let offices = self.store.offices().await?;
        let marks = self.watermarks.lock().expect("watermarks lock");
        let gathering = self.started.elapsed() < self.hold.gather;
        let mut from: Option<Timestamp> = None;
        for o in offices.iter().filter(|o| o.dicabut.is_none()) {
            let mark = match marks.get(o.kode.as_str()) {
                Some((t, heard)) if heard.elapsed() <= self.hold.live => *t,
                Some(_) => continue,
                None if gathering => Timestamp::MIN,
                None => continue,
            };
            from = Some(from.map_or(mark, |f: Timestamp| f.min(mark)));
        }
        Ok(from)
    }

    /// Decides up to `limit` waiting packets in enrollment order, except those held for
    /// earlier enrollments still on their way (see [`HoldPolicy`]); returns how many.
    pub async fn decide_pending(&self, limit: u32) -> Result<usize, StoreError> {
        let (batch, _) = self.next_batch(limit, &HashSet::new()).await?;
        self.decide_batch(&batch).await?;
        Ok(batch.len())
    }

    /// The next batch to decide (held and `skip`ped packets left out), and whether a
    /// hold was in effect.
    async fn next_batch(
        &self,
        limit: u32,
        skip: &HashSet<String>,
    ) -> Result<(Vec<PaketTunggu>, bool), StoreError> {
        let hold = match self.hold_from().await? {
            Some(from) => {
                let max = jiff::SignedDuration::try_from(self.hold.max_hold).unwrap_or_default();
                Some(Tahan {
                    from,
                    received_by: self.clock.now() - max,
                })
            }
            None => None,
        };
        let batch = self.store.packets_undecided(limit, hold, skip).await?;
        Ok((batch, hold.is_some()))
    }

    /// Decides packets as they arrive, forever, while this process holds the decider's
    /// lease; otherwise stands by and takes the lease over when it lapses (several
    /// centre processes may share one database). After taking it, the gallery is
    /// brought up to date with what others decided meanwhile.
    pub async fn run_decider(self: Arc<Self>) {
        loop {
            let held = self.acquire_lease().await;
            tracing::info!(
                holder = self.lease.holder,
                epoch = held.epoch,
                "decider lease taken: deciding"
            );
            if let Err(e) = self.catch_up_gallery().await {
                tracing::error!("decider: rebuilding the gallery: {e}");
                drop(held);
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            self.decide_while_held(&held).await;
            if self.abis.is_shared() {
                // The next holder (maybe another process) rebuilds the shared gallery
                // from a `clear` of its own; so must this one if it takes the lease again.
                *self.gallery_mark.lock().expect("mark lock") = None;
            }
            tracing::warn!(
                holder = self.lease.holder,
                epoch = held.epoch,
                "decider lease lost: standing by"
            );
        }
    }

    /// Decides packets as they arrive while `held` holds. Pipelined: while one batch's
    /// decisions are being published (a database transaction), the next batch is
    /// prepared (the 1:N search), so the search does not wait for the disk. Batches are
    /// still published in order, and the next batch sees the previous one in the
    /// gallery and in the one-NIK rule; if a publication fails, the batch prepared
    /// meanwhile is undone too and both are decided again. When the lease is lost, the
    /// batch prepared but not published is undone and this returns.
    async fn decide_while_held(&self, held: &Held) {
        let mut pending: Option<Decided> = None;
        // Idle, the decider looks for packets that other centre processes received at
        // least this often (their intake cannot wake it).
        let idle = self.lease.renew.min(Duration::from_secs(5));
        loop {
            if !held.holds() {
                if let Some(d) = pending.take() {
                    self.undo(&d);
                }
                return;
            }
            let none = HashSet::new();
            let skip = pending.as_ref().map_or(&none, |d| &d.ids);
            let (batch, waiting) = match self.next_batch(DECIDE_BATCH, skip).await {
                Ok(x) => x,
                Err(e) => {
                    tracing::error!("decider: {e}");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            if batch.is_empty() {
                if let Some(d) = pending.take() {
                    if let Err(e) = self.publish_batch(d, Some(held)).await {
                        tracing::error!("decider: {e}");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                    continue;
                }
                self.idle(waiting, idle).await;
                continue;
            }
            let earlier = pending.as_ref().map(|d| d.niks.clone()).unwrap_or_default();
            let previous = pending.take();
            let (published, prepared) = tokio::join!(
                async {
                    match previous {
                        Some(d) => self.publish_batch(d, Some(held)).await,
                        None => Ok(()),
                    }
                },
                self.prepare_batch(&batch, &earlier)
            );
            match (published, prepared) {
                (Ok(()), Ok(d)) => pending = Some(d),
                (published, prepared) => {
                    if let Err(e) = &published {
                        tracing::error!("decider: publishing: {e}");
                    }
                    match prepared {
                        // Prepared against a batch that was not published: undone.
                        Ok(d) => self.undo(&d),
                        Err(e) => tracing::error!("decider: {e}"),
                    }
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    /// Waits with nothing to decide. Held (`held_back`): new packets cannot help (see
    /// `marks_moved`); a watermark can, and so can time (the end of the gathering,
    /// `max_hold`).
    async fn idle(&self, held_back: bool, idle: Duration) {
        if held_back {
            tokio::select! {
                _ = self.marks_moved.notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            }
        } else {
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = self.marks_moved.notified() => {}
                _ = tokio::time::sleep(idle) => {}
            }
        }
    }
}

/// A batch decided but not yet published.
struct Decided {
    items: Vec<PublishItem>,
    packets: usize,
    /// Applications the batch put into the gallery (taken out if it is not published).
    inserted: Vec<String>,
    /// NIK → (office, nomor) of the batch's packets that keep their enrollment.
    niks: HashMap<String, (String, String)>,
    /// Packet ids of the batch (not fetched again while it is being published).
    ids: HashSet<String>,
}
