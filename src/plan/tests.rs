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
            let Some(ii) = t.instance() else { continue };
            let inst = &l.instances[ii];
            if let (Some(tns), Some(ip)) = (&t.ns, t.bridge_ip) {
                assert!(has_neighbour(&p, &inst.ns, "ecs-bridge", ip), "{}: {ip} on ecs-bridge", l.name);
                assert!(has_neighbour(&p, tns, "ecs-eth0", crate::model::ECS_BRIDGE_GW), "{}: {tns}", l.name);
            }
            let on_docker0 = |task: &crate::model::Task| task.instance() == t.instance() && task.placement.is_ok();
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

/// One statement of the nftables JSON as nft writes it, close enough to read in a test:
/// `ip daddr == 172.17.0.2`, `iifname != docker0`, `jump DOCKER`, `dnat 172.17.0.2:80`.
fn stmt(v: &serde_json::Value) -> String {
    fn operand(v: &serde_json::Value) -> String {
        if let Some(p) = v.get("payload") {
            return format!("{} {}", p["protocol"].as_str().unwrap_or("?"), p["field"].as_str().unwrap_or("?"));
        }
        if let Some(m) = v.get("meta") {
            return m["key"].as_str().unwrap_or("?").to_string();
        }
        if let Some(p) = v.get("prefix") {
            return format!("{}/{}", p["addr"].as_str().unwrap_or("?"), p["len"]);
        }
        if let Some(c) = v.get("ct") {
            return format!("ct {}", c["key"].as_str().unwrap_or("?"));
        }
        if v.get("fib").is_some() {
            return "fib daddr type".into();
        }
        v.as_str().map(String::from).unwrap_or_else(|| v.to_string())
    }
    let (key, body) = v.as_object().and_then(|o| o.iter().next()).expect("one statement");
    match key.as_str() {
        "match" => {
            format!("{} {} {}", operand(&body["left"]), body["op"].as_str().unwrap_or("?"), operand(&body["right"]))
        }
        "jump" => format!("jump {}", body["target"].as_str().unwrap_or("?")),
        "dnat" => format!("dnat {}:{}", body["addr"].as_str().unwrap_or("?"), body["port"]),
        other => other.to_string(),
    }
}

/// Namespace `ns`'s table as `CHAIN: stmt; stmt` lines (counters left out), in rule order.
fn ruleset(p: &Plan, ns: &str) -> Vec<String> {
    let fw = p.firewalls.iter().find(|f| f.ns == ns).expect("a table");
    let json = serde_json::to_value(&fw.ruleset).expect("serializes");
    let rules = json["nftables"].as_array().expect("objects").iter().filter_map(|o| o["add"].get("rule"));
    rules
        .map(|r| {
            let stmts: Vec<String> =
                r["expr"].as_array().expect("expr").iter().map(stmt).filter(|s| s != "counter").collect();
            format!("{}: {}", r["chain"].as_str().unwrap_or("?"), stmts.join("; "))
        })
        .collect()
}

/// The policy of base chain `chain` of namespace `ns`'s table.
fn policy(p: &Plan, ns: &str, chain: &str) -> Option<String> {
    let fw = p.firewalls.iter().find(|f| f.ns == ns)?;
    let json = serde_json::to_value(&fw.ruleset).ok()?;
    let chains = json["nftables"].as_array()?.iter().filter_map(|o| o["add"].get("chain"));
    chains.into_iter().find(|c| c["name"] == chain).and_then(|c| c["policy"].as_str().map(String::from))
}

fn bridge_lab() -> Lab {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/03-bridge.yaml"))
        .expect("scenario");
    lab(&text)
}

#[test]
fn docker_filter_chains_are_docker_25s() {
    let l = bridge_lab();
    let p = plan(&l);
    let ns = &l.instances[0].ns;
    assert_eq!(policy(&p, ns, "forward").as_deref(), Some("drop"), "FORWARD policy DROP");
    let rules = ruleset(&p, ns);
    let forward: Vec<&String> = rules.iter().filter(|r| r.starts_with("forward:")).collect();
    assert_eq!(
        forward,
        [
            "forward: jump DOCKER-USER",
            "forward: jump DOCKER-ISOLATION-STAGE-1",
            "forward: oifname == docker0; ct state in [\"established\",\"related\"]; accept",
            "forward: oifname == docker0; jump DOCKER",
            "forward: iifname == docker0; oifname != docker0; accept",
            "forward: iifname == docker0; oifname == docker0; accept",
        ]
    );
    for chain in ["DOCKER-USER: return", "DOCKER-ISOLATION-STAGE-1: return", "DOCKER-ISOLATION-STAGE-2: return"] {
        assert!(rules.iter().any(|r| r == chain), "{chain}: {rules:#?}");
    }
    assert!(rules.iter().any(|r| r == "DOCKER-ISOLATION-STAGE-2: oifname == docker0; drop"), "{rules:#?}");
    // DOCKER accepts exactly the published ports, each to its container.
    let published: Vec<String> = l
        .tasks
        .iter()
        .filter(|t| t.on_instance(0) && t.placement.is_ok())
        .flat_map(|t| &t.containers)
        .flat_map(|c| c.ports.iter().filter(|b| b.host_port.is_some()).map(move |b| (c, b)))
        .map(|(c, b)| {
            let ip = c.ip.expect("a docker0 address");
            format!(
                "DOCKER: ip daddr == {ip}; iifname != docker0; oifname == docker0; {} dport == {}; accept",
                b.proto, b.container_port
            )
        })
        .collect();
    let docker: Vec<&String> = rules.iter().filter(|r| r.starts_with("DOCKER:")).collect();
    assert!(!published.is_empty());
    assert_eq!(docker, published.iter().collect::<Vec<_>>());
}

#[test]
fn the_hairpin_is_dockers_with_the_userland_proxy() {
    let l = bridge_lab();
    let p = plan(&l);
    let json = serde_json::to_string(&p.veths).expect("serializes");
    assert!(!json.contains("hairpin"), "no bridge port is in hairpin mode");
    let rules = ruleset(&p, &l.instances[0].ns);
    let c = l.tasks.iter().find(|t| t.on_instance(0)).and_then(|t| t.containers.first()).expect("a container");
    let (ip, b) = (c.ip.expect("docker0 address"), c.ports.first().expect("a port"));
    let hp = b.host_port.expect("published");
    // DNAT only from elsewhere than docker0; docker0 is left to the proxy.
    assert!(rules.contains(&"DOCKER-NAT: iifname == docker0; return".to_string()), "{rules:#?}");
    let dnat = format!("DOCKER-NAT: iifname != docker0; {} dport == {hp}; dnat {ip}:{}", b.proto, b.container_port);
    assert!(rules.contains(&dnat), "{dnat}: {rules:#?}");
    let masq = format!(
        "postrouting: ip saddr == {ip}; ip daddr == {ip}; {} dport == {}; masquerade",
        b.proto, b.container_port
    );
    assert!(rules.contains(&masq), "{masq}: {rules:#?}");
    // The proxy's stand-in: its own chain, from docker0 and to 127.0.0.0/8.
    assert!(rules.contains(&"prerouting: iifname == docker0; fib daddr type == local; jump docker-proxy".to_string()));
    assert!(rules.contains(&"output: ip daddr == 127.0.0.0/8; jump docker-proxy".to_string()));
    let proxy = format!("docker-proxy: {} dport == {hp}; dnat {ip}:{}", b.proto, b.container_port);
    assert!(rules.contains(&proxy), "{proxy}: {rules:#?}");
}

#[test]
fn cosmetics_are_the_real_objects() {
    let l = seed();
    let p = plan(&l);
    let inst = &l.instances[0];
    let docker0 = p.bridges.iter().find(|b| b.ns == inst.ns && b.name == "docker0").expect("docker0");
    assert_eq!(docker0.txqlen, Some(0), "docker0 has no queue");
    assert!(docker0.mac.starts_with("02:42:"), "{}", docker0.mac);
    let ecs_bridge = p.bridges.iter().find(|b| b.ns == inst.ns && b.name == "ecs-bridge").expect("ecs-bridge");
    assert_eq!(ecs_bridge.txqlen, None);
    for a in &p.addrs {
        let cni = a.dev == "ecs-bridge" || a.dev == "ecs-eth0";
        assert_eq!(a.no_broadcast, cni, "{} on {} in {}", a.ip, a.dev, a.ns);
    }
    let sysctl = |ns: &str, key: &str| p.sysctls.iter().chain(&p.link_sysctls).find(|s| s.ns == ns && s.key == key);
    assert_eq!(sysctl(&inst.ns, "net.bridge.bridge-nf-call-iptables").map(|s| s.value.as_str()), Some("0"));
    assert_eq!(sysctl(&inst.ns, "net.ipv6.conf.docker0.accept_ra").map(|s| s.value.as_str()), Some("0"));
    assert!(!inst.has_ipv6(), "views show no [::] bindings");
}

const TRUNKING: &str = "version: 1\nname: trunk\nvpc:\n  cidr: 10.1.0.0/16\n  subnets: [{name: a, cidr: 10.1.1.0/24}]\ninstances:\n  - {name: trunked, subnet: a, instanceType: c5.large, eniTrunking: true}\n  - {name: plain, subnet: a, instanceType: c5.large}\ntaskDefinitions:\n  - {family: web, networkMode: awsvpc, containerDefinitions: [{name: app, image: x}]}\ntasks:\n  - {name: w1, taskDefinition: web, instance: trunked, networkConfiguration: {awsvpcConfiguration: {subnets: [a]}}}\n  - {name: p1, taskDefinition: web, instance: plain, networkConfiguration: {awsvpcConfiguration: {subnets: [a]}}}\n  - {name: w2, taskDefinition: web, instance: trunked, networkConfiguration: {awsvpcConfiguration: {subnets: [a]}}}\n";

#[test]
fn with_eni_trunking_task_enis_are_vlans_of_the_trunk() {
    let l = lab(TRUNKING);
    let p = plan(&l);
    let (trunked, plain) = (&l.instances[0], &l.instances[1]);
    let trunk = trunked.trunk.as_ref().expect("a trunk ENI");
    assert!(plain.trunk.is_none());
    // The trunk: a veth from the router to eth1, no address on it.
    let t = p.veths.iter().find(|v| v.peer_ns == trunked.ns && v.peer_name == TRUNK_LINK).expect("trunk veth");
    assert_eq!((t.ns.as_str(), t.name.as_str()), (l.vpc.router_ns.as_str(), trunk.router_link.as_str()));
    assert_eq!((t.peer_mac.as_deref(), t.mtu), (Some(trunk.mac.as_str()), Some(9001)));
    assert!(!p.addrs.iter().any(|a| a.ns == trunked.ns && a.dev == TRUNK_LINK));
    // Each task of the trunked instance: VLAN 1, 2 in the lab's order, eth0 with the branch ENI's MAC.
    for (name, id) in [("w1", 1), ("w2", 2)] {
        let task = l.task(name).expect("task");
        let e = &l.enis[task.eni.expect("an ENI")];
        let pair = p.vlans.iter().find(|v| v.ends[1].ns == e.ns).expect("a branch");
        let [router, task_end] = &pair.ends;
        assert_eq!(pair.id, id, "{name}");
        assert_eq!((router.lower.as_str(), router.name.as_str()), (trunk.router_link.as_str(), e.router_link.as_str()));
        assert_eq!(router.ns, router.lower_ns, "the router terminates the VLAN");
        assert_eq!((task_end.lower_ns.as_str(), task_end.lower.as_str()), (trunked.ns.as_str(), TRUNK_LINK));
        assert_eq!((task_end.name.as_str(), task_end.mac.as_str()), ("eth0", e.mac.as_str()));
        assert!(!p.veths.iter().any(|v| v.peer_ns == e.ns && v.peer_name == "eth0"), "no veth for {name}");
        // The rest of the ENI is as without trunking: address, routes, static neighbours.
        assert!(p.addrs.iter().any(|a| a.ns == e.ns && a.dev == "eth0" && a.ip == e.ip));
        assert!(p.routes.iter().any(|r| r.ns == l.vpc.router_ns && r.dev.as_deref() == Some(e.router_link.as_str())));
    }
    // The other instance's task keeps its veth.
    let e = &l.enis[l.task("p1").and_then(|t| t.eni).expect("an ENI")];
    assert!(p.veths.iter().any(|v| v.peer_ns == e.ns && v.peer_name == "eth0" && v.name == e.router_link));
    assert_eq!(p.vlans.len(), 2);
}

#[test]
fn a_stopped_task_has_no_kernel_object_and_its_replacement_only_adds() {
    use crate::model::lifecycle::{Event, History};
    let s = crate::scenario::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/26-fargate-service-alb.yaml"))
        .unwrap();
    let build = |events: Vec<Event>| crate::model::build_lab(&s, &[], &History { events }).unwrap();
    let stop = Event::Stop {
        task: "api-1".into(),
        code: "UserInitiated".into(),
        reason: "r".into(),
        at: 1,
        drain: 0,
        event: None,
    };
    let (before, during) = (build(vec![]), build(vec![stop.clone(), Event::Start { service: "api".into(), at: 1 }]));
    let after = build(vec![
        stop,
        Event::Start { service: "api".into(), at: 1 },
        Event::Stopped { task: "api-1".into(), at: 2 },
    ]);
    let (p0, p1, p2) = (plan(&before), plan(&during), plan(&after));
    // While api-1 drains, the replacement's objects are added and nothing is removed.
    assert!(p0.veths.iter().all(|v| p1.veths.contains(v)));
    assert!(p1.veths.len() > p0.veths.len());
    let link = &after.enis[after.task("api-1").unwrap().eni.unwrap()].router_link;
    assert!(p1.veths.iter().any(|v| &v.name == link));
    assert!(!p2.veths.iter().any(|v| &v.name == link), "the stopped task's ENI is gone");
    let ns = after.task("api-1").unwrap().ns.clone().unwrap();
    assert!(!p2.namespaces.contains(&ns) && p1.namespaces.contains(&ns));
    assert!(!p2.processes.iter().any(|p| p.role.contains("task/api-1")));
}
