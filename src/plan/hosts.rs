//! A lab over several hosts (issue 18 item 5, docs/multihost.md): the one-host plan cut into
//! one plan per host. Each host owns whole subnets, and so the ENIs, instances and tasks in
//! them; the edge of the lab (internet gateway, the emulated internet, gateway endpoints) is
//! the first host's. Every host runs its own copy of the VPC router (the same gateway
//! addresses, for its own ENIs only), and the copies of one VPC are joined by one kernel VXLAN
//! link per host (one VNI per VPC): each routes every remote subnet to the remote copy's fabric
//! address, resolved by a static neighbour and a static FDB entry. Nothing is learned or
//! flooded, and each host's plan is computed from the shared host list alone, so no step needs
//! two hosts to coordinate.
//!
//! The router's nft table is the same on every host: a packet between two hosts crosses both
//! copies, the sender's ENI gates (security group egress, network ACL outbound) on the
//! sender's host and the receiver's on the receiver's, each exactly once, as on one host;
//! rules naming another host's links never match.

use super::{Fdb, MAIN_TABLE, Plan, Route, RouteKind, Vxlan};
use crate::i18n::tr;
use crate::model::Lab;
use crate::model::ids::{fnv64, mac, mac_str};
use crate::plan::process::ProcessKind;
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

/// The UDP port of the fabric: containerlab's 14789 (AWS-SERVICES §6), not IANA's 4789, which
/// Docker Swarm's overlay uses on the same hosts and networks often filter, nor Linux's
/// default 8472, which flannel uses.
pub const VXLAN_PORT: u16 = 14789;
/// What VXLAN adds to a frame over an IPv4 underlay: outer IPv4 (20), UDP (8), VXLAN (8) and
/// the inner Ethernet header (14).
pub const VXLAN_OVERHEAD: u32 = 50;
/// The fabric link in each copy of the VPC router.
pub const FABRIC_LINK: &str = "fabric0";
/// The fabric's addresses: host `i` (from 0) is 169.254.250.(i+1)/24, link-local, which the
/// VPC never routes (the router drops 169.254.0.0/16 from ENIs before any table).
const FABRIC_NET: [u8; 3] = [169, 254, 250];
const FABRIC_PREFIX: u8 = 24;
const MAX_HOSTS: usize = 253;
/// IPv4's minimum MTU (RFC 791): a fabric link must carry at least this.
const MIN_MTU: u32 = 68;

/// One host of a lab: its name, its underlay address and MTU, and the namespace its VXLAN
/// sockets live in (None: the one ecsnet runs in, the host's own; the one-machine prototype
/// names a namespace standing for the host).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Host {
    pub name: String,
    pub underlay: Ipv4Addr,
    pub underlay_mtu: u32,
    pub underlay_ns: Option<String>,
}

/// Which host owns each subnet, by name; the first host also owns the lab's edge.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hosts {
    pub hosts: Vec<Host>,
    /// (subnet name, host name); every subnet of the VPC once.
    pub subnets: Vec<(String, String)>,
}

/// Why a lab cannot be cut over these hosts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostError {
    NoHosts,
    TooMany(usize),
    Duplicate(String),
    Mtu(String, u32),
    /// (subnet, host)
    UnknownHost(String, String),
    UnknownSubnet(String),
    Unassigned(String),
    /// (task, instance)
    SplitTask(String, String),
}

impl std::error::Error for HostError {}

impl std::fmt::Display for HostError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = match self {
            HostError::NoHosts => tr!("hosts-none", "no hosts: a lab needs at least one"),
            HostError::TooMany(n) => tr!("hosts-too-many", "{ $n } hosts: the fabric has room for 253", n = n),
            HostError::Duplicate(h) => {
                tr!("hosts-duplicate", "host `{ $host }` is listed twice (by name or underlay address)", host = h)
            }
            HostError::Mtu(h, mtu) => tr!(
                "hosts-mtu",
                "host `{ $host }`: an underlay MTU of { $mtu } leaves no room for VXLAN (50 bytes) and an IPv4 packet",
                host = h,
                mtu = mtu
            ),
            HostError::UnknownHost(sn, h) => tr!(
                "hosts-unknown-host",
                "subnet `{ $subnet }` is given to host `{ $host }`, which is not listed",
                subnet = sn,
                host = h
            ),
            HostError::UnknownSubnet(sn) => {
                tr!("hosts-unknown-subnet", "subnet `{ $subnet }` is not in the VPC", subnet = sn)
            }
            HostError::Unassigned(sn) => {
                tr!("hosts-unassigned", "subnet `{ $subnet }` is given to no host (or to several)", subnet = sn)
            }
            HostError::SplitTask(t, i) => tr!(
                "hosts-split-task",
                "task `{ $task }` has its ENI in a subnet of another host than its instance `{ $instance }`: a host owns whole subnets and the instances in them",
                task = t,
                instance = i
            ),
        };
        f.write_str(&s)
    }
}

/// The VXLAN network identifier of the lab's VPC: 24 bits from the lab and the VPC, never 0,
/// so that two labs over the same underlay do not share a segment.
pub fn vni(lab: &Lab) -> u32 {
    (fnv64(&[&lab.name, &lab.vpc.id]) % 0x00ff_fffe) as u32 + 1
}

/// Host `i`'s address on the fabric.
pub fn fabric_ip(i: usize) -> Ipv4Addr {
    let [a, b, c] = FABRIC_NET;
    Ipv4Addr::new(a, b, c, u8::try_from(i + 1).unwrap_or(u8::MAX))
}

/// Host `i`'s fabric MAC: locally administered, from the lab, the VPC and the host's name.
pub fn fabric_mac(lab: &Lab, host: &Host) -> String {
    mac_str(&mac(0x06, &[&lab.name, "fabric", &lab.vpc.id, &host.name]))
}

/// Each host's plan, in the order of `hosts.hosts`: its own namespaces, its copy of the router
/// with its own ENIs' links, the fabric link and the routes to every other host's subnets.
pub fn host_plans(lab: &Lab, plan: &Plan, hosts: &Hosts) -> Result<Vec<Plan>, HostError> {
    check_hosts(&hosts.hosts)?;
    let subnet_host = subnet_hosts(lab, hosts)?;
    let owner = owners(lab, plan, &subnet_host)?;
    let split = Split::new(&lab.vpc.router_ns, owner, plan);
    Ok((0..hosts.hosts.len())
        .map(|h| {
            let mut p = split.plan_for(plan, h);
            fabric(&mut p, lab, hosts, h, &subnet_host);
            p
        })
        .collect())
}

fn check_hosts(hosts: &[Host]) -> Result<(), HostError> {
    match hosts.len() {
        0 => return Err(HostError::NoHosts),
        n if n > MAX_HOSTS => return Err(HostError::TooMany(n)),
        _ => {}
    }
    for (i, h) in hosts.iter().enumerate() {
        if hosts[..i].iter().any(|o| o.name == h.name || o.underlay == h.underlay) {
            return Err(HostError::Duplicate(h.name.clone()));
        }
        if h.underlay_mtu < VXLAN_OVERHEAD + MIN_MTU {
            return Err(HostError::Mtu(h.name.clone(), h.underlay_mtu));
        }
    }
    Ok(())
}

/// The host index of each subnet (by the VPC's order).
fn subnet_hosts(lab: &Lab, hosts: &Hosts) -> Result<Vec<usize>, HostError> {
    let mut of: Vec<Vec<usize>> = vec![vec![]; lab.vpc.subnets.len()];
    for (subnet, host) in &hosts.subnets {
        let s = lab.vpc.subnets.iter().position(|s| s.name == *subnet);
        let s = s.ok_or_else(|| HostError::UnknownSubnet(subnet.clone()))?;
        let h = hosts.hosts.iter().position(|x| x.name == *host);
        of[s].push(h.ok_or_else(|| HostError::UnknownHost(subnet.clone(), host.clone()))?);
    }
    of.iter()
        .zip(&lab.vpc.subnets)
        .map(|(hs, sn)| match hs.as_slice() {
            [h] => Ok(*h),
            _ => Err(HostError::Unassigned(sn.name.clone())),
        })
        .collect()
}

/// The host of every namespace but the router's: an ENI's owner by its subnet, an instance's
/// tasks and containers with it, the rest (the lab's edge) on the first host.
fn owners(lab: &Lab, plan: &Plan, subnet_host: &[usize]) -> Result<BTreeMap<String, usize>, HostError> {
    let mut owner: BTreeMap<String, usize> = BTreeMap::new();
    for e in lab.live_enis() {
        owner.insert(e.ns.clone(), subnet_host[e.subnet]);
    }
    for inst in &lab.instances {
        owner.insert(inst.ns.clone(), subnet_host[inst.subnet]);
    }
    for t in lab.tasks.iter().filter(|t| t.is_running()) {
        let host = match t.instance() {
            Some(ii) => subnet_host[lab.instances[ii].subnet],
            None => match t.ns.as_ref().and_then(|n| owner.get(n)) {
                Some(h) => *h,
                None => continue,
            },
        };
        if let Some(e) = t.eni.map(|e| &lab.enis[e])
            && subnet_host[e.subnet] != host
        {
            let inst = t.instance().map(|ii| lab.instances[ii].name.clone()).unwrap_or_default();
            return Err(HostError::SplitTask(t.name.clone(), inst));
        }
        let mut nss: Vec<&String> = t.ns.iter().chain(t.containers.iter().map(|c| &c.ns)).collect();
        nss.extend(t.launch.fargate().map(|f| &f.vm_ns));
        for ns in nss {
            owner.insert(ns.clone(), host);
        }
    }
    for ns in plan.namespaces.iter().filter(|n| **n != lab.vpc.router_ns) {
        owner.entry(ns.clone()).or_insert(0);
    }
    owner.remove(&lab.vpc.router_ns);
    Ok(owner)
}

/// Who owns each namespace (the router is everyone's), and the host of each of the router's
/// links that leads to a namespace (an ENI's, a trunk's, the internet gateway's...).
struct Split<'a> {
    rtr: &'a str,
    owner: BTreeMap<String, usize>,
    links: BTreeMap<String, usize>,
}

impl<'a> Split<'a> {
    fn new(rtr: &'a str, owner: BTreeMap<String, usize>, plan: &Plan) -> Self {
        let mut far: Vec<(&String, &String)> = vec![];
        for v in &plan.veths {
            if v.ns == rtr {
                far.push((&v.name, &v.peer_ns));
            } else if v.peer_ns == rtr {
                far.push((&v.peer_name, &v.ns));
            }
        }
        far.extend(plan.vlans.iter().filter(|p| p.ends[0].ns == rtr).map(|p| (&p.ends[0].name, &p.ends[1].ns)));
        let links = far.into_iter().filter_map(|(dev, ns)| Some((dev.clone(), *owner.get(ns)?))).collect();
        Split { rtr, owner, links }
    }

    /// True when namespace `ns` exists on host `h`.
    fn on(&self, ns: &str, h: usize) -> bool {
        ns == self.rtr || self.owner.get(ns) == Some(&h)
    }

    /// The host of the router's link `dev` (None: a link of the router alone, such as `lo`, on
    /// every host).
    fn link_host(&self, dev: &str) -> Option<usize> {
        self.links.get(dev).copied()
    }

    /// True when link `dev` of namespace `ns` exists on host `h`.
    fn link_on(&self, ns: &str, dev: &str, h: usize) -> bool {
        self.on(ns, h) && (ns != self.rtr || self.link_host(dev).is_none_or(|x| x == h))
    }

    fn plan_for(&self, p: &Plan, h: usize) -> Plan {
        let on = |ns: &str| self.on(ns, h);
        let link_on = |ns: &str, dev: &str| self.link_on(ns, dev, h);
        Plan {
            lab: p.lab.clone(),
            namespaces: p.namespaces.iter().filter(|n| on(n)).cloned().collect(),
            sysctls: p.sysctls.iter().filter(|s| on(&s.ns)).cloned().collect(),
            link_sysctls: p.link_sysctls.iter().filter(|s| link_on(&s.ns, sysctl_dev(&s.key))).cloned().collect(),
            bridges: p.bridges.iter().filter(|b| on(&b.ns)).cloned().collect(),
            veths: p.veths.iter().filter(|v| on(&v.ns) && on(&v.peer_ns)).cloned().collect(),
            vlans: p.vlans.iter().filter(|v| v.ends.iter().all(|e| on(&e.ns) && on(&e.lower_ns))).cloned().collect(),
            vxlans: vec![],
            addrs: p.addrs.iter().filter(|a| link_on(&a.ns, &a.dev)).cloned().collect(),
            routes: p.routes.iter().filter_map(|r| self.route_for(r, h)).collect(),
            route_dels: p.route_dels.iter().filter_map(|r| self.route_for(r, h)).collect(),
            rules: p.rules.iter().filter(|r| on(&r.ns)).cloned().collect(),
            neighbours: p.neighbours.iter().filter(|n| link_on(&n.ns, &n.dev)).cloned().collect(),
            fdb: vec![],
            firewalls: p.firewalls.iter().filter(|f| on(&f.ns)).cloned().collect(),
            lo_up: p.lo_up.iter().filter(|n| on(n)).cloned().collect(),
            processes: p.processes.iter().filter(|x| process_ns(&x.kind).is_none_or(on)).cloned().collect(),
        }
    }

    /// A route on host `h`: as it is when its link is there; through the fabric to the host
    /// that has its link when it is a route table's (the edge's targets: the internet gateway,
    /// a NAT gateway, a gateway endpoint); none for the main table's route to another host's
    /// ENI (its subnet's route through the fabric covers it).
    fn route_for(&self, r: &Route, h: usize) -> Option<Route> {
        if !self.on(&r.ns, h) {
            return None;
        }
        let dev = r.dev.as_deref().unwrap_or("lo");
        if self.link_on(&r.ns, dev, h) {
            return Some(r.clone());
        }
        let there = self.link_host(dev)?;
        (r.table != MAIN_TABLE).then(|| Route {
            gw: Some(fabric_ip(there)),
            dev: Some(FABRIC_LINK.into()),
            onlink: true,
            src: None,
            ..r.clone()
        })
    }
}

/// The link a per-link sysctl names: `net.ipv4.neigh.DEV.KEY`, `net.ipv4.conf.DEV.KEY`.
fn sysctl_dev(key: &str) -> &str {
    key.split('.').nth(3).unwrap_or_default()
}

/// The namespace a process runs in (None: the agent, which every host runs for its own
/// namespaces).
fn process_ns(k: &ProcessKind) -> Option<&str> {
    match k {
        ProcessKind::Pause { ns } | ProcessKind::Command { ns, .. } => Some(ns),
        ProcessKind::Agent => None,
    }
}

/// Host `h`'s end of the fabric: the VXLAN link in its router copy, its fabric address, every
/// other host's end as a static neighbour and FDB entry, and each of their subnets through it.
fn fabric(p: &mut Plan, lab: &Lab, hosts: &Hosts, h: usize, subnet_host: &[usize]) {
    let rtr = lab.vpc.router_ns.as_str();
    let me = &hosts.hosts[h];
    p.vxlans.push(Vxlan {
        underlay_ns: me.underlay_ns.clone(),
        ns: rtr.into(),
        name: FABRIC_LINK.into(),
        vni: vni(lab),
        port: VXLAN_PORT,
        local: me.underlay,
        mac: fabric_mac(lab, me),
        mtu: fabric_mtu(hosts),
    });
    p.addr(rtr, FABRIC_LINK, fabric_ip(h), FABRIC_PREFIX);
    p.static_neighbours_only(rtr, FABRIC_LINK);
    for (k, other) in hosts.hosts.iter().enumerate().filter(|(k, _)| *k != h) {
        let m = fabric_mac(lab, other);
        p.neighbour(rtr, FABRIC_LINK, fabric_ip(k), &m);
        p.fdb.push(Fdb { ns: rtr.into(), dev: FABRIC_LINK.into(), mac: m, dst: other.underlay });
        let theirs = lab.vpc.subnets.iter().zip(subnet_host).filter(|(_, x)| **x == k);
        for (sn, _) in theirs {
            p.routes.push(Route {
                onlink: true,
                kind: RouteKind::Unicast,
                ..Route::main(rtr, sn.cidr, Some(fabric_ip(k)), Some(FABRIC_LINK))
            });
        }
    }
}

/// The fabric's MTU, the same at every end: the smallest underlay MTU less what VXLAN adds
/// (1450 over a 1500-byte underlay, 8951 over EC2's 9001). The ENIs keep AWS's 9001; a packet
/// too big for the fabric with DF set gets "fragmentation needed" from the sender's router
/// copy, so path MTU discovery works and nothing is lost silently.
pub fn fabric_mtu(hosts: &Hosts) -> u32 {
    hosts.hosts.iter().map(|h| h.underlay_mtu).min().unwrap_or(MIN_MTU + VXLAN_OVERHEAD) - VXLAN_OVERHEAD
}

/// For the one-machine prototype only: host `host`'s plan with every namespace of the lab
/// renamed into a lab of its own, `LAB-HOST` (`ecsnet.LAB.vpc` becomes `ecsnet.LAB-HOST.vpc`),
/// so that two hosts' plans can be applied side by side and each taken down on its own. On
/// real hosts the names stay as they are: the same names on different machines.
pub fn on_one_machine(plan: &Plan, host: &str) -> Plan {
    let lab = format!("{}-{host}", plan.lab);
    let (from, to) = (crate::model::ids::ns_prefix(&plan.lab), crate::model::ids::ns_prefix(&lab));
    let mut p = plan.clone();
    p.lab = lab;
    for ns in p.namespace_refs_mut() {
        if let Some(rest) = ns.strip_prefix(&from) {
            *ns = format!("{to}{rest}");
        }
    }
    p
}

impl Plan {
    /// Every namespace name the plan's objects carry (with repeats), for renaming.
    pub fn namespace_refs_mut(&mut self) -> Vec<&mut String> {
        let mut v: Vec<&mut String> = self.namespaces.iter_mut().chain(self.lo_up.iter_mut()).collect();
        v.extend(self.sysctls.iter_mut().chain(self.link_sysctls.iter_mut()).map(|s| &mut s.ns));
        v.extend(self.bridges.iter_mut().map(|b| &mut b.ns));
        for x in self.veths.iter_mut() {
            v.extend([&mut x.ns, &mut x.peer_ns]);
        }
        for e in self.vlans.iter_mut().flat_map(|p| p.ends.iter_mut()) {
            v.extend([&mut e.ns, &mut e.lower_ns]);
        }
        for x in self.vxlans.iter_mut() {
            v.push(&mut x.ns);
            v.extend(x.underlay_ns.as_mut());
        }
        v.extend(self.addrs.iter_mut().map(|a| &mut a.ns));
        v.extend(self.routes.iter_mut().chain(self.route_dels.iter_mut()).map(|r| &mut r.ns));
        v.extend(self.rules.iter_mut().map(|r| &mut r.ns));
        v.extend(self.neighbours.iter_mut().map(|n| &mut n.ns));
        v.extend(self.fdb.iter_mut().map(|f| &mut f.ns));
        v.extend(self.firewalls.iter_mut().map(|f| &mut f.ns));
        for x in self.processes.iter_mut() {
            match &mut x.kind {
                ProcessKind::Pause { ns } | ProcessKind::Command { ns, .. } => v.push(ns),
                ProcessKind::Agent => {}
            }
        }
        v
    }

    /// Every namespace the plan's objects name, once each (the underlay's excepted).
    pub fn referenced_namespaces(&self) -> BTreeSet<String> {
        let mut p = self.clone();
        for x in p.vxlans.iter_mut() {
            x.underlay_ns = None;
        }
        p.namespace_refs_mut().into_iter().map(|s| s.clone()).collect()
    }
}
