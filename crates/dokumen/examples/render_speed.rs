//! Time to render each document (release build):
//! `cargo run --release -p sidik-dokumen --example render_speed`.
use std::time::Instant;

use sidik_dokumen::*;

fn main() {
    let foto = std::fs::read("crates/dokumen/tests/foto.png").unwrap_or_default();
    let biodata = Biodata {
        provinsi: "DKI JAKARTA".into(),
        kota: "KOTA ADM. JAKARTA UTARA".into(),
        nik: "3172015505851602".into(),
        nama: "SITI RAHMAWATI".into(),
        tempat_tgl_lahir: "JAKARTA, 15-05-1985".into(),
        jenis_kelamin: "PEREMPUAN".into(),
        golongan_darah: "O".into(),
        alamat: "JL. BUGIS RAYA NO. 12".into(),
        rt_rw: "005/011".into(),
        kel_desa: "KEBON BAWANG".into(),
        kecamatan: "TANJUNG PRIOK".into(),
        agama: "ISLAM".into(),
        status_perkawinan: "KAWIN".into(),
        pekerjaan: "KARYAWAN SWASTA".into(),
        kewarganegaraan: "WNI".into(),
    };
    let qr = "6BFOXN%TSMAHN-H3O1".repeat(25);
    let n = 200;
    let t = Instant::now();
    for _ in 0..n {
        tanda_terima_pdf(&TandaTerima {
            nomor_registrasi: "317200000000220261201101129".into(),
            nik_tersamar: "3172********1602".into(),
            nama: "SITI RAHMAWATI".into(),
            kantor: "Suku Dinas Dukcapil".into(),
            alamat_kantor: "Jakarta Utara".into(),
            waktu: "Selasa, 1 Desember 2026 pukul 10.11 WIB".into(),
            langkah: vec!["Verifikasi".into(), "Cetak".into()],
            perkiraan: "Perkiraan kartu selesai: Rabu, 2 Desember 2026".into(),
            status_url: "http://127.0.0.1:8080/status".into(),
        });
    }
    println!(
        "receipt: {:.2} ms",
        t.elapsed().as_secs_f64() * 1e3 / n as f64
    );
    let t = Instant::now();
    for _ in 0..n {
        suket_pdf(&Suket {
            nomor_suket: "SKT-317200000000220261201101129-1".into(),
            nomor_registrasi: "317200000000220261201101129".into(),
            biodata: biodata.clone(),
            foto: Some(foto.clone()),
            qr_text: qr.clone(),
            ..Default::default()
        });
    }
    println!(
        "suket: {:.2} ms",
        t.elapsed().as_secs_f64() * 1e3 / n as f64
    );
    let t = Instant::now();
    for _ in 0..n {
        kartu_pdf(&[Kartu {
            biodata: biodata.clone(),
            foto: Some(foto.clone()),
            tanda_tangan: Some(foto.clone()),
            ..Default::default()
        }]);
    }
    println!("card: {:.2} ms", t.elapsed().as_secs_f64() * 1e3 / n as f64);
}
