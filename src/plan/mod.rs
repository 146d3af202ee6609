//! The plan: every kernel object a lab needs, as data. The dataplane applies it phase by phase
//! (namespaces → sysctls → links → addresses → routes → rules → firewall → processes); teardown
//! only needs the namespace list, because every object lives inside the lab's namespaces.

pub mod nft;
pub mod process;
#[cfg(test)]
mod tests;

use nft::TableBuilder;

use crate::model::{DOCKER0_GW, DOCKER0_PREFIX, METADATA_PORT, TMDS_LISTEN_PORT};
use crate::model::{ECS_BRIDGE_GW, ECS_BRIDGE_PREFIX, EniOwner, IGW_INET, Lab, METADATA_IP, RTR_IGW, TRANSIT_PREFIX};
use crate::scenario::{NetworkMode, RouteTarget};
use ipnetwork::Ipv4Network;
use nftables::types::{NfChainPolicy as Policy, NfChainType as Ty, NfHook as Hook};
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

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
    /// Bridge port hairpin mode on `name` (Docker's, so that a container reaches its own
    /// published port through the instance's address).
    #[serde(default)]
    pub hairpin: bool,
    /// Both ends; None: the kernel's 1500.
    #[serde(default)]
    pub mtu: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Addr {
    pub ns: String,
    pub dev: String,
    pub ip: Ipv4Addr,
    pub prefix: u8,
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
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub ns: String,
    pub pref: u32,
    pub from: Option<Ipv4Network>,
    pub to: Option<Ipv4Network>,
    pub table: u32,
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
    pub addrs: Vec<Addr>,
    pub routes: Vec<Route>,
    /// Routes the kernel adds by itself that ECS removes (the /22 on `ecs-eth0`).
    pub route_dels: Vec<Route>,
    pub rules: Vec<Rule>,
    #[serde(default)]
    pub neighbours: Vec<Neigh>,
    pub firewalls: Vec<Firewall>,
    /// Namespaces whose `lo` must be up (all of them).
    pub lo_up: Vec<String>,
    /// What runs in the lab, in start order.
    #[serde(default)]
    pub processes: Vec<process::Process>,
}

pub const MAIN_TABLE: u32 = 254;

fn net(ip: Ipv4Addr, p: u8) -> Ipv4Network {
    // Valid by construction (p ≤ 32).
    Ipv4Network::new(ip, p).unwrap_or_else(|_| Ipv4Network::from(ip))
}

fn host(ip: Ipv4Addr) -> Ipv4Network {
    Ipv4Network::from(ip)
}

fn default_net() -> Ipv4Network {
    net(Ipv4Addr::UNSPECIFIED, 0)
}

impl Plan {
    fn sysctl(&mut self, ns: &str, key: &str, value: &str) {
        self.sysctls.push(Sysctl { ns: ns.into(), key: key.into(), value: value.into() });
    }
    fn addr(&mut self, ns: &str, dev: &str, ip: Ipv4Addr, prefix: u8) {
        self.addrs.push(Addr { ns: ns.into(), dev: dev.into(), ip, prefix });
    }
    fn route(&mut self, ns: &str, dst: Ipv4Network, gw: Option<Ipv4Addr>, dev: Option<&str>) {
        self.routes.push(Route {
            ns: ns.into(),
            dst,
            gw,
            dev: dev.map(Into::into),
            table: MAIN_TABLE,
            kind: RouteKind::Unicast,
            onlink: false,
        });
    }
    fn veth(&mut self, ns: &str, name: &str, peer_ns: &str, peer_name: &str) -> &mut Veth {
        self.veths.push(Veth {
            ns: ns.into(),
            name: name.into(),
            mac: None,
            master: None,
            peer_ns: peer_ns.into(),
            peer_name: peer_name.into(),
            peer_mac: None,
            hairpin: false,
            mtu: None,
        });
        self.veths.last_mut().expect("just pushed")
    }

    /// Total count of kernel objects, for progress and summaries.
    pub fn object_count(&self) -> usize {
        self.namespaces.len()
            + self.sysctls.len()
            + self.link_sysctls.len()
            + self.bridges.len()
            + self.veths.len()
            + self.addrs.len()
            + self.routes.len()
            + self.route_dels.len()
            + self.rules.len()
            + self.neighbours.len()
            + self.firewalls.len()
    }
}

/// Build the plan for a lab.
pub fn plan(lab: &Lab) -> Plan {
    let mut p = Plan {
        lab: lab.name.clone(),
        namespaces: lab.namespaces(),
        processes: process::processes(lab),
        ..Default::default()
    };
    p.lo_up = p.namespaces.clone();
    let rtr = lab.vpc.router_ns.as_str();

    // Quiet, IPv4-only namespaces: no IPv6 link-local noise in `ip addr`, no DAD, no RS.
    // rp_filter is set explicitly because new namespaces inherit the host's IPv4 defaults.
    for ns in &p.namespaces.clone() {
        p.sysctl(ns, "net.ipv6.conf.all.disable_ipv6", "1");
        p.sysctl(ns, "net.ipv6.conf.default.disable_ipv6", "1");
        // ICMP errors are what make a closed UDP port "refused"; the default per-destination
        // rate limit would turn many of them into timeouts when probes run at once.
        p.sysctl(ns, "net.ipv4.icmp_ratemask", "0");
    }
    let mut forwarders = vec![rtr.to_string()];
    forwarders.extend(lab.vpc.igw_ns.clone());
    forwarders.extend(lab.nats.iter().map(|n| n.ns.clone()));
    forwarders.extend(lab.instances.iter().map(|i| i.ns.clone()));
    for ns in &forwarders {
        p.sysctl(ns, "net.ipv4.ip_forward", "1");
        p.sysctl(ns, "net.ipv4.conf.all.rp_filter", "0");
        p.sysctl(ns, "net.ipv4.conf.default.rp_filter", "0");
        // Routers that send a packet back out of the interface it came in on must not tell the
        // sender to go direct (the NAT gateway does exactly that).
        p.sysctl(ns, "net.ipv4.conf.all.send_redirects", "0");
        p.sysctl(ns, "net.ipv4.conf.default.send_redirects", "0");
    }
    // The VPC router answers ARP for every address of the subnet (the KERNEL-NOTES routed
    // fabric): set before the ENI links exist so that they inherit the defaults.
    p.sysctl(rtr, "net.ipv4.conf.all.proxy_arp", "1");
    for i in &lab.instances {
        // ecs-init: the metadata DNAT to 127.0.0.1 needs route_localnet (ECS-FACTS §2.1).
        p.sysctl(&i.ns, "net.ipv4.conf.all.route_localnet", "1");
    }

    // ENIs: `eth0` in the owner's namespace, the router end named after the ENI id.
    for e in &lab.enis {
        let sn = &lab.vpc.subnets[e.subnet];
        // The router side gets a fixed MAC too, so both sides can be resolved statically.
        let gw_mac = crate::model::ids::mac_str(&crate::model::ids::mac(0x06, &[&lab.name, "router", &e.id]));
        p.neighbours.push(Neigh { ns: rtr.into(), dev: e.router_link.clone(), ip: e.ip, mac: e.mac.clone() });
        p.neighbours.push(Neigh { ns: e.ns.clone(), dev: "eth0".into(), ip: sn.gateway, mac: gw_mac.clone() });
        let v = p.veth(rtr, &e.router_link, &e.ns, "eth0");
        v.peer_mac = Some(e.mac.clone());
        v.mac = Some(gw_mac);
        // EC2 ENIs carry jumbo frames (the seed's instance: `eth0 ... mtu 9001`).
        v.mtu = Some(9001);
        p.addr(rtr, &e.router_link, sn.gateway, 32);
        // Answer proxy ARP at once, not after up to 0.8 s (the default proxy_delay).
        p.link_sysctls.push(Sysctl {
            ns: rtr.into(),
            key: format!("net.ipv4.neigh.{}.proxy_delay", e.router_link),
            value: "0".into(),
        });
        p.route(rtr, host(e.ip), None, Some(&e.router_link));
        p.addr(&e.ns, "eth0", e.ip, sn.cidr.prefix());
        p.route(&e.ns, default_net(), Some(sn.gateway), Some("eth0"));
    }

    // Route tables as policy routing in the router: the VPC's local route first, then the
    // subnet's own table; what nothing matches is dropped silently, as on AWS.
    p.rules.push(Rule { ns: rtr.into(), pref: 100, from: None, to: Some(lab.vpc.cidr), table: MAIN_TABLE });
    p.routes.push(Route {
        ns: rtr.into(),
        dst: lab.vpc.cidr,
        gw: None,
        dev: None,
        table: MAIN_TABLE,
        kind: RouteKind::Blackhole,
        onlink: false,
    });
    p.routes.push(Route {
        ns: rtr.into(),
        dst: default_net(),
        gw: None,
        dev: None,
        table: MAIN_TABLE,
        kind: RouteKind::Blackhole,
        onlink: false,
    });
    for (i, sn) in lab.vpc.subnets.iter().enumerate() {
        let rt = &lab.vpc.route_tables[sn.route_table];
        p.rules.push(Rule { ns: rtr.into(), pref: 200 + i as u32, from: Some(sn.cidr), to: None, table: rt.table_id });
    }
    for rt in &lab.vpc.route_tables {
        for (dst, target) in &rt.routes {
            let (gw, dev, kind) = match target {
                RouteTarget::InternetGateway if lab.vpc.igw_ns.is_some() => {
                    (Some(RTR_IGW.1), Some("igw0".to_string()), RouteKind::Unicast)
                }
                RouteTarget::NatGateway(n) => match lab.nat(n) {
                    Some(nat) => {
                        let e = &lab.enis[nat.eni];
                        (Some(e.ip), Some(e.router_link.clone()), RouteKind::Unicast)
                    }
                    None => (None, None, RouteKind::Blackhole),
                },
                _ => (None, None, RouteKind::Blackhole),
            };
            p.routes.push(Route { ns: rtr.into(), dst: *dst, gw, dev, table: rt.table_id, kind, onlink: gw.is_some() });
        }
    }

    p.firewalls.push(Firewall { ns: rtr.into(), ruleset: router_firewall(lab) });

    // Internet gateway and the internet.
    let inet = lab.internet.ns.as_str();
    let mut public: Vec<(Ipv4Addr, Ipv4Addr)> =
        lab.enis.iter().filter_map(|e| e.public_ip.map(|p| (e.ip, p))).collect();
    public.sort();
    if let Some(igw) = &lab.vpc.igw_ns {
        p.veth(rtr, "igw0", igw, "vpc0");
        p.addr(rtr, "igw0", RTR_IGW.0, TRANSIT_PREFIX);
        p.addr(igw, "vpc0", RTR_IGW.1, TRANSIT_PREFIX);
        p.veth(igw, "inet0", inet, "igw0");
        p.addr(igw, "inet0", IGW_INET.0, TRANSIT_PREFIX);
        p.addr(inet, "igw0", IGW_INET.1, TRANSIT_PREFIX);
        p.route(igw, lab.vpc.cidr, Some(RTR_IGW.0), Some("vpc0"));
        p.route(igw, default_net(), Some(IGW_INET.1), Some("inet0"));
        // Everything the internet does not hold itself goes to the IGW, which drops what it
        // does not translate: a private address is not reachable from the internet (timeout).
        p.route(inet, default_net(), Some(IGW_INET.0), Some("igw0"));
        p.firewalls.push(Firewall { ns: igw.clone(), ruleset: igw_firewall(&public) });
    }
    p.addr(inet, "lo", lab.internet.client, 32);
    for h in &lab.internet.hosts {
        p.addr(inet, "lo", h.ip.value, 32);
    }

    for nat in &lab.nats {
        let e = &lab.enis[nat.eni];
        p.firewalls.push(Firewall { ns: nat.ns.clone(), ruleset: nat_firewall(e.ip, lab.vpc.cidr) });
    }

    // Instances: docker0 (down until a container attaches, as in the seed) and ecs-bridge.
    for (ii, inst) in lab.instances.iter().enumerate() {
        let ns = inst.ns.as_str();
        p.bridges.push(Bridge { ns: ns.into(), name: "docker0".into(), mac: inst.docker0_mac.clone() });
        p.bridges.push(Bridge { ns: ns.into(), name: "ecs-bridge".into(), mac: inst.ecs_bridge_mac.clone() });
        p.addr(ns, "docker0", DOCKER0_GW, DOCKER0_PREFIX);
        p.addr(ns, "ecs-bridge", ECS_BRIDGE_GW, ECS_BRIDGE_PREFIX);
        let mut fw = InstanceFw::default();
        for t in lab.tasks.iter().filter(|t| t.instance == ii && t.placement.is_ok()) {
            match t.mode {
                NetworkMode::Awsvpc => {
                    let (Some(tns), Some(bip), Some(vh)) = (&t.ns, t.bridge_ip, &t.veth_host) else { continue };
                    let v = p.veth(ns, vh, tns, "ecs-eth0");
                    v.master = Some("ecs-bridge".into());
                    v.peer_mac = t.bridge_mac.clone();
                    p.addr(tns, "ecs-eth0", bip, ECS_BRIDGE_PREFIX);
                    // The ecs-bridge plugin adds a /32 to the gateway, the metadata route, then
                    // deletes the connected /22 so that tasks cannot talk over the bridge.
                    p.route(tns, host(ECS_BRIDGE_GW), Some(ECS_BRIDGE_GW), Some("ecs-eth0"));
                    p.route(tns, host(METADATA_IP), Some(ECS_BRIDGE_GW), Some("ecs-eth0"));
                    p.route_dels.push(Route {
                        ns: tns.clone(),
                        dst: net(Ipv4Addr::new(169, 254, 172, 0), ECS_BRIDGE_PREFIX),
                        gw: None,
                        dev: Some("ecs-eth0".into()),
                        table: MAIN_TABLE,
                        kind: RouteKind::Unicast,
                        onlink: false,
                    });
                }
                NetworkMode::Bridge => {
                    for c in &t.containers {
                        let (Some(ip), Some(vh)) = (c.ip, &c.veth_host) else { continue };
                        let v = p.veth(ns, vh, &c.ns, "eth0");
                        v.master = Some("docker0".into());
                        v.peer_mac = c.mac.clone();
                        v.hairpin = true;
                        // Docker's addresses are ecsnet's to allocate: resolve them statically
                        // both ways, so docker0 traffic uses no entry of the kernel's shared
                        // (and capped) ARP table.
                        if let Some(mac) = &c.mac {
                            p.neighbours.push(Neigh { ns: ns.into(), dev: "docker0".into(), ip, mac: mac.clone() });
                        }
                        p.neighbours.push(Neigh {
                            ns: c.ns.clone(),
                            dev: "eth0".into(),
                            ip: DOCKER0_GW,
                            mac: inst.docker0_mac.clone(),
                        });
                        p.addr(&c.ns, "eth0", ip, DOCKER0_PREFIX);
                        p.route(&c.ns, default_net(), Some(DOCKER0_GW), Some("eth0"));
                        for b in &c.ports {
                            if let Some(hp) = b.host_port {
                                fw.publish.push((b.proto.to_string(), hp, ip, b.container_port));
                            }
                        }
                    }
                }
                NetworkMode::Host | NetworkMode::None => {}
            }
        }
        p.firewalls.push(Firewall { ns: ns.into(), ruleset: fw.build() });
    }
    p
}

/// What Docker and ecs-init install on a container instance, as one nft table.
#[derive(Default)]
struct InstanceFw {
    /// (proto, host port, container ip, container port)
    publish: Vec<(String, u16, Ipv4Addr, u16)>,
}

impl InstanceFw {
    fn build(self) -> nftables::schema::Nftables<'static> {
        let mut t = TableBuilder::new();
        t.base("prerouting", Ty::NAT, Hook::Prerouting, -100, Policy::Accept);
        t.base("output", Ty::NAT, Hook::Output, -100, Policy::Accept);
        t.base("postrouting", Ty::NAT, Hook::Postrouting, 100, Policy::Accept);
        // ecs-init: task traffic to the metadata address goes to the agent on 127.0.0.1:51679;
        // the instance's own (host mode) traffic is redirected in OUTPUT.
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
        // Docker: published ports, for traffic arriving from outside and from the instance itself.
        for (proto, hp, cip, cp) in &self.publish {
            let c = format!("docker: {hp}/{proto} -> {cip}:{cp}");
            t.rule(
                "prerouting",
                vec![nft::fib_daddr_local(), nft::dport(proto, *hp), nft::counter(), nft::dnat(*cip, Some(*cp))],
                Some(&c),
            );
            t.rule(
                "output",
                vec![
                    nft::fib_daddr_local(),
                    nft::ip_daddr_ne(nft::prefix(net(Ipv4Addr::new(127, 0, 0, 0), 8))),
                    nft::dport(proto, *hp),
                    nft::counter(),
                    nft::dnat(*cip, Some(*cp)),
                ],
                Some(&c),
            );
        }
        t.rule(
            "postrouting",
            vec![
                nft::ip_saddr(nft::prefix(net(Ipv4Addr::new(172, 17, 0, 0), 16))),
                nft::oifname_ne("docker0"),
                nft::counter(),
                nft::masquerade(),
            ],
            Some("docker: outbound from containers"),
        );
        // A container reaching a published port through the instance's address comes back
        // in on docker0: it is seen from 172.17.0.1, as Docker's userland proxy makes it.
        t.rule(
            "postrouting",
            vec![
                nft::ip_saddr(nft::prefix(net(Ipv4Addr::new(172, 17, 0, 0), 16))),
                nft::oifname("docker0"),
                nft::ct_status_dnat(),
                nft::counter(),
                nft::masquerade(),
            ],
            Some("docker: hairpin to a published port"),
        );
        t.build()
    }
}

/// The internet gateway: 1:1 NAT between each ENI's private IP and its public IP; nothing else
/// crosses (no public IP, no internet; nothing from the internet reaches a private address).
fn igw_firewall(public: &[(Ipv4Addr, Ipv4Addr)]) -> nftables::schema::Nftables<'static> {
    let mut t = TableBuilder::new();
    t.base("prerouting", Ty::NAT, Hook::Prerouting, -100, Policy::Accept);
    t.base("postrouting", Ty::NAT, Hook::Postrouting, 100, Policy::Accept);
    t.base("forward", Ty::Filter, Hook::Forward, 0, Policy::Drop);
    for (private, pubip) in public {
        // Inbound to a public IP, from the internet or from the VPC itself (hairpin).
        t.rule("prerouting", vec![nft::ip_daddr(nft::ip(*pubip)), nft::counter(), nft::dnat(*private, None)], None);
        t.rule(
            "postrouting",
            vec![nft::oifname("inet0"), nft::ip_saddr(nft::ip(*private)), nft::counter(), nft::snat(*pubip)],
            None,
        );
        // A hairpinned flow is seen with the sender's public address, as on AWS.
        t.rule(
            "postrouting",
            vec![
                nft::oifname("vpc0"),
                nft::iifname("vpc0"),
                nft::ip_saddr(nft::ip(*private)),
                nft::counter(),
                nft::snat(*pubip),
            ],
            None,
        );
    }
    t.rule("forward", vec![nft::ct_state(&["established", "related"]), nft::accept()], None);
    let privs: Vec<Ipv4Addr> = public.iter().map(|(a, _)| *a).collect();
    let no_public = if privs.is_empty() {
        vec![nft::iifname("vpc0"), nft::counter(), nft::drop()]
    } else {
        vec![nft::iifname("vpc0"), nft::ip_saddr_ne(nft::addr_set(&privs)), nft::counter(), nft::drop()]
    };
    t.rule("forward", no_public, Some("no public IP: not translated, dropped"));
    t.rule("forward", vec![nft::iifname("vpc0"), nft::oifname("inet0"), nft::counter(), nft::accept()], Some("egress"));
    t.rule("forward", vec![nft::ct_status_dnat(), nft::counter(), nft::accept()], Some("ingress to public IPs"));
    t.rule("forward", vec![nft::counter(), nft::drop()], Some("nothing else crosses the internet gateway"));
    t.build()
}

/// A NAT gateway: many private sources behind its private IP (then the IGW maps that to its
/// EIP), port remapping by masquerade, and no inbound connections at all.
fn nat_firewall(own: Ipv4Addr, vpc: Ipv4Network) -> nftables::schema::Nftables<'static> {
    let mut t = TableBuilder::new();
    t.base("postrouting", Ty::NAT, Hook::Postrouting, 100, Policy::Accept);
    t.base("forward", Ty::Filter, Hook::Forward, 0, Policy::Drop);
    t.base("input", Ty::Filter, Hook::Input, 0, Policy::Drop);
    t.rule("postrouting", vec![nft::ip_saddr_ne(nft::ip(own)), nft::counter(), nft::masquerade()], None);
    t.rule("forward", vec![nft::ct_state(&["established", "related"]), nft::accept()], None);
    t.rule(
        "forward",
        vec![nft::ip_saddr(nft::prefix(vpc)), nft::counter(), nft::accept()],
        Some("new connections from the VPC only"),
    );
    t.rule("input", vec![nft::ct_state(&["established", "related"]), nft::accept()], None);
    t.rule("input", vec![nft::iifname("lo"), nft::accept()], None);
    t.build()
}

/// Security groups, enforced in the VPC router where no task can touch them. The sender's egress
/// and the receiver's ingress are two independent gates: an allow in one only returns to the
/// forward chain, which then consults the other (a single first-match chain would let one
/// side's accept skip the other's check, the bug in ANCHORS §6.1). Stateful: replies pass.
/// Dropped packets are dropped silently, so a probe times out, as on AWS.
pub fn router_firewall(lab: &Lab) -> nftables::schema::Nftables<'static> {
    use crate::scenario::{Peer, SgRule};
    let mut t = TableBuilder::new();
    t.base("forward", Ty::Filter, Hook::Forward, 0, Policy::Accept);
    t.rule("forward", vec![nft::ct_state(&["established", "related"]), nft::accept()], None);
    t.rule("forward", vec![nft::ct_state(&["invalid"]), nft::drop()], None);
    let members = |sg: &str| -> Vec<Ipv4Addr> {
        lab.enis.iter().filter(|e| e.security_groups.iter().any(|g| g == sg)).map(|e| e.ip).collect()
    };
    let rule_stmts = |r: &SgRule, peer_is_src: bool| -> Option<Vec<nft::Stmt>> {
        let mut v = vec![];
        match &r.peer.value {
            Peer::Cidr(c) if c.prefix() == 0 => {}
            Peer::Cidr(c) => {
                v.push(if peer_is_src { nft::ip_saddr(nft::prefix(*c)) } else { nft::ip_daddr(nft::prefix(*c)) })
            }
            Peer::Sg(g) => {
                let m = members(g);
                if m.is_empty() {
                    return None;
                }
                v.push(if peer_is_src { nft::ip_saddr(nft::addr_set(&m)) } else { nft::ip_daddr(nft::addr_set(&m)) });
            }
        }
        v.extend(nft::proto_ports(r.protocol, r.ports));
        v.push(nft::counter());
        v.push(nft::ret());
        Some(v)
    };
    for e in &lab.enis {
        if e.security_groups.is_empty() {
            continue; // NAT gateways have no security group.
        }
        let groups: Vec<&crate::scenario::SecurityGroup> = e
            .security_groups
            .iter()
            .filter_map(|g| lab.vpc.security_groups.iter().find(|x| x.name.value == *g))
            .collect();
        let eg = format!("egress-{}", e.router_link);
        let ing = format!("ingress-{}", e.router_link);
        t.chain(&eg);
        t.chain(&ing);
        for g in &groups {
            match &g.egress {
                None => t.rule(
                    &eg,
                    vec![nft::counter(), nft::ret()],
                    Some(&format!("sg/{} egress: all (AWS default)", g.name.value)),
                ),
                Some(rules) => {
                    for r in rules {
                        if let Some(st) = rule_stmts(r, false) {
                            t.rule(&eg, st, Some(&format!("sg/{} egress", g.name.value)));
                        }
                    }
                }
            }
            for r in &g.ingress {
                if let Some(st) = rule_stmts(r, true) {
                    t.rule(&ing, st, Some(&format!("sg/{} ingress", g.name.value)));
                }
            }
        }
        t.rule(&eg, vec![nft::counter(), nft::drop()], Some("no security group rule allows it"));
        t.rule(&ing, vec![nft::counter(), nft::drop()], Some("no security group rule allows it"));
        t.rule("forward", vec![nft::iifname(&e.router_link), nft::jump(&eg)], Some(&e.id));
    }
    for e in lab.enis.iter().filter(|e| !e.security_groups.is_empty()) {
        t.rule(
            "forward",
            vec![nft::oifname(&e.router_link), nft::jump(&format!("ingress-{}", e.router_link))],
            Some(&e.id),
        );
    }
    network_acls(lab, &mut t);
    t.build()
}

/// Network ACLs: stateless, so they sit in their own base chain *before* the stateful security
/// groups and see every packet, replies included (hence the ephemeral-port trap). Only traffic
/// that crosses a subnet boundary is evaluated; rules are taken by number, the first match
/// decides, and what no rule matches is denied.
fn network_acls(lab: &Lab, t: &mut TableBuilder) {
    use crate::scenario::{AclAction, AclRule};
    if lab.vpc.network_acls.is_empty() {
        return;
    }
    t.base("nacl", Ty::Filter, Hook::Forward, -10, Policy::Accept);
    let rule_stmts = |r: &AclRule, peer_is_src: bool| -> Vec<nft::Stmt> {
        let mut v = vec![];
        if r.cidr_block.prefix() > 0 {
            let c = nft::prefix(r.cidr_block);
            v.push(if peer_is_src { nft::ip_saddr(c) } else { nft::ip_daddr(c) });
        }
        v.extend(nft::proto_ports(r.protocol, r.ports));
        v.push(nft::counter());
        v.push(if r.rule_action == AclAction::Allow { nft::ret() } else { nft::drop() });
        v
    };
    for acl in &lab.vpc.network_acls {
        let subnets: Vec<usize> =
            acl.subnets.iter().filter_map(|n| lab.vpc.subnets.iter().position(|s| s.name == n.value)).collect();
        for si in subnets {
            let sn = &lab.vpc.subnets[si];
            let links: Vec<String> =
                lab.enis.iter().filter(|e| e.subnet == si).map(|e| e.router_link.clone()).collect();
            if links.is_empty() {
                continue;
            }
            let (cin, cout) = (format!("nacl-in-{}", sn.name), format!("nacl-out-{}", sn.name));
            t.chain(&cin);
            t.chain(&cout);
            let mut ing: Vec<&AclRule> = acl.ingress.iter().collect();
            let mut eg: Vec<&AclRule> = acl.egress.iter().collect();
            ing.sort_by_key(|r| r.rule_number);
            eg.sort_by_key(|r| r.rule_number);
            for r in ing {
                t.rule(
                    &cin,
                    rule_stmts(r, true),
                    Some(&format!("nacl/{} inbound rule {}", acl.name.value, r.rule_number)),
                );
            }
            for r in eg {
                t.rule(
                    &cout,
                    rule_stmts(r, false),
                    Some(&format!("nacl/{} outbound rule {}", acl.name.value, r.rule_number)),
                );
            }
            t.rule(&cin, vec![nft::counter(), nft::drop()], Some("nacl: no rule matches (*)"));
            t.rule(&cout, vec![nft::counter(), nft::drop()], Some("nacl: no rule matches (*)"));
            for l in &links {
                let c = format!("subnet {} ({})", sn.name, sn.id);
                t.rule("nacl", vec![nft::iifname(l), nft::ifname_not_in(true, &links), nft::jump(&cout)], Some(&c));
                t.rule("nacl", vec![nft::oifname(l), nft::ifname_not_in(false, &links), nft::jump(&cin)], Some(&c));
            }
        }
    }
}

/// Which ENI owner kinds exist (used in summaries).
pub fn eni_owner_label(o: EniOwner) -> &'static str {
    match o {
        EniOwner::Instance(_) => "instance",
        EniOwner::Task(_) => "task",
        EniOwner::Nat(_) => "nat",
    }
}
