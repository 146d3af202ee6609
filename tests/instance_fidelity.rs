//! Issue 12, item 3: an instance is the real one in its kernel objects, checked as a user sees
//! them through `ecsnet exec` (`nft list ruleset`, `ip`, `curl` to the built-in responder, which
//! answers with who it is and the source it saw) on real labs (root; lab names `t-fid-*`).

mod common;
use common::*;
use ecsnet::dataplane::state::load_lab;

const DOCKER: &str = "version: 1
name: t-fid-docker
vpc:
  cidr: 10.3.0.0/16
  subnets: [{name: a, cidr: 10.3.1.0/24}]
  securityGroups: [{name: open, ingress: [{protocol: all, source: 10.3.0.0/16}]}]
instances:
  - {name: i1, subnet: a, securityGroups: [open]}
  - {name: i2, subnet: a, securityGroups: [open]}
taskDefinitions:
  - family: web
    containerDefinitions: [{name: app, image: x, portMappings: [{containerPort: 80, hostPort: 8080}]}]
  - family: api
    containerDefinitions: [{name: app, image: x, portMappings: [{containerPort: 80, hostPort: 8081}]}]
  - family: aws
    networkMode: awsvpc
    containerDefinitions: [{name: app, image: x, portMappings: [{containerPort: 9000}]}]
tasks:
  - {name: web, taskDefinition: web, instance: i1}
  - {name: api, taskDefinition: api, instance: i1}
  - {name: aws, taskDefinition: aws, instance: i1, networkConfiguration: {awsvpcConfiguration: {subnets: [a], securityGroups: [open]}}}
expect:
  - {from: task/web, to: instance/i1:8080, reachable: true, servedBy: task/web/app, sourceSeenAs: 172.17.0.1}
  - {from: task/api, to: instance/i1:8080, reachable: true, servedBy: task/web/app, sourceSeenAs: 172.17.0.1}
  - {from: instance/i2, to: instance/i1:8081, reachable: true, servedBy: task/api/app, sourceSeenAs: instance/i2}
  - {from: instance/i1, to: task/web:80, via: hostPort, reachable: true, sourceSeenAs: instance/i1}
";

const TRUNK: &str = "version: 1
name: t-fid-trunk
vpc:
  cidr: 10.4.0.0/16
  subnets: [{name: a, cidr: 10.4.1.0/24}]
  securityGroups:
    - name: app
      ingress: [{protocol: tcp, ports: 80, source: 10.4.0.0/16}, {protocol: icmp, source: 10.4.0.0/16}]
instances:
  - {name: trunked, subnet: a, securityGroups: [app], instanceType: c5.large, eniTrunking: true}
  - {name: plain, subnet: a, securityGroups: [app], instanceType: c5.large}
taskDefinitions:
  - {family: web, networkMode: awsvpc, containerDefinitions: [{name: app, image: x, portMappings: [{containerPort: 80}]}]}
tasks:
  - {name: w1, taskDefinition: web, instance: trunked, networkConfiguration: {awsvpcConfiguration: {subnets: [a], securityGroups: [app]}}}
  - {name: w2, taskDefinition: web, instance: trunked, networkConfiguration: {awsvpcConfiguration: {subnets: [a], securityGroups: [app]}}}
  - {name: p1, taskDefinition: web, instance: plain, networkConfiguration: {awsvpcConfiguration: {subnets: [a], securityGroups: [app]}}}
expect:
  - {from: task/w1, to: task/w2:80, reachable: true, servedBy: task/w2/app, sourceSeenAs: task/w1}
  - {from: task/w2, to: task/p1:80, reachable: true, sourceSeenAs: task/w2}
  - {from: task/p1, to: task/w1:80, reachable: true, sourceSeenAs: task/p1}
  - {from: instance/plain, to: task/w2, protocol: icmp, reachable: true}
  - {from: task/w1, to: task/w2:81, reachable: false, result: timeout}
";

/// `CMD` run in `node` of `lab` through `ecsnet exec`; its stdout and stderr.
fn exec(lab: &str, node: &str, cmd: &[&str]) -> String {
    let mut args = vec!["exec", lab, node, "--"];
    args.extend(cmd);
    text(&ecsnet(&args))
}

/// The rules of chain `name` in `nft list ruleset`, trimmed.
fn chain<'a>(ruleset: &'a str, name: &str) -> Vec<&'a str> {
    let head = format!("chain {name} {{");
    let body = ruleset.lines().skip_while(|l| l.trim() != head).skip(1);
    body.take_while(|l| l.trim() != "}").map(str::trim).filter(|l| !l.is_empty()).collect()
}

/// The responder's answer to `curl http://ADDR/` from `node`: who served it, the source it saw.
fn curl(lab: &str, node: &str, addr: &str) -> (String, String) {
    let out = exec(lab, node, &["curl", "-s", "-m", "3", &format!("http://{addr}/")]);
    let v: serde_json::Value =
        serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{node} -> {addr}: {e}: {out}"));
    let peer = v["peer"].as_str().unwrap_or_default();
    let ip = peer.rsplit_once(':').map(|(ip, _)| ip).unwrap_or(peer);
    (v["node"].as_str().unwrap_or_default().to_string(), ip.to_string())
}

fn up(lab: &str, body: &str) -> String {
    let file = write_scenario(lab, body);
    let up = ecsnet(&["up", file.to_str().unwrap()]);
    assert!(up.status.success(), "{}", text(&up));
    text(&up)
}

fn check(lab: &str) {
    let o = ecsnet(&["check", lab]);
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn dockers_filter_chains_and_hairpin_are_docker_25s() {
    need_root!();
    let lab = "t-fid-docker";
    let _g = LabGuard(lab.into());
    up(lab, DOCKER);
    let nft = exec(lab, "instance/i1", &["nft", "list", "ruleset"]);
    assert_eq!(
        chain(&nft, "forward"),
        [
            "type filter hook forward priority filter; policy drop;",
            "jump DOCKER-USER",
            "jump DOCKER-ISOLATION-STAGE-1",
            "oifname \"docker0\" ct state established,related accept",
            "oifname \"docker0\" jump DOCKER",
            "iifname \"docker0\" oifname != \"docker0\" accept",
            "iifname \"docker0\" oifname \"docker0\" accept comment \"docker: icc\"",
        ],
        "{nft}"
    );
    assert_eq!(
        chain(&nft, "DOCKER"),
        [
            "ip daddr 172.17.0.2 iifname != \"docker0\" oifname \"docker0\" tcp dport 80 accept",
            "ip daddr 172.17.0.3 iifname != \"docker0\" oifname \"docker0\" tcp dport 80 accept",
        ],
        "exactly the published ports: {nft}"
    );
    assert_eq!(chain(&nft, "DOCKER-USER"), ["return"]);
    assert_eq!(
        chain(&nft, "DOCKER-ISOLATION-STAGE-1"),
        ["iifname \"docker0\" oifname != \"docker0\" jump DOCKER-ISOLATION-STAGE-2", "return"]
    );
    assert_eq!(chain(&nft, "DOCKER-ISOLATION-STAGE-2"), ["oifname \"docker0\" drop", "return"]);
    // The hairpin as Docker makes it with the userland proxy on.
    let nat = chain(&nft, "DOCKER-NAT");
    assert_eq!(nat[0], "iifname \"docker0\" return", "{nft}");
    assert!(
        nat[1].starts_with("iifname != \"docker0\" tcp dport 8080 counter")
            && nat[1].contains("dnat ip to 172.17.0.2:80"),
        "{nft}"
    );
    let post = chain(&nft, "postrouting").join("\n");
    assert!(post.contains("ip saddr 172.17.0.2 ip daddr 172.17.0.2 tcp dport 80 masquerade"), "{post}");
    let ports = exec(lab, "instance/i1", &["ip", "-d", "link", "show", "master", "docker0"]);
    assert!(ports.contains("hairpin off") && !ports.contains("hairpin on"), "{ports}");
    let m = load_lab(lab).unwrap();
    let web = &m.task("web").unwrap().containers[0];
    let inspect = text(&ecsnet(&["inspect", lab, &web.docker_name]));
    assert!(inspect.contains("\"HairpinMode\": false"), "{inspect}");
    hairpin_sources(lab, &m);
    check(lab);
}

/// Who answers and which source it sees, on every way to a published port.
fn hairpin_sources(lab: &str, m: &ecsnet::model::Lab) {
    let (i1, i2) = (m.instance_ip(&m.instances[0]).to_string(), m.instance_ip(&m.instances[1]).to_string());
    let web = "task/web/app".to_string();
    let docker0 = "172.17.0.1".to_string();
    // A container to its own published port and to another's, through the instance's addresses:
    // docker-proxy's connection, from docker0's address.
    assert_eq!(curl(lab, "task/web", &format!("{i1}:8080")), (web.clone(), docker0.clone()));
    assert_eq!(curl(lab, "task/api", &format!("{i1}:8080")), (web.clone(), docker0.clone()));
    assert_eq!(curl(lab, "task/web", "172.17.0.1:8081"), ("task/api/app".into(), docker0.clone()));
    // From the VPC and from the instance: Docker's DNAT, the source kept.
    assert_eq!(curl(lab, "instance/i2", &format!("{i1}:8080")), (web.clone(), i2));
    assert_eq!(curl(lab, "instance/i1", &format!("{i1}:8080")), (web.clone(), i1));
    // 127.0.0.1 is docker-proxy's too; an awsvpc task reaches the port on ecs-bridge's address.
    assert_eq!(curl(lab, "instance/i1", "127.0.0.1:8080"), (web.clone(), docker0));
    assert_eq!(curl(lab, "task/aws", "169.254.172.1:8080"), (web, "169.254.172.2".into()));
}

#[test]
fn addresses_links_and_routes_look_like_the_real_ones() {
    need_root!();
    let lab = "t-fid-cosmetic";
    let _g = LabGuard(lab.into());
    up(lab, &DOCKER.replace("name: t-fid-docker", &format!("name: {lab}")));
    // The ECS CNI plugins add their addresses without broadcast.
    let bridge = exec(lab, "instance/i1", &["ip", "-4", "addr", "show", "dev", "ecs-bridge"]);
    assert!(bridge.contains("inet 169.254.172.1/22 scope global ecs-bridge") && !bridge.contains("brd"), "{bridge}");
    let eth = exec(lab, "task/aws", &["ip", "-4", "addr", "show", "dev", "ecs-eth0"]);
    assert!(eth.contains("inet 169.254.172.2/22 scope global ecs-eth0") && !eth.contains("brd"), "{eth}");
    // docker0 as Docker creates it: no queue, a 02:42 MAC.
    let docker0 = exec(lab, "instance/i1", &["ip", "link", "show", "docker0"]);
    assert!(docker0.contains("link/ether 02:42:") && !docker0.contains("qlen"), "{docker0}");
    // Routes made as the CNI plugins and Docker make them: no `proto` shown.
    for node in ["instance/i1", "task/aws", "task/web"] {
        let routes = exec(lab, node, &["ip", "route"]);
        assert!(routes.contains("default via") && !routes.contains("proto static"), "{node}: {routes}");
    }
    // No IPv6 on the instance, and no [::] binding shown for it.
    assert_eq!(exec(lab, "instance/i1", &["ip", "-6", "addr"]).trim(), "");
    let ps = text(&ecsnet(&["ps", lab]));
    assert!(ps.contains("0.0.0.0:8080->80/tcp") && !ps.contains(":::"), "{ps}");
    let web = load_lab(lab).unwrap().task("web").unwrap().containers[0].docker_name.clone();
    let inspect = text(&ecsnet(&["inspect", lab, &web]));
    assert!(inspect.contains("\"HostIp\": \"0.0.0.0\"") && !inspect.contains("\"HostIp\": \"::\""), "{inspect}");
}

#[test]
fn eni_trunking_makes_branch_enis_vlans_of_the_trunk() {
    need_root!();
    let lab = "t-fid-trunk";
    let _g = LabGuard(lab.into());
    let out = up(lab, TRUNK);
    let vlans = !out.contains("no 802.1Q VLANs");
    let m = load_lab(lab).unwrap();
    let trunk = m.instances[0].trunk.clone().expect("a trunk ENI");
    assert!(m.instances[1].trunk.is_none());
    let eth1 = exec(lab, "instance/trunked", &["ip", "-d", "link", "show", "eth1"]);
    assert!(eth1.contains(&format!("link/ether {}", trunk.mac)) && eth1.contains("mtu 9001"), "{eth1}");
    for (task, id) in [("w1", 1), ("w2", 2)] {
        let e = &m.enis[m.task(task).unwrap().eni.unwrap()];
        let eth0 = exec(lab, &format!("task/{task}"), &["ip", "-d", "link", "show", "eth0"]);
        assert!(eth0.contains(&format!("link/ether {}", e.mac)) && eth0.contains("mtu 9001"), "{eth0}");
        let router = sh(&format!("ip -n {} -d link show {}", m.vpc.router_ns, e.router_link));
        if vlans {
            assert!(eth0.contains(&format!("vlan protocol 802.1Q id {id}")), "{eth0}");
            assert!(router.contains(&format!("{}@{}", e.router_link, trunk.router_link)), "{router}");
            assert!(router.contains(&format!("vlan protocol 802.1Q id {id}")), "{router}");
        } else {
            // A kernel without 802.1Q: the veth a task ENI is without trunking.
            assert!(eth0.contains("veth") && router.contains("veth"), "{eth0}\n{router}");
        }
    }
    let plain = &m.enis[m.task("p1").unwrap().eni.unwrap()];
    let eth0 = exec(lab, "task/p1", &["ip", "-d", "link", "show", "eth0"]);
    assert!(eth0.contains("veth") && eth0.contains(&plain.mac), "{eth0}");
    check(lab);
}
