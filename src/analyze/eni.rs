//! An ENI: a packet leaving it into the VPC (its security groups' egress, then its subnet's route
//! table) and a packet the fabric delivers to it (the ACLs of the subnets crossed, its security
//! groups' ingress, then whatever owns it: an instance, a task or a NAT gateway).

use super::walk::{Dir, Next, Onward, Walk};
use super::{instance, internet_gateway, nat_gateway, network_acl, route_table, security_group, service, task};
use crate::model::{EniOwner, IMDS_IP};
use route_table::Forward;
use std::net::Ipv4Addr;

/// From ENI `eni` (source address its private IP) into the VPC.
pub fn leave<'a>(w: &mut Walk<'a>, eni: usize, dst: Ipv4Addr) -> Onward<'a> {
    let e = &w.lab.enis[eni];
    let src = e.ip;
    if dst == IMDS_IP {
        return service::instance_metadata(w, eni, src);
    }
    if w.lab.vpc.dns.is_resolver(dst) {
        return service::resolver(w, eni, src, dst);
    }
    leave_from(w, eni, src, dst)
}

/// From ENI `eni` into the VPC with source `src`: its security groups' egress, its subnet's
/// route table.
pub fn leave_from<'a>(w: &mut Walk<'a>, eni: usize, src: Ipv4Addr, dst: Ipv4Addr) -> Onward<'a> {
    let e = &w.lab.enis[eni];
    security_group::gate(w, eni, Dir::Egress, src, dst)?;
    match route_table::forward(w, e.subnet, src, dst)? {
        Forward::Eni(to) => Ok(Next::ArriveAtEni { from_subnet: Some(e.subnet), eni: to, src }),
        Forward::InternetGateway => internet_gateway::egress(w, eni, dst),
        Forward::NatGateway(nat) => nat_gateway::forward(w, nat, e.subnet, src, dst),
        Forward::GatewayEndpoint(x) => {
            network_acl::crossing(w, Some(e.subnet), None, src, dst)?;
            service::gateway_endpoint(w, x, src, dst)
        }
    }
}

/// The fabric delivers a packet from `src` to ENI `eni`'s private address, from subnet
/// `from_subnet` (None: from the internet gateway).
pub fn arrive<'a>(w: &mut Walk<'a>, from_subnet: Option<usize>, eni: usize, src: Ipv4Addr) -> Onward<'a> {
    let lab = w.lab;
    let e = &lab.enis[eni];
    network_acl::crossing(w, from_subnet, Some(e.subnet), src, e.ip)?;
    security_group::gate(w, eni, Dir::Ingress, src, e.ip)?;
    if from_subnet.is_none() && e.owner_answers() {
        internet_gateway::reply_route(w, eni, src)?;
    }
    match e.owner {
        EniOwner::Instance(i) => instance::arrive(w, i, instance::Origin::Remote(src), e.ip),
        EniOwner::Nat(nat) => Err(nat_gateway::inbound(lab, nat)),
        EniOwner::Task(t) => task::arrive(w, &lab.tasks[t], src, e.ip),
        EniOwner::Endpoint(x) => service::endpoint(w, x, src, e.ip),
        EniOwner::LoadBalancer(x) if lab.load_balancers[x].is_network() => {
            super::network_load_balancer::arrive(w, x, eni, src)
        }
        EniOwner::LoadBalancer(x) => super::load_balancer::arrive(w, x, eni, src),
    }
}
