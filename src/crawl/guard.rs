//! Where a source may lead the crawler: a crawled page is untrusted, and its links and redirects
//! must not make yuqing fetch the cloud's metadata service (169.254.169.254), the office network
//! (10.x, 192.168.x) or this machine (127.x), nor a site the definition never named.
//!
//! A source reaches the sites of its start URLs (`club.jd.com` reaches `*.jd.com`) and the hosts
//! its `[request] allowed_hosts` adds; private, loopback and link-local addresses only when its
//! own start URLs are there (a local test site) or it says `allow_private = true`. Checked for the
//! first request, every redirect (followed by hand, so that each lands where it may and obeys its
//! host's robots.txt) and every followed link; names are resolved through a resolver that drops
//! private addresses, so a public name that resolves to one is refused too.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use reqwest::Url;

/// Second-level labels under which a site is three labels long (`example.com.cn`).
const SECOND_LEVEL: [&str; 8] = ["com", "net", "org", "gov", "edu", "co", "ac", "ltd"];

/// The hosts a source may reach.
#[derive(Debug, Clone, Default)]
pub struct Allowed {
    /// The registrable part of each start URL's host (`jd.com`), and the extra hosts.
    sites: Vec<String>,
    /// Private and loopback addresses may be reached (a start URL is one, or allow_private).
    pub private: bool,
    /// Link-local ones too (the cloud's metadata service lives there): only with allow_private.
    link_local: bool,
}

impl Allowed {
    /// The hosts of `start_urls` (templates: placeholders are ignored) and `extra`; private
    /// addresses when a start URL is one, or when `allow_private`.
    pub fn new(start_urls: &[String], extra: &[String], allow_private: bool) -> Allowed {
        let mut allowed = Allowed { sites: Vec::new(), private: allow_private, link_local: allow_private };
        for u in start_urls {
            let Ok(url) = Url::parse(&u.replace(['{', '}'], "")) else { continue };
            let Some(host) = url.host_str() else { continue };
            allowed.private |= is_private_host(host);
            allowed.sites.push(site(host));
        }
        allowed.sites.extend(extra.iter().map(|h| site(&h.to_ascii_lowercase())));
        allowed
    }

    /// Why `url` may not be fetched, if it may not.
    pub fn refusal(&self, url: &Url) -> Option<String> {
        if !matches!(url.scheme(), "http" | "https") {
            return Some(format!("{}: only http and https are fetched", url.scheme()));
        }
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        if (!self.private && is_private_host(&host)) || (!self.link_local && is_link_local_host(&host)) {
            return Some(format!(
                "{host} is a private, loopback or link-local address (set allow_private = true to reach it)"
            ));
        }
        let s = site(&host);
        (!self.sites.contains(&s))
            .then(|| format!("{host} is not a site of this source's start URLs (add it to [request] allowed_hosts)"))
    }
}

/// The registrable part of a host: its last two labels, three under a second-level label
/// (`a.b.example.com.cn` → `example.com.cn`); an address is itself.
fn site(host: &str) -> String {
    let host = host.trim_end_matches('.');
    if host.parse::<IpAddr>().is_ok() || host.starts_with('[') {
        return host.to_string();
    }
    let labels: Vec<&str> = host.split('.').collect();
    let n = labels.len();
    let keep = if n >= 3 && SECOND_LEVEL.contains(&labels[n - 2]) { 3 } else { 2 };
    labels[n.saturating_sub(keep)..].join(".")
}

/// Whether a host is a link-local address literal (169.254/16, fe80::/10).
fn is_link_local_host(host: &str) -> bool {
    match host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.is_link_local(),
        Ok(IpAddr::V6(v6)) => (v6.segments()[0] & 0xffc0) == 0xfe80,
        Err(_) => false,
    }
}

/// Whether a host (a name or an address literal) is private, loopback or link-local.
fn is_private_host(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(ip) => is_private(ip),
        Err(_) => bare == "localhost" || bare.ends_with(".localhost"),
    }
}

/// Private (RFC 1918, unique-local), loopback, link-local, unspecified, shared (100.64/10) and
/// IPv4-mapped forms of those.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || o[0] == 0
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private(IpAddr::V4(v4));
            }
            let s = v6.segments();
            v6.is_loopback() || v6.is_unspecified() || (s[0] & 0xfe00) == 0xfc00 || (s[0] & 0xffc0) == 0xfe80
        }
    }
}

/// Resolves names as the system does, without their private addresses (when private ones are
/// not allowed): a public name that points inside is refused.
pub struct PublicResolver;

impl reqwest::dns::Resolve for PublicResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = addrs.iter().copied().filter(|a| !is_private(a.ip())).collect();
            if public.is_empty() && !addrs.is_empty() {
                let err: Box<dyn std::error::Error + Send + Sync> =
                    format!("{host} resolves only to private addresses; refused (allow_private = true reaches them)")
                        .into();
                return Err(err);
            }
            Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The resolver for a client: public addresses only, unless private ones are allowed.
pub fn resolver(allowed: &Allowed) -> Option<Arc<PublicResolver>> {
    (!allowed.private).then(|| Arc::new(PublicResolver))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn a_source_reaches_its_sites_and_nothing_private() {
        let a = Allowed::new(&["https://club.jd.com/comment?p={page}".into()], &["360buyimg.com".into()], false);
        assert_eq!(a.refusal(&url("https://item.jd.com/1.html")), None);
        assert_eq!(a.refusal(&url("https://img.360buyimg.com/x.jpg")), None);
        assert!(a.refusal(&url("https://evil.example/")).unwrap().contains("not a site of this source"));
        for inside in [
            "http://169.254.169.254/latest",
            "http://10.0.0.8/",
            "http://127.0.0.1:8080/",
            "http://[::1]/",
            "http://localhost/",
        ] {
            assert!(a.refusal(&url(inside)).unwrap().contains("private"), "{inside}");
        }
        assert!(a.refusal(&url("file:///etc/passwd")).unwrap().contains("only http and https"));
        // A local test site reaches itself.
        let local = Allowed::new(&["http://127.0.0.1:4000/reviews".into()], &[], false);
        assert_eq!(local.refusal(&url("http://127.0.0.1:4000/p/2")), None);
        assert!(
            local.refusal(&url("http://169.254.169.254/")).unwrap().contains("link-local"),
            "never the metadata service"
        );
        assert_eq!(site("news.sina.com.cn"), "sina.com.cn");
        assert!(is_private("::ffff:10.1.2.3".parse().unwrap()) && !is_private("8.8.8.8".parse().unwrap()));
    }
}
