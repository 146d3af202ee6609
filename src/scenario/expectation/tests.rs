//! The new forms of `expect:` read from YAML: `http`, `icmp`, host port checks and
//! `expectViolated`, with the mistakes `validate` reports about them.

use super::super::{Diagnostic, Scenario, load_str};
use super::*;
use std::path::Path;

/// One instance, a bridge task (api: dynamic 5000/tcp and 5353/udp), an awsvpc task (web).
const LAB: &str = "\
version: 1
name: t
vpc:
  cidr: 10.0.0.0/16
  subnets: [{ name: a, cidr: 10.0.1.0/24 }]
instances: [{ name: ecs-1, subnet: a }]
taskDefinitions:
  - family: api
    containerDefinitions:
      - { name: api, image: x, portMappings: [{ containerPort: 5000 }, { containerPort: 5353, protocol: udp }] }
      - { name: side, image: x, portMappings: [{ containerPort: 5000 }] }
  - family: web
    networkMode: awsvpc
    containerDefinitions: [{ name: app, image: x, portMappings: [{ containerPort: 80 }] }]
tasks:
  - { name: api, taskDefinition: api, instance: ecs-1 }
  - { name: web, taskDefinition: web, instance: ecs-1, networkConfiguration: { awsvpcConfiguration: { subnets: [a] } } }
expect:
";

fn load(expect: &str) -> Result<Scenario, Vec<Diagnostic>> {
    load_str(Path::new("/nonexistent/t.yaml"), &format!("{LAB}{expect}")).map_err(|d| d.0)
}

fn one(expect: &str) -> ExpectKind {
    match load(expect) {
        Ok(s) => s.expect[0].kind.clone(),
        Err(d) => panic!("{expect}: {}", d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n")),
    }
}

/// The only diagnostic, which must contain `needle` (message or help).
#[track_caller]
fn refused(expect: &str, needle: &str) {
    let d = match load(expect) {
        Ok(_) => panic!("loaded: {expect}"),
        Err(d) => d,
    };
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(d[0].message.contains(needle) || d[0].help.contains(needle), "{}", d[0]);
}

#[test]
fn http_implies_the_protocol_and_carries_the_path() {
    let ExpectKind::Reach(r) = one(
        "  - { from: task/web, to: metadata, reachable: true, http: { path: /v4, status: 200, bodyContains: TaskARN } }\n",
    ) else {
        panic!()
    };
    assert_eq!((r.protocol, r.port, r.path.as_str()), (ProbeProto::Http, Some(80), "/v4"));
    assert_eq!(r.http, Some(HttpCheck { status: Some(200), body_contains: Some("TaskARN".into()), https: false }));
    assert_eq!(r.title(), "task/web -> metadata:80/http GET /v4");
    // `path` beside `http` still works.
    let ExpectKind::Reach(r) = one(
        "  - { from: task/web, to: task/api:5000, protocol: http, path: /health, http: { status: 404 }, reachable: true }\n",
    ) else {
        panic!()
    };
    assert_eq!((r.path.as_str(), r.http.and_then(|h| h.status)), ("/health", Some(404)));
}

#[test]
fn http_mistakes() {
    refused("  - { from: task/web, to: metadata, path: /a, http: { path: /b }, reachable: true }\n", "given twice");
    refused(
        "  - { from: task/web, to: task/api:5000, protocol: tcp, http: { status: 200 }, reachable: true }\n",
        "`protocol` is tcp",
    );
    refused(
        "  - { from: task/web, to: metadata, http: { status: 200 }, reachable: false }\n",
        "`http` needs `reachable: true`",
    );
    refused("  - { from: task/web, to: metadata, http: { status: 700 }, reachable: true }\n", "out of range");
    refused("  - { from: task/web, to: metadata, http: { path: v4 }, reachable: true }\n", "invalid HTTP path");
    refused("  - { from: task/web, to: metadata, http: { stauts: 200 }, reachable: true }\n", "did you mean `status`?");
}

#[test]
fn icmp_by_name_or_number() {
    let ExpectKind::Reach(r) = one("  - { from: task/web, to: task/api, icmp: echo-reply, reachable: true }\n") else {
        panic!()
    };
    assert_eq!((r.protocol, r.port, r.icmp), (ProbeProto::Icmp, None, Some(IcmpMessage { kind: 0, code: Some(0) })));
    let ExpectKind::Reach(r) =
        one("  - { from: task/web, to: task/api:7, protocol: udp, icmp: { type: 3, code: 3 }, reachable: false }\n")
    else {
        panic!()
    };
    assert_eq!((r.protocol, r.icmp), (ProbeProto::Udp, Some(IcmpMessage { kind: 3, code: Some(3) })));
    let ExpectKind::Reach(r) = one("  - { from: task/web, to: 10.9.9.9, icmp: { type: 3 }, reachable: false }\n")
    else {
        panic!()
    };
    assert_eq!(r.icmp, Some(IcmpMessage { kind: 3, code: None }));
}

#[test]
fn icmp_mistakes() {
    refused(
        "  - { from: task/web, to: task/api:5000, icmp: port-unreachable, reachable: false }\n",
        "icmp has no ports",
    );
    refused(
        "  - { from: task/web, to: task/api:5000, protocol: tcp, icmp: port-unreachable, reachable: false }\n",
        "not a tcp probe",
    );
    refused(
        "  - { from: task/web, to: task/api, icmp: echo-reply, reachable: false }\n",
        "contradicts `reachable: false`",
    );
    refused(
        "  - { from: task/web, to: task/api, icmp: host-unreachable, reachable: true }\n",
        "contradicts `reachable: true`",
    );
    refused(
        "  - { from: task/web, to: task/api:9, protocol: udp, icmp: echo-reply, reachable: true }\n",
        "only an icmp probe",
    );
    refused(
        "  - { from: task/web, to: task/api, icmp: port-unreachble, reachable: false }\n",
        "did you mean `port-unreachable`?",
    );
    refused(
        "  - { from: task/web, to: task/api, icmp: { code: 3 }, reachable: false }\n",
        "missing required field `type`",
    );
}

#[test]
fn host_port_checks() {
    let ExpectKind::HostPort(h) =
        one("  - { task: api, container: api, containerPort: 5353, protocol: udp, hostPort: 32769 }\n")
    else {
        panic!()
    };
    assert_eq!((h.container_port, h.protocol, h.host_port), (5353, Proto::Udp, 32769));
    assert_eq!(h.title(), "task/api/api:5353/udp hostPort: 32769");
    refused("  - { task: web, containerPort: 80, hostPort: 80 }\n", "networkMode=awsvpc");
    refused("  - { task: api, containerPort: 5353, hostPort: 32769 }\n", "has no port mapping");
    refused("  - { task: api, containerPort: 5000, hostPort: 32768 }\n", "several containers");
    refused("  - { task: api, container: apx, containerPort: 5000, hostPort: 32768 }\n", "did you mean `api`?");
    refused("  - { task: apj, container: api, containerPort: 5000, hostPort: 32768 }\n", "did you mean `api`?");
    refused(
        "  - { task: api, container: api, containerPort: 5000, placed: true, hostPort: 1 }\n",
        "unknown field `placed`",
    );
    refused("  - { task: api, container: api, containerPort: 5000 }\n", "missing required field `hostPort`");
}

#[test]
fn a_never_may_be_expected_violated() {
    let ExpectKind::Never(n) = one("  - never: { from: \"*\", to: task/web, expectViolated: true }\n") else {
        panic!()
    };
    assert!(n.expect_violated);
    let ExpectKind::Never(n) = one("  - never: { from: \"*\", to: task/web }\n") else { panic!() };
    assert!(!n.expect_violated);
    refused("  - never: { from: \"*\", to: task/web, expectViolated: \"yes\" }\n", "must be true or false");
}

/// `LAB` with a service `svc` of two api tasks, then `expect`.
fn with_service(expect: &str) -> Result<Scenario, Vec<Diagnostic>> {
    let lab =
        LAB.replace("expect:\n", "services: [{ serviceName: svc, taskDefinition: api, desiredCount: 2 }]\nexpect:\n");
    load_str(Path::new("/nonexistent/t.yaml"), &format!("{lab}{expect}")).map_err(|d| d.0)
}

#[test]
fn a_services_tasks_are_named_by_number() {
    let ok = "  - { task: svc-2, placed: true }\n  - { from: task/svc-1/side, to: task/api:5000, reachable: true }\n";
    assert!(with_service(ok).is_ok(), "{:?}", with_service(ok).err());
    let Err(d) = with_service("  - { task: svc-3, started: true }\n") else { panic!("svc-3 accepted") };
    assert!(d[0].message.contains("unknown task `svc-3`"), "{}", d[0]);
    let Err(d) = with_service("  - { from: task/svc-1/nope, to: task/api:5000, reachable: true }\n") else { panic!() };
    assert!(d[0].message.contains("has no container `nope`"), "{}", d[0]);
}

#[test]
fn a_service_state_check_reads_describe_services_fields() {
    let e = "  - { service: svc, runningCount: 2, spread: { us-east-1a: 2 }, event: steady }\n";
    let Ok(s) = with_service(e) else { panic!("{e}") };
    let ExpectKind::Service(st) = &s.expect[0].kind else { panic!() };
    assert_eq!((st.running_count, st.spread.clone()), (Some(2), vec![("us-east-1a".to_string(), 2)]));
    assert_eq!(st.event.as_deref(), Some("steady"));
    let Err(d) = with_service("  - { service: svc }\n") else { panic!() };
    assert!(d[0].message.contains("needs something to check"), "{}", d[0]);
    let Err(d) = with_service("  - { service: scv, runningCount: 1 }\n") else { panic!() };
    assert!(d[0].message.contains("unknown service `scv`") && d[0].help.contains("svc"), "{}", d[0]);
    let Err(d) = with_service("  - { service: svc, spread: { us-east-1a: two } }\n") else { panic!() };
    assert_eq!((d[0].loc.line, d[0].loc.col), (20, 43), "{}", d[0]);
    let Err(d) = with_service("  - { service: svc, runingCount: 1 }\n") else { panic!() };
    assert!(d[0].help.contains("runningCount"), "{}", d[0]);
}

#[test]
fn requests_take_a_served_by_set_and_https_a_scheme() {
    let ExpectKind::Reach(r) = one(
        "  - { from: task/api, to: task/web:80, reachable: true, http: { scheme: https }, requests: 3, servedBy: [task/web] }\n",
    ) else {
        panic!()
    };
    assert!(r.http.as_ref().is_some_and(|h| h.https));
    let s = r.spread.clone().expect("spread");
    assert_eq!((s.requests, s.served_by.len()), (3, 1));
    assert!(r.served_by.is_none());
    assert!(r.title().ends_with("/https GET / x3"), "{}", r.title());
    refused("  - { from: task/api, to: task/web:80, reachable: true, servedBy: [task/web] }\n", "needs `requests`");
    refused("  - { from: task/api, to: task/web:80, reachable: true, requests: 2 }\n", "needs `servedBy`");
    refused(
        "  - { from: task/api, to: task/web:80, reachable: true, requests: 101, servedBy: task/web }\n",
        "between 1 and 100",
    );
    refused(
        "  - { from: task/api, to: task/web:80, reachable: true, requests: 2, servedBy: [instance/ecs-1] }\n",
        "must name a task",
    );
    refused(
        "  - { from: task/api, to: task/web:80, reachable: false, requests: 2, servedBy: task/web }\n",
        "reachable: true",
    );
    refused("  - { from: task/api, to: task/web:80, reachable: true, http: { scheme: ftp } }\n", "ftp");
}

#[test]
fn a_service_spread_names_zones_the_scenario_has() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/26-fargate-service-alb.yaml");
    let text = std::fs::read_to_string(&p).unwrap();
    let bad = text.replace("ap-northeast-1c: 1 }", "ap-northeast-1d: 1 }");
    let d = load_str(&p, &bad).map(|_| ()).unwrap_err().0;
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(d[0].message.contains("`ap-northeast-1d`"), "{}", d[0]);
    assert!(d[0].help.contains("ap-northeast-1a, ap-northeast-1c"), "{}", d[0]);
}

#[test]
fn a_dns_name_is_a_destination_with_a_port() {
    let ExpectKind::Reach(r) = one("  - { from: task/web, to: \"API.Corp.Local:8080\", reachable: true }\n") else {
        panic!()
    };
    assert_eq!((r.to.value.clone(), r.port), (Node::Name("api.corp.local".into()), Some(8080)));
    assert_eq!(r.title(), "task/web -> api.corp.local:8080/tcp");
    refused("  - { from: api.corp.local, to: task/web:80, reachable: true }\n", "a DNS name is only a destination");
    refused("  - { from: task/web, to: api.corp.local, reachable: true }\n", "`to` needs a port");
    refused(
        "  - { from: task/web, to: \"api.corp.local:80\", reachable: true, sourceSeenAs: web.corp.local }\n",
        "not the DNS name `web.corp.local`",
    );
    refused(
        "  - { from: task/web, to: \"api.corp.local:80\", via: hostPort, reachable: true }\n",
        "`via` is only used",
    );
}
