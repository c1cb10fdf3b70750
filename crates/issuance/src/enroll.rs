//! Perekaman: an officer records an applicant (biodata checked against the registry,
//! biometrics validated); on an office node the sealed packet for the centre is written
//! in the same transaction.

use super::*;

/// What an operator submits for perekaman.
#[derive(Debug, Clone, Default)]
pub struct EnrollInput {
    pub nik: String,
    /// Current address kelurahan (dotted or 10 digits); must match the registry.
    pub kelurahan: String,
    /// Optional: if given, must match the registry's name (case-insensitive).
    pub nama: Option<String>,
    pub jari: Vec<(u8, Vec<u8>)>,
    /// (position, reason slug)
    pub pengecualian: Vec<(u8, String)>,
    pub foto: Option<Vec<u8>>,
    pub tanda_tangan: Option<Vec<u8>>,
    pub idempotency_key: Option<String>,
    /// Declared urgent need / disability, for the print queue.
    pub prioritas: crate::PrioritasInput,
    /// The applicant's phone and/or email for notifications (optional, with consent).
    pub kontak: crate::KontakInput,
}

/// Longest `Idempotency-Key` accepted.
pub const MAX_IDEMPOTENCY_KEY: usize = 128;

impl Issuance {
    /// A CSPRNG seeded from the injected entropy source, for one sealing.
    fn sealing_rng(&self) -> std::result::Result<rand_chacha::ChaCha20Rng, String> {
        use rand_core::SeedableRng;
        let mut seed = [0u8; 32];
        self.entropy.fill(&mut seed)?;
        Ok(rand_chacha::ChaCha20Rng::from_seed(seed))
    }

    /// The applicant's registry record, which the form's NIK, kelurahan and name must
    /// match.
    async fn registry_match(&self, input: &EnrollInput) -> Result<(Nik, String, Penduduk)> {
        let nik = Nik::parse(&input.nik)
            .map_err(|e| IssuanceError::invalid("invalid_nik", e.to_string()))?;
        let kelurahan = kelurahan_code(&input.kelurahan)?;
        let penduduk = self.store.resident_get(&nik).await?.ok_or_else(|| {
            IssuanceError::invalid(
                "nik_not_registered",
                format!("NIK {nik} is not in the population registry"),
            )
        })?;
        if penduduk.kelurahan != kelurahan {
            return Err(IssuanceError::invalid(
                "biodata_mismatch",
                format!(
                    "kelurahan {kelurahan} does not match the registry ({}) for NIK {nik}; update the family card (KK) first",
                    penduduk.kelurahan
                ),
            ));
        }
        if let Some(nama) = input
            .nama
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            if !nama.eq_ignore_ascii_case(&penduduk.nama) {
                return Err(IssuanceError::invalid(
                    "biodata_mismatch",
                    format!("name {nama:?} does not match the registry for NIK {nik}"),
                ));
            }
        }
        Ok((nik, kelurahan, penduduk))
    }

    /// Perekaman: validates everything, then records the application atomically.
    pub async fn enroll(&self, user: &User, input: EnrollInput) -> Result<Created> {
        require(
            user,
            matches!(user.peran, Peran::Operator | Peran::Admin),
            "record enrollments (perekaman)",
        )?;
        if input
            .idempotency_key
            .as_ref()
            .is_some_and(|k| k.len() > MAX_IDEMPOTENCY_KEY || k.chars().any(char::is_control))
        {
            return Err(IssuanceError::invalid(
                "invalid_idempotency_key",
                format!("Idempotency-Key: at most {MAX_IDEMPOTENCY_KEY} printable characters"),
            ));
        }
        let (nik, kelurahan, penduduk) = self.registry_match(&input).await?;
        let today = self.today();
        if !penduduk.wajib_ktp(today) {
            return Err(IssuanceError::invalid(
                "under_age",
                format!(
                    "applicant is {} years old and has never married; an e-KTP is issued from 17 or on marriage",
                    penduduk.umur(today)
                ),
            ));
        }
        let mut jari = Vec::with_capacity(input.jari.len());
        for (p, bytes) in input.jari {
            jari.push((PosisiJari::new(p)?, bytes));
        }
        let mut pengecualian = Vec::new();
        for (p, alasan) in &input.pengecualian {
            pengecualian.push((PosisiJari::new(*p)?, AlasanPengecualian::parse(alasan)?));
        }
        let templates = self.templates.clone();
        let bio = Biometrik::new(jari, pengecualian, input.foto, input.tanda_tangan, |b| {
            templates.validate(b)
        })?;
        let prioritas = self.prioritas_cetak(&input.prioritas, penduduk.tanggal_lahir)?;
        let kontak = self.kontak_baru(&input.kontak, &penduduk)?;
        let now = self.clock.now();
        let new = NewPermohonan {
            prioritas: Some(prioritas),
            kontak,
            nik: nik.clone(),
            kantor: self.kantor.clone(),
            kelurahan,
            nama: penduduk.nama.clone(),
            aktor: actor(user),
            waktu: now,
            // Scoped to the officer: another account's key is another request.
            idempotency_key: input
                .idempotency_key
                .map(|k| k.trim().to_string())
                .filter(|k| !k.is_empty())
                .map(|k| format!("{}:{k}", user.username)),
        };
        let audit = AuditDraft {
            aktor: actor(user),
            aksi: "permohonan.rekam".into(),
            subjek: String::new(),
            waktu: now,
            detail: format!(
                "nik={nik} jari={} pengecualian={}",
                bio.jari.len(),
                bio.pengecualian.len()
            ),
        };
        let created = match &self.finality {
            Finality::Local => self.store.application_create(&new, &bio, audit).await,
            Finality::Centre(uplink) => {
                let operator = user.username.to_string();
                let seal = |nomor: &NomorRegistrasi, seq: u64| {
                    let body = PacketBody::new(
                        &self.kantor,
                        &operator,
                        seq,
                        now.as_nanosecond() as i64,
                        nomor,
                        &penduduk,
                        &bio,
                    );
                    let mut rng = self.sealing_rng()?;
                    let packet = Packet::seal(&body, &uplink.keys, &uplink.centre, &mut rng)
                        .map_err(|e| format!("cannot seal the enrollment packet: {e}"))?;
                    Ok(PaketKeluar {
                        packet_id: packet.packet_id().to_string(),
                        sha256: packet.hash_hex(),
                        bytes: packet.to_bytes(),
                    })
                };
                let r = uplink
                    .sync
                    .application_create_sealed(&new, &bio, audit, &seal)
                    .await;
                if matches!(r, Ok(Created::New(_))) {
                    (uplink.wake)();
                }
                r
            }
        }
        .map_err(|e| match e {
            StoreError::Conflict(m) => IssuanceError::Conflict {
                code: "open_application_exists",
                message: m,
            },
            other => other.into(),
        })?;
        if let Created::New(p) = &created {
            let fingers: Vec<(u8, Vec<u8>)> = bio
                .jari
                .iter()
                .map(|(pos, b)| (pos.get(), b.bytes.clone()))
                .collect();
            // The insert is CPU work under the gallery's write lock: it runs on the
            // blocking pool, so the async workers keep serving (and committing) the
            // other requests meanwhile.
            let (abis, nomor, nik) = (self.abis.clone(), p.nomor.to_string(), nik.to_string());
            let r = tokio::task::spawn_blocking(move || abis.insert(&nomor, &nik, &fingers))
                .await
                .unwrap_or_else(|e| Err(format!("ABIS insert task: {e}")));
            if let Err(e) = r {
                // The application is stored; the gallery is rebuilt from storage at the
                // next start, so this is logged, not fatal.
                tracing::warn!(nomor = %p.nomor, "ABIS insert failed: {e}");
            }
        }
        Ok(created)
    }
}
