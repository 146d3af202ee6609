//! Issue 12, item 5: `ecsnet exec` is `docker exec` into an ECS container, checked in a real lab
//! (root): the container's environment only (never the caller's AWS keys), its hostname, the
//! resolv.conf and hosts Docker gives it in each network mode, its cgroup, and the internet
//! sending from its client address; an `x-ecsnet.command` program sees the same.

mod common;
use common::*;
use ecsnet::model::Lab;
use std::process::Command;
use std::time::{Duration, Instant};

const LAB_BODY: &str = r#"version: 1
name: LAB
region: eu-west-1
vpc:
  cidr: 10.7.0.0/16
  internetGateway: true
  subnets:
    - { name: a, cidr: 10.7.1.0/24, availabilityZone: eu-west-1a, routeTable: public }
  routeTables:
    - name: public
      routes: [{ destinationCidrBlock: 0.0.0.0/0, gateway: internet-gateway }]
  securityGroups:
    - name: web
      ingress: [{ protocol: tcp, ports: 80, source: 0.0.0.0/0 }]
internet:
  hosts:
    - { name: api, ip: 198.51.100.80, listen: [443/tcp] }
instances:
  - { name: ecs-1, subnet: a, instanceType: c5.large, publicIp: true, securityGroups: [web] }
taskDefinitions:
  - family: app
    networkMode: awsvpc
    taskRoleArn: arn:aws:iam::123456789012:role/app-role
    containerDefinitions:
      - name: web
        image: nginx:1.27
        entryPoint: [/docker-entrypoint.sh]
        command: [nginx, -g, daemon off;]
        environment: [{ name: AWS_REGION, value: us-west-2 }]
  - family: br
    networkMode: bridge
    containerDefinitions:
      - name: web
        image: nginx:1.27
        portMappings: [{ containerPort: 80, hostPort: 80 }]
      - name: own
        image: busybox:1.36
        x-ecsnet:
          command: [sh, -c, "hostname; cat /etc/resolv.conf; tail -n 1 /proc/self/cgroup; env; sleep 600"]
  - family: hst
    networkMode: host
    containerDefinitions:
      - { name: agent, image: busybox:1.36 }
tasks:
  - name: aws
    taskDefinition: app
    instance: ecs-1
    networkConfiguration: { awsvpcConfiguration: { subnets: [a], securityGroups: [web] } }
  - { name: br, taskDefinition: br, instance: ecs-1 }
  - { name: hst, taskDefinition: hst, instance: ecs-1 }
"#;

fn up(lab: &str) -> (LabGuard, Lab) {
    let file = write_scenario(lab, &LAB_BODY.replace("name: LAB", &format!("name: {lab}")));
    let g = LabGuard(lab.into());
    let o = ecsnet(&["up", file.to_str().unwrap()]);
    assert!(o.status.success(), "up failed: {}", text(&o));
    let model = ecsnet::dataplane::state::load_lab(lab).expect("lab state");
    (g, model)
}

/// `ecsnet exec LAB NODE -- sh -c SCRIPT` with the operator's AWS keys in the caller's
/// environment: stdout.
fn exec_sh(lab: &str, node: &str, script: &str) -> String {
    let o = Command::new(bin())
        .args(["exec", lab, node, "--", "sh", "-c", script])
        .env("AWS_ACCESS_KEY_ID", "AKIAOPERATORKEY")
        .env("AWS_SECRET_ACCESS_KEY", "operator-secret")
        .output()
        .expect("run ecsnet exec");
    assert!(o.status.success(), "exec {node} {script}: {}", text(&o));
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn env_of(out: &str) -> Vec<(String, String)> {
    out.lines().filter_map(|l| l.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn get<'a>(env: &'a [(String, String)], k: &str) -> Option<&'a str> {
    env.iter().find(|(name, _)| name == k).map(|(_, v)| v.as_str())
}

/// Whether this machine gives processes a cgroup v2 to join (else exec goes on without).
fn has_cgroup_v2() -> bool {
    ecsnet::sys::cgroup::v2_root().is_some()
}

#[test]
fn exec_is_docker_exec_in_every_network_mode() {
    need_root!();
    let lab = "t-exec-modes";
    let (g, m) = up(lab);
    let aws = m.task("aws").unwrap();
    let eni = &m.enis[aws.eni.unwrap()];
    let aws_name = format!("ip-{}.eu-west-1.compute.internal", eni.ip.to_string().replace('.', "-"));

    // awsvpc: the container's environment, no operator key; the ENI's name, DNS and hosts.
    let env = env_of(&exec_sh(lab, "task/aws/web", "env"));
    assert_eq!(get(&env, "AWS_ACCESS_KEY_ID"), None, "{env:?}");
    assert_eq!(get(&env, "AWS_SECRET_ACCESS_KEY"), None, "{env:?}");
    assert_eq!(get(&env, "AWS_REGION"), Some("us-west-2"), "the definition's region wins: {env:?}");
    assert_eq!(get(&env, "AWS_DEFAULT_REGION"), None, "{env:?}");
    assert_eq!(get(&env, "AWS_EXECUTION_ENV"), Some("AWS_ECS_EC2"));
    assert!(get(&env, "ECS_CONTAINER_METADATA_URI_V4").is_some_and(|v| v.starts_with("http://169.254.170.2/v4/")));
    assert!(get(&env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").is_some_and(|v| v.starts_with("/v2/credentials/")));
    assert_eq!(get(&env, "HOSTNAME"), Some(aws_name.as_str()));
    assert_eq!((get(&env, "HOME"), get(&env, "ECSNET_LAB")), (Some("/root"), Some(lab)));
    assert_eq!(get(&env, "ECSNET_NODE"), Some("task/aws/web"));
    assert_eq!(exec_sh(lab, "task/aws/web", "hostname").trim(), aws_name);
    assert_eq!(
        exec_sh(lab, "task/aws", "cat /etc/resolv.conf"),
        "search eu-west-1.compute.internal\nnameserver 10.7.0.2\noptions timeout:2 attempts:5\n"
    );
    let hosts = exec_sh(lab, "task/aws/web", "cat /etc/hosts");
    assert!(
        hosts.starts_with("127.0.0.1\tlocalhost\n") && hosts.ends_with(&format!("{}\t{aws_name}\n", eni.ip)),
        "{hosts}"
    );

    // bridge: the id's 12 hex, its docker0 address in hosts, the instance's resolver.
    let br = &m.task("br").unwrap().containers[0];
    let short = &br.docker_id[..12];
    assert_eq!(exec_sh(lab, "task/br/web", "hostname; cat /etc/hostname"), format!("{short}\n{short}\n"));
    let hosts = exec_sh(lab, "task/br/web", "cat /etc/hosts");
    assert!(hosts.ends_with(&format!("{}\t{short}\n", br.ip.unwrap())), "{hosts}");
    let instance_resolv = "; generated by /usr/sbin/dhclient-script\nsearch eu-west-1.compute.internal\n\
                           options timeout:2 attempts:5\nnameserver 10.7.0.2\n";
    assert_eq!(exec_sh(lab, "task/br/web", "cat /etc/resolv.conf"), instance_resolv);
    // sysfs of its own namespace: eth0 and lo only.
    assert_eq!(exec_sh(lab, "task/br/web", "ls /sys/class/net"), "eth0\nlo\n");

    // host mode and the instance itself: the instance's name and files.
    let inst_ip = m.instance_ip(&m.instances[0]).to_string().replace('.', "-");
    let inst_name = format!("ip-{inst_ip}.eu-west-1.compute.internal\n");
    assert_eq!(exec_sh(lab, "task/hst", "hostname"), inst_name);
    assert_eq!(exec_sh(lab, "instance/ecs-1", "hostname"), inst_name);
    assert_eq!(exec_sh(lab, "instance/ecs-1", "cat /etc/resolv.conf"), instance_resolv);
    let env = env_of(&exec_sh(lab, "instance/ecs-1", "env"));
    assert_eq!(get(&env, "ECS_CONTAINER_METADATA_URI"), None, "the instance is no container: {env:?}");
    assert_eq!(get(&env, "AWS_ACCESS_KEY_ID"), None, "{env:?}");

    // The machine's own files and hostname are untouched.
    let host_name = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    assert_ne!(host_name.trim(), aws_name);
    assert!(!std::fs::read_to_string("/etc/resolv.conf").unwrap().contains("eu-west-1.compute.internal"));

    // The cgroup carries the container id, as OpenTelemetry's ECS detector reads it; `down`
    // removes the lab's cgroups.
    if has_cgroup_v2() {
        let cg = exec_sh(lab, "task/br/web", "cat /proc/self/cgroup");
        let want = format!("/ecsnet.slice/{lab}/{}", br.docker_id);
        assert!(cg.lines().any(|l| l.starts_with("0::") && l.ends_with(&want)), "{cg}");
    } else {
        eprintln!("no cgroup v2 on this machine: the cgroup part is not checked");
    }
    drop(g);
    if let Some(root) = ecsnet::sys::cgroup::v2_root() {
        assert!(!root.join("ecsnet.slice").join(lab).exists(), "down removes the lab's cgroups");
    }
}

#[test]
fn a_containers_own_program_runs_as_docker_starts_it() {
    need_root!();
    let lab = "t-exec-own";
    let (_g, m) = up(lab);
    let own = &m.task("br").unwrap().containers[1];
    let log = ecsnet::dataplane::state::dir(lab).join("br.own.log");
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut out = String::new();
    while Instant::now() < deadline && !out.contains("ECSNET_LAB=") {
        std::thread::sleep(Duration::from_millis(50));
        out = std::fs::read_to_string(&log).unwrap_or_default();
    }
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some(&own.docker_id[..12]), "{out}");
    assert!(out.contains("nameserver 10.7.0.2\n"), "{out}");
    let env = env_of(&out);
    assert!(get(&env, "ECS_CONTAINER_METADATA_URI_V4").is_some(), "{out}");
    assert_eq!(get(&env, "HOSTNAME"), Some(&own.docker_id[..12]), "{out}");
    if has_cgroup_v2() {
        assert!(out.contains(&format!("/ecsnet.slice/{lab}/{}", own.docker_id)), "{out}");
    }
}

#[test]
fn curl_from_the_internet_leaves_from_its_client_or_hosts_address() {
    need_root!();
    let lab = "t-exec-inet";
    let (_g, m) = up(lab);
    let public = m.enis[m.instances[0].eni].public_ip.expect("public IP").to_string();
    let o = ecsnet(&["exec", lab, "internet", "--", "curl", "-s", "-m", "3", &format!("http://{public}:80/")]);
    let body = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", text(&o));
    assert!(body.contains("\"peer\":\"203.0.113.10:"), "the bridge container sees the internet's client: {body}");
    // An internet host sends from its own address (its sockets are marked through its cgroup).
    if ecsnet::sys::cgroup::v2_root().is_some() {
        let o = ecsnet(&["exec", lab, "internet/api", "--", "curl", "-s", "-m", "3", &format!("http://{public}:80/")]);
        let body = String::from_utf8_lossy(&o.stdout);
        assert!(body.contains("\"peer\":\"198.51.100.80:"), "seen from the host's address: {body} {}", text(&o));
    }
}
