//! The channels: email over SMTP (`lettre`), SMS/WhatsApp through an HTTP gateway, and
//! the file channel.

use std::path::Path;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sidik_domain::kabar::Pesan;
use sidik_store::KabarKeluar;

use crate::Kantor;

/// An SMTP relay (plain SMTP: a local MTA or a relay on a trusted network; the relay
/// handles onward TLS).
#[derive(Debug, Clone)]
pub struct Smtp {
    pub host: String,
    pub port: u16,
    /// The sender address, e.g. `kabar@dukcapil.example.go.id`.
    pub dari: String,
}

impl Smtp {
    /// `host:port`; the sender `dari`.
    pub fn parse(addr: &str, dari: &str) -> Result<Smtp, String> {
        let (host, port) = addr
            .rsplit_once(':')
            .ok_or_else(|| format!("SMTP address {addr:?} must be host:port"))?;
        let port = port
            .parse()
            .map_err(|_| format!("SMTP port in {addr:?} is not a number"))?;
        dari.parse::<Mailbox>()
            .map_err(|e| format!("sender address {dari:?}: {e}"))?;
        Ok(Smtp {
            host: host.trim_matches(['[', ']']).to_string(),
            port,
            dari: dari.to_string(),
        })
    }
}

/// An SMS/WhatsApp HTTP gateway: a POST to `url` whose body is `template` with
/// `{to}`, `{channel}` (`sms` / `whatsapp`), `{text}` and `{id}` replaced — escaped
/// for JSON when the template starts with `{`, else for a urlencoded form.
#[derive(Debug, Clone)]
pub struct Gateway {
    pub url: String,
    pub template: String,
}

/// The default gateway body.
pub const TEMPLATE_BAWAAN: &str = r#"{"to":"{to}","channel":"{channel}","text":"{text}"}"#;

impl Gateway {
    pub fn new(url: &str, template: Option<&str>) -> Result<Gateway, String> {
        let u = reqwest::Url::parse(url).map_err(|e| format!("gateway URL {url:?}: {e}"))?;
        if !matches!(u.scheme(), "http" | "https") {
            return Err(format!("gateway URL {url:?} must be http or https"));
        }
        Ok(Gateway {
            url: url.to_string(),
            template: template.unwrap_or(TEMPLATE_BAWAAN).to_string(),
        })
    }

    fn json(&self) -> bool {
        self.template.trim_start().starts_with('{')
    }

    /// The request body for one message.
    pub fn body(&self, k: &KabarKeluar, p: &Pesan) -> String {
        let esc = |s: &str| {
            if self.json() {
                let q = serde_json::to_string(s).unwrap_or_default();
                q[1..q.len() - 1].to_string()
            } else {
                serde_urlencoded::to_string([("", s)]).unwrap_or_default()[1..].to_string()
            }
        };
        let teks = format!("{}\n{}", p.subjek, p.isi);
        // One pass, so that a value containing a placeholder is not expanded again.
        let mut out = String::with_capacity(self.template.len() + teks.len());
        let mut rest = self.template.as_str();
        while let Some(i) = rest.find('{') {
            out.push_str(&rest[..i]);
            let tail = &rest[i..];
            let (ganti, n) = if tail.starts_with("{to}") {
                (esc(&k.tujuan), 4)
            } else if tail.starts_with("{channel}") {
                (k.kanal.slug().to_string(), 9)
            } else if tail.starts_with("{text}") {
                (esc(&teks), 6)
            } else if tail.starts_with("{id}") {
                (k.id.to_string(), 4)
            } else {
                ("{".to_string(), 1)
            };
            out.push_str(&ganti);
            rest = &tail[n..];
        }
        out.push_str(rest);
        out
    }
}

/// A stable id per message (office code and outbox row; nothing personal): a receiver
/// can drop a repeat.
fn message_id(k: &KabarKeluar) -> String {
    format!("kabar-{}-{}", k.nomor.get(..6).unwrap_or("0"), k.id)
}

pub(crate) async fn kirim_smtp(
    s: &Smtp,
    k: &KabarKeluar,
    p: &Pesan,
    kantor: &Kantor,
) -> Result<(), String> {
    let dari: Mailbox = format!("{} <{}>", kantor.nama.replace(['<', '>', '"'], ""), s.dari)
        .parse()
        .or_else(|_| s.dari.parse())
        .map_err(|e| format!("alamat pengirim: {e}"))?;
    let ke: Mailbox = k
        .tujuan
        .parse()
        .map_err(|e| format!("alamat tujuan: {e}"))?;
    let msg = Message::builder()
        .from(dari)
        .to(ke)
        .subject(&p.subjek)
        .message_id(Some(format!("<{}@sidik>", message_id(k))))
        .header(ContentType::TEXT_PLAIN)
        .body(p.isi.clone())
        .map_err(|e| format!("pesan: {e}"))?;
    let t = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host)
        .port(s.port)
        .timeout(Some(Duration::from_secs(20)))
        .build();
    t.send(msg).await.map_err(|e| format!("SMTP: {e}"))?;
    Ok(())
}

pub(crate) async fn kirim_gateway(
    http: &reqwest::Client,
    g: &Gateway,
    k: &KabarKeluar,
    p: &Pesan,
) -> Result<(), String> {
    let ct = if g.json() {
        "application/json"
    } else {
        "application/x-www-form-urlencoded"
    };
    let r = http
        .post(&g.url)
        .header(reqwest::header::CONTENT_TYPE, ct)
        .header("Idempotency-Key", message_id(k))
        .body(g.body(k, p))
        .send()
        .await
        .map_err(|e| format!("gateway: {e}"))?;
    if r.status().is_success() {
        Ok(())
    } else {
        Err(format!("gateway menjawab {}", r.status().as_u16()))
    }
}

/// The file channel: `<dir>/<id>-<channel>.txt`, written to a temporary name and
/// renamed into place; an existing file means the message was already delivered.
pub(crate) async fn tulis_berkas(dir: &Path, k: &KabarKeluar, p: &Pesan) -> Result<(), String> {
    let akhir = dir.join(format!("{:010}-{}.txt", k.id, k.kanal.slug()));
    if tokio::fs::try_exists(&akhir).await.unwrap_or(false) {
        return Ok(());
    }
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|e| format!("folder {}: {e}", dir.display()))?;
    let sementara = dir.join(format!(".{:010}-{}.tmp", k.id, k.kanal.slug()));
    let isi = format!(
        "Kepada: {}\nKanal: {}\nMessage-ID: {}\nSubjek: {}\n\n{}\n",
        k.tujuan,
        k.kanal.slug(),
        message_id(k),
        p.subjek,
        p.isi
    );
    let tulis = async {
        use tokio::io::AsyncWriteExt;
        let mut f = tokio::fs::File::create(&sementara).await?;
        f.write_all(isi.as_bytes()).await?;
        f.sync_all().await?;
        tokio::fs::rename(&sementara, &akhir).await
    };
    tulis
        .await
        .map_err(|e| format!("berkas {}: {e}", akhir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sidik_domain::kabar::Jenis;
    use sidik_store::Kanal;

    fn row() -> KabarKeluar {
        KabarKeluar {
            id: 7,
            sumber: "status:317201:3".into(),
            nomor: "317201000000120150909140000".into(),
            kanal: Kanal::WhatsApp,
            tujuan: "+6281234567890".into(),
            jenis: Jenis::SiapDiambil,
            rujukan: None,
            token: "t".into(),
            percobaan: 0,
            dibuat: jiff::Timestamp::UNIX_EPOCH,
        }
    }

    #[test]
    fn gateway_bodies_escape_values_once() {
        let p = Pesan {
            subjek: "S \"q\"".into(),
            isi: "a {to} & b\nc".into(),
        };
        let g = Gateway::new("http://127.0.0.1:9/kirim", None).unwrap();
        let b = g.body(&row(), &p);
        let v: serde_json::Value = serde_json::from_str(&b).unwrap();
        assert_eq!(v["to"], "+6281234567890");
        assert_eq!(v["channel"], "whatsapp");
        assert_eq!(v["text"], "S \"q\"\na {to} & b\nc");
        let f = Gateway::new("http://x/", Some("to={to}&msg={text}&ref={id}")).unwrap();
        let b = f.body(&row(), &p);
        let kv: Vec<(String, String)> = serde_urlencoded::from_str(&b).unwrap();
        assert_eq!(kv[0], ("to".into(), "+6281234567890".into()));
        assert_eq!(kv[1].1, "S \"q\"\na {to} & b\nc");
        assert_eq!(kv[2], ("ref".into(), "7".into()));
        assert!(Gateway::new("ftp://x/", None).is_err());
    }

    #[tokio::test]
    async fn the_file_channel_writes_once() {
        let dir = tempfile::tempdir().unwrap();
        let p = Pesan {
            subjek: "S".into(),
            isi: "isi".into(),
        };
        tulis_berkas(dir.path(), &row(), &p).await.unwrap();
        let f = dir.path().join("0000000007-whatsapp.txt");
        let first = std::fs::read_to_string(&f).unwrap();
        assert!(first.contains("Kepada: +6281234567890"));
        let other = Pesan {
            subjek: "T".into(),
            isi: "lain".into(),
        };
        tulis_berkas(dir.path(), &row(), &other).await.unwrap();
        assert_eq!(std::fs::read_to_string(&f).unwrap(), first);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
