//! `loadBalancers` and `targetGroups`: a valid ALB, and ELB's refusals where they are written.

use super::*;

// The scenario tests' loaders: one place says how a test scenario is loaded.
use super::tests::{all as errors, ld};

#[track_caller]
fn has(text: &str, line: usize, needle: &str) {
    let ds = errors(text);
    assert!(
        ds.iter().any(|d| d.loc.line == line && d.message.contains(needle)),
        "no error on line {line} with {needle:?}:\n{}",
        Diagnostics(ds.clone())
    );
}

const BASE: &str = "\
version: 1
name: t
vpc:
  cidr: 10.0.0.0/16
  internetGateway: true
  subnets:
    - { name: public-a, cidr: 10.0.0.0/24, availabilityZone: us-east-1a }
    - { name: public-b, cidr: 10.0.1.0/24, availabilityZone: us-east-1b }
    - { name: public-a2, cidr: 10.0.2.0/24, availabilityZone: us-east-1a }
  securityGroups:
    - { name: alb }
instances:
  - { name: ecs-1, subnet: public-a }
taskDefinitions:
  - family: web
    networkMode: awsvpc
    containerDefinitions:
      - name: app
        image: nginx
        portMappings: [{ containerPort: 80 }]
        x-ecsnet: { httpStatus: { /health: 404 } }
tasks:
  - name: web-1
    taskDefinition: web
    instance: ecs-1
    networkConfiguration: { awsvpcConfiguration: { subnets: [public-a] } }
targetGroups:
  - name: web
    port: 80
    targetType: ip
    healthCheckPath: /health
    targets: [{ id: task/web-1 }]
  - name: api
    port: 80
    targetType: ip
    matcher: { httpCode: 200-299 }
";

/// BASE (25 + 13 lines) and a load balancer block from line 39.
fn with(lb: &str) -> String {
    format!("{BASE}loadBalancers:\n{lb}")
}

const GOOD: &str = r#"  - name: web
    subnets: [public-a, public-b]
    securityGroups: [alb]
    listeners:
      - port: 80
        defaultActions: [{ type: forward, targetGroupArn: web }]
        rules:
          - priority: 20
            conditions: [{ field: path-pattern, values: [/api/*] }]
            actions:
              - type: forward
                forwardConfig: { targetGroups: [{ targetGroupArn: api, weight: 3 }] }
          - priority: 10
            conditions: [{ field: host-header, hostHeaderConfig: { values: [old.example.com] } }]
            actions: [{ type: redirect, redirectConfig: { statusCode: HTTP_301, host: new.example.com } }]
      - port: 8080
        defaultActions: [{ type: fixed-response, fixedResponseConfig: { statusCode: "503" } }]
"#;

#[test]
fn an_alb_loads_with_aws_defaults() {
    let s = ld(&with(GOOD)).unwrap_or_else(|d| panic!("{d}"));
    let lb = &s.load_balancers[0];
    assert_eq!(lb.scheme, Scheme::InternetFacing);
    assert_eq!(lb.listeners.len(), 2);
    let rules = &lb.listeners[0].rules;
    assert_eq!(rules.iter().map(|r| r.priority.value).collect::<Vec<_>>(), vec![10, 20], "sorted by priority");
    assert!(matches!(&rules[1].actions[0], Action::Forward(w) if w[0].weight == 3 && w[0].target_group.value == "api"));
    let web = &s.target_groups[0];
    assert_eq!(web.target_type, TargetType::Ip);
    assert_eq!(web.health_check.path, "/health");
    assert_eq!(web.health_check.interval_seconds, 30);
    assert_eq!(web.health_check.timeout_seconds, 5);
    assert_eq!(web.health_check.healthy_threshold, 5);
    assert_eq!(web.health_check.unhealthy_threshold, 2);
    assert_eq!(web.health_check.port, HealthCheckPort::TrafficPort);
    assert!(web.health_check.matches(200) && !web.health_check.matches(204));
    assert!(s.target_groups[1].health_check.matches(204));
    assert_eq!(web.deregistration_delay_seconds, 300);
    let app = &s.task_definitions[0].container_definitions[0];
    assert_eq!(app.x_ecsnet.http_status, vec![("/health".to_string(), 404)]);
}

#[test]
fn one_zone_is_refused_in_elb_words() {
    let lb = GOOD.replace("[public-a, public-b]", "[public-a]");
    has(&with(&lb), 38, "At least two subnets in two different Availability Zones must be specified");
    let lb = GOOD.replace("[public-a, public-b]", "[public-a, public-b, public-a2]");
    has(&with(&lb), 39, "cannot be attached to multiple subnets in the same Availability Zone");
}

#[test]
fn listener_and_rule_refusals() {
    has(&with(&GOOD.replace("priority: 20", "priority: 10")), 50, "PriorityInUse: Priority '10' is currently in use");
    has(&with(&GOOD.replace("port: 8080", "port: 80")), 53, "DuplicateListener");
    has(&with(&GOOD.replace("targetGroupArn: web", "targetGroupArn: nope")), 43, "unknown target group `nope`");
    has(&with(&GOOD.replace("\"503\"", "\"302\"")), 54, "Status code '302'");
    let arn = "targetGroupArn: arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef";
    ld(&with(&GOOD.replace("targetGroupArn: web", arn))).unwrap_or_else(|d| panic!("{d}"));
}

/// BASE's groups as a network load balancer's (TCP, UDP), and an NLB from line 39.
fn nlb(lb: &str) -> String {
    with(lb)
        .replace(
            "    port: 80\n    targetType: ip\n    healthCheckPath",
            "    protocol: TCP\n    port: 80\n    targetType: ip\n    healthCheckPath",
        )
        .replace(
            "  - name: api\n    port: 80\n    targetType: ip\n    matcher: { httpCode: 200-299 }\n",
            "  - name: api\n    protocol: UDP\n    port: 53\n    targetType: ip\n",
        )
}

const NLB: &str = r#"  - name: web
    type: network
    subnets: [public-a, public-b]
    attributes: { load_balancing.cross_zone.enabled: true }
    listeners:
      - { port: 80, defaultActions: [{ type: forward, targetGroupArn: web }] }
      - { port: 53, protocol: UDP, defaultActions: [{ type: forward, targetGroupArn: api }] }
"#;

#[test]
fn a_network_load_balancer_loads_with_nlb_defaults() {
    let s = ld(&nlb(NLB)).unwrap_or_else(|d| panic!("{d}"));
    let lb = &s.load_balancers[0];
    assert_eq!((lb.lb_type, lb.cross_zone, lb.security_groups.is_none()), (LbType::Network, true, true));
    assert_eq!(lb.listeners[0].protocol, ElbProtocol::Tcp, "TCP when absent");
    let (web, api) = (&s.target_groups[0], &s.target_groups[1]);
    assert_eq!((web.health_check.protocol, web.health_check.timeout_seconds), (ElbProtocol::Tcp, 10));
    assert!(!web.preserves_client_ip(), "ip targets with TCP: off");
    assert!(api.preserves_client_ip(), "UDP: always on");
    let off = ld(&nlb(&NLB.replace("    attributes: { load_balancing.cross_zone.enabled: true }\n", ""))).unwrap();
    assert!(!off.load_balancers[0].cross_zone, "an NLB's cross-zone is off by default");
}

#[test]
fn expectations_name_an_nlb_as_nlb() {
    let e = "expect:\n  - { from: internet, to: alb/web:80, reachable: true }\n";
    has(&format!("{}{e}", nlb(NLB)), 47, "`alb/web` names a network load balancer");
    let ok = format!("{}{}", nlb(NLB), e.replace("alb/web", "nlb/web"));
    ld(&ok).unwrap_or_else(|d| panic!("{d}"));
}

#[test]
fn network_load_balancer_refusals() {
    has(
        &with(&GOOD.replace("  - name: web\n", "  - name: web\n    type: network\n")),
        45,
        "Listener rules are not supported",
    );
    has(
        &nlb(&NLB.replace("port: 80, defaultActions", "port: 80, protocol: HTTP, defaultActions")),
        44,
        "Listener protocol 'HTTP' must be one of",
    );
    has(
        &nlb(&NLB.replace("port: 80, defaultActions", "port: 80, protocol: TLS, defaultActions")),
        44,
        "TLS is not modelled yet",
    );
    has(
        &nlb(&NLB.replace("targetGroupArn: web", "targetGroupArn: api")),
        44,
        "IncompatibleProtocols: The target group 'api' protocol 'UDP'",
    );
    let fixed = "{ type: fixed-response, fixedResponseConfig: { statusCode: \"503\" } }";
    has(&nlb(&NLB.replace("{ type: forward, targetGroupArn: web }", fixed)), 44, "InvalidLoadBalancerAction");
    // An HTTP group behind a TCP listener, a TCP group behind an HTTP one.
    has(
        &with(GOOD).replace(
            "    port: 80\n    targetType: ip\n    healthCheckPath",
            "    protocol: TCP\n    port: 80\n    targetType: ip\n    healthCheckPath",
        ),
        44,
        "IncompatibleProtocols",
    );
    has(
        &nlb(NLB).replace("  - name: web\n    protocol: TCP\n", "  - name: web\n    protocol: HTTP\n"),
        44,
        "is incompatible with the listener protocol 'TCP'",
    );
    let udp_off = nlb(NLB).replace(
        "    protocol: UDP\n    port: 53\n",
        "    protocol: UDP\n    port: 53\n    attributes: { preserve_client_ip.enabled: false }\n",
    );
    has(&udp_off, 37, "Client IP preservation cannot be disabled");
    let alb_off = GOOD.replace(
        "    securityGroups: [alb]\n",
        "    securityGroups: [alb]\n    attributes: { load_balancing.cross_zone.enabled: false }\n",
    );
    has(&with(&alb_off), 41, "Cross-zone load balancing cannot be disabled");
}

#[test]
fn target_group_refusals() {
    let t = with(GOOD)
        .replace("    healthCheckPath: /health\n", "    healthCheckPath: /health\n    healthCheckTimeoutSeconds: 30\n");
    has(&t, 32, "Health check interval must be greater than the timeout");
    let t = with(GOOD).replace("httpCode: 200-299", "httpCode: \"600\"");
    has(&t, 36, "must be a value between '200' and '499'");
    let t = with(GOOD).replace("targets: [{ id: task/web-1 }]", "targets: [{ id: instance/ecs-1 }]");
    has(&t, 32, "has target type 'ip'");
    let t = with(GOOD).replace("targets: [{ id: task/web-1 }]", "targets: [{ id: task/web-2 }]");
    has(&t, 32, "unknown task `web-2`");
    let t =
        with(GOOD).replace("x-ecsnet: { httpStatus: { /health: 404 } }", "x-ecsnet: { httpStatus: { /health: 999 } }");
    has(&t, 21, "`httpStatus` maps a path");
}

#[test]
fn one_load_balancer_per_target_group() {
    let second = GOOD.replace("name: web\n", "name: web2\n");
    has(&with(&format!("{GOOD}{second}")), 60, "TargetGroupAssociationLimit");
}

#[test]
fn target_health_expectations() {
    let e = |x: &str| format!("{}expect:\n  - {x}\n", with(GOOD));
    let ok = e(
        "{ targetHealth: { targetGroup: web, target: task/web-1, state: unhealthy, reason: Target.ResponseCodeMismatch } }",
    );
    let s = ld(&ok).unwrap_or_else(|d| panic!("{d}"));
    assert!(matches!(&s.expect[0].kind, ExpectKind::TargetHealth(t) if t.state.value == "unhealthy"));
    has(
        &e("{ targetHealth: { targetGroup: webb, target: task/web-1, state: healthy } }"),
        56,
        "unknown target group `webb`",
    );
    has(
        &e("{ targetHealth: { targetGroup: api, target: task/web-1, state: healthy } }"),
        56,
        "is not registered in target group `api`",
    );
    has(&e("{ targetHealth: { targetGroup: web, target: task/web-1, state: sick } }"), 56, "invalid `state`");
    has(&e("{ targetHealth: { targetGroup: web, target: web-1, state: healthy } }"), 56, "`target` must be");
}
