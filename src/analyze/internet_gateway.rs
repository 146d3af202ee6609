//! The internet gateway: the 1:1 NAT between an ENI's private address and its public IP (or a
//! NAT gateway's Elastic IP), both ways. Out, an ENI without a public IP is not translated and
//! its packets are dropped; in, an address that is no public IP of the VPC is dropped.

use super::Reason;
use super::network_acl;
use super::route_table::{self, NextHop};
use super::walk::{Blocked, DropSite, Next, Onward, Walk};
use crate::model::EniOwner;
use crate::model::internet_gateway as igw;
use std::net::Ipv4Addr;

/// A packet from ENI `eni` that its subnet's route table sends to the gateway.
pub fn egress<'a>(w: &mut Walk<'a>, eni: usize, dst: Ipv4Addr) -> Onward<'a> {
    let e = &w.lab.enis[eni];
    let src = e.ip;
    network_acl::crossing(w, Some(e.subnet), None, src, dst)?;
    let Some(public) = e.public_ip else {
        let code = if ec2_task(w.lab, e.owner) {
            Reason::NoPublicIpOnEc2TaskEni
        } else {
            Reason::IgwPublicIpAssociationForEgress
        };
        w.step("internet gateway", format!("{} has no public IP: not translated, dropped", e.id), src, dst);
        let blocked = Blocked::timeout(
            code,
            format!("{} has no public IP, so nothing it sends crosses the internet gateway", e.id),
        );
        // The gateway translates a public IP of the VPC to its private address before it
        // filters (a hairpin): that is what its rule sees.
        let at_rule = w.lab.live_enis().find(|x| x.public_ip == Some(dst)).map_or(dst, |x| x.ip);
        return Err(at_gateway(w, blocked, igw::DROP_NO_PUBLIC_IP, (src, at_rule)));
    };
    Ok(translate_out(w, src, public, dst))
}

/// A drop by the gateway's rule logging `prefix`, of the packet `src -> dst`.
fn at_gateway(w: &Walk, blocked: Blocked, prefix: &str, (src, dst): (Ipv4Addr, Ipv4Addr)) -> Blocked {
    let Some(ns) = w.lab.vpc.igw_ns.clone() else { return blocked };
    let site = DropSite { ns, prefix: prefix.into(), src, dst, port: w.port, reply: false };
    blocked.dropped_at(w, site)
}

/// Whether `owner` is an EC2 task, whose ENI can never have a public IP (a Fargate task's has
/// one only with `assignPublicIp: ENABLED`, like an instance's with its subnet's setting).
fn ec2_task(lab: &crate::model::Lab, owner: EniOwner) -> bool {
    matches!(owner, EniOwner::Task(t) if lab.tasks.get(t).is_some_and(|t| !t.is_fargate()))
}

/// The gateway's 1:1 NAT on the way out: `private` is `public` on the internet.
pub fn translate_out<'a>(w: &mut Walk, private: Ipv4Addr, public: Ipv4Addr, dst: Ipv4Addr) -> Next<'a> {
    w.step("internet gateway", format!("1:1 NAT {private} -> {public}"), public, dst);
    Next::Internet { src: public, dst }
}

/// A packet from the internet to `dst`, which is none of the internet's own addresses: the
/// public IP of an ENI is translated to its private address.
pub fn inbound<'a>(w: &mut Walk<'a>, src: Ipv4Addr, dst: Ipv4Addr) -> Onward<'a> {
    let lab = w.lab;
    let Some(eni) = lab.enis.iter().position(|e| !e.released && e.public_ip == Some(dst)) else {
        let code = match lab.live_enis().find(|e| e.ip == dst).map(|e| e.owner) {
            Some(o) if ec2_task(lab, o) => Reason::NoPublicIpOnEc2TaskEni,
            Some(_) => Reason::IgwPrivateIpAssociationForIngress,
            None => Reason::NoRouteToDestination,
        };
        w.step("internet gateway", "no public IP maps to this address: dropped", src, dst);
        let blocked = Blocked::timeout(code, format!("{dst} is not a public IP of this VPC"));
        return Err(at_gateway(w, blocked, igw::DROP_NOT_PUBLIC, (src, dst)));
    };
    let e = &lab.enis[eni];
    w.step("internet gateway", format!("1:1 NAT {dst} -> {} ({})", e.ip, e.id), src, e.ip);
    Ok(Next::ArriveAtEni { from_subnet: None, eni, src })
}

/// The answer to `src` (on the internet) from ENI `eni` goes back by its subnet's route table:
/// unless that sends `src` to this gateway, it leaves from another address (a NAT gateway's) or
/// not at all, and the client never hears from the address it reached.
pub fn reply_route(w: &mut Walk, eni: usize, src: Ipv4Addr) -> Result<(), Blocked> {
    let lab = w.lab;
    let e = &lab.enis[eni];
    let (hop, by) = route_table::lookup(lab, e.subnet, src);
    if hop == NextHop::InternetGateway {
        return Ok(());
    }
    let rt = &lab.vpc.route_tables[lab.vpc.subnets[e.subnet].route_table].name;
    let by = by.map(|n| n.to_string()).unwrap_or_else(|| "no route".into());
    w.step(format!("route table {rt} (reply)"), format!("{by}: not the internet gateway"), e.ip, src);
    Err(Blocked::timeout(
        Reason::NoRouteToDestination,
        format!("route table {rt} does not send the reply to {src} back through the internet gateway"),
    ))
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::{is, lab, lab_from_str, tcp};
    use crate::scenario::Outcome;

    const PUBLIC: &str = "version: 1\nname: igw\nvpc:\n  cidr: 10.5.0.0/16\n  internetGateway: true\n  subnets: [{name: pub, cidr: 10.5.0.0/24, routeTable: pub}]\n  routeTables: [{name: pub, routes: [{destinationCidrBlock: 0.0.0.0/0, gateway: internet-gateway}]}]\n  securityGroups: [{name: open, ingress: [{protocol: all, source: 0.0.0.0/0}]}]\ninternet:\n  hosts: [{name: api, ip: 198.51.100.80, listen: [443/tcp]}]\ninstances:\n  - {name: private-only, subnet: pub, securityGroups: [open]}\n  - {name: public, subnet: pub, publicIp: true, securityGroups: [open]}\n";

    #[test]
    fn igw_public_and_private_ip_associations() {
        let l = lab_from_str("igw.yaml", PUBLIC);
        assert_eq!(
            tcp(&l, "instance/private-only", "internet/api:443"),
            is(Outcome::Timeout, "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS")
        );
        assert_eq!(tcp(&l, "instance/public", "internet/api:443").0, Some(Outcome::Connected));
        assert_eq!(
            tcp(&l, "internet", "instance/public:22"),
            is(Outcome::Timeout, "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS")
        );
        assert_eq!(tcp(&l, "internet", "instance/public@public:22"), is(Outcome::Refused, "NO_LISTENER"));
        let (o, c) = tcp(&l, "internet", "instance/private-only@public:22");
        assert_eq!((o, c.as_deref()), (None, Some("NO_PUBLIC_IP")));
    }

    #[test]
    fn no_public_ip_on_ec2_task_eni() {
        let l = lab("scenarios/01-bridge-vs-awsvpc.yaml");
        assert_eq!(tcp(&l, "internet", "task/web-awsvpc:3000"), is(Outcome::Timeout, "NO_PUBLIC_IP_ON_EC2_TASK_ENI"));
    }
}
