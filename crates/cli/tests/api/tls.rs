//! Issue 13, finding 7: HTTPS with `serve --tls-cert --tls-key` (rustls), `Secure`
//! cookies and HSTS when on; `--behind-https-proxy` does the same for a node behind a
//! TLS-terminating proxy; plain HTTP keeps neither (it cannot promise them).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sidik_testkit::process;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const BIN: &str = env!("CARGO_BIN_EXE_sidik");
const PW: &str = "kata-sandi-tls-uji-2015";

/// A self-signed certificate for `localhost`: (cert PEM, key PEM, cert DER).
fn certificate() -> (String, String, Vec<u8>) {
    let c = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    (
        c.cert.pem(),
        c.signing_key.serialize_pem(),
        c.cert.der().to_vec(),
    )
}

/// One HTTP/1.1 request over TLS, trusting only `ca`; returns the raw response head
/// and body.
async fn https(port: u16, ca: &[u8], request: &str) -> std::io::Result<String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls::pki_types::CertificateDer::from(ca.to_vec()))
        .unwrap();
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = connector.connect(name, tcp).await?;
    tls.write_all(request.as_bytes()).await?;
    let mut out = Vec::new();
    let _ = tls.read_to_end(&mut out).await;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn login_request(user: &str, pw: &str) -> String {
    let body = format!(r#"{{"username":"{user}","password":"{pw}"}}"#);
    format!(
        "POST /api/v1/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_with_tls_sets_secure_cookies_and_hsts() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (cert, key, der) = certificate();
    std::fs::write(dir.path().join("cert.pem"), cert).unwrap();
    std::fs::write(dir.path().join("key.pem"), key).unwrap();
    process::run_ok(
        Path::new(BIN),
        &["user", "add", "petugas", "--role", "operator"],
        &data,
        &[("SIDIK_PASSWORD", PW)],
    );
    let port = process::free_port().unwrap();
    let args: Vec<std::ffi::OsString> = [
        "serve",
        "--listen",
        &format!("127.0.0.1:{port}"),
        "--tls-cert",
        dir.path().join("cert.pem").to_str().unwrap(),
        "--tls-key",
        dir.path().join("key.pem").to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
    ]
    .iter()
    .map(Into::into)
    .collect();
    let _node = process::Proc::spawn(Path::new(BIN), &args, &dir.path().join("serve.log")).unwrap();
    let mut answer = String::new();
    for _ in 0..200 {
        if let Ok(a) = https(port, &der, &login_request("petugas", PW)).await {
            if !a.is_empty() {
                answer = a;
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let head = answer.to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{answer}");
    let cookie = head
        .lines()
        .find(|l| l.starts_with("set-cookie:"))
        .expect("a session cookie");
    assert!(
        cookie.contains("; secure") && cookie.contains("httponly"),
        "{cookie}"
    );
    assert!(
        head.contains("strict-transport-security: max-age="),
        "{answer}"
    );
    // The port speaks TLS only: a plain HTTP request gets no HTTP answer.
    let plain = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/api/v1/health"))
        .timeout(Duration::from_secs(5))
        .send()
        .await;
    assert!(plain.is_err() || !plain.unwrap().status().is_success());
}

#[tokio::test]
async fn behind_an_https_proxy_cookies_are_secure_and_plain_http_makes_no_promise() {
    for https in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = sidik_node::NodeConfig::new(
            dir.path(),
            sidik_domain::KodeKantor::parse("317200").unwrap(),
            sidik_node::RoleConfig::Standalone,
        );
        cfg.https = https;
        let node = sidik_node::Node::build(cfg).await.unwrap();
        node.state
            .akun
            .create_user("test", "petugas", sidik_domain::Peran::Operator, PW)
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(sidik_http::serve(
            listener,
            node.router(),
            std::future::pending(),
        ));
        let r = reqwest::Client::new()
            .post(format!("{base}/api/v1/login"))
            .json(&serde_json::json!({"username": "petugas", "password": PW}))
            .send()
            .await
            .unwrap();
        let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
        assert_eq!(cookie.contains("; Secure"), https, "{cookie}");
        assert_eq!(r.headers().contains_key("strict-transport-security"), https);
    }
}
