//! Shared helpers: run poppler-utils on rendered PDFs, sample data.
//!
//! The tools are looked up on `PATH` (override the directory with
//! `SIDIK_POPPLER_DIR`). A missing tool fails the test with a message
//! saying how to install it; nothing is skipped.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

use sidik_dokumen::Biodata;

/// A scratch directory removed on drop (unless `SIDIK_DOKUMEN_KEEP` is set).
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(tag: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!(
            "sidik-dokumen-{tag}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        Scratch(dir)
    }

    pub fn write_pdf(&self, name: &str, pdf: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, pdf).expect("write pdf");
        path
    }
}

impl Drop for Scratch {
    /// Keeps the files when `SIDIK_DOKUMEN_KEEP` is set (to look at them).
    fn drop(&mut self) {
        if std::env::var_os("SIDIK_DOKUMEN_KEEP").is_some() {
            eprintln!("kept {}", self.0.display());
            return;
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tool(name: &str) -> Command {
    match std::env::var_os("SIDIK_POPPLER_DIR") {
        Some(dir) => Command::new(PathBuf::from(dir).join(name)),
        None => Command::new(name),
    }
}

/// Whether poppler-utils is missing, so the calling test should skip. A developer
/// machine with only the Rust toolchain skips (with a notice); CI installs poppler and
/// sets `SIDIK_REQUIRE_POPPLER=1`, where a missing tool fails the test instead.
pub fn poppler_missing() -> bool {
    if tool("pdfinfo").arg("-v").output().is_ok() {
        return false;
    }
    if std::env::var_os("SIDIK_REQUIRE_POPPLER").is_some() {
        panic!(
            "poppler-utils is required (SIDIK_REQUIRE_POPPLER is set): \
             `apt-get update && apt-get install -y poppler-utils`"
        );
    }
    eprintln!("SKIPPED: poppler-utils is not installed (CI installs it and runs this test)");
    true
}

/// Runs a poppler tool and returns its stdout; panics with a clear message
/// when the tool is missing, fails or reports an error on stderr.
pub fn run(name: &str, args: &[&str]) -> Vec<u8> {
    let out = tool(name).args(args).output().unwrap_or_else(|e| {
        panic!(
            "cannot run `{name}` ({e}): these tests need poppler-utils \
             (Debian: `apt-get update && apt-get install -y poppler-utils`), \
             or set SIDIK_POPPLER_DIR to the directory holding {name}"
        )
    });
    assert!(
        out.status.success(),
        "`{name} {}` failed ({}): {}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    // poppler reports recoverable damage on stderr but still exits 0.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("Error"),
        "`{name} {}` complained: {stderr}",
        args.join(" ")
    );
    out.stdout
}

/// `pdftotext -layout` of the whole document.
pub fn pdftotext(pdf: &std::path::Path) -> String {
    let p = pdf.to_str().expect("utf-8 path");
    String::from_utf8(run("pdftotext", &["-layout", "-enc", "UTF-8", p, "-"])).expect("utf-8 text")
}

/// All whitespace runs collapsed to one space, so wrapped lines compare.
pub fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `pdfinfo -f 1 -l 9999` as text.
pub fn pdfinfo(pdf: &std::path::Path) -> String {
    let p = pdf.to_str().expect("utf-8 path");
    String::from_utf8(run("pdfinfo", &["-f", "1", "-l", "9999", p])).expect("utf-8 info")
}

/// Number of pages according to `pdfinfo`.
pub fn page_count(info: &str) -> usize {
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("pdfinfo prints Pages:")
}

/// Renders page 1 at 150 dpi with `pdftoppm -png` and returns the PNG path.
pub fn render_first_page(scratch: &Scratch, pdf: &std::path::Path) -> PathBuf {
    let prefix = scratch.0.join("page");
    let p = pdf.to_str().expect("utf-8 path");
    let pre = prefix.to_str().expect("utf-8 path");
    let args = [
        "-r",
        "150",
        "-png",
        "-f",
        "1",
        "-l",
        "1",
        "-singlefile",
        p,
        pre,
    ];
    run("pdftoppm", &args);
    scratch.0.join("page.png")
}

/// Every QR code rqrr finds and decodes in the rendered page.
pub fn decode_qrs(img: &image::GrayImage) -> Vec<String> {
    qr_symbols(img).into_iter().map(|(text, _)| text).collect()
}

/// Every decodable QR code with the width in pixels of its symbol (the
/// distance between its left and right corners, quiet zone excluded).
pub fn qr_symbols(img: &image::GrayImage) -> Vec<(String, f64)> {
    detect(img.clone())
}

fn detect(img: image::GrayImage) -> Vec<(String, f64)> {
    let mut prepared = rqrr::PreparedImage::prepare(img);
    prepared
        .detect_grids()
        .into_iter()
        .filter_map(|g| {
            let [a, b, ..] = g.bounds;
            let width = f64::from(b.x - a.x).hypot(f64::from(b.y - a.y));
            g.decode().ok().map(|(_, content)| (content, width))
        })
        .collect()
}

pub fn foto() -> Vec<u8> {
    std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/foto.png")).expect("tests/foto.png")
}

pub fn biodata() -> Biodata {
    Biodata {
        provinsi: "DKI JAKARTA".into(),
        kota: "KOTA JAKARTA UTARA".into(),
        nik: "3172011708900003".into(),
        nama: "SITI NURHALIZA PUTRI".into(),
        tempat_tgl_lahir: "JAKARTA, 17-08-1990".into(),
        jenis_kelamin: "PEREMPUAN".into(),
        golongan_darah: "O".into(),
        alamat: "JL. ENGGANO NO. 12".into(),
        rt_rw: "005/003".into(),
        kel_desa: "TANJUNG PRIOK".into(),
        kecamatan: "TANJUNG PRIOK".into(),
        agama: "ISLAM".into(),
        status_perkawinan: "BELUM KAWIN".into(),
        pekerjaan: "KARYAWAN SWASTA".into(),
        kewarganegaraan: "WNI".into(),
    }
}
