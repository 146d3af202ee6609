//! The internet side of a lab: its hosts, each listening on its ports, and the client, which
//! listens on nothing but answers echo requests. Any other address the client sends to is the
//! internet gateway's; what comes from the VPC to an address the internet lacks ends here.

use super::Reason;
use super::internet_gateway;
use super::walk::{Blocked, L4, Next, Onward, Walk};
use crate::scenario::Node;
use crate::scenario::aws_service::{AwsService, HTTPS_PORT};
use std::net::Ipv4Addr;

/// A packet on the internet, from `src` to `dst`.
pub fn deliver<'a>(w: &mut Walk<'a>, src: Ipv4Addr, dst: Ipv4Addr) -> Onward<'a> {
    let lab = w.lab;
    // The internet's own addresses (its hosts, its client, loopback) answer whether or not the
    // VPC has an internet gateway.
    if dst.is_loopback() {
        // Hosts listen on their own addresses only.
        return if w.l4 == L4::Icmp {
            Ok(Next::answered(src))
        } else {
            Err(Blocked::refused(Reason::NoListener, format!("nothing listens on {dst} on the internet")))
        };
    }
    if let Some(h) = lab.internet.hosts.iter().find(|h| h.ip.value == dst) {
        let host = Node::internet_host(&h.name.value);
        return if w.listens(&h.listen, false) {
            Ok(Next::served_by(host, src))
        } else {
            Err(Blocked::refused(Reason::NoListener, format!("{host} does not listen there")))
        };
    }
    if crate::model::dns::is_internet_resolver(lab, dst) {
        w.step("internet", format!("{dst} is the internet's DNS resolver (53/udp, 53/tcp)"), src, dst);
        return match (w.l4, w.port) {
            (L4::Icmp, _) => Ok(Next::answered(src)),
            (L4::Udp | L4::Tcp, Some(crate::model::dns::DNS_PORT)) => Ok(Next::served_by(Node::Ip(dst), src)),
            _ => Err(Blocked::refused(Reason::NoListener, format!("the internet's resolver at {dst} answers only 53"))),
        };
    }
    if let Some(svc) = AwsService::at(dst) {
        if w.l4 == L4::Icmp {
            return Ok(Next::answered(src));
        }
        let at = format!("internet: {svc}'s public endpoint");
        let other = Blocked::refused(Reason::NoListener, format!("{svc} answers only {HTTPS_PORT}/tcp"));
        return super::service::https_door(w, (at, Node::Aws(svc)), (src, dst), other);
    }
    if dst == lab.internet.client {
        return if w.l4 == L4::Icmp {
            Ok(Next::answered(src))
        } else {
            Err(Blocked::refused(Reason::NoListener, "the internet client listens on nothing"))
        };
    }
    if lab.vpc.igw_ns.is_none() {
        return Err(Blocked::refused(Reason::NoRouteToDestination, "the VPC has no internet gateway"));
    }
    // The internet forwards nothing back: what the gateway sent out from the VPC to an address
    // no one on the internet has ends there (the gateway itself turns around a packet to a
    // public IP of the VPC).
    let public = |ip: Ipv4Addr| lab.live_enis().any(|e| e.public_ip == Some(ip));
    if public(src) && !public(dst) {
        w.step("internet", format!("nothing on the internet has {dst}: dropped"), src, dst);
        return Err(Blocked::timeout(Reason::NoRouteToDestination, format!("nothing on the internet has {dst}")));
    }
    internet_gateway::inbound(w, src, dst)
}
