//! A bridge-mode container: `eth0` on the instance's docker0, as Docker plugs it, and the ports
//! it publishes on the instance.

use super::{Plan, Veth, default_net};
use crate::model::{Container, Instance};
use std::net::Ipv4Addr;

/// A container port published on its instance (Docker's `-p HOST:CONTAINER/PROTO`).
pub struct PublishedPort {
    pub proto: String,
    pub host_port: u16,
    pub container_ip: Ipv4Addr,
    pub container_port: u16,
}

impl PublishedPort {
    /// `WHO: HOST_PORT/PROTO -> CONTAINER:PORT`, the comment of its rules.
    pub fn describe(&self, who: &str) -> String {
        format!("{who}: {}/{} -> {}:{}", self.host_port, self.proto, self.container_ip, self.container_port)
    }
}

/// The container's veth, address, default route and neighbours; returns the ports it publishes
/// (for the instance's firewall). A container without a docker0 address has none of it.
pub(super) fn docker_eth0(p: &mut Plan, inst: &Instance, c: &Container) -> Vec<PublishedPort> {
    let (Some(ip), Some(veth_host)) = (c.ip, &c.veth_host) else { return vec![] };
    let ns = inst.ns.as_str();
    p.veths.push(Veth {
        master: Some("docker0".into()),
        peer_mac: c.mac.clone(),
        ..Veth::between(ns, veth_host, &c.ns, "eth0")
    });
    // Docker's addresses are ecsnet's to allocate: resolve them statically both ways, so
    // docker0 traffic uses no entry of the kernel's shared (and capped) ARP table.
    if let Some(mac) = &c.mac {
        p.neighbour(ns, "docker0", ip, mac);
    }
    let gw = inst.docker0_gw();
    p.neighbour(&c.ns, "eth0", gw, &inst.docker0_mac);
    p.static_neighbours_only(&c.ns, "eth0");
    p.addr(&c.ns, "eth0", ip, inst.docker0.prefix());
    p.route(&c.ns, default_net(), Some(gw), Some("eth0"));
    c.ports
        .iter()
        .filter_map(|b| {
            let host_port = b.host_port?;
            Some(PublishedPort {
                proto: b.proto.to_string(),
                host_port,
                container_ip: ip,
                container_port: b.container_port,
            })
        })
        .collect()
}

/// Each container of one docker0 resolves the others statically: Docker's bridge forwards
/// between them directly, so each needs its peers' MACs, and learning them by ARP would take
/// entries of the kernel's shared, capped table (one per pair of containers of an instance).
pub(super) fn docker0_peers(p: &mut Plan, on_docker0: &[&Container]) {
    let resolved: Vec<(&Container, Ipv4Addr, &str)> =
        on_docker0.iter().filter_map(|c| Some((*c, c.ip?, c.mac.as_deref()?))).collect();
    for (c, ip, _) in &resolved {
        for (_, peer_ip, peer_mac) in resolved.iter().filter(|(_, peer_ip, _)| peer_ip != ip) {
            p.neighbour(&c.ns, "eth0", *peer_ip, peer_mac);
        }
    }
}
