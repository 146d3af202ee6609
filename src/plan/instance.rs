//! A container instance: its sysctls, its bridges (docker0, ecs-bridge) and the one nft table of
//! what Docker and ecs-init install on it.

use super::container::PublishedPort;
use super::nft::{self, TableBuilder};
use super::{Bridge, Plan, docker, net};
use crate::model::{ECS_BRIDGE_GW, ECS_BRIDGE_PREFIX, Instance};
use crate::model::{INTROSPECTION_PORT, METADATA_IP, METADATA_PORT, TMDS_LISTEN_PORT};
use nftables::types::{NfChainPolicy as Policy, NfChainType as Ty, NfHook as Hook};
use std::net::Ipv4Addr;

/// ecs-init: the metadata DNAT to 127.0.0.1 needs route_localnet (ECS-FACTS §2.1). Bridge
/// netfilter off: docker-proxy's stand-in DNATs a container's packet to its own published port,
/// which, DNATed while bridged, would have to leave by the bridge port it came in on (hairpin
/// mode, which Docker leaves off with the proxy on); routed through docker0 it needs none. The
/// key only exists where br_netfilter is loaded, and is skipped elsewhere.
pub(super) fn sysctls(p: &mut Plan, inst: &Instance) {
    p.sysctl(&inst.ns, "net.ipv4.conf.all.route_localnet", "1");
    p.sysctl(&inst.ns, "net.bridge.bridge-nf-call-iptables", "0");
}

/// docker0 (down until a container attaches, as in the seed; no transmit queue and a MAC of
/// Docker's 02:42 prefix, as Docker creates it), and ecs-bridge when an awsvpc task created it,
/// with their gateway addresses (ecs-bridge's without broadcast, as the ecs-bridge plugin adds it).
pub(super) fn bridges(p: &mut Plan, inst: &Instance, ecs_bridge: bool) {
    let ns = inst.ns.as_str();
    p.bridges.push(Bridge { ns: ns.into(), name: "docker0".into(), mac: inst.docker0_mac.clone(), txqlen: Some(0) });
    p.addr(ns, "docker0", inst.docker0_gw(), inst.docker0.prefix());
    // Docker (setupDefaultSysctl) and ecs-init both turn router advertisements off on docker0.
    p.link_sysctl(ns, "net.ipv6.conf.docker0.accept_ra".into(), "0");
    p.static_neighbours_only(ns, "docker0");
    if ecs_bridge {
        let mac = inst.ecs_bridge_mac.clone();
        p.bridges.push(Bridge { ns: ns.into(), name: "ecs-bridge".into(), mac, txqlen: None });
        p.addr_no_broadcast(ns, "ecs-bridge", ECS_BRIDGE_GW, ECS_BRIDGE_PREFIX);
        p.static_neighbours_only(ns, "ecs-bridge");
    }
}

/// What Docker and ecs-init install on the instance, as one nft table.
pub(super) fn firewall(p: &mut Plan, inst: &Instance, published: &[PublishedPort]) {
    let mut t = TableBuilder::new();
    t.base("prerouting", Ty::NAT, Hook::Prerouting, -100, Policy::Accept);
    t.base("output", Ty::NAT, Hook::Output, -100, Policy::Accept);
    t.base("postrouting", Ty::NAT, Hook::Postrouting, 100, Policy::Accept);
    t.base("input", Ty::Filter, Hook::Input, 0, Policy::Accept);
    docker::chains(&mut t);
    ecs_init_metadata(&mut t);
    ecs_init_introspection(&mut t, inst);
    ecs_init_localhost_guard(&mut t);
    docker::nat(&mut t, inst, published);
    // AWS's rule goes first in DOCKER-USER (`--insert DOCKER-USER 1`), before Docker's return.
    super::instance_metadata::bridge_block(&mut t, inst);
    docker::filter(&mut t, published);
    p.firewall(&inst.ns, t.build());
}

/// ecs-init: task traffic to the metadata address goes to the agent on 127.0.0.1:51679;
/// the instance's own (host mode) traffic is redirected in OUTPUT.
fn ecs_init_metadata(t: &mut TableBuilder) {
    t.rule(
        "prerouting",
        vec![
            nft::ip_daddr(nft::ip(METADATA_IP)),
            nft::dport("tcp", METADATA_PORT),
            nft::counter(),
            nft::dnat(Ipv4Addr::LOCALHOST, Some(TMDS_LISTEN_PORT)),
        ],
        Some("ecs-init: task metadata endpoint"),
    );
    t.rule(
        "output",
        vec![
            nft::ip_daddr(nft::ip(METADATA_IP)),
            nft::dport("tcp", METADATA_PORT),
            nft::counter(),
            nft::redirect(TMDS_LISTEN_PORT),
        ],
        Some("ecs-init: task metadata endpoint (host mode)"),
    );
}

/// ecs-init: the agent's introspection API (:51678) only from loopback and docker0, unless
/// ECS_ALLOW_OFFHOST_INTROSPECTION_ACCESS (ecs-init/exec/iptables/iptables.go: `INPUT -p tcp
/// --dport 51678 -i docker0 -j ACCEPT` inserted above `INPUT -p tcp --dport 51678 ! -i lo -j DROP`).
fn ecs_init_introspection(t: &mut TableBuilder, inst: &Instance) {
    if inst.agent_config.offhost_introspection {
        return;
    }
    let port = || nft::dport("tcp", INTROSPECTION_PORT);
    t.rule("input", vec![port(), nft::iifname("docker0"), nft::accept()], Some("ecs-init: introspection from docker0"));
    t.rule(
        "input",
        vec![port(), nft::iifname_ne("lo"), nft::counter(), nft::drop()],
        Some("ecs-init: no off-host introspection"),
    );
}

/// ecs-init: route_localnet lets 127.0.0.0/8 be routed, so it drops what arrives for it from
/// elsewhere unless a DNAT sent it there (ecs-init/exec/iptables/iptables.go: `INPUT -d
/// 127.0.0.0/8 ! -s 127.0.0.0/8 ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`).
fn ecs_init_localhost_guard(t: &mut TableBuilder) {
    let loopback = nft::prefix(net(Ipv4Addr::LOCALHOST, 8));
    t.rule("input", vec![nft::ct_state(&["established", "related"]), nft::accept()], None);
    t.rule("input", vec![nft::ct_status_dnat(), nft::accept()], None);
    t.rule(
        "input",
        vec![nft::ip_daddr(loopback.clone()), nft::ip_saddr_ne(loopback), nft::counter(), nft::drop()],
        Some("ecs-init: localhost only from localhost"),
    );
}
