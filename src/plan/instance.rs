//! A container instance: its bridges (docker0, ecs-bridge) and the one nft table of what
//! Docker and ecs-init install on it.

use super::container::PublishedPort;
use super::nft::{self, TableBuilder};
use super::{Bridge, Plan, net};
use crate::model::{ECS_BRIDGE_GW, ECS_BRIDGE_PREFIX, Instance};
use crate::model::{METADATA_IP, METADATA_PORT, TMDS_LISTEN_PORT};
use nftables::types::{NfChainPolicy as Policy, NfChainType as Ty, NfHook as Hook};
use std::net::Ipv4Addr;

/// ecs-init: the metadata DNAT to 127.0.0.1 needs route_localnet (ECS-FACTS §2.1).
pub(super) fn sysctls(p: &mut Plan, inst: &Instance) {
    p.sysctl(&inst.ns, "net.ipv4.conf.all.route_localnet", "1");
}

/// docker0 (down until a container attaches, as in the seed), and ecs-bridge when an awsvpc
/// task created it, with their gateway addresses.
pub(super) fn bridges(p: &mut Plan, inst: &Instance, ecs_bridge: bool) {
    let ns = inst.ns.as_str();
    p.bridges.push(Bridge { ns: ns.into(), name: "docker0".into(), mac: inst.docker0_mac.clone() });
    p.addr(ns, "docker0", inst.docker0_gw(), inst.docker0.prefix());
    if ecs_bridge {
        p.bridges.push(Bridge { ns: ns.into(), name: "ecs-bridge".into(), mac: inst.ecs_bridge_mac.clone() });
        p.addr(ns, "ecs-bridge", ECS_BRIDGE_GW, ECS_BRIDGE_PREFIX);
    }
}

/// What Docker and ecs-init install on the instance, as one nft table.
pub(super) fn firewall(p: &mut Plan, inst: &Instance, published: &[PublishedPort]) {
    let mut t = TableBuilder::new();
    t.base("prerouting", Ty::NAT, Hook::Prerouting, -100, Policy::Accept);
    t.base("output", Ty::NAT, Hook::Output, -100, Policy::Accept);
    t.base("postrouting", Ty::NAT, Hook::Postrouting, 100, Policy::Accept);
    t.base("input", Ty::Filter, Hook::Input, 0, Policy::Accept);
    ecs_init_metadata(&mut t);
    ecs_init_localhost_guard(&mut t);
    for port in published {
        docker_publish(&mut t, port);
    }
    docker_masquerade(&mut t, inst);
    super::instance_metadata::bridge_block(&mut t, inst);
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

/// Docker: a published port, for traffic arriving from outside and from the instance itself.
/// On 127.0.0.1 Docker's userland proxy answers (the OUTPUT rule excludes 127.0.0.0/8); its
/// effect, the container reached from 172.17.0.1, is a DNAT here and a masquerade on docker0.
fn docker_publish(t: &mut TableBuilder, port: &PublishedPort) {
    let PublishedPort { proto, host_port, container_ip, container_port } = port;
    let comment = format!("docker: {host_port}/{proto} -> {container_ip}:{container_port}");
    t.rule(
        "prerouting",
        vec![
            nft::fib_daddr_local(),
            nft::dport(proto, *host_port),
            nft::counter(),
            nft::dnat(*container_ip, Some(*container_port)),
        ],
        Some(&comment),
    );
    t.rule(
        "output",
        vec![
            nft::fib_daddr_local(),
            nft::ip_daddr_ne(nft::prefix(net(Ipv4Addr::new(127, 0, 0, 0), 8))),
            nft::dport(proto, *host_port),
            nft::counter(),
            nft::dnat(*container_ip, Some(*container_port)),
        ],
        Some(&comment),
    );
    t.rule(
        "output",
        vec![
            nft::ip_daddr(nft::prefix(net(Ipv4Addr::LOCALHOST, 8))),
            nft::dport(proto, *host_port),
            nft::counter(),
            nft::dnat(*container_ip, Some(*container_port)),
        ],
        Some(&format!("{comment} (docker-proxy on 127.0.0.1)")),
    );
}

/// Docker: containers leave behind the instance's address.
fn docker_masquerade(t: &mut TableBuilder, inst: &Instance) {
    let docker0 = inst.docker0;
    t.rule(
        "postrouting",
        vec![nft::ip_saddr(nft::prefix(docker0)), nft::oifname_ne("docker0"), nft::counter(), nft::masquerade()],
        Some("docker: outbound from containers"),
    );
    // A container reaching a published port through the instance's address comes back
    // in on docker0: it is seen from 172.17.0.1, as Docker's userland proxy makes it.
    t.rule(
        "postrouting",
        vec![
            nft::ip_saddr(nft::prefix(docker0)),
            nft::oifname("docker0"),
            nft::ct_status_dnat(),
            nft::counter(),
            nft::masquerade(),
        ],
        Some("docker: hairpin to a published port"),
    );
    // docker-proxy connects to the container from docker0's address.
    t.rule(
        "postrouting",
        vec![
            nft::ip_saddr(nft::prefix(net(Ipv4Addr::LOCALHOST, 8))),
            nft::oifname("docker0"),
            nft::counter(),
            nft::masquerade(),
        ],
        Some("docker-proxy: from 172.17.0.1"),
    );
}
