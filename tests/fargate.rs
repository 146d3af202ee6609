//! The Fargate launch type on real packets (labs `fg-...`): the start's calls leave from the
//! task ENI (a public IP decides whether ECR's public endpoint is reachable), the Fargate
//! agent's metadata endpoint answers with `"LaunchType": "FARGATE"` through fargate-bridge,
//! 169.254.169.254 times out, and the internet reaches a task only by its public IP and
//! through a security group that admits it.

mod common;

use common::{LabGuard, ecsnet, text, write_scenario};
use serde_json::Value;

const SCENARIO: &str = r#"
version: 1
name: LAB
region: ap-northeast-1
vpc:
  cidr: 10.23.0.0/16
  internetGateway: true
  subnets:
    - { name: public-a, cidr: 10.23.0.0/24, routeTable: public }
  routeTables:
    - name: public
      routes: [{ destinationCidrBlock: 0.0.0.0/0, gateway: internet-gateway }]
  securityGroups:
    - name: web
      ingress: [{ protocol: tcp, ports: 80, source: 0.0.0.0/0 }]
    - name: closed
taskDefinitions:
  - family: web
    requiresCompatibilities: [FARGATE]
    networkMode: awsvpc
    cpu: "0.25 vCPU"
    memory: 512
    executionRoleArn: arn:aws:iam::123456789012:role/ecsTaskExecutionRole
    taskRoleArn: arn:aws:iam::123456789012:role/web-task
    containerDefinitions:
      - name: web
        image: 123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/web:1.0
        portMappings: [{ containerPort: 80 }]
tasks:
  - name: open
    taskDefinition: web
    launchType: FARGATE
    networkConfiguration: { awsvpcConfiguration: { subnets: [public-a], securityGroups: [web], assignPublicIp: ENABLED } }
  - name: shut
    taskDefinition: web
    launchType: FARGATE
    networkConfiguration: { awsvpcConfiguration: { subnets: [public-a], securityGroups: [closed], assignPublicIp: ENABLED } }
  - name: nopub
    taskDefinition: web
    launchType: FARGATE
    networkConfiguration: { awsvpcConfiguration: { subnets: [public-a], securityGroups: [web] } }
aws:
  repositories:
    - { name: web, images: [{ tags: ["1.0"] }] }
expect:
  # The start's calls leave from the task ENI: with a public IP they reach ECR's public
  # endpoint through the internet gateway; without one, the registry auth times out on
  # api.ecr's public address, in Fargate's words.
  - { task: open, started: true }
  - { task: shut, started: true }
  - { task: nopub, started: false, error: ResourceInitializationError }
  - { task: nopub, started: false, error: "unable to retrieve ecr registry auth" }
  - { task: nopub, started: false, error: "https://api.ecr.ap-northeast-1.amazonaws.com/" }
  # The internet reaches a task by its public IP, through a group that admits it.
  - { from: internet, to: task/open@public:80, reachable: true }
  - { from: internet, to: task/shut@public:80, reachable: false, result: timeout, reason: ENI_SG_RULES_MISMATCH }
  - { from: internet, to: task/nopub:80, reachable: false, result: timeout }
  # The Fargate agent's endpoint answers 80 only; there is no IMDS.
  - { from: task/open, to: metadata:80, reachable: true }
  - { from: task/open, to: metadata:81, reachable: false, result: timeout }
  - { from: task/open, to: imds:80, reachable: false, result: timeout, reason: FARGATE_NO_IMDS }
  - { from: task/open, to: 169.254.172.1:80, reachable: false, result: refused }
  - { from: task/open, to: 169.254.172.1, protocol: icmp, reachable: true }
  - { from: task/open, to: 169.254.172.5:80, reachable: false, result: timeout }
"#;

fn scenario(lab: &str) -> std::path::PathBuf {
    write_scenario(lab, &SCENARIO.replace("name: LAB", &format!("name: {lab}")))
}

/// Every expectation holds on packets, and the analyzer agrees (`test` checks both).
#[test]
fn fargate_expectations_hold_on_packets() {
    need_root!();
    let lab = "fg-t1";
    let file = scenario(lab);
    let _g = LabGuard(lab.into());
    let o = ecsnet(&["test", file.to_str().unwrap()]);
    assert!(o.status.success(), "test failed: {}", text(&o));
}

/// From inside a Fargate task: the metadata endpoint v4 (Fargate's document), the credentials
/// endpoint, and no instance metadata service.
#[test]
fn fargate_task_sees_its_agent_and_no_imds() {
    need_root!();
    let lab = "fg-t2";
    let file = scenario(lab);
    let _g = LabGuard(lab.into());
    let o = ecsnet(&["up", file.to_str().unwrap()]);
    assert!(o.status.success(), "up failed: {}", text(&o));
    let curl = |url: &str| {
        let o = ecsnet(&["exec", lab, "task/open/web", "--", "curl", "-s", "-m", "2", url]);
        (o.status.code(), String::from_utf8_lossy(&o.stdout).to_string())
    };
    let model = ecsnet::dataplane::state::load_lab(lab).expect("lab state");
    let t = model.task("open").expect("task open");
    let id = &t.containers[0].v3_id;
    let (code, body) = curl(&format!("http://169.254.170.2/v4/{id}/task"));
    assert_eq!(code, Some(0), "task metadata: {body}");
    let doc: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
    assert_eq!(doc["LaunchType"], "FARGATE", "{doc}");
    assert_eq!(doc["AvailabilityZone"], "ap-northeast-1a", "{doc}");
    assert_eq!(doc["Limits"]["CPU"], 0.25, "{doc}");
    assert_eq!(doc["Limits"]["Memory"], 512, "{doc}");
    assert!(doc["ClockDrift"].is_object() && doc["EphemeralStorageMetrics"].is_object(), "{doc}");
    assert!(doc.get("ContainerInstanceArn").is_none(), "{doc}");
    assert!(doc["Containers"][0].get("Ports").is_none(), "Fargate omits Ports: {doc}");
    assert_eq!(doc["Containers"][0]["Networks"][0]["IPv4Addresses"][0], model.enis[t.eni.unwrap()].ip.to_string());
    // The credentials endpoint: the task role's keys.
    let creds = t.containers[0]
        .env
        .iter()
        .find(|(k, _)| k == "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
        .map(|(_, v)| v.clone())
        .expect("a credentials URI");
    let (code, body) = curl(&format!("http://169.254.170.2{creds}"));
    assert_eq!(code, Some(0), "credentials: {body}");
    assert!(body.contains("\"RoleArn\":\"arn:aws:iam::123456789012:role/web-task\""), "{body}");
    // No IMDS: curl's timeout (28), not a refusal.
    let (code, body) = curl("http://169.254.169.254/latest/meta-data/");
    assert_eq!(code, Some(28), "IMDS answered a Fargate task: {body}");
    // `ps`: the task under its own header, with its public IP.
    let ps = text(&ecsnet(&["ps", lab]));
    let public = model.enis[t.eni.unwrap()].public_ip.expect("a public IP").to_string();
    assert!(ps.contains("== task/open (FARGATE 1.4.0, ") && ps.contains(&public), "{ps}");
    assert!(ps.contains("task/nopub STOPPED: ResourceInitializationError"), "{ps}");
}
