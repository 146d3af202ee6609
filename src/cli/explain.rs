//! `ecsnet explain LAB|FILE FROM TO:PORT`: the hop-by-hop verdict and its reason, computed on
//! the model (no packets, no root needed for a file). `--dns NAME`: the query's way to the
//! resolver FROM asks, then what that resolver answers for NAME and why.

use super::{CliError, Exit, Outcome};
use crate::i18n::tr;
use crate::scenario::Outcome as Verdict;

pub fn run(target: &str, from: &str, to: &str, protocol: &str, via: Option<&str>, json: bool) -> Outcome {
    let lab = super::lab_or_file(target)?;
    // `https`: an HTTP request over TLS, as `http: { scheme: https }` probes it.
    let (proto, tls) = match protocol {
        "https" => (crate::scenario::ProbeProto::Http, true),
        p => (super::parse_protocol(p)?, false),
    };
    let via = super::parse_via(via)?;
    let src = crate::scenario::parse_node(from).map_err(CliError::Invalid)?.0;
    super::check_node_names(&lab, &src)?;
    let dst = crate::scenario::parse_node(to).map_err(CliError::Invalid)?;
    // `backend.svc.local:8080`: what `curl` in the source would do, name first.
    if let (crate::scenario::Node::Name(name), Some(port)) = &dst {
        return by_name(&lab, (&src, from), (name, *port), (proto, tls, protocol), json);
    }
    super::check_node_names(&lab, &dst.0)?;
    let a = crate::analyze::analyze_request(&lab, (&src, &dst.0), (dst.1, proto, via), ("/", tls));
    if json {
        println!("{}", serde_json::to_string_pretty(&a).unwrap_or_default());
    } else {
        let head = tr!(
            "explain-header",
            "{ $from } -> { $to }/{ $protocol } in lab { $lab }",
            from = from,
            to = to,
            protocol = protocol,
            lab = lab.name
        );
        println!("{head}");
        print!("{}", crate::analyze::render_in(&a, crate::i18n::lang()));
    }
    Ok(if a.outcome == Some(Verdict::Connected) { Exit::Ok } else { Exit::Failed })
}

/// `explain LAB FROM NAME:PORT`: the name asked from FROM's resolver, then the way to each
/// address it answers (a client tries them in turn); exit 0 when every one is reached.
fn by_name(
    lab: &crate::model::Lab,
    (src, from): (&crate::scenario::Node, &str),
    (name, port): (&str, u16),
    (proto, tls, protocol): (crate::scenario::ProbeProto, bool, &str),
    json: bool,
) -> Outcome {
    let n = crate::analyze::dns::analyze_name(lab, src, name, None);
    let addrs = n.answer.as_ref().map(|a| a.addrs.clone()).unwrap_or_default();
    let walks: Vec<_> = addrs
        .iter()
        .map(|ip| {
            let to = crate::scenario::Node::Ip(*ip);
            (ip, crate::analyze::analyze_request(lab, (src, &to), (Some(port), proto, None), ("/", tls)))
        })
        .collect();
    let reached = !walks.is_empty() && walks.iter().all(|(_, a)| a.outcome == Some(Verdict::Connected));
    if json {
        let v = serde_json::json!({
            "from": from,
            "name": name,
            "port": port,
            "dns": { "server": n.server, "addresses": addrs, "why": n.why },
            "paths": walks.iter().map(|(ip, a)| serde_json::json!({ "address": ip, "analysis": a })).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return Ok(if reached { Exit::Ok } else { Exit::Failed });
    }
    let to = format!("{name}:{port}");
    println!(
        "{}",
        tr!(
            "explain-header",
            "{ $from } -> { $to }/{ $protocol } in lab { $lab }",
            from = from,
            to = to.as_str(),
            protocol = protocol,
            lab = lab.name.as_str()
        )
    );
    println!("{}", tr!("explain-dns-why", "why: { $why }", why = n.why));
    if walks.is_empty() {
        println!(
            "{}",
            tr!("explain-name-no-address", "{ $name } gives no address: nothing to connect to", name = name)
        );
    }
    for (ip, a) in &walks {
        println!("{}", tr!("explain-name-address", "-> { $address }:{ $port }", address = ip.to_string(), port = port));
        print!("{}", crate::analyze::render_in(a, crate::i18n::lang()));
    }
    Ok(if reached { Exit::Ok } else { Exit::Failed })
}

/// `explain LAB|FILE task/NAME --call ACTION [--resource R]`: the call's credentials, its path
/// to the service, IAM's evaluation; exit 0 when IAM allows it and the path is open.
pub fn call(target: &str, from: &str, action: &str, resource: Option<&str>, json: bool) -> Outcome {
    let lab = super::lab_or_file(target)?;
    let src = crate::scenario::parse_node(from).map_err(CliError::Invalid)?.0;
    super::check_node_names(&lab, &src)?;
    let Some(def) = crate::scenario::find_call(action) else {
        let known: Vec<&str> = crate::scenario::CALLS.iter().map(|c| c.action).collect();
        return Err(CliError::Invalid(tr!(
            "explain-call-unknown",
            "ecsnet cannot make the call `{ $action }`; it makes: { $calls }",
            action = action,
            calls = known.join(", ")
        )));
    };
    if def.resource != crate::scenario::ResourceKind::None && !resource.is_some_and(|r| def.resource.accepts(r)) {
        return Err(CliError::Invalid(tr!(
            "explain-call-resource",
            "{ $action } needs --resource { $example }",
            action = def.action,
            example = def.resource.example()
        )));
    }
    cloud_map_declared(&lab, def, resource)?;
    let a = crate::analyze::call::analyze_call(&lab, &src, def, resource);
    if json {
        let v = serde_json::json!({
            "from": a.from.to_string(),
            "action": a.action,
            "resource": a.resource,
            "caller": a.caller.as_ref().ok().map(|c| c.session_arn.clone()),
            "via": a.via.as_ref().map(|e| format!("endpoint/{e}")),
            "sourceIp": a.source_ip.map(|i| i.to_string()),
            "outcome": a.outcome,
            "stopsAt": a.outcome.stage(),
        });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        print!("{}", crate::analyze::call::render(&a));
    }
    Ok(if a.outcome.allowed() { Exit::Ok } else { Exit::Failed })
}

/// A Cloud Map service named as the resource is one the lab has, as a `call:` check's must be.
fn cloud_map_declared(
    lab: &crate::model::Lab,
    def: &crate::scenario::CallDef,
    r: Option<&str>,
) -> Result<(), CliError> {
    let Some(name) = r.and_then(|r| r.strip_prefix("cloudmap/")) else { return Ok(()) };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let known: Vec<&str> = lab.cloud_map.services.iter().map(|c| c.dns_name.as_str()).collect();
    if def.resource != crate::scenario::ResourceKind::CloudMapService || known.contains(&name.as_str()) {
        return Ok(());
    }
    Err(CliError::Invalid(tr!(
        "explain-call-no-cloud-map",
        "the lab has no Cloud Map service `{ $name }`; it has: { $known }",
        name = name.as_str(),
        known = if known.is_empty() { "-".to_string() } else { known.join(", ") }
    )))
}

/// `explain LAB task/NAME --start`: the task's calls to AWS before its containers run.
pub fn start(target: &str, from: &str, json: bool) -> Outcome {
    let lab = super::lab_or_file(target)?;
    let src = crate::scenario::parse_node(from).map_err(CliError::Invalid)?.0;
    super::check_node_names(&lab, &src)?;
    if let crate::scenario::Node::Instance(name) = &src {
        return registration(&lab, name, json);
    }
    let Some(task) = src.task_name() else {
        return Err(CliError::Invalid(tr!(
            "explain-start-needs-task",
            "--start explains a task's or an instance's start: write task/NAME or instance/NAME, not { $node }",
            node = from
        )));
    };
    let ti = lab.tasks.iter().position(|t| t.name == task).unwrap_or(0);
    if let Err(f) = &lab.tasks[ti].placement {
        println!(
            "{}",
            tr!(
                "explain-start-not-placed",
                "task/{ $task } was not placed ({ $reason }: { $message }): it never starts",
                task = task,
                reason = f.reason(),
                message = f.message()
            )
        );
        return Ok(Exit::Failed);
    }
    let Some(a) = crate::analyze::pull::analyze_start(&lab, ti) else {
        println!(
            "{}",
            tr!(
                "explain-start-nothing",
                "task/{ $task } fetches nothing from AWS before it starts (no ECR image of { $region }, no secrets, no awslogs): it starts",
                task = task,
                region = lab.region
            )
        );
        return Ok(Exit::Ok);
    };
    if json {
        let v = serde_json::json!({
            "task": task,
            "from": a.from.to_string(),
            "role": a.role_arn,
            "steps": a.steps.iter().map(|s| serde_json::json!({
                "step": s.step,
                "host": s.host,
                "name": s.name.why,
                "ip": s.ip,
                "path": s.path,
                "failure": s.failure,
            })).collect::<Vec<_>>(),
            "result": a.result,
        });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        print!("{}", crate::analyze::pull::render_start(&lab, task, &a));
    }
    Ok(if a.result.started { Exit::Ok } else { Exit::Failed })
}

/// `explain LAB instance/NAME --start`: the instance's agent joining its cluster.
fn registration(lab: &crate::model::Lab, name: &str, json: bool) -> Outcome {
    use crate::analyze::control_plane::{dials, predicted, render};
    let ii = lab.instances.iter().position(|i| i.name == name).unwrap_or(0);
    let model = predicted(lab).swap_remove(ii);
    if json {
        let v = serde_json::json!({
            "instance": name,
            "cluster": lab.cluster,
            "calls": dials(lab, ii).iter().map(|u| serde_json::json!({
                "service": u.service.id(),
                "host": u.dial.host,
                "name": u.dial.name.why,
                "ip": u.dial.ip,
                "path": u.dial.path,
                "failure": u.dial.failure,
            })).collect::<Vec<_>>(),
            "registered": model.registered(),
            "connected": model.connected(),
            "agentLog": model.misses.first().map(|m| m.agent_log()),
        });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        print!("{}", render(lab, ii));
    }
    Ok(if model.connected() { Exit::Ok } else { Exit::Failed })
}

/// `explain LAB FROM --dns NAME [--server IP]`.
pub fn name(target: &str, from: &str, name: &str, server: Option<std::net::Ipv4Addr>, json: bool) -> Outcome {
    let lab = super::lab_or_file(target)?;
    let src = crate::scenario::parse_node(from).map_err(CliError::Invalid)?.0;
    super::check_node_names(&lab, &src)?;
    let n = crate::analyze::dns::analyze_name(&lab, &src, name, server);
    let answered = n.answer.as_ref().is_some_and(|a| !a.nxdomain);
    if json {
        let v = serde_json::json!({
            "from": from,
            "name": name,
            "server": n.server,
            "answer": n.answer.as_ref().map(|a| serde_json::json!({
                "rcode": if a.nxdomain { "NXDOMAIN" } else { "NOERROR" },
                "addresses": a.addrs,
                "srv": a.srv.iter().map(|(s, ip)| serde_json::json!({"port": s.port, "target": s.target, "address": ip})).collect::<Vec<_>>(),
                "perAnswer": a.limit.filter(|k| *k < a.addrs.len().max(a.srv.len())),
                "zone": a.zone,
                "owner": a.owner,
            })),
            "failure": n.failure,
            "why": n.why,
            "path": n.path,
        });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        let server = n.server.map(|s| s.to_string()).unwrap_or_else(|| "-".into());
        println!(
            "{}",
            tr!(
                "explain-dns-header",
                "{ $from } asks { $server } for { $name } in lab { $lab }",
                from = from,
                server = server,
                name = name,
                lab = lab.name
            )
        );
        if let Some(p) = &n.path {
            print!("{}", crate::analyze::render_in(p, crate::i18n::lang()));
        }
        let answer = match &n.answer {
            Some(a) if a.nxdomain => "NXDOMAIN".to_string(),
            Some(a) if a.addrs.is_empty() && a.srv.is_empty() => "NOERROR (no address)".to_string(),
            Some(a) => answer_line(a),
            None => n.failure.map(|f| f.to_string()).unwrap_or_else(|| "-".into()),
        };
        println!("{}", tr!("explain-dns-answer", "answer: { $answer }", answer = answer));
        println!("{}", tr!("explain-dns-why", "why: { $why }", why = n.why));
    }
    Ok(if answered { Exit::Ok } else { Exit::Failed })
}

/// `NOERROR 10.0.1.5, 10.0.2.7` and a Cloud Map service's SRV records (`SRV 8080 TARGET
/// (10.0.1.5)`).
fn answer_line(a: &crate::model::dns::Answer) -> String {
    let mut parts: Vec<String> = a.addrs.iter().map(|x| x.to_string()).collect();
    for (s, ip) in &a.srv {
        let at = ip.map(|ip| format!(" ({ip})")).unwrap_or_default();
        parts.push(format!("SRV {} {}{at}", s.port, s.target));
    }
    format!("NOERROR {}", parts.join(", "))
}

/// `explain LAB|FILE service/NAME --placement` (or `task/NAME-N`): how the service scheduler
/// placed the service's tasks; exit 0 when every task it wanted is placed.
pub fn placement(target: &str, from: &str, json: bool) -> Outcome {
    let lab = super::lab_or_file(target)?;
    let src = crate::scenario::parse_node(from).map_err(CliError::Invalid)?.0;
    super::check_node_names(&lab, &src)?;
    let of_task = |t: &str| lab.task(t).and_then(|x| x.service.clone()).map(|s| (s, Some(t.to_string())));
    let (service, only) = match &src {
        crate::scenario::Node::Service(s) => (s.clone(), None),
        n => n.task_name().and_then(of_task).ok_or_else(|| {
            CliError::Invalid(tr!(
                "explain-placement-needs-service",
                "--placement explains a service's placement: write service/NAME or task/NAME-N of a service, not { $node }",
                node = from
            ))
        })?,
    };
    let Some(mut p) = crate::analyze::ecs_service::explain_service(&lab, &service) else {
        return Err(CliError::Invalid(format!("no service `{service}`")));
    };
    if let Some(t) = &only {
        p.tasks.retain(|x| &x.task == t);
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&p).unwrap_or_default());
    } else {
        print!("{}", crate::analyze::ecs_service::render(&p));
    }
    Ok(if p.tasks.iter().all(|t| t.instance.is_some()) { Exit::Ok } else { Exit::Failed })
}
