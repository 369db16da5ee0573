//! Which client a request comes from, behind reverse proxies the operator names.
//!
//! `X-Forwarded-For` is a list each proxy appends the address it received from to; only the
//! entries added by proxies we trust can be believed, and the client controls everything to
//! their left. So the client is the rightmost address that is not one of our proxies, and the
//! header is read at all only when the connection itself comes from one of them.

use std::net::IpAddr;
use std::str::FromStr;

/// A proxy address or a network of them: `10.0.0.1`, `10.0.0.0/8`, `fd00::/8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not an IP address or network: write it as 10.0.0.1, 10.0.0.0/8 or fd00::/8")]
pub struct CidrError(String);

impl FromStr for Cidr {
    type Err = CidrError;

    fn from_str(s: &str) -> Result<Cidr, CidrError> {
        let err = || CidrError(s.to_owned());
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s.trim(), None),
        };
        let network: IpAddr = addr.parse().map_err(|_| err())?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(err)?,
            None => max,
        };
        Ok(Cidr { network, prefix })
    }
}

impl Cidr {
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (canonical(self.network), ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = if self.prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(self.prefix)) };
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = if self.prefix == 0 { 0 } else { u128::MAX << (128 - u32::from(self.prefix)) };
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// An IPv4 address written as IPv6 (`::ffff:10.0.0.1`) is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The proxies whose `X-Forwarded-For` entries are believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Cidr>);

impl TrustedProxies {
    pub fn new(cidrs: Vec<Cidr>) -> TrustedProxies {
        TrustedProxies(cidrs)
    }

    /// From a comma-separated list: `10.0.0.1, 10.1.0.0/16`.
    pub fn parse(list: &str) -> Result<TrustedProxies, CidrError> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(Cidr::from_str)
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|c| c.contains(ip))
    }

    /// The client of a request that reached us from `peer`, given its `X-Forwarded-For` values
    /// in order: `peer` itself unless it is a trusted proxy; otherwise, reading the list from the
    /// right, the first address that is not a trusted proxy (or the last readable one, when
    /// every entry is a proxy or an entry cannot be read).
    pub fn client(&self, peer: IpAddr, forwarded_for: &[&str]) -> IpAddr {
        if !self.trusts(peer) {
            return canonical(peer);
        }
        let mut client = canonical(peer);
        let entries = forwarded_for.iter().flat_map(|v| v.split(',')).map(str::trim).collect::<Vec<_>>();
        for entry in entries.iter().rev() {
            let Some(ip) = parse_entry(entry) else { break };
            client = canonical(ip);
            if !self.trusts(ip) {
                break;
            }
        }
        client
    }
}

/// An address as proxies write it: `203.0.113.7`, `203.0.113.7:4711`, `2001:db8::1` or
/// `[2001:db8::1]:4711`.
fn parse_entry(entry: &str) -> Option<IpAddr> {
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(sa) = entry.parse::<std::net::SocketAddr>() {
        return Some(sa.ip());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn networks_contain_their_addresses() {
        let net: Cidr = "10.0.0.0/8".parse().expect("cidr");
        assert!(net.contains(ip("10.200.3.4")) && !net.contains(ip("11.0.0.1")));
        assert!(net.contains(ip("::ffff:10.1.2.3")), "an IPv4 address written as IPv6");
        let one: Cidr = "192.0.2.7".parse().expect("cidr");
        assert!(one.contains(ip("192.0.2.7")) && !one.contains(ip("192.0.2.8")));
        let v6: Cidr = "fd00::/8".parse().expect("cidr");
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
        for bad in ["10.0.0.0/33", "proxy", "10.0.0.1/x", ""] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_client_is_the_rightmost_address_that_is_not_a_proxy() {
        let proxies = TrustedProxies::parse("10.0.0.1, 10.9.0.0/16").expect("list");
        // Not from a proxy: the header is the client's own invention.
        assert_eq!(proxies.client(ip("203.0.113.5"), &["1.2.3.4"]), ip("203.0.113.5"));
        // From the proxy, which appended the address it saw.
        assert_eq!(proxies.client(ip("10.0.0.1"), &["198.51.100.2"]), ip("198.51.100.2"));
        // The client wrote its own entries first: they are ignored.
        assert_eq!(proxies.client(ip("10.0.0.1"), &["6.6.6.6, 7.7.7.7, 198.51.100.2"]), ip("198.51.100.2"));
        // Two proxies in a row, and headers split over two lines.
        assert_eq!(proxies.client(ip("10.0.0.1"), &["6.6.6.6, 198.51.100.2", "10.9.4.4"]), ip("198.51.100.2"));
        // Ports and brackets as proxies write them.
        assert_eq!(proxies.client(ip("10.0.0.1"), &["[2001:db8::1]:4711"]), ip("2001:db8::1"));
        // Nothing readable: the proxy is the client.
        assert_eq!(proxies.client(ip("10.0.0.1"), &["unknown"]), ip("10.0.0.1"));
        assert_eq!(proxies.client(ip("10.0.0.1"), &[]), ip("10.0.0.1"));
        assert!(TrustedProxies::parse("10.0.0.1, not-an-address").is_err());
    }
}
