//! Issue 15, items 2 and 4: AWS's public endpoints on real packets (root). Inside a task of a
//! private subnet with a NAT gateway, the unmodified AWS SDKs (boto3, the AWS CLI and the JS SDK v3, from
//! scripts/sdk-clients.sh) reach STS, ECR (API and registry, whose layers come from the
//! starport bucket in S3), S3, CloudWatch Logs, Secrets Manager and SSM over HTTPS, with
//! nothing but the region: the names come from the lab's DNS, the trust from the lab CA, the
//! credentials from the task role. A task with no way out times out, as on AWS. The machine's
//! own trust store is never touched.

mod common;
use common::*;
use serde_json::Value;
use std::process::Command;

/// `ecsnet exec LAB NODE -- PROGRAM ARGS` with the container's environment only: the JSON
/// object it prints last.

#[test]
fn unmodified_sdks_in_a_task_use_the_lab_s_aws_endpoints_through_a_nat() {
    need_root!();
    let lab = "t-aws-public";
    let bundle = "/etc/ssl/certs/ca-certificates.crt";
    let machine_bundle = std::fs::read(bundle).unwrap_or_default();
    let file = scenario_copy("scenarios/16-aws-public-endpoints.yaml", lab);
    let _ = ecsnet(&["down", lab]);
    let _g = LabGuard(lab.to_string());
    let o = ecsnet(&["up", file.to_str().unwrap()]);
    assert!(o.status.success(), "up: {}", text(&o));

    // The environment points the SDKs at the lab's bundle, which holds the lab CA.
    let o = ecsnet(&[
        "exec",
        lab,
        "task/with-nat/app",
        "--",
        "sh",
        "-c",
        "env; grep -c 'BEGIN CERT' /etc/ssl/certs/ca-certificates.crt",
    ]);
    let env = String::from_utf8_lossy(&o.stdout);
    for k in ["AWS_CA_BUNDLE", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS"] {
        assert!(env.contains(&format!("{k}={bundle}\n")), "{k}: {env}");
    }

    if let Some(py) = sdk::python() {
        let script = sdk::dir().join("aws_calls.py");
        let v = sdk::run_json_in_task(lab, "task/with-nat/app", &py, &[script.to_str().unwrap(), "ap-northeast-1"]);
        let task_id = ecsnet::dataplane::state::load_lab(lab).expect("lab").task("with-nat").expect("task").id.clone();
        assert_eq!(v["sts"], format!("arn:aws:sts::123456789012:assumed-role/app-task-role/{task_id}"), "{v}");
        assert_eq!(v["token"], "https://123456789012.dkr.ecr.ap-northeast-1.amazonaws.com", "{v}");
        assert_eq!(v["repositories"], serde_json::json!(["app"]), "{v}");
        assert_eq!(v["images"], serde_json::json!(["1.0", "latest"]), "{v}");
        assert_eq!(v["missing_repository"]["error"], "RepositoryNotFoundException", "{v}");
        assert_eq!(
            v["missing_repository"]["message"],
            "The repository with name 'nope' does not exist in the registry with id '123456789012'"
        );
        assert_eq!(
            v["registry"]["blob_from"],
            "prod-ap-northeast-1-starport-layer-bucket.s3.ap-northeast-1.amazonaws.com"
        );
        assert_eq!(v["s3_get"], "{\"greeting\": \"hello\"}", "{v}");
        assert_eq!(v["s3_list"], serde_json::json!(["from-task.txt", "settings.json"]), "{v}");
        assert_eq!(v["s3_missing"]["error"], "NoSuchKey", "{v}");
        assert_eq!((&v["logs_stream"], &v["logs_put"]), (&Value::from(200), &Value::from(200)), "{v}");
        assert_eq!(v["secret"], "not-a-real-password", "{v}");
        assert_eq!(v["missing_secret"]["message"], "Secrets Manager can't find the specified secret.", "{v}");
        assert_eq!(v["parameter"], serde_json::json!(["https://app.example.com"]), "{v}");
        assert_eq!(v["ecs_poll"], "https://ecs-a.ap-northeast-1.amazonaws.com/", "{v}");
        assert_eq!(v["ecs_no_cluster"]["error"], "ClusterNotFoundException", "{v}");
        assert_eq!(v["ecs_no_cluster"]["message"], "Cluster not found.", "{v}");
        // No way out: the SDK's connection times out, as on AWS without a NAT or an endpoint.
        let v = sdk::run_json_in_task(
            lab,
            "task/isolated/app",
            &py,
            &[script.to_str().unwrap(), "ap-northeast-1", "sts-only"],
        );
        assert_eq!(v["sts"]["exception"], "ConnectTimeoutError", "{v}");
    }
    if let Some(node) = sdk::node() {
        let script = sdk::dir().join("aws_calls.js");
        let v = sdk::run_json_in_task(lab, "task/with-nat/app", &node, &[script.to_str().unwrap(), "ap-northeast-1"]);
        assert!(v["sts"].as_str().is_some_and(|a| a.contains(":assumed-role/app-task-role/")), "{v}");
        assert_eq!(v["s3_get"], "{\"greeting\": \"hello\"}", "{v}");
    }
    if let Some(aws) = sdk::aws_cli() {
        // The AWS CLI, with the task's environment (the lab's bundle) and the region: ECS sets
        // AWS_REGION only, which the CLI v1 does not read (as on AWS: it asks for a region).
        let run = |args: &[&str]| {
            let o = Command::new(bin())
                .args(["exec", lab, "task/with-nat/app", "--"])
                .arg(&aws)
                .args(["--region", "ap-northeast-1"])
                .args(args)
                .output();
            let o = o.expect("exec");
            (o.status.success(), String::from_utf8_lossy(&o.stdout).trim().to_string(), text(&o))
        };
        let (ok, out, all) = run(&["sts", "get-caller-identity", "--query", "Arn", "--output", "text"]);
        assert!(ok && out.contains(":assumed-role/app-task-role/"), "{all}");
        let query = ["--query", "imageDetails[].imageTags[]", "--output", "text"];
        let (ok, out, all) = run(&[&["ecr", "describe-images", "--repository-name", "app"][..], &query[..]].concat());
        assert!(ok && out.split_whitespace().any(|t| t == "1.0"), "{all}");
        let (ok, out, all) = run(&["s3", "cp", "s3://app-config/settings.json", "-"]);
        assert!(ok && out == "{\"greeting\": \"hello\"}", "{all}");
        let secret = ["secretsmanager", "get-secret-value", "--secret-id", "prod/db-password"];
        let (ok, out, all) = run(&[&secret[..], &["--query", "SecretString", "--output", "text"][..]].concat());
        assert!(ok && out == "not-a-real-password", "{all}");
    }
    // From the internet, with the system's trust (the bundle covers it there too).
    let o = ecsnet(&[
        "exec",
        lab,
        "internet",
        "--",
        "curl",
        "-sS",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "https://sts.amazonaws.com/",
    ]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "400", "{}", text(&o));
    assert_eq!(std::fs::read(bundle).unwrap_or_default(), machine_bundle, "the machine's trust store is untouched");
    let o = ecsnet(&["check", lab]);
    assert!(o.status.success(), "check: {}", text(&o));
}

#[test]
fn unmodified_sdks_reach_the_services_through_interface_endpoints() {
    need_root!();
    // Skips (saying why) when the SDK clients are not installed, unless they are required.
    let Some(py) = sdk::python() else { return };
    let lab = "t-aws-vpce";
    let file = scenario_copy("scenarios/17-interface-endpoints.yaml", lab);
    let _ = ecsnet(&["down", lab]);
    let _g = LabGuard(lab.to_string());
    let o = ecsnet(&["up", file.to_str().unwrap()]);
    assert!(o.status.success(), "up: {}", text(&o));
    let l = ecsnet::dataplane::state::load_lab(lab).expect("lab");
    let sts = l.endpoint("sts").expect("sts endpoint");
    let vpce = sts.dns_names.first().map(|(n, _)| n.clone()).expect("a vpce name");
    let script = sdk::dir().join("endpoint_calls.py");
    let v = sdk::run_json_in_task(lab, "task/app/app", &py, &[script.to_str().unwrap(), "ap-northeast-1", &vpce]);
    assert_eq!(v["token"], "https://123456789012.dkr.ecr.ap-northeast-1.amazonaws.com", "{v}");
    assert_eq!(v["images"], serde_json::json!(["1.0"]), "{v}");
    assert_eq!(v["sts_public"]["exception"], "ConnectTimeoutError", "{v}");
    let instance_role = format!("arn:aws:sts::123456789012:assumed-role/ecsInstanceRole/{}", l.instances[0].id);
    assert_eq!(v["sts_vpce"], instance_role.as_str(), "{v}");
    assert_eq!(v["logs"]["exception"], "ConnectTimeoutError", "{v}");
}
