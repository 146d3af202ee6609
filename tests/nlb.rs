//! Network load balancers on real packets (root), scenario 27 and two variants of it: TCP to
//! `ip` targets (the task sees the node's private address), TCP to `instance` targets and UDP
//! (the target sees the client's own address, the reply still returning through the node), a
//! target group whose instance admits only the VPC's CIDR (the client is blocked, the analyzer
//! names the group, the health checks from the nodes still pass), and a load balancer with a
//! security group that the instance's group names (it admits the preserved clients). Each
//! `ecsnet test` also checks that the analyzer predicted every packet's fate.

mod common;
use common::*;

const SCENARIO: &str = "scenarios/27-nlb.yaml";

fn source() -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SCENARIO)).expect("scenario 27")
}

/// `ecsnet test FILE` passes every expectation (packets and analyzer agree).
#[track_caller]
fn passes(lab: &str, file: &std::path::Path, count: &str) {
    let _ = ecsnet(&["down", lab]);
    let _g = LabGuard(lab.to_string());
    let o = ecsnet(&["test", file.to_str().unwrap()]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains(&format!("{count} passed, 0 failed")), "{out}");
    assert!(!out.contains("MODEL/DATAPLANE MISMATCH"), "{out}");
    assert!(leftovers(lab).is_empty(), "{:?}", leftovers(lab));
}

#[test]
fn tcp_udp_and_client_ip_preservation_through_the_nlb() {
    need_root!();
    let lab = "nlb-t1";
    // sourceSeenAs: nlb/web (ip targets, TCP), internet (instance targets, UDP).
    passes(lab, &scenario_copy(SCENARIO, lab), "9");
}

#[test]
fn a_target_group_admitting_only_the_vpc_blocks_preserved_clients() {
    need_root!();
    let lab = "nlb-t2";
    let body = source()
        .replace("name: nlb\n", &format!("name: {lab}\n"))
        .replace("ports: 32768-65535, source: 0.0.0.0/0", "ports: 32768-65535, source: 10.27.0.0/16")
        .replace(
            "{ from: internet, to: nlb/web:8080, reachable: true, servedBy: task/web-1, sourceSeenAs: internet }",
            "{ from: internet, to: nlb/web:8080, reachable: false, result: timeout, reason: ENI_SG_RULES_MISMATCH }",
        );
    assert!(body.contains("reason: ENI_SG_RULES_MISMATCH"), "the expectation was rewritten");
    let file = write_scenario(lab, &body);
    let o = ecsnet(&["explain", file.to_str().unwrap(), "internet", "nlb/web:8080"]);
    let out = text(&o);
    assert!(out.contains("ENI_SG_RULES_MISMATCH") && out.contains("sg/ecs"), "{out}");
    assert!(out.contains("client IP preserved"), "{out}");
    // The health checks come from the nodes' addresses, inside the VPC: still healthy.
    passes(lab, &file, "9");
}

#[test]
fn a_rule_naming_the_nlb_group_admits_preserved_clients() {
    need_root!();
    let lab = "nlb-t3";
    let group = "    - name: nlb\n      ingress:\n        - { protocol: tcp, ports: 80, source: 0.0.0.0/0 }\n        - { protocol: tcp, ports: 8080, source: 0.0.0.0/0 }\n        - { protocol: udp, ports: 53, source: 0.0.0.0/0 }\n    - name: ecs\n";
    let body = source()
        .replace("name: nlb\n", &format!("name: {lab}\n"))
        .replace("    - name: ecs\n", group)
        .replace("ports: 32768-65535, source: 0.0.0.0/0", "ports: 32768-65535, source: sg/nlb")
        .replace(
            "    subnets: [public-a, public-c]\n    listeners:",
            "    subnets: [public-a, public-c]\n    securityGroups: [nlb]\n    listeners:",
        );
    assert!(body.contains("securityGroups: [nlb]") && body.contains("source: sg/nlb"), "rewritten");
    let file = write_scenario(lab, &body);
    let o = ecsnet(&["explain", file.to_str().unwrap(), "internet", "nlb/web:8080"]);
    let out = text(&o);
    assert!(out.contains("sg/ecs ingress rule 1: tcp 32768-65535 from sg/nlb"), "{out}");
    passes(lab, &file, "9");
}

#[test]
fn a_tcp_udp_listener_forwards_both_transports() {
    need_root!();
    let lab = "nlb-t4";
    let body = source()
        .replace("name: nlb\n", &format!("name: {lab}\n"))
        .replace(
            "portMappings: [{ containerPort: 53, protocol: udp }, { containerPort: 80 }]",
            "portMappings: [{ containerPort: 53, protocol: udp }, { containerPort: 53 }, { containerPort: 80 }]",
        )
        .replace("        - { protocol: udp, ports: 53, source: 0.0.0.0/0 }\n", "        - { protocol: udp, ports: 53, source: 0.0.0.0/0 }\n        - { protocol: tcp, ports: 53, source: 0.0.0.0/0 }\n")
        .replace("    protocol: UDP\n    port: 53\n", "    protocol: TCP_UDP\n    port: 53\n")
        .replace("{ port: 53, protocol: UDP,", "{ port: 53, protocol: TCP_UDP,")
        .replace(
            "  # The health checks come from",
            "  - { from: internet, to: nlb/web:53, reachable: true, servedBy: task/dns-a, sourceSeenAs: internet }\n  # The health checks come from",
        );
    assert!(body.contains("protocol: TCP_UDP,") && body.contains("to: nlb/web:53, reachable"), "rewritten");
    let file = write_scenario(lab, &body);
    // TCP_UDP preserves the client's address for both transports.
    passes(lab, &file, "10");
}
