//! The payloads of the pool's log and answers (CBOR, `ciborium`): what the decider
//! writes and the workers read. Versioned by the field names; a payload that does not
//! decode is an error, never an empty result.

use serde::{Deserialize, Serialize};
use sidik_ports::{AbisCandidate, Fingers};

/// One finger: ISO position and ISO/IEC 19794-2 record.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Finger {
    pub pos: u8,
    #[serde(with = "serde_bytes")]
    pub iso: Vec<u8>,
}

/// An application entering the gallery.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Person {
    pub nomor: String,
    pub nik: String,
    pub fingers: Vec<Finger>,
}

/// A `search` operation: the number of shards that must answer, and the probes (each
/// with its own application number, never its own candidate; empty for none).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Search {
    pub shards: u32,
    pub probes: Vec<(String, Vec<Finger>)>,
}

/// A `clear` operation: the pool's number of shards from now on.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Clear {
    pub shards: u32,
}

/// A candidate as a shard reports it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Candidate {
    pub permohonan: String,
    pub nik: String,
    pub skor: f32,
    pub jari_cocok: u8,
}

/// A shard's answer to a search: its size, and per probe its candidates or why the
/// probe could not be searched.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Answer {
    pub size: u64,
    pub results: Vec<Result<Vec<Candidate>, String>>,
}

pub fn fingers(f: &Fingers) -> Vec<Finger> {
    f.iter()
        .map(|(pos, iso)| Finger {
            pos: *pos,
            iso: iso.clone(),
        })
        .collect()
}

pub fn port_fingers(f: &[Finger]) -> Vec<(u8, Vec<u8>)> {
    f.iter().map(|f| (f.pos, f.iso.clone())).collect()
}

impl From<AbisCandidate> for Candidate {
    fn from(c: AbisCandidate) -> Self {
        Candidate {
            permohonan: c.permohonan,
            nik: c.nik,
            skor: c.skor,
            jari_cocok: c.jari_cocok,
        }
    }
}

impl From<Candidate> for AbisCandidate {
    fn from(c: Candidate) -> Self {
        AbisCandidate {
            permohonan: c.permohonan,
            nik: c.nik,
            skor: c.skor,
            jari_cocok: c.jari_cocok,
        }
    }
}

pub fn encode<T: Serialize>(v: &T) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(v, &mut out).expect("CBOR into a Vec cannot fail");
    out
}

pub fn decode<T: for<'de> Deserialize<'de>>(bytes: &[u8], what: &str) -> Result<T, String> {
    ciborium::from_reader(bytes).map_err(|e| format!("undecodable ABIS {what}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusal() {
        let a = Answer {
            size: 3,
            results: vec![
                Ok(vec![Candidate {
                    permohonan: "P".into(),
                    nik: "N".into(),
                    skor: 51.5,
                    jari_cocok: 3,
                }]),
                Err("finger 1: bad".into()),
            ],
        };
        assert_eq!(decode::<Answer>(&encode(&a), "answer").unwrap(), a);
        let p = vec![Person {
            nomor: "1".into(),
            nik: "2".into(),
            fingers: vec![Finger {
                pos: 1,
                iso: vec![0, 1, 2, 255],
            }],
        }];
        let bytes = encode(&p);
        assert_eq!(decode::<Vec<Person>>(&bytes, "insert").unwrap(), p);
        assert!(decode::<Vec<Person>>(&bytes[..bytes.len() - 2], "insert").is_err());
        assert!(decode::<Answer>(&bytes, "answer").is_err());
    }
}
