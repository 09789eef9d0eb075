//! The crate's HTTP client set-up, written once for the three clients (the
//! Trakt client, serenity's `Http`, the delivery sender): every request has a
//! timeout (reqwest's and serenity's defaults have none, so a stalled answer
//! would hang a loop), and a base on this machine (a test fake) is never
//! reached through a proxy picked up from `HTTP_PROXY`/`ALL_PROXY`.

use std::time::Duration;

/// Timeout of one Discord REST call (serenity's and the delivery sender's).
pub const DISCORD_REST_TIMEOUT: Duration = Duration::from_secs(15);

/// A reqwest builder for talking to `base` with a per-request `timeout`.
pub fn builder(base: &str, timeout: Duration) -> reqwest::ClientBuilder {
    let builder = reqwest::Client::builder().timeout(timeout);
    if is_loopback(base) {
        builder.no_proxy()
    } else {
        builder
    }
}

/// Whether `base` names this machine (`localhost`, 127.0.0.0/8, `::1`).
pub fn is_loopback(base: &str) -> bool {
    match url::Url::parse(base)
        .ok()
        .and_then(|u| u.host().map(|h| h.to_owned()))
    {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_detection() {
        assert!(is_loopback("http://127.0.0.1:4567"));
        assert!(is_loopback("http://localhost:80/"));
        assert!(is_loopback("http://[::1]:9"));
        assert!(!is_loopback("https://discord.com"));
        assert!(!is_loopback("http://10.0.0.1"));
        assert!(!is_loopback("not a url"));
    }
}
