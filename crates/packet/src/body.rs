//! What a packet carries: routing fields and biodata (readable by the centre's router)
//! and biometrics (sealed to the centre).

use std::fmt;

use jiff::civil::Date;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sidik_domain::biometrik::{AlasanPengecualian, Biometrik, BiometrikError, PosisiJari};
use sidik_domain::enums::{
    Agama, GolonganDarah, Hubungan, JenisKelamin, Kewarganegaraan, StatusPerkawinan,
};
use sidik_domain::penduduk::PendudukError;
use sidik_domain::{KodeKantor, Nik, NomorKk, NomorRegistrasi, Penduduk, RtRw};

/// Why a packet body is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    #[error("field {field}: {reason}")]
    Field { field: &'static str, reason: String },
    #[error("biodata: {0}")]
    Penduduk(#[from] PendudukError),
    #[error("biometrics: {0}")]
    Biometrik(#[from] BiometrikError),
}

fn field(field: &'static str, reason: impl fmt::Display) -> BodyError {
    BodyError::Field {
        field,
        reason: reason.to_string(),
    }
}

/// Packet id: office code, `-`, and the per-office sequence zero-padded to 10 digits
/// (`317201-0000000042`), so ids sort by sequence within an office.
pub fn packet_id(office: &KodeKantor, sequence: u64) -> String {
    format!("{}-{:010}", office.as_str(), sequence)
}

/// Serde mirror of the domain [`Penduduk`]: plain strings and numbers, enums as their
/// stable slugs, the birth date as `YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Biodata {
    pub nik: String,
    pub nomor_kk: String,
    pub hubungan: String,
    pub nama: String,
    pub tempat_lahir: String,
    pub tanggal_lahir: String,
    pub jenis_kelamin: String,
    pub golongan_darah: String,
    pub alamat: String,
    pub rt: u16,
    pub rw: u16,
    pub kelurahan: String,
    pub agama: String,
    pub status_perkawinan: String,
    pub pekerjaan: String,
    pub kewarganegaraan: String,
    pub nama_ibu_kandung: String,
}

impl From<&Penduduk> for Biodata {
    fn from(p: &Penduduk) -> Biodata {
        Biodata {
            nik: p.nik.as_str().to_string(),
            nomor_kk: p.nomor_kk.as_str().to_string(),
            hubungan: p.hubungan.slug().to_string(),
            nama: p.nama.clone(),
            tempat_lahir: p.tempat_lahir.clone(),
            tanggal_lahir: p.tanggal_lahir.to_string(),
            jenis_kelamin: p.jenis_kelamin.slug().to_string(),
            golongan_darah: p.golongan_darah.slug().to_string(),
            alamat: p.alamat.clone(),
            rt: p.rt_rw.rt,
            rw: p.rt_rw.rw,
            kelurahan: p.kelurahan.clone(),
            agama: p.agama.slug().to_string(),
            status_perkawinan: p.status_perkawinan.slug().to_string(),
            pekerjaan: p.pekerjaan.clone(),
            kewarganegaraan: p.kewarganegaraan.slug().to_string(),
            nama_ibu_kandung: p.nama_ibu_kandung.clone(),
        }
    }
}

/// Parses a SIAK enum and insists on its canonical slug, so the mirror maps one-to-one.
macro_rules! slug {
    ($ty:ty, $name:literal, $v:expr) => {{
        let v = <$ty>::parse($v).map_err(|e| field($name, e))?;
        if v.slug() != $v {
            return Err(field(
                $name,
                format!("{:?} is not the slug {:?}", $v, v.slug()),
            ));
        }
        v
    }};
}

impl TryFrom<&Biodata> for Penduduk {
    type Error = BodyError;

    /// Field-by-field parsing with the domain's parse functions. Cross-field rules
    /// (birth date and sex against the NIK, kelurahan table, text bounds) are
    /// [`Penduduk::validate`], which [`PacketBody::validate`] runs.
    fn try_from(b: &Biodata) -> Result<Penduduk, BodyError> {
        let nik = Nik::parse(&b.nik).map_err(PendudukError::from)?;
        let nomor_kk = NomorKk::parse(&b.nomor_kk).map_err(PendudukError::from)?;
        if nik.as_str() != b.nik {
            return Err(field("nik", "surrounding whitespace"));
        }
        if nomor_kk.as_str() != b.nomor_kk {
            return Err(field("nomor_kk", "surrounding whitespace"));
        }
        let tanggal_lahir: Date = b
            .tanggal_lahir
            .parse()
            .map_err(|e| field("tanggal_lahir", e))?;
        if tanggal_lahir.to_string() != b.tanggal_lahir {
            return Err(field("tanggal_lahir", "must be written YYYY-MM-DD"));
        }
        Ok(Penduduk {
            nik,
            nomor_kk,
            hubungan: slug!(Hubungan, "hubungan", &b.hubungan),
            nama: b.nama.clone(),
            tempat_lahir: b.tempat_lahir.clone(),
            tanggal_lahir,
            jenis_kelamin: slug!(JenisKelamin, "jenis_kelamin", &b.jenis_kelamin),
            golongan_darah: slug!(GolonganDarah, "golongan_darah", &b.golongan_darah),
            alamat: b.alamat.clone(),
            rt_rw: RtRw::parse(&format!("{}/{}", b.rt, b.rw))?,
            kelurahan: b.kelurahan.clone(),
            agama: slug!(Agama, "agama", &b.agama),
            status_perkawinan: slug!(StatusPerkawinan, "status_perkawinan", &b.status_perkawinan),
            pekerjaan: b.pekerjaan.clone(),
            kewarganegaraan: slug!(Kewarganegaraan, "kewarganegaraan", &b.kewarganegaraan),
            nama_ibu_kandung: b.nama_ibu_kandung.clone(),
        })
    }
}

impl TryFrom<Biodata> for Penduduk {
    type Error = BodyError;
    fn try_from(b: Biodata) -> Result<Penduduk, BodyError> {
        Penduduk::try_from(&b)
    }
}

/// One fingerprint template (ISO/IEC 19794-2 record) at its ISO finger position.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Finger {
    pub position: u8,
    #[serde(with = "serde_bytes")]
    pub template: Vec<u8>,
}

/// A finger that could not be captured, with the reason slug
/// (`amputasi`, `cedera`, `tidak_terbaca`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FingerException {
    pub position: u8,
    pub reason: String,
}

/// The sealed part of a packet: templates, exceptions and images. `Debug` prints sizes
/// only, never biometric bytes.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Biometrics {
    pub fingers: Vec<Finger>,
    pub exceptions: Vec<FingerException>,
    #[serde(with = "serde_bytes")]
    pub face: Vec<u8>,
    #[serde(with = "serde_bytes")]
    pub signature: Vec<u8>,
}

impl fmt::Debug for Finger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Finger({}: {} bytes)",
            self.position,
            self.template.len()
        )
    }
}

impl fmt::Debug for Biometrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Biometrics")
            .field("fingers", &self.fingers)
            .field("exceptions", &self.exceptions)
            .field("face", &format_args!("{} bytes", self.face.len()))
            .field("signature", &format_args!("{} bytes", self.signature.len()))
            .finish()
    }
}

impl From<&Biometrik> for Biometrics {
    fn from(b: &Biometrik) -> Biometrics {
        Biometrics {
            fingers: b
                .jari
                .iter()
                .map(|(p, blob)| Finger {
                    position: p.get(),
                    template: blob.bytes.clone(),
                })
                .collect(),
            exceptions: b
                .pengecualian
                .iter()
                .map(|(p, a)| FingerException {
                    position: p.get(),
                    reason: a.slug().to_string(),
                })
                .collect(),
            face: b.foto.bytes.clone(),
            signature: b.tanda_tangan.bytes.clone(),
        }
    }
}

impl TryFrom<&Biometrics> for Biometrik {
    type Error = BodyError;

    /// Applies the domain's completeness and size rules. Template *content* (ISO
    /// parsing) is not checked here: that is the ABIS codec's job at the centre.
    fn try_from(b: &Biometrics) -> Result<Biometrik, BodyError> {
        let jari = b
            .fingers
            .iter()
            .map(|f| Ok((PosisiJari::new(f.position)?, f.template.clone())))
            .collect::<Result<Vec<_>, BiometrikError>>()?;
        let pengecualian = b
            .exceptions
            .iter()
            .map(|e| {
                Ok((
                    PosisiJari::new(e.position)?,
                    AlasanPengecualian::parse(&e.reason)?,
                ))
            })
            .collect::<Result<Vec<_>, BiometrikError>>()?;
        for e in &b.exceptions {
            if e.reason.trim() != e.reason {
                return Err(field("exceptions", "reason has surrounding whitespace"));
            }
        }
        Ok(Biometrik::new(
            jari,
            pengecualian,
            Some(b.face.clone()),
            Some(b.signature.clone()),
            |_| Ok(()),
        )?)
    }
}

/// The part of a packet the centre's router reads without decrypting anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// `<office>-<sequence, 10 digits>`; see [`packet_id`].
    pub packet_id: String,
    /// Six-digit office code ([`KodeKantor`]).
    pub office: String,
    /// Who enrolled the applicant (`user:<name>`).
    pub operator: String,
    /// Per-office sequence number.
    pub sequence: u64,
    /// When the packet was created, Unix nanoseconds (UTC).
    pub created_at: i64,
    /// Application registration number ([`NomorRegistrasi`], 27 digits).
    pub registration: String,
    pub nik: String,
    pub biodata: Biodata,
}

/// Everything an enrollment packet carries, in the clear (before sealing, or after
/// opening).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PacketBody {
    pub header: Header,
    pub biometrics: Biometrics,
}

/// The domain values a valid body stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidHeader {
    pub office: KodeKantor,
    pub registration: NomorRegistrasi,
    pub created_at: Timestamp,
    pub penduduk: Penduduk,
}

const MAX_OPERATOR_CHARS: usize = 64;

impl Header {
    /// Checks the routing fields against each other and the biodata against the domain
    /// rules. The NIK's century and the future-birth-date rule are resolved against the
    /// packet's own creation date (in WIB), never the clock.
    pub fn validate(&self) -> Result<ValidHeader, BodyError> {
        let office = KodeKantor::parse(&self.office).map_err(|e| field("office", e))?;
        if office.as_str() != self.office {
            return Err(field("office", "surrounding whitespace"));
        }
        let expected = packet_id(&office, self.sequence);
        if self.packet_id != expected {
            return Err(field(
                "packet_id",
                format!(
                    "{:?} does not match office and sequence (expected {expected:?})",
                    self.packet_id
                ),
            ));
        }
        let op = &self.operator;
        if op.is_empty()
            || op.chars().count() > MAX_OPERATOR_CHARS
            || op.chars().any(|c| c.is_control() || c.is_whitespace())
        {
            return Err(field(
                "operator",
                format!("must be 1-{MAX_OPERATOR_CHARS} characters without spaces or control characters"),
            ));
        }
        let created_at = Timestamp::from_nanosecond(i128::from(self.created_at))
            .map_err(|e| field("created_at", e))?;
        let registration =
            NomorRegistrasi::parse(&self.registration).map_err(|e| field("registration", e))?;
        if registration.as_str() != self.registration {
            return Err(field("registration", "surrounding whitespace"));
        }
        if registration.kantor() != office.as_str() {
            return Err(field(
                "registration",
                format!(
                    "registration number {} was minted by office {}, not by {}",
                    registration,
                    registration.kantor(),
                    office
                ),
            ));
        }
        if self.nik != self.biodata.nik {
            return Err(field("nik", "differs from the biodata's NIK"));
        }
        let penduduk = Penduduk::try_from(&self.biodata)?;
        let today = created_at.to_zoned(sidik_domain::tanggal::wib()).date();
        penduduk.validate(today)?;
        Ok(ValidHeader {
            office,
            registration,
            created_at,
            penduduk,
        })
    }
}

impl PacketBody {
    /// Builds the body of one enrollment. `created_at` is Unix nanoseconds.
    pub fn new(
        office: &KodeKantor,
        operator: &str,
        sequence: u64,
        created_at: i64,
        registration: &NomorRegistrasi,
        penduduk: &Penduduk,
        biometrik: &Biometrik,
    ) -> PacketBody {
        PacketBody {
            header: Header {
                packet_id: packet_id(office, sequence),
                office: office.as_str().to_string(),
                operator: operator.to_string(),
                sequence,
                created_at,
                registration: registration.as_str().to_string(),
                nik: penduduk.nik.as_str().to_string(),
                biodata: Biodata::from(penduduk),
            },
            biometrics: Biometrics::from(biometrik),
        }
    }

    /// All checks: the header's ([`Header::validate`]) and the domain's biometric
    /// completeness rules.
    pub fn validate(&self) -> Result<(ValidHeader, Biometrik), BodyError> {
        let h = self.header.validate()?;
        let b = Biometrik::try_from(&self.biometrics)?;
        Ok((h, b))
    }
}
