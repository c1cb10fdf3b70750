//! The citizen's side, officer acts: the contact captured at enrollment (checked here,
//! stored with the application) and regional notices (pengumuman).

use super::*;
use sidik_domain::kabar::periksa_kontak;
use sidik_domain::pengumuman::{self, Asal, Cakupan, PengumumanBaru};
use sidik_store::KontakBaru;

/// The contact an officer records at enrollment, as typed.
#[derive(Debug, Clone, Default)]
pub struct KontakInput {
    pub telepon: String,
    pub email: String,
    /// Messages to the phone by WhatsApp instead of SMS.
    pub whatsapp: bool,
    /// The applicant agreed to be contacted.
    pub setuju: bool,
}

/// A notice as an officer submits it.
#[derive(Debug, Clone, Default)]
pub struct PengumumanInput {
    /// Dotted kota, kecamatan or kelurahan code.
    pub wilayah: String,
    pub rw: Option<u16>,
    pub rt: Option<u16>,
    pub judul: String,
    pub isi: String,
}

impl Issuance {
    /// Checks the contact of an enrollment and mints its unsubscribe token; `None`
    /// when no contact was given.
    pub(crate) fn kontak_baru(
        &self,
        input: &KontakInput,
        penduduk: &Penduduk,
    ) -> Result<Option<KontakBaru>> {
        let Some(kontak) =
            periksa_kontak(&input.telepon, &input.email, input.whatsapp, input.setuju)
                .map_err(|m| IssuanceError::invalid("invalid_contact", m))?
        else {
            return Ok(None);
        };
        let mut token = [0u8; 16];
        self.entropy
            .fill(&mut token)
            .map_err(IssuanceError::Internal)?;
        Ok(Some(KontakBaru {
            kontak,
            kelurahan: penduduk.kelurahan.clone(),
            rt_rw: penduduk.rt_rw,
            token: hex::encode(token),
            setuju: self.clock.now(),
        }))
    }

    /// Publishes an officer's notice for an area of this office's kota, with a message
    /// to every subscribed applicant there (one transaction, audited).
    pub async fn pengumuman_terbit(&self, user: &User, input: PengumumanInput) -> Result<i64> {
        require(
            user,
            matches!(
                user.peran,
                Peran::Operator | Peran::Verifikator | Peran::Admin
            ),
            "publish notices (pengumuman)",
        )?;
        let cakupan = Cakupan::baru(&input.wilayah, input.rw, input.rt)
            .map_err(|m| IssuanceError::invalid("invalid_area", m))?;
        let kota = self.kota();
        if !(cakupan.wilayah == kota || cakupan.wilayah.starts_with(&format!("{kota}."))) {
            return Err(IssuanceError::invalid(
                "invalid_area",
                format!(
                    "Wilayah {} bukan wilayah kantor ini (kota {kota}).",
                    cakupan.wilayah
                ),
            ));
        }
        let (judul, isi) = pengumuman::periksa(&input.judul, &input.isi)
            .map_err(|m| IssuanceError::invalid("invalid_notice", m))?;
        let now = self.clock.now();
        let p = PengumumanBaru {
            cakupan,
            judul,
            isi,
            asal: Asal::Petugas,
            oleh: actor(user),
            terbit: now,
        };
        let audit = AuditDraft {
            aktor: actor(user),
            aksi: "pengumuman.terbit".into(),
            subjek: String::new(),
            waktu: now,
            detail: format!(
                "wilayah={} rw={:?} rt={:?} judul={}",
                p.cakupan.wilayah, p.cakupan.rw, p.cakupan.rt, p.judul
            ),
        };
        Ok(self.store.pengumuman_terbit(&p, audit).await?)
    }

    /// The dotted kota code of this office (`31.72` for office `317201`).
    pub fn kota(&self) -> String {
        let k = self.kantor.as_str();
        format!("{}.{}", &k[0..2], &k[2..4])
    }
}
