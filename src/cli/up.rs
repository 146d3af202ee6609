//! `ecsnet up FILE`: build the lab, start its processes, print a summary.

use super::{CliError, Exit, Outcome};
use crate::dataplane::{self, UpError, UpOptions};
use crate::i18n::tr;
use crate::model::Lab;
use std::path::Path;

pub async fn run(file: &Path, naming: &super::Naming, stop_after: Option<usize>, verbose: u8) -> Outcome {
    let t0 = std::time::Instant::now();
    let (scn, lab, plan, pending) = super::prepare_up(file, naming)?;
    let prepared = t0.elapsed();
    super::check_environment()?;
    for w in super::control_plane_warnings(&lab, scn.control_plane_strict) {
        eprintln!("ecsnet: {w}");
    }
    super::watch_signals();
    // Per-phase lines on a terminal (or with -v); quiet in CI and in pipes.
    use std::io::IsTerminal;
    let progress = verbose > 0 || (std::io::stderr().is_terminal() && std::env::var_os("CI").is_none());
    if progress {
        // Reading the scenario, the model and the plan: the part of `up` before any kernel work.
        eprintln!("  {:<12} {:>8.1} ms", "model", prepared.as_secs_f64() * 1000.0);
    }
    let opts = UpOptions { cancel: super::cancel_flag(), stop_after, progress };
    super::working_on(&lab.name);
    let built = dataplane::up(&lab, &plan, opts).await;
    super::done_with(&lab.name);
    match built {
        Ok(_) if super::interrupted() => {
            // Interrupted after the last phase: honour it all the same.
            let name = lab.name.clone();
            let _ = tokio::task::spawn_blocking(move || dataplane::down(&name)).await;
            eprintln!("ecsnet: {}", tr!("up-interrupted-removed", "interrupted; everything built was removed"));
            Ok(Exit::Interrupted)
        }
        Ok(t) => {
            let expect = match pending.map(|p| super::finish_expect(&lab, p)) {
                None => scn.expect,
                Some(Ok(e)) => e,
                Some(Err(e)) => {
                    // The file is not valid after all: nothing of it stays up.
                    let name = lab.name.clone();
                    let _ = tokio::task::spawn_blocking(move || dataplane::down(&name)).await;
                    return Err(e);
                }
            };
            // `check` probes these later against the running lab.
            if let Ok(data) = serde_json::to_vec(&expect) {
                let _ = crate::dataplane::state::write_atomic(
                    &crate::dataplane::state::dir(&lab.name).join("expect.json"),
                    &data,
                );
            }
            print!("{}", summary(&lab, &crate::dataplane::state::load_starts(&lab.name)));
            let total = t.0.iter().find(|(n, _)| n == "total").map(|(_, d)| d.as_secs_f64() * 1000.0).unwrap_or(0.0);
            let done = tr!(
                "up-done",
                "up in { $ms } ms ({ $objects } kernel objects). Try: ecsnet ps { $lab } | ecsnet exec { $lab } instance/{ $instance } -- ip -4 addr | ecsnet down { $lab }",
                ms = format!("{total:.0}"),
                objects = plan.object_count(),
                lab = lab.name,
                instance = lab.instances.first().map(|i| i.name.as_str()).unwrap_or("NAME")
            );
            println!("{done}");
            Ok(Exit::Ok)
        }
        Err(UpError::Cancelled(p)) if stop_after.is_some() => {
            eprintln!("ecsnet: stopped before {p} (test hook); state left in place"); // a test hook: English
            Ok(Exit::Failed)
        }
        Err(e @ UpError::Cancelled(_)) => {
            eprintln!("ecsnet: {e}");
            Ok(Exit::Interrupted)
        }
        Err(e) => Err(CliError::from(e)),
    }
}

/// The VPC's resolver and what tasks and instances are told to ask.
fn dns_line(lab: &Lab) -> String {
    let d = &lab.vpc.dns;
    let join = |v: &[std::net::Ipv4Addr]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ");
    if !d.support {
        return tr!(
            "summary-dns-off",
            "dns: enableDnsSupport off: nothing answers at { $ip } (nameservers { $servers })",
            ip = d.resolver,
            servers = join(&d.servers)
        );
    }
    let hostnames = if d.hostnames { "on" } else { "off" };
    tr!(
        "summary-dns",
        "dns: Amazon-provided DNS at { $ip } and 169.254.169.253 (DNS hostnames { $hostnames }); nameservers { $servers }, search { $search }",
        ip = d.resolver,
        hostnames = hostnames,
        servers = join(&d.servers),
        search = d.search.join(" ")
    )
}

/// A VPC endpoint: its service and type, and its ENIs or route tables.
fn endpoint_line(lab: &Lab, e: &crate::model::vpc_endpoint::VpcEndpoint) -> String {
    use crate::scenario::vpc_endpoint::EndpointType;
    let service = e.service.service_name(&lab.region).unwrap_or_default();
    match e.kind {
        EndpointType::Interface => {
            let enis: Vec<String> = e
                .enis
                .iter()
                .map(|i| &lab.enis[*i])
                .map(|x| format!("{} in {}", x.ip, lab.vpc.subnets[x.subnet].name))
                .collect();
            let dns = if e.private_dns {
                tr!("summary-private-dns-on", "private DNS")
            } else {
                tr!("summary-private-dns-off", "no private DNS")
            };
            tr!(
                "summary-endpoint-interface",
                "endpoint/{ $name } { $id } { $service } (Interface, { $dns }): { $enis }",
                name = e.name.as_str(),
                id = e.id.as_str(),
                service = service,
                dns = dns,
                enis = enis.join(", ")
            )
        }
        EndpointType::Gateway => tr!(
            "summary-endpoint-gateway",
            "endpoint/{ $name } { $id } { $service } (Gateway): { $prefix } in route tables { $tables }",
            name = e.name.as_str(),
            id = e.id.as_str(),
            service = service,
            prefix = e.prefix_list_id(&lab.region),
            tables = e.route_tables.join(", ")
        ),
    }
}

/// Where everything is, in a few lines; `starts`: how the tasks' starts ended.
pub fn summary(lab: &Lab, starts: &[crate::model::pull::StartResult]) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let head = tr!(
        "summary-lab",
        "lab { $lab } ({ $region }, VPC { $cidr })",
        lab = lab.name,
        region = lab.region,
        cidr = lab.vpc.cidr
    );
    let _ = writeln!(s, "{head}");
    let _ = writeln!(s, "  {}", dns_line(lab));
    let (net, prefix) = crate::scenario::aws_service::AWS_PUBLIC_NET;
    let aws = tr!(
        "summary-aws",
        "aws: the public endpoints of { $region } (ECR, S3, STS, Logs, ...) in the internet at { $net }, HTTPS signed by the lab CA",
        region = lab.region,
        net = format!("{net}/{prefix}")
    );
    let _ = writeln!(s, "  {aws}");
    for e in &lab.endpoints {
        let _ = writeln!(s, "  {}", endpoint_line(lab, e));
    }
    for (ii, i) in lab.instances.iter().enumerate() {
        let pubip = i.public_ip.map(|p| tr!("summary-public-ip", ", public { $ip }", ip = p)).unwrap_or_default();
        let line = tr!(
            "summary-instance",
            "instance/{ $name }  { $ip } in { $subnet }{ $public }",
            name = i.name,
            ip = lab.instance_ip(i),
            subnet = lab.vpc.subnets[i.subnet].name,
            public = pubip
        );
        let _ = writeln!(s, "  {line}");
        for t in lab.tasks.iter().filter(|t| t.on_instance(ii)) {
            let what = match (&t.placement, t.mode) {
                (Err(f), _) => tr!("summary-not-placed", "NOT PLACED: { $reason }", reason = f.reason()),
                (Ok(()), crate::scenario::NetworkMode::Awsvpc) => {
                    let e = t.eni.map(|e| &lab.enis[e]);
                    tr!(
                        "summary-eni",
                        "ENI { $id } { $ip } in { $subnet }",
                        id = e.map(|e| e.id.as_str()).unwrap_or("-"),
                        ip = e.map(|e| e.ip.to_string()).unwrap_or_default(),
                        subnet = e.map(|e| lab.vpc.subnets[e.subnet].name.as_str()).unwrap_or("")
                    )
                }
                (Ok(()), crate::scenario::NetworkMode::Bridge) => t
                    .containers
                    .iter()
                    .map(|c| {
                        let ip = c.ip.map(|x| x.to_string()).unwrap_or_default();
                        format!("{} {ip} [{}]", c.name, port_texts(c).join(", "))
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
                (Ok(()), crate::scenario::NetworkMode::Host) => tr!("summary-host-network", "host network"),
                (Ok(()), crate::scenario::NetworkMode::None) => tr!("summary-no-network", "no network (lo only)"),
            };
            let _ = writeln!(s, "    task/{:<20} {:<7} {}", t.name, t.mode.to_string(), what);
            if let Some(reason) =
                starts.iter().find(|r| r.task == t.name && !r.started).and_then(|r| r.reason.as_deref())
            {
                let line = tr!("summary-task-stopped", "STOPPED: { $reason }", reason = reason.replace('\n', " "));
                let _ = writeln!(s, "      {line}");
            }
        }
    }
    s.push_str(&fargate_summary(lab, starts));
    for n in &lab.nats {
        let _ = writeln!(s, "  nat/{}  {} (EIP {})", n.name, lab.enis[n.eni].ip, n.eip);
    }
    s
}

/// The Fargate tasks, each on its own line (no instance): its ENI, public IP, and why it did
/// not start.
fn fargate_summary(lab: &Lab, starts: &[crate::model::pull::StartResult]) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    for t in lab.tasks.iter().filter(|t| t.is_fargate()) {
        let what = match (&t.placement, t.eni.map(|e| &lab.enis[e])) {
            (Ok(()), Some(e)) => {
                let eni = tr!(
                    "summary-eni",
                    "ENI { $id } { $ip } in { $subnet }",
                    id = e.id.as_str(),
                    ip = e.ip.to_string(),
                    subnet = lab.vpc.subnets[e.subnet].name.as_str()
                );
                let public =
                    e.public_ip.map(|p| tr!("summary-public-ip", ", public { $ip }", ip = p)).unwrap_or_default();
                format!("{eni}{public}")
            }
            (Err(f), _) => tr!("summary-not-placed", "NOT PLACED: { $reason }", reason = f.reason()),
            (Ok(()), None) => String::new(),
        };
        let _ = writeln!(s, "  task/{:<20} FARGATE {}", t.name, what);
        if let Some(reason) = starts.iter().find(|r| r.task == t.name && !r.started).and_then(|r| r.reason.as_deref()) {
            let line = tr!("summary-task-stopped", "STOPPED: { $reason }", reason = reason.replace('\n', " "));
            let _ = writeln!(s, "      {line}");
        }
    }
    s
}

/// A container's port bindings as `HOST->CONTAINER/PROTO`.
pub fn port_texts(c: &crate::model::container::Container) -> Vec<String> {
    c.ports.iter().map(|b| format!("{}->{}/{}", b.host_port.unwrap_or(0), b.container_port, b.proto)).collect()
}
