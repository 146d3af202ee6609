//! `Fn::Cidr [ipBlock, count, cidrBits]`: `count` consecutive blocks of `cidrBits` host bits
//! carved from the start of `ipBlock`, as CloudFormation computes them (IPv4 and IPv6).

use std::net::{Ipv4Addr, Ipv6Addr};

/// The blocks, or why CloudFormation would refuse the arguments.
pub fn cidr(block: &str, count: &str, bits: &str) -> Result<Vec<String>, String> {
    let count: u32 = count.trim().parse().map_err(|_| format!("count {count:?} is not a number"))?;
    let bits: u32 = bits.trim().parse().map_err(|_| format!("cidrBits {bits:?} is not a number"))?;
    if !(1..=256).contains(&count) {
        return Err(format!("count {count} is not between 1 and 256"));
    }
    let (addr, prefix) = block.split_once('/').ok_or_else(|| format!("{block:?} is not a CIDR block"))?;
    let prefix: u32 = prefix.parse().map_err(|_| format!("{block:?} is not a CIDR block"))?;
    if let Ok(a) = addr.parse::<Ipv4Addr>() {
        let blocks = carve(u32::from(a).into(), prefix, 32, count, bits)?;
        return Ok(blocks.into_iter().map(|(n, p)| format!("{}/{p}", Ipv4Addr::from(n as u32))).collect());
    }
    if let Ok(a) = addr.parse::<Ipv6Addr>() {
        let blocks = carve(u128::from(a), prefix, 128, count, bits)?;
        return Ok(blocks.into_iter().map(|(n, p)| format!("{}/{p}", Ipv6Addr::from(n))).collect());
    }
    Err(format!("{block:?} is not a CIDR block"))
}

/// The first `count` subnets of `host_bits` host bits in `base/prefix` (of a `width`-bit
/// address family), as (network, prefix length).
fn carve(base: u128, prefix: u32, width: u32, count: u32, host_bits: u32) -> Result<Vec<(u128, u32)>, String> {
    if prefix > width || host_bits > width {
        return Err(format!("/{prefix} or {host_bits} bits do not fit a {width}-bit address"));
    }
    let new_prefix = width - host_bits;
    if new_prefix < prefix {
        return Err(format!("{host_bits} host bits do not fit in a /{prefix}"));
    }
    // The subnets available: 2^(new_prefix - prefix), capped so the shift cannot overflow.
    let room = new_prefix - prefix;
    if room < 9 && u64::from(count) > 1u64 << room {
        return Err(format!("a /{prefix} holds only {} blocks of /{new_prefix}, not {count}", 1u64 << room));
    }
    let mask = if prefix == 0 { 0 } else { u128::MAX << (128 - prefix) >> (128 - width) };
    let net = base & mask;
    Ok((0..u128::from(count))
        .map(|i| {
            let step = if host_bits >= 128 { 0 } else { i << host_bits };
            (net.wrapping_add(step), new_prefix)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_slash_24s_of_a_slash_16() {
        let want: Vec<String> = (0..6).map(|i| format!("10.0.{i}.0/24")).collect();
        assert_eq!(cidr("10.0.0.0/16", "6", "8").unwrap(), want);
    }

    #[test]
    fn odd_sizes_and_unaligned_blocks() {
        assert_eq!(cidr("10.1.2.3/24", "2", "5").unwrap(), vec!["10.1.2.0/27", "10.1.2.32/27"]);
        assert_eq!(cidr("192.168.0.0/16", "1", "16").unwrap(), vec!["192.168.0.0/16"]);
        assert_eq!(cidr("0.0.0.0/0", "1", "32").unwrap(), vec!["0.0.0.0/0"]);
    }

    #[test]
    fn ipv6() {
        let got = cidr("2001:db8:1234:1a00::/56", "3", "64").unwrap();
        assert_eq!(got, vec!["2001:db8:1234:1a00::/64", "2001:db8:1234:1a01::/64", "2001:db8:1234:1a02::/64"]);
    }

    #[test]
    fn refused() {
        assert!(cidr("10.0.0.0/24", "2", "8").is_err());
        assert!(cidr("10.0.0.0/24", "1", "9").is_err());
        assert!(cidr("10.0.0.0/16", "0", "8").is_err());
        assert!(cidr("10.0.0.0/16", "257", "8").is_err());
        assert!(cidr("10.0.0.0/33", "1", "8").is_err());
        assert!(cidr("nonsense", "1", "8").is_err());
        assert!(cidr("10.0.0.0/16", "x", "8").is_err());
        assert!(cidr("::/0", "256", "128").is_err());
        assert_eq!(cidr("::/0", "2", "127").unwrap().len(), 2);
    }
}
