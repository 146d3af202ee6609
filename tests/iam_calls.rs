//! Issue 16, `call:` expectations on real packets (root): ecsnet fetches the caller's
//! credentials over the lab (the task role's endpoint, else IMDS), signs the call with SigV4
//! and sends it over the path the lab's DNS and routes give. Each verdict must say where the
//! call stopped (IAM, the credentials, the network) and agree with the analyzer.

mod common;
use common::*;

/// A task with a role, one without (IMDS: the instance's role), one in a bridge container
/// behind IMDSv2 at hop limit 1 with tokens required (no credentials), and S3 out of reach.
const LAB: &str = r#"version: 1
name: LAB
region: ap-northeast-1
vpc:
  cidr: 10.44.0.0/16
  subnets:
    - { name: private-a, cidr: 10.44.1.0/24, availabilityZone: ap-northeast-1a }
  securityGroups:
    - name: app
    - name: endpoints
      ingress: [{ protocol: tcp, ports: 443, source: sg/app }]
  vpcEndpoints:
    - { name: ecr-api, service: ecr.api, subnets: [private-a], securityGroups: [endpoints] }
    - { name: sts, service: sts, subnets: [private-a], securityGroups: [endpoints] }
aws:
  roles:
    - roleName: reader
      managedPolicyArns: [AmazonEC2ContainerRegistryReadOnly]
    - roleName: ecsInstanceRole
      policies:
        - policyName: nothing-but-sts
          policyDocument: '{ "Version": "2012-10-17", "Statement": [{ "Effect": "Allow", "Action": "sts:*", "Resource": "*" }] }'
instances:
  - { name: ecs-1, subnet: private-a, securityGroups: [app] }
  - { name: ecs-2, subnet: private-a, securityGroups: [app], metadataOptions: { httpTokens: required } }
taskDefinitions:
  - family: with-role
    networkMode: awsvpc
    taskRoleArn: arn:aws:iam::123456789012:role/reader
    containerDefinitions: [{ name: app, image: busybox }]
  - family: no-role
    networkMode: host
    containerDefinitions: [{ name: app, image: busybox }]
  - family: bridged
    networkMode: bridge
    containerDefinitions: [{ name: app, image: busybox }]
tasks:
  - { name: web, taskDefinition: with-role, instance: ecs-1, networkConfiguration: { awsvpcConfiguration: { subnets: [private-a], securityGroups: [app] } } }
  - { name: plain, taskDefinition: no-role, instance: ecs-1 }
  - { name: boxed, taskDefinition: bridged, instance: ecs-2 }
expect:
  - { from: task/web, call: ecr:DescribeImages, resource: repository/missing, expect: RepositoryNotFoundException }
  - { from: task/web, call: ecr:GetAuthorizationToken, expect: allowed }
  - { from: task/web, call: sts:GetCallerIdentity, expect: allowed }
  - { from: task/web, call: s3:ListAllMyBuckets, expect: timeout }
  - { from: task/plain, call: ecr:DescribeImages, resource: repository/missing, expect: AccessDenied }
  - { from: instance/ecs-1, call: sts:GetCallerIdentity, expect: allowed }
"#;

#[test]
fn calls_stop_where_the_analyzer_says_and_the_verdict_says_where() {
    need_root!();
    let lab = "t-iam-calls";
    let file = write_scenario(lab, &LAB.replace("name: LAB", &format!("name: {lab}")));
    let _ = ecsnet(&["down", lab]);
    let _g = LabGuard(lab.to_string());
    let o = ecsnet(&["test", file.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o)));
    let verdicts = v[0]["verdicts"].as_array().cloned().unwrap_or_else(|| panic!("no verdicts: {v}"));
    assert_eq!(verdicts.len(), 6, "{v}");
    for verdict in &verdicts {
        assert_eq!(verdict["pass"], true, "{verdict}");
        assert_eq!(verdict["mismatch"], false, "the analyzer must agree: {verdict}");
    }
    let detail = |i: usize| verdicts[i]["detail"].as_str().unwrap_or_default().to_string();
    assert!(detail(0).contains("allowed by IAM, the service answered RepositoryNotFoundException"), "{}", detail(0));
    assert!(
        detail(3).contains("timeout connecting to") && detail(3).contains("stopped by the network"),
        "{}",
        detail(3)
    );
    // No task role: the SDK falls back to IMDS, and the instance's role may not read ECR.
    let plain = detail(4);
    assert!(plain.contains("assumed-role/ecsInstanceRole/i-"), "{plain}");
    assert!(plain.contains("because no identity-based policy allows the ecr:DescribeImages action"), "{plain}");
    assert!(plain.contains("stopped by IAM"), "{plain}");
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn a_bridge_container_behind_imdsv2_at_hop_limit_one_finds_no_credentials() {
    need_root!();
    let lab = "t-iam-nocreds";
    let body = LAB.replace("name: LAB", &format!("name: {lab}"))
        + "  - { from: task/boxed, call: sts:GetCallerIdentity, expect: allowed }\n";
    // Tokens required on ecs-2, and the token's answer dies on its way into docker0.
    let file = write_scenario(lab, &body);
    let _ = ecsnet(&["down", lab]);
    let _g = LabGuard(lab.to_string());
    let o = ecsnet(&["test", file.to_str().unwrap()]);
    let out = text(&o);
    assert!(!o.status.success(), "the boxed task has no credentials: {out}");
    assert!(out.contains("no credentials: Unable to locate credentials"), "{out}");
    assert!(out.contains("stopped by the credentials"), "{out}");
    assert!(!out.contains("ANALYZER DISAGREES"), "{out}");
    let e = ecsnet(&["explain", file.to_str().unwrap(), "task/boxed", "--call", "sts:GetCallerIdentity"]);
    assert!(text(&e).contains("httpPutResponseHopLimit 1"), "{}", text(&e));
}

/// The instance's own role meets IAM too: an instance whose declared role lacks ECS's
/// permissions reaches `ecs` through its endpoint and is refused there, as the analyzer says.
#[test]
fn an_instance_role_without_ecs_permissions_cannot_register() {
    need_root!();
    let lab = "t-iam-register";
    let body = r#"version: 1
name: LAB
region: ap-northeast-1
vpc:
  cidr: 10.45.0.0/16
  subnets: [{ name: a, cidr: 10.45.1.0/24, availabilityZone: ap-northeast-1a }]
  securityGroups: [{ name: all, ingress: [{ protocol: tcp, ports: 443, source: 10.45.0.0/16 }] }]
  vpcEndpoints:
    - { name: ecs, service: ecs, subnets: [a], securityGroups: [all] }
    - { name: ecs-agent, service: ecs-agent, subnets: [a], securityGroups: [all] }
    - { name: ecs-telemetry, service: ecs-telemetry, subnets: [a], securityGroups: [all] }
aws:
  roles:
    - { roleName: ecsInstanceRole, managedPolicyArns: [AmazonEC2ContainerRegistryReadOnly] }
    - { roleName: good-role, managedPolicyArns: [AmazonEC2ContainerServiceforEC2Role] }
instances:
  - { name: denied, subnet: a, securityGroups: [all] }
  - { name: allowed, subnet: a, securityGroups: [all], iamInstanceProfile: good-role }
"#;
    let file = write_scenario(lab, &body.replace("name: LAB", &format!("name: {lab}")));
    let _ = ecsnet(&["down", lab]);
    let _g = LabGuard(lab.to_string());
    let o = ecsnet(&["up", file.to_str().unwrap()]);
    assert!(o.status.success(), "up: {}", text(&o));
    let model = ecsnet::dataplane::state::load_lab(lab).expect("lab");
    let seen =
        ecsnet::dataplane::state::wait_registrations(lab, std::time::Duration::from_secs(8)).expect("registrations");
    for predicted in ecsnet::analyze::control_plane::predicted(&model) {
        let packets = seen.iter().find(|r| r.instance == predicted.instance).cloned().unwrap_or_default();
        assert!(ecsnet::analyze::control_plane::agree(&predicted, &packets), "{predicted:?} vs {packets:?}");
    }
    let denied = seen.iter().find(|r| r.instance == "denied").expect("denied");
    assert!(!denied.registered(), "{denied:?}");
    let log = denied.misses[0].agent_log();
    assert!(
        log.starts_with("Unable to register as a container instance with ECS: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/ecsInstanceRole/i-")
            && log.ends_with("is not authorized to perform: ecs:RegisterContainerInstance on resource: arn:aws:ecs:ap-northeast-1:123456789012:cluster/ecsnet-t-iam-register because no identity-based policy allows the ecs:RegisterContainerInstance action"),
        "{log}"
    );
    assert!(seen.iter().find(|r| r.instance == "allowed").is_some_and(|r| r.registered()), "{seen:?}");
}
