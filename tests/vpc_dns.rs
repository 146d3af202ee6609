//! Issue 15, item 1: the VPC's DNS on real packets (root). Real resolvers inside each network
//! mode (glibc's `getent`, Python's `socket`) ask the lab's Amazon-provided DNS server through
//! the files ECS gives each container (resolv.conf, hostname, hosts), which are their own and
//! never the machine's; the VPC attributes and DHCP options change what they get.

mod common;
use common::*;
use std::process::Command;
use std::time::{Duration, Instant};

/// `ecsnet exec LAB NODE -- sh -c SCRIPT`: (success, stdout).
fn exec_sh(lab: &str, node: &str, script: &str) -> (bool, String) {
    let o = Command::new(bin()).args(["exec", lab, node, "--", "sh", "-c", script]).output().expect("exec");
    (o.status.success(), String::from_utf8_lossy(&o.stdout).to_string())
}

fn up(lab: &str, file: &std::path::Path) -> LabGuard {
    let _ = ecsnet(&["down", lab]);
    let g = LabGuard(lab.to_string());
    let o = ecsnet(&["up", file.to_str().unwrap()]);
    assert!(o.status.success(), "up: {}", text(&o));
    g
}

#[test]
fn real_resolvers_in_every_mode_ask_the_vpc_resolver_through_their_own_files() {
    need_root!();
    let lab = "t-dns-modes";
    let machine_resolv = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    let file = scenario_copy("scenarios/15-vpc-dns.yaml", lab);
    let _g = up(lab, &file);
    let instance_name = "ip-10-15-0-4.ap-northeast-1.compute.internal";
    let web_name = "ip-10-15-0-5.ap-northeast-1.compute.internal";
    let public_name = "ec2-198-51-100-1.ap-northeast-1.compute.amazonaws.com";

    // awsvpc: the ENI's DNS settings and private name, as the agent gives the pause container.
    let (ok, files) = exec_sh(lab, "task/web", "hostname; cat /etc/resolv.conf; cat /etc/hosts");
    assert!(ok);
    assert!(files.starts_with(&format!("{web_name}\n")), "{files}");
    assert!(
        files.contains("search ap-northeast-1.compute.internal\nnameserver 10.15.0.2\noptions timeout:2 attempts:5\n"),
        "{files}"
    );
    assert!(files.contains(&format!("10.15.0.5\t{web_name}\n")), "{files}");
    // bridge: the definition's hostname, dnsServers and extraHosts, as Docker applies them.
    let (ok, files) = exec_sh(lab, "task/legacy", "hostname; cat /etc/resolv.conf; cat /etc/hosts");
    assert!(ok);
    assert!(files.starts_with("legacy\n"), "{files}");
    assert!(files.contains("nameserver 169.254.169.253\n") && !files.contains("nameserver 10.15.0.2"), "{files}");
    assert!(files.contains("10.15.0.99\tdb.internal\n") && files.contains("172.17.0.2\tlegacy\n"), "{files}");
    // the instance: what DHCP gives Amazon Linux.
    let (_, files) = exec_sh(lab, "instance/ecs-1", "cat /etc/resolv.conf");
    assert!(files.contains("search ap-northeast-1.compute.internal\n") && files.contains("nameserver 10.15.0.2\n"));

    // glibc's resolver in each: names resolve through the lab's server.
    for node in ["task/web", "task/legacy", "task/locked", "instance/ecs-1"] {
        let (ok, out) = exec_sh(lab, node, &format!("getent hosts {instance_name}"));
        assert!(ok && out.starts_with("10.15.0.4 "), "{node}: getent {instance_name}: {out}");
        let (ok, out) = exec_sh(lab, node, &format!("getent ahostsv4 {public_name}"));
        assert!(ok && out.starts_with("10.15.0.4 "), "{node}: the public name inside the VPC: {out}");
    }
    // The search domain completes short names, as the DHCP options' domain-name does.
    let (ok, out) = exec_sh(lab, "instance/ecs-1", "getent ahostsv4 ip-10-15-0-5");
    assert!(ok && out.starts_with("10.15.0.5 "), "search domain: {out}");
    // From the internet: the public view.
    let (ok, out) = exec_sh(lab, "internet", &format!("cat /etc/resolv.conf; getent ahostsv4 {public_name}"));
    assert!(ok && out.contains("nameserver 203.0.113.53") && out.contains("198.51.100.1 "), "{out}");
    let (ok, _) = exec_sh(lab, "internet", &format!("getent hosts {instance_name}"));
    assert!(!ok, "compute.internal is private");
    // Python's resolver, as an SDK's HTTP client uses it.
    if let Some(py) = common::sdk::python() {
        let py = py.to_string_lossy().to_string();
        let (ok, out) =
            exec_sh(lab, "task/web", &format!("{py} -c \"import socket; print(socket.gethostbyname('{web_name}'))\""));
        assert!(ok && out.trim() == "10.15.0.5", "python: {out}");
    }
    // The machine's own file is untouched.
    assert_eq!(std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default(), machine_resolv);

    // The scenario's own expectations, on packets and cross-checked by the analyzer.
    let o = ecsnet(&["check", lab]);
    assert!(o.status.success(), "check: {}", text(&o));
}

const OFF: &str = r#"version: 1
name: LAB
region: us-east-1
vpc:
  cidr: 10.16.0.0/16
  enableDnsSupport: SUPPORT
  enableDnsHostnames: HOSTNAMES
  subnets:
    - { name: a, cidr: 10.16.0.0/24 }
instances:
  - { name: ecs-1, subnet: a }
taskDefinitions:
  - family: web
    networkMode: awsvpc
    containerDefinitions: [{ name: app, image: nginx:1.27, portMappings: [{ containerPort: 80 }] }]
tasks:
  - { name: web, taskDefinition: web, instance: ecs-1, networkConfiguration: { awsvpcConfiguration: { subnets: [a] } } }
expect:
  - dns: { from: task/web, name: ip-10-16-0-4.ec2.internal, resolvesTo: ANSWER }
  - { from: task/web, to: dns:53, protocol: udp, reachable: REACH }
"#;

fn off_lab(lab: &str, support: bool, hostnames: bool) -> std::path::PathBuf {
    let answer = match (support, hostnames) {
        (false, _) => "timeout",
        (true, false) => "NXDOMAIN",
        (true, true) => "10.16.0.4",
    };
    let body = OFF
        .replace("name: LAB", &format!("name: {lab}"))
        .replace("SUPPORT", &support.to_string())
        .replace("HOSTNAMES", &hostnames.to_string())
        .replace("ANSWER", answer)
        .replace("REACH", &support.to_string());
    write_scenario(lab, &body)
}

#[test]
fn the_vpc_attributes_turn_the_resolver_and_the_names_off() {
    need_root!();
    // us-east-1: ec2.internal. Hostnames off: the name does not resolve and the awsvpc task's
    // hostname is random (the container id's first 12 hex), without a hosts line.
    let lab = "t-dns-nohost";
    let file = off_lab(lab, true, false);
    let o = ecsnet(&["test", file.to_str().unwrap()]);
    assert!(o.status.success(), "test: {}", text(&o));
    let _g = up(lab, &file);
    let (ok, out) = exec_sh(lab, "task/web", "hostname; cat /etc/hosts");
    let host = out.lines().next().unwrap_or_default().to_string();
    assert!(ok && host.len() == 12 && host.bytes().all(|b| b.is_ascii_hexdigit()), "{out}");
    assert!(!out.contains("ec2.internal"), "{out}");
    drop(_g);

    // DNS support off: every query times out, and the files still name the VPC resolver.
    let lab = "t-dns-nosupport";
    let file = off_lab(lab, false, false);
    let o = ecsnet(&["test", file.to_str().unwrap()]);
    assert!(o.status.success(), "test: {}", text(&o));
    let _g = up(lab, &file);
    let (_, conf) = exec_sh(lab, "task/web", "cat /etc/resolv.conf");
    assert!(conf.contains("nameserver 10.16.0.2"), "{conf}");
    let start = Instant::now();
    let (ok, _) = exec_sh(lab, "task/web", "getent hosts ip-10-16-0-4.ec2.internal");
    assert!(!ok && start.elapsed() >= Duration::from_secs(2), "a timeout, not a refusal ({:?})", start.elapsed());

    // A hostnames-on VPC after that one, to be sure the expectation form passes both ways.
    let file = off_lab("t-dns-on", true, true);
    let o = ecsnet(&["test", file.to_str().unwrap()]);
    assert!(o.status.success(), "test: {}", text(&o));
}

const DHCP: &str = r#"version: 1
name: LAB
region: eu-west-1
vpc:
  cidr: 10.17.0.0/16
  internetGateway: true
  dhcpOptions: { domainName: corp.example.com, domainNameServers: [8.8.8.8] }
  subnets:
    - { name: public-a, cidr: 10.17.0.0/24, routeTable: public }
    - { name: private-a, cidr: 10.17.1.0/24, routeTable: private }
    - { name: isolated-a, cidr: 10.17.2.0/24 }
  routeTables:
    - name: public
      routes: [{ destinationCidrBlock: 0.0.0.0/0, gateway: internet-gateway }]
    - name: private
      routes: [{ destinationCidrBlock: 0.0.0.0/0, natGateway: nat-a }]
  natGateways:
    - { name: nat-a, subnet: public-a }
instances:
  - { name: ecs-1, subnet: private-a, instanceType: m5.large }
  - { name: edge, subnet: public-a, publicIp: true }
taskDefinitions:
  - family: web
    networkMode: awsvpc
    containerDefinitions: [{ name: app, image: nginx:1.27 }]
tasks:
  - { name: out, taskDefinition: web, instance: ecs-1, networkConfiguration: { awsvpcConfiguration: { subnets: [private-a] } } }
  - { name: cut, taskDefinition: web, instance: ecs-1, networkConfiguration: { awsvpcConfiguration: { subnets: [isolated-a] } } }
expect:
  # 8.8.8.8 is outside the VPC: reached through the NAT gateway, it answers as the internet
  # does (the public address), and knows nothing of compute.internal.
  - dns: { from: task/out, name: ec2-198-51-100-1.eu-west-1.compute.amazonaws.com, resolvesTo: public }
  - dns: { from: task/out, name: ip-10-17-0-4.eu-west-1.compute.internal, resolvesTo: NXDOMAIN }
  # The VPC resolver still answers whoever asks it by address.
  - dns: { from: task/out, name: ip-10-17-0-4.eu-west-1.compute.internal, server: 169.254.169.253, resolvesTo: 10.17.0.4 }
  # No route out: the DHCP options' resolver is unreachable.
  - dns: { from: task/cut, name: ec2-198-51-100-1.eu-west-1.compute.amazonaws.com, resolvesTo: timeout }
"#;

#[test]
fn dhcp_options_name_the_resolvers_and_the_search_domain() {
    need_root!();
    let lab = "t-dns-dhcp";
    let file = write_scenario(lab, &DHCP.replace("name: LAB", &format!("name: {lab}")));
    let _g = up(lab, &file);
    let (_, conf) = exec_sh(lab, "task/out", "cat /etc/resolv.conf");
    assert!(conf.contains("search corp.example.com\nnameserver 8.8.8.8\n"), "{conf}");
    let (_, conf) = exec_sh(lab, "instance/ecs-1", "cat /etc/resolv.conf");
    assert!(conf.contains("search corp.example.com\n") && conf.contains("nameserver 8.8.8.8\n"), "{conf}");
    let o = ecsnet(&["check", lab]);
    assert!(o.status.success(), "check: {}", text(&o));
    let out = text(&o);
    assert!(!out.contains("MISMATCH"), "{out}");
}

/// Cloud Map (scenario 30): glibc resolves a service's name to the tasks ECS registered, and
/// Python reads its SRV records; a stopped task leaves the answer at once and its replacement
/// joins it; `ecsnet check` agrees with the analyzer throughout.
#[test]
fn cloud_map_names_follow_the_tasks_ecs_registers() {
    need_root!();
    let lab = "t-dns-cloudmap";
    let file = scenario_copy("scenarios/30-service-discovery.yaml", lab);
    let _g = up(lab, &file);
    let addrs = |out: &str| {
        let mut v: Vec<String> = out.lines().filter_map(|l| l.split_whitespace().next()).map(String::from).collect();
        v.sort();
        v.dedup();
        v
    };
    let (ok, out) = exec_sh(lab, "task/web", "getent ahostsv4 api.corp.local");
    assert!(ok, "getent: {out}");
    assert_eq!(addrs(&out), vec!["10.30.1.5".to_string(), "10.30.2.5".to_string()], "{out}");
    // A private hosted zone: the internet's resolver does not know it.
    let (ok, _) = exec_sh(lab, "internet", "getent hosts api.corp.local");
    assert!(!ok, "corp.local is private");
    let o = ecsnet(&["check", lab]);
    assert!(o.status.success(), "check: {}", text(&o));
    assert!(!text(&o).contains("MISMATCH"), "{}", text(&o));
    // By name, as the application connects: the resolver's first address, one of api's tasks.
    let by_name = text(&o).lines().find(|l| l.contains("-> api.corp.local:8080/http")).map(String::from);
    assert!(
        by_name.as_deref().is_some_and(|l| l.contains("api.corp.local -> 10.30.") && l.contains("served by task/api-")),
        "{}",
        text(&o)
    );
    assert!(text(&o).contains("[DNS_NAME_NOT_RESOLVED] nothing.corp.local gives no address"), "{}", text(&o));
    // What ECS registered, as list-instances shows it: worker's tasks at their instance and host port.
    let o = ecsnet(&["inspect", lab, "cloudmap/worker.corp.local"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("inspect cloudmap/ is JSON");
    assert_eq!(v["Service"]["InstanceCount"], 2, "{v}");
    assert!(v["Instances"][0]["Attributes"]["AWS_INSTANCE_PORT"].as_str().is_some_and(|p| p.starts_with("327")), "{v}");

    // StopTask: ECS deregisters the task; the scheduler's replacement is registered once it runs.
    let o = ecsnet(&["stop", lab, "task/api-1", "--wait"]);
    assert!(o.status.success(), "stop: {}", text(&o));
    let until = Instant::now() + Duration::from_secs(30);
    let mut last = String::new();
    while Instant::now() < until {
        let (_, out) = exec_sh(lab, "task/web", "getent ahostsv4 api.corp.local");
        last = out;
        let now = addrs(&last);
        if now.len() == 2 && !now.contains(&"10.30.1.5".to_string()) {
            break;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    let now = addrs(&last);
    assert!(now.len() == 2 && !now.contains(&"10.30.1.5".to_string()), "api-1 gone, api-3 in: {last}");
    let o = ecsnet(&["explain", lab, "task/web", "--dns", "api.corp.local"]);
    for a in &now {
        assert!(text(&o).contains(a.as_str()), "explain agrees: {}", text(&o));
    }
    // A probe by name reaches a task registered now, never the stopped one.
    for _ in 0..4 {
        let o = ecsnet(&["probe", lab, "task/web", "api.corp.local:8080", "--protocol", "http"]);
        let out = text(&o);
        assert!(o.status.success() && out.contains("served by task/api-") && !out.contains("10.30.1.5"), "{out}");
    }
    // The names agree with the analyzer (the reachability of the stopped api-1 fails, as it must).
    let o = ecsnet(&["check", lab]);
    let out = text(&o);
    let dns: Vec<&str> = out.lines().filter(|l| l.contains(" dns ")).collect();
    assert!(dns.len() == 5 && dns.iter().all(|l| l.trim_start().starts_with("ok")), "{out}");
    assert!(!out.contains("MISMATCH") && out.contains("STOPPED"), "{out}");
}
