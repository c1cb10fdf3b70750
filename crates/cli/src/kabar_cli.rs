//! `sidik serve`'s options for the citizen's side: the office's details on the status
//! page, where notifications go (SMTP, SMS/WhatsApp gateway, else the file channel in
//! `<data>/kabar`), and the status lookup's per-client budget for load tests.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Result;
use sidik_node::kabar::KabarSetelan;
use sidik_node::NodeConfig;

#[derive(clap::Args, Debug, Clone, Default)]
pub struct KabarArgs {
    /// The address citizens reach this node at (links in messages; default: the
    /// listen address).
    #[arg(long, env = "SIDIK_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// The office's address, shown on the status page and in messages.
    #[arg(long, env = "SIDIK_OFFICE_ADDRESS")]
    pub office_address: Option<String>,
    /// The office's service hours.
    #[arg(long, env = "SIDIK_OFFICE_HOURS")]
    pub office_hours: Option<String>,
    /// The office's phone / email for citizens.
    #[arg(long, env = "SIDIK_OFFICE_CONTACT")]
    pub office_contact: Option<String>,
    /// Send email notifications through this SMTP relay (HOST:PORT, plain SMTP: a
    /// local MTA). Without it, email goes to the file channel.
    #[arg(long, env = "SIDIK_SMTP")]
    pub smtp: Option<String>,
    /// The sender address of notification emails.
    #[arg(long, env = "SIDIK_SMTP_FROM", default_value = "kabar@sidik.invalid")]
    pub smtp_from: String,
    /// Send SMS/WhatsApp notifications by POSTing to this gateway URL. Without it,
    /// they go to the file channel.
    #[arg(long, env = "SIDIK_SMS_GATEWAY")]
    pub sms_gateway: Option<String>,
    /// The gateway's body template: `{to}`, `{channel}`, `{text}`, `{id}` are
    /// replaced (JSON-escaped if it starts with `{`, else form-encoded).
    #[arg(long, env = "SIDIK_SMS_GATEWAY_BODY")]
    pub sms_gateway_body: Option<String>,
    /// First retry delay of a failed notification in milliseconds (doubles each time).
    #[arg(long, hide = true, default_value_t = 30_000)]
    pub notify_retry_ms: u64,
    /// Seconds the centre must be unreachable before the automatic outage notice.
    #[arg(long, hide = true, default_value_t = 300)]
    pub outage_notice_after_secs: u64,
    /// Status lookups one client may make at once (default 10). Raise only for a load
    /// test: it weakens the guard against NIK guessing.
    #[arg(long, hide = true)]
    pub status_burst: Option<u32>,
}

/// Applies the options to the node's configuration.
pub fn apply(a: &KabarArgs, cfg: &mut NodeConfig, listen: SocketAddr, https: bool) -> Result<()> {
    let mut s = KabarSetelan {
        url_publik: a
            .public_url
            .clone()
            .unwrap_or_else(|| format!("{}://{listen}", if https { "https" } else { "http" })),
        jeda_dasar: Duration::from_millis(a.notify_retry_ms.max(1)),
        gangguan_setelah: Duration::from_secs(a.outage_notice_after_secs),
        ..KabarSetelan::default()
    };
    s.alamat = a.office_address.clone().unwrap_or_default();
    s.jam = a.office_hours.clone().unwrap_or_default();
    s.kontak = a.office_contact.clone().unwrap_or_default();
    if let Some(addr) = &a.smtp {
        s.smtp = Some(sidik_kabar::Smtp::parse(addr, &a.smtp_from).map_err(anyhow::Error::msg)?);
    }
    if let Some(url) = &a.sms_gateway {
        s.gateway = Some(
            sidik_kabar::Gateway::new(url, a.sms_gateway_body.as_deref())
                .map_err(anyhow::Error::msg)?,
        );
    }
    cfg.kabar = s;
    cfg.status_burst = a.status_burst;
    Ok(())
}
