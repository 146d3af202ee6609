//! Issue 15, items 5 and 7: a task's start on real packets (root). Before its containers run,
//! the agent makes the ECS agent's calls from the instance: a secret, the ECR token, the
//! manifest, the layers from S3, the awslogs stream. In a private subnet with no NAT the task
//! starts only when every endpoint it needs is there; take any one away and it fails as AWS
//! fails, with ECS's error and the public address it dialled. Through a NAT it starts too.
//! What stopped it shows in `up`, `ps`, `inspect`, the introspection API's KnownStatus, and
//! the analyzer predicts the same step and the same failure.

mod common;
use common::*;
use std::net::Ipv4Addr;

const HEAD: &str = "version: 1\nname: LAB\nregion: ap-northeast-1\nvpc:\n  cidr: 10.19.0.0/16\n";

const PRIVATE: &str = "  subnets:\n    - { name: private-a, cidr: 10.19.1.0/24, availabilityZone: ap-northeast-1a, routeTable: private }\n  routeTables: [{ name: private }]\n  securityGroups:\n    - { name: all, ingress: [{ protocol: tcp, ports: 443, source: 10.19.0.0/16 }, { protocol: tcp, ports: 80, source: 10.19.0.0/16 }] }\n";

const NAT: &str = "  internetGateway: true\n  subnets:\n    - { name: public-a, cidr: 10.19.0.0/24, availabilityZone: ap-northeast-1a, routeTable: public }\n    - { name: private-a, cidr: 10.19.1.0/24, availabilityZone: ap-northeast-1a, routeTable: private }\n  routeTables:\n    - { name: public, routes: [{ destinationCidrBlock: 0.0.0.0/0, gateway: internet-gateway }] }\n    - { name: private, routes: [{ destinationCidrBlock: 0.0.0.0/0, natGateway: nat-a }] }\n  natGateways: [{ name: nat-a, subnet: public-a }]\n  securityGroups:\n    - { name: all, ingress: [{ protocol: tcp, ports: 443, source: 10.19.0.0/16 }, { protocol: tcp, ports: 80, source: 10.19.0.0/16 }] }\n";

const TAIL: &str = "instances: [{ name: ecs-1, subnet: private-a, securityGroups: [all] }]\ntaskDefinitions:\n  - family: app\n    networkMode: awsvpc\n    executionRoleArn: arn:aws:iam::123456789012:role/ecsTaskExecutionRole\n    containerDefinitions:\n      - name: app\n        image: 123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/app:1.0\n        portMappings: [{ containerPort: 80 }]\n        secrets: [{ name: DB_PASSWORD, valueFrom: \"arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:db\" }]\n        logConfiguration: { logDriver: awslogs, options: { awslogs-group: /ecs/app, awslogs-region: ap-northeast-1, awslogs-stream-prefix: ecs } }\ntasks:\n  - { name: app, taskDefinition: app, instance: ecs-1, networkConfiguration: { awsvpcConfiguration: { subnets: [private-a], securityGroups: [all] } } }\n";

/// The endpoints of the lesson, by name.
const ENDPOINTS: [(&str, &str); 5] = [
    (
        "secretsmanager",
        "    - { name: secretsmanager, service: secretsmanager, subnets: [private-a], securityGroups: [all] }\n",
    ),
    ("ecr-api", "    - { name: ecr-api, service: ecr.api, subnets: [private-a], securityGroups: [all] }\n"),
    ("ecr-dkr", "    - { name: ecr-dkr, service: ecr.dkr, subnets: [private-a], securityGroups: [all] }\n"),
    ("s3", "    - { name: s3, service: s3, type: Gateway, routeTables: [private] }\n"),
    ("logs", "    - { name: logs, service: logs, subnets: [private-a], securityGroups: [all] }\n"),
];

/// The scenario with every endpoint but `without`.
fn lesson(lab: &str, without: Option<&str>) -> String {
    let mut s = HEAD.replace("LAB", lab) + PRIVATE + "  vpcEndpoints:\n";
    for (name, text) in ENDPOINTS {
        if Some(name) != without {
            s.push_str(text);
        }
    }
    s + TAIL
}

/// The public address of an AWS service in every lab (198.18.i.10).
fn public(i: u8) -> Ipv4Addr {
    Ipv4Addr::new(198, 18, i, 10)
}

/// Up, the line `up` prints under the task, the reason the analyzer predicts, and the lab's
/// starts.json; the lab stays up for the caller (its guard removes it).
fn up(lab: &str, yaml: &str) -> (String, String) {
    let file = write_scenario(lab, yaml);
    let _ = ecsnet(&["down", lab]);
    let o = ecsnet(&["up", file.to_str().unwrap()]);
    assert!(o.status.success(), "up {lab}: {}", text(&o));
    let e = ecsnet(&["explain", file.to_str().unwrap(), "task/app", "--start", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&e.stdout).unwrap_or_else(|_| panic!("{}", text(&e)));
    (String::from_utf8_lossy(&o.stdout).into_owned(), v["result"]["reason"].as_str().unwrap_or("").to_string())
}

#[test]
fn each_missing_endpoint_fails_the_way_aws_fails() {
    need_root!();
    // (endpoint left out, ECS's error, what the reason names, the address dialled)
    let cases = [
        (
            "secretsmanager",
            "ResourceInitializationError",
            "https://secretsmanager.ap-northeast-1.amazonaws.com/",
            public(6),
        ),
        ("ecr-api", "CannotPullECRContainerError", "Post \"https://api.ecr.ap-northeast-1.amazonaws.com/\"", public(0)),
        (
            "ecr-dkr",
            "CannotPullContainerError",
            "Get \"https://123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/v2/\"",
            public(1),
        ),
        ("s3", "CannotPullContainerError", "error pulling image configuration", public(2)),
        ("logs", "CannotStartContainerError", "failed to create Cloudwatch log stream", public(3)),
    ];
    for (i, (without, error, names, ip)) in cases.iter().enumerate() {
        let lab = format!("t-start-{i}");
        let _g = LabGuard(lab.clone());
        let (out, predicted) = up(&lab, &lesson(&lab, Some(without)));
        let dial = format!("dial tcp {ip}:443: i/o timeout");
        assert!(out.contains(&format!("STOPPED: {error}: ")), "without {without}: {out}");
        assert!(out.contains(names) && out.contains(&dial), "without {without}: {out}");
        let starts = ecsnet::dataplane::state::load_starts(&lab);
        assert_eq!(starts.len(), 1, "{starts:?}");
        assert_eq!(starts[0].error.as_deref(), Some(*error));
        assert_eq!(starts[0].reason.as_deref(), Some(predicted.as_str()), "the analyzer predicts the same text");

        // ps: the task's container never ran; the reason is under the instance.
        let ps = text(&ecsnet(&["ps", &lab]));
        assert!(ps.contains("Created") && ps.contains(&format!("task/app STOPPED: {error}")), "{ps}");
        // The agent's introspection API on the instance: the task is STOPPED.
        let o = ecsnet(&["exec", &lab, "instance/ecs-1", "--", "curl", "-s", "http://127.0.0.1:51678/v1/tasks"]);
        let tasks = String::from_utf8_lossy(&o.stdout);
        assert!(tasks.contains("\"KnownStatus\":\"STOPPED\""), "{}", text(&o));
        // Nothing of the task listens: refused, as the analyzer says.
        let o = ecsnet(&["probe", &lab, "instance/ecs-1", "task/app:80"]);
        assert!(text(&o).contains("refused"), "{}", text(&o));
    }
}

#[test]
fn with_every_endpoint_or_a_nat_the_task_starts() {
    need_root!();
    for (lab, yaml) in
        [("t-start-all", lesson("t-start-all", None)), ("t-start-nat", HEAD.replace("LAB", "t-start-nat") + NAT + TAIL)]
    {
        let _g = LabGuard(lab.to_string());
        let (out, predicted) = up(lab, &yaml);
        assert!(!out.contains("STOPPED"), "{out}");
        assert_eq!(predicted, "", "the analyzer predicts a start");
        let starts = ecsnet::dataplane::state::load_starts(lab);
        assert!(starts.len() == 1 && starts[0].started, "{starts:?}");
        // The task runs: its responder answers, and its log stream exists in the lab's Logs.
        let o = ecsnet(&["probe", lab, "instance/ecs-1", "task/app:80"]);
        assert!(text(&o).contains("connected"), "{}", text(&o));
        let ps = text(&ecsnet(&["ps", lab]));
        assert!(!ps.contains("STOPPED") && ps.contains("Up "), "{ps}");
        // Through the endpoints or the NAT, the instance's agent joined the cluster too.
        if lab == "t-start-nat" {
            let r = ecsnet::dataplane::state::wait_registrations(lab, std::time::Duration::from_secs(8));
            let r = r.expect("the agent's registrations");
            assert!(r.len() == 1 && r[0].misses.is_empty() && r[0].container_instance_arn.is_some(), "{r:?}");
        }
    }
}

#[test]
fn each_instance_joins_its_cluster_on_packets_as_the_analyzer_says() {
    need_root!();
    let lab = "t-register";
    let file = scenario_copy("scenarios/19-ec2-control-plane.yaml", lab);
    let _ = ecsnet(&["down", lab]);
    let _g = LabGuard(lab.to_string());
    let o = ecsnet(&["up", file.to_str().unwrap()]);
    assert!(o.status.success(), "up: {}", text(&o));
    let seen =
        ecsnet::dataplane::state::wait_registrations(lab, std::time::Duration::from_secs(8)).expect("registrations");
    let model = ecsnet::analyze::control_plane::predicted(&ecsnet::dataplane::state::load_lab(lab).expect("lab"));
    assert_eq!(seen.len(), 2, "{seen:?}");
    for (m, s) in model.iter().zip(&seen) {
        assert!(ecsnet::analyze::control_plane::agree(m, s), "model {m:?}\npackets {s:?}");
    }
    // ecs-1 registered through the endpoints: ECS's ARN is the one its introspection API says.
    let arn = seen[0].container_instance_arn.clone().expect("ecs-1 registered");
    let meta = ecsnet(&["exec", lab, "instance/ecs-1", "--", "curl", "-s", "http://127.0.0.1:51678/v1/metadata"]);
    assert!(text(&meta).contains(&arn), "{arn}: {}", text(&meta));
    // ecs-2's group is not admitted: each service times out at its endpoint's private address.
    let misses: Vec<_> = seen[1].misses.iter().map(|m| (m.service.id(), m.failure.clone())).collect();
    let t = |d| ecsnet::model::pull::Failure::Timeout { ip: Ipv4Addr::new(10, 19, 1, d) };
    assert_eq!(misses, vec![("ecs", t(6)), ("ecs-agent", t(7)), ("ecs-telemetry", t(8))], "{seen:?}");
    // `ps` says so, in the agent's words, and its health check fails.
    let ps = text(&ecsnet(&["ps", lab, "--instance", "ecs-2"]));
    assert!(
        ps.contains("(unhealthy)")
            && ps.contains(
                "instance/ecs-2 ecs-agent: not connected to ECS (cannot reach ecs, ecs-agent, ecs-telemetry)"
            )
            && ps.contains("dial tcp 10.19.1.6:443: i/o timeout"),
        "{ps}"
    );
    let inspect = text(&ecsnet(&["inspect", lab, "instance/ecs-2"]));
    assert!(inspect.contains("\"Status\": \"unhealthy\""), "{inspect}");
    // The placements judged against the packets' registrations: no disagreement.
    let o = ecsnet(&["check", lab]);
    assert!(o.status.success() && !text(&o).contains("DISAGREES"), "{}", text(&o));
}

#[test]
fn an_instance_that_cannot_reach_the_control_plane_is_warned_about_or_left_without_tasks() {
    // Pure: `validate` needs no root.
    let body = |strict: &str| {
        format!(
            "{}{PRIVATE}{strict}instances: [{{ name: ecs-1, subnet: private-a, securityGroups: [all] }}]\ntaskDefinitions:\n  - {{ family: app, networkMode: host, containerDefinitions: [{{ name: app, image: nginx }}] }}\ntasks: [{{ name: app, taskDefinition: app, instance: ecs-1 }}]\nexpect:\n  - {{ task: app, placed: PLACED }}\n",
            HEAD.replace("LAB", "t-cp")
        )
    };
    let warn = write_scenario("t-cp-warn", &body("").replace("PLACED", "true"));
    let o = ecsnet(&["validate", warn.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("warning: instance/ecs-1 cannot reach the ECS control plane (ecs, ecs-agent, ecs-telemetry)")
            && err.contains("Unable to register as a container instance with ECS: ")
            && err.contains("dial tcp 198.18.8.10:443: i/o timeout"),
        "{err}"
    );
    let strict =
        write_scenario("t-cp-strict", &body("controlPlane: strict\n").replace("PLACED", "false, reason: MISSING"));
    let o = ecsnet(&["validate", strict.to_str().unwrap()]);
    assert!(o.status.success() && text(&o).contains("1 not placed"), "{}", text(&o));
    let e = ecsnet(&["explain", strict.to_str().unwrap(), "instance/ecs-1", "task/app:80"]);
    assert!(text(&e).contains("MISSING") && text(&e).contains("never registered"), "{}", text(&e));
    // The agent's side: each service it dials, the hop that drops it, what it logs.
    let e = ecsnet(&["explain", warn.to_str().unwrap(), "instance/ecs-1", "--start"]);
    assert!(!e.status.success(), "{}", text(&e));
    let out = text(&e);
    assert!(
        out.contains(
            "1. [FAIL] ecs RegisterContainerInstance, DiscoverPollEndpoint -> https://ecs.ap-northeast-1.amazonaws.com/"
        ) && out.contains("the agent logs: Error connecting to ACS: dial tcp 198.18.9.10:443: i/o timeout")
            && out.contains("not registered: on AWS this instance never runs a task"),
        "{out}"
    );
    for d in ["t-cp-warn", "t-cp-strict"] {
        let _ = std::fs::remove_dir_all(std::env::temp_dir().join(format!("ecsnet-test-{d}-{}", std::process::id())));
    }
}

#[test]
fn an_execution_role_without_ecr_permissions_stops_the_pull_at_the_token() {
    need_root!();
    let lab = "t-start-iam";
    // The execution role is declared with logs and secrets only: ECR's API refuses the token.
    let roles = "aws:\n  roles:\n    - roleName: ecsTaskExecutionRole\n      policies:\n        - policyName: no-ecr\n          policyDocument: |\n            { \"Version\": \"2012-10-17\", \"Statement\": [{ \"Effect\": \"Allow\", \"Action\": [\"logs:*\", \"secretsmanager:GetSecretValue\"], \"Resource\": \"*\" }] }\n";
    let yaml = lesson(lab, None) + roles;
    let _g = LabGuard(lab.to_string());
    let (out, predicted) = up(lab, &yaml);
    let starts = ecsnet::dataplane::state::load_starts(lab);
    let reason = starts.first().and_then(|r| r.reason.clone()).unwrap_or_default();
    assert!(
        reason.starts_with("CannotPullECRContainerError: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/ecsTaskExecutionRole/")
            && reason.contains("is not authorized to perform: ecr:GetAuthorizationToken on resource: * because no identity-based policy allows the ecr:GetAuthorizationToken action"),
        "{reason}\n{out}"
    );
    // The analyzer predicts the same refusal.
    assert_eq!(predicted, reason, "{out}");
}

#[test]
fn a_json_key_the_secret_lacks_stops_the_task_in_the_agent_s_words() {
    need_root!();
    let lab = "t-start-jsonkey";
    // The secret is a JSON object without `password`: Secrets Manager answers, the agent refuses.
    let secrets = "aws:\n  secrets:\n    - { name: db, value: '{\"username\":\"app\"}' }\n";
    let yaml = lesson(lab, None).replace(":secret:db\"", ":secret:db:password::\"");
    assert!(yaml.contains(":password::"), "{yaml}");
    let _g = LabGuard(lab.to_string());
    let (out, predicted) = up(lab, &(yaml + secrets));
    let starts = ecsnet::dataplane::state::load_starts(lab);
    let reason = starts.first().and_then(|r| r.reason.clone()).unwrap_or_default();
    assert_eq!(
        reason,
        "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): retrieved secret from Secrets Manager did not contain json key password",
        "{out}"
    );
    assert_eq!(predicted, reason, "{out}");
}

#[test]
fn an_image_in_another_account_s_registry_is_pulled_as_its_repository_policy_allows() {
    need_root!();
    // AWS's FireLens image lives in AWS's account 906394416424; its repository policy lets
    // every account pull it. Without that policy the pull is refused across accounts.
    let lab = "t-start-xacct";
    let image = "906394416424.dkr.ecr.ap-northeast-1.amazonaws.com/aws-for-fluent-bit:stable";
    let public = "      repositoryPolicyText: '{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Principal\": \"*\", \"Action\": [\"ecr:BatchGetImage\", \"ecr:GetDownloadUrlForLayer\"]}]}'\n";
    let repos = |policy: &str| {
        format!(
            "aws:\n  repositories:\n    - name: aws-for-fluent-bit\n      registryId: \"906394416424\"\n      images: [{{ tags: [stable] }}]\n{policy}"
        )
    };
    let yaml = lesson(lab, None).replace("123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/app:1.0", image);
    assert!(yaml.contains(image), "{yaml}");
    let _g = LabGuard(lab.to_string());
    let (out, predicted) = up(lab, &(yaml.clone() + &repos(public)));
    let starts = ecsnet::dataplane::state::load_starts(lab);
    assert!(starts.first().is_some_and(|r| r.started), "{starts:?}\n{out}");
    assert_eq!(predicted, "", "{out}");
    // The same repository without a policy: IAM's cross-account refusal, predicted alike.
    let _ = ecsnet(&["down", lab]);
    let (out, predicted) = up(lab, &(yaml + &repos("")));
    let starts = ecsnet::dataplane::state::load_starts(lab);
    let reason = starts.first().and_then(|r| r.reason.clone()).unwrap_or_default();
    assert!(
        reason.starts_with("CannotPullContainerError: ")
            && reason.contains("is not authorized to perform: ecr:BatchGetImage on resource: arn:aws:ecr:ap-northeast-1:906394416424:repository/aws-for-fluent-bit because no resource-based policy allows the ecr:BatchGetImage action"),
        "{reason}\n{out}"
    );
    assert_eq!(predicted, reason, "{out}");
}
