//! Issue 7: the analyzer and the packets must agree, not only on the scenarios' expectations
//! but over the full matrix of (every source node × every destination node × every declared
//! port) of each shipped scenario. Any disagreement is a bug in ecsnet.

mod common;
use common::*;
use ecsnet::analyze::analyze;
use ecsnet::model::{Lab, resolve};
use ecsnet::probe::{ProbeSpec, run};
use ecsnet::scenario::{ProbeProto, Proto};
use std::collections::BTreeSet;
use std::time::Duration;

/// Every port someone listens on or publishes, plus one nobody uses.
fn ports(lab: &Lab) -> BTreeSet<(u16, Proto)> {
    let mut p = BTreeSet::from([(1u16, Proto::Tcp)]);
    for t in &lab.tasks {
        for c in &t.containers {
            for l in &c.listen {
                p.insert((l.port, l.proto));
            }
            for b in &c.ports {
                if let Some(h) = b.host_port {
                    p.insert((h, b.proto));
                }
            }
        }
    }
    for h in &lab.internet.hosts {
        for l in &h.listen {
            p.insert((l.port, l.proto));
        }
    }
    p
}

fn matrix(file: &str, lab_name: &str) -> (usize, Vec<String>) {
    let copy = scenario_copy(file, lab_name);
    let _g = LabGuard(lab_name.into());
    let up = ecsnet(&["up", copy.to_str().unwrap()]);
    assert!(up.status.success(), "{}", text(&up));
    let lab = ecsnet::dataplane::state::load_lab(lab_name).unwrap();
    let (srcs, dsts) = resolve::nodes(&lab);
    let mut cases = vec![];
    let mut specs = vec![];
    for s in &srcs {
        let Ok(source) = resolve::source(&lab, s) else { continue };
        for d in &dsts {
            if s == d {
                continue;
            }
            for (port, proto) in ports(&lab) {
                let pp = if proto == Proto::Tcp { ProbeProto::Tcp } else { ProbeProto::Udp };
                let Ok((ip, port)) = resolve::destination(&lab, d, Some(port), None, pp) else { continue };
                let a = analyze(&lab, s, d, port, pp, None);
                let Some(expected) = a.outcome else { continue };
                specs.push(ProbeSpec {
                    id: cases.len(),
                    src_ns: source.ns.clone(),
                    bind: source.bind,
                    dst: ip,
                    port,
                    proto: pp,
                    path: "/".into(),
                    host: None,
                    timeout: Duration::from_millis(500),
                });
                cases.push((format!("{s} -> {d}:{}/{pp}", port.unwrap_or(0)), expected, a));
            }
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let results = rt.block_on(run(specs));
    let mut bad = vec![];
    for r in results {
        let (name, expected, a) = &cases[r.id];
        if let Some(e) = &r.error {
            bad.push(format!("{name}: probe error {e}"));
        } else if r.outcome != *expected {
            bad.push(format!(
                "{name}: analyzer {expected} [{}], packets {} ({})",
                a.code.map(|c| c.code()).unwrap_or("-"),
                r.outcome,
                r.detail
            ));
        } else if let (Some(want), Some(id)) = (&a.served_by, &r.identity) {
            if want.to_string() != id.node {
                bad.push(format!("{name}: analyzer served by {want}, packets by {}", id.node));
            } else if a.source_seen.is_some_and(|s| s != *id.peer.ip()) {
                bad.push(format!("{name}: analyzer source {:?}, packets {}", a.source_seen, id.peer.ip()));
            }
        }
    }
    (cases.len(), bad)
}

#[test]
fn analyzer_and_packets_agree_on_every_pair_of_every_scenario() {
    need_root!();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = std::fs::read_dir(root.join("scenarios")).unwrap().flatten().map(|e| e.path()).collect();
    files.sort();
    let mut all_bad = vec![];
    let mut total = 0;
    for f in files.iter().filter(|f| f.extension().is_some_and(|e| e == "yaml")) {
        let rel = f.strip_prefix(root).unwrap().to_str().unwrap().to_string();
        let lab = format!("t-mx-{}", &f.file_stem().unwrap().to_str().unwrap()[..2]);
        let (n, bad) = matrix(&rel, &lab);
        total += n;
        all_bad.extend(bad.into_iter().map(|b| format!("{rel}: {b}")));
    }
    eprintln!("matrix: {total} probes compared with the analyzer");
    assert!(all_bad.is_empty(), "{} mismatches of {total}:\n{}", all_bad.len(), all_bad.join("\n"));
}

#[test]
fn a_violated_never_fails_and_names_the_flow() {
    need_root!();
    let lab = "t-never";
    let body = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/12-security-groups.yaml"))
        .unwrap()
        .replace("name: sg-tiers", &format!("name: {lab}"))
        + "  - never: { from: \"task/web-*\", to: task/db }\n";
    let file = write_scenario(lab, &body);
    let _g = LabGuard(lab.into());
    let o = ecsnet(&["test", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains("FAIL  never task/web-* -> task/db") && out.contains("task/web-1 -> task/db:5432/tcp"),
        "{out}"
    );
    assert!(!out.contains("MODEL/DATAPLANE MISMATCH"), "{out}");
}

/// The addresses of an instance's own local paths: loopback, docker0's gateway and containers,
/// ecs-bridge's gateway and tasks, the metadata address.
fn local_addresses(lab: &Lab) -> BTreeSet<std::net::Ipv4Addr> {
    use std::net::Ipv4Addr;
    let mut a = BTreeSet::from([
        Ipv4Addr::LOCALHOST,
        Ipv4Addr::new(172, 17, 0, 1),
        Ipv4Addr::new(169, 254, 172, 1),
        Ipv4Addr::new(169, 254, 170, 2),
    ]);
    for t in lab.tasks.iter().filter(|t| t.placement.is_ok()) {
        a.extend(t.bridge_ip);
        a.extend(t.containers.iter().filter_map(|c| c.ip));
    }
    a
}

/// Compare the analyzer with packets on every local address of lab `lab_name` built from
/// `file`, from every source node; returns the number of probes and the mismatches.
fn local_paths(file: &std::path::Path, lab_name: &str) -> (usize, Vec<String>) {
    let _g = LabGuard(lab_name.into());
    let up = ecsnet(&["up", file.to_str().unwrap()]);
    assert!(up.status.success(), "{}", text(&up));
    let lab = ecsnet::dataplane::state::load_lab(lab_name).unwrap();
    let (srcs, _) = resolve::nodes(&lab);
    let mut ports: Vec<(Option<u16>, ProbeProto)> = vec![(None, ProbeProto::Icmp), (Some(51679), ProbeProto::Tcp)];
    ports.extend([(Some(80), ProbeProto::Tcp), (Some(80), ProbeProto::Udp)]);
    for (p, proto) in self::ports(&lab) {
        ports.push((Some(p), if proto == Proto::Tcp { ProbeProto::Tcp } else { ProbeProto::Udp }));
    }
    let mut addresses = local_addresses(&lab);
    addresses.extend(lab.instances.iter().map(|i| i.docker0_gw()));
    addresses.extend(lab.enis.iter().map(|e| e.ip));
    let mut cases = vec![];
    let mut specs = vec![];
    for s in &srcs {
        let Ok(source) = resolve::source(&lab, s) else { continue };
        for ip in &addresses {
            for (port, proto) in &ports {
                let d = ecsnet::scenario::Node::Ip(*ip);
                let a = analyze(&lab, s, &d, *port, *proto, None);
                let Some(expected) = a.outcome else { continue };
                specs.push(ProbeSpec {
                    id: cases.len(),
                    src_ns: source.ns.clone(),
                    bind: source.bind,
                    dst: *ip,
                    port: *port,
                    proto: *proto,
                    path: "/".into(),
                    host: None,
                    timeout: Duration::from_millis(500),
                });
                cases.push((format!("{s} -> {ip}:{}/{proto}", port.unwrap_or(0)), expected, a));
            }
        }
    }
    let mut bad = vec![];
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    for r in rt.block_on(run(specs)) {
        let (name, expected, a) = &cases[r.id];
        if r.outcome != *expected {
            let code = a.code.map(|c| c.code()).unwrap_or("-");
            bad.push(format!("{name}: analyzer {expected} [{code}], packets {} ({})", r.outcome, r.detail));
        } else if let (Some(want), Some(id)) = (&a.served_by, &r.identity) {
            if want.to_string() != id.node {
                bad.push(format!("{name}: analyzer served by {want}, packets by {}", id.node));
            } else if a.source_seen.is_some_and(|s| s != *id.peer.ip()) {
                bad.push(format!("{name}: analyzer source {:?}, packets {}", a.source_seen, id.peer.ip()));
            }
        }
    }
    (cases.len(), bad)
}

/// Issue 12: every local path of an instance (ecs-bridge from the instance, from bridge
/// containers and from awsvpc tasks; docker0; loopback with docker-proxy's semantics; the
/// agent's 127.0.0.1:51679; 169.254.170.2 on other ports and protocols) agrees with packets,
/// on the seed scenario, the host-mode one, and a VPC on docker's default 172.17.0.0/16 (docker0
/// moves to 172.18.0.0/16), over tcp, udp and icmp, to every ENI and local address.
#[test]
fn every_local_path_of_an_instance_agrees_with_packets() {
    need_root!();
    const VPC_ON_DOCKER0: &str = "version: 1\nname: t-mx-local7\nvpc:\n  cidr: 172.17.0.0/16\n  internetGateway: true\n  subnets: [{name: a, cidr: 172.17.1.0/24, routeTable: pub}, {name: b, cidr: 172.17.2.0/24}]\n  routeTables: [{name: pub, routes: [{destinationCidrBlock: 0.0.0.0/0, gateway: internet-gateway}]}]\n  securityGroups: [{name: open, ingress: [{protocol: all, source: 0.0.0.0/0}]}]\ninstances:\n  - {name: i1, subnet: a, publicIp: true, securityGroups: [open]}\n  - {name: i2, subnet: b, securityGroups: [open]}\ntaskDefinitions:\n  - family: web\n    containerDefinitions: [{name: app, image: x, portMappings: [{containerPort: 80, hostPort: 8080}, {containerPort: 53, protocol: udp}]}]\n  - family: api\n    networkMode: awsvpc\n    containerDefinitions: [{name: api, image: x, portMappings: [{containerPort: 9000}]}]\ntasks:\n  - {name: web, taskDefinition: web, instance: i1}\n  - {name: api, taskDefinition: api, instance: i1, networkConfiguration: {awsvpcConfiguration: {subnets: [a], securityGroups: [open]}}}\n  - {name: web2, taskDefinition: web, instance: i2}\n";
    let mut all_bad = vec![];
    let mut total = 0;
    for (file, lab_name) in
        [("scenarios/01-bridge-vs-awsvpc.yaml", "t-mx-local1"), ("scenarios/04-host.yaml", "t-mx-local4")]
    {
        let (n, bad) = local_paths(&scenario_copy(file, lab_name), lab_name);
        total += n;
        all_bad.extend(bad.into_iter().map(|b| format!("{file}: {b}")));
    }
    let (n, bad) = local_paths(&write_scenario("t-mx-local7", VPC_ON_DOCKER0), "t-mx-local7");
    total += n;
    all_bad.extend(bad.into_iter().map(|b| format!("vpc on 172.17.0.0/16: {b}")));
    eprintln!("local paths: {total} probes compared with the analyzer");
    assert!(all_bad.is_empty(), "{} mismatches of {total}:\n{}", all_bad.len(), all_bad.join("\n"));
}
