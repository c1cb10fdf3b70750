//! Rate limits per client address, in bounded memory.
//!
//! [`Pembatas`] is a GCRA limiter (the token bucket expressed as one instant per key):
//! a client may make `burst` requests at once, then one per `interval`. The table holds
//! at most `capacity` addresses; when it is full, entries whose bucket has refilled
//! (they carry no state) are dropped first, then the entry closest to refilled, so a
//! flood from many addresses cannot grow memory and the most indebted addresses are
//! the last to be forgotten.
//!
//! The key is the address of the TCP connection ([`Klien`]), never a header: an
//! `X-Forwarded-For` a client writes itself proves nothing. Only when the connection
//! comes from a reverse proxy the operator named (`serve --trusted-proxy`) is the
//! address that proxy appended (the last in `X-Forwarded-For`) taken instead. IPv6 clients are keyed by
//! their /64 (one subscriber's prefix), IPv4-mapped IPv6 by the IPv4 address.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

/// The client's address, from the connection (`ConnectInfo`, see [`crate::serve`]).
/// `None` when the router is served without connection info: such clients share one
/// bucket.
#[derive(Clone, Copy, Debug)]
pub struct Klien(pub Option<IpAddr>);

/// Reverse proxies whose `X-Forwarded-For` is believed (`serve --trusted-proxy`).
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(pub Vec<IpAddr>);

/// The client's address: the connection's peer, or, if the peer is a trusted proxy,
/// the address it appended last to `X-Forwarded-For` (what a client wrote before it
/// is ignored).
pub fn client_ip(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    forwarded_for
        .and_then(|h| h.rsplit(',').next())
        .and_then(|last| last.trim().parse().ok())
        .unwrap_or(peer)
}

impl<S: Send + Sync> FromRequestParts<S> for Klien {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let trusted = parts
            .extensions
            .get::<std::sync::Arc<TrustedProxies>>()
            .map(|t| t.0.as_slice())
            .unwrap_or(&[]);
        let xff = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        Ok(Klien(peer.map(|p| client_ip(p, xff, trusted))))
    }
}

/// The limiter's key for an address: IPv4 as is, IPv6 by its /64.
fn kunci(ip: Option<IpAddr>) -> u128 {
    match ip {
        None => u128::MAX,
        Some(IpAddr::V4(v4)) => u32::from(v4) as u128,
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => u32::from(v4) as u128,
            None => (u128::from(v6) & !((1u128 << 64) - 1)) | (1 << 32),
        },
    }
}

/// A fixed-capacity rate limiter per client address.
pub struct Pembatas {
    capacity: usize,
    interval: Duration,
    /// How far ahead of now a key's theoretical arrival time may run: (burst-1)·interval.
    tolerance: Duration,
    /// Key → theoretical arrival time of its next request.
    table: Mutex<HashMap<u128, Instant>>,
    refused: AtomicU64,
}

impl Pembatas {
    /// At most `capacity` addresses; each may make `burst` requests at once, then one
    /// per `interval`.
    pub fn new(capacity: usize, burst: u32, interval: Duration) -> Pembatas {
        assert!(capacity > 0 && burst > 0);
        Pembatas {
            capacity,
            interval,
            tolerance: interval * (burst - 1),
            table: Mutex::new(HashMap::with_capacity(capacity)),
            refused: AtomicU64::new(0),
        }
    }

    /// Counts one request of `ip` at `now`: `Ok` if allowed, otherwise how long the
    /// client must wait.
    pub fn check(&self, ip: Option<IpAddr>, now: Instant) -> Result<(), Duration> {
        let key = kunci(ip);
        let mut t = self.table.lock().unwrap_or_else(|e| e.into_inner());
        let tat = t.get(&key).copied().unwrap_or(now).max(now);
        let ahead = tat - now;
        if ahead > self.tolerance {
            self.refused.fetch_add(1, Ordering::Relaxed);
            return Err(ahead - self.tolerance);
        }
        if !t.contains_key(&key) && t.len() >= self.capacity {
            evict(&mut t, now);
        }
        t.insert(key, tat + self.interval);
        Ok(())
    }

    /// Addresses currently tracked (never more than the capacity).
    pub fn len(&self) -> usize {
        self.table.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Requests refused since start.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }
}

/// Makes room for one entry: drops refilled entries, or else the one closest to
/// refilled.
fn evict(t: &mut HashMap<u128, Instant>, now: Instant) {
    let before = t.len();
    t.retain(|_, tat| *tat > now);
    if t.len() < before {
        return;
    }
    if let Some(k) = t.iter().min_by_key(|(_, tat)| **tat).map(|(k, _)| *k) {
        t.remove(&k);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn ip(n: u32) -> Option<IpAddr> {
        Some(IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + n)))
    }

    #[test]
    fn burst_then_one_per_interval() {
        let l = Pembatas::new(8, 3, Duration::from_secs(10));
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(l.check(ip(1), t0).is_ok());
        }
        let wait = l.check(ip(1), t0).unwrap_err();
        assert_eq!(wait, Duration::from_secs(10));
        // Another address is not affected.
        assert!(l.check(ip(2), t0).is_ok());
        // One more after an interval, not two.
        let t1 = t0 + Duration::from_secs(10);
        assert!(l.check(ip(1), t1).is_ok());
        assert!(l.check(ip(1), t1).is_err());
    }

    #[test]
    fn memory_is_bounded_and_the_most_indebted_are_kept() {
        let l = Pembatas::new(16, 2, Duration::from_secs(60));
        let t0 = Instant::now();
        // A flooding address uses up its burst.
        assert!(l.check(ip(0), t0).is_ok());
        assert!(l.check(ip(0), t0).is_ok());
        assert!(l.check(ip(0), t0).is_err());
        for n in 1..10_000 {
            let _ = l.check(ip(n), t0 + Duration::from_millis(n as u64));
            assert!(l.len() <= 16);
        }
        // Still limited: the others were evicted before it.
        assert!(l.check(ip(0), t0 + Duration::from_secs(10)).is_err());
    }

    #[test]
    fn ipv6_is_keyed_by_its_64_and_mapped_ipv4_by_the_ipv4() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(kunci(Some(a)), kunci(Some(b)));
        assert_ne!(kunci(Some(a)), kunci(Some(c)));
        let m: IpAddr = "::ffff:10.0.0.7".parse().unwrap();
        assert_eq!(kunci(Some(m)), kunci(ip(7)));
        assert_ne!(kunci(None), kunci(ip(7)));
    }
}

#[cfg(test)]
mod trusted_proxy_tests {
    use super::client_ip;
    use std::net::IpAddr;

    #[test]
    fn only_a_trusted_proxy_names_the_client() {
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let stranger: IpAddr = "203.0.113.9".parse().unwrap();
        let trusted = [proxy];
        // The proxy appended the client it saw; what came before is the client's own.
        let xff = Some("1.2.3.4, 198.51.100.7");
        assert_eq!(
            client_ip(proxy, xff, &trusted),
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
        // Anyone else's header is ignored, and so is the header when nothing is trusted.
        assert_eq!(client_ip(stranger, xff, &trusted), stranger);
        assert_eq!(client_ip(proxy, xff, &[]), proxy);
        // A trusted proxy with a missing or garbage header: the proxy itself.
        assert_eq!(client_ip(proxy, None, &trusted), proxy);
        assert_eq!(client_ip(proxy, Some("not-an-ip"), &trusted), proxy);
    }
}
