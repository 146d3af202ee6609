//! The metadata services as hops. The task metadata endpoint: on every instance ecs-init DNATs
//! 169.254.170.2:80 to the agent on 127.0.0.1:51679 (the instance's `TaskMetadata` service in
//! `model::service`), so it answers there and nowhere else: anything else for 169.254.170.2
//! leaves the instance, and the VPC does not route link-local addresses. The instance metadata
//! service: EC2 answers 169.254.169.254:80 at the ENI a packet leaves by, before any security
//! group, network ACL or route table, for the instance the ENI belongs to. So does the VPC's
//! Amazon-provided DNS server, at the VPC CIDR's base+2 and 169.254.169.253, on 53/udp and
//! 53/tcp, when the VPC has DNS support.

use super::Reason;
use super::walk::{Blocked, L4, Next, Onward, Walk};
use crate::model::dns::DNS_PORT;
use crate::model::{IMDS_IP, IMDS_PORT, METADATA_IP, METADATA_PORT, TMDS_LISTEN_PORT};
use crate::scenario::Node;
use crate::scenario::aws_service::HTTPS_PORT;
use std::net::Ipv4Addr;

/// A packet from `src` (on an instance, or through its ecs-bridge) to 169.254.170.2.
pub fn task_metadata<'a>(w: &mut Walk<'a>, src: Ipv4Addr) -> Onward<'a> {
    if w.l4 == L4::Tcp && w.port == Some(METADATA_PORT) {
        let agent = Ipv4Addr::LOCALHOST;
        let dnat = format!("DNAT {METADATA_IP}:{METADATA_PORT} -> {agent}:{TMDS_LISTEN_PORT} (agent)");
        w.step("instance: ecs-init", dnat, src, agent);
        Ok(Next::served_by(Node::Metadata, src))
    } else {
        w.step("instance: ecs-init", format!("only {METADATA_PORT}/tcp is DNATed; out through eth0"), src, METADATA_IP);
        Err(Blocked::timeout(
            Reason::NoRouteToDestination,
            format!(
                "the metadata endpoint answers only {METADATA_IP}:{METADATA_PORT}/tcp; anything else leaves the instance and the VPC does not route link-local addresses"
            ),
        ))
    }
}

/// A packet from `src` leaving ENI `eni` for 169.254.169.254.
pub fn instance_metadata<'a>(w: &mut Walk<'a>, eni: usize, src: Ipv4Addr) -> Onward<'a> {
    let at = super::walk::eni_name(w.lab, eni);
    if w.l4 == L4::Tcp && w.port == Some(IMDS_PORT) {
        w.step(
            at,
            format!("{IMDS_IP}:{IMDS_PORT} answers at the ENI (no security group or network ACL)"),
            src,
            IMDS_IP,
        );
        Ok(Next::served_by(Node::InstanceMetadata, src))
    } else {
        w.step(at, format!("{IMDS_IP} answers only {IMDS_PORT}/tcp"), src, IMDS_IP);
        Err(Blocked::timeout(
            Reason::NoListener,
            format!("the instance metadata service answers only {IMDS_IP}:{IMDS_PORT}/tcp; anything else is dropped"),
        ))
    }
}

/// A packet from `src` leaving ENI `eni` for the VPC's resolver at `dst`.
pub fn resolver<'a>(w: &mut Walk<'a>, eni: usize, src: Ipv4Addr, dst: Ipv4Addr) -> Onward<'a> {
    let at = super::walk::eni_name(w.lab, eni);
    if !w.lab.vpc.dns.support {
        w.step(at, format!("{dst}: enableDnsSupport is off, nothing answers"), src, dst);
        return Err(Blocked::timeout(
            Reason::DnsSupportDisabled,
            format!("the VPC's DNS support is off: the Amazon-provided DNS server at {dst} does not answer"),
        ));
    }
    if w.http && w.port == Some(DNS_PORT) {
        // The connection opens, and the resolver waits for a DNS message: no HTTP answer.
        w.step(at, format!("{dst}:{DNS_PORT} speaks DNS: an HTTP request gets no answer"), src, dst);
        return Err(Blocked::timeout(Reason::NoListener, format!("the resolver at {dst} speaks DNS, not HTTP")));
    }
    if matches!(w.l4, L4::Udp | L4::Tcp) && w.port == Some(DNS_PORT) {
        w.step(
            at,
            format!("{dst}:{DNS_PORT} answers at the ENI (Amazon-provided DNS: no security group or network ACL)"),
            src,
            dst,
        );
        Ok(Next::served_by(Node::Dns, src))
    } else {
        w.step(at, format!("{dst} answers only {DNS_PORT}/udp and {DNS_PORT}/tcp"), src, dst);
        Err(Blocked::timeout(
            Reason::NoListener,
            format!(
                "the Amazon-provided DNS server answers only {DNS_PORT}/udp and {DNS_PORT}/tcp at {dst}; anything else is dropped"
            ),
        ))
    }
}

/// A front door (an AWS endpoint) reached at `dst` by way of `at`: `node` answers HTTPS on
/// 443/tcp; a plain HTTP request gets its connection closed (refused); anything else gets what
/// `other` says (an RST where nothing filters, a drop where the namespace's firewall does).
pub fn https_door<'a>(
    w: &mut Walk<'a>,
    (at, node): (String, Node),
    (src, dst): (Ipv4Addr, Ipv4Addr),
    other: Blocked,
) -> Onward<'a> {
    match (w.l4, w.port) {
        (L4::Tcp, Some(HTTPS_PORT)) if w.http => {
            w.step(at, format!("{node} answers HTTPS only"), src, dst);
            Err(Blocked::refused(
                Reason::NoListener,
                format!("{node} speaks HTTPS: a plain HTTP request gets no HTTP answer (the connection is closed)"),
            ))
        }
        (L4::Tcp, Some(HTTPS_PORT)) => {
            w.step(at, format!("{node} answers HTTPS on {HTTPS_PORT}/tcp"), src, dst);
            Ok(Next::served_by(node, src))
        }
        _ => {
            w.step(at, format!("{node} answers only {HTTPS_PORT}/tcp"), src, dst);
            Err(other)
        }
    }
}

/// A packet from `src` delivered to an ENI of interface endpoint `x` at `dst`: an endpoint
/// carries TCP to its service only; nothing else gets an answer.
pub fn endpoint<'a>(w: &mut Walk<'a>, x: usize, src: Ipv4Addr, dst: Ipv4Addr) -> Onward<'a> {
    let e = &w.lab.endpoints[x];
    let node = Node::Endpoint(e.name.clone());
    let at = format!("{node} ({}, PrivateLink to {})", e.id, e.service);
    let other =
        Blocked::timeout(Reason::NoListener, format!("{node} answers only {HTTPS_PORT}/tcp; anything else is dropped"));
    https_door(w, (at, node), (src, dst), other)
}

/// A packet from `src` that a route table sent to gateway endpoint `x`: the service answers
/// at its address on 443/tcp, seeing the private source (no NAT, no internet gateway).
pub fn gateway_endpoint<'a>(w: &mut Walk<'a>, x: usize, src: Ipv4Addr, dst: Ipv4Addr) -> Onward<'a> {
    let e = &w.lab.endpoints[x];
    let at = format!("endpoint/{} ({}: no NAT, the source stays private)", e.name, e.id);
    let svc = Node::Aws(e.service);
    if dst != e.service.public_ip() {
        w.step(at, format!("nothing of {svc} at {dst}"), src, dst);
        return Err(Blocked::timeout(Reason::NoListener, format!("{svc} answers at {} only", e.service.public_ip())));
    }
    let other = Blocked::timeout(Reason::NoListener, format!("{svc} answers only {HTTPS_PORT}/tcp"));
    https_door(w, (at, svc), (src, dst), other)
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::{code, is, lab, tcp};
    use crate::scenario::{Outcome, ProbeProto};

    #[test]
    fn who_reaches_the_instance_metadata_service() {
        let l = lab("scenarios/14-instance-metadata.yaml");
        let ok = (Some(Outcome::Connected), None);
        for from in ["instance/open", "task/bridge-open", "task/vpc-open", "task/host-open", "task/host-hard"] {
            assert_eq!(tcp(&l, from, "imds"), ok, "{from}");
        }
        assert_eq!(tcp(&l, "task/bridge-hard", "imds"), is(Outcome::Timeout, "IMDS_BLOCKED"));
        assert_eq!(tcp(&l, "task/vpc-hard", "imds"), is(Outcome::Refused, "IMDS_BLOCKED"));
        // Only 80/tcp: other ports and udp are dropped by the router, as EC2 answers nothing there.
        assert_eq!(tcp(&l, "instance/open", "imds:443"), is(Outcome::Timeout, "NO_LISTENER"));
        let udp = code(&l, "task/vpc-open", "imds:80", ProbeProto::Udp, None);
        assert_eq!(udp.0, Some(Outcome::Timeout));
    }
}
