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
