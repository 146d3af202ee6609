//! `ecsnet explain LAB|FILE FROM TO:PORT`: the hop-by-hop verdict and its reason, computed on
//! the model (no packets, no root needed for a file).

use super::{EXIT_FAILED, EXIT_INVALID, EXIT_OK};
use crate::scenario::{Outcome, ProbeProto, Via};

pub fn run(target: &str, from: &str, to: &str, protocol: &str, via: Option<&str>, json: bool) -> i32 {
    let lab = if std::path::Path::new(target).is_file() {
        match super::prepare(std::path::Path::new(target)) {
            Ok((_, lab, _)) => lab,
            Err((c, m)) => {
                eprintln!("{m}");
                return c;
            }
        }
    } else {
        match crate::state::load_lab(target) {
            Ok(l) => l,
            Err(e) => {
                eprintln!("ecsnet: {e} (or give a scenario file)");
                return EXIT_FAILED;
            }
        }
    };
    let proto = match protocol {
        "tcp" => ProbeProto::Tcp,
        "udp" => ProbeProto::Udp,
        "http" => ProbeProto::Http,
        "icmp" => ProbeProto::Icmp,
        p => {
            eprintln!("ecsnet: unknown protocol `{p}` (tcp, udp, http, icmp)");
            return EXIT_INVALID;
        }
    };
    let via = match via {
        None => None,
        Some("hostPort") => Some(Via::HostPort),
        Some("publicHostPort") => Some(Via::PublicHostPort),
        Some(v) => {
            eprintln!("ecsnet: unknown via `{v}` (hostPort, publicHostPort)");
            return EXIT_INVALID;
        }
    };
    let (src, dst) = match (crate::scenario::parse_endpoint(from), crate::scenario::parse_endpoint(to)) {
        (Ok(s), Ok(d)) => (s.0, d),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("ecsnet: {e}");
            return EXIT_INVALID;
        }
    };
    let a = crate::analyze::analyze(&lab, &src, &dst.0, dst.1, proto, via);
    if json {
        println!("{}", serde_json::to_string_pretty(&a).unwrap_or_default());
    } else {
        println!("{from} -> {to}/{protocol} in lab {}", lab.name);
        print!("{}", crate::analyze::render(&a));
    }
    if a.outcome == Some(Outcome::Connected) { EXIT_OK } else { EXIT_FAILED }
}
