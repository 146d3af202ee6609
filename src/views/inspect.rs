//! `docker inspect` of an emulated container, in Docker's key order, for the fields that matter
//! to networking: the awsvpc app container's `NetworkMode` is `container:<pause id>` and its
//! `Networks` is empty, the pause container's is `none`, a bridge container's has its docker0
//! address. `SandboxKey` is the container's real network namespace in the lab.

use super::{Runtime, host_ips, state};
use crate::dataplane::sandbox::container_dir;
use crate::dataplane::state::dir as state_dir;
use crate::i18n::tr;
use crate::model::docker::{ContainerKind as Kind, ContainerRef as Ctr, containers};
use crate::model::ids::image_id;
use crate::model::{Lab, ids};
use crate::scenario::{NetworkMode, Node as NodeId};
use crate::sys::netns;
use crate::sys::time::rfc3339_nano;
use serde::Serialize;
use std::collections::BTreeMap;

const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Inspect {
    pub id: String,
    pub created: String,
    pub path: String,
    pub args: Vec<String>,
    pub state: State,
    pub image: String,
    pub resolv_conf_path: String,
    pub hostname_path: String,
    pub hosts_path: String,
    pub name: String,
    pub restart_count: u32,
    pub driver: &'static str,
    pub platform: &'static str,
    pub host_config: HostConfig,
    pub config: Config,
    pub network_settings: NetworkSettings,
    /// Not Docker's: where the container lives in the lab.
    pub ecsnet: Ecsnet,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct State {
    pub status: &'static str,
    pub running: bool,
    pub paused: bool,
    pub restarting: bool,
    #[serde(rename = "OOMKilled")]
    pub oom_killed: bool,
    pub dead: bool,
    pub pid: i32,
    pub exit_code: i32,
    pub error: String,
    pub started_at: String,
    pub finished_at: String,
    /// The ecs-agent image's HEALTHCHECK (the introspection API, served once registered).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health: Option<Health>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Health {
    pub status: &'static str,
    pub failing_streak: u32,
    pub log: Vec<serde_json::Value>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct HostBinding {
    pub host_ip: String,
    pub host_port: String,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct HostConfig {
    pub binds: Vec<String>,
    pub network_mode: String,
    pub port_bindings: BTreeMap<String, Vec<HostBinding>>,
    pub restart_policy: RestartPolicy,
    pub auto_remove: bool,
    pub cap_add: Option<Vec<String>>,
    pub dns: Option<Vec<String>>,
    pub dns_search: Option<Vec<String>>,
    pub extra_hosts: Option<Vec<String>>,
    pub privileged: bool,
    pub publish_all_ports: bool,
    pub cgroup_parent: String,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RestartPolicy {
    pub name: &'static str,
    pub maximum_retry_count: u32,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Empty {}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Config {
    pub hostname: String,
    pub domainname: String,
    pub user: String,
    pub attach_stdin: bool,
    pub attach_stdout: bool,
    pub attach_stderr: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exposed_ports: Option<BTreeMap<String, Empty>>,
    pub tty: bool,
    pub open_stdin: bool,
    pub stdin_once: bool,
    pub env: Option<Vec<String>>,
    pub cmd: Option<Vec<String>>,
    pub image: String,
    pub volumes: Option<Empty>,
    pub working_dir: String,
    pub entrypoint: Option<Vec<String>>,
    pub on_build: Option<Vec<String>>,
    pub labels: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NetworkSettings {
    pub bridge: String,
    #[serde(rename = "SandboxID")]
    pub sandbox_id: String,
    pub sandbox_key: String,
    pub ports: BTreeMap<String, Option<Vec<HostBinding>>>,
    pub hairpin_mode: bool,
    #[serde(rename = "LinkLocalIPv6Address")]
    pub link_local_ipv6_address: String,
    #[serde(rename = "LinkLocalIPv6PrefixLen")]
    pub link_local_ipv6_prefix_len: u8,
    #[serde(rename = "SecondaryIPAddresses")]
    pub secondary_ip_addresses: Option<Vec<String>>,
    #[serde(rename = "SecondaryIPv6Addresses")]
    pub secondary_ipv6_addresses: Option<Vec<String>>,
    #[serde(rename = "EndpointID")]
    pub endpoint_id: String,
    pub gateway: String,
    #[serde(rename = "GlobalIPv6Address")]
    pub global_ipv6_address: String,
    #[serde(rename = "GlobalIPv6PrefixLen")]
    pub global_ipv6_prefix_len: u8,
    #[serde(rename = "IPAddress")]
    pub ip_address: String,
    #[serde(rename = "IPPrefixLen")]
    pub ip_prefix_len: u8,
    #[serde(rename = "IPv6Gateway")]
    pub ipv6_gateway: String,
    pub mac_address: String,
    pub networks: BTreeMap<String, Node>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Node {
    #[serde(rename = "IPAMConfig")]
    pub ipam_config: Option<Empty>,
    pub links: Option<Vec<String>>,
    pub aliases: Option<Vec<String>>,
    pub mac_address: String,
    #[serde(rename = "NetworkID")]
    pub network_id: String,
    #[serde(rename = "EndpointID")]
    pub endpoint_id: String,
    pub gateway: String,
    #[serde(rename = "IPAddress")]
    pub ip_address: String,
    #[serde(rename = "IPPrefixLen")]
    pub ip_prefix_len: u8,
    #[serde(rename = "IPv6Gateway")]
    pub ipv6_gateway: String,
    #[serde(rename = "GlobalIPv6Address")]
    pub global_ipv6_address: String,
    #[serde(rename = "GlobalIPv6PrefixLen")]
    pub global_ipv6_prefix_len: u8,
    pub driver_opts: Option<Empty>,
    #[serde(rename = "DNSNames")]
    pub dns_names: Option<Vec<String>>,
}

/// ecsnet's own block: the instance, the node to `ecsnet exec` into and the namespace.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Ecsnet {
    pub instance: String,
    pub node: String,
    pub namespace: String,
    pub process: String,
}

/// A 64-hex id of a Docker network or endpoint, stable per lab.
fn hex_id(parts: &[&str]) -> String {
    ids::hex(parts, 64)
}

fn empty_endpoint(lab: &Lab, inst: &str, network: &str, who: &str) -> Node {
    Node {
        ipam_config: None,
        links: None,
        aliases: None,
        mac_address: String::new(),
        network_id: hex_id(&[&lab.name, "docker-network", inst, network]),
        endpoint_id: hex_id(&[&lab.name, "docker-endpoint", who]),
        gateway: String::new(),
        ip_address: String::new(),
        ip_prefix_len: 0,
        ipv6_gateway: String::new(),
        global_ipv6_address: String::new(),
        global_ipv6_prefix_len: 0,
        driver_opts: None,
        dns_names: None,
    }
}

/// Port bindings (bridge only: awsvpc's container mode rejects them, host mode has none).
struct Ports {
    bindings: BTreeMap<String, Vec<HostBinding>>,
    published: BTreeMap<String, Option<Vec<HostBinding>>>,
    exposed: BTreeMap<String, Empty>,
}

fn ports(c: &Ctr<'_>) -> Ports {
    let mut p = Ports { bindings: BTreeMap::new(), published: BTreeMap::new(), exposed: BTreeMap::new() };
    if !matches!(c.kind, Kind::App(_)) {
        return p;
    }
    for b in &c.model().ports {
        let key = format!("{}/{}", b.container_port, b.proto);
        p.exposed.insert(key.clone(), Empty {});
        if c.mode() == NetworkMode::Bridge {
            let hp = b.host_port.unwrap_or(b.container_port).to_string();
            p.bindings
                .entry(key.clone())
                .or_default()
                .push(HostBinding { host_ip: String::new(), host_port: hp.clone() });
            let v = p.published.entry(key).or_insert_with(|| Some(vec![])).get_or_insert_with(Vec::new);
            v.extend(host_ips(c).iter().map(|ip| HostBinding { host_ip: ip.to_string(), host_port: hp.clone() }));
        }
    }
    p
}

/// NetworkSettings as Docker reports them for each mode.
fn network_settings(c: &Ctr<'_>, published: BTreeMap<String, Option<Vec<HostBinding>>>) -> NetworkSettings {
    let (lab, m) = (c.lab, c.model());
    let who = format!("{}/{}", c.host_name(), m.docker_id);
    let mut networks = BTreeMap::new();
    let mut ns = NetworkSettings {
        bridge: String::new(),
        sandbox_id: String::new(),
        sandbox_key: String::new(),
        ports: published,
        hairpin_mode: false,
        link_local_ipv6_address: String::new(),
        link_local_ipv6_prefix_len: 0,
        secondary_ip_addresses: None,
        secondary_ipv6_addresses: None,
        endpoint_id: String::new(),
        gateway: String::new(),
        global_ipv6_address: String::new(),
        global_ipv6_prefix_len: 0,
        ip_address: String::new(),
        ip_prefix_len: 0,
        ipv6_gateway: String::new(),
        mac_address: String::new(),
        networks: BTreeMap::new(),
    };
    let sandbox = |ns: &mut NetworkSettings, path: &str| {
        ns.sandbox_id = hex_id(&[&lab.name, "docker-sandbox", path]);
        ns.sandbox_key = netns::path(path).display().to_string();
    };
    // A Fargate task's containers: no Docker network a user can inspect (no instance).
    let Some(inst) = c.inst() else { return ns };
    match (c.kind, c.mode()) {
        // Joined to the pause container's namespace: Docker reports no network of its own.
        (Kind::App(_), NetworkMode::Awsvpc) => {}
        (Kind::Pause, _) | (_, NetworkMode::None) => {
            sandbox(&mut ns, c.ns());
            networks.insert("none".to_string(), empty_endpoint(lab, &inst.name, "none", &who));
        }
        (_, NetworkMode::Host) => {
            sandbox(&mut ns, &inst.ns);
            networks.insert("host".to_string(), empty_endpoint(lab, &inst.name, "host", &who));
        }
        (_, NetworkMode::Bridge) => {
            sandbox(&mut ns, c.ns());
            let mut e = empty_endpoint(lab, &inst.name, "bridge", &who);
            e.mac_address = m.mac.clone().unwrap_or_default();
            e.gateway = inst.docker0_gw().to_string();
            e.ip_address = m.ip.map(|i| i.to_string()).unwrap_or_default();
            e.ip_prefix_len = inst.docker0.prefix();
            ns.endpoint_id = e.endpoint_id.clone();
            ns.gateway = e.gateway.clone();
            ns.ip_address = e.ip_address.clone();
            ns.ip_prefix_len = e.ip_prefix_len;
            ns.mac_address = e.mac_address.clone();
            networks.insert("bridge".to_string(), e);
        }
        (_, NetworkMode::Awsvpc) => {}
    }
    ns.networks = networks;
    ns
}

fn host_config(c: &Ctr<'_>, port_bindings: BTreeMap<String, Vec<HostBinding>>) -> HostConfig {
    let task = c.task();
    let pause_id = task.and_then(|t| t.pause.as_ref()).map(|p| p.docker_id.clone()).unwrap_or_default();
    let network_mode = match (c.kind, c.mode()) {
        (Kind::Pause, _) => "none".to_string(),
        // A Fargate task's containers: no pause container a user sees, no Docker network.
        (_, NetworkMode::Awsvpc) if task.is_some_and(|t| t.is_fargate()) => "awsvpc".to_string(),
        (_, NetworkMode::Awsvpc) => format!("container:{pause_id}"),
        (_, m) => m.to_string(),
    };
    HostConfig {
        binds: vec![],
        network_mode,
        port_bindings,
        restart_policy: RestartPolicy { name: "no", maximum_retry_count: 0 },
        auto_remove: false,
        cap_add: (c.kind == Kind::Agent).then(|| vec!["NET_ADMIN".to_string(), "SYS_ADMIN".to_string()]),
        dns: c.dns_config().0,
        dns_search: c.dns_config().1,
        extra_hosts: c.extra_hosts(),
        privileged: false,
        publish_all_ports: false,
        cgroup_parent: task.map(|t| format!("/ecs/{}", t.id)).unwrap_or_default(),
    }
}

fn config(c: &Ctr<'_>, exposed: BTreeMap<String, Empty>) -> Config {
    let m = c.model();
    let list = |v: &[String]| (!v.is_empty()).then(|| v.to_vec());
    Config {
        hostname: c.hostname(),
        domainname: String::new(),
        user: String::new(),
        attach_stdin: false,
        attach_stdout: false,
        attach_stderr: false,
        exposed_ports: (!exposed.is_empty()).then_some(exposed),
        tty: false,
        open_stdin: false,
        stdin_once: false,
        env: c.config_env().map(|env| env.iter().map(|(k, v)| format!("{k}={v}")).collect()),
        cmd: list(&m.cmd),
        image: m.image.clone(),
        volumes: None,
        working_dir: String::new(),
        entrypoint: list(&m.entrypoint),
        on_build: None,
        labels: c.labels(),
    }
}

/// Where one of the files Docker writes for the container is (an awsvpc container's are its
/// pause container's): in the lab's state, where `ecsnet exec` mounts it from.
fn file_path(c: &Ctr<'_>, name: &str) -> String {
    container_dir(&state_dir(&c.lab.name), &c.files_owner().docker_id).join(name).display().to_string()
}

/// The `docker inspect` object of a container.
pub fn inspect(c: &Ctr<'_>, rt: &Runtime) -> Inspect {
    let m = c.model();
    let (pid, running, started) = state(c, rt);
    let Ports { bindings, published, exposed } = ports(c);
    let command_line = m.command_line();
    let (path, args) = match command_line.split_first() {
        Some((p, a)) => (p.clone(), a.to_vec()),
        None => (String::new(), vec![]),
    };
    Inspect {
        id: m.docker_id.clone(),
        created: rfc3339_nano(c.created_ns(rt.created_ns)),
        path,
        args,
        state: State {
            status: if running {
                "running"
            } else if rt.stopped_reason(c).is_some() {
                "created"
            } else {
                "exited"
            },
            running,
            paused: false,
            restarting: false,
            oom_killed: false,
            dead: false,
            pid: if running { pid } else { 0 },
            exit_code: 0,
            // The agent's reason, where Docker keeps why a container could not start.
            error: rt.stopped_reason(c).unwrap_or_default().to_string(),
            started_at: if rt.stopped_reason(c).is_some() { ZERO_TIME.into() } else { rfc3339_nano(started) },
            finished_at: ZERO_TIME.into(),
            health: (c.kind == crate::model::docker::ContainerKind::Agent && running).then(|| {
                // Docker retries three times before it calls a container unhealthy.
                let unhealthy = rt.unregistered(&c.host_name());
                Health {
                    status: if unhealthy { "unhealthy" } else { "healthy" },
                    failing_streak: if unhealthy { 3 } else { 0 },
                    log: vec![],
                }
            }),
        },
        image: image_id(&m.image),
        resolv_conf_path: file_path(c, "resolv.conf"),
        hostname_path: file_path(c, "hostname"),
        hosts_path: file_path(c, "hosts"),
        name: format!("/{}", m.docker_name),
        restart_count: 0,
        driver: "overlay2",
        platform: "linux",
        host_config: host_config(c, bindings),
        config: config(c, exposed),
        network_settings: network_settings(c, published),
        ecsnet: Ecsnet {
            instance: match c.inst() {
                Some(i) => NodeId::instance(&i.name).to_string(),
                None => "Fargate".to_string(),
            },
            node: c.node().to_string(),
            namespace: c.ns().to_string(),
            process: match c.role().as_str() {
                "agent" if matches!(c.kind, Kind::App(_)) => "agent (built-in responder)".to_string(),
                r => r.to_string(),
            },
        },
    }
}

/// Find containers by docker name (with or without the leading `/`), full id, or id prefix of
/// at least 3 characters; optionally only on one instance. Ambiguity is an error that lists the
/// candidates.
pub fn find<'a>(lab: &'a Lab, what: &str, instance: Option<&str>) -> Result<Ctr<'a>, String> {
    let all: Vec<Ctr<'a>> =
        containers(lab).into_iter().filter(|c| instance.is_none_or(|n| c.host_name() == n)).collect();
    let name = what.strip_prefix('/').unwrap_or(what);
    let pick = |v: Vec<Ctr<'a>>| -> Result<Option<Ctr<'a>>, String> {
        match v.len() {
            0 => Ok(None),
            1 => Ok(v.into_iter().next()),
            _ => Err(format!(
                "{}:\n{}",
                if instance.is_none() {
                    tr!(
                        "inspect-ambiguous-instance",
                        "`{ $what }` matches { $count } containers, give a longer id prefix or --instance NAME",
                        what = what,
                        count = v.len()
                    )
                } else {
                    tr!(
                        "inspect-ambiguous",
                        "`{ $what }` matches { $count } containers, give a longer id prefix",
                        what = what,
                        count = v.len()
                    )
                },
                v.iter()
                    .map(|c| format!(
                        "  {}  {}  ({})",
                        &c.model().docker_id[..12.min(c.model().docker_id.len())],
                        c.model().docker_name,
                        match c.inst() {
                            Some(i) => NodeId::instance(&i.name).to_string(),
                            None => "Fargate".to_string(),
                        }
                    ))
                    .collect::<Vec<_>>()
                    .join("\n")
            )),
        }
    };
    // A node as `exec` takes it: `task/NAME/CONTAINER`, `task/NAME` (the pause container of
    // an awsvpc task, else its first container), `instance/NAME` (its ecs-agent).
    if what.starts_with("task/") || what.starts_with("instance/") {
        let exact: Vec<Ctr<'a>> = all.iter().copied().filter(|c| c.node().to_string() == what).collect();
        let first_of_task = || {
            let t = what.strip_prefix("task/").filter(|t| !t.contains('/'))?;
            all.iter().copied().find(|c| c.task().is_some_and(|x| x.name == t) && matches!(c.kind, Kind::App(_)))
        };
        return exact.into_iter().next().or_else(first_of_task).ok_or_else(|| {
            tr!(
                "inspect-no-node",
                "no container plays `{ $what }` in lab { $lab } (see `ecsnet ps { $lab }`)",
                what = what,
                lab = lab.name
            )
        });
    }
    if let Some(c) = pick(all.iter().copied().filter(|c| c.model().docker_id == what).collect())? {
        return Ok(c);
    }
    if let Some(c) = pick(all.iter().copied().filter(|c| c.model().docker_name == name).collect())? {
        return Ok(c);
    }
    let is_hex = what.chars().all(|ch| ch.is_ascii_hexdigit());
    if is_hex && what.len() >= 3 {
        if let Some(c) = pick(all.iter().copied().filter(|c| c.model().docker_id.starts_with(what)).collect())? {
            return Ok(c);
        }
    } else if is_hex && !what.is_empty() {
        return Err(tr!("inspect-short-id", "`{ $what }`: give at least 3 characters of a container id", what = what));
    }
    Err(tr!(
        "inspect-no-container",
        "no such container `{ $what }` in lab { $lab } (see `ecsnet ps { $lab }`)",
        what = what,
        lab = lab.name
    ))
}

/// `docker inspect` output for the given containers: a JSON array, 4-space indented.
pub fn render(items: &[Inspect]) -> String {
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    // Serializing plain data into memory cannot fail.
    let _ = items.serialize(&mut ser);
    let mut s = String::from_utf8(buf).unwrap_or_default();
    s.push('\n');
    s
}
