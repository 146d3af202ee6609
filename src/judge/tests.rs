//! Verdicts from made-up probe results and analyses: every rule of judging, no packets.

use super::*;
use crate::analyze::{Analysis, Reason};
use crate::model::Lab;
use crate::probe::ProbeResult;
use crate::scenario::{
    ExpectKind, Expectation, HostPort, HttpCheck, IcmpMessage, Loc, Located, Never, Node, Outcome, Placement,
    ProbeProto, Proto, Reach,
};
use crate::services::Identity;
use std::time::Duration;

fn lab() -> Lab {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/12-security-groups.yaml");
    crate::model::build(&crate::scenario::load(&p).unwrap()).unwrap()
}

fn reach(from: &str, to: &str, port: u16, reachable: bool) -> Reach {
    Reach {
        from: Located::bare(from.parse().unwrap()),
        to: Located::bare(to.parse().unwrap()),
        port: Some(port),
        protocol: ProbeProto::Tcp,
        path: "/".into(),
        http: None,
        icmp: None,
        via: None,
        reachable,
        result: None,
        served_by: None,
        spread: None,
        source_seen_as: None,
        reason: None,
        timeout_ms: 300,
        asked: None,
    }
}

fn expectation(r: &Reach) -> Expectation {
    Expectation { kind: ExpectKind::Reach(r.clone()), loc: Loc::none() }
}

fn connected(node: &str, task: &str, container: &str, peer: &str) -> ProbeResult {
    let mut p = ProbeResult::new(0, Outcome::Connected, "connected".into(), Duration::from_millis(2));
    p.identity = Some(Identity {
        ecsnet: 1,
        lab: "sg-tiers".into(),
        node: node.into(),
        task: Some(task.into()),
        container: Some(container.into()),
        proto: Proto::Tcp,
        local: "10.12.1.4:5432".parse().unwrap(),
        peer: format!("{peer}:40000").parse().unwrap(),
        forwarded: Default::default(),
    });
    p
}

fn analysis(outcome: Outcome, code: Option<Reason>, served_by: Option<Node>) -> Analysis {
    Analysis {
        outcome: Some(outcome),
        code,
        explanation: String::new(),
        steps: vec![],
        served_by,
        source_seen: None,
        http_status: None,
        drop_site: None,
    }
}

#[test]
fn a_reach_passes_only_when_every_stated_fact_holds() {
    let l = lab();
    let web1 = l.enis[l.task("web-1").unwrap().eni.unwrap()].ip.to_string();
    let mut r = reach("task/web-1", "task/db", 5432, true);
    r.served_by = Some(Located::bare(Node::task("db")));
    r.source_seen_as = Some(Located::bare(Node::task("web-1")));
    let got = connected("task/db/db", "db", "db", &web1);
    let v = judge_reach(&l, 0, &expectation(&r), &r, Ok(&got));
    assert!(v.pass, "{}", v.detail);
    assert_eq!(v.detail, format!("served by task/db/db, source seen as {web1}"));

    r.served_by = Some(Located::bare(Node::container("db", "other")));
    let v = judge_reach(&l, 0, &expectation(&r), &r, Ok(&got));
    assert!(!v.pass && v.detail.contains("served by task/db/db, expected task/db/other"), "{}", v.detail);

    r.served_by = None;
    r.source_seen_as = Some(Located::bare(Node::task("web-2")));
    let v = judge_reach(&l, 0, &expectation(&r), &r, Ok(&got));
    assert!(!v.pass && v.detail.contains(&format!("source seen as {web1}, expected task/web-2")), "{}", v.detail);
}

#[test]
fn outcomes_and_results() {
    let l = lab();
    let mut r = reach("task/web-1", "task/db", 6432, false);
    let timeout = ProbeResult::new(0, Outcome::Timeout, "no answer in 300 ms".into(), Duration::from_millis(300));
    assert!(judge_reach(&l, 0, &expectation(&r), &r, Ok(&timeout)).pass);
    r.result = Some(Outcome::Refused);
    let v = judge_reach(&l, 0, &expectation(&r), &r, Ok(&timeout));
    assert_eq!((v.pass, v.detail.as_str()), (false, "expected refused, got timeout (no answer in 300 ms)"));
    r.result = None;
    r.reachable = true;
    let v = judge_reach(&l, 0, &expectation(&r), &r, Ok(&timeout));
    assert!(v.detail.starts_with("expected reachable, got timeout"), "{}", v.detail);
}

#[test]
fn no_address_and_broken_probes() {
    let l = lab();
    let r = reach("internet", "instance/ecs-1@public", 22, false);
    // Nothing to send to: unreachable, as expected.
    let v = judge_reach(&l, 0, &expectation(&r), &r, Err("instance `ecs-1` has no public IP"));
    assert!(v.pass);
    // A probe that could not run says nothing about the network: never a pass.
    let broken = ProbeResult::failed(0, "no such namespace".into());
    let v = judge_reach(&l, 0, &expectation(&r), &r, Ok(&broken));
    assert!(!v.pass && v.detail == "probe could not run: no such namespace", "{}", v.detail);
    // A source that cannot send fails the expectation whatever it says.
    let a = analysis(Outcome::Timeout, Some(Reason::TaskNotPlaced), None);
    let v = reach_verdict(&l, (0, &expectation(&r), &r), &Planned::Error("not placed".into()), None, &a, false);
    assert!(!v.pass);
}

#[test]
fn the_analyzer_and_the_packets_must_agree() {
    let l = lab();
    let r = reach("task/web-1", "task/db", 5432, true);
    let got = connected("task/db/db", "db", "db", "10.12.0.9");
    let v = judge_reach(&l, 0, &expectation(&r), &r, Ok(&got));
    // The analyzer says a security group drops it: a bug in ecsnet, whatever the expectation says.
    let v = cross_check(v, &r, &analysis(Outcome::Timeout, Some(Reason::EniSgRulesMismatch), None), Some(&got));
    assert!(v.mismatch && !v.pass);
    assert!(
        v.detail.starts_with(
            "MODEL/DATAPLANE MISMATCH: the analyzer says timeout [ENI_SG_RULES_MISMATCH], the packets say connected"
        ),
        "{}",
        v.detail
    );

    let v = judge_reach(&l, 0, &expectation(&r), &r, Ok(&got));
    let a = analysis(Outcome::Connected, None, Some(Node::container("db", "other")));
    let v = cross_check(v, &r, &a, Some(&got));
    assert!(v.mismatch && v.detail.contains("the analyzer says served by task/db/other, the packets by task/db/db"));

    // The metadata endpoint answers through the agent, not a responder: no served-by comparison.
    let v = judge_reach(&l, 0, &expectation(&r), &r, Ok(&got));
    let v = cross_check(v, &r, &analysis(Outcome::Connected, None, Some(Node::Metadata)), Some(&got));
    assert!(!v.mismatch && v.pass, "{}", v.detail);
}

#[test]
fn reasons_are_checked_and_shown() {
    let l = lab();
    let mut r = reach("task/web-1", "task/db", 6432, false);
    r.reason = Some("SUBNET_ACL_RESTRICTION".into());
    let timeout = ProbeResult::new(0, Outcome::Timeout, "no answer in 300 ms".into(), Duration::from_millis(300));
    let v = judge_reach(&l, 0, &expectation(&r), &r, Ok(&timeout));
    let a = analysis(Outcome::Timeout, Some(Reason::EniSgRulesMismatch), None);
    let v = cross_check(v, &r, &a, Some(&timeout));
    assert!(!v.pass && !v.mismatch);
    assert_eq!(
        v.detail,
        // The code is already in the text: not repeated in front.
        "expected reason SUBNET_ACL_RESTRICTION, the path's reason is ENI_SG_RULES_MISMATCH; no answer in 300 ms"
    );
    r.reason = None;
    let v = cross_check(judge_reach(&l, 0, &expectation(&r), &r, Ok(&timeout)), &r, &a, Some(&timeout));
    assert_eq!((v.pass, v.detail.as_str()), (true, "[ENI_SG_RULES_MISMATCH] no answer in 300 ms"));
}

#[test]
fn a_full_neighbour_table_is_blamed_on_the_kernel_not_on_ecsnet() {
    let l = lab();
    let r = reach("task/web-1", "task/web-2", 8080, true);
    let timeout = ProbeResult::new(0, Outcome::Timeout, "no answer in 300 ms".into(), Duration::from_millis(300));
    let a = analysis(Outcome::Connected, None, None);
    let plan = plan_reach(&l, 0, &r);
    let v = reach_verdict(&l, (0, &expectation(&r), &r), &plan, Some(&timeout), &a, true);
    assert!(!v.pass && !v.mismatch);
    assert!(v.detail.starts_with(NEIGHBOUR_OVERFLOW) && !v.detail.contains("MISMATCH"), "{}", v.detail);
}

#[test]
fn placements() {
    let l = lab();
    let e = |p: &Placement| Expectation { kind: ExpectKind::Placement(p.clone()), loc: Loc::none() };
    let p = Placement { task: Located::bare("db".into()), placed: true, reason: None };
    let v = judge_placement(&l, 0, &e(&p), &p, None);
    assert!(v.pass && v.detail.starts_with("placed on instance/"), "{}", v.detail);
    let p = Placement { task: Located::bare("db".into()), placed: false, reason: Some("RESOURCE:ENI".into()) };
    assert!(!judge_placement(&l, 0, &e(&p), &p, None).pass);
    let p = Placement { task: Located::bare("nope".into()), placed: true, reason: None };
    assert_eq!(judge_placement(&l, 0, &e(&p), &p, None).detail, "no task `nope`");
}

#[test]
fn a_never_fails_on_any_flow_that_connects_in_the_model_or_on_packets() {
    let l = lab();
    let n = Never {
        from: Located::bare("task/web-*".into()),
        to: Located::bare("task/db".into()),
        except: vec![],
        protocol: None,
        expect_violated: false,
        only_through: None,
    };
    let e = Expectation { kind: ExpectKind::Never(n.clone()), loc: Loc::none() };
    let cases = never::cases(&l, &n);
    assert!(!cases.is_empty());
    assert!(
        cases.iter().any(|c| c.name.starts_with("task/web-1 -> task/db:5432/tcp")),
        "{:?}",
        cases.iter().map(|c| &c.name).collect::<Vec<_>>()
    );
    // Packets as the analyzer says: web reaches db on 5432, so the assertion is violated.
    let results: Vec<ProbeResult> = cases
        .iter()
        .map(|c| {
            ProbeResult::new(c.spec.id, c.analysis.outcome.unwrap_or(Outcome::Timeout), String::new(), Duration::ZERO)
        })
        .collect();
    let v = never::verdict(0, &e, &n, &cases, &results);
    assert!(
        !v.pass && !v.mismatch && v.detail.contains("flows connect: task/web-1 -> task/db:5432/tcp"),
        "{}",
        v.detail
    );
    // Packets that disagree with the analyzer are a mismatch.
    let disagree: Vec<ProbeResult> =
        cases.iter().map(|c| ProbeResult::new(c.spec.id, Outcome::Refused, String::new(), Duration::ZERO)).collect();
    let v = never::verdict(0, &e, &n, &cases, &disagree);
    assert!(v.mismatch && v.detail.starts_with("MODEL/DATAPLANE MISMATCH: "), "{}", v.detail);
}

#[test]
fn an_instance_s_private_and_public_addresses_are_not_the_same_source() {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/01-bridge-vs-awsvpc.yaml");
    let l = crate::model::build(&crate::scenario::load(&p).unwrap()).unwrap();
    let private = l.instance_ip(&l.instances[0]).to_string();
    let public = l.instances[0].public_ip.unwrap().to_string();
    let mut r = reach("task/web-bridge", "internet/api", 443, true);
    let got = connected("internet/api", "x", "x", &public);
    r.source_seen_as = Some(Located::bare(Node::Instance("ecs-1".into())));
    let v = judge_reach(&l, 0, &expectation(&r), &r, Ok(&got));
    assert!(
        !v.pass && v.detail.contains(&format!("source seen as {public}, expected instance/ecs-1 ({private})")),
        "{}",
        v.detail
    );
    r.source_seen_as = Some(Located::bare(Node::InstancePublic("ecs-1".into())));
    assert!(judge_reach(&l, 0, &expectation(&r), &r, Ok(&got)).pass);
}

#[test]
fn a_never_covers_the_host_ports_that_publish_a_bridge_task() {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/01-bridge-vs-awsvpc.yaml");
    let l = crate::model::build(&crate::scenario::load(&p).unwrap()).unwrap();
    let n = Never {
        from: Located::bare("internet".into()),
        to: Located::bare("task/web-bridge".into()),
        except: vec![],
        protocol: None,
        expect_violated: false,
        only_through: None,
    };
    let names: Vec<String> = never::cases(&l, &n).into_iter().map(|c| c.name).collect();
    assert!(
        names.contains(&"internet -> task/web-bridge/DVA-EC-site:3000/tcp via publicHostPort".to_string()),
        "{names:?}"
    );
    assert!(names.contains(&"internet -> task/web-bridge/DVA-EC-site:3000/tcp via hostPort".to_string()), "{names:?}");
    let e = Expectation { kind: ExpectKind::Never(n.clone()), loc: Loc::none() };
    let cases = never::cases(&l, &n);
    let results: Vec<ProbeResult> = cases
        .iter()
        .map(|c| {
            ProbeResult::new(c.spec.id, c.analysis.outcome.unwrap_or(Outcome::Timeout), String::new(), Duration::ZERO)
        })
        .collect();
    // The internet reaches it through its instance's public IP: the never is violated.
    let v = never::verdict(0, &e, &n, &cases, &results);
    assert!(!v.pass && v.detail.contains("via publicHostPort"), "{}", v.detail);
}

fn scenario_lab(file: &str) -> Lab {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(file);
    crate::model::build(&crate::scenario::load(&p).unwrap()).unwrap()
}

fn http_answer(status: u16, body: &str) -> ProbeResult {
    let mut p = ProbeResult::new(0, Outcome::Connected, format!("HTTP {status}"), Duration::from_millis(2));
    p.http_status = Some(status);
    p.body = Some(body.into());
    p
}

#[test]
fn an_http_check_compares_the_status_and_the_body() {
    let l = lab();
    let mut r = reach("task/web-1", "metadata", 80, true);
    r.protocol = ProbeProto::Http;
    r.path = "/v4/x/task".into();
    r.http = Some(HttpCheck { status: Some(200), body_contains: Some("\"Family\":\"web\"".into()), https: false });
    let ok = http_answer(200, r#"{"Cluster":"default","Family":"web","Revision":"1"}"#);
    let v = judge_reach(&l, 0, &expectation(&r), &r, Ok(&ok));
    assert!(v.pass, "{}", v.detail);
    assert_eq!(v.detail, r#"HTTP 200, body contains "\"Family\":\"web\"""#);

    let not_found = http_answer(404, "404 page not found\n");
    let v = judge_reach(&l, 0, &expectation(&r), &r, Ok(&not_found));
    assert!(!v.pass);
    assert_eq!(
        v.detail,
        r#"HTTP status 404, expected 200; the body does not contain "\"Family\":\"web\"" (it begins "404 page not found\n") (HTTP 404)"#
    );
    let v = judge_reach(&l, 0, &expectation(&r), &r, Ok(&http_answer(200, "")));
    assert!(!v.pass && v.detail.starts_with("the body is empty, expected it to contain"), "{}", v.detail);

    // A responder's answer: who served it, then what it answered.
    r.http = Some(HttpCheck { status: Some(200), body_contains: None, https: false });
    let mut served = connected("task/db/db", "db", "db", "10.12.0.9");
    served.http_status = Some(200);
    served.detail = "HTTP 200".into();
    let v = judge_reach(&l, 0, &expectation(&r), &r, Ok(&served));
    assert_eq!((v.pass, v.detail.as_str()), (true, "served by task/db/db, source seen as 10.12.0.9; HTTP 200"));
}

#[test]
fn an_icmp_check_compares_the_message_that_came_back() {
    let l = lab();
    let mut r = reach("task/web-1", "task/db", 1, false);
    r.protocol = ProbeProto::Udp;
    r.icmp = Some(IcmpMessage { kind: 3, code: Some(3) });
    let mut refused = ProbeResult::new(0, Outcome::Refused, "ECONNREFUSED".into(), Duration::from_millis(1));
    refused.icmp = Some((3, 3));
    assert!(judge_reach(&l, 0, &expectation(&r), &r, Ok(&refused)).pass);

    refused.icmp = Some((3, 13));
    let v = judge_reach(&l, 0, &expectation(&r), &r, Ok(&refused));
    assert_eq!(
        (v.pass, v.detail.as_str()),
        (false, "got ICMP admin-prohibited (type 3 code 13), expected port-unreachable (type 3 code 3) (ECONNREFUSED)")
    );
    // Any code of a type.
    r.icmp = Some(IcmpMessage { kind: 3, code: None });
    assert!(judge_reach(&l, 0, &expectation(&r), &r, Ok(&refused)).pass);

    let timeout = ProbeResult::new(0, Outcome::Timeout, "no answer in 300 ms".into(), Duration::from_millis(300));
    let v = judge_reach(&l, 0, &expectation(&r), &r, Ok(&timeout));
    assert!(!v.pass && v.detail.starts_with("no ICMP message came back, expected type 3"), "{}", v.detail);
    // No address to send to: nothing came back either.
    assert!(!judge_reach(&l, 0, &expectation(&r), &r, Err("no public IP")).pass);

    let mut r = reach("task/web-1", "task/web-2", 1, true);
    r.protocol = ProbeProto::Icmp;
    r.port = None;
    r.icmp = Some(IcmpMessage { kind: 0, code: Some(0) });
    let mut reply = ProbeResult::new(0, Outcome::Connected, "echo reply from x".into(), Duration::from_millis(1));
    reply.icmp = Some((0, 0));
    assert!(judge_reach(&l, 0, &expectation(&r), &r, Ok(&reply)).pass);
}

#[test]
fn a_host_port_check_reads_the_binding_the_model_placed() {
    let l = scenario_lab("03-bridge.yaml");
    let e = |h: &HostPort| Expectation { kind: ExpectKind::HostPort(h.clone()), loc: Loc::none() };
    let mut h = HostPort {
        task: Located::bare("api".into()),
        container: None,
        container_port: 5000,
        protocol: Proto::Tcp,
        host_port: 32768,
    };
    let v = judge_host_port(&l, 0, &e(&h), &h);
    assert_eq!(v.title, "task/api:5000/tcp hostPort: 32768");
    assert_eq!((v.pass, v.detail.as_str()), (true, "task/api/api 5000/tcp is published on instance/ecs-1:32768"));

    // The agent's cursor is one per instance, whatever the protocol: udp 5353 got the next port.
    h.container_port = 5353;
    h.protocol = Proto::Udp;
    let v = judge_host_port(&l, 0, &e(&h), &h);
    assert!(!v.pass);
    assert_eq!(v.detail, "task/api/api 5353/udp is published on instance/ecs-1:32769, expected host port 32768");

    h.container = Some(Located::bare("sidecar".into()));
    assert_eq!(judge_host_port(&l, 0, &e(&h), &h).detail, "task/api publishes no 5353/udp");

    let h = HostPort {
        task: Located::bare("web-again".into()),
        container: None,
        container_port: 80,
        protocol: Proto::Tcp,
        host_port: 8080,
    };
    let v = judge_host_port(&l, 0, &e(&h), &h);
    assert!(!v.pass && v.detail.starts_with("not placed, so nothing is published: RESOURCE:PORTS"), "{}", v.detail);
}

#[test]
fn a_never_expected_violated_passes_only_when_a_flow_connects() {
    let l = lab();
    let as_analyzed = |cases: &[never::Case]| -> Vec<ProbeResult> {
        cases
            .iter()
            .map(|c| {
                ProbeResult::new(
                    c.spec.id,
                    c.analysis.outcome.unwrap_or(Outcome::Timeout),
                    String::new(),
                    Duration::ZERO,
                )
            })
            .collect()
    };
    let n = Never {
        from: Located::bare("task/web-*".into()),
        to: Located::bare("task/db".into()),
        except: vec![],
        protocol: None,
        expect_violated: true,
        only_through: None,
    };
    let e = Expectation { kind: ExpectKind::Never(n.clone()), loc: Loc::none() };
    let cases = never::cases(&l, &n);
    let v = never::verdict(0, &e, &n, &cases, &as_analyzed(&cases));
    assert!(v.pass, "{}", v.detail);
    assert_eq!(v.title, "never task/web-* -> task/db, expected violated");
    assert!(v.detail.contains("flows connect, as expected: task/web-1 -> task/db:5432/tcp"), "{}", v.detail);

    // Nothing on the internet reaches db: the lesson the expectation wanted to show is not there.
    let n = Never { from: Located::bare("internet".into()), ..n };
    let cases = never::cases(&l, &n);
    let v = never::verdict(0, &e, &n, &cases, &as_analyzed(&cases));
    assert!(!v.pass && !v.mismatch, "{}", v.detail);
    assert_eq!(v.detail, format!("{} flows checked, none connects; expected at least one to", cases.len()));
}

/// `requests: N` through scenario 26's ALB: both tasks of service/api must answer.
#[test]
fn a_spread_passes_when_every_target_answers_and_no_other() {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/26-fargate-service-alb.yaml");
    let l = crate::model::build(&crate::scenario::load(&p).unwrap()).unwrap();
    let s = crate::scenario::Spread { requests: 4, served_by: vec![Located::bare(Node::Service("api".into()))] };
    let mut r = reach("internet", "alb/web", 443, true);
    r.spread = Some(s.clone());
    let e = expectation(&r);
    let a = analysis(Outcome::Connected, None, Some(Node::container("api-1", "app")));
    assert_eq!(spread::predicted(&l, &r, &a), spread::expected(&l, &s), "the rotation is the service's tasks");
    let one = connected("task/api-1/app", "api-1", "app", "10.26.0.4");
    let two = connected("task/api-2/app", "api-2", "app", "10.26.0.4");
    let v = judge_spread(&l, (0, &e, &r, &s), &[&one, &two, &one, &two], &a);
    assert!(v.pass && !v.mismatch, "{}", v.detail);
    assert!(v.detail.contains("4 requests answered by task/api-1, task/api-2"), "{}", v.detail);
    // Only one task answered four requests: the other never did, and the analyzer's rotation
    // has both (a mismatch, not just a failure).
    let v = judge_spread(&l, (0, &e, &r, &s), &[&one, &one, &one, &one], &a);
    assert!(!v.pass && v.mismatch, "{}", v.detail);
    assert!(v.detail.contains("never answered: task/api-2"), "{}", v.detail);
    // A request that got no answer fails the check.
    let lost = ProbeResult::new(0, Outcome::Timeout, "no answer".into(), Duration::ZERO);
    let v = judge_spread(&l, (0, &e, &r, &s), &[&one, &two, &lost], &a);
    assert!(!v.pass, "{}", v.detail);
}

/// `never: { from: internet, to: service/api, onlyThrough: alb/web }` in scenario 26: the
/// service's tasks are destinations (their own address only), and the ALB's listeners are
/// the requests through it, the HTTPS one over TLS.
#[test]
fn a_never_only_through_an_alb_probes_the_tasks_directly_and_the_alb_besides() {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/26-fargate-service-alb.yaml");
    let l = crate::model::build(&crate::scenario::load(&p).unwrap()).unwrap();
    let n = Never {
        from: Located::bare("internet".into()),
        to: Located::bare("service/api".into()),
        except: vec![],
        protocol: None,
        expect_violated: false,
        only_through: Some(Located::bare("web".into())),
    };
    let cases = never::cases(&l, &n);
    assert_eq!(cases.len(), 2, "{:?}", cases.iter().map(|c| &c.name).collect::<Vec<_>>());
    assert!(cases.iter().all(|c| c.name.contains("task/api-") && c.analysis.outcome != Some(Outcome::Connected)));
    let through = never_through::cases(&l, &n, "");
    assert_eq!(through.iter().map(|c| c.tls).collect::<Vec<_>>(), vec![false, true], "80 then 443");
    // Packets: the redirect is answered by the node, the HTTPS request by a task.
    let mut redirect = ProbeResult::new(0, Outcome::Connected, "HTTP 301".into(), Duration::ZERO);
    redirect.http_status = Some(301);
    let mut served = connected("task/api-2/app", "api-2", "app", "10.26.0.4");
    served.id = 1;
    let (unreached, mismatches) = never_through::tally(&l, &n, &through, &[redirect.clone(), served]);
    assert!(unreached.is_empty() && mismatches.is_empty(), "{unreached:?} {mismatches:?}");
    let (unreached, mismatches) = never_through::tally(&l, &n, &through, &[redirect]);
    assert_eq!((unreached.len(), mismatches.len()), (1, 1), "no task answered, the analyzer says one does");
}
