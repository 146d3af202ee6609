//! Deterministic identifiers and names. Everything is derived from the lab name and the object's
//! own name, so that a plan is reproducible (tests can assert it) and two labs never share a name.

use std::net::Ipv4Addr;

/// 64-bit FNV-1a: small, stable across Rust versions (unlike `DefaultHasher`).
pub fn fnv64(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.as_bytes().iter().chain(std::iter::once(&0xffu8)) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// splitmix64's finalizer: FNV of near-identical inputs differs in few bits, and ids made of
/// such chunks look visibly patterned; this spreads every bit over the whole word.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// `n` lowercase hex characters derived from `parts` (n ≤ 64).
pub fn hex(parts: &[&str], n: usize) -> String {
    let mut out = String::with_capacity(n + 16);
    let mut salt = 0u32;
    while out.len() < n {
        let s = salt.to_string();
        let mut v: Vec<&str> = parts.to_vec();
        v.push(&s);
        out.push_str(&format!("{:016x}", mix(fnv64(&v))));
        salt += 1;
    }
    out.truncate(n);
    out
}

/// Lab names become file and namespace names: `[a-z0-9-]`, 1–20 characters, no leading or
/// trailing `-` (so never `/`, `..` or NUL).
pub fn valid_lab_name(s: &str) -> bool {
    (1..=20).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// Prefix of every named network namespace of every lab. The lab name cannot contain `.`, so
/// `ecsnet.<lab>.` is an unambiguous prefix: lab `a` never matches the namespaces of lab `a-b`.
pub const NS_PREFIX: &str = "ecsnet.";

pub fn ns_prefix(lab: &str) -> String {
    format!("{NS_PREFIX}{lab}.")
}

/// True when `name` is a namespace name ecsnet could have made for `lab`: exactly this lab's
/// prefix (with the dot), then a non-empty rest of `[A-Za-z0-9_.-]` with no `..`, and short
/// enough for a file name. Anything else in a journal is not the lab's.
pub fn is_lab_ns(lab: &str, name: &str) -> bool {
    let Some(rest) = name.strip_prefix(&ns_prefix(lab)) else { return false };
    valid_lab_name(lab)
        && name.len() <= 255
        && !rest.is_empty()
        && !rest.starts_with('.')
        && !rest.contains("..")
        && rest.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

pub fn ns_name(lab: &str, kind: &str, name: &str) -> String {
    if name.is_empty() { format!("{NS_PREFIX}{lab}.{kind}") } else { format!("{NS_PREFIX}{lab}.{kind}.{name}") }
}

/// The alias every link of a lab carries (IFLA_IFALIAS), so that ownership can be proven from the
/// link alone.
pub fn link_alias(lab: &str) -> String {
    format!("ecsnet:{lab}")
}

/// A locally administered unicast MAC from a hash; `first` sets the first octet (AWS ENIs use
/// 0x02/0x06/0x0a/0x0e, all locally administered).
pub fn mac(first: u8, parts: &[&str]) -> [u8; 6] {
    let h = fnv64(parts).to_be_bytes();
    [first, h[0], h[1], h[2], h[3], h[4]]
}

pub fn mac_str(m: &[u8; 6]) -> String {
    m.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
}

/// EC2's private DNS name of an address: `ip-10-0-1-5.ec2.internal` in us-east-1,
/// `ip-10-0-1-5.<region>.compute.internal` elsewhere.
pub fn private_dns_name(region: &str, ip: Ipv4Addr) -> String {
    let o = ip.octets();
    format!("ip-{}-{}-{}-{}.{}", o[0], o[1], o[2], o[3], private_domain(region))
}

/// The zone of Amazon-provided private names: `ec2.internal` in us-east-1, else
/// `REGION.compute.internal`.
pub fn private_domain(region: &str) -> String {
    if region == "us-east-1" { "ec2.internal".to_string() } else { format!("{region}.compute.internal") }
}

/// A made-up but stable image id (`sha256:` + 64 hex): nothing is pulled.
pub fn image_id(image: &str) -> String {
    format!("sha256:{}", hex(&["image", image], 64))
}

/// A UUID-shaped id derived from `parts`.
pub fn uuid_like(parts: &[&str]) -> String {
    let h = hex(parts, 32);
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_stable_and_sized() {
        assert_eq!(hex(&["a"], 12).len(), 12);
        assert_eq!(hex(&["a"], 64).len(), 64);
        assert_eq!(hex(&["a", "b"], 20), hex(&["a", "b"], 20));
        assert_ne!(hex(&["a", "b"], 20), hex(&["ab"], 20));
    }

    #[test]
    fn only_the_labs_own_namespace_names() {
        assert!(is_lab_ns("a", "ecsnet.a.instance.i-1"));
        assert!(is_lab_ns("a", &ns_name("a", "task", "web")));
        for foreign in ["other", "ecsnet.b.x", "ecsnet.a-b.x", "ecsnet.a.", "ecsnet.a", "ecsnet.a.../x", "ecsnet.a.x/y"]
        {
            assert!(!is_lab_ns("a", foreign), "{foreign}");
        }
        assert!(!is_lab_ns("a", "ecsnet.a.../../tmp/x"));
        assert!(!is_lab_ns("../a", "ecsnet.../a.x"));
    }

    #[test]
    fn ns_prefix_is_unambiguous() {
        let a = ns_name("a", "vpc", "");
        let ab = ns_name("a-b", "vpc", "");
        assert!(a.starts_with(&ns_prefix("a")));
        assert!(!ab.starts_with(&ns_prefix("a")));
    }

    #[test]
    fn mac_is_locally_administered_unicast() {
        let m = mac(0x0e, &["x"]);
        assert_eq!(m[0] & 0x01, 0);
        assert_eq!(m[0] & 0x02, 0x02);
    }

    #[test]
    fn dns_names() {
        let ip = Ipv4Addr::new(10, 0, 145, 174);
        assert_eq!(private_dns_name("ap-northeast-1", ip), "ip-10-0-145-174.ap-northeast-1.compute.internal");
        assert_eq!(private_dns_name("us-east-1", ip), "ip-10-0-145-174.ec2.internal");
    }
}
