//! Issue 12: real clients that no one here wrote, run inside emulated tasks against the metadata
//! endpoints. boto3/botocore 1.44 and the AWS SDK for JavaScript v3 (installed, pinned, by
//! scripts/sdk-clients.sh into tests/clients/) run through `ecsnet exec` in an instance, awsvpc
//! tasks and bridge containers, each with its own default chain or provider and nothing of the
//! caller's environment; what they get (credentials, which provider, the region) and the
//! metadata requests they made (IMDSv2 with a token, or the IMDSv1 fallback) are asserted.
//!
//! What the SDKs do, as this file pins it:
//! - on the instance and in awsvpc tasks (one hop from the metadata service) both SDKs get an
//!   IMDSv2 token and use it;
//! - in a bridge container, two hops away, the token's answer (IP TTL = the hop limit, 1 by
//!   default) never arrives: botocore's PUT times out (1 s) and it falls back to IMDSv1, and so
//!   does the JS SDK (`fromInstanceMetadata`, and `fromNodeProviderChain` through it) unless
//!   AWS_EC2_METADATA_V1_DISABLED=true; with `httpTokens: required` the fallback gets 401 and no
//!   credentials; a hop limit of 2 lets the token through;
//! - a task role's credentials come from the task metadata endpoint (`container-role`), before
//!   and independently of IMDS.

mod common;
use common::sdk::{self, calls, container_env, run_json};
use common::*;
use ecsnet::model::Lab;
use serde_json::Value;
use std::path::{Path, PathBuf};

const ROLE_PATH: &str = "/latest/meta-data/iam/security-credentials/";

fn up(lab: &str, body: &str) -> (LabGuard, Lab) {
    let file = write_scenario(lab, &body.replace("name: LAB", &format!("name: {lab}")));
    let g = LabGuard(lab.into());
    let o = ecsnet(&["up", file.to_str().unwrap()]);
    assert!(o.status.success(), "up failed: {}", text(&o));
    let model = ecsnet::dataplane::state::load_lab(lab).expect("lab state");
    (g, model)
}

/// The AWS_*/ECS_* environment of a task's first container (the one ECS gives it).
fn task_env(lab: &str, m: &Lab, task: &str) -> Vec<String> {
    container_env(lab, &m.task(task).unwrap().containers[0].docker_name)
}

/// The task role credentials' path in a container's environment.
fn relative_uri(env: &[String]) -> String {
    env.iter()
        .find_map(|e| e.strip_prefix("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI="))
        .unwrap_or_else(|| panic!("no AWS_CONTAINER_CREDENTIALS_RELATIVE_URI in {env:?}"))
        .to_string()
}

/// boto3's default chain (and, with `region`, botocore's IMDS region provider) in `node`.
fn boto(lab: &str, python: &Path, node: &str, env: &[String], region: bool) -> Value {
    let probe = sdk::dir().join("botocore_probe.py");
    let probe = probe.to_string_lossy();
    let args: &[&str] = if region { &[&probe, "region"] } else { &[&probe] };
    run_json(lab, node, env, python, args)
}

/// A JS SDK v3 provider (`instance`, `container`, `chain`) in `node`.
fn js(lab: &str, node_bin: &Path, node: &str, env: &[String], provider: &str) -> Value {
    let probe = sdk::dir().join("js_probe.js");
    run_json(lab, node, env, node_bin, &[&probe.to_string_lossy(), provider])
}

/// IMDSv2 as both SDKs do it: a token, then the role's name and its credentials with it.
fn v2(role: &str) -> Vec<String> {
    vec![
        "PUT /latest/api/token -> 200".into(),
        format!("GET {ROLE_PATH} [token] -> 200"),
        format!("GET {ROLE_PATH}{role} [token] -> 200"),
    ]
}

/// The fallback: the token's PUT gets no answer (`timeout` as the SDK names it), then IMDSv1.
fn v1_after(timeout: &str, role: &str) -> Vec<String> {
    vec![
        format!("PUT /latest/api/token -> {timeout}"),
        format!("GET {ROLE_PATH} -> 200"),
        format!("GET {ROLE_PATH}{role} -> 200"),
    ]
}

/// The instance role's made-up credentials, as botocore holds them.
fn assert_fake_instance_role(v: &Value, who: &str) {
    assert_eq!(v["method"], "iam-role", "{who}: {v}");
    assert!(v["access_key"].as_str().unwrap().starts_with("ASIAECSNETFAKE"), "{who}: {v}");
    assert!(v["token"].as_str().unwrap().contains("ECSNET-FAKE"), "{who}: {v}");
}

/// (a) On the instance: the instance profile's role from IMDS ("iam-role"), over IMDSv2, and
/// the region from the placement's zone; the same with `httpTokens: required`.
#[test]
fn boto3_on_the_instance_gets_its_role_and_region_from_imds() {
    need_root!();
    let Some(python) = sdk::python() else { return };
    let lab = "t-sdk-instance";
    let (_g, _m) = up(
        lab,
        r#"version: 1
name: LAB
region: eu-west-3
vpc:
  cidr: 10.51.0.0/16
  subnets:
    - { name: a, cidr: 10.51.1.0/24, availabilityZone: eu-west-3b }
instances:
  - { name: open, subnet: a }
  - { name: strict, subnet: a, iamInstanceProfile: strict-role, metadataOptions: { httpTokens: required } }
"#,
    );
    let mut keys = vec![];
    for (inst, role) in [("open", "ecsInstanceRole"), ("strict", "strict-role")] {
        let who = format!("instance/{inst}");
        let v = boto(lab, &python, &who, &[], true);
        assert_fake_instance_role(&v, &who);
        assert_eq!(calls(&v, "credential_calls"), v2(role), "{who}: {v}");
        assert_eq!(v["region"], "eu-west-3", "{who}: {v}");
        assert_eq!(
            calls(&v, "region_calls"),
            ["PUT /latest/api/token -> 200", "GET /latest/meta-data/placement/availability-zone/ [token] -> 200"],
            "{who}: {v}"
        );
        keys.push(v["access_key"].as_str().unwrap().to_string());
    }
    assert_ne!(keys[0], keys[1], "each instance has its own role's credentials");
}

/// (b) awsvpc tasks: a task role wins ("container-role", from the task metadata endpoint, even
/// where IMDS is blocked); without one the chain reaches IMDS through the task's own ENI, one
/// hop, so IMDSv2 works; with ECS_AWSVPC_BLOCK_IMDS the blackhole route refuses at once and
/// there are no credentials, quickly.
#[test]
fn boto3_in_awsvpc_tasks_prefers_the_task_role_and_reaches_imds_unless_blocked() {
    need_root!();
    let Some(python) = sdk::python() else { return };
    let lab = "t-sdk-awsvpc";
    let (_g, m) = up(
        lab,
        r#"version: 1
name: LAB
region: us-east-1
vpc:
  cidr: 10.52.0.0/16
  subnets:
    - { name: a, cidr: 10.52.1.0/24, availabilityZone: us-east-1a }
instances:
  - { name: open, subnet: a }
  - { name: blocked, subnet: a, ecsAgent: { ECS_AWSVPC_BLOCK_IMDS: true } }
taskDefinitions:
  - family: with-role
    networkMode: awsvpc
    taskRoleArn: arn:aws:iam::123456789012:role/app-role
    containerDefinitions:
      - { name: app, image: python:3.12-slim }
  - family: without-role
    networkMode: awsvpc
    containerDefinitions:
      - { name: app, image: python:3.12-slim }
tasks:
  - { name: role-open, taskDefinition: with-role, instance: open, networkConfiguration: { awsvpcConfiguration: { subnets: [a] } } }
  - { name: bare-open, taskDefinition: without-role, instance: open, networkConfiguration: { awsvpcConfiguration: { subnets: [a] } } }
  - { name: role-blocked, taskDefinition: with-role, instance: blocked, networkConfiguration: { awsvpcConfiguration: { subnets: [a] } } }
  - { name: bare-blocked, taskDefinition: without-role, instance: blocked, networkConfiguration: { awsvpcConfiguration: { subnets: [a] } } }
"#,
    );
    for t in ["role-open", "role-blocked"] {
        let env = task_env(lab, &m, t);
        let v = boto(lab, &python, &format!("task/{t}"), &env, false);
        assert_eq!(v["method"], "container-role", "task/{t}: {v}");
        assert!(v["access_key"].as_str().unwrap().starts_with("ASIAECSNETFAKE"), "task/{t}: {v}");
        assert_eq!(calls(&v, "credential_calls"), [format!("GET {} -> 200", relative_uri(&env))], "task/{t}: {v}");
    }

    let env = task_env(lab, &m, "bare-open");
    assert!(env.iter().all(|e| !e.starts_with("AWS_CONTAINER_CREDENTIALS")), "no task role: {env:?}");
    let v = boto(lab, &python, "task/bare-open", &env, true);
    assert_fake_instance_role(&v, "task/bare-open");
    assert_eq!(calls(&v, "credential_calls"), v2("ecsInstanceRole"), "{v}");
    assert_eq!(v["region"], "us-east-1", "{v}");

    let env = task_env(lab, &m, "bare-blocked");
    let v = boto(lab, &python, "task/bare-blocked", &env, false);
    assert_eq!(v["method"], Value::Null, "IMDS is blocked: {v}");
    let seconds = v["seconds"].as_f64().unwrap();
    assert!(seconds < 0.9, "refused at once, no timeout: {seconds} s: {v}");
    let c = calls(&v, "credential_calls");
    assert!(c.len() == 2 && c.iter().all(|c| c.ends_with("-> EndpointConnectionError")), "{v}");
}

/// (c) Bridge containers, two hops from IMDS: the token's answer dies on the way (hop limit 1)
/// and botocore falls back to IMDSv1 (with AWS_EC2_METADATA_V1_DISABLED=true it raises
/// MetadataRetrievalError instead); with tokens required the fallback gets 401 and no
/// credentials; a hop limit of 2 brings IMDSv2 back; the documented DOCKER-USER drop leaves
/// nothing.
#[test]
fn boto3_in_bridge_containers_follows_the_hop_limit() {
    need_root!();
    let Some(python) = sdk::python() else { return };
    let lab = "t-sdk-bridge";
    let (_g, m) = up(
        lab,
        r#"version: 1
name: LAB
vpc:
  cidr: 10.53.0.0/16
  subnets:
    - { name: a, cidr: 10.53.1.0/24 }
instances:
  - { name: hop1, subnet: a }
  - { name: hop1-required, subnet: a, metadataOptions: { httpTokens: required } }
  - { name: hop2-required, subnet: a, metadataOptions: { httpTokens: required, httpPutResponseHopLimit: 2 } }
  - { name: dropped, subnet: a, blockImdsFromBridge: true }
taskDefinitions:
  - family: app
    containerDefinitions:
      - { name: app, image: python:3.12-slim }
tasks:
  - { name: on-hop1, taskDefinition: app, instance: hop1 }
  - { name: on-hop1-required, taskDefinition: app, instance: hop1-required }
  - { name: on-hop2-required, taskDefinition: app, instance: hop2-required }
  - { name: on-dropped, taskDefinition: app, instance: dropped }
"#,
    );
    // Each waits for a timeout or two: run them side by side. The last one is the first again,
    // told not to fall back to IMDSv1.
    let runs = [
        ("on-hop1", None),
        ("on-hop1-required", None),
        ("on-hop2-required", None),
        ("on-dropped", None),
        ("on-hop1", Some("AWS_EC2_METADATA_V1_DISABLED=true")),
    ];
    let results: Vec<Value> = std::thread::scope(|s| {
        let handles: Vec<_> = runs
            .iter()
            .map(|(t, extra)| {
                let mut env = task_env(lab, &m, t);
                env.extend(extra.map(str::to_string));
                let python = &python;
                s.spawn(move || boto(lab, python, &format!("task/{t}"), &env, false))
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("SDK run")).collect()
    });
    let [hop1, hop1_required, hop2_required, dropped, v1_disabled] = &results[..] else { unreachable!() };

    assert_fake_instance_role(hop1, "task/on-hop1");
    assert_eq!(calls(hop1, "credential_calls"), v1_after("ReadTimeoutError", "ecsInstanceRole"), "{hop1}");

    assert_eq!(hop1_required["method"], Value::Null, "{hop1_required}");
    assert_eq!(
        calls(hop1_required, "credential_calls"),
        ["PUT /latest/api/token -> ReadTimeoutError".to_string(), format!("GET {ROLE_PATH} -> 401")],
        "{hop1_required}"
    );

    assert_fake_instance_role(hop2_required, "task/on-hop2-required");
    assert_eq!(calls(hop2_required, "credential_calls"), v2("ecsInstanceRole"), "{hop2_required}");

    assert_eq!(dropped["method"], Value::Null, "{dropped}");
    assert_eq!(
        calls(dropped, "credential_calls"),
        ["PUT /latest/api/token -> ConnectTimeoutError".to_string(), format!("GET {ROLE_PATH} -> ConnectTimeoutError")],
        "{dropped}"
    );

    // botocore does not return None there: the chain raises.
    assert_eq!(v1_disabled["error"], "MetadataRetrievalError", "{v1_disabled}");
    assert!(v1_disabled["message"].as_str().unwrap().contains("IMDSv1 has been disabled"), "{v1_disabled}");
    assert_eq!(calls(v1_disabled, "credential_calls"), ["PUT /latest/api/token -> ReadTimeoutError"], "{v1_disabled}");
}

/// (d) The AWS SDK for JavaScript v3: `fromInstanceMetadata()` on the instance (IMDSv2),
/// `fromContainerMetadata()` in an awsvpc task with a role, and `fromNodeProviderChain()` in a
/// bridge container on hop limit 1: like botocore it falls back to IMDSv1 after the token's
/// PUT times out and gets the instance role, unless AWS_EC2_METADATA_V1_DISABLED=true, which
/// leaves it without credentials.
#[test]
fn js_sdk_v3_providers_on_the_instance_in_awsvpc_and_bridge() {
    need_root!();
    let Some(node_bin) = sdk::node() else { return };
    let lab = "t-sdk-js";
    let (_g, m) = up(
        lab,
        r#"version: 1
name: LAB
vpc:
  cidr: 10.54.0.0/16
  subnets:
    - { name: a, cidr: 10.54.1.0/24 }
instances:
  - { name: ecs-1, subnet: a }
taskDefinitions:
  - family: with-role
    networkMode: awsvpc
    taskRoleArn: arn:aws:iam::123456789012:role/app-role
    containerDefinitions:
      - { name: app, image: node:22-slim }
  - family: bridge-app
    containerDefinitions:
      - { name: app, image: node:22-slim }
tasks:
  - { name: vpc-role, taskDefinition: with-role, instance: ecs-1, networkConfiguration: { awsvpcConfiguration: { subnets: [a] } } }
  - { name: br, taskDefinition: bridge-app, instance: ecs-1 }
"#,
    );
    let node_bin: PathBuf = node_bin;
    let inst = js(lab, &node_bin, "instance/ecs-1", &[], "instance");
    let key = inst["accessKeyId"].as_str().unwrap_or_else(|| panic!("instance: {inst}")).to_string();
    assert!(
        key.starts_with("ASIAECSNETFAKE") && inst["sessionToken"].as_str().unwrap().contains("ECSNET-FAKE"),
        "{inst}"
    );
    assert_eq!(calls(&inst, "calls"), v2("ecsInstanceRole"), "{inst}");

    let env = task_env(lab, &m, "vpc-role");
    let task = js(lab, &node_bin, "task/vpc-role", &env, "container");
    let task_key = task["accessKeyId"].as_str().unwrap_or_else(|| panic!("task/vpc-role: {task}"));
    assert!(task_key.starts_with("ASIAECSNETFAKE") && task_key != key, "the task role's, not the instance's: {task}");
    assert_eq!(calls(&task, "calls"), [format!("GET {} -> 200", relative_uri(&env))], "{task}");

    let env = task_env(lab, &m, "br");
    let br = js(lab, &node_bin, "task/br", &env, "chain");
    assert_eq!(br["accessKeyId"], key.as_str(), "the instance role, answered as the instance: {br}");
    assert_eq!(calls(&br, "calls"), v1_after("timeout", "ecsInstanceRole"), "{br}");

    let mut strict = env.clone();
    strict.push("AWS_EC2_METADATA_V1_DISABLED=true".into());
    let br = js(lab, &node_bin, "task/br", &strict, "chain");
    assert!(br["accessKeyId"].is_null() && br["error"].is_string(), "no IMDSv1 fallback: {br}");
    assert_eq!(calls(&br, "calls"), ["PUT /latest/api/token -> timeout"], "{br}");
}

/// boto3's `servicediscovery` client in scenario 30's web task: discover_instances goes to
/// `data-servicediscovery` (the operation's endpoint prefix) signed with the task role, and
/// answers api's two tasks with their ENI addresses.
#[test]
fn boto3_discovers_cloud_map_instances_from_a_task() {
    need_root!();
    let Some(py) = sdk::python() else { return };
    let lab = "t-sdk-cloudmap";
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/30-service-discovery.yaml"))
            .expect("scenario 30")
            .replace("name: svc-discovery", "name: LAB");
    let (_g, m) = up(lab, &text);
    let script = sdk::dir().join("discover_instances.py");
    let args = [script.to_str().unwrap(), "us-east-1", "corp.local", "api"];
    let v = sdk::run_json_in_task(lab, "task/web/app", &py, &args);
    let mut got: Vec<String> = v["discover"]["instances"]
        .as_object()
        .unwrap_or_else(|| panic!("{v}"))
        .values()
        .filter_map(|a| a["AWS_INSTANCE_IPV4"].as_str().map(str::to_string))
        .collect();
    got.sort();
    let want: Vec<String> =
        ["api-1", "api-2"].iter().map(|n| m.enis[m.task(n).unwrap().eni.unwrap()].ip.to_string()).collect();
    assert_eq!(got, want, "{v}");
}
