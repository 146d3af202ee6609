//! Issue 12, item 8: the expectation forms users asked for, on a real lab (root). `http`
//! (status and body, the metadata endpoint's and a responder's answers), `icmp` (an echo reply,
//! a udp probe's port unreachable), host port checks and `never` with `expectViolated`: each
//! once as it holds and once as it does not, with the detail a user reads.

mod common;
use common::*;

const SCENARIO: &str = r#"version: 1
name: t-expect-forms
vpc:
  cidr: 10.61.0.0/16
  subnets: [{ name: a, cidr: 10.61.1.0/24 }]
  securityGroups:
    - name: web
      ingress:
        - { protocol: tcp, ports: 80, source: 10.61.0.0/16 }
        - { protocol: udp, ports: 54, source: 10.61.0.0/16 }
        - { protocol: icmp, source: 10.61.0.0/16 }
instances: [{ name: i, subnet: a }]
taskDefinitions:
  - family: web
    networkMode: awsvpc
    containerDefinitions: [{ name: app, image: x, portMappings: [{ containerPort: 80 }] }]
  - family: api
    containerDefinitions:
      - { name: api, image: x, portMappings: [{ containerPort: 5000 }, { containerPort: 5353, protocol: udp }] }
tasks:
  - { name: web, taskDefinition: web, instance: i, networkConfiguration: { awsvpcConfiguration: { subnets: [a], securityGroups: [web] } } }
  - { name: api, taskDefinition: api, instance: i }
expect:
  # Each form as it holds...
  - { from: task/web, to: metadata, http: { path: /v2/metadata, status: 200, bodyContains: '"Family":"web"' }, reachable: true }
  - { from: task/web, to: metadata, http: { path: /v4/nope, status: 404 }, reachable: true }
  - { from: instance/i, to: task/web:80, http: { status: 200, bodyContains: '"node":"task/web/app"' }, reachable: true }
  - { from: instance/i, to: task/web, icmp: echo-reply, reachable: true }
  - { from: instance/i, to: task/web:54, protocol: udp, icmp: { type: 3, code: 3 }, reachable: false, result: refused }
  - { task: api, containerPort: 5000, hostPort: 32768 }
  - { task: api, container: api, containerPort: 5353, protocol: udp, hostPort: 32769 }
  - never: { from: "instance/*", to: task/web, expectViolated: true }
  # ...and as it does not.
  - { from: task/web, to: metadata, http: { path: /v2/metadata, status: 500, bodyContains: nope }, reachable: true }
  - { from: instance/i, to: task/web:54, protocol: udp, icmp: host-unreachable, reachable: false }
  - { task: api, containerPort: 5353, protocol: udp, hostPort: 32768 }
  - never: { from: task/api, to: task/web, protocol: udp, expectViolated: true }
"#;

#[test]
fn the_new_expectation_forms_hold_and_fail_with_clear_details() {
    need_root!();
    let lab = "t-expect-forms";
    let file = write_scenario(lab, SCENARIO);
    let _g = LabGuard(lab.into());
    let o = ecsnet(&["test", file.to_str().unwrap(), "--json"]);
    // Some expectations fail on purpose.
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let reports: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON report");
    let verdicts = reports[0]["verdicts"].as_array().expect("verdicts").clone();
    assert_eq!(verdicts.len(), 12, "{reports:#}");
    let want: [(bool, &str, &str); 12] = [
        (true, "task/web -> metadata:80/http GET /v2/metadata", r#"HTTP 200, body contains "\"Family\":\"web\"""#),
        (true, "task/web -> metadata:80/http GET /v4/nope", "HTTP 404"),
        (true, "instance/i -> task/web:80/http GET /", r#"; HTTP 200, body contains "\"node\":\"task/web/app\"""#),
        (true, "instance/i -> task/web/icmp", "echo reply from 10.61.1."),
        (true, "instance/i -> task/web:54/udp", "ECONNREFUSED (ICMP port unreachable)"),
        (true, "task/api:5000/tcp hostPort: 32768", "task/api/api 5000/tcp is published on instance/i:32768"),
        (true, "task/api/api:5353/udp hostPort: 32769", "task/api/api 5353/udp is published on instance/i:32769"),
        (
            true,
            "never instance/* -> task/web, expected violated",
            "1 of 1 flows connect, as expected: instance/i -> task/web:80/tcp",
        ),
        (
            false,
            "task/web -> metadata:80/http GET /v2/metadata",
            r#"HTTP status 200, expected 500; the body does not contain "nope" (it begins "{\"Cluster\":"#,
        ),
        (
            false,
            "instance/i -> task/web:54/udp",
            "got ICMP port-unreachable (type 3 code 3), expected host-unreachable (type 3 code 1)",
        ),
        (
            false,
            "task/api:5353/udp hostPort: 32768",
            "task/api/api 5353/udp is published on instance/i:32769, expected host port 32768",
        ),
        (
            false,
            "never task/api -> task/web, expected violated",
            "1 flows checked, none connects; expected at least one to",
        ),
    ];
    for (v, (pass, title, detail)) in verdicts.iter().zip(want) {
        let got_detail = v["detail"].as_str().unwrap_or_default();
        assert_eq!(v["title"], title, "{v:#}");
        assert_eq!(v["pass"], pass, "{title}: {got_detail}");
        assert!(got_detail.contains(detail), "{title}: {got_detail:?} lacks {detail:?}");
        assert_eq!(v["mismatch"], false, "{title}: {got_detail}");
    }
    assert_eq!(leftovers(lab), Vec::<String>::new());
}
