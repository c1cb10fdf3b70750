//! The ABIS port: what the pipeline needs from a biometric identification system.

/// A candidate returned by a 1:N search.
#[derive(Debug, Clone, PartialEq)]
pub struct AbisCandidate {
    pub permohonan: String,
    pub nik: String,
    /// Fused score (calibrated, ≈ 10·log10(1/FMR)).
    pub skor: f32,
    pub jari_cocok: u8,
}

/// Insert / identify / delete over a gallery of enrolled persons.
pub trait Abis: Send + Sync + 'static {
    /// `false` for the demographic-only stand-in: results must say no biometric search ran.
    fn is_biometric(&self) -> bool;
    /// Adds (or replaces) the fingers of one application.
    fn insert(&self, permohonan: &str, nik: &str, fingers: &[(u8, Vec<u8>)]) -> Result<(), String>;
    /// Candidates above the decision threshold, best first.
    fn identify(&self, fingers: &[(u8, Vec<u8>)]) -> Result<Vec<AbisCandidate>, String>;
    fn delete(&self, permohonan: &str) -> Result<(), String>;
    /// Number of persons in the gallery.
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// No biometric matcher: the uniqueness step runs demographic checks only and says so.
/// Never presents any byte comparison as biometric matching.
pub struct DemographicOnly;

impl Abis for DemographicOnly {
    fn is_biometric(&self) -> bool {
        false
    }
    fn insert(&self, _: &str, _: &str, _: &[(u8, Vec<u8>)]) -> Result<(), String> {
        Ok(())
    }
    fn identify(&self, _: &[(u8, Vec<u8>)]) -> Result<Vec<AbisCandidate>, String> {
        Ok(Vec::new())
    }
    fn delete(&self, _: &str) -> Result<(), String> {
        Ok(())
    }
    fn len(&self) -> usize {
        0
    }
}
