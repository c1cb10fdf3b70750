//! Reads of personal data, each one an audit entry (who, whose record, why): a
//! resident's biodata, shown as the officer's role may see it, and an application's
//! face photo or signature.

use super::*;
use sidik_domain::penduduk::BiodataTerlihat;

/// Which image of an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gambar {
    Foto,
    TandaTangan,
}

impl Gambar {
    pub fn slug(self) -> &'static str {
        match self {
            Gambar::Foto => "foto",
            Gambar::TandaTangan => "ttd",
        }
    }
}

impl Issuance {
    /// A resident's record as `user`'s role may see it (the printer sees what goes on
    /// the card), recorded in the audit chain with `tujuan` (why it was read).
    pub async fn resident(
        &self,
        user: &User,
        nik: &Nik,
        tujuan: &str,
    ) -> Result<Option<BiodataTerlihat>> {
        let Some(p) = self.store.resident_get(nik).await? else {
            return Ok(None);
        };
        let view = p.terlihat_oleh(user.peran);
        self.audit_read(
            user,
            "penduduk.baca",
            nik.as_str(),
            format!(
                "{tujuan}; {}",
                if view.keluarga.is_some() {
                    "biodata lengkap"
                } else {
                    "biodata kartu"
                }
            ),
        )
        .await?;
        Ok(Some(view))
    }

    /// An application's face photo or signature (bytes), recorded in the audit chain.
    pub async fn image(&self, user: &User, nomor: &str, jenis: Gambar) -> Result<Option<Vec<u8>>> {
        let Some(r) = self.store.biometrik_ref(nomor).await? else {
            return Ok(None);
        };
        let sha = match jenis {
            Gambar::Foto => r.foto_sha256,
            Gambar::TandaTangan => r.tanda_tangan_sha256,
        };
        let Some(bytes) = self.store.blob_get(&sha).await? else {
            return Ok(None);
        };
        self.audit_read(user, "biometrik.baca", nomor, jenis.slug().to_string())
            .await?;
        Ok(Some(bytes))
    }

    /// What a document about an application shows (a Suket): the resident's card data
    /// and the application's photo, read together and recorded in ONE audit write (two
    /// entries), so printing a document costs one durable write, not two.
    pub async fn document_read(
        &self,
        user: &User,
        nik: &Nik,
        nomor: &str,
        tujuan: &str,
    ) -> Result<Option<(BiodataTerlihat, Option<Vec<u8>>)>> {
        let Some(p) = self.store.resident_get(nik).await? else {
            return Ok(None);
        };
        let view = p.terlihat_oleh(user.peran);
        let foto = match self.store.biometrik_ref(nomor).await? {
            Some(r) => self.store.blob_get(&r.foto_sha256).await?,
            None => None,
        };
        let now = self.clock.now();
        let mut entries = vec![AuditDraft {
            aktor: actor(user),
            aksi: "penduduk.baca".into(),
            subjek: nik.as_str().into(),
            waktu: now,
            detail: format!("{tujuan}; biodata kartu"),
        }];
        if foto.is_some() {
            entries.push(AuditDraft {
                aktor: actor(user),
                aksi: "biometrik.baca".into(),
                subjek: nomor.into(),
                waktu: now,
                detail: format!("{}; {tujuan}", Gambar::Foto.slug()),
            });
        }
        self.store.audit_append(entries).await?;
        Ok(Some((view, foto)))
    }

    async fn audit_read(
        &self,
        user: &User,
        aksi: &str,
        subjek: &str,
        detail: String,
    ) -> Result<()> {
        self.store
            .audit_append(vec![AuditDraft {
                aktor: actor(user),
                aksi: aksi.into(),
                subjek: subjek.into(),
                waktu: self.clock.now(),
                detail,
            }])
            .await?;
        Ok(())
    }
}
