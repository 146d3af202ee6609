//! Verdicts from made-up probe results and analyses: every rule of judging, no packets.

use super::*;
use crate::analyze::{Analysis, Reason};
use crate::model::Lab;
use crate::probe::ProbeResult;
use crate::scenario::{
    ExpectKind, Expectation, Loc, Located, Never, Node, Outcome, Placement, ProbeProto, Proto, Reach,
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
        via: None,
        reachable,
        result: None,
        served_by: None,
        source_seen_as: None,
        reason: None,
        timeout_ms: 300,
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
    });
    p
}

fn analysis(outcome: Outcome, code: Option<Reason>, served_by: Option<Node>) -> Analysis {
    Analysis { outcome: Some(outcome), code, explanation: String::new(), steps: vec![], served_by, source_seen: None }
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
    let v = judge_placement(&l, 0, &e(&p), &p);
    assert!(v.pass && v.detail.starts_with("placed on instance/"), "{}", v.detail);
    let p = Placement { task: Located::bare("db".into()), placed: false, reason: Some("RESOURCE:ENI".into()) };
    assert!(!judge_placement(&l, 0, &e(&p), &p).pass);
    let p = Placement { task: Located::bare("nope".into()), placed: true, reason: None };
    assert_eq!(judge_placement(&l, 0, &e(&p), &p).detail, "no task `nope`");
}

#[test]
fn a_never_fails_on_any_flow_that_connects_in_the_model_or_on_packets() {
    let l = lab();
    let n = Never {
        from: Located::bare("task/web-*".into()),
        to: Located::bare("task/db".into()),
        except: vec![],
        protocol: None,
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
