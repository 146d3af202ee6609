//! Issue 18, item 3: a blocked probe ends as soon as its packet is seen dropped at the rule the
//! analyzer named (the router's and the internet gateway's logged drops), instead of waiting
//! out its timeout; anything not seen so stays on the timeout. Every blocked check here has a
//! 3 s timeout: ended early, it takes milliseconds.

mod common;
use common::*;

const SCENARIO: &str = r#"version: 1
name: t-droplog
vpc:
  cidr: 10.81.0.0/16
  internetGateway: true
  subnets:
    - { name: client, cidr: 10.81.0.0/24, routeTable: out }
    - { name: trap, cidr: 10.81.1.0/24 }
    - { name: fixed, cidr: 10.81.2.0/24 }
  routeTables: [{ name: out, routes: [{ destinationCidrBlock: 0.0.0.0/0, gateway: internet-gateway }] }]
  securityGroups:
    - name: web
      ingress: [{ protocol: tcp, ports: 80, source: 10.81.0.0/24 }]
    - name: locked
      ingress: [{ protocol: tcp, ports: 80, source: 10.81.0.0/24 }]
      egress: [{ protocol: tcp, ports: 443, destination: 10.81.9.0/24 }]
  networkAcls:
    - name: trap-acl
      subnets: [trap]
      ingress:
        - { ruleNumber: 100, protocol: tcp, ports: 80, cidrBlock: 0.0.0.0/0, ruleAction: allow }
      egress:
        - { ruleNumber: 100, protocol: tcp, ports: 80, cidrBlock: 0.0.0.0/0, ruleAction: allow }
    - name: fixed-acl
      subnets: [fixed]
      ingress:
        - { ruleNumber: 90, protocol: tcp, ports: 80, cidrBlock: 10.81.0.5/32, ruleAction: deny }
        - { ruleNumber: 100, protocol: all, cidrBlock: 0.0.0.0/0, ruleAction: allow }
      egress:
        - { ruleNumber: 100, protocol: all, cidrBlock: 0.0.0.0/0, ruleAction: allow }
internet:
  hosts: [{ name: api, ip: 198.51.100.80, listen: [443/tcp] }]
instances:
  - { name: a, subnet: client, privateIp: 10.81.0.5 }
  - { name: b, subnet: client, privateIp: 10.81.0.6 }
  - { name: c, subnet: client, privateIp: 10.81.0.7 }
taskDefinitions:
  - family: vpc
    networkMode: awsvpc
    containerDefinitions: [{ name: web, image: x, portMappings: [{ containerPort: 80 }, { containerPort: 81 }] }]
  - family: br
    containerDefinitions: [{ name: web, image: x, portMappings: [{ containerPort: 80, hostPort: 8080 }] }]
  - family: dns
    networkMode: awsvpc
    containerDefinitions: [{ name: dns, image: x, portMappings: [{ containerPort: 53, protocol: udp }] }]
tasks:
  - { name: web, taskDefinition: vpc, instance: a, networkConfiguration: { awsvpcConfiguration: { subnets: [client], securityGroups: [web] } } }
  - { name: locked, taskDefinition: vpc, instance: a, networkConfiguration: { awsvpcConfiguration: { subnets: [client], securityGroups: [locked] } } }
  - { name: trapped, taskDefinition: vpc, instance: b, networkConfiguration: { awsvpcConfiguration: { subnets: [trap], securityGroups: [web] } } }
  - { name: fixed, taskDefinition: vpc, instance: b, networkConfiguration: { awsvpcConfiguration: { subnets: [fixed], securityGroups: [web] } } }
  - { name: bridged, taskDefinition: br, instance: b }
  - { name: dns, taskDefinition: dns, instance: c, networkConfiguration: { awsvpcConfiguration: { subnets: [client], securityGroups: [web] } } }
expect:
  # Answered: the watch never ends a probe that is not dropped.
  - { from: instance/a, to: task/web:80, reachable: true, timeoutMs: 3000 }
  - { from: instance/b, to: task/fixed:80, reachable: true, timeoutMs: 3000 }
  # A security group's ingress (port, then source), and its egress.
  - { from: instance/a, to: task/web:81, reachable: false, result: timeout, reason: ENI_SG_RULES_MISMATCH, timeoutMs: 3000 }
  - { from: task/locked, to: task/web:80, reachable: false, result: timeout, reason: ENI_SG_RULES_MISMATCH, timeoutMs: 3000 }
  # A bridge-mode task leaves masqueraded as its instance.
  - { from: task/bridged, to: task/locked:81, reachable: false, result: timeout, reason: ENI_SG_RULES_MISMATCH, timeoutMs: 3000 }
  # UDP.
  - { from: task/locked, to: task/dns:53, protocol: udp, reachable: false, result: timeout, reason: ENI_SG_RULES_MISMATCH, timeoutMs: 3000 }
  # A network ACL: a numbered deny, and the reply caught by the implicit deny (ephemeral ports).
  - { from: instance/a, to: task/fixed:80, reachable: false, result: timeout, reason: SUBNET_ACL_RESTRICTION, timeoutMs: 3000 }
  - { from: instance/a, to: task/trapped:80, reachable: false, result: timeout, reason: SUBNET_ACL_RESTRICTION, timeoutMs: 3000 }
  # The internet gateway: no public IP either way.
  - { from: internet, to: task/web:80, reachable: false, result: timeout, timeoutMs: 3000 }
  - { from: instance/a, to: internet/api:443, reachable: false, result: timeout, timeoutMs: 3000 }
  - never: { from: "task/locked", to: "task/*" }
"#;

#[test]
fn blocked_probes_end_when_their_packet_is_seen_dropped() {
    need_root!();
    let file = write_scenario("t-droplog", SCENARIO);
    let o = ecsnet(&["test", "--json", file.to_str().unwrap()]);
    let t = text(&o);
    assert!(leftovers("t-droplog").is_empty(), "{:?}", leftovers("t-droplog"));
    assert!(o.status.success(), "{t}");
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect(&t);
    let results: Vec<&serde_json::Value> = json[0]["verdicts"].as_array().expect(&t).iter().collect();
    assert_eq!(results.len(), 11, "{t}");
    for r in &results {
        let (title, detail) = (r["title"].as_str().unwrap_or(""), r["detail"].as_str().unwrap_or(""));
        let ms = r["elapsed_ms"].as_f64().unwrap_or(f64::MAX);
        assert_eq!(r["pass"], true, "{title}: {r}");
        if r["outcome"] == "timeout" {
            assert!(detail.contains("dropped by `ecsnet "), "{title}: not seen dropped: {detail}");
            assert!(ms < 1000.0, "{title}: took {ms} ms");
        }
    }
    // The never check's 2 blocked flows (81 and the other task's port) end early too.
    let never = results.iter().find(|r| r["title"].as_str().is_some_and(|t| t.starts_with("never"))).unwrap();
    assert!(never["elapsed_ms"].as_f64().unwrap_or(f64::MAX) < 1000.0, "{never}");
}
