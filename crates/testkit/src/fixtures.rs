//! Fixtures: residents of the population registry, synthetic fingerprints, images and
//! officers.

use jiff::civil::date;
use sidik_domain::*;

/// A valid adult resident with serial `n` (born 1985, married), living in Pluit
/// (31.72.01.1005).
pub fn resident(n: u16) -> Penduduk {
    let lahir = date(1985, 5, 15);
    Penduduk {
        nik: Nik::from_parts("317201", lahir, JenisKelamin::Perempuan, n).unwrap(),
        nomor_kk: NomorKk::parse("3172010905150012").unwrap(),
        hubungan: Hubungan::Istri,
        nama: format!("Siti Rahmawati {n}"),
        tempat_lahir: "Jakarta".into(),
        tanggal_lahir: lahir,
        jenis_kelamin: JenisKelamin::Perempuan,
        golongan_darah: GolonganDarah::OPlus,
        alamat: "Jl. Pluit Karang Indah No. 12".into(),
        rt_rw: RtRw::parse("005/009").unwrap(),
        kelurahan: "31.72.01.1005".into(),
        agama: Agama::Islam,
        status_perkawinan: StatusPerkawinan::Kawin,
        pekerjaan: "Karyawan Swasta".into(),
        kewarganegaraan: Kewarganegaraan::Wni,
        nama_ibu_kandung: "Aminah".into(),
    }
}

/// A 15-year-old resident, never married (not yet required to hold an e-KTP).
pub fn minor(n: u16) -> Penduduk {
    let mut p = resident(n);
    let lahir = date(2011, 3, 3);
    p.tanggal_lahir = lahir;
    p.jenis_kelamin = JenisKelamin::LakiLaki;
    p.nik = Nik::from_parts("317201", lahir, JenisKelamin::LakiLaki, n).unwrap();
    p.status_perkawinan = StatusPerkawinan::BelumKawin;
    p
}

/// Ten synthetic ISO/IEC 19794-2 finger records (positions 1..=10) of synthetic person
/// `person`, impression `k` (another `k` is another capture of the same fingers).
pub fn fingers(person: u64, k: u32) -> Vec<(u8, Vec<u8>)> {
    let g = abis::synth::Generator::new(7);
    (1..=10u8)
        .map(|p| (p, g.impression_iso(person, p, k)))
        .collect()
}

/// A small valid PNG (face photo or signature stand-in).
pub fn png() -> Vec<u8> {
    include_bytes!("../assets/foto.png").to_vec()
}

/// An officer account with role `peran` (no usable password: for use cases that take
/// an authenticated user).
pub fn officer(username: &str, peran: Peran) -> sidik_store::User {
    sidik_store::User {
        username: Username::parse(username).unwrap(),
        peran,
        password_hash: String::new(),
        dibuat: jiff::Timestamp::UNIX_EPOCH,
    }
}
