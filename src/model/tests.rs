//! Tests of the model as a whole (no root needed): placement, allocation, resolving, model
//! errors, and the golden model of every scenario.

use super::*;
use crate::scenario::{self, Node, ProbeProto, load_str};
use std::path::Path;

fn lab(text: &str) -> Lab {
    let s = match load_str(Path::new("t.yaml"), text) {
        Ok(s) => s,
        Err(d) => panic!("scenario: {d}"),
    };
    build(&s).expect("model")
}

fn seed() -> Lab {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/01-bridge-vs-awsvpc.yaml"))
            .unwrap();
    lab(&text)
}

const SMALL: &str = "version: 1\nname: m\nvpc:\n  cidr: 10.0.0.0/16\n  subnets: [{name: a, cidr: 10.0.1.0/24}]\ninstances:\n  - {name: i1, subnet: a}\n  - {name: i2, subnet: a, maxEnis: 2}\ntaskDefinitions:\n  - family: v\n    networkMode: awsvpc\n    containerDefinitions: [{name: c, image: x, portMappings: [{containerPort: 80}]}]\n  - family: b\n    containerDefinitions: [{name: c, image: x, portMappings: [{containerPort: 80}, {containerPort: 81, hostPort: 8081}]}]\ntasks:\n  - {name: v1, taskDefinition: v, instance: i1, networkConfiguration: {awsvpcConfiguration: {subnets: [a]}}}\n  - {name: v2, taskDefinition: v, instance: i2, networkConfiguration: {awsvpcConfiguration: {subnets: [a]}}}\n  - {name: v3, taskDefinition: v, instance: i2, networkConfiguration: {awsvpcConfiguration: {subnets: [a]}}}\n  - {name: b1, taskDefinition: b, instance: i1}\n  - {name: b2, taskDefinition: b, instance: i1}\n  - {name: b3, taskDefinition: b, instance: i2}\n";

#[test]
fn subnet_addresses_skip_the_five_aws_reserves() {
    let l = lab(SMALL);
    // .0-.3 are reserved: the first instance gets .4, the next .5, then task ENIs.
    assert_eq!(l.instance_ip(&l.instances[0]).to_string(), "10.0.1.4");
    assert_eq!(l.instance_ip(&l.instances[1]).to_string(), "10.0.1.5");
    let v1 = l.task("v1").unwrap();
    assert_eq!(l.enis[v1.eni.unwrap()].ip.to_string(), "10.0.1.6");
    assert_eq!(l.vpc.subnets[0].gateway.to_string(), "10.0.1.1");
}

#[test]
fn ecs_bridge_ipam_starts_at_2_and_mac_follows_ip() {
    let l = seed();
    let t = l.task("web-awsvpc").unwrap();
    assert_eq!(t.bridge_ip.unwrap().to_string(), "169.254.172.2");
    assert_eq!(t.bridge_mac.as_deref(), Some("0a:58:a9:fe:ac:02"));
    let e = &l.enis[t.eni.unwrap()];
    assert!(l.vpc.subnets[e.subnet].cidr.contains(e.ip));
    assert_eq!(e.public_ip, None, "awsvpc ENIs on EC2 never get a public IP");
}

#[test]
fn docker0_addresses_and_dynamic_ports() {
    let l = lab(SMALL);
    let b1 = l.task("b1").unwrap();
    let b2 = l.task("b2").unwrap();
    assert_eq!(b1.containers[0].ip.unwrap().to_string(), "172.17.0.2");
    assert_eq!(b1.containers[0].ports[0].host_port, Some(32768));
    assert_eq!(b1.containers[0].ports[1].host_port, Some(8081));
    // b2 wants static 8081 too on the same instance: not placed.
    assert_eq!(b2.placement.as_ref().unwrap_err().reason(), "RESOURCE:PORTS");
    // b3 on another instance starts its own docker0 and its own port range.
    let b3 = l.task("b3").unwrap();
    assert_eq!(b3.containers[0].ip.unwrap().to_string(), "172.17.0.2");
    assert_eq!(b3.containers[0].ports[0].host_port, Some(32768));
}

#[test]
fn eni_capacity_gives_resource_eni() {
    let l = lab(SMALL);
    assert!(l.task("v2").unwrap().placement.is_ok());
    assert_eq!(l.task("v3").unwrap().placement.as_ref().unwrap_err().reason(), "RESOURCE:ENI");
}

#[test]
fn docker_and_pause_names_follow_ecs() {
    let l = seed();
    let t = l.task("web-awsvpc").unwrap();
    let p = t.pause.as_ref().unwrap();
    assert!(p.docker_name.starts_with("ecs-CdkEcsStackDVATaskDefA782C5B3-9-internalecspause-"), "{}", p.docker_name);
    assert!(t.containers[0].docker_name.starts_with("ecs-CdkEcsStackDVATaskDefA782C5B3-9-DVA-EC-site-"));
    assert_eq!(p.docker_id.len(), 64);
    let env: Vec<&str> = t.containers[0].env.iter().map(|(k, _)| k.as_str()).collect();
    for k in
        ["ECS_CONTAINER_METADATA_URI", "ECS_CONTAINER_METADATA_URI_V4", "AWS_EXECUTION_ENV", "AWS_REGION", "NODE_ENV"]
    {
        assert!(env.contains(&k), "{k} missing from {env:?}");
    }
}

#[test]
fn resolve_sources_and_destinations() {
    let l = seed();
    let src = resolve::source(&l, &Node::Internet).unwrap();
    assert_eq!(src.bind, Some(INTERNET_CLIENT));
    let (ip, port) =
        resolve::destination(&l, &Node::task("web-bridge"), Some(3000), Some(scenario::Via::HostPort), ProbeProto::Tcp)
            .unwrap();
    assert_eq!(ip.to_string(), "10.0.14.107");
    assert_eq!(port, Some(3000));
    let e =
        resolve::destination(&l, &Node::task("web-awsvpc"), Some(3000), Some(scenario::Via::HostPort), ProbeProto::Tcp)
            .unwrap_err();
    assert!(matches!(e, resolve::ResolveError::AwsvpcPortNotPublished { port: 3000, .. }), "{e}");
    assert!(e.to_string().contains("not published"), "{e}");
    let nat = resolve::addresses_of(&l, &Node::Nat("nat-a".into()));
    assert!(nat.contains(&l.nats[0].eip));
}

fn model_error(text: &str) -> ModelError {
    let s = match load_str(Path::new("t.yaml"), text) {
        Ok(s) => s,
        Err(d) => panic!("scenario: {d}"),
    };
    match build(&s) {
        Ok(_) => panic!("the model was built"),
        Err(e) => e,
    }
}

fn instances(n: usize, attrs: &str) -> String {
    (0..n).map(|i| format!("  - {{ name: i{i}, subnet: a{attrs} }}\n")).collect()
}

#[test]
fn a_full_subnet_stops_the_model_at_the_instance_that_finds_it_full() {
    // A /28 has 11 addresses for instances (16 minus the 4 AWS reserves and the broadcast).
    let text = format!(
        "version: 1\nname: m\nvpc:\n  cidr: 10.0.0.0/16\n  subnets: [{{ name: a, cidr: 10.0.1.0/28 }}]\ninstances:\n{}",
        instances(12, "")
    );
    let e = model_error(&text);
    assert_eq!(e.kind, ModelErrorKind::SubnetFull("a".into()));
    assert_eq!(e.loc.line, 18, "{e}");
    assert_eq!(e.to_string(), "t.yaml:18:7: error: subnet `a` has no free address left");
}

#[test]
fn an_exhausted_public_ip_pool_is_a_model_error() {
    // A /30 pool hands out its two middle addresses.
    let text = format!(
        "version: 1\nname: m\nvpc:\n  cidr: 10.0.0.0/16\n  internetGateway: true\n  publicIpPool: 198.51.100.0/30\n  subnets: [{{ name: a, cidr: 10.0.1.0/24 }}]\ninstances:\n{}",
        instances(3, ", publicIp: true")
    );
    let e = model_error(&text);
    assert_eq!(e.kind, ModelErrorKind::PublicIpPoolExhausted);
    assert!(e.to_string().ends_with("error: the public IP pool is exhausted"), "{e}");
}

#[test]
fn awsvpc_placement_needs_a_subnet_in_the_instance_zone_with_a_free_address() {
    let text = "version: 1\nname: m\nvpc:\n  cidr: 10.0.0.0/16\n  subnets:\n    - { name: a, cidr: 10.0.1.0/28, availabilityZone: us-east-1a }\n    - { name: b, cidr: 10.0.2.0/24, availabilityZone: us-east-1b }\ninstances:\n  - { name: i1, subnet: a, maxEnis: 16 }\ntaskDefinitions:\n  - { family: v, networkMode: awsvpc, containerDefinitions: [{ name: c, image: x }] }\ntasks:\n  - { name: far, taskDefinition: v, instance: i1, networkConfiguration: { awsvpcConfiguration: { subnets: [b] } } }\n"
        .to_string()
        + &(0..11)
            .map(|i| format!("  - {{ name: v{i}, taskDefinition: v, instance: i1, networkConfiguration: {{ awsvpcConfiguration: {{ subnets: [b, a] }} }} }}\n"))
            .collect::<String>();
    let l = lab(&text);
    let far = l.task("far").unwrap().placement.as_ref().unwrap_err();
    assert_eq!(far, &PlacementFailure::MissingAttribute { instance: "i1".into(), az: "us-east-1a".into() });
    assert_eq!(far.reason(), "MissingAttribute");
    // The instance took .4; ten task ENIs fill the /28 (.5 to .14), the eleventh finds it full.
    assert!(l.task("v9").unwrap().placement.is_ok());
    let full = l.task("v10").unwrap().placement.as_ref().unwrap_err();
    assert_eq!(full, &PlacementFailure::SubnetFull { subnet: "a".into() });
    assert_eq!(full.reason(), "RESOURCE:ENI");
    assert!(l.task("v10").unwrap().containers.is_empty(), "an unplaced task gets no container");
}

/// The model of every scenario, pinned as JSON: any reshaping of `build` must leave every id,
/// address, MAC, name and order as it was. Regenerate (only for an intended change) with
/// `ECSNET_GOLDEN_UPDATE=1 cargo test --lib model::tests::model_golden`.
#[test]
fn model_golden() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let updating = std::env::var_os("ECSNET_GOLDEN_UPDATE").is_some();
    let mut files: Vec<_> = std::fs::read_dir(root.join("scenarios"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no scenarios found");
    let mut diffs = vec![];
    for file in files {
        let stem = file.file_stem().unwrap().to_str().unwrap().to_string();
        // Loaded by its path relative to the repository root, so that the scenario_file field
        // (and every location) is the same in every checkout.
        let relative = Path::new("scenarios").join(file.file_name().unwrap());
        let text = std::fs::read_to_string(&file).unwrap();
        let s = load_str(&relative, &text).unwrap_or_else(|d| panic!("{stem}: {d}"));
        let actual = match build(&s) {
            Ok(lab) => serde_json::to_string_pretty(&lab).unwrap() + "\n",
            Err(e) => format!("model error: {e}\n"),
        };
        let golden = root.join("tests/golden/model").join(format!("{stem}.json"));
        if updating {
            std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
            std::fs::write(&golden, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&golden).unwrap_or_default();
        if expected != actual {
            diffs.push(format!("{}", golden.display()));
        }
    }
    assert!(diffs.is_empty(), "the model differs from its golden files: {diffs:#?}");
}

#[test]
fn an_instance_launched_without_groups_gets_the_default_group() {
    let text = "version: 1\nname: m\nvpc:\n  cidr: 10.0.0.0/16\n  subnets: [{name: a, cidr: 10.0.1.0/24}]\ninstances:\n  - {name: none-given, subnet: a}\n  - {name: empty, subnet: a, securityGroups: []}\n";
    let l = lab(text);
    for i in &l.instances {
        assert_eq!(l.enis[i.eni].security_groups, vec!["default".to_string()], "{}", i.name);
    }
}

#[test]
fn public_ips_never_fall_inside_the_vpc() {
    // A VPC on the default pool's own block gets its public IPs from another block.
    let text = "version: 1\nname: m\nvpc:\n  cidr: 198.51.100.0/24\n  subnets: [{name: a, cidr: 198.51.100.0/26}]\ninstances:\n  - {name: i1, subnet: a, publicIp: true}\n";
    let l = lab(text);
    let public = l.instances[0].public_ip.unwrap();
    assert!(!l.vpc.cidr.contains(public), "{public} in {}", l.vpc.cidr);
    assert_eq!(public.to_string(), "192.0.2.1");
}

#[test]
fn a_host_port_is_found_for_the_probe_s_protocol() {
    let text = "version: 1\nname: m\nvpc:\n  cidr: 10.0.0.0/16\n  subnets: [{name: a, cidr: 10.0.1.0/24}]\ninstances: [{name: i1, subnet: a}]\ntaskDefinitions:\n  - family: dns\n    containerDefinitions:\n      - name: c\n        image: x\n        portMappings: [{containerPort: 53, hostPort: 5353, protocol: tcp}, {containerPort: 53, hostPort: 5354, protocol: udp}]\ntasks: [{name: d, taskDefinition: dns, instance: i1}]\n";
    let l = lab(text);
    let via = Some(scenario::Via::HostPort);
    let tcp = resolve::destination(&l, &Node::task("d"), Some(53), via, ProbeProto::Tcp).unwrap();
    let udp = resolve::destination(&l, &Node::task("d"), Some(53), via, ProbeProto::Udp).unwrap();
    assert_eq!((tcp.1, udp.1), (Some(5353), Some(5354)));
}

#[test]
fn docker0_takes_the_first_default_pool_that_the_instance_s_routes_leave_free() {
    let net = |s: &str| s.parse::<ipnetwork::Ipv4Network>().unwrap();
    let ip = |s: &str| s.parse::<std::net::Ipv4Addr>().unwrap();
    use crate::model::instance::docker0_network;
    assert_eq!(docker0_network(net("10.0.1.0/24"), ip("10.0.0.2")), net("172.17.0.0/16"));
    // The instance's subnet is on-link: Docker keeps away from it.
    assert_eq!(docker0_network(net("172.17.3.0/24"), ip("172.17.0.2")), net("172.18.0.0/16"));
    // So from the VPC's DNS server, named in /etc/resolv.conf.
    assert_eq!(docker0_network(net("172.16.1.0/24"), ip("172.17.0.2")), net("172.18.0.0/16"));
    // Other subnets of the VPC are not on-link: docker0 may shadow them, as on a real instance.
    assert_eq!(docker0_network(net("172.20.1.0/24"), ip("172.16.0.2")), net("172.17.0.0/16"));
    let text = "version: 1\nname: m\nvpc:\n  cidr: 172.17.0.0/16\n  subnets: [{name: a, cidr: 172.17.1.0/24}]\ninstances: [{name: i1, subnet: a}]\ntaskDefinitions:\n  - family: b\n    containerDefinitions: [{name: c, image: x, portMappings: [{containerPort: 80}]}]\ntasks: [{name: b1, taskDefinition: b, instance: i1}]\n";
    let l = lab(text);
    assert_eq!(l.instances[0].docker0_gw().to_string(), "172.18.0.1");
    assert_eq!(l.tasks[0].containers[0].ip.unwrap().to_string(), "172.18.0.2");
}

const AGENT: &str = "version: 1\nname: m\nvpc:\n  cidr: 10.0.0.0/16\n  subnets: [{name: a, cidr: 10.0.1.0/24}]\ninstances:\n  - name: i1\n    subnet: a\n    ecsAgent: { ECS_ENABLE_TASK_IAM_ROLE_NETWORK_HOST: false, ECS_RESERVED_PORTS: [22, 8080], ECS_RESERVED_PORTS_UDP: [5353], ECS_DYNAMIC_HOST_PORT_RANGE: 40000-40001 }\n  - name: i2\n    subnet: a\n    ecsAgent: { ECS_ENABLE_TASK_IAM_ROLE: false }\ntaskDefinitions:\n  - family: h\n    networkMode: host\n    taskRoleArn: arn:aws:iam::123456789012:role/app\n    containerDefinitions: [{name: c, image: x}]\n  - family: b\n    taskRoleArn: arn:aws:iam::123456789012:role/app\n    containerDefinitions: [{name: c, image: x, portMappings: [{containerPort: 80}]}]\n  - {family: p8080, containerDefinitions: [{name: c, image: x, portMappings: [{containerPort: 80, hostPort: 8080}]}]}\n  - {family: p2375, containerDefinitions: [{name: c, image: x, portMappings: [{containerPort: 80, hostPort: 2375}]}]}\n  - {family: u5353, containerDefinitions: [{name: c, image: x, portMappings: [{containerPort: 53, hostPort: 5353, protocol: udp}]}]}\ntasks:\n  - {name: host-role, taskDefinition: h, instance: i1}\n  - {name: bridge-role, taskDefinition: b, instance: i1}\n  - {name: bridge-role-2, taskDefinition: b, instance: i2}\n  - {name: on-8080, taskDefinition: p8080, instance: i1}\n  - {name: on-2375, taskDefinition: p2375, instance: i1}\n  - {name: on-5353, taskDefinition: u5353, instance: i1}\n  - {name: dyn-2, taskDefinition: b, instance: i1}\n  - {name: dyn-3, taskDefinition: b, instance: i1}\n";

#[test]
fn agent_settings_decide_placement() {
    let l = lab(AGENT);
    let reason = |t: &str| l.task(t).unwrap().placement.as_ref().err().map(|e| (e.reason(), e.message()));
    let (r, msg) = reason("host-role").unwrap();
    assert_eq!(r, "MissingAttribute");
    assert!(msg.contains("com.amazonaws.ecs.capability.task-iam-role-network-host"), "{msg}");
    assert_eq!(reason("bridge-role"), None, "bridge tasks only need task-iam-role");
    let (_, msg) = reason("bridge-role-2").unwrap();
    assert!(msg.contains("(com.amazonaws.ecs.capability.task-iam-role:"), "{msg}");
    // ECS_RESERVED_PORTS replaces the default list: 8080 is taken, 2375 is free again.
    assert_eq!(reason("on-8080").unwrap().0, "RESOURCE:PORTS");
    assert_eq!(reason("on-2375"), None);
    assert_eq!(reason("on-5353").unwrap().0, "RESOURCE:PORTS");
    // Two dynamic ports in the range: bridge-role and dyn-2 take them, dyn-3 finds none.
    let port = |t: &str| l.task(t).unwrap().containers[0].ports[0].host_port;
    assert_eq!((port("bridge-role"), port("dyn-2")), (Some(40000), Some(40001)));
    assert!(reason("dyn-3").is_some());
}

const TRUST: &str = "version: 1\nname: m\nvpc:\n  cidr: 10.0.0.0/16\n  subnets: [{name: a, cidr: 10.0.1.0/24}]\ninstances:\n  - {name: i1, subnet: a, iamInstanceProfile: ecsInstanceRole}\ntaskDefinitions:\n  - {family: ok, taskRoleArn: 'arn:aws:iam::123456789012:role/app', containerDefinitions: [{name: c, image: x}]}\n  - {family: ec2-only, executionRoleArn: 'arn:aws:iam::123456789012:role/ec2-only', containerDefinitions: [{name: c, image: x}]}\n  - {family: elsewhere, taskRoleArn: 'arn:aws:iam::999999999999:role/ec2-only', containerDefinitions: [{name: c, image: x}]}\ntasks:\n  - {name: ok, taskDefinition: ok, instance: i1}\n  - {name: refused, taskDefinition: ec2-only, instance: i1}\n  - {name: other-account, taskDefinition: elsewhere, instance: i1}\naws:\n  roles:\n    - roleName: app\n    - roleName: ec2-only\n      assumeRolePolicyDocument: '{\"Statement\": [{\"Effect\": \"Allow\", \"Principal\": {\"Service\": \"ec2.amazonaws.com\"}, \"Action\": \"sts:AssumeRole\"}]}'\n";

#[test]
fn a_role_ecs_cannot_assume_keeps_its_task_from_running() {
    let l = lab(TRUST);
    let placement = |t: &str| l.task(t).unwrap().placement.clone();
    assert_eq!(placement("ok"), Ok(()), "a role without a trust policy is trusted");
    let f = placement("refused").unwrap_err();
    assert_eq!(f, PlacementFailure::RoleNotAssumable { role_arn: "arn:aws:iam::123456789012:role/ec2-only".into() });
    assert_eq!(f.reason(), "ClientException");
    assert_eq!(
        f.message(),
        "ECS was unable to assume the role 'arn:aws:iam::123456789012:role/ec2-only' that was provided for this task. Please verify that the role being passed has the proper trust relationship and permissions and that your IAM user has permissions to pass this role."
    );
    assert_eq!(placement("other-account"), Ok(()), "another account's role is not the lab's to check");
}

#[test]
fn an_instance_profile_role_ec2_cannot_assume_is_refused_where_it_is_named() {
    let text = TRUST
        .replace("iamInstanceProfile: ecsInstanceRole", "iamInstanceProfile: ec2-only")
        .replace("\"Service\": \"ec2.amazonaws.com", "\"Service\": \"ecs-tasks.amazonaws.com");
    assert!(text.contains("iamInstanceProfile: ec2-only") && text.contains("ecs-tasks.amazonaws.com"), "{text}");
    let s = load_str(Path::new("t.yaml"), &text).unwrap_or_else(|d| panic!("{d}"));
    let Err(e) = build(&s) else { panic!("refused") };
    assert_eq!(e.kind, error::ModelErrorKind::RoleNotTrustedByEc2("ec2-only".into()));
    assert_eq!((e.loc.line, e.loc.col), (7, 47), "{e}");
    assert!(e.to_string().contains("does not let ec2.amazonaws.com assume it"), "{e}");
}

/// A Fargate task: no instance, its ENI in its first subnet with its groups, a public IP only
/// with ENABLED, a microVM namespace with fargate-bridge's addresses, Fargate's environment.
#[test]
fn a_fargate_task_runs_in_a_microvm_of_its_own() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/22-fargate.yaml")).unwrap();
    let l = lab(&text);
    let t = l.task("public-ip").unwrap();
    assert!(t.is_fargate() && t.instance().is_none() && t.pause.is_none());
    let f = t.launch.fargate().unwrap();
    assert_eq!((f.platform_version.as_str(), f.availability_zone.as_str()), ("1.4.0", "ap-northeast-1a"));
    assert!(l.namespaces().contains(&f.vm_ns));
    let e = &l.enis[t.eni.unwrap()];
    assert_eq!(l.vpc.subnets[e.subnet].name, "public-a");
    assert_eq!(e.security_groups, ["web"]);
    assert!(e.public_ip.is_some());
    assert!(l.enis[l.task("no-public-ip").unwrap().eni.unwrap()].public_ip.is_none());
    assert_eq!(t.bridge_ip, Some(task::FARGATE_TASK_BRIDGE_IP));
    let env = &t.containers[0].env;
    assert!(env.iter().any(|(k, v)| k == "AWS_EXECUTION_ENV" && v == "AWS_ECS_FARGATE"), "{env:?}");
    // Its start is signed as the execution role, from the task's namespace.
    let st = l.start_of(0).unwrap();
    assert!(st.execution_role && st.role_arn.ends_with("role/ecsTaskExecutionRole"));
    assert_eq!(l.host_of(t), "Fargate");
}
