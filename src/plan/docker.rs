//! What Docker 25 installs on an instance, as the ECS-optimized AMI runs it (iptables on, the
//! userland proxy on, inter-container communication on), in the instance's nft table: its nat
//! rules (the DOCKER chain's port DNATs, the outbound and hairpin masquerades) and its filter
//! chains (FORWARD policy drop, DOCKER-USER, the isolation chains, the DOCKER chain accepting
//! exactly the published ports). Read from moby v25.0: libnetwork/drivers/bridge/
//! setup_ip_tables_linux.go, libnetwork/iptables/iptables.go (`ProgramChain`, `Forward`),
//! libnetwork/firewall_linux.go (DOCKER-USER), setup_ip_forwarding.go (policy drop).
//!
//! One table holds what iptables keeps in two, so the nat table's DOCKER chain is `DOCKER-NAT`.
//!
//! docker-proxy, the userland proxy, is a process: it answers a published port on the instance's
//! own addresses for what Docker's DNAT leaves out (traffic from docker0, and to 127.0.0.0/8) and
//! connects to the container from docker0's address. ecsnet runs no such process; the
//! `docker-proxy` chain has the same effect with a DNAT, and a masquerade makes the container
//! see docker0's address, as it would see the proxy's.

use super::container::PublishedPort;
use super::net;
use super::nft::{self, TableBuilder};
use crate::model::Instance;
use nftables::types::{NfChainPolicy as Policy, NfChainType as Ty, NfHook as Hook};
use std::net::Ipv4Addr;

/// The bridge Docker's default network is.
const DOCKER0: &str = "docker0";
/// iptables' nat DOCKER chain (see the module's doc).
const NAT_CHAIN: &str = "DOCKER-NAT";
const PROXY_CHAIN: &str = "docker-proxy";
const FILTER_CHAIN: &str = "DOCKER";
pub(super) const USER_CHAIN: &str = "DOCKER-USER";
const ISOLATION_1: &str = "DOCKER-ISOLATION-STAGE-1";
const ISOLATION_2: &str = "DOCKER-ISOLATION-STAGE-2";

fn loopback() -> nft::Expr {
    nft::prefix(net(Ipv4Addr::LOCALHOST, 8))
}

/// The chains Docker adds (declared before any rule jumps to them); the instance's base chains
/// `prerouting`, `output`, `postrouting` (nat) exist already.
pub(super) fn chains(t: &mut TableBuilder) {
    t.base("forward", Ty::Filter, Hook::Forward, 0, Policy::Drop);
    for c in [NAT_CHAIN, PROXY_CHAIN, FILTER_CHAIN, USER_CHAIN, ISOLATION_1, ISOLATION_2] {
        t.chain(c);
    }
}

/// Docker's nat rules, then docker-proxy's stand-in.
pub(super) fn nat(t: &mut TableBuilder, inst: &Instance, published: &[PublishedPort]) {
    t.rule("prerouting", vec![nft::fib_daddr_local(), nft::jump(NAT_CHAIN)], None);
    t.rule("output", vec![nft::ip_daddr_ne(loopback()), nft::fib_daddr_local(), nft::jump(NAT_CHAIN)], None);
    // With the userland proxy on, what comes from docker0 is left to the proxy.
    t.rule(NAT_CHAIN, vec![nft::iifname(DOCKER0), nft::ret()], None);
    for port in published {
        let mut dnat = vec![nft::iifname_ne(DOCKER0)];
        dnat.extend(port_dnat(port));
        t.rule(NAT_CHAIN, dnat, Some(&port.describe("docker")));
    }
    let docker0 = nft::prefix(inst.docker0);
    t.rule(
        "postrouting",
        vec![nft::ip_saddr(docker0.clone()), nft::oifname_ne(DOCKER0), nft::counter(), nft::masquerade()],
        Some("docker: outbound from containers"),
    );
    for port in published {
        let PublishedPort { proto, container_ip, container_port, .. } = port;
        let c = nft::ip(*container_ip);
        t.rule(
            "postrouting",
            vec![nft::ip_saddr(c.clone()), nft::ip_daddr(c), nft::dport(proto, *container_port), nft::masquerade()],
            Some(&format!("docker: hairpin to {container_ip}:{container_port}/{proto}")),
        );
    }
    proxy(t, docker0, published);
}

/// docker-proxy's effect: the published port answers on the instance's own addresses from
/// docker0 and on 127.0.0.0/8, and the container is reached from docker0's address.
fn proxy(t: &mut TableBuilder, docker0: nft::Expr, published: &[PublishedPort]) {
    t.rule("prerouting", vec![nft::iifname(DOCKER0), nft::fib_daddr_local(), nft::jump(PROXY_CHAIN)], None);
    t.rule("output", vec![nft::ip_daddr(loopback()), nft::jump(PROXY_CHAIN)], None);
    for port in published {
        t.rule(PROXY_CHAIN, port_dnat(port), Some(&port.describe("docker-proxy")));
    }
    t.rule(
        "postrouting",
        vec![nft::ip_saddr(docker0), nft::oifname(DOCKER0), nft::ct_status_dnat(), nft::counter(), nft::masquerade()],
        Some("docker-proxy: the container reached from docker0's address"),
    );
    t.rule(
        "postrouting",
        vec![nft::ip_saddr(loopback()), nft::oifname(DOCKER0), nft::counter(), nft::masquerade()],
        Some("docker-proxy: from 127.0.0.1, the container reached from docker0's address"),
    );
}

/// `PROTO dport HOST_PORT dnat to CONTAINER:PORT`.
fn port_dnat(port: &PublishedPort) -> Vec<nft::Stmt> {
    vec![
        nft::dport(&port.proto, port.host_port),
        nft::counter(),
        nft::dnat(port.container_ip, Some(port.container_port)),
    ]
}

/// Docker's filter chains: FORWARD (policy drop) passes through DOCKER-USER and the isolation
/// chains, accepts the replies to containers, what leaves docker0, and between containers (ICC),
/// and sends the rest bound for docker0 to DOCKER, which accepts exactly the published ports.
pub(super) fn filter(t: &mut TableBuilder, published: &[PublishedPort]) {
    t.rule("forward", vec![nft::jump(USER_CHAIN)], None);
    t.rule("forward", vec![nft::jump(ISOLATION_1)], None);
    t.rule("forward", vec![nft::oifname(DOCKER0), nft::ct_state(&["established", "related"]), nft::accept()], None);
    t.rule("forward", vec![nft::oifname(DOCKER0), nft::jump(FILTER_CHAIN)], None);
    t.rule("forward", vec![nft::iifname(DOCKER0), nft::oifname_ne(DOCKER0), nft::accept()], None);
    t.rule("forward", vec![nft::iifname(DOCKER0), nft::oifname(DOCKER0), nft::accept()], Some("docker: icc"));
    for port in published {
        let PublishedPort { proto, container_ip, container_port, .. } = port;
        t.rule(
            FILTER_CHAIN,
            vec![
                nft::ip_daddr(nft::ip(*container_ip)),
                nft::iifname_ne(DOCKER0),
                nft::oifname(DOCKER0),
                nft::dport(proto, *container_port),
                nft::accept(),
            ],
            None,
        );
    }
    t.rule(ISOLATION_1, vec![nft::iifname(DOCKER0), nft::oifname_ne(DOCKER0), nft::jump(ISOLATION_2)], None);
    t.rule(ISOLATION_1, vec![nft::ret()], None);
    t.rule(ISOLATION_2, vec![nft::oifname(DOCKER0), nft::drop()], None);
    t.rule(ISOLATION_2, vec![nft::ret()], None);
    t.rule(USER_CHAIN, vec![nft::ret()], None);
}
