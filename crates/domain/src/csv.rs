//! The resident import/export CSV format (RFC 4180).
//!
//! One resident per record, columns in the order of [`COLUMNS`] / [`HEADER`]. Enum
//! columns accept the SIAK numeric code, the slug or the label (case-insensitive);
//! [`to_row`] writes slugs. Dates are `YYYY-MM-DD`, RT/RW `005/009`, the kelurahan its
//! dotted code (10 undotted digits are accepted too).

use crate::penduduk::{kelurahan_code, text_field, PendudukError};
use crate::{
    Agama, GolonganDarah, Hubungan, JenisKelamin, Kewarganegaraan, Nik, NomorKk, Penduduk, RtRw,
    StatusPerkawinan,
};
use jiff::civil::Date;

/// Column names, in order.
pub const COLUMNS: [&str; 16] = [
    "nik",
    "nomor_kk",
    "hubungan",
    "nama",
    "tempat_lahir",
    "tanggal_lahir",
    "jenis_kelamin",
    "golongan_darah",
    "alamat",
    "rt_rw",
    "kelurahan",
    "agama",
    "status_perkawinan",
    "pekerjaan",
    "kewarganegaraan",
    "nama_ibu_kandung",
];

/// The header line (no line terminator).
pub const HEADER: &str = "nik,nomor_kk,hubungan,nama,tempat_lahir,tanggal_lahir,jenis_kelamin,golongan_darah,alamat,rt_rw,kelurahan,agama,status_perkawinan,pekerjaan,kewarganegaraan,nama_ibu_kandung";

/// Why a CSV line was rejected. Every variant names what is wrong precisely enough to
/// show to the person who prepared the file (callers add the line number).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RowError {
    #[error("expected {expected} columns, found {found}")]
    ColumnCount { expected: usize, found: usize },
    #[error("malformed quoting at character {at}: {problem}")]
    Quoting { at: usize, problem: &'static str },
    #[error("header column {index} is {found:?}, expected {expected:?}")]
    Header {
        index: usize,
        found: String,
        expected: &'static str,
    },
    #[error("column {column}: {problem}")]
    Column {
        column: &'static str,
        problem: String,
    },
    /// The fields parse but disagree with each other (e.g. birth date vs NIK).
    #[error("column {column}: {source}")]
    Invalid {
        column: &'static str,
        #[source]
        source: PendudukError,
    },
}

impl RowError {
    /// The column the problem is in, when it is about one column.
    pub fn column(&self) -> Option<&'static str> {
        match self {
            RowError::Column { column, .. } | RowError::Invalid { column, .. } => Some(column),
            RowError::Header { expected, .. } => Some(expected),
            RowError::ColumnCount { .. } | RowError::Quoting { .. } => None,
        }
    }
}

/// Quotes a field if it contains a comma, a quote or a line break (RFC 4180).
fn push_field(out: &mut String, v: &str) {
    if v.contains([',', '"', '\n', '\r']) {
        out.push('"');
        for c in v.chars() {
            if c == '"' {
                out.push('"');
            }
            out.push(c);
        }
        out.push('"');
    } else {
        out.push_str(v);
    }
}

/// One record, without a line terminator. Enum columns are written as slugs.
pub fn to_row(p: &Penduduk) -> String {
    let fields: [&str; 16] = [
        p.nik.as_str(),
        p.nomor_kk.as_str(),
        p.hubungan.slug(),
        &p.nama,
        &p.tempat_lahir,
        &p.tanggal_lahir.to_string(),
        p.jenis_kelamin.slug(),
        p.golongan_darah.slug(),
        &p.alamat,
        &p.rt_rw.to_string(),
        &p.kelurahan,
        p.agama.slug(),
        p.status_perkawinan.slug(),
        &p.pekerjaan,
        p.kewarganegaraan.slug(),
        &p.nama_ibu_kandung,
    ];
    let mut out = String::with_capacity(200);
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_field(&mut out, f);
    }
    out
}

/// Splits one record into fields (RFC 4180). A trailing `\n` or `\r\n` is ignored;
/// quoted fields may contain commas, doubled quotes and line breaks.
pub fn split_record(line: &str) -> Result<Vec<String>, RowError> {
    let line = line
        .strip_suffix('\n')
        .map_or(line, |l| l.strip_suffix('\r').unwrap_or(l));
    let mut fields = Vec::with_capacity(16);
    let mut chars = line.char_indices().peekable();
    loop {
        let mut f = String::new();
        if let Some(&(start, '"')) = chars.peek() {
            chars.next();
            loop {
                match chars.next() {
                    None => {
                        return Err(RowError::Quoting {
                            at: start + 1,
                            problem: "quoted field is not closed",
                        })
                    }
                    Some((_, '"')) => {
                        if let Some(&(_, '"')) = chars.peek() {
                            chars.next();
                            f.push('"');
                        } else {
                            break;
                        }
                    }
                    Some((_, c)) => f.push(c),
                }
            }
            match chars.next() {
                None => {
                    fields.push(f);
                    return Ok(fields);
                }
                Some((_, ',')) => fields.push(f),
                Some((at, _)) => {
                    return Err(RowError::Quoting {
                        at: at + 1,
                        problem: "closing quote must be followed by a comma or the end of the line",
                    })
                }
            }
        } else {
            loop {
                match chars.next() {
                    None => {
                        fields.push(f);
                        return Ok(fields);
                    }
                    Some((_, ',')) => break,
                    Some((at, '"')) => {
                        return Err(RowError::Quoting {
                            at: at + 1,
                            problem: "a field containing quotes must itself be quoted, with inner quotes doubled",
                        })
                    }
                    Some((_, c)) => f.push(c),
                }
            }
            fields.push(f);
        }
    }
}

/// Checks a header line (a UTF-8 byte-order mark and surrounding spaces are tolerated,
/// names compare case-insensitively).
pub fn check_header(line: &str) -> Result<(), RowError> {
    let line = line.strip_prefix('\u{feff}').unwrap_or(line);
    let f = split_record(line)?;
    if f.len() != COLUMNS.len() {
        return Err(RowError::ColumnCount {
            expected: COLUMNS.len(),
            found: f.len(),
        });
    }
    for (i, (got, want)) in f.iter().zip(COLUMNS).enumerate() {
        if !got.trim().eq_ignore_ascii_case(want) {
            return Err(RowError::Header {
                index: i + 1,
                found: got.clone(),
                expected: want,
            });
        }
    }
    Ok(())
}

fn col(column: &'static str, problem: impl ToString) -> RowError {
    RowError::Column {
        column,
        problem: problem.to_string(),
    }
}

/// Strict `YYYY-MM-DD`.
fn parse_date(column: &'static str, v: &str) -> Result<Date, RowError> {
    let t = v.trim();
    let b = t.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return Err(col(
            column,
            format!("{t:?} is not a date in YYYY-MM-DD form"),
        ));
    }
    let n = |r: std::ops::Range<usize>| t[r].parse::<i16>().expect("digits checked");
    Date::new(n(0..4), n(5..7) as i8, n(8..10) as i8)
        .map_err(|_| col(column, format!("{t:?} is not a real calendar date")))
}

fn text(column: &'static str, v: &str, max: usize) -> Result<String, RowError> {
    text_field(column, v, max).map_err(|e| col(column, e))
}

/// Parses one record into a validated [`Penduduk`]. `today` resolves the NIK's century
/// and rejects birth dates in the future.
pub fn parse_row(line: &str, today: Date) -> Result<Penduduk, RowError> {
    let f = split_record(line)?;
    if f.len() != COLUMNS.len() {
        return Err(RowError::ColumnCount {
            expected: COLUMNS.len(),
            found: f.len(),
        });
    }
    let nik = Nik::parse(&f[0]).map_err(|e| col("nik", e))?;
    let nomor_kk = NomorKk::parse(&f[1]).map_err(|e| col("nomor_kk", e))?;
    let hubungan = Hubungan::parse(&f[2]).map_err(|e| col("hubungan", e))?;
    let nama = text("nama", &f[3], 120)?;
    let tempat_lahir = text("tempat_lahir", &f[4], 60)?;
    let tanggal_lahir = parse_date("tanggal_lahir", &f[5])?;
    if tanggal_lahir > today {
        return Err(col(
            "tanggal_lahir",
            format!("{tanggal_lahir} is in the future (today is {today})"),
        ));
    }
    let jenis_kelamin = JenisKelamin::parse(&f[6]).map_err(|e| col("jenis_kelamin", e))?;
    let golongan_darah = GolonganDarah::parse(&f[7]).map_err(|e| col("golongan_darah", e))?;
    let alamat = text("alamat", &f[8], 200)?;
    let rt_rw = RtRw::parse(&f[9]).map_err(|e| col("rt_rw", e))?;
    let kelurahan = kelurahan_code(&f[10]).map_err(|e| col("kelurahan", e))?;
    let agama = Agama::parse(&f[11]).map_err(|e| col("agama", e))?;
    let status_perkawinan =
        StatusPerkawinan::parse(&f[12]).map_err(|e| col("status_perkawinan", e))?;
    let pekerjaan = text("pekerjaan", &f[13], 80)?;
    let kewarganegaraan = Kewarganegaraan::parse(&f[14]).map_err(|e| col("kewarganegaraan", e))?;
    let nama_ibu_kandung = text("nama_ibu_kandung", &f[15], 120)?;
    let p = Penduduk {
        nik,
        nomor_kk,
        hubungan,
        nama,
        tempat_lahir,
        tanggal_lahir,
        jenis_kelamin,
        golongan_darah,
        alamat,
        rt_rw,
        kelurahan,
        agama,
        status_perkawinan,
        pekerjaan,
        kewarganegaraan,
        nama_ibu_kandung,
    };
    p.validate(today).map_err(|e| RowError::Invalid {
        column: match e {
            PendudukError::BirthDateMismatch { .. } | PendudukError::FutureBirthDate(_) => {
                "tanggal_lahir"
            }
            PendudukError::SexMismatch { .. } => "jenis_kelamin",
            PendudukError::UnknownKelurahan(_) => "kelurahan",
            PendudukError::Nik(_) => "nik",
            PendudukError::Kk(_) => "nomor_kk",
            PendudukError::RtRw(_) => "rt_rw",
            PendudukError::Missing(c) | PendudukError::TooLong(c, _) => c,
            PendudukError::Code(_) => "hubungan",
        },
        source: e,
    })?;
    Ok(p)
}
