//! The kernel objects a plan lists, and the small constructors the per-kind files emit them with.

use ipnetwork::Ipv4Network;
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

use super::process;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sysctl {
    pub ns: String,
    /// Dotted form, as `sysctl` takes it: `net.ipv4.ip_forward`.
    pub key: String,
    pub value: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bridge {
    pub ns: String,
    pub name: String,
    pub mac: String,
    /// Transmit queue length; None: the kernel's 1000 (Docker creates docker0 with 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub txqlen: Option<u32>,
}

/// A veth pair created from `ns` with its peer born directly in `peer_ns` (never in the root
/// namespace, never moved afterwards).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Veth {
    pub ns: String,
    pub name: String,
    pub mac: Option<String>,
    /// Bridge in `ns` to enslave `name` to.
    pub master: Option<String>,
    pub peer_ns: String,
    pub peer_name: String,
    pub peer_mac: Option<String>,
    /// Both ends; None: the kernel's 1500.
    #[serde(default)]
    pub mtu: Option<u32>,
}

impl Veth {
    /// A plain pair: kernel-chosen MACs, no bridge, default MTU.
    pub(super) fn between(ns: &str, name: &str, peer_ns: &str, peer_name: &str) -> Self {
        Veth {
            ns: ns.into(),
            name: name.into(),
            mac: None,
            master: None,
            peer_ns: peer_ns.into(),
            peer_name: peer_name.into(),
            peer_mac: None,
            mtu: None,
        }
    }
}

/// A VLAN link (802.1Q): VLAN `id` of link `lower` in namespace `lower_ns`, born in namespace
/// `ns` as `name` (never moved afterwards).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vlan {
    pub lower_ns: String,
    pub lower: String,
    pub ns: String,
    pub name: String,
    pub mac: String,
}

/// The two VLAN links of one VLAN id on the two ends of a trunk veth: what a branch ENI is (ENI
/// trunking), its `eth0` on the instance's end and its router link on the router's end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VlanPair {
    pub id: u16,
    pub ends: [Vlan; 2],
    /// Where the kernel has no 802.1Q, the two ends become one veth of this MTU (the trunk's):
    /// the same link as without trunking.
    pub mtu: Option<u32>,
}

/// A kernel VXLAN link joining this host's copy of the VPC router to the other hosts' copies
/// (docs/multihost.md): asked for in `underlay_ns`, where its UDP socket stays (None: the
/// namespace ecsnet runs in, the host's own), and born in `ns` as `name` (never moved
/// afterwards), like a veth's peer. No learning and no flooding: every remote end is a static
/// neighbour and a static [`Fdb`] entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vxlan {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub underlay_ns: Option<String>,
    pub ns: String,
    pub name: String,
    /// The VXLAN network identifier (24 bits): one per VPC.
    pub vni: u32,
    /// The UDP destination port.
    pub port: u16,
    /// This host's underlay address, the tunnel's source.
    pub local: Ipv4Addr,
    pub mac: String,
    /// The underlay's MTU less the 50 bytes VXLAN adds over IPv4.
    pub mtu: u32,
}

/// A static forwarding entry of a VXLAN link: frames for `mac` go to the host at underlay
/// address `dst` (`bridge fdb append MAC dev DEV dst DST self permanent`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fdb {
    pub ns: String,
    pub dev: String,
    pub mac: String,
    pub dst: Ipv4Addr,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Addr {
    pub ns: String,
    pub dev: String,
    pub ip: Ipv4Addr,
    pub prefix: u8,
    /// Added without a broadcast address, as the ECS CNI plugins add theirs (otherwise it gets
    /// the prefix's, as `ip addr add ... brd +` and Docker do).
    #[serde(default, skip_serializing_if = "is_false")]
    pub no_broadcast: bool,
}

fn is_false(b: &bool) -> bool {
    !b
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RouteKind {
    Unicast,
    /// Silently dropped, as AWS drops what no route matches.
    Blackhole,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    pub ns: String,
    pub dst: Ipv4Network,
    pub gw: Option<Ipv4Addr>,
    pub dev: Option<String>,
    /// 254 = main.
    pub table: u32,
    pub kind: RouteKind,
    pub onlink: bool,
    /// The source address a local sender without one of its own takes (`src`); left out of
    /// the plan's JSON when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub src: Option<Ipv4Addr>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub ns: String,
    pub pref: u32,
    pub from: Option<Ipv4Network>,
    pub to: Option<Ipv4Network>,
    pub table: u32,
    /// The socket mark it matches (`fwmark`); left out of the plan's JSON when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fwmark: Option<u32>,
}

/// A permanent neighbour entry: the VPC fabric resolves addresses itself, as AWS's does, and
/// permanent entries do not count against the kernel's ARP table cap, which all namespaces
/// share and only the root namespace can raise.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Neigh {
    pub ns: String,
    pub dev: String,
    pub ip: Ipv4Addr,
    pub mac: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Firewall {
    pub ns: String,
    pub ruleset: nftables::schema::Nftables<'static>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Plan {
    pub lab: String,
    pub namespaces: Vec<String>,
    pub sysctls: Vec<Sysctl>,
    /// Per-link sysctls, written once the links exist (a non-initial namespace has no
    /// `neigh.default` to inherit from).
    pub link_sysctls: Vec<Sysctl>,
    pub bridges: Vec<Bridge>,
    pub veths: Vec<Veth>,
    /// Branch ENIs (ENI trunking), created once the veths (their trunks) exist.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vlans: Vec<VlanPair>,
    /// The VPC fabric's links to other hosts (a lab spread over several hosts), created last.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vxlans: Vec<Vxlan>,
    pub addrs: Vec<Addr>,
    pub routes: Vec<Route>,
    /// Routes the kernel adds by itself that ECS removes (the /22 on `ecs-eth0`).
    pub route_dels: Vec<Route>,
    pub rules: Vec<Rule>,
    #[serde(default)]
    pub neighbours: Vec<Neigh>,
    /// The VXLAN links' static forwarding entries, written with the neighbours.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fdb: Vec<Fdb>,
    pub firewalls: Vec<Firewall>,
    /// Namespaces whose `lo` must be up (all of them).
    pub lo_up: Vec<String>,
    /// What runs in the lab, in start order.
    #[serde(default)]
    pub processes: Vec<process::Process>,
}

pub const MAIN_TABLE: u32 = 254;

/// `ip/p`, for prefixes written in the code.
pub(super) fn net(ip: Ipv4Addr, p: u8) -> Ipv4Network {
    // Valid by construction (p ≤ 32).
    Ipv4Network::new(ip, p).unwrap_or_else(|_| Ipv4Network::from(ip))
}

/// `ip/32`.
pub(super) fn host(ip: Ipv4Addr) -> Ipv4Network {
    Ipv4Network::from(ip)
}

/// `0.0.0.0/0`.
pub(super) fn default_net() -> Ipv4Network {
    net(Ipv4Addr::UNSPECIFIED, 0)
}

impl Route {
    /// A unicast route of the main table.
    pub(super) fn main(ns: &str, dst: Ipv4Network, gw: Option<Ipv4Addr>, dev: Option<&str>) -> Self {
        Route {
            ns: ns.into(),
            dst,
            gw,
            dev: dev.map(Into::into),
            table: MAIN_TABLE,
            kind: RouteKind::Unicast,
            onlink: false,
            src: None,
        }
    }
}

impl Plan {
    pub(super) fn sysctl(&mut self, ns: &str, key: &str, value: &str) {
        self.sysctls.push(Sysctl { ns: ns.into(), key: key.into(), value: value.into() });
    }
    pub(super) fn link_sysctl(&mut self, ns: &str, key: String, value: &str) {
        self.link_sysctls.push(Sysctl { ns: ns.into(), key, value: value.into() });
    }
    /// No ARP request ever leaves `dev`: every peer of it is a static neighbour, so an address
    /// no one holds is dropped at once and silently, the same for every probe timeout (a
    /// kernel that asks answers EHOSTUNREACH after about 3 s, refused or timeout depending on
    /// how long the caller waits).
    pub(super) fn static_neighbours_only(&mut self, ns: &str, dev: &str) {
        for key in ["mcast_solicit", "ucast_solicit", "app_solicit"] {
            self.link_sysctl(ns, format!("net.ipv4.neigh.{dev}.{key}"), "0");
        }
    }
    pub(super) fn addr(&mut self, ns: &str, dev: &str, ip: Ipv4Addr, prefix: u8) {
        self.addrs.push(Addr { ns: ns.into(), dev: dev.into(), ip, prefix, no_broadcast: false });
    }
    /// An address without a broadcast address (the ECS CNI plugins' `ecs-bridge` and `ecs-eth0`).
    pub(super) fn addr_no_broadcast(&mut self, ns: &str, dev: &str, ip: Ipv4Addr, prefix: u8) {
        self.addrs.push(Addr { ns: ns.into(), dev: dev.into(), ip, prefix, no_broadcast: true });
    }
    /// A unicast route of the main table.
    pub(super) fn route(&mut self, ns: &str, dst: Ipv4Network, gw: Option<Ipv4Addr>, dev: Option<&str>) {
        self.routes.push(Route::main(ns, dst, gw, dev));
    }
    pub(super) fn neighbour(&mut self, ns: &str, dev: &str, ip: Ipv4Addr, mac: &str) {
        self.neighbours.push(Neigh { ns: ns.into(), dev: dev.into(), ip, mac: mac.into() });
    }
    pub(super) fn firewall(&mut self, ns: &str, ruleset: nftables::schema::Nftables<'static>) {
        self.firewalls.push(Firewall { ns: ns.into(), ruleset });
    }

    /// Total count of kernel objects, for progress and summaries.
    pub fn object_count(&self) -> usize {
        self.namespaces.len()
            + self.sysctls.len()
            + self.link_sysctls.len()
            + self.bridges.len()
            + self.veths.len()
            + 2 * self.vlans.len()
            + self.vxlans.len()
            + self.addrs.len()
            + self.routes.len()
            + self.route_dels.len()
            + self.rules.len()
            + self.neighbours.len()
            + self.fdb.len()
            + self.firewalls.len()
    }
}
