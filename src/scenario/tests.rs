//! Scenario loading: a full valid example, `file:` task definitions, and every validation rule
//! with its message and location.

use super::*;
use std::path::{Path, PathBuf};

pub(super) fn ld(text: &str) -> Result<Scenario, Diagnostics> {
    load_str(Path::new("/nonexistent/dir/t.yaml"), text)
}

/// The diagnostics of a scenario that must not load.
pub(super) fn all(text: &str) -> Vec<Diagnostic> {
    match ld(text) {
        Ok(_) => panic!("expected errors, the scenario loaded:\n{text}"),
        Err(d) => d.0,
    }
}

/// Assert that some diagnostic is at LINE:COL and contains `needle`; returns it.
#[track_caller]
fn err_at(text: &str, line: usize, col: usize, needle: &str) -> Diagnostic {
    let ds = all(text);
    match ds.iter().find(|d| d.loc.line == line && d.loc.col == col && d.message.contains(needle)) {
        Some(d) => d.clone(),
        None => {
            let src = text.lines().nth(line.saturating_sub(1)).unwrap_or("");
            let mut actual = String::new();
            for d in ds.iter().filter(|d| d.message.contains(needle)) {
                let l = text.lines().nth(d.loc.line.saturating_sub(1)).unwrap_or("");
                let tail: String = l.chars().skip(d.loc.col.saturating_sub(1)).take(25).collect();
                actual.push_str(&format!("  actual {}:{} -> {tail:?}\n", d.loc.line, d.loc.col));
            }
            panic!(
                "no diagnostic at {line}:{col} containing {needle:?}\n  wanted {line}:{col} -> {:?}\n{actual}got:\n{}",
                src.chars().skip(col.saturating_sub(1)).take(25).collect::<String>(),
                Diagnostics(ds.clone())
            )
        }
    }
}

/// Assert that the only diagnostic contains `needle` (in message or help).
#[track_caller]
fn only(text: &str, needle: &str) -> Diagnostic {
    let ds = all(text);
    assert_eq!(ds.len(), 1, "expected one diagnostic, got:\n{}", Diagnostics(ds.clone()));
    let d = &ds[0];
    assert!(d.message.contains(needle) || d.help.contains(needle), "{d}");
    d.clone()
}

const BASE: &str = "\
version: 1
name: t
vpc:
  cidr: 10.0.0.0/16
  internetGateway: true
  subnets:
    - { name: public-a, cidr: 10.0.0.0/24 }
    - { name: private-a, cidr: 10.0.1.0/24 }
instances:
  - { name: ecs-1, subnet: public-a }
";

/// BASE plus more text (BASE is 10 lines, so added text starts on line 11).
fn with(extra: &str) -> String {
    format!("{BASE}{extra}")
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "ecsnet-scenario-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.0.join(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(&p, text).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The complete example of SCENARIO.md, with the `alb` group it references declared.
const FULL: &str = r#"version: 1
name: bridge-vs-awsvpc            # lab name: [a-z0-9-], 1-20 chars, unique per machine
description: The same web app on one container instance, once in bridge mode, once in awsvpc mode.
region: ap-northeast-1            # default us-east-1; used in DNS names and ARNs

vpc:
  cidr: 10.0.0.0/16
  internetGateway: true           # default false
  subnets:
    - name: public-a
      cidr: 10.0.0.0/18
      availabilityZone: ap-northeast-1a   # default: <region>a
      routeTable: public                  # default: the main route table (local route only)
    - name: private-a
      cidr: 10.0.128.0/18
      routeTable: private
  routeTables:
    - name: public
      routes:
        - { destinationCidrBlock: 0.0.0.0/0, gateway: internet-gateway }
    - name: private
      routes:
        - { destinationCidrBlock: 0.0.0.0/0, natGateway: nat-a }
  natGateways:
    - { name: nat-a, subnet: public-a }   # gets an Elastic IP automatically
  securityGroups:
    - name: web
      ingress:
        - { protocol: tcp, ports: 3000, source: 0.0.0.0/0 }
        - { protocol: tcp, ports: 8000-8010, source: sg/alb }  # another SG as the source
      # egress omitted = allow all, as AWS creates it
    - name: alb
      ingress:
        - { protocol: tcp, ports: 443, source: 0.0.0.0/0 }
  networkAcls: []                 # optional; default ACL allows all

internet:
  hosts:
    - { name: api, ip: 198.51.100.80, listen: [443/tcp] }

instances:
  - name: ecs-1
    subnet: public-a
    privateIp: 10.0.14.107        # optional; else the first free address (AWS reserves .0-.3 and the last)
    publicIp: true                # auto-assigned public IPv4 (from 198.51.100.0/24 unless vpc.publicIpPool)
    securityGroups: [web]         # omitted: the VPC's default group (inbound from its own members, all outbound)
    instanceType: c5.large        # decides ENI capacity (table in ECS-FACTS 4.1); or maxEnis: N
    eniTrunking: false

taskDefinitions:
  - family: ec-site
    networkMode: awsvpc           # bridge (default) | awsvpc | host | none
    containerDefinitions:
      - name: DVA-EC-site
        image: takayaotsu/ec-site-docker:1.0.0   # shown in ps/inspect; nothing is pulled
        portMappings:
          - { containerPort: 3000, protocol: tcp }
  - family: ec-site-bridge
    networkMode: bridge
    containerDefinitions:
      - name: DVA-EC-site
        image: takayaotsu/ec-site-docker:1.0.0
        portMappings:
          - { containerPort: 3000, hostPort: 3000 }
  - file: taskdefs/worker.json    # a real task definition JSON (register input, or describe output)

tasks:
  - name: web-awsvpc
    taskDefinition: ec-site       # family, or family:revision
    instance: ecs-1
    networkConfiguration:
      awsvpcConfiguration:
        subnets: [private-a]
        securityGroups: [web]
        assignPublicIp: DISABLED  # ENABLED is rejected, as ECS does for the EC2 launch type
  - name: web-bridge
    taskDefinition: ec-site-bridge
    instance: ecs-1
  - name: worker
    taskDefinition: worker:4
    instance: ecs-1

expect:
  - from: internet
    to: instance/ecs-1@public:3000   # the instance's public IP, host port 3000
    reachable: true
    servedBy: task/web-bridge
  - from: instance/ecs-1
    to: task/web-awsvpc:3000         # the task ENI's private IP
    reachable: true
  - from: internet
    to: task/web-awsvpc:3000
    reachable: false
  - from: task/web-bridge/DVA-EC-site
    to: metadata
    protocol: http
    path: /v4/metadata
    reachable: true
  - from: internet
    to: task/web-bridge:3000
    via: publicHostPort
    reachable: true
    result: connected
    sourceSeenAs: internet
  - from: task/worker
    to: internet/api:443
    reachable: true
    timeoutMs: 2000
  - task: web-awsvpc
    placed: true
"#;

const WORKER_DESCRIBE: &str = r#"{
  "taskDefinition": {
    "taskDefinitionArn": "arn:aws:ecs:ap-northeast-1:123456789012:task-definition/worker:4",
    "family": "worker",
    "revision": 4,
    "networkMode": "bridge",
    "containerDefinitions": [
      {
        "name": "worker",
        "image": "busybox",
        "cpu": 0,
        "essential": true,
        "portMappings": [],
        "environment": [{ "name": "MODE", "value": "batch" }],
        "mountPoints": [],
        "logConfiguration": { "logDriver": "awslogs", "options": {} },
        "x-ecsnet": { "listen": ["9000/udp"] }
      }
    ],
    "status": "ACTIVE",
    "requiresCompatibilities": ["EC2"],
    "cpu": "256",
    "memory": "512"
  },
  "tags": []
}
"#;

#[test]
fn full_example_loads() {
    let dir = TempDir::new("full");
    dir.write("taskdefs/worker.json", WORKER_DESCRIBE);
    let path = dir.write("lab.yaml", FULL);
    let s = match load(&path) {
        Ok(s) => s,
        Err(d) => panic!("{d}"),
    };
    assert_eq!(s.version, 1);
    assert_eq!(s.name.value, "bridge-vs-awsvpc");
    assert_eq!((s.name.loc.line, s.name.loc.col), (2, 7));
    assert_eq!(s.region, "ap-northeast-1");
    assert!(s.vpc.internet_gateway);
    assert_eq!(s.vpc.public_ip_pool.value.to_string(), "198.51.100.0/24");
    assert_eq!(s.vpc.subnets.len(), 2);
    assert_eq!(s.vpc.subnets[1].availability_zone.value, "ap-northeast-1a");
    assert_eq!(s.vpc.route_tables[1].routes[0].target.value, RouteTarget::NatGateway("nat-a".into()));
    assert_eq!(s.vpc.security_groups[0].ingress[1].peer.value, Peer::Sg("alb".into()));
    assert_eq!(s.vpc.security_groups[0].ingress[1].ports, Some(PortRange { from: 8000, to: 8010 }));
    assert!(s.vpc.security_groups[0].egress.is_none());
    assert_eq!(s.internet.hosts[0].listen, vec![PortProto { port: 443, proto: Proto::Tcp }]);
    let i = &s.instances[0];
    assert_eq!(i.private_ip.as_ref().map(|p| p.value.to_string()), Some("10.0.14.107".into()));
    assert!(i.public_ip);
    assert_eq!(i.eni_limits(), (3, 10));
    assert_eq!(s.task_definitions.len(), 3);
    let td = &s.task_definitions[0];
    assert_eq!((td.family.value.as_str(), td.revision, td.network_mode.value), ("ec-site", 1, NetworkMode::Awsvpc));
    assert_eq!(td.container_definitions[0].port_mappings[0].container_port.value, 3000);
    let w = &s.task_definitions[2];
    assert_eq!((w.family.value.as_str(), w.revision), ("worker", 4));
    assert!(matches!(&w.source, TaskDefSource::File(p) if p.ends_with("taskdefs/worker.json")));
    assert_eq!(w.family.loc.file.as_path(), dir.0.join("taskdefs/worker.json"));
    assert_eq!((w.family.loc.line, w.family.loc.col), (4, 15));
    let wc = &w.container_definitions[0];
    assert_eq!(wc.environment, vec![("MODE".to_string(), "batch".to_string())]);
    assert_eq!(wc.x_ecsnet.listen, vec![PortProto { port: 9000, proto: Proto::Udp }]);
    assert!(wc.essential);
    let t = s.task("web-awsvpc").unwrap();
    let aw = t.awsvpc.as_ref().unwrap();
    assert_eq!(aw.subnets[0].value, "private-a");
    assert!(!aw.assign_public_ip.value);
    assert_eq!(s.task_def_of(t).unwrap().family.value, "ec-site");
    assert_eq!(s.task_def_of(s.task("worker").unwrap()).unwrap().revision, 4);
    assert_eq!(s.expect.len(), 7);
    let ExpectKind::Reach(r) = &s.expect[0].kind else { panic!() };
    assert_eq!(r.to.value, Node::InstancePublic("ecs-1".into()));
    assert_eq!(r.port, Some(3000));
    assert_eq!(r.protocol, ProbeProto::Tcp);
    assert_eq!(r.timeout_ms, 300);
    assert_eq!(r.title(), "internet -> instance/ecs-1@public:3000/tcp");
    let ExpectKind::Reach(r) = &s.expect[3].kind else { panic!() };
    assert_eq!((r.port, r.protocol, r.path.as_str()), (Some(80), ProbeProto::Http, "/v4/metadata"));
    let ExpectKind::Reach(r) = &s.expect[4].kind else { panic!() };
    assert_eq!(r.via, Some(Via::PublicHostPort));
    assert_eq!(r.result, Some(Outcome::Connected));
    let ExpectKind::Placement(p) = &s.expect[6].kind else { panic!() };
    assert!(p.placed);
}

#[test]
fn defaults() {
    let s = ld(BASE).unwrap();
    assert_eq!(s.region, "us-east-1");
    assert_eq!(s.vpc.subnets[0].availability_zone.value, "us-east-1a");
    assert!(s.vpc.subnets[0].route_table.is_none());
    let i = &s.instances[0];
    assert_eq!(i.instance_type.value, "c5.large");
    assert!(!i.public_ip && !i.eni_trunking && i.security_groups.is_none() && i.private_ip.is_none());
    let s = ld(&with(
        "taskDefinitions:\n  - family: a\n    containerDefinitions: [{ name: c, image: i, portMappings: [{ containerPort: \"3000\" }] }]\n\
         tasks:\n  - { name: t1, taskDefinition: a, instance: ecs-1 }\n",
    ))
    .unwrap();
    let td = &s.task_definitions[0];
    assert_eq!(td.network_mode.value, NetworkMode::Bridge);
    let pm = &td.container_definitions[0].port_mappings[0];
    assert_eq!((pm.container_port.value, pm.host_port.is_none(), pm.protocol), (3000, true, Proto::Tcp));
    assert!(s.tasks[0].awsvpc.is_none());
}

#[test]
fn file_task_definition_register_input_shape() {
    let dir = TempDir::new("register");
    dir.write(
        "td/web.json",
        r#"{"family":"web","networkMode":"awsvpc","cpu":"256","memory":"512","executionRoleArn":"arn:aws:iam::1:role/x",
"containerDefinitions":[{"name":"app","image":"nginx","portMappings":[{"containerPort":80,"hostPort":80,"protocol":"tcp","appProtocol":"http"}],
"healthCheck":{"command":["CMD","true"]},"essential":true}]}"#,
    );
    let text = with(
        "taskDefinitions:\n  - file: td/web.json\n  - family: web\n    networkMode: awsvpc\n    containerDefinitions: [{ name: app, image: nginx }]\n\
         tasks:\n  - name: w\n    taskDefinition: web:1\n    instance: ecs-1\n    networkConfiguration: { awsvpcConfiguration: { subnets: [private-a] } }\n",
    );
    let path = dir.write("s.yaml", &text);
    let s = load(&path).unwrap_or_else(|d| panic!("{d}"));
    let td = &s.task_definitions[0];
    assert_eq!((td.family.value.as_str(), td.revision), ("web", 1));
    assert_eq!(td.execution_role_arn.as_deref(), Some("arn:aws:iam::1:role/x"));
    assert_eq!(s.task_definitions[1].revision, 2);
    assert_eq!(s.task_def_of(&s.tasks[0]).unwrap().revision, 1);
    assert_eq!(s.tasks[0].awsvpc.as_ref().unwrap().security_groups[0].value, "default");
    assert_eq!(s.task_definition(&TaskDefRef { family: "web".into(), revision: None }).unwrap().revision, 2);
}

#[test]
fn file_task_definition_errors_point_into_the_json_file() {
    let dir = TempDir::new("jsonerr");
    dir.write(
        "bad.json",
        "{\n  \"taskDefinition\": {\n    \"family\": \"web\",\n    \"networkMode\": \"awsvpc\",\n    \"containerDefinitions\": [\n      { \"name\": \"app\", \"image\": \"x\",\n        \"portMappings\": [ { \"containerPort\": 80, \"hostPort\": 8080 } ] }\n    ]\n  }\n}\n",
    );
    dir.write("syntax.json", "{\n  \"family\": \"web\",\n  \"containerDefinitions\": [\n}\n");
    dir.write(
        "surrogate.json",
        "{\"family\": \"w\\ud83d\\ude00\", \"containerDefinitions\": [{\"name\": \"a\", \"image\": \"b\"}]}",
    );
    let text = with(
        "taskDefinitions:\n  - file: bad.json\n  - file: syntax.json\n  - file: missing.json\n  - file: surrogate.json\n",
    );
    let path = dir.write("s.yaml", &text);
    let ds = load(&path).unwrap_err().0;
    let bad = ds.iter().find(|d| d.loc.file.ends_with("bad.json")).unwrap();
    assert_eq!((bad.loc.line, bad.loc.col), (7, 62), "{bad}");
    assert!(
        bad.message
            .contains("When networkMode=awsvpc, the host ports and container ports in port mappings must match.")
    );
    let syn = ds.iter().find(|d| d.loc.file.ends_with("syntax.json")).unwrap();
    assert_eq!(syn.loc.line, 4, "{syn}");
    let missing = ds.iter().find(|d| d.message.contains("missing.json")).unwrap();
    assert_eq!((missing.loc.line, missing.loc.col), (14, 11));
    assert!(missing.loc.file.ends_with("s.yaml"));
    let sur = ds.iter().find(|d| d.loc.file.ends_with("surrogate.json")).unwrap();
    assert!(sur.message.contains("invalid task definition family"), "{sur}");
    assert_eq!((sur.loc.line, sur.loc.col), (1, 12));
}

#[test]
fn unknown_fields_did_you_mean() {
    let d = err_at("version: 1\nname: t\nvpc:\n  cidr: 10.0.0.0/16\n  subnet: []\n", 5, 3, "unknown field `subnet`");
    assert_eq!(d.help, "did you mean `subnets`?");
    let d = err_at(
        &with("expect:\n  - { from: internet, to: internet:80, reachble: true }\n"),
        12,
        40,
        "unknown field `reachble`",
    );
    assert_eq!(d.help, "did you mean `reachable`?");
    let d = err_at("version: 1\nname: t\nvpc: { cidr: 10.0.0.0/16, zzzzzz: 1 }\n", 3, 27, "unknown field `zzzzzz`");
    assert!(d.help.contains("`cidr`") && d.help.contains("`networkAcls`"), "{d}");
    let d = err_at("version: 1\nname: t\nVpc: {}\n", 3, 1, "unknown field `Vpc`");
    assert_eq!(d.help, "did you mean `vpc`?");
    // ingress rule with `destination`
    let text = "version: 1\nname: t\nvpc:\n  cidr: 10.0.0.0/16\n  securityGroups:\n    - name: a\n      \
                ingress: [{ protocol: tcp, ports: 1, destination: 0.0.0.0/0 }]\n";
    let d = err_at(text, 7, 44, "unknown field `destination`");
    assert!(d.help.contains("ingress rules use `source`"), "{d}");
}

#[test]
fn aws_blocks_are_lenient_but_case_checked() {
    let td = "taskDefinitions:\n  - family: a\n    cpu: \"256\"\n    volumes: []\n    containerDefinitions:\n      - name: c\n        image: i\n        memory: 512\n        logConfiguration: { logDriver: awslogs }\n";
    ld(&with(td)).unwrap_or_else(|d| panic!("{d}"));
    let d = err_at(&with(&format!("{td}        PortMappings: []\n")), 20, 9, "unknown field `PortMappings`");
    assert!(d.help.contains("`portMappings`"));
    // A misspelt field the ECS API has would be ignored (and the task lose its ports).
    let d = err_at(&with(&format!("{td}        portMapping: []\n")), 20, 9, "unknown field `portMapping`");
    assert_eq!(d.help, "did you mean `portMappings`?");
    // Every field of the ECS API is accepted: none is taken for a misspelling.
    ld(&with(&format!("{td}        restartPolicy: {{ enabled: true }}\n        interactive: true\n")))
        .unwrap_or_else(|d| panic!("{d}"));
    // x-ecsnet is strict
    let d = err_at(&with(&format!("{td}        x-ecsnet: {{ lisen: [80] }}\n")), 20, 21, "unknown field `lisen`");
    assert_eq!(d.help, "did you mean `listen`?");
}

#[test]
fn resource_policies_are_checked_where_they_are_written() {
    let ok = "aws:\n  repositories:\n    - name: app\n      repositoryPolicyText: |\n        { \"Statement\": [{ \"Effect\": \"Allow\", \"Principal\": \"*\", \"Action\": \"ecr:BatchGetImage\" }] }\n  buckets:\n    - name: cfg\n      policy: '{\"Statement\": [{\"Effect\": \"Deny\", \"Principal\": \"*\", \"Action\": \"s3:*\", \"Resource\": \"arn:aws:s3:::cfg/*\"}]}'\n  secrets:\n    - name: db\n      value: pw\n      resourcePolicy: |\n        {\"Statement\": [{\"Effect\": \"Allow\", \"Principal\": {\"AWS\": \"arn:aws:iam::123456789012:role/r\"},\n          \"Action\": \"secretsmanager:GetSecretValue\", \"Resource\": \"*\"}]}\n";
    let s = ld(&with(ok)).unwrap_or_else(|d| panic!("{d}"));
    assert!(s.aws.repositories[0].policy.as_deref().is_some_and(|p| p.contains("ecr:BatchGetImage")));
    assert!(s.aws.buckets[0].policy.is_some() && s.aws.secrets[0].resource_policy.is_some());
    // A bucket policy without a Principal: IAM's words, at the statement inside the quoted string.
    let bucket = "aws:\n  buckets:\n    - name: cfg\n      policy: '{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"*\"}]}'\n";
    err_at(&with(bucket), 14, 31, "Missing principal: Add a Principal element to the policy statement.");
    // A secret's policy, in a block string: the action without its vendor on the second line.
    let secret = "aws:\n  secrets:\n    - name: db\n      value: pw\n      resourcePolicy: |\n        {\"Statement\": [{\"Effect\": \"Allow\", \"Principal\": \"*\",\n          \"Action\": \"GetSecretValue\", \"Resource\": \"*\"}]}\n";
    err_at(&with(secret), 17, 21, "Actions/Conditions must be prefaced by a vendor");
    // A repository's policy needs no Resource, but a Principal still.
    let repo = "aws:\n  repositories:\n    - name: app\n      repositoryPolicyText: |\n        { \"Statement\": [{ \"Effect\": \"Allow\", \"Action\": \"ecr:BatchGetImage\" }] }\n";
    err_at(&with(repo), 15, 25, "Missing principal");
    // Another account's registry: 12 digits, else ECR's words.
    let other = "aws:\n  repositories:\n    - { name: aws-for-fluent-bit, registryId: \"906394416424\" }\n";
    let s = ld(&with(other)).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(s.aws.repositories[0].registry("123456789012"), "906394416424");
    let bad = "aws:\n  repositories:\n    - { name: app, registryId: \"9064\" }\n";
    err_at(&with(bad), 13, 32, "Invalid parameter at 'registryId'");
}

#[test]
fn yaml_level_errors() {
    let d = only("version: 1\nname: t\nname: u\n", "duplicate key `name`");
    assert_eq!((d.loc.line, d.loc.col), (3, 1));
    assert!(d.help.contains("line 2:1"));
    let d = only("version: 1\nname: &n t\nvpc: *n\n", "anchors and aliases are not supported");
    assert_eq!((d.loc.line, d.loc.col), (2, 7));
    let d = only("- a\n- b\n", "top level");
    assert_eq!((d.loc.line, d.loc.col), (1, 1));
    let d = only("version: 1\nname: [t\n", "YAML syntax error");
    assert_eq!(d.loc.line, 3);
    let d = only("version: 1\nname: !!str t\n", "tags");
    assert_eq!(d.loc.line, 2);
    let d = only(&format!("version: 1\nname: t\nvpc: {}\n", "[".repeat(100_000)), "deeper than 64");
    assert_eq!(d.loc.line, 3);
    let mut deep = String::from("version: 1\nname: t\nvpc:\n");
    for i in 0..2_000 {
        deep.push_str(&" ".repeat(i + 1));
        deep.push_str("- \n");
    }
    let d = only(&deep, "deeper than 64");
    assert!(d.loc.line > 3);
    only(&format!("version: 1\nname: t\nvpc:\n  {}x\n", "- ".repeat(100_000)), "deeper than 64");
    only("version: 1\nname: t\n---\nname: u\n", "second YAML document");
}

#[test]
fn too_big_file() {
    let text = format!("version: 1\nname: t\n#{}\n", "x".repeat(MAX_FILE_BYTES));
    only(&text, "larger than 4 MiB");
    let dir = TempDir::new("big");
    let p = dir.write("big.yaml", &text);
    let d = load(&p).unwrap_err();
    assert!(d.0[0].message.contains("larger than 4 MiB"));
    let d = load(&dir.0.join("nope.yaml")).unwrap_err();
    assert!(d.0[0].message.contains("cannot read"));
}

#[test]
fn types_and_values() {
    err_at("version: 2\nname: t\nvpc: { cidr: 10.0.0.0/16 }\n", 1, 10, "unsupported scenario format version `2`");
    err_at("version: 1\nname: t\nvpc: [a]\n", 3, 6, "`vpc` must be a mapping");
    err_at(
        "version: 1\nname: t\nvpc: { cidr: 10.0.0.0/16, subnets: abc }\n",
        3,
        36,
        "`subnets` must be a list, found `abc`",
    );
    err_at("version: 1\nname: t\nvpc: { cidr: 10.0.0.0/16, internetGateway: yes }\n", 3, 44, "must be true or false");
    err_at("version: 1\nname: t\nvpc: { cidr: 10.0.0.0/16, internetGateway: \"true\" }\n", 3, 44, "quoted string");
    let d = err_at("version: 1\nname: t\nvpc:\n  cidr:\n", 4, 3, "`cidr` has no value");
    assert!(d.help.contains("cidr: 10.0.0.0/16"));
    err_at("version: 1\nname: t\n", 1, 1, "missing required field `vpc`");
    err_at("version: 1\nname: t\nvpc:\n  internetGateway: true\n", 4, 3, "missing required field `cidr` in vpc");
    err_at("name: t\nvpc: { cidr: 10.0.0.0/16 }\n", 1, 1, "missing required field `version`");
    err_at("version: 1\nname: My_Lab\nvpc: { cidr: 10.0.0.0/16 }\n", 2, 7, "invalid lab name `My_Lab`");
    err_at("version: 1\nname: a/b\nvpc: { cidr: 10.0.0.0/16 }\n", 2, 7, "`/`");
    err_at("version: 1\nname: abcdefghijklmnopqrstu\nvpc: { cidr: 10.0.0.0/16 }\n", 2, 7, "at most 20");
    err_at("version: 1\nname: t\nregion: mars-1\nvpc: { cidr: 10.0.0.0/16 }\n", 3, 9, "invalid region");
}

#[test]
fn vpc_and_subnets() {
    err_at("version: 1\nname: t\nvpc: { cidr: 10.0.0.0/8 }\n", 3, 14, "between /16 and /28");
    let d = err_at("version: 1\nname: t\nvpc: { cidr: 10.0.0.1/16 }\n", 3, 14, "bits set");
    assert!(d.help.contains("10.0.0.0/16"));
    err_at("version: 1\nname: t\nvpc: { cidr: 127.0.0.0/16 }\n", 3, 14, "not allowed");
    let s = "version: 1\nname: t\nvpc:\n  cidr: 10.0.0.0/16\n  subnets:\n";
    err_at(&format!("{s}    - {{ name: a, cidr: 10.1.0.0/24 }}\n"), 6, 24, "not inside the VPC CIDR block 10.0.0.0/16");
    err_at(&format!("{s}    - {{ name: a, cidr: 10.0.0.0/29 }}\n"), 6, 24, "between /16 and /28");
    let d = err_at(
        &format!("{s}    - {{ name: a, cidr: 10.0.0.0/20 }}\n    - {{ name: b, cidr: 10.0.1.0/24 }}\n"),
        7,
        24,
        "conflicts with another subnet",
    );
    assert!(d.message.contains("`a`") && d.message.contains("line 6"), "{d}");
    let d = err_at(
        &format!("{s}    - {{ name: a, cidr: 10.0.0.0/24 }}\n    - {{ name: a, cidr: 10.0.1.0/24 }}\n"),
        7,
        15,
        "duplicate subnet name `a`",
    );
    assert!(d.help.contains("line 6:15"), "{d}");
    err_at(&format!("{s}    - {{ name: Pub_A, cidr: 10.0.0.0/24 }}\n"), 6, 15, "invalid subnet name `Pub_A`");
    err_at(
        &format!("{s}    - {{ name: a, cidr: 10.0.0.0/24, availabilityZone: eu-west-1a }}\n"),
        6,
        55,
        "not in region `us-east-1`",
    );
    let d = err_at(
        &format!("{s}    - {{ name: a, cidr: 10.0.0.0/24, routeTable: publc }}\n  routeTables: [{{ name: public }}]\n"),
        6,
        49,
        "unknown route table `publc`",
    );
    assert_eq!(d.help, "did you mean `public`?");
    err_at(
        &format!("{s}    - {{ name: a, cidr: 10.0.0.0/24, routeTable: main }}\n"),
        6,
        49,
        "unknown route table `main`",
    );
    err_at("version: 1\nname: t\nvpc: { cidr: 10.0.0.0/16, publicIpPool: 10.1.0.0/24 }\n", 3, 41, "private range");
}

#[test]
fn routes_and_nat() {
    let s = "version: 1\nname: t\nvpc:\n  cidr: 10.0.0.0/16\n  subnets: [{ name: a, cidr: 10.0.0.0/24 }]\n  routeTables:\n    - name: r\n      routes:\n";
    let d = err_at(
        &format!("{s}        - {{ destinationCidrBlock: 0.0.0.0/0, gateway: internet-gateway }}\n"),
        9,
        55,
        "the VPC has none",
    );
    assert!(d.help.contains("internetGateway: true"));
    let igw = s.replace("  cidr: 10.0.0.0/16\n", "  cidr: 10.0.0.0/16\n  internetGateway: true\n");
    err_at(
        &format!("{igw}        - {{ destinationCidrBlock: 0.0.0.0/0, gateway: igw-1 }}\n"),
        10,
        55,
        "unknown gateway `igw-1`",
    );
    err_at(
        &format!("{igw}        - {{ destinationCidrBlock: 0.0.0.0/0, gateway: internet-gateway, natGateway: n }}\n"),
        10,
        85,
        "exactly one target",
    );
    err_at(&format!("{igw}        - {{ destinationCidrBlock: 0.0.0.0/0 }}\n"), 10, 13, "missing route target");
    err_at(
        &format!("{igw}        - {{ destinationCidrBlock: 10.0.1.0/24, natGateway: n }}\n"),
        10,
        35,
        "inside the VPC CIDR",
    );
    err_at(
        &format!(
            "{igw}        - {{ destinationCidrBlock: 0.0.0.0/0, gateway: internet-gateway }}\n        - {{ destinationCidrBlock: 0.0.0.0/0, gateway: internet-gateway }}\n"
        ),
        11,
        35,
        "The route identified by 0.0.0.0/0 already exists.",
    );
    let d = err_at(
        &format!(
            "{igw}        - {{ destinationCidrBlock: 0.0.0.0/0, natGateway: nat-b }}\n  natGateways: [{{ name: nat-a, subnet: a }}]\n"
        ),
        10,
        58,
        "unknown NAT gateway `nat-b`",
    );
    assert_eq!(d.help, "did you mean `nat-a`?");
    err_at(
        &format!(
            "{s}        - {{ destinationCidrBlock: 0.0.0.0/0, natGateway: n }}\n  natGateways: [{{ name: n, subnet: a }}]\n"
        ),
        10,
        19,
        "needs an internet gateway",
    );
    err_at(
        &format!(
            "{igw}        - {{ destinationCidrBlock: 0.0.0.0/0, natGateway: n }}\n  natGateways: [{{ name: n, subnet: b }}]\n"
        ),
        11,
        36,
        "unknown subnet `b`",
    );
    err_at(
        &format!(
            "{igw}        - {{ destinationCidrBlock: 0.0.0.0/0, natGateway: n }}\n  natGateways: [{{ name: n, subnet: a, elasticIp: 10.0.0.99 }}]\n"
        ),
        11,
        50,
        "cannot be a public address",
    );
}

#[test]
fn security_groups() {
    let s = "version: 1\nname: t\nvpc:\n  cidr: 10.0.0.0/16\n  securityGroups:\n    - name: web\n      ingress:\n";
    err_at(
        &format!("{s}        - {{ protocol: tcp, source: 0.0.0.0/0 }}\n"),
        8,
        13,
        "missing `ports` for protocol tcp",
    );
    err_at(
        &format!("{s}        - {{ protocol: icmp, ports: 1, source: 0.0.0.0/0 }}\n"),
        8,
        36,
        "cannot be used with protocol icmp",
    );
    err_at(
        &format!("{s}        - {{ protocol: -1, ports: 1, source: 0.0.0.0/0 }}\n"),
        8,
        34,
        "cannot be used with protocol all",
    );
    err_at(
        &format!("{s}        - {{ protocol: tcp, ports: abc, source: 0.0.0.0/0 }}\n"),
        8,
        35,
        "`ports` must be a port number or a range",
    );
    err_at(&format!("{s}        - {{ protocol: tcp, ports: 10-5, source: 0.0.0.0/0 }}\n"), 8, 35, "backwards");
    err_at(&format!("{s}        - {{ protocol: tcp, ports: 1-70000, source: 0.0.0.0/0 }}\n"), 8, 35, "`ports` must be");
    let d = err_at(
        &format!("{s}        - {{ protocol: tpc, ports: 1, source: 0.0.0.0/0 }}\n"),
        8,
        23,
        "invalid `protocol`",
    );
    assert_eq!(d.help, "did you mean `tcp`?");
    let d = err_at(
        &format!("{s}        - {{ protocol: tcp, ports: 1, source: sg/wbe }}\n"),
        8,
        46,
        "unknown security group `wbe`",
    );
    assert_eq!(d.help, "did you mean `web`?");
    ld(&format!("{s}        - {{ protocol: tcp, ports: 1, source: sg/default }}\n        - {{ protocol: all, source: sg/web }}\n      egress: []\n")).unwrap();
    err_at(
        &format!("{s}        - {{ protocol: tcp, ports: 1, source: 1.2.3.4 }}\n"),
        8,
        46,
        "an address, not a CIDR block",
    );
    err_at("version: 1\nname: t\nvpc:\n  cidr: 10.0.0.0/16\n  securityGroups: [{ name: sg-1 }]\n", 5, 28, "sg-*");
}

#[test]
fn network_acls() {
    let s = "version: 1\nname: t\nvpc:\n  cidr: 10.0.0.0/16\n  subnets: [{ name: a, cidr: 10.0.0.0/24 }]\n  networkAcls:\n    - name: n\n      subnets: [a]\n      ingress:\n";
    ld(&format!(
        "{s}        - {{ ruleNumber: 100, protocol: tcp, ports: 22, cidrBlock: 0.0.0.0/0, ruleAction: deny }}\n"
    ))
    .unwrap();
    err_at(
        &format!("{s}        - {{ ruleNumber: 0, protocol: all, cidrBlock: 0.0.0.0/0, ruleAction: allow }}\n"),
        10,
        25,
        "between 1 and 32766",
    );
    err_at(
        &format!("{s}        - {{ ruleNumber: 32767, protocol: all, cidrBlock: 0.0.0.0/0, ruleAction: allow }}\n"),
        10,
        25,
        "between 1 and 32766",
    );
    err_at(
        &format!(
            "{s}        - {{ ruleNumber: 100, protocol: all, cidrBlock: 0.0.0.0/0, ruleAction: allow }}\n        - {{ ruleNumber: 100, protocol: all, cidrBlock: 0.0.0.0/0, ruleAction: deny }}\n"
        ),
        11,
        25,
        "The network acl entry identified by 100 already exists.",
    );
    err_at(
        &format!("{s}        - {{ ruleNumber: 1, protocol: all, cidrBlock: 0.0.0.0/0, ruleAction: permit }}\n"),
        10,
        77,
        "invalid `ruleAction`",
    );
    err_at(&format!("{s}    - {{ name: m, subnets: [a] }}\n"), 10, 28, "already associated with network ACL `n`");
}

#[test]
fn internet_hosts() {
    let s = with("internet:\n  hosts:\n");
    ld(&format!("{s}    - {{ name: api, ip: 198.51.100.80, listen: [443/tcp, 53/udp, 80] }}\n")).unwrap();
    err_at(&format!("{s}    - {{ name: api, ip: 192.168.1.1 }}\n"), 13, 24, "private range");
    err_at(&format!("{s}    - {{ name: api, ip: 10.0.5.5 }}\n"), 13, 24, "private range");
    err_at(&format!("{s}    - {{ name: api, ip: 203.0.113.10 }}\n"), 13, 24, "emulated internet client");
    err_at(
        &format!("{s}    - {{ name: api, ip: 8.8.8.8, listen: [443/sctp] }}\n"),
        13,
        42,
        "`listen` entry must look like",
    );
    err_at(
        &format!("{s}    - {{ name: api, ip: 8.8.8.8 }}\n    - {{ name: api2, ip: 8.8.8.8 }}\n"),
        14,
        25,
        "already used by internet host `api`",
    );
}

#[test]
fn instances() {
    let s = "version: 1\nname: t\nvpc:\n  cidr: 10.0.0.0/16\n  subnets: [{ name: a, cidr: 10.0.0.0/24 }]\ninstances:\n";
    ld(&format!("{s}  - {{ name: i, subnet: a, privateIp: 10.0.0.4, elasticIp: 198.51.100.20 }}\n")).unwrap();
    err_at(
        &format!("{s}  - {{ name: i, subnet: a, privateIp: 10.0.1.4 }}\n"),
        7,
        38,
        "not inside subnet `a` (10.0.0.0/24)",
    );
    for (ip, why) in [
        ("10.0.0.0", "network address"),
        ("10.0.0.1", "VPC router"),
        ("10.0.0.2", "DNS server"),
        ("10.0.0.3", "future use"),
        ("10.0.0.255", "broadcast"),
    ] {
        let d = err_at(&format!("{s}  - {{ name: i, subnet: a, privateIp: {ip} }}\n"), 7, 38, why);
        assert!(d.help.contains("10.0.0.4 to 10.0.0.254"), "{d}");
    }
    err_at(
        &format!(
            "{s}  - {{ name: i, subnet: a, privateIp: 10.0.0.9 }}\n  - {{ name: j, subnet: a, privateIp: 10.0.0.9 }}\n"
        ),
        8,
        38,
        "already used by instance `i`",
    );
    let d = err_at(&format!("{s}  - {{ name: i, subnet: b }}\n"), 7, 24, "unknown subnet `b`");
    assert!(d.help.contains("`a`"));
    let d = err_at(
        &format!("{s}  - {{ name: i, subnet: a, instanceType: c5.larg }}\n"),
        7,
        41,
        "unknown instance type `c5.larg`",
    );
    assert!(d.help.contains("did you mean `c5.large`?"));
    ld(&format!("{s}  - {{ name: i, subnet: a, instanceType: x9.mega, maxEnis: 4 }}\n")).unwrap();
    err_at(
        &format!("{s}  - {{ name: i, subnet: a, instanceType: t3.micro, eniTrunking: true }}\n"),
        7,
        64,
        "ENI trunking is not supported on t3.micro",
    );
    err_at(&format!("{s}  - {{ name: i, subnet: a, securityGroups: [a, b, c, d, e, f] }}\n"), 7, 43, "at most 5");
    err_at(
        &format!("{s}  - {{ name: i, subnet: a, securityGroups: [nope] }}\n"),
        7,
        44,
        "unknown security group `nope`",
    );
    err_at(&format!("{s}  - {{ name: i, subnet: a, maxEnis: 0 }}\n"), 7, 36, "between 1 and 100");
    err_at(&format!("{s}  - {{ name: i, subnet: a, elasticIp: 10.0.0.50 }}\n"), 7, 38, "cannot be a public address");
    err_at(&format!("{s}  - {{ name: i, subnet: a, elasticIp: 203.0.113.10 }}\n"), 7, 38, "internet client");
}

const TD: &str = "taskDefinitions:\n  - family: f\n    networkMode: MODE\n    containerDefinitions:\n      - name: app\n        image: nginx\n";

fn td(mode: &str, extra: &str) -> String {
    with(&format!("{}{extra}", TD.replace("MODE", mode)))
}

#[test]
fn ecs_network_mode_rules() {
    // line 16 is the first line after the container's image
    let d = err_at(
        &td("awsvpc", "        portMappings: [{ containerPort: 80, hostPort: 8080 }]\n"),
        17,
        55,
        "When networkMode=awsvpc, the host ports and container ports in port mappings must match.",
    );
    assert!(d.help.contains("80"));
    ld(&td("awsvpc", "        portMappings: [{ containerPort: 80, hostPort: 80 }, { containerPort: 81, hostPort: 0 }, { containerPort: 82 }]\n")).unwrap();
    err_at(
        &td("host", "        portMappings: [{ containerPort: 80, hostPort: 8080 }]\n"),
        17,
        55,
        "When networkMode=host, the host ports and container ports in port mappings must match.",
    );
    ld(&td(
        "bridge",
        "        portMappings: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 80, protocol: udp }]\n",
    ))
    .unwrap();
    err_at(
        &td("none", "        portMappings: [{ containerPort: 80 }]\n"),
        17,
        9,
        "port mappings can't be specified when networkMode=none",
    );
    for (field, value, col) in [
        ("links", "[db]", 9),
        ("hostname", "web", 9),
        ("dnsServers", "[10.0.0.2]", 9),
        ("dnsSearchDomains", "[example.com]", 9),
        ("extraHosts", "[{ hostname: db, ipAddress: 10.0.0.9 }]", 9),
        ("disableNetworking", "true", 9),
    ] {
        err_at(
            &td("awsvpc", &format!("        {field}: {value}\n")),
            17,
            col,
            &format!("`{field}` is not supported when networkMode=awsvpc"),
        );
    }
    ld(&td("host", "        hostname: web\n        dnsServers: [10.0.0.2]\n")).unwrap();
    err_at(&td("host", "        links: [db]\n"), 17, 9, "`links` is not supported when networkMode=host");
    err_at(&td("bridge", "        links: [db]\n"), 17, 9, "link `db` does not name another container");
    ld(&td("bridge", "        links: [db:database]\n      - { name: db, image: postgres }\n")).unwrap();
    err_at(&td("bridge", "      - { name: app, image: x }\n"), 17, 17, "duplicate container name `app`");
    err_at(
        &td("bridge", "        portMappings: [{ containerPort: 80 }, { containerPort: \"80\", protocol: tcp }]\n"),
        17,
        64,
        "mapped twice",
    );
    err_at(&td("bridge", "        portMappings: [{ containerPort: 0 }]\n"), 17, 41, "between 1 and 65535");
    err_at(
        &td("bridge", "        portMappings: [{ containerPort: 80, protocol: sctp }]\n"),
        17,
        55,
        "invalid `protocol`",
    );
    err_at(
        &td("bridge", "        portMappings: [{ containerPortRange: 8000-8010 }]\n"),
        17,
        46,
        "not supported by ecsnet",
    );
    err_at(&td("warp", ""), 13, 18, "invalid `networkMode`");
    err_at(&td("bridge", "    requiresCompatibilities: [FARGATE]\n"), 13, 18, "Fargate only supports network mode");
    err_at(&td("bridge", "    requiresCompatibilities: [EXTERNAL]\n"), 17, 30, "EXTERNAL");
    err_at(&td("bridge", "        x-ecsnet: { command: [] }\n"), 17, 30, "`command` is empty");
    err_at(&td("bridge", "        x-ecsnet: { command: [\"\"] }\n"), 17, 31, "the program of `command` is empty");
    err_at(&td("bridge", "        x-ecsnet: { command: [sh, \"a\\0b\"] }\n"), 17, 35, "holds a NUL byte");
    let s = ld(&td("bridge", "        x-ecsnet: { command: [python3, -m, http.server], listen: [8080/tcp, \"53/udp\"] }\n        essential: false\n        dockerLabels: { a: b }\n        environment: [{ name: PORT, value: 3000 }]\n")).unwrap();
    let c = &s.task_definitions[0].container_definitions[0];
    assert_eq!(c.x_ecsnet.command.as_deref(), Some(&["python3".to_string(), "-m".into(), "http.server".into()][..]));
    assert_eq!(c.x_ecsnet.listen.len(), 2);
    assert!(!c.essential);
    assert_eq!(c.docker_labels, vec![("a".to_string(), "b".to_string())]);
    assert_eq!(c.environment, vec![("PORT".to_string(), "3000".to_string())]);
    err_at(&with("taskDefinitions:\n  - family: f\n    containerDefinitions: []\n"), 13, 27, "is empty");
    err_at(
        &with("taskDefinitions:\n  - family: a.b\n    containerDefinitions: [{ name: c, image: i }]\n"),
        12,
        13,
        "invalid task definition family",
    );
    err_at(
        &with("taskDefinitions:\n  - family: f\n    containerDefinitions: [{ name: c.d, image: i }]\n"),
        13,
        36,
        "invalid container name",
    );
    err_at(
        &with("taskDefinitions:\n  - family: f\n    containerDefinitions: [{ name: c }]\n"),
        13,
        30,
        "missing required field `image`",
    );
}

#[test]
fn revisions() {
    let two = "taskDefinitions:\n  - family: f\n    containerDefinitions: [{ name: c, image: i }]\n  - family: f\n    containerDefinitions: [{ name: c, image: j }]\n";
    let s = ld(&with(two)).unwrap();
    assert_eq!(s.task_definitions.iter().map(|t| t.revision).collect::<Vec<_>>(), vec![1, 2]);
    let s = ld(&with("taskDefinitions:\n  - { family: f, revision: 5, containerDefinitions: [{ name: c, image: i }] }\n  - { family: f, containerDefinitions: [{ name: c, image: i }] }\n")).unwrap();
    assert_eq!(s.task_definitions.iter().map(|t| t.revision).collect::<Vec<_>>(), vec![5, 6]);
    err_at(
        &with(
            "taskDefinitions:\n  - { family: f, containerDefinitions: [{ name: c, image: i }] }\n  - { family: f, revision: 1, containerDefinitions: [{ name: c, image: i }] }\n",
        ),
        13,
        28,
        "task definition `f:1` is declared twice",
    );
    let t = format!("{two}tasks:\n  - {{ name: t1, taskDefinition: f:3, instance: ecs-1 }}\n");
    let d = err_at(&with(&t), 17, 33, "task definition `f:3` not found");
    assert!(d.help.contains("1, 2"));
}

#[test]
fn tasks() {
    let tds = "taskDefinitions:\n  - { family: web, networkMode: awsvpc, containerDefinitions: [{ name: app, image: i, portMappings: [{ containerPort: 80 }] }] }\n  - { family: br, containerDefinitions: [{ name: app, image: i, portMappings: [{ containerPort: 80 }] }] }\ntasks:\n";
    let s = with(tds);
    let nc = "networkConfiguration: { awsvpcConfiguration: { subnets: [private-a] } }";
    ld(&format!("{s}  - {{ name: a, taskDefinition: web, instance: ecs-1, {nc} }}\n  - {{ name: b, taskDefinition: br:1, instance: ecs-1 }}\n")).unwrap();
    let d = err_at(
        &format!("{s}  - {{ name: a, taskDefinition: web, instance: ecs-1 }}\n"),
        15,
        7,
        "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
    );
    assert!(d.help.contains("awsvpcConfiguration"));
    err_at(
        &format!("{s}  - {{ name: a, taskDefinition: br, instance: ecs-1, {nc} }}\n"),
        15,
        53,
        "networkConfiguration is only valid for awsvpc tasks",
    );
    let d = err_at(
        &format!(
            "{s}  - name: a\n    taskDefinition: web\n    instance: ecs-1\n    networkConfiguration:\n      awsvpcConfiguration:\n        subnets: [private-a]\n        assignPublicIp: ENABLED\n"
        ),
        21,
        25,
        "Assign public IP is not supported for this launch type.",
    );
    assert!(d.help.contains("NAT gateway"));
    let d = err_at(
        &format!("{s}  - {{ name: a, taskDefinition: wbe, instance: ecs-1 }}\n"),
        15,
        32,
        "unknown task definition family `wbe`",
    );
    assert_eq!(d.help, "did you mean `web`?");
    err_at(&format!("{s}  - {{ name: a, taskDefinition: br, instance: ecs-2 }}\n"), 15, 46, "unknown instance `ecs-2`");
    err_at(&format!("{s}  - {{ name: A, taskDefinition: br, instance: ecs-1 }}\n"), 15, 13, "invalid task name `A`");
    err_at(
        &format!(
            "{s}  - {{ name: a, taskDefinition: br, instance: ecs-1 }}\n  - {{ name: a, taskDefinition: br, instance: ecs-1 }}\n"
        ),
        16,
        13,
        "duplicate task name `a`",
    );
    err_at(
        &format!(
            "{s}  - {{ name: a, taskDefinition: web, instance: ecs-1, networkConfiguration: {{ awsvpcConfiguration: {{ subnets: [private-b] }} }} }}\n"
        ),
        15,
        111,
        "unknown subnet `private-b`",
    );
    let many: Vec<String> = (0..17).map(|i| format!("s{i}")).collect();
    err_at(
        &format!(
            "{s}  - {{ name: a, taskDefinition: web, instance: ecs-1, networkConfiguration: {{ awsvpcConfiguration: {{ subnets: [{}] }} }} }}\n",
            many.join(", ")
        ),
        15,
        110,
        "AWS allows at most 16",
    );
    err_at(
        &format!(
            "{s}  - {{ name: a, taskDefinition: web, instance: ecs-1, networkConfiguration: {{ awsvpcConfiguration: {{ subnets: [private-a], securityGroups: [a, b, c, d, e, f] }} }} }}\n"
        ),
        15,
        139,
        "AWS allows at most 5",
    );
    err_at(
        &format!("{s}  - {{ name: a, taskDefinition: \"web:x\", instance: ecs-1 }}\n"),
        15,
        32,
        "invalid task definition revision",
    );
}

#[test]
fn expectations() {
    let base = with(concat!(
        "internet:\n  hosts: [{ name: api, ip: 198.51.100.80, listen: [443] }]\n",
        "taskDefinitions:\n",
        "  - { family: web, networkMode: awsvpc, containerDefinitions: [{ name: app, image: i, portMappings: [{ containerPort: 80 }] }] }\n",
        "  - { family: br, containerDefinitions: [{ name: app, image: i, portMappings: [{ containerPort: 80 }] }] }\n",
        "tasks:\n",
        "  - { name: a, taskDefinition: web, instance: ecs-1, networkConfiguration: { awsvpcConfiguration: { subnets: [private-a] } } }\n",
        "  - { name: b, taskDefinition: br, instance: ecs-1 }\n",
        "expect:\n",
    ));
    // the first expectation is on line 20
    let ok = |e: &str| ld(&format!("{base}{e}")).unwrap_or_else(|d| panic!("{d}"));
    let bad = |e: &str, col: usize, needle: &str| err_at(&format!("{base}{e}"), 20, col, needle);
    ok("  - { from: task/a, to: internet/api:443, reachable: true, result: connected }\n");
    ok(
        "  - { from: internet, to: task/b:80, via: hostPort, reachable: false, result: timeout, reason: NO_PUBLIC_IP }\n",
    );
    ok("  - { from: task/b/app, to: metadata, reachable: true, sourceSeenAs: task/b }\n");
    ok("  - { from: instance/ecs-1, to: 10.0.1.20, protocol: icmp, reachable: true }\n");
    ok("  - { task: a, placed: false, reason: \"RESOURCE:ENI\" }\n");
    let s = ok("  - { from: instance/ecs-1, to: nat/x-none, reachable: false }\n"
        .replace("nat/x-none", "10.0.0.9:22")
        .as_str());
    assert!(matches!(&s.expect[0].kind, ExpectKind::Reach(r) if r.port == Some(22) && r.timeout_ms == 300));

    bad("  - { from: internet, to: task/a, reachable: true }\n", 27, "`to` needs a port");
    bad("  - { from: internet, to: task/a:80, protocol: icmp, reachable: true }\n", 27, "icmp has no ports");
    bad("  - { from: internet, to: task/a:80, protocol: sctp, reachable: true }\n", 48, "invalid `protocol`");
    bad("  - { from: metadata, to: task/a:80, reachable: true }\n", 13, "cannot be a probe source");
    bad("  - { from: nat/x, to: task/a:80, reachable: true }\n", 13, "cannot be a probe source");
    bad("  - { from: instance/ecs-1@public, to: task/a:80, reachable: true }\n", 13, "cannot be a probe source");
    let d = bad("  - { from: 10.0.0.5, to: task/a:80, reachable: true }\n", 13, "cannot be a probe source");
    assert!(d.help.contains("`internet`, `internet/NAME`, `instance/NAME`, `task/NAME` or `task/NAME/CONTAINER`"));
    bad("  - { from: internet:80, to: task/a:80, reachable: true }\n", 13, "`from` takes no port");
    bad(
        "  - { from: internet, to: instance/ecs-1:80, via: hostPort, reachable: true }\n",
        51,
        "`via` is only used with `to: task/...`",
    );
    bad("  - { from: internet, to: task/a:80, via: hostPort, reachable: true }\n", 27, "networkMode=awsvpc");
    let d = bad("  - { from: internet, to: task/b:81, via: hostPort, reachable: true }\n", 27, "has no port mapping");
    assert!(d.help.contains("80/tcp"));
    bad(
        "  - { from: internet, to: task/a:80, reachable: false, result: connected }\n",
        64,
        "contradicts `reachable: false`",
    );
    bad(
        "  - { from: internet, to: task/a:80, reachable: true, result: refused }\n",
        63,
        "contradicts `reachable: true`",
    );
    bad("  - { from: internet, to: task/a:80, reachable: true, timeoutMs: 0 }\n", 66, "between 1 and 60000");
    bad("  - { from: internet, to: task/a:80, reachable: true, timeoutMs: 60001 }\n", 66, "between 1 and 60000");
    bad(
        "  - { from: internet, to: task/a:80, reachable: true, servedBy: instance/ecs-1 }\n",
        65,
        "`servedBy` must name a task",
    );
    bad("  - { from: internet, to: task/a:80, reachable: false, servedBy: task/a }\n", 66, "needs `reachable: true`");
    bad("  - { from: internet, to: task/a:80, reachable: true, path: /x }\n", 61, "only used with `protocol: http`");
    bad("  - { from: internet, to: task/a:80 }\n", 7, "missing required field `reachable`");
    let d = bad("  - { from: internet, to: task/zzz:80, reachable: true }\n", 27, "unknown task `zzz`");
    assert!(d.help.contains("`a`") && d.help.contains("`b`"), "{d}");
    let d = bad("  - { from: task/b/ap, to: task/a:80, reachable: true }\n", 13, "task `b` has no container `ap`");
    assert_eq!(d.help, "did you mean `app`?");
    bad("  - { from: internet, to: internet/apx:443, reachable: true }\n", 27, "unknown internet host `apx`");
    bad("  - { from: internet, to: nat/n:80, reachable: true }\n", 27, "unknown NAT gateway `n`");
    bad("  - { from: internet, to: instance/ecs-9@public:80, reachable: true }\n", 27, "unknown instance `ecs-9`");
    bad(
        "  - { from: internet, to: task/a:80, reachable: true, sourceSeenAs: \"203.0.113.10:5\" }\n",
        69,
        "takes no port",
    );
    bad("  - { from: tasks/a, to: task/a:80, reachable: true }\n", 13, "did you mean `task/...`");
    bad("  - { task: z, placed: false }\n", 13, "unknown task `z`");
    bad("  - { task: a, placed: true, reason: x }\n", 38, "only used with `placed: false`");
    bad("  - { task: a, from: internet, placed: true }\n", 7, "not both");
}

#[test]
fn limits() {
    let mut s = String::from(
        "version: 1\nname: t\nvpc:\n  cidr: 10.0.0.0/16\n  subnets: [{ name: a, cidr: 10.0.0.0/24 }]\ninstances:\n",
    );
    for i in 0..201 {
        s.push_str(&format!("  - {{ name: i{i}, subnet: a }}\n"));
    }
    err_at(&s, 7, 3, "too many entries in `instances`: 201 (ecsnet's limit is 200)");
    let mut s = with("expect:\n");
    for _ in 0..20_001 {
        s.push_str("  - { from: internet, to: internet:1, reachable: true }\n");
    }
    err_at(&s, 12, 3, "limit is 20000");
}

#[test]
fn many_errors_are_collected_and_sorted() {
    let text = "version: 1\nname: t\nvpc:\n  cidr: 10.0.0.0/16\n  subnets:\n    - { name: a, cidr: 10.1.0.0/24 }\n    - { name: B, cidr: 10.0.0.0/24 }\ninstances:\n  - { name: i, subnet: zz, bogus: 1 }\n";
    let ds = all(text);
    assert!(ds.len() >= 4, "{}", Diagnostics(ds.clone()));
    let locs: Vec<(usize, usize)> = ds.iter().map(|d| (d.loc.line, d.loc.col)).collect();
    let mut sorted = locs.clone();
    sorted.sort();
    assert_eq!(locs, sorted);
    // everything carries the file name and a help
    for d in &ds {
        assert_eq!(d.loc.file.as_path(), Path::new("/nonexistent/dir/t.yaml"));
        assert!(!d.help.is_empty(), "{d}");
    }
    // Display: file:line:col: error: ... / help: ...
    let shown = ds[0].to_string();
    assert!(shown.starts_with("/nonexistent/dir/t.yaml:6:24: error: "), "{shown}");
    assert!(shown.contains("\n  help: "));
}

#[test]
fn hostile_inputs_do_not_panic() {
    let cases = [
        "",
        "~",
        "version: 1",
        "{}",
        "version:\nname:\nvpc:\n",
        "version: 1\nname: t\nvpc: { cidr: 10.0.0.0/16, subnets: [[], 1, {}, ~] }\n",
        "version: 1\nname: t\nvpc: { cidr: 10.0.0.0/16 }\ninstances: [1, [], {}, { name: [] }]\ntasks: [{}]\nexpect: [{}, 1]\ntaskDefinitions: [{}, { file: ~ }, { file: [] }, { family: f, containerDefinitions: [1, {}, { portMappings: 7 }] }]\n",
        "version: 1\nname: t\nvpc: { cidr: 0.0.0.0/0 }\n",
        "version: 99999999999999999999999\nname: t\nvpc: { cidr: 255.255.255.255/32 }\n",
        "? [a]\n: b\n",
        "version: 1\nname: t\nvpc: { cidr: 10.0.0.0/16, subnets: [{ name: a, cidr: 10.0.0.0/16 }] }\ninstances: [{ name: i, subnet: a, privateIp: 10.0.255.255 }]\n",
        "\u{feff}version: 1\nname: t\nvpc: { cidr: 10.0.0.0/16 }\n",
        "version: 1\r\nname: t\r\nvpc: { cidr: 10.0.0.0/16 }\r\n",
        "\tversion: 1\n",
        "version: 1\nname: \"\\u0000\"\nvpc: { cidr: 10.0.0.0/16 }\n",
        "a: 'unterminated\n",
        "a: |\n    x\n  y\n",
        "version: 1\nname: t\nvpc: { cidr: 10.0.0.0/16 }\nexpect: [{ from: \"::::\", to: \"task/\u{1F600}:1\", reachable: true }]\n",
    ];
    for c in cases {
        let _ = ld(c);
    }
    // valid edge: empty-ish optional blocks
    ld("version: 1\nname: t\nvpc:\n  cidr: 10.0.0.0/16\n  subnets:\n  networkAcls: []\ninstances:\ntasks: ~\n")
        .unwrap();
}

#[test]
fn node_api() {
    assert_eq!(parse_node("task/web:3000").unwrap(), (Node::task("web"), Some(3000)));
    assert!(parse_node("bogus").is_err());
}

#[test]
fn extra_listen_ports_cannot_collide_in_a_shared_namespace() {
    let base = "version: 1\nname: t\nvpc:\n  cidr: 10.0.0.0/16\n  subnets: [{name: a, cidr: 10.0.0.0/24}]\ninstances: [{name: i1, subnet: a}]\ntaskDefinitions:\n  - family: h\n    networkMode: host\n    containerDefinitions:\n      - name: app\n        image: x\n        portMappings: [{containerPort: 9100}]\n  - family: x\n    networkMode: host\n    containerDefinitions:\n      - name: extra\n        image: x\n        x-ecsnet: { listen: [LISTEN] }\ntasks:\n  - {name: one, taskDefinition: h, instance: i1}\n  - {name: two, taskDefinition: x, instance: i1}\n";
    let with = |listen: &str| load_str(Path::new("t.yaml"), &base.replace("LISTEN", listen));
    let e = with("9100/tcp").unwrap_err().to_string();
    assert!(
        e.contains(
            "task `two`'s container `extra` listens on 9100/tcp where task `one`'s container `app` already listens"
        ),
        "{e}"
    );
    let e = with("51679/tcp").unwrap_err().to_string();
    assert!(e.contains("where the ECS agent (127.0.0.1:51679) already listens"), "{e}");
    assert!(with("9101/tcp").is_ok());
    assert!(with("9100/udp").is_ok());
}

#[test]
fn the_default_public_pool_moves_out_of_a_vpc_that_covers_it() {
    let s = load_str(Path::new("t.yaml"), "version: 1\nname: t\nvpc: { cidr: 198.51.100.0/24 }\n").unwrap();
    assert_eq!(s.vpc.public_ip_pool.value.to_string(), "192.0.2.0/24");
    let s = load_str(Path::new("t.yaml"), "version: 1\nname: t\nvpc: { cidr: 10.0.0.0/16 }\n").unwrap();
    assert_eq!(s.vpc.public_ip_pool.value.to_string(), "198.51.100.0/24");
}

/// BASE with the instance's line replaced by `inst` (line 10).
fn with_instance(inst: &str) -> String {
    BASE.replace("  - { name: ecs-1, subnet: public-a }\n", inst)
}

#[test]
fn agent_settings_and_metadata_options() {
    let s = ld(&with_instance(
        "  - name: ecs-1\n    subnet: public-a\n    iamInstanceProfile: arn:aws:iam::123456789012:instance-profile/web\n    metadataOptions: { httpTokens: required, httpPutResponseHopLimit: 2 }\n    ecsAgent:\n      ECS_RESERVED_PORTS: \"[22, 8080]\"\n      ECS_RESERVED_PORTS_UDP: [53]\n      ECS_DYNAMIC_HOST_PORT_RANGE: 40000-40100\n      ECS_AWSVPC_BLOCK_IMDS: true\n      ECS_ENABLE_TASK_IAM_ROLE_NETWORK_HOST: false\n    blockImdsFromBridge: true\n",
    ))
    .unwrap();
    let i = &s.instances[0];
    assert!(i.metadata_options.tokens_required);
    assert_eq!(i.metadata_options.hop_limit, 2);
    let a = &i.ecs_agent;
    assert_eq!(a.reserved_ports, vec![22, 8080]);
    assert_eq!(a.reserved_ports_udp, vec![53]);
    assert_eq!(a.dynamic_ports, (40000, 40100));
    assert!(a.awsvpc_block_imds && a.task_iam_role && !a.task_iam_role_network_host);
    assert_eq!(a.written.len(), 5, "{:?}", a.written);
    assert_eq!(a.written[0], ("ECS_RESERVED_PORTS".into(), "[22, 8080]".into()));
    assert!(i.block_imds_from_bridge);
    // Defaults: EC2's and ecs-init's.
    let d = ld(BASE).unwrap();
    let i = &d.instances[0];
    assert_eq!(i.iam_instance_profile.value, "ecsInstanceRole");
    assert_eq!((i.metadata_options.tokens_required, i.metadata_options.hop_limit), (false, 1));
    assert_eq!(i.ecs_agent.reserved_ports, vec![22, 2375, 2376, 51678, 51679]);
    assert_eq!(i.ecs_agent.dynamic_ports, (32768, 60999));
    assert!(!i.ecs_agent.awsvpc_block_imds && i.ecs_agent.task_iam_role && i.ecs_agent.task_iam_role_network_host);
}

#[test]
fn agent_settings_errors_are_located_in_the_agent_s_words() {
    // Each case is one line (12) of the instance block; `at` is the column of the wrong value.
    let case = |block: &str, inner: &str, at: &str, needle: &str| {
        let line = format!("    {block}: {{ {inner} }}");
        let col = line.find(at).unwrap() + 1;
        err_at(&with_instance(&format!("  - name: ecs-1\n    subnet: public-a\n{line}\n")), 12, col, needle);
    };
    case(
        "ecsAgent",
        "ECS_DYNAMIC_HOST_PORT_RANGE: 500-100",
        "500",
        "Invalid dynamicHostPortRange value from config: 500-100",
    );
    case("ecsAgent", "ECS_RESERVED_PORTS: \"22,80\"", "\"22", "must be a list of ports");
    case("ecsAgent", "ECS_RESERVED_PORTS: [70000]", "70000", "");
    case("ecsAgent", "ECS_AWSVPC_BLOCK_IMDS: maybe", "maybe", "must be true or false");
    case("ecsAgent", "ECS_RESERVED_PORT: [22]", "ECS_RESERVED_PORT:", "unknown field `ECS_RESERVED_PORT` in ecsAgent");
    case("metadataOptions", "httpTokens: always", "always", "optional");
    case("metadataOptions", "httpPutResponseHopLimit: 65", "65", "");
}

#[test]
fn a_host_task_program_and_a_bridge_host_port_cannot_share_a_port() {
    let text = with(
        "taskDefinitions:\n  - family: h\n    networkMode: host\n    containerDefinitions: [{ name: side, image: x, x-ecsnet: { listen: [3000/tcp] } }]\n  - family: b\n    containerDefinitions: [{ name: web, image: x, portMappings: [{ containerPort: 80, hostPort: 3000 }] }]\ntasks:\n  - { name: h1, taskDefinition: h, instance: ecs-1 }\n  - { name: b1, taskDefinition: b, instance: ecs-1 }\n",
    );
    let d = only(
        &text,
        "task `b1`'s container `web` (its host port) listens on 3000/tcp where task `h1`'s container `side` already listens",
    );
    assert_eq!((d.loc.line, d.loc.col), (16, 30), "{d}");
}

/// FARGATE: RunTask's and RegisterTaskDefinition's checks, in ECS's words.
#[test]
fn fargate_tasks_and_their_task_definitions() {
    let fg = "  - { family: fg, requiresCompatibilities: [FARGATE], networkMode: awsvpc, cpu: 256, memory: 512, containerDefinitions: [{ name: app, image: i }] }\n";
    let ec2 = "  - { family: web, networkMode: awsvpc, containerDefinitions: [{ name: app, image: i }] }\n";
    let nc = "networkConfiguration: { awsvpcConfiguration: { subnets: [private-a], assignPublicIp: ENABLED } }";
    let s = with(&format!("taskDefinitions:\n{fg}{ec2}tasks:\n"));
    let ok =
        ld(&format!("{s}  - {{ name: a, taskDefinition: fg, launchType: FARGATE, platformVersion: LATEST, {nc} }}\n"))
            .unwrap();
    assert_eq!(ok.tasks[0].launch_type.value, crate::scenario::LaunchType::Fargate);
    assert!(ok.tasks[0].instance.is_none() && ok.tasks[0].awsvpc.as_ref().unwrap().assign_public_ip.value);
    let msg = |text: String| all(&text).into_iter().map(|d| d.message).collect::<Vec<_>>().join("\n");
    let m = msg(format!("{s}  - {{ name: a, taskDefinition: web, launchType: FARGATE, {nc} }}\n"));
    assert!(m.contains("Task definition does not support launch_type FARGATE."), "{m}");
    let m = msg(format!("{s}  - {{ name: a, taskDefinition: fg, launchType: FARGATE, instance: ecs-1, {nc} }}\n"));
    assert!(m.contains("a FARGATE task runs on no container instance"), "{m}");
    let m =
        msg(format!("{s}  - {{ name: a, taskDefinition: fg, launchType: FARGATE, platformVersion: 1.3.0, {nc} }}\n"));
    assert!(m.contains("ecsnet emulates 1.4.0"), "{m}");
    let m = msg(format!("{s}  - {{ name: a, taskDefinition: fg, instance: ecs-1, platformVersion: LATEST }}\n"));
    assert!(m.contains("The platform version must be null when specifying an EC2 launch type."), "{m}");
    let m = msg(format!("{s}  - {{ name: a, taskDefinition: fg, instance: ecs-1, {nc} }}\n"));
    assert!(m.contains("Assign public IP is not supported for this launch type."), "{m}");
    let m = msg(format!("{s}  - {{ name: a, taskDefinition: fg, launchType: FARGATE }}\n"));
    assert!(m.contains("Network Configuration must be provided"), "{m}");
    // Registration: Fargate's sizes, awsvpc, an execution role for ECR images.
    let reg = |td: &str| {
        msg(with(&format!(
            "taskDefinitions:\n  - {{ family: x, requiresCompatibilities: [FARGATE], {td}, containerDefinitions: [{{ name: app, image: i }}] }}\n"
        )))
    };
    assert!(reg("networkMode: awsvpc, cpu: 512, memory: 512").contains(
        "No Fargate configuration exists for given values: 512 CPU, 512 memory. See the Amazon ECS documentation for the valid values."
    ));
    assert!(
        reg("networkMode: awsvpc, memory: 512").contains("Fargate requires that 'cpu' be defined at the task level.")
    );
    assert!(reg("networkMode: bridge, cpu: 256, memory: 512").contains("Fargate only supports network mode ‘awsvpc’."));
    let ecr = "  - { family: x, requiresCompatibilities: [FARGATE], networkMode: awsvpc, cpu: 256, memory: 512, containerDefinitions: [{ name: app, image: 123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/a:1 }] }\n";
    assert!(
        msg(with(&format!("taskDefinitions:\n{ecr}")))
            .contains("Fargate requires task definition to have execution role ARN to support ECR images.")
    );
}

#[test]
fn fargate_sizes_follow_the_table() {
    use crate::scenario::task_definition::fargate_size;
    assert!(fargate_size(256, 512) && fargate_size(256, 2048) && !fargate_size(256, 3072));
    assert!(fargate_size(1024, 8192) && !fargate_size(1024, 9216) && !fargate_size(1024, 2500));
    assert!(fargate_size(8192, 16384) && fargate_size(8192, 20480) && !fargate_size(8192, 17408));
    assert!(fargate_size(16384, 122_880) && !fargate_size(16384, 36864) && !fargate_size(128, 512));
}
