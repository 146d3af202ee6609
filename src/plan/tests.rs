//! Unit tests of the plan (no root needed).

use super::*;
use crate::model::{Lab, ids};
use crate::scenario::load_str;
use std::path::Path;

fn lab(text: &str) -> Lab {
    let s = match load_str(Path::new("t.yaml"), text) {
        Ok(s) => s,
        Err(d) => panic!("scenario: {d}"),
    };
    crate::model::build(&s).expect("model")
}

fn seed() -> Lab {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/01-bridge-vs-awsvpc.yaml"))
            .unwrap();
    lab(&text)
}

#[test]
fn link_names_fit_and_are_unique_per_namespace() {
    let l = seed();
    let p = plan(&l);
    let mut seen = std::collections::HashSet::new();
    for v in &p.veths {
        for (ns, n) in [(&v.ns, &v.name), (&v.peer_ns, &v.peer_name)] {
            assert!(n.len() <= 15, "{n} is longer than IFNAMSIZ-1");
            assert!(seen.insert((ns.clone(), n.clone())), "{n} twice in {ns}");
        }
    }
    for ns in &p.namespaces {
        assert!(ns.starts_with(&ids::ns_prefix("bridge-vs-awsvpc")));
    }
}

#[test]
fn task_namespace_gets_the_ecs_cni_routes() {
    let l = seed();
    let p = plan(&l);
    let tns = l.task("web-awsvpc").unwrap().ns.clone().unwrap();
    let routes: Vec<String> =
        p.routes.iter().filter(|r| r.ns == tns).map(|r| format!("{} {:?} {:?}", r.dst, r.gw, r.dev)).collect();
    assert!(routes.contains(&"0.0.0.0/0 Some(10.0.128.1) Some(\"eth0\")".to_string()), "{routes:?}");
    assert!(routes.contains(&"169.254.170.2/32 Some(169.254.172.1) Some(\"ecs-eth0\")".to_string()), "{routes:?}");
    assert!(p.route_dels.iter().any(|r| r.ns == tns && r.dst.to_string() == "169.254.172.0/22"));
}

#[test]
fn route_tables_become_policy_routing_with_blackholes() {
    let l = seed();
    let p = plan(&l);
    let rtr = &l.vpc.router_ns;
    // Private subnet: 0/0 to the NAT gateway's ENI; public: to the IGW link.
    let private = l.vpc.route_tables.iter().find(|t| t.name == "private").unwrap();
    let nat_ip = l.enis[l.nats[0].eni].ip;
    assert!(p.routes.iter().any(|r| &r.ns == rtr && r.table == private.table_id && r.gw == Some(nat_ip)));
    assert!(p.routes.iter().any(|r| &r.ns == rtr && r.kind == RouteKind::Blackhole && r.dst.prefix() == 0));
    assert!(p.rules.iter().any(|r| r.to == Some(l.vpc.cidr) && r.pref == 100));
}

#[test]
fn security_groups_are_two_independent_gates() {
    let l = seed();
    let fw = router_firewall(&l);
    let json = serde_json::to_string(&fw).unwrap();
    let e = &l.enis[l.task("web-awsvpc").unwrap().eni.unwrap()];
    // An allow returns to the forward chain (so the other gate still runs); the end drops.
    assert!(json.contains(&format!("egress-{}", e.router_link)));
    assert!(json.contains(&format!("ingress-{}", e.router_link)));
    assert!(json.contains("\"return\""));
    assert!(!json.contains("\"reject\""), "security groups drop silently");
}

/// Every shipped scenario's lab.
fn every_scenario_lab() -> Vec<Lab> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("scenarios/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files.iter().map(|f| lab(&std::fs::read_to_string(f).expect("scenario"))).collect()
}

fn has_neighbour(p: &Plan, ns: &str, dev: &str, ip: std::net::Ipv4Addr) -> bool {
    p.neighbours.iter().any(|n| n.ns == ns && n.dev == dev && n.ip == ip)
}

/// The kernel's ARP table is one for all namespaces and capped by the root namespace: every
/// next hop a lab routes to (a gateway, or the destination of a /32 on a link) is permanent.
#[test]
fn every_next_hop_is_resolved_statically() {
    for l in every_scenario_lab() {
        let p = plan(&l);
        for r in p.routes.iter().filter(|r| r.kind == RouteKind::Unicast) {
            let Some(dev) = &r.dev else { continue };
            let hop = match r.gw {
                Some(gw) => gw,
                None if r.dst.prefix() == 32 => r.dst.ip(),
                None => panic!("{}: a connected route in the plan: {r:?}", l.name),
            };
            assert!(has_neighbour(&p, &r.ns, dev, hop), "{}: {hop} on {dev} in {} is not static", l.name, r.ns);
        }
    }
}

/// An ENI's subnet peers are reached through the router (whose address is static), by a rule
/// before the main table, which keeps the connected route EC2 shows.
#[test]
fn each_eni_owner_reaches_its_subnet_through_the_router() {
    for l in every_scenario_lab() {
        let p = plan(&l);
        for e in &l.enis {
            let sn = &l.vpc.subnets[e.subnet];
            let rule = p.rules.iter().find(|r| r.ns == e.ns && r.to == Some(sn.cidr));
            let rule = rule.unwrap_or_else(|| panic!("{}: no rule for {} in {}", l.name, sn.cidr, e.ns));
            assert!(rule.pref < 32766 && rule.table != MAIN_TABLE, "{rule:?}");
            let via = p.routes.iter().find(|r| r.ns == e.ns && r.table == rule.table && r.dst == sn.cidr);
            assert_eq!(via.and_then(|r| r.gw), Some(sn.gateway), "{}: {}", l.name, e.ns);
        }
    }
}

/// Both ends of ecs-bridge and every pair of containers of one docker0 resolve each other
/// statically.
#[test]
fn instance_bridges_are_resolved_statically_both_ways() {
    for l in every_scenario_lab() {
        let p = plan(&l);
        for t in l.tasks.iter().filter(|t| t.placement.is_ok()) {
            let inst = &l.instances[t.instance];
            if let (Some(tns), Some(ip)) = (&t.ns, t.bridge_ip) {
                assert!(has_neighbour(&p, &inst.ns, "ecs-bridge", ip), "{}: {ip} on ecs-bridge", l.name);
                assert!(has_neighbour(&p, tns, "ecs-eth0", crate::model::ECS_BRIDGE_GW), "{}: {tns}", l.name);
            }
            let on_docker0 = |task: &crate::model::Task| task.instance == t.instance && task.placement.is_ok();
            for c in t.containers.iter().filter(|c| c.veth_host.is_some()) {
                for peer in l.tasks.iter().filter(|x| on_docker0(x)).flat_map(|x| &x.containers) {
                    let Some(ip) = peer.ip.filter(|ip| Some(*ip) != c.ip && peer.veth_host.is_some()) else { continue };
                    assert!(has_neighbour(&p, &c.ns, "eth0", ip), "{}: {ip} from {}", l.name, c.ns);
                }
            }
        }
    }
}

/// The plan of every scenario, pinned: `tests/golden/plan/<stem>.json` holds the plan as
/// pretty JSON, so a reshaping of this layer that changes an object, or the order in which the
/// dataplane creates them (interface indexes follow the order of `veths` and `bridges`), fails
/// here without root. Regenerate with `ECSNET_GOLDEN_UPDATE=1 cargo test --lib plan::tests`.
#[test]
fn plans_of_every_scenario_match_their_golden_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let updating = std::env::var_os("ECSNET_GOLDEN_UPDATE").is_some();
    let mut scenarios: Vec<_> = std::fs::read_dir(root.join("scenarios"))
        .expect("scenarios/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    scenarios.sort();
    assert!(!scenarios.is_empty(), "no scenario found");
    let mut diffs = vec![];
    for file in &scenarios {
        let s = crate::scenario::load(file).unwrap_or_else(|d| panic!("{}: {d}", file.display()));
        let l = crate::model::build(&s).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let actual = serde_json::to_string_pretty(&plan(&l)).expect("plan serializes") + "\n";
        let stem = file.file_stem().and_then(|s| s.to_str()).expect("utf-8 file name");
        let golden = root.join("tests/golden/plan").join(format!("{stem}.json"));
        if updating {
            std::fs::create_dir_all(golden.parent().expect("has a parent")).expect("mkdir");
            std::fs::write(&golden, &actual).expect("write golden");
            continue;
        }
        let expected = std::fs::read_to_string(&golden).unwrap_or_default();
        if expected != actual {
            let line = expected.lines().zip(actual.lines()).position(|(a, b)| a != b);
            let at = line.map_or_else(|| "length".to_string(), |n| format!("line {}", n + 1));
            diffs.push(format!("{} differs at {at}", golden.display()));
        }
    }
    assert!(diffs.is_empty(), "plans changed:\n  {}", diffs.join("\n  "));
}
