//! `docker ps` of an emulated container instance: the columns, truncation, durations and PORTS
//! column exactly as the Docker CLI prints them (awsvpc and pause containers publish nothing;
//! bridge containers show `0.0.0.0:3000->3000/tcp`, and `:::3000->3000/tcp` too where the
//! instance has IPv6).

use super::{Runtime, host_ips, state};
use crate::i18n::tr;
use crate::model::Lab;
use crate::model::docker::{ContainerKind as Kind, ContainerRef as Ctr, containers};
use crate::scenario::NetworkMode;
use crate::sys::time::{go_time_string, human_duration};
use serde_json::{Map, Value};

/// One `docker ps` row, before formatting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PsRow {
    pub instance: String,
    /// 64 hex.
    pub id: String,
    pub image: String,
    /// The daemon's command string (`Path` and the arguments, quoted when they hold a space).
    pub command: String,
    pub created_ns: u64,
    /// `Up 25 minutes`, `Up 26 minutes (healthy)`, `Exited`.
    pub status: String,
    /// `running` or `exited`.
    pub state: String,
    pub ports: String,
    pub name: String,
    /// `bridge`, `none`, `host`, or empty for `container:` mode.
    pub networks: String,
    pub labels: String,
}

/// Ports of a container as the Docker API lists them: (IP, public port, private port, type).
pub fn api_ports(c: &Ctr<'_>) -> Vec<(String, u16, u16, String)> {
    if !matches!(c.kind, Kind::App(_)) || c.mode() != NetworkMode::Bridge {
        return vec![];
    }
    let mut v = vec![];
    for p in &c.model().ports {
        let Some(hp) = p.host_port else { continue };
        for ip in host_ips(c) {
            v.push((ip.to_string(), hp, p.container_port, p.proto.to_string()));
        }
    }
    v
}

/// docker/cli's `DisplayablePorts`: contiguous ports grouped into ranges, remapped ports listed
/// after the groups.
pub fn displayable_ports(ports: &[(String, u16, u16, String)]) -> String {
    let mut ports = ports.to_vec();
    ports.sort_by(|a, b| a.2.cmp(&b.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)).then(a.3.cmp(&b.3)));
    let mut groups: Vec<(String, u16, u16)> = vec![];
    let mut result = vec![];
    let mut host_mappings = vec![];
    for (ip, public, private, ty) in &ports {
        let mut key = ty.clone();
        if !ip.is_empty() {
            if public != private {
                host_mappings.push(format!("{ip}:{public}->{private}/{ty}"));
                continue;
            }
            key = format!("{ip}/{ty}");
        }
        match groups.iter_mut().find(|g| g.0 == key) {
            None => groups.push((key, *private, *private)),
            Some(g) if *private == g.2.wrapping_add(1) => g.2 = *private,
            Some(g) => {
                result.push(form_group(&g.0, g.1, g.2));
                g.1 = *private;
                g.2 = *private;
            }
        }
    }
    for g in &groups {
        result.push(form_group(&g.0, g.1, g.2));
    }
    result.extend(host_mappings);
    result.join(", ")
}

fn form_group(key: &str, first: u16, last: u16) -> String {
    let (ip, ty) = match key.rsplit_once('/') {
        Some((ip, ty)) => (ip, ty),
        None => ("", key),
    };
    let mut group = first.to_string();
    if first != last {
        group = format!("{group}-{last}");
    }
    if !ip.is_empty() {
        group = format!("{ip}:{group}->{group}");
    }
    format!("{group}/{ty}")
}

/// The daemon's `Command` of a container summary.
pub fn command_string(argv: &[String]) -> String {
    let Some((path, args)) = argv.split_first() else { return String::new() };
    if args.is_empty() {
        return path.clone();
    }
    let args: Vec<String> = args.iter().map(|a| if a.contains(' ') { format!("'{a}'") } else { a.clone() }).collect();
    format!("{path} {}", args.join(" "))
}

/// docker/cli's `Ellipsis`: at most `width` characters, the last one `…` when cut.
pub fn ellipsis(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n <= width {
        return s.to_string();
    }
    let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Go's `strconv.Quote`.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn row(c: &Ctr<'_>, rt: &Runtime) -> PsRow {
    let m = c.model();
    let (_, running, started) = state(c, rt);
    // A task that did not start: Docker's state for a container that never ran.
    let never = rt.stopped_reason(c).is_some();
    let status = if running {
        // The agent's health check asks its introspection API, which it serves only once
        // registered.
        let health = match c.kind {
            Kind::Agent if rt.unregistered(&c.host_name()) => " (unhealthy)",
            Kind::Agent => " (healthy)",
            _ => "",
        };
        format!("Up {}{health}", human_duration(rt.now_ns.saturating_sub(started)))
    } else if never {
        "Created".to_string()
    } else {
        "Exited".to_string()
    };
    let networks = match (c.kind, c.mode()) {
        (Kind::Pause, _) => "none",
        (_, NetworkMode::Awsvpc) => "",
        (_, m) => match m {
            NetworkMode::Bridge => "bridge",
            NetworkMode::Host => "host",
            _ => "none",
        },
    };
    PsRow {
        instance: match c.task().filter(|t| t.is_fargate()) {
            Some(t) => format!("task/{}", t.name),
            None => c.host_name(),
        },
        id: m.docker_id.clone(),
        image: m.image.clone(),
        command: command_string(&m.command_line()),
        created_ns: c.created_ns(rt.created_ns),
        status,
        state: if running {
            "running"
        } else if never {
            "created"
        } else {
            "exited"
        }
        .into(),
        ports: displayable_ports(&api_ports(c)),
        name: m.docker_name.clone(),
        networks: networks.into(),
        labels: c.labels().iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(","),
    }
}

/// The rows of each instance (all, or the one named), newest first within an instance.
pub fn rows(lab: &Lab, rt: &Runtime, instance: Option<&str>) -> Result<Vec<(String, Vec<PsRow>)>, String> {
    if let Some(n) = instance {
        if lab.instance(n).is_none() {
            let names: Vec<&str> = lab.instances.iter().map(|i| i.name.as_str()).collect();
            return Err(tr!(
                "ps-no-instance",
                "no instance `{ $name }` in lab { $lab } (instances: { $instances })",
                name = n,
                lab = lab.name,
                instances = names.join(", ")
            ));
        }
    }
    let all = containers(lab);
    let mut out = vec![];
    for (ii, inst) in lab.instances.iter().enumerate() {
        if instance.is_some_and(|n| n != inst.name) {
            continue;
        }
        let mut rs: Vec<(u64, PsRow)> =
            all.iter().filter(|c| c.instance == Some(ii)).map(|c| (c.seq, row(c, rt))).collect();
        rs.sort_by_key(|r| std::cmp::Reverse(r.0));
        out.push((inst.name.clone(), rs.into_iter().map(|(_, r)| r).collect()));
    }
    // Each Fargate task on its own, under `task/NAME`: it has no instance.
    for (ti, t) in lab.tasks.iter().enumerate().filter(|(_, t)| t.is_fargate() && instance.is_none()) {
        let mut rs: Vec<(u64, PsRow)> =
            all.iter().filter(|c| c.task == Some(ti)).map(|c| (c.seq, row(c, rt))).collect();
        rs.sort_by_key(|r| std::cmp::Reverse(r.0));
        out.push((format!("task/{}", t.name), rs.into_iter().map(|(_, r)| r).collect()));
    }
    Ok(out)
}

/// The header of a Fargate task's group: launch type, platform version, the ENI's private and
/// public addresses.
fn fargate_header(lab: &Lab, t: &crate::model::Task) -> String {
    let eni = t.eni.map(|e| &lab.enis[e]);
    let private = eni.map(|e| e.ip.to_string()).unwrap_or_else(|| "-".into());
    let public = eni.and_then(|e| e.public_ip).map(|ip| format!(", public {ip}")).unwrap_or_default();
    let version = t.launch.fargate().map(|f| f.platform_version.as_str()).unwrap_or("");
    format!("== task/{} (FARGATE {version}, {private}{public}) ==\n", t.name)
}

/// A Fargate task's line when it did not start, with ECS's reason.
fn fargate_stopped(rt: &Runtime, t: &crate::model::Task) -> String {
    let Some(reason) = rt.stopped.get(&t.name).and_then(|r| r.reason.as_deref()) else { return String::new() };
    let line = tr!(
        "ps-task-stopped",
        "task/{ $task } STOPPED: { $reason }",
        task = t.name.as_str(),
        reason = reason.replace('\n', " ")
    );
    format!("{line}\n")
}

/// Go's tabwriter as docker uses it (minwidth 10, padding 3): every cell but the last of a line
/// padded to its column's width.
pub fn tabulate(lines: &[Vec<String>]) -> String {
    let cols = lines.iter().map(|l| l.len()).max().unwrap_or(0);
    let mut widths = vec![0usize; cols];
    for l in lines {
        for (i, cell) in l.iter().enumerate().take(l.len().saturating_sub(1)) {
            widths[i] = widths[i].max((cell.chars().count() + 3).max(10));
        }
    }
    let mut out = String::new();
    for l in lines {
        for (i, cell) in l.iter().enumerate() {
            out.push_str(cell);
            if i + 1 < l.len() {
                out.push_str(&" ".repeat(widths[i] - cell.chars().count()));
            }
        }
        out.push('\n');
    }
    out
}

fn table_lines(rows: &[PsRow], rt: &Runtime) -> Vec<Vec<String>> {
    let mut lines = vec![
        ["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
    ];
    for r in rows {
        lines.push(vec![
            r.id.chars().take(12).collect(),
            r.image.clone(),
            go_quote(&ellipsis(&r.command, 20)),
            format!("{} ago", human_duration(rt.now_ns.saturating_sub(r.created_ns))),
            r.status.clone(),
            r.ports.clone(),
            r.name.clone(),
        ]);
    }
    lines
}

/// The `docker ps` table of one instance, or of every instance under a header line each.
pub fn table(lab: &Lab, rt: &Runtime, instance: Option<&str>) -> Result<String, String> {
    let groups = rows(lab, rt, instance)?;
    if let Some(name) = instance {
        let rows = groups.first().map(|(_, r)| tabulate(&table_lines(r, rt))).unwrap_or_default();
        return Ok(rows + &stopped_lines(lab, rt, name));
    }
    let mut out = String::new();
    for (n, (name, rs)) in groups.iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        if let Some(t) = name.strip_prefix("task/").and_then(|n| lab.task(n)) {
            out.push_str(&fargate_header(lab, t));
            out.push_str(&tabulate(&table_lines(rs, rt)));
            out.push_str(&fargate_stopped(rt, t));
            continue;
        }
        let Some(inst) = lab.instance(name) else { continue };
        out.push_str(&format!("== instance/{name} ({}, {}) ==\n", inst.id, lab.instance_ip(inst)));
        out.push_str(&tabulate(&table_lines(rs, rt)));
        out.push_str(&stopped_lines(lab, rt, name));
    }
    Ok(out)
}

/// The instance's tasks that did not start, with ECS's reason (what DescribeTasks says), after
/// the instance's agent if it could not join the cluster (what it logs).
fn stopped_lines(lab: &Lab, rt: &Runtime, instance: &str) -> String {
    let mut out = String::new();
    let reg = rt.registrations.iter().flatten().find(|r| r.instance == instance);
    if let Some(first) = reg.and_then(|r| r.misses.first()) {
        let services: Vec<&str> = reg.into_iter().flat_map(|r| &r.misses).map(|m| m.service.id()).collect();
        let line = if reg.is_some_and(|r| r.connected()) {
            tr!(
                "ps-agent-no-metrics",
                "instance/{ $instance } ecs-agent: registered, but cannot reach { $services }: { $log }",
                instance = instance,
                services = services.join(", "),
                log = first.agent_log().replace('\n', " ")
            )
        } else if matches!(first.failure, crate::model::pull::Failure::Api { .. }) {
            tr!(
                "ps-agent-refused",
                "instance/{ $instance } ecs-agent: not connected to ECS (refused by { $services }): { $log }",
                instance = instance,
                services = services.join(", "),
                log = first.agent_log().replace('\n', " ")
            )
        } else {
            tr!(
                "ps-agent-not-connected",
                "instance/{ $instance } ecs-agent: not connected to ECS (cannot reach { $services }): { $log }",
                instance = instance,
                services = services.join(", "),
                log = first.agent_log().replace('\n', " ")
            )
        };
        out.push_str(&line);
        out.push('\n');
    }
    for t in lab.tasks.iter().filter(|t| t.instance().is_some_and(|ii| lab.instances[ii].name == instance)) {
        let Some(reason) = rt.stopped.get(&t.name).and_then(|r| r.reason.as_deref()) else { continue };
        let line = tr!(
            "ps-task-stopped",
            "task/{ $task } STOPPED: { $reason }",
            task = t.name.as_str(),
            reason = reason.replace('\n', " ")
        );
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// `docker ps --format json`: one JSON object per line (keys sorted, as Docker prints them),
/// with the instance added.
pub fn json_lines(lab: &Lab, rt: &Runtime, instance: Option<&str>) -> Result<String, String> {
    let mut out = String::new();
    for (_, rs) in rows(lab, rt, instance)? {
        for r in rs {
            let mut m = Map::new();
            let s = |v: &str| Value::String(v.to_string());
            m.insert("Command".into(), s(&go_quote(&ellipsis(&r.command, 20))));
            m.insert("CreatedAt".into(), s(&go_time_string(r.created_ns / super::NS_PER_SEC)));
            m.insert("ID".into(), s(&r.id[..12.min(r.id.len())]));
            m.insert("Image".into(), s(&r.image));
            m.insert("Instance".into(), s(&r.instance));
            m.insert("Labels".into(), s(&r.labels));
            m.insert("LocalVolumes".into(), s("0"));
            m.insert("Mounts".into(), s(""));
            m.insert("Names".into(), s(&r.name));
            m.insert("Networks".into(), s(&r.networks));
            m.insert("Ports".into(), s(&r.ports));
            m.insert(
                "RunningFor".into(),
                s(&format!("{} ago", human_duration(rt.now_ns.saturating_sub(r.created_ns)))),
            );
            m.insert("Size".into(), s("0B"));
            m.insert("State".into(), s(&r.state));
            m.insert("Status".into(), s(&r.status));
            out.push_str(&Value::Object(m).to_string());
            out.push('\n');
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(ip: &str, public: u16, private: u16) -> (String, u16, u16, String) {
        (ip.into(), public, private, "tcp".into())
    }

    #[test]
    fn ports_as_docker_prints_them() {
        assert_eq!(displayable_ports(&[]), "");
        assert_eq!(
            displayable_ports(&[p("::", 3000, 3000), p("0.0.0.0", 3000, 3000)]),
            "0.0.0.0:3000->3000/tcp, :::3000->3000/tcp"
        );
        assert_eq!(
            displayable_ports(&[p("0.0.0.0", 32768, 3000), p("::", 32768, 3000)]),
            "0.0.0.0:32768->3000/tcp, :::32768->3000/tcp"
        );
        assert_eq!(
            displayable_ports(&[p("0.0.0.0", 8000, 8000), p("0.0.0.0", 8001, 8001), p("0.0.0.0", 8002, 8002)]),
            "0.0.0.0:8000-8002->8000-8002/tcp"
        );
        assert_eq!(displayable_ports(&[("".into(), 0, 80, "tcp".into())]), "80/tcp");
    }

    #[test]
    fn command_column() {
        let argv: Vec<String> = ["docker-entrypoint.sh", "/bin/sh", "-c", "npm run dev"].map(String::from).to_vec();
        let c = command_string(&argv);
        assert_eq!(c, "docker-entrypoint.sh /bin/sh -c 'npm run dev'");
        assert_eq!(go_quote(&ellipsis(&c, 20)), "\"docker-entrypoint.s…\"");
        assert_eq!(go_quote(&ellipsis("/pause", 20)), "\"/pause\"");
        assert_eq!(go_quote("a\"b"), "\"a\\\"b\"");
    }

    #[test]
    fn tabwriter_like_docker() {
        let t = tabulate(&[
            vec!["CONTAINER ID".into(), "PORTS".into(), "NAMES".into()],
            vec!["96a5460bc946".into(), "".into(), "ecs-agent".into()],
        ]);
        assert_eq!(t, "CONTAINER ID   PORTS     NAMES\n96a5460bc946             ecs-agent\n");
    }
}
