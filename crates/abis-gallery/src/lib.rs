//! The adapter between the pipeline's ABIS port (`sidik-ports`) and Sidik's own
//! fingerprint matcher (`sidik-abis`): [`GalleryAbis`] (the indexed 1:N gallery over
//! applications) and [`IsoTemplates`] (template validation with the matcher's codec).

use sidik_ports::{Abis, AbisCandidate, AbisEntry, AbisProbe, Fingers, TemplateFormat};

/// ISO/IEC 19794-2 finger minutiae records, validated with the ABIS codec.
pub struct IsoTemplates;

impl TemplateFormat for IsoTemplates {
    fn validate(&self, bytes: &[u8]) -> Result<(), String> {
        let t = abis::iso19794::parse(bytes).map_err(|e| e.to_string())?;
        if t.views.is_empty() {
            return Err("record holds no finger view".into());
        }
        Ok(())
    }
}

/// The real ABIS: Sidik's own fingerprint matcher and indexed 1:N gallery
/// (`sidik-abis`). Persons in the gallery are applications; hits are reported with
/// the NIK they were enrolled under.
pub struct GalleryAbis {
    inner: std::sync::RwLock<GalleryInner>,
    threshold: f32,
    /// Finger positions used to search (all enrolled fingers are stored and searchable).
    probe: Vec<u8>,
    /// Hough shortlist per probe finger (kept to build an empty gallery again).
    shortlist: usize,
}

struct GalleryInner {
    gallery: abis::gallery::Gallery,
    nik_of: std::collections::HashMap<String, String>,
}

/// Default Hough shortlist per probe finger for multi-finger dedup.
pub const DEDUP_SHORTLIST: usize = 16;
/// Candidates reported per search.
const MAX_CANDIDATES: usize = 5;
/// Default dedup probe: both thumbs and both index fingers (ISO positions 1, 2, 6, 7).
pub const DEDUP_PROBE_FINGERS: &[u8] = &[1, 2, 6, 7];

impl Default for GalleryAbis {
    fn default() -> Self {
        Self::new(abis::DEFAULT_IDENTIFY_THRESHOLD)
    }
}

impl GalleryAbis {
    /// `threshold`: fused score from which a candidate is a duplicate suspect.
    pub fn new(threshold: f32) -> Self {
        Self::with_shortlist(threshold, DEDUP_SHORTLIST)
    }

    /// `shortlist`: Hough shortlist per probe finger. Dedup probes carry several fingers
    /// whose evidence is fused, so the gallery searches with the fast profile (narrow
    /// index query, persons chosen by their evidence over all probe fingers before any
    /// full match): a fraction of the cost of the single-finger default at a measured
    /// person-level miss rate (see BENCHMARKS.md).
    pub fn with_shortlist(threshold: f32, shortlist: usize) -> Self {
        GalleryAbis {
            inner: std::sync::RwLock::new(GalleryInner {
                gallery: empty_gallery(shortlist),
                nik_of: Default::default(),
            }),
            threshold,
            probe: DEDUP_PROBE_FINGERS.to_vec(),
            shortlist,
        }
    }

    /// Searches with the fingers at these positions only (when the probe has them; a
    /// probe with none of them is searched with all its fingers).
    pub fn with_probe_fingers(mut self, positions: &[u8]) -> Self {
        self.probe = positions.to_vec();
        self
    }
}

impl GalleryAbis {
    /// The probe's fingers at the configured positions (all of them if it has none).
    fn probe_views(&self, fingers: &Fingers) -> Result<Vec<(u8, abis::FingerView)>, String> {
        let chosen: Vec<(u8, Vec<u8>)> = fingers
            .iter()
            .filter(|(p, _)| self.probe.contains(p))
            .cloned()
            .collect();
        views(if chosen.is_empty() { fingers } else { &chosen })
    }

    fn candidates(
        &self,
        g: &GalleryInner,
        v: &[(u8, abis::FingerView)],
        own: Option<&str>,
    ) -> Vec<AbisCandidate> {
        match own {
            Some(own) => g.gallery.identify_excluding(v, MAX_CANDIDATES, own),
            None => g.gallery.identify(v, MAX_CANDIDATES),
        }
        .into_iter()
        .filter(|c| c.fused_score >= self.threshold)
        .map(|c| AbisCandidate {
            nik: g.nik_of.get(&c.person).cloned().unwrap_or_default(),
            skor: c.fused_score,
            jari_cocok: c
                .fingers
                .iter()
                .filter(|f| f.score >= abis::DEFAULT_THRESHOLD)
                .count() as u8,
            permohonan: c.person,
        })
        .collect()
    }
}

/// An empty gallery searching with the multi-finger dedup profile.
fn empty_gallery(shortlist: usize) -> abis::gallery::Gallery {
    let mut gallery = abis::gallery::Gallery::new();
    gallery.set_shortlist(shortlist);
    gallery.set_stage1_divisor(0);
    gallery.set_profile(abis::SearchProfile::FAST);
    gallery
}

fn views(fingers: &Fingers) -> Result<Vec<(u8, abis::FingerView)>, String> {
    let mut out = Vec::with_capacity(fingers.len());
    for (pos, bytes) in fingers {
        let t = abis::iso19794::parse(bytes).map_err(|e| format!("finger {pos}: {e}"))?;
        for mut v in t.views {
            // The capture slot decides the position, whatever the record claims.
            v.position = *pos;
            out.push((*pos, v));
        }
    }
    Ok(out)
}

impl Abis for GalleryAbis {
    fn is_biometric(&self) -> bool {
        true
    }

    fn insert(&self, permohonan: &str, nik: &str, fingers: &Fingers) -> Result<(), String> {
        let v = views(fingers)?;
        // Parsing and the index cells need no lock: readers keep searching meanwhile.
        let prepared = abis::gallery::PreparedInsert::new(&v);
        let mut g = self
            .inner
            .write()
            .map_err(|_| "ABIS lock poisoned".to_string())?;
        g.gallery.delete(permohonan);
        g.gallery.insert_prepared(permohonan, &v, prepared);
        g.nik_of.insert(permohonan.to_string(), nik.to_string());
        Ok(())
    }

    fn identify(&self, fingers: &Fingers) -> Result<Vec<AbisCandidate>, String> {
        let v = self.probe_views(fingers)?;
        let g = self
            .inner
            .read()
            .map_err(|_| "ABIS lock poisoned".to_string())?;
        Ok(self.candidates(&g, &v, None))
    }

    fn insert_batch(&self, entries: &[AbisEntry<'_>]) -> Result<(), String> {
        use rayon::prelude::*;
        let persons: Vec<(String, Vec<(u8, abis::FingerView)>)> = entries
            .par_iter()
            .map(|e| Ok((e.permohonan.to_string(), views(e.fingers)?)))
            .collect::<Result<_, String>>()?;
        let mut g = self
            .inner
            .write()
            .map_err(|_| "ABIS lock poisoned".to_string())?;
        for e in entries {
            g.gallery.delete(e.permohonan);
            g.nik_of.insert(e.permohonan.to_string(), e.nik.to_string());
        }
        g.gallery.insert_batch(&persons);
        Ok(())
    }

    fn identify_batch(&self, probes: &[AbisProbe<'_>]) -> Vec<Result<Vec<AbisCandidate>, String>> {
        use rayon::prelude::*;
        let Ok(g) = self.inner.read() else {
            return probes
                .iter()
                .map(|_| Err("ABIS lock poisoned".to_string()))
                .collect();
        };
        probes
            .par_iter()
            .map(|(own, p)| Ok(self.candidates(&g, &self.probe_views(p)?, Some(own))))
            .collect()
    }

    fn delete(&self, permohonan: &str) -> Result<(), String> {
        let mut g = self
            .inner
            .write()
            .map_err(|_| "ABIS lock poisoned".to_string())?;
        g.gallery.delete(permohonan);
        g.nik_of.remove(permohonan);
        Ok(())
    }

    fn clear(&self) -> Result<(), String> {
        let mut g = self
            .inner
            .write()
            .map_err(|_| "ABIS lock poisoned".to_string())?;
        g.gallery = empty_gallery(self.shortlist);
        g.nik_of.clear();
        Ok(())
    }

    fn len(&self) -> usize {
        self.inner.read().map(|g| g.gallery.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fingers(g: &abis::synth::Generator, person: u64, impression: u32) -> Vec<(u8, Vec<u8>)> {
        (1..=10u8)
            .map(|pos| (pos, g.impression_iso(person, pos, impression)))
            .collect()
    }

    #[test]
    fn clear_empties_the_gallery_which_stays_usable() {
        let g = abis::synth::Generator::new(7);
        let a = GalleryAbis::default();
        a.insert("A", "nik-a", &fingers(&g, 1, 0)).unwrap();
        assert_eq!(a.identify(&fingers(&g, 1, 1)).unwrap()[0].permohonan, "A");
        a.clear().unwrap();
        assert_eq!(a.len(), 0);
        assert!(a.identify(&fingers(&g, 1, 1)).unwrap().is_empty());
        a.insert("B", "nik-b", &fingers(&g, 1, 0)).unwrap();
        let c = a.identify(&fingers(&g, 1, 1)).unwrap();
        assert_eq!(
            (c[0].permohonan.as_str(), c[0].nik.as_str()),
            ("B", "nik-b")
        );
        assert_eq!(a.len(), 1);
    }
}
