//! A task's start on the model: each call the ECS agent makes before the containers run
//! ([`crate::model::pull`]), from the instance: the name it asks the instance's resolver, the
//! path of its HTTPS connection, and what the lab's AWS answers. The first call that fails
//! stops the task with ECS's error, whose dial address says where it went: a public address
//! (no endpoint, or private DNS off) or an endpoint's private one (its security group).

use super::resolver::NameAnalysis;
use super::{Analysis, analyze};
use crate::model::Lab;
use crate::model::pull::{self, Failure, HTTPS_PORT, StartResult, Step};
use crate::scenario::{Node, Outcome, ProbeProto};
use std::net::Ipv4Addr;

/// One call, as far as it went.
#[derive(Clone, Debug)]
pub struct StepAnalysis {
    pub step: Step,
    /// The name it dials.
    pub host: String,
    pub name: NameAnalysis,
    /// The address it connects to (the first the resolver gave).
    pub ip: Option<Ipv4Addr>,
    pub path: Option<Analysis>,
    pub failure: Option<Failure>,
}

/// A task's start: the calls up to the first that fails.
#[derive(Clone, Debug)]
pub struct StartAnalysis {
    /// Where the calls leave from.
    pub from: Node,
    pub role_arn: String,
    pub steps: Vec<StepAnalysis>,
    pub result: StartResult,
}

/// The start of task `ti`, or None when it needs nothing from AWS (or was not placed).
pub fn analyze_start(lab: &Lab, ti: usize) -> Option<StartAnalysis> {
    let start = lab.start_of(ti)?;
    let t = &lab.tasks[ti];
    // EC2: the agent calls from its instance; Fargate 1.4.0: from the task ENI.
    let from = match t.instance() {
        Some(ii) => Node::instance(&lab.instances[ii].name),
        None => Node::task(&t.name),
    };
    let mut steps: Vec<StepAnalysis> = vec![];
    let mut result = StartResult::started(&t.name);
    for (i, step) in start.steps.iter().enumerate() {
        let s = analyze_step(lab, (&from, start), step, &steps);
        let failed = s.failure.clone();
        steps.push(s);
        if let Some(f) = failed {
            result = StartResult::stopped(lab, start, i, f);
            break;
        }
    }
    Some(StartAnalysis { from, role_arn: start.role_arn.clone(), steps, result })
}

/// Whether task `name` starts, as the model predicts.
pub fn predicted(lab: &Lab, name: &str) -> StartResult {
    let Some(ti) = lab.tasks.iter().position(|t| t.name == name) else { return StartResult::started(name) };
    analyze_start(lab, ti).map_or_else(|| StartResult::started(name), |a| a.result)
}

/// A flow served by a container of a task that did not start is refused instead: nothing of
/// the task listens (its namespace stays, so the kernel answers with a reset).
pub(super) fn not_started(lab: &Lab, a: Analysis) -> Analysis {
    let Some(task) = a.served_by.as_ref().and_then(|n| n.task_name()) else { return a };
    let Some(ti) = lab.tasks.iter().position(|t| t.name == task) else { return a };
    if lab.start_of(ti).is_none() {
        return a;
    }
    let r = predicted(lab, task);
    let Some(reason) = r.reason.filter(|_| !r.started) else { return a };
    Analysis {
        outcome: Some(Outcome::Refused),
        code: Some(super::Reason::TaskNotStarted),
        explanation: format!("task/{task} did not start: {}", reason.replace('\n', " ")),
        served_by: None,
        source_seen: None,
        http_status: None,
        ..a
    }
}

fn analyze_step(
    lab: &Lab,
    (from, start): (&Node, &crate::model::pull::TaskStart),
    step: &Step,
    done: &[StepAnalysis],
) -> StepAnalysis {
    let d = dial(lab, from, &step.host(&lab.region));
    let failure = match (&d.failure, &d.path) {
        (None, Some(p)) => denied(lab, start, step, via(step, p, done)).or_else(|| pull::data_failure(&lab.aws, step)),
        (f, _) => f.clone(),
    };
    StepAnalysis { step: step.clone(), host: d.host, name: d.name, ip: d.ip, path: d.path, failure }
}

/// The endpoint a step's calls come to: its own path's; for the layers, the registry's (the
/// manifest's path for the same image), where the token's holder is authorized.
fn via<'a>(step: &Step, path: &'a Analysis, done: &'a [StepAnalysis]) -> Option<&'a str> {
    let endpoint = |a: &'a Analysis| match &a.served_by {
        Some(Node::Endpoint(e)) => Some(e.as_str()),
        _ => None,
    };
    let Step::Layers { container, repository, .. } = step else { return endpoint(path) };
    let manifest = done.iter().rev().find(
        |s| matches!(&s.step, Step::Manifest { container: c, repository: r, .. } if c == container && r == repository),
    );
    manifest.and_then(|m| m.path.as_ref()).and_then(endpoint)
}

/// IAM's answer to a step's calls, signed as the start's role session (the registry's, as the
/// holder of the token that session got), through the endpoint `via`: each door evaluates the
/// same ([`Step::iam_calls`]). The registry's denial is its 403 `DENIED`, the others' their 400
/// `AccessDeniedException`.
fn denied(lab: &Lab, start: &crate::model::pull::TaskStart, step: &Step, via: Option<&str>) -> Option<Failure> {
    let t = &lab.tasks[start.task];
    let role = start.role_arn.rsplit('/').next().unwrap_or(&start.role_arn);
    let session = match t.instance() {
        Some(ii) if !start.execution_role => lab.instances[ii].id.clone(),
        _ => t.id.clone(),
    };
    let arn = format!("arn:aws:sts::{}:assumed-role/{role}/{session}", crate::model::ACCOUNT);
    for (action, resource) in step.iam_calls(&lab.aws, &lab.region) {
        let d = super::role::decide(lab, (&arn, role), &action, &resource, via);
        if d.allowed {
            continue;
        }
        let message = super::iam::denial_message(super::iam::ServiceStyle::Json, &d, &arn, &action, &resource);
        let (status, code) = match step {
            Step::Manifest { .. } | Step::Layers { .. } => (403, "DENIED"),
            _ => (400, "AccessDeniedException"),
        };
        return Some(Failure::Api { status, code: code.into(), message });
    }
    None
}

/// An HTTPS connection to `host` from `from`, as an SDK makes it: the name asked of `from`'s
/// resolver, then TCP to the first address on 443. `failure` is None when an AWS endpoint
/// answered (what it answers is the caller's).
#[derive(Clone, Debug)]
pub struct Dial {
    pub host: String,
    pub name: NameAnalysis,
    pub ip: Option<Ipv4Addr>,
    pub path: Option<Analysis>,
    pub failure: Option<Failure>,
}

pub fn dial(lab: &Lab, from: &Node, host: &str) -> Dial {
    // An AWS endpoint's name: the lab's zones with its Cloud Map namespaces (a private hosted
    // zone holds every name under it) but none of their tasks, whose registration depends on
    // which tasks started, which this decides.
    let mut zones = crate::model::dns::zones(lab);
    zones.records.extend(crate::model::service_discovery::records(lab, &|_| false));
    let name = super::resolver::ask(lab, &zones, from, host, None);
    let mut d = Dial { host: host.to_string(), ip: None, path: None, failure: None, name };
    let server = d.name.server.unwrap_or(Ipv4Addr::UNSPECIFIED);
    let ip = match &d.name.answer {
        Some(a) => match a.addrs.first() {
            Some(ip) => *ip,
            None => {
                d.failure = Some(Failure::Lookup { server, timeout: false });
                return d;
            }
        },
        None => {
            d.failure = Some(Failure::Lookup { server, timeout: true });
            return d;
        }
    };
    d.ip = Some(ip);
    let path = analyze(lab, from, &Node::Ip(ip), Some(HTTPS_PORT), ProbeProto::Tcp, None);
    d.failure = match (&path.outcome, &path.served_by) {
        (Some(Outcome::Connected), Some(Node::Aws(_) | Node::Endpoint(_))) => None,
        (Some(Outcome::Connected), who) => Some(Failure::Other {
            text: format!(
                "{} answers {ip}:{HTTPS_PORT}, which is not an AWS endpoint",
                who.clone().unwrap_or(Node::Ip(ip))
            ),
        }),
        (Some(Outcome::Refused), _) => Some(Failure::Refused { ip }),
        _ => Some(Failure::Timeout { ip }),
    };
    d.path = Some(path);
    d
}

/// Whether the model's start and the packets' agree: both started, or both stopped at the
/// same step in the same way (not the same wording).
pub fn agree(model: &StartResult, seen: &StartResult) -> bool {
    match (&model.failure, &seen.failure) {
        (None, None) => model.started == seen.started,
        (Some(a), Some(b)) => model.step == seen.step && same_kind(a, b),
        _ => false,
    }
}

/// The same kind of failure: the way it failed, not the wording.
pub fn same_kind(a: &Failure, b: &Failure) -> bool {
    a.same_kind(b)
}

/// A start in lines, for `explain`: each call, its path, and where it stopped.
pub fn render_start(lab: &Lab, task: &str, a: &StartAnalysis) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(s, "task/{task} starts on {} (the ECS agent's calls, signed as {}):", a.from, a.role_arn);
    for (i, st) in a.steps.iter().enumerate() {
        let mark = if st.failure.is_some() { "FAIL" } else { "ok" };
        let _ = writeln!(s, "  {}. [{mark}] {} -> https://{}/", i + 1, st.step.describe(), st.host);
        let _ = writeln!(s, "       name: {}", st.name.why);
        if let (Some(ip), Some(p)) = (st.ip, &st.path) {
            let outcome = p.outcome.map(|o| o.to_string()).unwrap_or_else(|| "?".into());
            let code = p.code.map(|c| format!(" ({c})")).unwrap_or_default();
            let _ = writeln!(s, "       {ip}:{HTTPS_PORT}/tcp: {outcome}{code}: {}", p.explanation);
            if st.failure.is_some() && p.outcome != Some(Outcome::Connected) {
                for step in &p.steps {
                    let _ = writeln!(s, "         - {}: {}", step.component, step.decision);
                }
            }
        }
        if let Some(Failure::Api { status, code, message }) = &st.failure {
            let _ = writeln!(s, "       the service answers HTTP {status} {code}: {message}");
        }
    }
    match (&a.result.error, &a.result.reason) {
        (Some(_), Some(reason)) => {
            let _ = writeln!(s, "STOPPED: {}", reason.replace('\n', " "));
            let h = hint(lab, a);
            if !h.is_empty() {
                let _ = writeln!(s, "{h}");
            }
        }
        _ => {
            let _ = writeln!(s, "started: every call succeeded");
        }
    }
    s
}

/// What the failed call's address teaches.
fn hint(lab: &Lab, a: &StartAnalysis) -> String {
    let Some(st) = a.steps.last() else { return String::new() };
    let service = st.step.service();
    match (&st.failure, st.ip) {
        (Some(Failure::Timeout { .. }), Some(ip)) if crate::scenario::aws_service::in_aws_public(ip) => format!(
            "{ip} is {service}'s public address: the instance's subnet has no way out to it (no NAT gateway or public IP) and no VPC endpoint with private DNS for {}",
            st.host
        ),
        (Some(Failure::Timeout { .. }), Some(ip)) => format!(
            "{} is a private address: the name resolves to the endpoint, so the endpoint's security group or a network ACL drops the connection",
            super::walk::who(lab, ip)
        ),
        (Some(Failure::Lookup { .. }), _) => "the name does not resolve from the instance".to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testing::lab_from_str;

    const BASE: &str = "version: 1\nname: pl\nregion: ap-northeast-1\nvpc:\n  cidr: 10.17.0.0/16\n  subnets:\n    - { name: a, cidr: 10.17.1.0/24, availabilityZone: ap-northeast-1a, routeTable: private }\n  routeTables: [{ name: private }]\n  securityGroups:\n    - { name: all, ingress: [{ protocol: tcp, ports: 443, source: 10.17.0.0/16 }] }\n";
    const TASKS: &str = "instances: [{ name: i, subnet: a, securityGroups: [all] }]\ntaskDefinitions:\n  - family: app\n    networkMode: awsvpc\n    containerDefinitions:\n      - name: app\n        image: 123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/app:1.0\n        logConfiguration: { logDriver: awslogs, options: { awslogs-group: /ecs/app, awslogs-region: ap-northeast-1, awslogs-stream-prefix: ecs } }\ntasks:\n  - { name: app, taskDefinition: app, instance: i, networkConfiguration: { awsvpcConfiguration: { subnets: [a], securityGroups: [all] } } }\n";

    fn lab(endpoints: &str) -> Lab {
        lab_from_str("pl.yaml", &format!("{BASE}{endpoints}{TASKS}"))
    }

    #[test]
    fn without_a_way_out_the_token_call_times_out_on_the_public_address() {
        let l = lab("");
        let r = predicted(&l, "app");
        assert!(!r.started);
        assert_eq!(r.error.as_deref(), Some("CannotPullECRContainerError"));
        assert_eq!(
            r.failure,
            Some(Failure::Timeout { ip: crate::scenario::aws_service::AwsService::EcrApi.public_ip() })
        );
    }

    #[test]
    fn each_endpoint_moves_the_failure_one_step_on() {
        let api = "  vpcEndpoints:\n    - { name: api, service: ecr.api, subnets: [a], securityGroups: [all] }\n";
        let r = predicted(&lab(api), "app");
        assert_eq!(r.error.as_deref(), Some("CannotPullContainerError"), "{r:?}");
        assert!(r.reason.as_deref().unwrap_or("").contains("dkr.ecr"), "{r:?}");
        let dkr = format!("{api}    - {{ name: dkr, service: ecr.dkr, subnets: [a], securityGroups: [all] }}\n");
        let r = predicted(&lab(&dkr), "app");
        assert!(r.reason.as_deref().unwrap_or("").contains("error pulling image configuration"), "{r:?}");
        let s3 = format!("{dkr}    - {{ name: s3, service: s3, type: Gateway, routeTables: [private] }}\n");
        let r = predicted(&lab(&s3), "app");
        assert_eq!(r.error.as_deref(), Some("CannotStartContainerError"), "{r:?}");
        let logs = format!("{s3}    - {{ name: logs, service: logs, subnets: [a], securityGroups: [all] }}\n");
        let r = predicted(&lab(&logs), "app");
        assert!(r.started, "{r:?}");
        // The implicit AWS data: the image and the log group the task names exist.
        let l = lab(&logs);
        assert_eq!(l.aws.repositories[0].name, "app");
        assert_eq!(l.aws.log_groups[0].name, "/ecs/app");
    }

    #[test]
    fn an_endpoint_its_group_does_not_admit_fails_on_a_private_address() {
        let api = "  vpcEndpoints:\n    - { name: api, service: ecr.api, subnets: [a] }\n";
        let l = lab(api);
        let r = predicted(&l, "app");
        let Some(Failure::Timeout { ip }) = r.failure else { panic!("{r:?}") };
        assert!(!crate::scenario::aws_service::in_aws_public(ip), "{ip}");
        let a = analyze_start(&l, 0).unwrap();
        assert!(render_start(&l, "app", &a).contains("private address"));
    }

    #[test]
    fn every_call_of_a_start_meets_iam_as_the_doors_evaluate_it() {
        let eps = "  vpcEndpoints:\n    - { name: api, service: ecr.api, subnets: [a], securityGroups: [all] }\n    - { name: dkr, service: ecr.dkr, subnets: [a], securityGroups: [all] }\n    - { name: s3, service: s3, type: Gateway, routeTables: [private] }\n    - { name: logs, service: logs, subnets: [a], securityGroups: [all] }\n    - { name: sm, service: secretsmanager, subnets: [a], securityGroups: [all] }\n";
        let tasks = TASKS
            .replace("    networkMode: awsvpc\n", "    networkMode: awsvpc\n    executionRoleArn: arn:aws:iam::123456789012:role/exec\n")
            .replace(
                "        logConfiguration:",
                "        secrets: [{ name: DB, valueFrom: 'arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:db' }]\n        logConfiguration:",
            );
        let aws = |grant: &str, repo_policy: &str| {
            format!(
                "aws:\n  repositories:\n    - name: app\n      images: [{{ tags: ['1.0'] }}]\n{repo_policy}  logGroups: [/ecs/app]\n  secrets: [{{ name: db, value: pw }}]\n  roles:\n    - roleName: exec\n      managedPolicyArns: [arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy]\n{grant}"
            )
        };
        let run = |a: String| predicted(&lab_from_str("pl.yaml", &format!("{BASE}{eps}{a}{tasks}")), "app");
        // ECS's managed execution policy reads images and writes logs, but no secret.
        let r = run(aws("", ""));
        let id = lab_from_str("pl.yaml", &format!("{BASE}{eps}{}{tasks}", aws("", ""))).tasks[0].id.clone();
        let session = format!("arn:aws:sts::123456789012:assumed-role/exec/{id}");
        let arn = crate::scenario::aws::secret_arn("ap-northeast-1", "123456789012", "db");
        assert_eq!(
            r.reason.as_deref(),
            Some(format!("ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:db from secrets manager: AccessDeniedException: User: {session} is not authorized to perform: secretsmanager:GetSecretValue on resource: {arn} because no identity-based policy allows the secretsmanager:GetSecretValue action").as_str()),
            "{r:?}"
        );
        // Allowed the secret, the pull meets the repository's Deny at the registry.
        let grant = "      policies:\n        - policyName: secret\n          policyDocument: '{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"secretsmanager:GetSecretValue\", \"Resource\": \"*\"}]}'\n";
        let deny = "      repositoryPolicyText: '{\"Statement\": [{\"Effect\": \"Deny\", \"Principal\": {\"AWS\": \"arn:aws:iam::123456789012:role/exec\"}, \"Action\": \"ecr:BatchGetImage\"}]}'\n";
        let r = run(aws(grant, deny));
        assert_eq!(r.error.as_deref(), Some("CannotPullContainerError"), "{r:?}");
        assert_eq!(
            r.reason.as_deref(),
            Some(format!("CannotPullContainerError: Error response from daemon: pull access denied for 123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/app, repository does not exist or may require 'docker login': denied: User: {session} is not authorized to perform: ecr:BatchGetImage on resource: arn:aws:ecr:ap-northeast-1:123456789012:repository/app with an explicit deny in a resource-based policy").as_str())
        );
        assert!(matches!(r.failure, Some(Failure::Api { status: 403, ref code, .. }) if code == "DENIED"), "{r:?}");
        assert!(run(aws(grant, "")).started);
    }
}
