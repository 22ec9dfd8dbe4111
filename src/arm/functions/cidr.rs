//! `parseCidr`, `cidrSubnet`, `cidrHost` for IPv4 and IPv6, with plain integer
//! address arithmetic (u32 / u128).

use std::net::{Ipv4Addr, Ipv6Addr};

use super::{R, error, fixed, want_int, want_str};
use crate::value::{Object, Value};

/// A parsed network: address with host bits cleared, prefix, and family width.
#[derive(Clone, Copy)]
struct Net {
    addr: u128,
    prefix: u32,
    /// 32 for IPv4, 128 for IPv6.
    bits: u32,
}

impl Net {
    fn mask(&self) -> u128 {
        let all = ones(self.bits);
        if self.prefix == 0 {
            0
        } else {
            all & !(ones(self.bits - self.prefix))
        }
    }

    fn last(&self) -> u128 {
        self.addr | (ones(self.bits) & !self.mask())
    }

    fn show(&self, a: u128) -> Result<String, Value> {
        if self.bits == 32 {
            return Ok(Ipv4Addr::from(a as u32).to_string());
        }
        let v6 = Ipv6Addr::from(a);
        // .NET and Rust print embedded-IPv4 forms differently; avoid guessing.
        let seg = v6.segments();
        if seg.iter().take(5).all(|s| *s == 0) && a > 1 && seg.get(5) != Some(&0xffff) {
            return Err(Value::unknown(
                "IPv6 addresses with an embedded IPv4 form are not evaluated statically",
            ));
        }
        Ok(v6.to_string())
    }
}

fn ones(n: u32) -> u128 {
    if n >= 128 {
        u128::MAX
    } else {
        (1u128 << n) - 1
    }
}

fn parse(name: &str, s: &str) -> Result<Net, Value> {
    let bad = || error(format!("{name}(): '{s}' is not a valid CIDR range"));
    let (ip, len) = s.split_once('/').ok_or_else(bad)?;
    if len.is_empty() || !len.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let prefix: u32 = len.parse().map_err(|_| bad())?;
    let (addr, bits) = if let Ok(v4) = ip.parse::<Ipv4Addr>() {
        (u128::from(u32::from(v4)), 32)
    } else if let Ok(v6) = ip.parse::<Ipv6Addr>() {
        (u128::from(v6), 128)
    } else {
        return Err(bad());
    };
    if prefix > bits {
        return Err(bad());
    }
    let mut net = Net { addr, prefix, bits };
    net.addr &= net.mask();
    Ok(net)
}

pub(crate) fn parse_cidr(args: Vec<Value>) -> R {
    let [v] = fixed("parseCidr", args)?;
    let net = parse("parseCidr", want_str("parseCidr", &v)?)?;
    let mut o = Object::new();
    o.insert("network".into(), Value::str(net.show(net.addr)?));
    o.insert("netmask".into(), Value::str(net.show(net.mask())?));
    if net.bits == 32 {
        o.insert("broadcast".into(), Value::str(net.show(net.last())?));
        if net.prefix <= 30 {
            o.insert("firstUsable".into(), Value::str(net.show(net.addr + 1)?));
            o.insert("lastUsable".into(), Value::str(net.show(net.last() - 1)?));
        } else {
            let u =
                || Value::unknown("usable addresses of a /31 or /32 are not evaluated statically");
            o.insert("firstUsable".into(), u());
            o.insert("lastUsable".into(), u());
        }
    } else {
        o.insert("firstUsable".into(), Value::str(net.show(net.addr)?));
        o.insert("lastUsable".into(), Value::str(net.show(net.last())?));
    }
    o.insert("cidr".into(), Value::int(i64::from(net.prefix)));
    Ok(Value::object(o))
}

/// `cidrSubnet(network, newCIDR, index)`.
pub(crate) fn cidr_subnet(args: Vec<Value>) -> R {
    let [n, c, i] = fixed("cidrSubnet", args)?;
    let net = parse("cidrSubnet", want_str("cidrSubnet", &n)?)?;
    let new = want_int("cidrSubnet", &c)?;
    let idx = want_int("cidrSubnet", &i)?;
    let new = u32::try_from(new)
        .ok()
        .filter(|p| *p >= net.prefix && *p <= net.bits)
        .ok_or_else(|| {
            error(format!(
                "cidrSubnet(): new prefix {new} must be between {} and {}",
                net.prefix, net.bits
            ))
        })?;
    let count_bits = new - net.prefix;
    let idx = u128::try_from(idx)
        .ok()
        .filter(|i| count_bits >= 128 || *i < (1u128 << count_bits))
        .ok_or_else(|| {
            error(format!(
                "cidrSubnet(): subnet index {idx} is out of range for /{new} subnets of /{}",
                net.prefix
            ))
        })?;
    let shift = net.bits - new;
    let offset = if shift >= 128 { 0 } else { idx << shift };
    let addr = net.addr | offset;
    Ok(Value::str(format!("{}/{new}", net.show(addr)?)))
}

/// `cidrHost(network, index)`: index 0 is the first address after the network address.
pub(crate) fn cidr_host(args: Vec<Value>) -> R {
    let [n, i] = fixed("cidrHost", args)?;
    let net = parse("cidrHost", want_str("cidrHost", &n)?)?;
    let idx = want_int("cidrHost", &i)?;
    if net.bits - net.prefix < 2 {
        return Err(Value::unknown(
            "cidrHost() on a range with fewer than 4 addresses is not evaluated statically",
        ));
    }
    // IPv4 excludes the broadcast address; IPv6 has none.
    let last_usable = if net.bits == 32 {
        net.last() - 1
    } else {
        net.last()
    };
    let host = u128::try_from(idx)
        .ok()
        .and_then(|i| net.addr.checked_add(1)?.checked_add(i))
        .filter(|h| *h <= last_usable)
        .ok_or_else(|| {
            error(format!(
                "cidrHost(): host index {idx} is out of range for /{}",
                net.prefix
            ))
        })?;
    Ok(Value::str(net.show(host)?))
}

#[cfg(test)]
mod tests {
    use crate::arm::eval::testenv::*;

    #[test]
    fn parse_cidr_docs() {
        assert_eq!(
            evj("parseCidr('10.144.0.0/20')"),
            r#"{"network":"10.144.0.0","netmask":"255.255.240.0","broadcast":"10.144.15.255","firstUsable":"10.144.0.1","lastUsable":"10.144.15.254","cidr":20}"#
        );
        assert_eq!(
            evj("parseCidr('fdad:3236:5555::/48')"),
            r#"{"network":"fdad:3236:5555::","netmask":"ffff:ffff:ffff::","firstUsable":"fdad:3236:5555::","lastUsable":"fdad:3236:5555:ffff:ffff:ffff:ffff:ffff","cidr":48}"#
        );
        // Host bits are cleared.
        assert_eq!(
            ev("parseCidr('10.144.3.7/20').network").as_str(),
            Some("10.144.0.0")
        );
        assert_eq!(
            ev("parseCidr('0.0.0.0/0').netmask").as_str(),
            Some("0.0.0.0")
        );
        assert_eq!(
            ev("parseCidr('1.2.3.4/32').network").as_str(),
            Some("1.2.3.4")
        );
        assert!(ev("parseCidr('1.2.3.4/32').firstUsable").is_unknown());
        for bad in [
            "10.0.0.0",
            "10.0.0.0/33",
            "10.0.0/8",
            "x/8",
            "10.0.0.0/-1",
            "::/129",
            "10.0.0.0/ 8",
        ] {
            assert!(
                reason(&ev(&format!("parseCidr('{bad}')"))).starts_with("error:"),
                "{bad}"
            );
        }
    }

    #[test]
    fn cidr_subnet_docs() {
        assert_eq!(
            ev("cidrSubnet('10.144.0.0/20', 24, 0)").as_str(),
            Some("10.144.0.0/24")
        );
        assert_eq!(
            ev("cidrSubnet('10.144.0.0/20', 24, 1)").as_str(),
            Some("10.144.1.0/24")
        );
        assert_eq!(
            ev("cidrSubnet('10.144.0.0/20', 24, 4)").as_str(),
            Some("10.144.4.0/24")
        );
        assert_eq!(
            ev("cidrSubnet('10.144.0.0/20', 24, 15)").as_str(),
            Some("10.144.15.0/24")
        );
        assert!(reason(&ev("cidrSubnet('10.144.0.0/20', 24, 16)")).starts_with("error:"));
        assert!(reason(&ev("cidrSubnet('10.144.0.0/20', 16, 0)")).starts_with("error:"));
        assert!(reason(&ev("cidrSubnet('10.144.0.0/20', 33, 0)")).starts_with("error:"));
        assert!(reason(&ev("cidrSubnet('10.144.0.0/20', 24, -1)")).starts_with("error:"));
        assert_eq!(
            ev("cidrSubnet('10.0.0.0/8', 8, 0)").as_str(),
            Some("10.0.0.0/8")
        );
        assert_eq!(
            ev("cidrSubnet('0.0.0.0/0', 32, 4294967295)").as_str(),
            Some("255.255.255.255/32")
        );
        assert_eq!(
            ev("cidrSubnet('fdad:3236:5555::/48', 52, 0)").as_str(),
            Some("fdad:3236:5555::/52")
        );
        assert_eq!(
            ev("cidrSubnet('fdad:3236:5555::/48', 52, 3)").as_str(),
            Some("fdad:3236:5555:3000::/52")
        );
        assert_eq!(
            ev("cidrSubnet('2001:db8::/32', 48, 5)").as_str(),
            Some("2001:db8:5::/48")
        );
        assert_eq!(ev("cidrSubnet('::/0', 128, 1)").as_str(), Some("::1/128"));
        assert!(ev("cidrSubnet('::/0', 128, 5)").is_unknown());
    }

    #[test]
    fn cidr_host_docs() {
        assert_eq!(
            ev("cidrHost('10.144.3.0/24', 0)").as_str(),
            Some("10.144.3.1")
        );
        assert_eq!(
            ev("cidrHost('10.144.3.0/24', 4)").as_str(),
            Some("10.144.3.5")
        );
        assert_eq!(
            ev("cidrHost('10.144.3.0/24', 253)").as_str(),
            Some("10.144.3.254")
        );
        assert!(reason(&ev("cidrHost('10.144.3.0/24', 254)")).starts_with("error:"));
        assert!(reason(&ev("cidrHost('10.144.3.0/24', -1)")).starts_with("error:"));
        assert_eq!(
            ev("cidrHost('fdad:3236:5555:3000::/52', 0)").as_str(),
            Some("fdad:3236:5555:3000::1")
        );
        assert_eq!(
            ev("cidrHost('fdad:3236:5555:3000::/52', 4)").as_str(),
            Some("fdad:3236:5555:3000::5")
        );
        assert!(ev("cidrHost('10.0.0.0/31', 0)").is_unknown());
    }
}
