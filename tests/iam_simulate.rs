//! Issue 16, item 5 (its first part): `ecsnet iam simulate-custom-policy` answers as IAM's
//! policy simulator does, on the seed's exercise (a task calling ecr:DescribeImages) and the
//! endpoint-only Deny whose condition key is absent on the public path. No root needed.

mod common;
use common::*;

const REPO: &str = "arn:aws:ecr:ap-northeast-1:123456789012:repository/my-repo";

fn policy(name: &str, json: &str) -> String {
    let p = std::env::temp_dir().join(format!("ecsnet-iam-{name}-{}.json", std::process::id()));
    std::fs::write(&p, json).unwrap();
    format!("file://{}", p.display())
}

fn simulate(args: &[&str]) -> (i32, serde_json::Value, String) {
    let mut a = vec!["iam", "simulate-custom-policy", "--json"];
    a.extend_from_slice(args);
    let o = ecsnet(&a);
    let v = serde_json::from_slice(&o.stdout).unwrap_or(serde_json::Value::Null);
    (o.status.code().unwrap_or(-1), v, text(&o))
}

#[test]
fn the_seed_exercise_denies_until_the_role_allows_describe_images() {
    let s3_only =
        policy("s3", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#);
    let caller = "arn:aws:sts::123456789012:assumed-role/app-task-role/0123456789abcdef";
    let (code, v, all) = simulate(&[
        "--policy-input-list",
        &s3_only,
        "--action-names",
        "ecr:DescribeImages",
        "--resource-arns",
        REPO,
        "--caller-arn",
        caller,
    ]);
    assert_eq!(code, 1, "{all}");
    let r = &v["EvaluationResults"][0];
    assert_eq!(r["EvalDecision"], "implicitDeny", "{all}");
    assert_eq!(
        r["DenialMessage"],
        format!(
            "User: {caller} is not authorized to perform: ecr:DescribeImages on resource: {REPO} because no identity-based policy allows the ecr:DescribeImages action"
        )
    );
    // AmazonEC2ContainerRegistryReadOnly's statement, with the action written in another case.
    let read = policy(
        "read",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ECR:describeimages"],"Resource":"*"}]}"#,
    );
    let (code, v, all) =
        simulate(&["--policy-input-list", &read, "--action-names", "ecr:DescribeImages", "--resource-arns", REPO]);
    assert_eq!((code, &v["EvaluationResults"][0]["EvalDecision"]), (0, &serde_json::json!("allowed")), "{all}");
}

#[test]
fn a_deny_outside_the_endpoint_applies_when_the_key_is_absent() {
    let p = policy(
        "vpce",
        r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":"ecr:*","Resource":"*"},
            {"Effect":"Deny","Action":"ecr:*","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-0abc"}}}]}"#,
    );
    let (code, v, all) = simulate(&["--policy-input-list", &p, "--action-names", "ecr:DescribeImages"]);
    assert_eq!(code, 1, "{all}");
    assert_eq!(v["EvaluationResults"][0]["EvalDecision"], "explicitDeny", "{all}");
    let (code, v, all) = simulate(&[
        "--policy-input-list",
        &p,
        "--action-names",
        "ecr:DescribeImages",
        "--context-entries",
        "ContextKeyName=aws:SourceVpce,ContextKeyValues=vpce-0abc,ContextKeyType=string",
    ]);
    assert_eq!((code, &v["EvaluationResults"][0]["EvalDecision"]), (0, &serde_json::json!("allowed")), "{all}");
}

#[test]
fn a_malformed_policy_is_located_and_worded_as_iam_words_it() {
    let p = policy("bad", r#"{"Statement":[{"Effect":"Allow","Action":"DescribeImages","Resource":"*"}]}"#);
    let (code, _, all) = simulate(&["--policy-input-list", &p, "--action-names", "ecr:DescribeImages"]);
    assert_eq!(code, 2, "{all}");
    assert!(all.contains(":1:42: Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."), "{all}");
}

#[test]
fn a_labs_task_calls_as_its_role_and_through_its_endpoints_policy() {
    let file = "scenarios/20-iam-task-role.yaml";
    let run = |principal: &str, repo: &str| {
        simulate_in(file, principal, ("ecr:DescribeImages", repo), &["--via", "endpoint/ecr-api"])
    };
    let (code, r, all) = run("task/before", "repository/my-repo");
    assert_eq!((code, &r["EvalDecision"]), (1, &serde_json::json!("implicitDeny")), "{all}");
    let msg = r["DenialMessage"].as_str().unwrap_or_default();
    assert!(
        msg.starts_with("User: arn:aws:sts::123456789012:assumed-role/s3-only-role/")
            && msg.ends_with(" is not authorized to perform: ecr:DescribeImages on resource: arn:aws:ecr:ap-northeast-1:123456789012:repository/my-repo because no identity-based policy allows the ecr:DescribeImages action"),
        "{msg}"
    );
    let (code, r, all) = run("task/after", "repository/my-repo");
    assert_eq!((code, &r["EvalDecision"]), (0, &serde_json::json!("allowed")), "{all}");
    // The endpoint's policy admits my-repo only.
    let (code, r, all) = run("task/after", "repository/other");
    assert_eq!(code, 1, "{all}");
    assert!(
        r["DenialMessage"]
            .as_str()
            .unwrap_or_default()
            .ends_with("because no VPC endpoint policy allows the ecr:DescribeImages action"),
        "{all}"
    );
    // A role the scenario does not declare is not restricted.
    let o = ecsnet(&[
        "iam",
        "simulate",
        "scenarios/18-image-pull-private.yaml",
        "--principal",
        "instance/app-1",
        "--action-names",
        "ecr:GetAuthorizationToken",
    ]);
    assert!(o.status.success() && text(&o).contains("is not declared under aws.roles"), "{}", text(&o));
}

#[test]
fn a_roles_policy_error_is_located_in_the_scenario_file() {
    let yaml = "version: 1\nname: iam-bad\nvpc:\n  cidr: 10.31.0.0/16\n  subnets: [{ name: a, cidr: 10.31.1.0/24, availabilityZone: us-east-1a }]\naws:\n  roles:\n    - roleName: app\n      managedPolicyArns: [AmazonEC2ContainerRegistryReadOnly, arn:aws:iam::aws:policy/AmazonECSTaskExecutionRolePolicy]\n      policies:\n        - policyName: p\n          policyDocument: |\n            {\n              \"Statement\": [{ \"Effect\": \"Allow\", \"Action\": \"DescribeImages\", \"Resource\": \"*\" }]\n            }\n";
    let file = write_scenario("iam-bad", yaml);
    let o = ecsnet(&["validate", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let out = text(&o);
    // The managed policy's ARN without its service-role/ path does not exist on AWS either.
    assert!(
        out.contains(":9:")
            && out.contains(
                "Policy arn:aws:iam::aws:policy/AmazonECSTaskExecutionRolePolicy does not exist or is not attachable."
            ),
        "{out}"
    );
    // The action without its service prefix, at its place inside the block string (line 14).
    assert!(out.contains(":14:") && out.contains("Actions/Conditions must be prefaced by a vendor"), "{out}");
}

#[test]
fn a_labs_resource_policies_take_part_in_the_evaluation() {
    let yaml = r#"version: 1
name: iam-resource
region: ap-northeast-1
vpc:
  cidr: 10.32.0.0/16
  subnets: [{ name: a, cidr: 10.32.1.0/24, availabilityZone: ap-northeast-1a }]
instances: [{ name: i, subnet: a }]
taskDefinitions:
  - { family: app, networkMode: host, taskRoleArn: "arn:aws:iam::123456789012:role/app-role", containerDefinitions: [{ name: app, image: nginx }] }
  - { family: free, networkMode: host, taskRoleArn: "arn:aws:iam::123456789012:role/free-role", containerDefinitions: [{ name: app, image: nginx }] }
tasks:
  - { name: web, taskDefinition: app, instance: i }
  - { name: free, taskDefinition: free, instance: i }
aws:
  repositories:
    - name: app
      repositoryPolicyText: |
        { "Statement": [{ "Sid": "pull", "Effect": "Allow", "Principal": { "AWS": "arn:aws:iam::123456789012:role/app-role" },
          "Action": "ecr:BatchGetImage" }] }
  buckets:
    - name: app-config
      policy: |
        { "Statement": [{ "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::app-config/*" }] }
  roles:
    - roleName: app-role
"#;
    let file = write_scenario("iam-resource", yaml);
    let file = file.to_str().unwrap();
    let run = |principal: &str, action: &str, resource: &str| simulate_in(file, principal, (action, resource), &[]);
    // The role has no policy of its own; the repository's names it.
    let (code, r, all) = run("task/web", "ecr:BatchGetImage", "repository/app");
    assert_eq!((code, &r["EvalDecision"]), (0, &serde_json::json!("allowed")), "{all}");
    assert_eq!(r["MatchedStatements"][0]["SourcePolicyType"], "resource", "{all}");
    assert_eq!(r["MatchedStatements"][0]["SourcePolicyId"], "repository app / repositoryPolicyText", "{all}");
    let (code, r, all) = run("task/web", "ecr:DescribeImages", "repository/app");
    assert_eq!((code, &r["EvalDecision"]), (1, &serde_json::json!("implicitDeny")), "{all}");
    // A role the scenario does not declare is unrestricted, but the bucket's Deny still applies.
    let (code, r, all) = run("task/free", "s3:GetObject", "bucket/app-config/settings.json");
    assert_eq!((code, &r["EvalDecision"]), (1, &serde_json::json!("explicitDeny")), "{all}");
    assert!(
        r["DenialMessage"].as_str().unwrap_or_default().ends_with(
            " is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::app-config/settings.json\" with an explicit deny in a resource-based policy"
        ),
        "{all}"
    );
    let (code, r, all) = run("task/free", "s3:ListBucket", "bucket/app-config");
    assert_eq!((code, &r["EvalDecision"]), (0, &serde_json::json!("allowed")), "{all}");
}

/// `iam simulate FILE --principal P --action-names A --resource-arns R [extra] --json`: the exit
/// code, the first evaluation result, and the whole output for a failing assertion.
fn simulate_in(
    file: &str,
    principal: &str,
    (action, resource): (&str, &str),
    extra: &[&str],
) -> (i32, serde_json::Value, String) {
    let mut args = vec!["iam", "simulate", file, "--principal", principal, "--action-names", action];
    args.extend(["--resource-arns", resource]);
    args.extend_from_slice(extra);
    args.push("--json");
    let o = ecsnet(&args);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or(serde_json::Value::Null);
    (o.status.code().unwrap_or(-1), v["EvaluationResults"][0].clone(), text(&o))
}
