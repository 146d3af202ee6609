//! Unit tests of the cut of a plan over several hosts (no root needed).

use super::hosts::{FABRIC_LINK, Host, HostError, Hosts, fabric_ip, host_plans, on_one_machine};
use super::{MAIN_TABLE, Plan, plan};
use crate::model::Lab;
use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use std::path::Path;

fn lab() -> Lab {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/multihost/two-hosts.yaml");
    let text = std::fs::read_to_string(&path).expect("scenario");
    let s = crate::scenario::load_str(&path, &text).unwrap_or_else(|d| panic!("scenario: {d}"));
    crate::model::build(&s).expect("model")
}

fn host(name: &str, last: u8) -> Host {
    Host { name: name.into(), underlay: Ipv4Addr::new(192, 0, 2, last), underlay_mtu: 1500, underlay_ns: None }
}

fn two() -> Hosts {
    Hosts {
        hosts: vec![host("h1", 1), host("h2", 2)],
        subnets: vec![("a".into(), "h1".into()), ("b".into(), "h2".into())],
    }
}

fn plans() -> (Lab, Plan, Vec<Plan>) {
    let l = lab();
    let p = plan(&l);
    let hs = host_plans(&l, &p, &two()).expect("host plans");
    (l, p, hs)
}

#[test]
fn every_namespace_is_on_exactly_one_host_but_the_router_on_each() {
    let (l, p, hs) = plans();
    for ns in &p.namespaces {
        let n = hs.iter().filter(|h| h.namespaces.contains(ns)).count();
        let want = if *ns == l.vpc.router_ns { hs.len() } else { 1 };
        assert_eq!(n, want, "{ns}");
    }
    let tns = |t: &str| l.task(t).and_then(|t| t.ns.clone()).unwrap();
    assert!(hs[0].namespaces.contains(&tns("web-a")) && hs[1].namespaces.contains(&tns("web-b")));
    assert!(hs[0].namespaces.contains(l.vpc.igw_ns.as_ref().unwrap()), "the edge is the first host's");
}

#[test]
fn no_object_of_a_host_plan_names_another_hosts_namespace() {
    let (_, _, hs) = plans();
    for h in &hs {
        let own: BTreeSet<String> = h.namespaces.iter().cloned().collect();
        let extra: Vec<_> = h.referenced_namespaces().difference(&own).cloned().collect();
        assert!(extra.is_empty(), "{extra:?}");
    }
}

/// Every link a host plan's objects name is made by that plan.
#[test]
fn every_link_a_host_plan_names_is_its_own() {
    let (_, _, hs) = plans();
    for h in &hs {
        let mut links: BTreeSet<(String, String)> = h.namespaces.iter().map(|n| (n.clone(), "lo".into())).collect();
        links.extend(h.bridges.iter().map(|b| (b.ns.clone(), b.name.clone())));
        for v in &h.veths {
            links.extend([(v.ns.clone(), v.name.clone()), (v.peer_ns.clone(), v.peer_name.clone())]);
        }
        links.extend(h.vlans.iter().flat_map(|p| p.ends.iter().map(|e| (e.ns.clone(), e.name.clone()))));
        links.extend(h.vxlans.iter().map(|x| (x.ns.clone(), x.name.clone())));
        let mut named: Vec<(String, String)> = h.addrs.iter().map(|a| (a.ns.clone(), a.dev.clone())).collect();
        named.extend(h.neighbours.iter().map(|n| (n.ns.clone(), n.dev.clone())));
        named.extend(h.routes.iter().filter_map(|r| r.dev.clone().map(|d| (r.ns.clone(), d))));
        named.extend(h.fdb.iter().map(|f| (f.ns.clone(), f.dev.clone())));
        named.extend(h.link_sysctls.iter().map(|s| (s.ns.clone(), s.key.split('.').nth(3).unwrap().to_string())));
        let missing: Vec<_> = named.into_iter().filter(|l| !links.contains(l)).collect();
        assert!(missing.is_empty(), "{}: {missing:?}", h.namespaces[0]);
    }
}

#[test]
fn the_fabric_is_symmetric_one_vni_and_static() {
    let (l, _, hs) = plans();
    let rtr = &l.vpc.router_ns;
    let h = two();
    assert_eq!(hs[0].vxlans.len(), 1);
    assert_eq!(hs[0].vxlans[0].vni, hs[1].vxlans[0].vni, "one VNI per VPC");
    assert_eq!(hs[0].vxlans[0].mtu, 1450, "the underlay's 1500 less 50");
    let mut jumbo = two();
    jumbo.hosts[1].underlay_mtu = 9001;
    let js = host_plans(&l, &plan(&l), &jumbo).unwrap();
    assert_eq!((js[0].vxlans[0].mtu, js[1].vxlans[0].mtu), (1450, 1450), "both ends agree: the smallest underlay's");
    for (i, j) in [(0, 1), (1, 0)] {
        let (me, peer) = (&hs[i], &hs[j]);
        let peer_mac = &peer.vxlans[0].mac;
        assert!(me.fdb.iter().any(|f| &f.mac == peer_mac && f.dst == h.hosts[j].underlay && f.dev == FABRIC_LINK));
        assert_eq!(me.fdb.len(), 1);
        let n = me.neighbours.iter().filter(|n| n.dev == FABRIC_LINK).collect::<Vec<_>>();
        assert_eq!((n.len(), n[0].ip, &n[0].mac), (1, fabric_ip(j), peer_mac));
        let sn = &l.vpc.subnets[j].cidr;
        let via: Vec<_> = me.routes.iter().filter(|r| &r.ns == rtr && r.dev.as_deref() == Some(FABRIC_LINK)).collect();
        assert!(
            via.iter().any(|r| r.table == MAIN_TABLE && &r.dst == sn && r.gw == Some(fabric_ip(j))),
            "host {i} routes the other's subnet {sn} through the fabric: {via:?}"
        );
        assert!(me.addrs.iter().any(|a| a.dev == FABRIC_LINK && a.ip == fabric_ip(i)));
        let quiet = format!("net.ipv4.neigh.{FABRIC_LINK}.mcast_solicit");
        assert!(me.link_sysctls.iter().any(|s| s.key == quiet && s.value == "0"), "no ARP on the fabric");
    }
}

#[test]
fn a_route_to_another_hosts_target_goes_through_the_fabric() {
    let (l, p, hs) = plans();
    let table = l.vpc.route_tables.iter().find(|t| t.name == "public").unwrap().table_id;
    let default = |pl: &Plan| pl.routes.iter().find(|r| r.table == table && r.dst.prefix() == 0).cloned().unwrap();
    assert_eq!(default(&hs[0]), default(&p), "host 1 has the IGW link");
    let r = default(&hs[1]);
    assert_eq!((r.gw, r.dev.as_deref(), r.onlink), (Some(fabric_ip(0)), Some(FABRIC_LINK), true));
    // Host 1's private subnet goes out through host 2's NAT gateway.
    let table = l.vpc.route_tables.iter().find(|t| t.name == "private").unwrap().table_id;
    let nat = |pl: &Plan| pl.routes.iter().find(|r| r.table == table && r.dst.prefix() == 0).cloned().unwrap();
    assert_eq!(nat(&hs[1]), nat(&p), "host 2 has the NAT gateway's link");
    let r = nat(&hs[0]);
    assert_eq!((r.gw, r.dev.as_deref(), r.onlink), (Some(fabric_ip(1)), Some(FABRIC_LINK), true));
}

#[test]
fn a_host_runs_its_own_processes_and_its_agent() {
    let (l, _, hs) = plans();
    let roles = |p: &Plan| p.processes.iter().map(|x| x.role.clone()).collect::<Vec<_>>();
    let (one, two) = (roles(&hs[0]), roles(&hs[1]));
    assert!(one.iter().any(|r| r.contains("web-a")) && !one.iter().any(|r| r.contains("web-b")), "{one:?}");
    assert!(two.iter().any(|r| r.contains("db-b")), "{two:?}");
    assert!(one.iter().chain(&two).filter(|r| r.contains("agent")).count() == 2, "{one:?} {two:?}");
    assert_eq!(l.tasks.len(), 4);
}

#[test]
fn one_machine_names_are_host_qualified_and_leave_the_underlay_alone() {
    let (_, _, hs) = plans();
    let mut p = hs[1].clone();
    p.vxlans[0].underlay_ns = Some("vx-h2".into());
    let q = on_one_machine(&p, "h2");
    assert_eq!(q.lab, "twohosts-h2");
    assert!(q.referenced_namespaces().iter().all(|n| n.starts_with("ecsnet.twohosts-h2.")));
    assert_eq!(q.vxlans[0].underlay_ns.as_deref(), Some("vx-h2"));
    assert_eq!(q.namespaces.len(), p.namespaces.len());
}

#[test]
fn every_subnet_needs_one_host_and_a_task_stays_with_its_instance() {
    let l = lab();
    let p = plan(&l);
    let mut h = two();
    h.subnets.pop();
    assert_eq!(host_plans(&l, &p, &h).err(), Some(HostError::Unassigned("b".into())));
    h.subnets.push(("c".into(), "h2".into()));
    assert_eq!(host_plans(&l, &p, &h).err(), Some(HostError::UnknownSubnet("c".into())));
    h.subnets.pop();
    h.subnets.push(("b".into(), "h3".into()));
    assert_eq!(host_plans(&l, &p, &h).err(), Some(HostError::UnknownHost("b".into(), "h3".into())));
    let mut h = two();
    h.hosts[1].underlay_mtu = 100;
    assert_eq!(host_plans(&l, &p, &h).err(), Some(HostError::Mtu("h2".into(), 100)));
    // web-a's ENI in host 2's subnet while its instance is host 1's.
    let mut split = l.clone();
    let e = split.task("web-a").unwrap().eni.unwrap();
    split.enis[e].subnet = 1;
    assert!(matches!(host_plans(&split, &p, &two()), Err(HostError::SplitTask(t, _)) if t == "web-a"));
}

#[test]
fn a_single_host_plan_is_untouched_by_this_module() {
    // The one-host plan has no fabric, and its JSON does not mention one (plan goldens).
    let (_, p, _) = plans();
    assert!(p.vxlans.is_empty() && p.fdb.is_empty());
    let json = serde_json::to_string(&p).unwrap();
    assert!(!json.contains("vxlans") && !json.contains("\"fdb\""));
}
