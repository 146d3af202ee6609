//! Issue 12: differential testing of the analyzer against real packets, on labs no one wrote.
//!
//! A seeded generator writes random valid labs (subnets in one or two zones, route tables to the
//! internet gateway, a NAT gateway or narrower blocks, security groups with CIDR and `sg/`
//! rules, network ACLs with deny rules and partial ephemeral ranges, instances with and without
//! public addresses, task definitions in every network mode, internet hosts). Each lab is
//! brought up with the real binary; then every kind of address a user can write is probed from
//! every source node, with tcp, udp and icmp, on the destination's ports, every port of the lab,
//! 80, 51679 and a closed one (sampled, at most `ECSNET_DIFF_CASES` per lab). The analyzer's
//! outcome, server and source seen must equal the packets'. Mismatches are grouped by
//! signature; each lab with one is written to `target/differential/<seed>.yaml` with a `.txt`
//! of its mismatches, and a lab copied to `tests/differential/` is run again on every run.
//! Where the analyzer says a logged rule drops a probe (a security group, a network ACL, the
//! internet gateway), the probe watches for it: a timeout not seen dropped there is a
//! disagreement on where the packet stops, and counts as a mismatch too.
//! Labs also draw IAM roles (policies that allow only through an endpoint, only with a source
//! IP, an explicit deny, a managed policy, or none declared) named by task definitions; every
//! task and instance then makes real signed AWS calls (credentials fetched over the lab), whose
//! outcome must be the analyzer's: the same credentials, network failure or IAM decision.
//!
//! Labs also draw an application load balancer (issue 17), mostly built to answer, in front of
//! Fargate tasks or an ECS service (FARGATE, EC2 awsvpc, or bridge on dynamic host ports behind
//! an instance target group), with host-header rules and weighted forwards: probes from every
//! source to `alb/NAME:PORT` over HTTP on a few paths (Host: its DNS name), after the health
//! checks settle, must agree with the analyzer's walk to one of the targets the node's round
//! robin covers: outcome, status, the target that answered and the source it saw. See
//! tests/differential/README.md.
//!
//! CI size (40 labs, part of `scripts/test.sh`): `sudo cargo test --test differential -- --nocapture`.
//! Thousands: `sudo ECSNET_DIFF_LABS=2000 cargo test --release --test differential -- --nocapture`
//! (`ECSNET_DIFF_SEED` sets the first seed). Without root it prints "skipped: needs root".

// The parts live in tests/differential/ (a test's root file looks for modules next to itself).
#[path = "differential/alb.rs"]
mod alb;
#[path = "differential/cases.rs"]
mod cases;
mod common;
#[path = "differential/compare.rs"]
mod compare;
#[path = "differential/generator.rs"]
mod generator;
#[path = "differential/report.rs"]
mod report;

use cases::{name_cases, sample, spec};
use common::*;
use compare::{Mismatch, compare, compare_name, detail};
use ecsnet::analyze::Analysis;
use ecsnet::analyze::dns::analyze_name;
use ecsnet::model;
use ecsnet::probe::dns::{DnsProbe, run as dns_run};
use ecsnet::probe::{ProbeResult, ProbeSpec, run_watched};
use ecsnet::scenario::{Outcome, RouteTarget};
use ecsnet::sys::neigh::arp_table_fulls;
use generator::generate;
use report::{LabReport, Tally};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The first seed when `ECSNET_DIFF_SEED` is not set: fixed, so CI runs the same labs.
const DEFAULT_SEED: u64 = 1;
const DEFAULT_LABS: u64 = 40;
/// Probes per lab; more cases than this are sampled evenly over (source, destination, protocol).
const DEFAULT_CASES: usize = 600;
/// The probe timeout; a mismatch is probed again with the longer one before it counts.
const PROBE_TIMEOUT: Duration = Duration::from_millis(600);
const CONFIRM_TIMEOUT: Duration = Duration::from_millis(1500);
/// A port nothing in a generated lab uses.
const CLOSED_PORT: u16 = 7;
const IMDS_IP: Ipv4Addr = Ipv4Addr::new(169, 254, 169, 254);

/// Bring `yaml` up as lab `name`, probe a sample of its cases, compare, tear down (always).
fn run_lab(
    rt: &tokio::runtime::Runtime,
    (name, stem): (&str, &str),
    yaml: &str,
    sample_seed: u64,
    max: usize,
) -> LabReport {
    let mut rep = LabReport::default();
    let file = write_scenario(name, yaml);
    if let Err(d) = ecsnet::scenario::load_str(&file, yaml) {
        rep.generator_bug = Some(d.to_string());
        return rep;
    }
    let _ = ecsnet(&["down", name]);
    let _guard = LabGuard(name.to_string());
    let up = ecsnet(&["up", file.to_str().unwrap_or_default()]);
    if !up.status.success() {
        rep.up_failed = Some(text(&up));
        return rep;
    }
    let lab = match ecsnet::dataplane::state::load_lab(name) {
        Ok(l) => l,
        Err(e) => {
            rep.up_failed = Some(format!("load_lab: {e}"));
            return rep;
        }
    };
    probe_cases(rt, &lab, (stem, sample_seed), max, &mut rep);
    check_names(rt, &lab, (stem, sample_seed), &mut rep);
    check_by_name(rt, &lab, (stem, sample_seed), &mut rep);
    check_starts(&lab, stem, &mut rep);
    check_registrations(&lab, stem, &mut rep);
    check_calls(rt, &lab, stem, &mut rep);
    rep.albs = lab.load_balancers.len();
    rep.nlbs = lab.load_balancers.iter().filter(|l| l.is_network()).count();
    rep.services = lab.services.len();
    rep.cloud_map = !lab.cloud_map.is_empty();
    rep.service_tasks = lab.tasks.iter().filter(|t| t.service.is_some() && t.placement.is_ok()).count();
    alb::check_albs(rt, &lab, stem, &mut rep);
    after_stop(rt, (name, stem), sample_seed, max, &mut rep);
    rep
}

/// Probe a sample of the lab's cases and compare each with the analyzer's walk; a suspect is
/// probed again with the longer timeout before it counts.
fn probe_cases(
    rt: &tokio::runtime::Runtime,
    lab: &model::Lab,
    (stem, sample_seed): (&str, u64),
    max: usize,
    rep: &mut LabReport,
) {
    let cases = sample(lab, sample_seed, max);
    let specs: Vec<ProbeSpec> =
        cases.iter().enumerate().filter_map(|(i, (c, _))| spec(lab, i, c, PROBE_TIMEOUT)).collect();
    rep.probes += specs.len();
    let first = rt.block_on(run_watched(specs, sites(&cases, None)));
    rep.seen_dropped += first.iter().filter(|r| r.seen_dropped.is_some()).count();
    let suspects: Vec<usize> =
        first.iter().filter(|r| compare(lab, &cases[r.id].0, &cases[r.id].1, r).is_some()).map(|r| r.id).collect();
    let (results, overflowed) = confirm(rt, lab, &cases, suspects);
    for r in results {
        let (c, a) = &cases[r.id];
        match compare(lab, c, a, &r) {
            // An overflowing table drops packets: only a timeout may be the kernel's doing.
            Some(_) if overflowed && r.outcome == Outcome::Timeout => rep.overflow.push(c.name()),
            Some(m) => rep.mismatches.push(Mismatch { detail: detail(c, a, stem), ..m }),
            None => {
                let before = first.iter().find(|f| f.id == r.id);
                match before.filter(|f| f.outcome != Outcome::Timeout).and_then(|f| compare(lab, c, a, f)) {
                    // Load only ever makes an answer late: a different answer is a bug.
                    Some(m) => rep.mismatches.push(Mismatch {
                        signature: format!("{} (in the batch only)", m.signature),
                        detail: detail(c, a, stem),
                        ..m
                    }),
                    None => {
                        let was = before.map(|f| format!("{} ({})", f.outcome, f.detail)).unwrap_or_default();
                        rep.flaky.push(format!("{} (first: {was})", c.name()));
                    }
                }
            }
        }
    }
}

/// Issue 17: a lab that changes while it runs. One task of its first service behind a load
/// balancer is stopped (`ecsnet stop --wait`: StopTask, its target drained for the group's
/// 1 s deregistration delay, its ENI deleted) while the service scheduler places another; the
/// lab's new model is then probed as the first one was, through the load balancers too.
fn after_stop(
    rt: &tokio::runtime::Runtime,
    (name, stem): (&str, &str),
    sample_seed: u64,
    max: usize,
    rep: &mut LabReport,
) {
    let Ok(lab) = ecsnet::dataplane::state::load_lab(name) else { return };
    let quick = |g: &model::load_balancer::TargetGroup| g.deregistration_delay_seconds <= 5;
    let Some(svc) = lab.services.iter().find(|s| !s.load_balancers.is_empty() && lab.target_groups.iter().all(quick))
    else {
        return;
    };
    let Some(task) = svc.tasks.iter().map(|&ti| &lab.tasks[ti]).find(|t| t.is_running()) else { return };
    let o = ecsnet(&["stop", name, &format!("task/{}", task.name), "--wait"]);
    let after = ecsnet::dataplane::state::load_lab(name).ok();
    let stopped = after.as_ref().and_then(|l| l.task(&task.name)).is_some_and(|t| !t.is_running());
    let Some(after) = after.filter(|_| o.status.success() && stopped) else {
        rep.mismatches.push(Mismatch {
            signature: "after stop: the task did not stop".into(),
            line: format!("ecsnet stop {name} task/{}: {}", task.name, text(&o)),
            detail: vec![],
        });
        return;
    };
    rep.changed += 1;
    let before = rep.mismatches.len();
    probe_cases(rt, &after, (stem, sample_seed + 1), max / 2, rep);
    // A stopped task leaves its Cloud Map service's records, its replacement joins them.
    check_names(rt, &after, (stem, sample_seed + 1), rep);
    alb::check_albs(rt, &after, stem, rep);
    for m in &mut rep.mismatches[before..] {
        m.signature = format!("after stop: {}", m.signature);
    }
}

/// The AWS API calls every task and instance makes (credentials fetched over the lab, signed,
/// sent over the path its DNS and routes give) against the analyzer's prediction: the same
/// credentials found or not, the same network failure, IAM's same decision with the keys the
/// path brings (the drawn roles allow some calls only through an endpoint, or only from outside).
fn check_calls(rt: &tokio::runtime::Runtime, lab: &model::Lab, stem: &str, rep: &mut LabReport) {
    use ecsnet::scenario::{Node, find_call};
    const CALLS: &[(&str, Option<&str>)] = &[
        ("sts:GetCallerIdentity", None),
        ("ecr:DescribeImages", Some("repository/app")),
        ("s3:ListAllMyBuckets", None),
    ];
    let ca_path = ecsnet::dataplane::sandbox::ca_dir(&ecsnet::dataplane::state::dir(&lab.name))
        .join(ecsnet::dataplane::sandbox::CA_CERT);
    let ca = std::fs::read_to_string(ca_path).unwrap_or_default();
    let mut sources: Vec<Node> =
        lab.tasks.iter().filter(|t| t.placement.is_ok()).map(|t| Node::task(&t.name)).collect();
    sources.extend(lab.instances.iter().map(|i| Node::instance(&i.name)));
    // A lab with Cloud Map: DiscoverInstances on each of its services too (IAM on `*`).
    let mut calls: Vec<(&str, Option<String>)> = CALLS.iter().map(|(a, r)| (*a, r.map(str::to_string))).collect();
    let cloud_map = lab.cloud_map.services.iter().map(|c| format!("cloudmap/{}", c.dns_name));
    calls.extend(cloud_map.map(|r| ("servicediscovery:DiscoverInstances", Some(r))));
    let mut cases = vec![];
    for from in &sources {
        for (action, resource) in &calls {
            let Some(def) = find_call(action) else { continue };
            let a = ecsnet::analyze::call::analyze_call(lab, from, def, resource.as_deref());
            cases.push((from.clone(), *def, resource.clone(), a));
        }
    }
    let probes: Vec<_> = cases
        .iter()
        .enumerate()
        .filter_map(|(i, (from, def, resource, _))| {
            ecsnet::judge::call::plan(lab, i, (from, *def, resource.as_deref()), &ca, CONFIRM_TIMEOUT).ok()
        })
        .collect();
    let results = rt.block_on(ecsnet::probe::call::run(probes));
    let file = Path::new("target/differential").join(format!("{stem}.yaml"));
    for r in results {
        rep.probes += 1;
        let (from, def, resource, a) = &cases[r.id];
        if ecsnet::model::call::agree(&a.outcome, &r.outcome) {
            continue;
        }
        let res = resource.as_deref().map(|x| format!(" --resource {x}")).unwrap_or_default();
        rep.mismatches.push(Mismatch {
            signature: format!("call {}: model {} vs packets {}", def.action, a.outcome.stage(), r.outcome.stage()),
            line: format!(
                "{from} call {}: analyzer {} | packets {}",
                def.action,
                a.outcome.describe(),
                r.outcome.describe()
            ),
            detail: vec![format!("ecsnet explain {} {from} --call {}{res}", file.display(), def.action)],
        });
    }
}

/// Every instance's agent joining the cluster as it did on packets after `up` (ecs, then ACS
/// and TCS) against the analyzer's prediction: the same services missed, the same way.
fn check_registrations(lab: &model::Lab, stem: &str, rep: &mut LabReport) {
    use ecsnet::analyze::control_plane::{agree, predicted};
    let Some(seen) = ecsnet::dataplane::state::wait_registrations(&lab.name, Duration::from_secs(8)) else {
        rep.mismatches.push(Mismatch {
            signature: "registration: the agent wrote none".into(),
            line: format!("{}: no registrations.json 8 s after up", lab.name),
            detail: vec![],
        });
        return;
    };
    let file = Path::new("target/differential").join(format!("{stem}.yaml"));
    for model in predicted(lab) {
        rep.probes += 1;
        let packets = seen.iter().find(|r| r.instance == model.instance).cloned().unwrap_or_default();
        if !agree(&model, &packets) {
            let said = |r: &ecsnet::model::control_plane::Registration| {
                r.misses.iter().map(|m| format!("{} {:?}", m.service.id(), m.failure)).collect::<Vec<_>>().join(", ")
            };
            rep.mismatches.push(Mismatch {
                signature: "registration: model vs packets".into(),
                line: format!(
                    "instance/{} registration: analyzer [{}] | packets [{}]",
                    model.instance,
                    said(&model),
                    said(&packets)
                ),
                detail: vec![format!("ecsnet validate {}", file.display())],
            });
        }
    }
}

/// Every task's start as the agent made it on packets at `up` (secrets, ECR pull, awslogs)
/// against the analyzer's prediction: the same step, failing the same way, or both started.
fn check_starts(lab: &model::Lab, stem: &str, rep: &mut LabReport) {
    use ecsnet::analyze::pull::{agree, predicted};
    let seen = ecsnet::dataplane::state::load_starts(&lab.name);
    let file = Path::new("target/differential").join(format!("{stem}.yaml"));
    for st in &lab.starts {
        let t = &lab.tasks[st.task];
        let model = predicted(lab, &t.name);
        let Some(packets) = seen.iter().find(|r| r.task == t.name) else {
            rep.mismatches.push(Mismatch {
                signature: "start: not run by the agent".into(),
                line: format!("task/{}: the agent has no start for it", t.name),
                detail: vec![],
            });
            continue;
        };
        rep.probes += 1;
        if !agree(&model, packets) {
            let said = |r: &ecsnet::model::pull::StartResult| r.reason.clone().unwrap_or_else(|| "started".into());
            rep.mismatches.push(Mismatch {
                signature: format!("start: model {:?} vs packets {:?}", model.error, packets.error),
                line: format!("task/{} start: analyzer {} | packets {}", t.name, said(&model), said(packets)),
                detail: vec![format!("ecsnet explain {} task/{} --start", file.display(), t.name)],
            });
        }
    }
}

/// Names a lab's sources ask its resolvers, at most this many per lab.
const NAME_CASES: usize = 40;

/// Every name case's query on real packets against the analyzer's answer; a disagreement is
/// asked again with the longer timeout before it counts.
fn check_names(rt: &tokio::runtime::Runtime, lab: &model::Lab, (stem, seed): (&str, u64), rep: &mut LabReport) {
    let names = name_cases(lab, seed, NAME_CASES);
    let analyses: Vec<_> = names.iter().map(|c| analyze_name(lab, &c.from, &c.name, None)).collect();
    let probes = |timeout: Duration, only: Option<&[usize]>| -> Vec<DnsProbe> {
        let wanted = |i: usize| only.is_none_or(|o| o.contains(&i));
        names
            .iter()
            .enumerate()
            .filter(|(i, _)| wanted(*i))
            .filter_map(|(i, c)| {
                let s = model::resolve::source(lab, &c.from).ok()?;
                let server = analyses[i].server?;
                Some(DnsProbe { id: i, src_ns: s.ns, bind: s.bind, server, name: c.name.clone(), srv: c.srv, timeout })
            })
            .collect()
    };
    let first = rt.block_on(dns_run(probes(PROBE_TIMEOUT, None)));
    rep.probes += first.len();
    rep.cloud_map_names += first.iter().filter(|r| names[r.id].name_kind.starts_with("cloud-map")).count();
    let suspects: Vec<usize> =
        first.iter().filter(|r| compare_name(&names[r.id], &analyses[r.id], r).is_some()).map(|r| r.id).collect();
    if suspects.is_empty() {
        return;
    }
    let file = Path::new("target/differential").join(format!("{stem}.yaml"));
    for r in rt.block_on(dns_run(probes(CONFIRM_TIMEOUT, Some(&suspects)))) {
        let c = &names[r.id];
        match compare_name(c, &analyses[r.id], &r) {
            Some(m) => rep.mismatches.push(Mismatch { detail: vec![c.explain_command(&file)], ..m }),
            None => rep.flaky.push(format!("{} dns {}", c.from, c.name)),
        }
    }
}

/// Connections by name, at most this many per lab.
const BY_NAME: usize = 12;

/// Connections by name through `check` itself, the product's own path: the source's resolver
/// asked on packets, the first address answered probed and walked by the analyzer, the two
/// resolvers compared. Each name asked from a source is connected to on a port a case of the
/// lab probes at the address the analyzer answers (one it says connects, if any; 443 for a
/// name without such a case); any verdict check calls a MODEL/DATAPLANE MISMATCH is one here.
fn check_by_name(rt: &tokio::runtime::Runtime, lab: &model::Lab, (stem, seed): (&str, u64), rep: &mut LabReport) {
    use ecsnet::scenario::{ExpectKind, Expectation, Loc, Located, Node, ProbeProto, Reach};
    // Every case of the lab, not the probed sample: with the sample's 600 only 47 of 526
    // connections found a port that connects (105 with all), for about 5 s of walks per run.
    let cases = sample(lab, seed, usize::MAX);
    // A port of a case to the address, one the analyzer says connects first.
    let port_at = |ip: Ipv4Addr| {
        let ports = cases.iter().filter_map(|(c, a)| {
            let tcp = c.proto == ProbeProto::Tcp && c.via.is_none();
            let at = model::resolve::destination(lab, &c.to, c.port, None, c.proto).ok()?;
            (tcp && at.0 == ip).then_some((at.1?, a.outcome == Some(Outcome::Connected)))
        });
        ports.max_by_key(|(_, connects)| *connects).map(|(p, _)| p)
    };
    let names: Vec<_> =
        name_cases(lab, seed ^ 0xb7_a3e, NAME_CASES).into_iter().filter(|c| !c.srv).take(BY_NAME).collect();
    let expects: Vec<Expectation> = names
        .iter()
        .map(|c| {
            let first = analyze_name(lab, &c.from, &c.name, None).answer.and_then(|a| a.addrs.first().copied());
            let reach = Reach {
                from: Located::bare(c.from.clone()),
                to: Located::bare(Node::Name(c.name.clone())),
                port: Some(first.and_then(port_at).unwrap_or(443)),
                protocol: ProbeProto::Tcp,
                path: "/".into(),
                http: None,
                icmp: None,
                via: None,
                reachable: true,
                result: None,
                served_by: None,
                spread: None,
                source_seen_as: None,
                reason: None,
                timeout_ms: PROBE_TIMEOUT.as_millis() as u64,
                asked: None,
            };
            Expectation { kind: ExpectKind::Reach(reach), loc: Loc::none() }
        })
        .collect();
    let verdicts = rt.block_on(ecsnet::check::run(lab, &expects));
    rep.probes += verdicts.len();
    rep.by_name += verdicts.len();
    rep.by_name_connected += verdicts.iter().filter(|v| v.outcome == Some(Outcome::Connected)).count();
    for v in verdicts.iter().filter(|v| v.mismatch) {
        let Some(c) = names.get(v.index) else { continue };
        let line = format!("{} {}: {}", v.title, v.outcome.map(|o| o.to_string()).unwrap_or_default(), v.detail);
        let file = Path::new("target/differential").join(format!("{stem}.yaml"));
        let to = v.title.split_once(" -> ").map(|(_, t)| t.split('/').next().unwrap_or(t)).unwrap_or_default();
        let explain = format!("ecsnet explain {} {} {to}", file.display(), c.from);
        let signature = format!("{} by name {}", c.src_kind, c.name_kind);
        rep.mismatches.push(Mismatch { signature, line, detail: vec![explain, v.detail.clone()] });
    }
}

/// Probes the suspects again, alone and with more time: a disagreement that goes away was load,
/// not a bug. While the kernel's neighbour table overflows (every namespace of the machine
/// shares it, other people's labs too), the kernel itself drops packets: then the batch is
/// probed again after a pause, at most three times. Gives the last results and whether the
/// table overflowed during them.
fn confirm(
    rt: &tokio::runtime::Runtime,
    lab: &model::Lab,
    cases: &[(cases::Case, Analysis)],
    suspects: Vec<usize>,
) -> (Vec<ProbeResult>, bool) {
    let mut results = vec![];
    let mut overflowed = false;
    for attempt in 0..3 {
        if attempt > 0 && !overflowed {
            break;
        }
        if attempt > 0 {
            std::thread::sleep(Duration::from_secs(2));
        }
        let again: Vec<ProbeSpec> =
            suspects.iter().filter_map(|i| spec(lab, *i, &cases[*i].0, CONFIRM_TIMEOUT)).collect();
        let fulls = arp_table_fulls();
        results = rt.block_on(run_watched(again, sites(cases, Some(&suspects))));
        overflowed = arp_table_fulls() > fulls;
    }
    (results, overflowed)
}

/// Where the analyzer says each case's packet is dropped by a logged rule (of `only`'s cases):
/// the probes watch for it, and a timeout not seen there is a disagreement on where.
fn sites(cases: &[(cases::Case, Analysis)], only: Option<&[usize]>) -> Vec<(usize, ecsnet::analyze::DropSite)> {
    let wanted = |i: &usize| only.is_none_or(|o| o.contains(i));
    cases
        .iter()
        .enumerate()
        .filter(|(i, _)| wanted(i))
        .filter_map(|(i, (_, a))| Some((i, a.drop_site.clone()?)))
        .collect()
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok()).unwrap_or(default)
}

/// The labs of `tests/differential/*.yaml`, each run under its own name `df-reg-<i>`.
fn regressions() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| rd.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "yaml")).collect())
        .unwrap_or_default();
    files.sort();
    files
        .iter()
        .map(|f| {
            let stem = f.file_stem().unwrap_or_default().to_string_lossy().to_string();
            (stem, std::fs::read_to_string(f).unwrap_or_default())
        })
        .collect()
}

fn renamed(yaml: &str, name: &str) -> String {
    yaml.lines().map(|l| if l.starts_with("name:") { format!("name: {name}\n") } else { format!("{l}\n") }).collect()
}

#[test]
fn analyzer_agrees_with_packets_on_random_labs() {
    need_root!();
    let first = env_number("ECSNET_DIFF_SEED", DEFAULT_SEED);
    let labs = env_number("ECSNET_DIFF_LABS", DEFAULT_LABS);
    let max = env_number("ECSNET_DIFF_CASES", DEFAULT_CASES as u64) as usize;
    assert!(
        first.saturating_add(labs) < 10u64.pow(17),
        "ECSNET_DIFF_SEED: a lab name (df-SEED) has at most 20 characters"
    );
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let started = Instant::now();
    // The folder holds the findings of the last run only.
    let _ = std::fs::remove_dir_all(report::out_dir());
    let mut tally = Tally::default();
    for (i, (stem, yaml)) in regressions().into_iter().enumerate() {
        let name = format!("df-reg-{i}");
        let yaml = renamed(&yaml, &name);
        // A saved lab is named by its seed: the same seed samples the same cases again.
        let sample_seed = stem.parse().unwrap_or(i as u64);
        let stem = format!("reg-{stem}");
        let rep = run_lab(&rt, (&name, &stem), &yaml, sample_seed, max);
        tally.add(&stem, &yaml, rep);
    }
    for seed in first..first.saturating_add(labs) {
        let name = format!("df-{seed}");
        let yaml = generate(seed, &name);
        let stem = seed.to_string();
        let rep = run_lab(&rt, (&name, &stem), &yaml, seed, max);
        tally.add(&stem, &yaml, rep);
    }
    tally.print(started.elapsed());
    assert!(
        tally.mismatches == 0 && tally.generator_bugs.is_empty() && tally.up_failures.is_empty(),
        "{} mismatches, {} up failures, {} generator bugs: see above and target/differential/",
        tally.mismatches,
        tally.up_failures.len(),
        tally.generator_bugs.len()
    );
}

/// Without root and without a lab: the generator's labs are valid scenarios with a model, and
/// every one has cases to probe. A failure here is a generator bug.
#[test]
fn generated_labs_are_valid() {
    let mut bugs = vec![];
    let mut cases = 0;
    for seed in 0..200u64 {
        let name = format!("df-{seed}");
        let yaml = generate(seed, &name);
        let path = PathBuf::from(format!("{name}.yaml"));
        match ecsnet::scenario::load_str(&path, &yaml) {
            Err(d) => bugs.push(format!("seed {seed}: {d}\n{yaml}")),
            Ok(s) => match model::build(&s) {
                Err(e) => bugs.push(format!("seed {seed}: model: {e}\n{yaml}")),
                Ok(lab) => {
                    bugs.extend(nat_routed_to_itself(&lab).map(|n| format!("seed {seed}: {n}\n{yaml}")));
                    cases += sample(&lab, seed, 50).len();
                }
            },
        }
    }
    assert!(bugs.is_empty(), "{} generated labs are not valid:\n{}", bugs.len(), bugs.join("\n\n"));
    assert!(cases > 200 * 20, "too few cases: {cases}");
}

/// A NAT gateway whose own subnet routes to it: valid, but a loop no one builds on purpose,
/// which the generator avoids.
fn nat_routed_to_itself(lab: &model::Lab) -> Option<String> {
    lab.nats.iter().find_map(|n| {
        let table = &lab.vpc.route_tables[lab.vpc.subnets[lab.enis[n.eni].subnet].route_table];
        let to_itself = table.routes.iter().any(|(_, t)| *t == RouteTarget::NatGateway(n.name.clone()));
        to_itself.then(|| format!("NAT gateway {} stands in a subnet routed to it (table {})", n.name, table.name))
    })
}

/// `ECSNET_DIFF_SHOW=SEED cargo test --test differential show -- --nocapture` prints the lab of a
/// seed, without running it.
#[test]
fn show_generated_lab() {
    if let Ok(seed) = std::env::var("ECSNET_DIFF_SHOW") {
        let seed: u64 = seed.trim().parse().expect("ECSNET_DIFF_SHOW is a seed");
        eprintln!("{}", generate(seed, &format!("df-{seed}")));
    }
}

/// Without root: the share of the probes through load balancers that the analyzer says a
/// target answers, over the CI's seeds (the generator is tuned so that it is a good share).
#[test]
fn generated_albs_are_mostly_answered() {
    let (mut probes, mut served, mut albs, mut nlbs) = (0, 0, 0, 0);
    let (mut nlb_probes, mut nlb_served) = (0, 0);
    let mut why = std::collections::BTreeMap::<String, usize>::new();
    for seed in DEFAULT_SEED..DEFAULT_SEED + 200 {
        let name = format!("df-{seed}");
        let yaml = generate(seed, &name);
        let Ok(s) = ecsnet::scenario::load_str(&PathBuf::from(format!("{name}.yaml")), &yaml) else { continue };
        let Ok(lab) = model::build(&s) else { continue };
        albs += lab.load_balancers.len();
        nlbs += lab.load_balancers.iter().filter(|l| l.is_network()).count();
        let (n, k, w) = alb::predicted(&lab);
        if lab.load_balancers.iter().any(|l| l.is_network()) {
            nlb_probes += n;
            nlb_served += k;
        }
        probes += n;
        served += k;
        for x in w {
            *why.entry(x).or_default() += 1;
        }
    }
    eprintln!(
        "{albs} load balancers ({nlbs} network), {probes} probes, {served} answered by a target; the others: {why:#?}"
    );
    eprintln!("through network load balancers: {nlb_probes} probes, {nlb_served} answered by a target");
    // The NLB labs draw their traps on purpose (targets admitting only the VPC, cross-zone off).
    assert!(served * 10 >= probes * 3, "only {served} of {probes} load balancer probes answered by a target");
}

/// The regressions folder holds scenarios that load.
#[test]
fn regression_labs_load() {
    for (stem, yaml) in regressions() {
        let path = PathBuf::from(format!("{stem}.yaml"));
        if let Err(d) = ecsnet::scenario::load_str(&path, &yaml) {
            panic!("tests/differential/{stem}.yaml: {d}");
        }
    }
}
