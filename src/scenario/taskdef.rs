//! Task definitions, inline or from a JSON file (register-task-definition input or
//! describe-task-definition output), with the register-time rules ECS applies per network mode.
//! AWS fields ecsnet does not model are accepted and ignored.

use super::build::Builder;
use super::node::container_name_ok;
use super::text::{parse_json, read_text};
use super::types::*;
use super::walk::*;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// AWS's quota of containers per task definition.
const MAX_CONTAINERS: usize = 10;

const TASK_DEF_KNOWN: &[&str] = &[
    "family",
    "revision",
    "networkMode",
    "taskRoleArn",
    "executionRoleArn",
    "containerDefinitions",
    "requiresCompatibilities",
];
const CONTAINER_KNOWN: &[&str] = &[
    "name",
    "image",
    "essential",
    "command",
    "entryPoint",
    "portMappings",
    "environment",
    "links",
    "hostname",
    "dnsServers",
    "dnsSearchDomains",
    "extraHosts",
    "disableNetworking",
    "dockerLabels",
    "x-ecsnet",
];
const PORT_MAPPING_KNOWN: &[&str] =
    &["containerPort", "hostPort", "protocol", "name", "appProtocol", "containerPortRange", "hostPortRange"];
const X_ECSNET_KEYS: &[&str] = &["command", "listen"];

/// A parsed task definition and its explicit revision, if any.
pub(crate) type ParsedTaskDef = (TaskDefinition, Option<Located<u32>>);

impl Builder {
    pub(crate) fn task_definition(&mut self, v: &V<'_>) -> Option<ParsedTaskDef> {
        let m = self.cx.entry_map(v, "a task definition", "family: web")?;
        if m.m.get_key_value("file").is_none() {
            let m = M { what: "a task definition".to_string(), ..m };
            return parse_task_def(&mut self.cx, &m, TaskDefSource::Inline, &mut self.seen.families);
        }
        let m = M { what: "a `file:` task definition entry".to_string(), ..m };
        m.strict_with(
            &mut self.cx,
            &["file"],
            &[
                ("family", "a `file:` entry holds only the path; the task definition's fields go in the JSON file"),
                ("revision", "a `file:` entry holds only the path; put `revision` in the JSON file"),
            ],
        );
        let fv = m.req(&mut self.cx, "file", "taskdefs/web.json")?;
        let f = self.cx.nonempty(&fv)?;
        if f.value.contains('\0') {
            self.cx.err(&f.loc, "the file name contains a NUL character", "");
            return None;
        }
        let path = self.base_dir.join(&f.value);
        let jfile = Arc::new(path.clone());
        let text = match read_text(&path, &jfile, Some(&f.loc)) {
            Ok(t) => t,
            Err(d) => {
                self.cx.diags.push(d);
                return None;
            }
        };
        let root = match parse_json(&text, &jfile) {
            Ok(n) => n,
            Err(d) => {
                self.cx.diags.push(d);
                return None;
            }
        };
        let mut jcx = Ctx::new(jfile);
        let rv = V::root(&root, "task definition file");
        let r = (|| {
            let top = jcx.entry_map(&rv, "a task definition", "{ \"family\": \"web\", ... }")?;
            // describe-task-definition output: { "taskDefinition": { ... }, "tags": [...] }
            let (m, what) = match top.get("taskDefinition") {
                Some(inner) => (jcx.map(&inner, "the task definition")?, "taskDefinition"),
                None => (top, "the task definition"),
            };
            let m = M { what: what.to_string(), ..m };
            parse_task_def(&mut jcx, &m, TaskDefSource::File(path.clone()), &mut self.seen.families)
        })();
        self.cx.diags.append(&mut jcx.diags);
        r
    }

    /// Revisions: explicit ones as given, others the next after the family's highest so far.
    pub(crate) fn assign_revisions(&mut self, parsed: Vec<ParsedTaskDef>) -> Vec<TaskDefinition> {
        let mut used: HashMap<String, HashMap<u32, Loc>> = HashMap::new();
        let mut out = Vec::new();
        for (mut td, rev) in parsed {
            let fam = used.entry(td.family.value.clone()).or_default();
            let r = match rev {
                Some(r) => {
                    if let Some(first) = fam.get(&r.value) {
                        let help = format!(
                            "revision {} of `{}` is already declared at {}; remove one or change `revision`",
                            r.value, td.family.value, first
                        );
                        self.cx.err(
                            &r.loc,
                            format!("task definition `{}:{}` is declared twice", td.family.value, r.value),
                            help,
                        );
                        continue;
                    }
                    r.value
                }
                None => fam.keys().max().copied().unwrap_or(0).saturating_add(1),
            };
            fam.insert(r, td.loc.clone());
            td.revision = r;
            out.push(td);
        }
        out
    }
}

fn parse_task_def(
    cx: &mut Ctx,
    m: &M<'_>,
    source: TaskDefSource,
    families: &mut HashSet<String>,
) -> Option<ParsedTaskDef> {
    m.lenient(cx, TASK_DEF_KNOWN);
    let family = m.req(cx, "family", "web").and_then(|v| cx.string(&v)).and_then(|s| {
        families.insert(s.value.clone());
        if container_name_ok(&s.value) {
            Some(s)
        } else {
            cx.err(
                &s.loc,
                format!("invalid task definition family `{}`", short(&s.value)),
                "up to 255 letters (uppercase and lowercase), numbers, hyphens and underscores are allowed",
            );
            None
        }
    });
    let mut ok = true;
    let revision = match m.get("revision") {
        Some(v) => match cx.uint(&v, 1, u64::from(u32::MAX)) {
            Some(n) => Some(Located::new(u32::try_from(n.value).unwrap_or(1), n.loc)),
            None => {
                ok = false;
                None
            }
        },
        None => None,
    };
    let network_mode = match m.get("networkMode") {
        Some(v) => match cx.choice(&v, &["bridge", "awsvpc", "host", "none"]) {
            Some(s) => Located::new(
                match s.value {
                    "awsvpc" => NetworkMode::Awsvpc,
                    "host" => NetworkMode::Host,
                    "none" => NetworkMode::None,
                    _ => NetworkMode::Bridge,
                },
                s.loc,
            ),
            None => {
                ok = false;
                Located::bare(NetworkMode::Bridge)
            }
        },
        None => Located::new(NetworkMode::Bridge, m.loc.clone()),
    };
    let task_role_arn = m.get("taskRoleArn").and_then(|v| cx.string(&v)).map(|s| s.value);
    let execution_role_arn = m.get("executionRoleArn").and_then(|v| cx.string(&v)).map(|s| s.value);
    if let Some(v) = m.get("requiresCompatibilities") {
        match cx.str_list(&v, 10) {
            Some(l) if !l.is_empty() && !l.iter().any(|s| s.value == "EC2") => {
                let loc = cx.vloc(&v);
                let list: Vec<&str> = l.iter().map(|s| s.value.as_str()).collect();
                cx.err(
                    &loc,
                    format!(
                        "this task definition requires {}, but ecsnet runs tasks with the EC2 launch type",
                        list.join(", ")
                    ),
                    "add \"EC2\" to requiresCompatibilities, or remove the field",
                );
                ok = false;
            }
            Some(_) => {}
            None => ok = false,
        }
    }
    let mut containers = Vec::new();
    if let Some(cv) = m.req(cx, "containerDefinitions", "[{ name: app, image: nginx }]") {
        match cx.items(&cv, 1000) {
            Some(items) if items.is_empty() => {
                let loc = cx.vloc(&cv);
                cx.err(&loc, "`containerDefinitions` is empty", "a task definition needs at least one container");
                ok = false;
            }
            Some(items) if items.len() > MAX_CONTAINERS => {
                let loc = cx.vloc(&cv);
                cx.err(
                    &loc,
                    format!("too many containers: {} (AWS allows {MAX_CONTAINERS} per task definition)", items.len()),
                    "split the task definition",
                );
                ok = false;
            }
            Some(items) => {
                for it in items {
                    match container(cx, &it, network_mode.value) {
                        Some(c) => containers.push(c),
                        None => ok = false,
                    }
                }
            }
            None => ok = false,
        }
    } else {
        ok = false;
    }
    ok &= ecs_rules(cx, network_mode.value, &containers);
    let td = TaskDefinition {
        family: family?,
        revision: 0,
        network_mode,
        task_role_arn,
        execution_role_arn,
        container_definitions: containers,
        source,
        loc: m.loc.clone(),
    };
    ok.then_some((td, revision))
}

/// The register-time rules of ECS that depend on the network mode, and container name rules.
fn ecs_rules(cx: &mut Ctx, mode: NetworkMode, containers: &[ContainerDefinition]) -> bool {
    let before = cx.diags.len();
    let mut names: HashMap<&str, usize> = HashMap::new();
    for c in containers {
        if let Some(line) = names.get(c.name.value.as_str()) {
            cx.err(
                &c.name.loc,
                format!("duplicate container name `{}` (first at line {line})", c.name.value),
                "container names must be unique within a task definition",
            );
        } else {
            names.insert(&c.name.value, c.name.loc.line);
        }
    }
    for c in containers {
        for pm in &c.port_mappings {
            let Some(hp) = &pm.host_port else { continue };
            if hp.value == 0 || hp.value == pm.container_port.value {
                continue;
            }
            match mode {
                NetworkMode::Awsvpc => cx.err(
                    &hp.loc,
                    "When networkMode=awsvpc, the host ports and container ports in port mappings must match.",
                    format!(
                        "remove `hostPort` or set it to {}: an awsvpc task is reached on its own ENI at the container port",
                        pm.container_port.value
                    ),
                ),
                NetworkMode::Host => cx.err(
                    &hp.loc,
                    "When networkMode=host, the host ports and container ports in port mappings must match.",
                    format!(
                        "remove `hostPort` or set it to {}: in host mode the container listens on the instance's own ports (dynamic port mappings can't be used)",
                        pm.container_port.value
                    ),
                ),
                _ => {}
            }
        }
        let not_supported = |cx: &mut Ctx, field: &str, loc: &Loc, why: &str| {
            cx.err(loc, format!("`{field}` is not supported when networkMode={mode}"), why.to_string());
        };
        match mode {
            NetworkMode::Awsvpc => {
                let why = "remove it: the containers of an awsvpc task share the task's network namespace (its ENI), \
                           where Docker cannot set hostname, links, DNS settings or extra hosts per container";
                if let Some(s) = c.links.as_ref().filter(|s| !s.value.is_empty()) {
                    not_supported(cx, "links", &s.loc, why);
                }
                if let Some(s) = c.hostname.as_ref().filter(|s| !s.value.is_empty()) {
                    not_supported(cx, "hostname", &s.loc, why);
                }
                if let Some(s) = c.dns_servers.as_ref().filter(|s| !s.value.is_empty()) {
                    not_supported(cx, "dnsServers", &s.loc, why);
                }
                if let Some(s) = c.dns_search_domains.as_ref().filter(|s| !s.value.is_empty()) {
                    not_supported(cx, "dnsSearchDomains", &s.loc, why);
                }
                if let Some(s) = c.extra_hosts.as_ref().filter(|s| !s.value.is_empty()) {
                    not_supported(cx, "extraHosts", &s.loc, why);
                }
                if let Some(s) = c.disable_networking.as_ref().filter(|s| s.value) {
                    not_supported(cx, "disableNetworking", &s.loc, why);
                }
            }
            NetworkMode::Host | NetworkMode::None => {
                if let Some(s) = c.links.as_ref().filter(|s| !s.value.is_empty()) {
                    not_supported(cx, "links", &s.loc, "remove it: links are only supported when networkMode=bridge");
                }
            }
            NetworkMode::Bridge => {
                if let Some(s) = &c.links {
                    for l in &s.value {
                        let target = l.split(':').next().unwrap_or("");
                        if target == c.name.value || !names.contains_key(target) {
                            let others: Vec<&str> = containers
                                .iter()
                                .map(|o| o.name.value.as_str())
                                .filter(|n| *n != c.name.value)
                                .collect();
                            let help = match suggest(target, &others) {
                                Some(o) => format!("did you mean `{o}`?"),
                                None if others.is_empty() => "this task definition has no other container".to_string(),
                                None => format!("other containers: {}", quoted_list(&others)),
                            };
                            cx.err(
                                &s.loc,
                                format!("link `{}` does not name another container of this task definition", short(l)),
                                format!("write `name` or `name:alias`; {help}"),
                            );
                        }
                    }
                }
            }
        }
    }
    cx.diags.len() == before
}

fn container(cx: &mut Ctx, v: &V<'_>, mode: NetworkMode) -> Option<ContainerDefinition> {
    let m = cx.entry_map(v, "a container definition", "{ name: app, image: nginx }")?;
    let m = M { what: "a container definition".to_string(), ..m };
    m.lenient(cx, CONTAINER_KNOWN);
    let mut ok = true;
    let name = m.req(cx, "name", "app").and_then(|v| cx.string(&v)).and_then(|s| {
        if container_name_ok(&s.value) {
            Some(s)
        } else {
            cx.err(
                &s.loc,
                format!("invalid container name `{}`", short(&s.value)),
                "up to 255 letters (uppercase and lowercase), numbers, hyphens and underscores are allowed",
            );
            None
        }
    });
    let image = m.req(cx, "image", "nginx:latest").and_then(|v| cx.nonempty(&v)).map(|s| s.value);
    let essential = match m.get("essential") {
        Some(v) => cx.boolean(&v).map(|b| b.value).unwrap_or_else(|| {
            ok = false;
            true
        }),
        None => true,
    };
    let list = |cx: &mut Ctx, key: &str, ok: &mut bool| -> Option<Located<Vec<String>>> {
        let v = m.get(key)?;
        match cx.str_list(&v, 1000) {
            Some(l) => Some(Located::new(
                l.into_iter().map(|s| s.value).collect(),
                m.key_loc(cx, key).unwrap_or_else(|| cx.vloc(&v)),
            )),
            None => {
                *ok = false;
                None
            }
        }
    };
    let command = list(cx, "command", &mut ok).map(|s| s.value).unwrap_or_default();
    let entry_point = list(cx, "entryPoint", &mut ok).map(|s| s.value).unwrap_or_default();
    let links = list(cx, "links", &mut ok);
    let dns_servers = list(cx, "dnsServers", &mut ok);
    let dns_search_domains = list(cx, "dnsSearchDomains", &mut ok);

    let mut port_mappings: Vec<PortMapping> = Vec::new();
    if let Some(pv) = m.get("portMappings") {
        let empty = matches!(pv.node, marked_yaml::Node::Sequence(s) if s.is_empty());
        if mode == NetworkMode::None && !empty {
            cx.err(
                &m.key_loc(cx, "portMappings").unwrap_or_else(|| cx.vloc(&pv)),
                "port mappings can't be specified when networkMode=none: the task's containers don't have external connectivity",
                "remove `portMappings`, or use another networkMode",
            );
            ok = false;
        }
        let mut seen: HashMap<(u16, Proto), usize> = HashMap::new();
        for it in cx.items(&pv, 1000).unwrap_or_else(|| {
            ok = false;
            Vec::new()
        }) {
            match port_mapping(cx, &it) {
                Some(pm) => {
                    let key = (pm.container_port.value, pm.protocol);
                    if let Some(line) = seen.get(&key) {
                        cx.err(
                            &pm.container_port.loc,
                            format!(
                                "container port {}/{} is mapped twice in this container (first at line {line})",
                                key.0, key.1
                            ),
                            "keep one port mapping per container port and protocol",
                        );
                        ok = false;
                    } else {
                        seen.insert(key, pm.container_port.loc.line);
                    }
                    port_mappings.push(pm);
                }
                None => ok = false,
            }
        }
    }
    let mut environment = Vec::new();
    if let Some(ev) = m.get("environment") {
        for it in cx.items(&ev, 10_000).unwrap_or_default() {
            let Some(em) = cx.entry_map(&it, "an environment variable", "{ name: PORT, value: \"3000\" }") else {
                ok = false;
                continue;
            };
            let em = M { what: "an environment variable".to_string(), ..em };
            em.lenient(cx, &["name", "value"]);
            let n = em.req(cx, "name", "PORT").and_then(|v| cx.nonempty(&v));
            let val = match em.get("value") {
                Some(v) => cx.string(&v).map(|s| s.value),
                None => Some(String::new()),
            };
            match (n, val) {
                (Some(n), Some(val)) => environment.push((n.value, val)),
                _ => ok = false,
            }
        }
    }
    let hostname = match m.get("hostname") {
        Some(v) => match cx.string(&v) {
            Some(s) => Some(Located::new(s.value, m.key_loc(cx, "hostname").unwrap_or(s.loc))),
            None => {
                ok = false;
                None
            }
        },
        None => None,
    };
    let extra_hosts = match m.get("extraHosts") {
        Some(xv) => {
            let mut hosts = Vec::new();
            for it in cx.items(&xv, 1000).unwrap_or_default() {
                let Some(hm) = cx.entry_map(&it, "an extra host", "{ hostname: db, ipAddress: 10.0.1.5 }") else {
                    ok = false;
                    continue;
                };
                let hm = M { what: "an extra host".to_string(), ..hm };
                hm.lenient(cx, &["hostname", "ipAddress"]);
                let h = hm.req(cx, "hostname", "db").and_then(|v| cx.nonempty(&v));
                let ip = hm.req(cx, "ipAddress", "10.0.1.5").and_then(|v| cx.nonempty(&v));
                match (h, ip) {
                    (Some(h), Some(ip)) => hosts.push((h.value, ip.value)),
                    _ => ok = false,
                }
            }
            Some(Located::new(hosts, m.key_loc(cx, "extraHosts").unwrap_or_else(|| cx.vloc(&xv))))
        }
        None => None,
    };
    let disable_networking = match m.get("disableNetworking") {
        Some(v) => match cx.boolean(&v) {
            Some(b) => Some(Located::new(b.value, m.key_loc(cx, "disableNetworking").unwrap_or(b.loc))),
            None => {
                ok = false;
                None
            }
        },
        None => None,
    };
    let mut docker_labels = Vec::new();
    if let Some(lv) = m.get("dockerLabels") {
        match cx.map(&lv, "label: value pairs") {
            Some(lm) => {
                for (k, val) in lm.m.iter() {
                    let vv = V { node: val, key: Some(k), field: k.as_str().to_string() };
                    match cx.string(&vv) {
                        Some(s) => docker_labels.push((k.as_str().to_string(), s.value)),
                        None => ok = false,
                    }
                }
            }
            None => ok = false,
        }
    }
    let mut x_ecsnet = XEcsnet::default();
    if let Some(xv) = m.get("x-ecsnet") {
        match cx.map(&xv, "ecsnet's own container settings") {
            Some(xm) => {
                let xm = M { what: "x-ecsnet".to_string(), ..xm };
                xm.strict(cx, X_ECSNET_KEYS);
                if let Some(cv) = xm.get("command") {
                    match cx.str_list(&cv, 1000) {
                        Some(l) if l.is_empty() => {
                            let loc = cx.vloc(&cv);
                            cx.err(&loc, "`command` is empty", "write the program and its arguments, e.g. [\"python3\", \"-m\", \"http.server\", \"3000\"]");
                            ok = false;
                        }
                        Some(l) => x_ecsnet.command = Some(l.into_iter().map(|s| s.value).collect()),
                        None => ok = false,
                    }
                }
                if let Some(lv) = xm.get("listen") {
                    for it in cx.items(&lv, 1000).unwrap_or_else(|| {
                        ok = false;
                        Vec::new()
                    }) {
                        match cx.port_proto(&it) {
                            Some(pp) if !x_ecsnet.listen.contains(&pp) => x_ecsnet.listen.push(pp),
                            Some(_) => {}
                            None => ok = false,
                        }
                    }
                }
            }
            None => ok = false,
        }
    }
    let c = ContainerDefinition {
        name: name?,
        image: image?,
        essential,
        command,
        entry_point,
        port_mappings,
        environment,
        links,
        hostname,
        dns_servers,
        dns_search_domains,
        extra_hosts,
        disable_networking,
        docker_labels,
        x_ecsnet,
        loc: m.loc.clone(),
    };
    ok.then_some(c)
}

fn port_mapping(cx: &mut Ctx, v: &V<'_>) -> Option<PortMapping> {
    let m = cx.entry_map(v, "a port mapping", "{ containerPort: 3000, protocol: tcp }")?;
    let m = M { what: "a port mapping".to_string(), ..m };
    m.lenient(cx, PORT_MAPPING_KNOWN);
    if let Some(r) = m.get("containerPortRange") {
        let loc = cx.vloc(&r);
        cx.err(
            &loc,
            "`containerPortRange` is not supported by ecsnet",
            "list each port as its own entry: `- { containerPort: 8000 }`",
        );
        return None;
    }
    let cp = m.req(cx, "containerPort", "3000").and_then(|v| cx.port(&v, false));
    let hp = match m.get("hostPort") {
        Some(v) => Some(cx.port(&v, true)?),
        None => None,
    };
    let protocol = match m.get("protocol") {
        Some(v) => match cx.choice(&v, &["tcp", "udp"])?.value {
            "udp" => Proto::Udp,
            _ => Proto::Tcp,
        },
        None => Proto::Tcp,
    };
    Some(PortMapping { container_port: cp?, host_port: hp, protocol, loc: m.loc.clone() })
}
