//! The ABIS port: what the pipeline needs from a biometric identification system.

/// An application's fingers: (ISO position 1..=10, ISO/IEC 19794-2 record).
pub type Fingers = [(u8, Vec<u8>)];

/// A candidate returned by a 1:N search.
#[derive(Debug, Clone, PartialEq)]
pub struct AbisCandidate {
    pub permohonan: String,
    pub nik: String,
    /// Fused score (calibrated, ≈ 10·log10(1/FMR)).
    pub skor: f32,
    pub jari_cocok: u8,
}

impl From<AbisCandidate> for sidik_domain::permohonan::Kandidat {
    fn from(c: AbisCandidate) -> Self {
        sidik_domain::permohonan::Kandidat {
            permohonan: c.permohonan,
            nik: c.nik,
            skor: c.skor,
            jari_cocok: c.jari_cocok,
        }
    }
}

/// One application's fingers for [`Abis::insert_batch`].
#[derive(Debug, Clone, Copy)]
pub struct AbisEntry<'a> {
    pub permohonan: &'a str,
    pub nik: &'a str,
    pub fingers: &'a Fingers,
}

/// A dedup probe: its own application number (already in the gallery, never its own
/// candidate) and its fingers, for [`Abis::identify_batch`].
pub type AbisProbe<'a> = (&'a str, &'a Fingers);

/// Insert / identify / delete over a gallery of enrolled persons.
pub trait Abis: Send + Sync + 'static {
    /// `false` for the demographic-only stand-in: results must say no biometric search ran.
    fn is_biometric(&self) -> bool;
    /// `true` when the gallery lives outside this process (the pool of ABIS workers,
    /// `sidik-abis-pool`): the centre does not load it at start, and a decider rebuilds
    /// it (from a `clear`) every time it takes the lease, since another process may have
    /// written it meanwhile.
    fn is_shared(&self) -> bool {
        false
    }
    /// Adds (or replaces) the fingers of one application.
    fn insert(&self, permohonan: &str, nik: &str, fingers: &Fingers) -> Result<(), String>;
    /// Candidates above the decision threshold, best first.
    fn identify(&self, fingers: &Fingers) -> Result<Vec<AbisCandidate>, String>;
    fn delete(&self, permohonan: &str) -> Result<(), String>;
    /// Empties the gallery (before it is rebuilt from the database).
    fn clear(&self) -> Result<(), String>;
    /// Adds many applications at once, as [`Abis::insert`] in order (implementations
    /// prepare templates in parallel).
    fn insert_batch(&self, entries: &[AbisEntry<'_>]) -> Result<(), String> {
        for e in entries {
            self.insert(e.permohonan, e.nik, e.fingers)?;
        }
        Ok(())
    }
    /// Searches several probes against the same gallery state; results in probe order
    /// (implementations search them in parallel). Each probe names its own application,
    /// already in the gallery (dedup inserts a batch before searching it), which is never
    /// one of its candidates.
    fn identify_batch(&self, probes: &[AbisProbe<'_>]) -> Vec<Result<Vec<AbisCandidate>, String>> {
        probes
            .iter()
            .map(|(own, p)| {
                self.identify(p)
                    .map(|c| c.into_iter().filter(|c| c.permohonan != *own).collect())
            })
            .collect()
    }
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
    fn insert(&self, _: &str, _: &str, _: &Fingers) -> Result<(), String> {
        Ok(())
    }
    fn identify(&self, _: &Fingers) -> Result<Vec<AbisCandidate>, String> {
        Ok(Vec::new())
    }
    fn delete(&self, _: &str) -> Result<(), String> {
        Ok(())
    }
    fn clear(&self) -> Result<(), String> {
        Ok(())
    }
    fn len(&self) -> usize {
        0
    }
}
