//! Container definitions of a task definition: ports, environment, the Docker networking
//! settings ECS allows per network mode, the resources and log configuration the metadata
//! endpoint reports, and ecsnet's own `x-ecsnet` (what runs in it). AWS fields ecsnet does not
//! model are accepted and ignored.

use super::fields::{Shape, Table, def, ignored, opt, req};
use super::located::{Loc, Located};
use super::node::container_name_ok;
use super::primitives::{NetworkMode, PORT_PROTOCOLS, PortProto, Proto};
use super::walk::*;
use crate::i18n::tr;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ContainerDefinition {
    pub name: Located<String>,
    pub image: String,
    pub essential: bool,
    pub command: Vec<String>,
    pub entry_point: Vec<String>,
    pub port_mappings: Vec<PortMapping>,
    pub environment: Vec<(String, String)>,
    pub links: Option<Located<Vec<String>>>,
    pub hostname: Option<Located<String>>,
    pub dns_servers: Option<Located<Vec<String>>>,
    pub dns_search_domains: Option<Located<Vec<String>>>,
    pub extra_hosts: Option<Located<Vec<(String, String)>>>,
    pub disable_networking: Option<Located<bool>>,
    pub docker_labels: Vec<(String, String)>,
    /// CPU units (1024 = one vCPU); None when not given.
    pub cpu: Option<u32>,
    /// The hard memory limit in MiB.
    pub memory: Option<u32>,
    /// `logConfiguration.logDriver`.
    pub log_driver: Option<String>,
    /// `logConfiguration.options`, in file order.
    pub log_options: Vec<(String, String)>,
    /// `secrets`: environment variables the agent fills from Secrets Manager or SSM before the
    /// task starts.
    #[serde(default)]
    pub secrets: Vec<SecretRef>,
    pub x_ecsnet: XEcsnet,
    pub loc: Loc,
}

/// One entry of a container's `secrets`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretRef {
    /// The environment variable's name.
    pub name: String,
    /// A Secrets Manager secret's ARN, or an SSM parameter's ARN or name.
    pub value_from: String,
}

/// Where a `valueFrom` points.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SecretSource {
    /// Secrets Manager: the secret's id (its ARN without a JSON key, stage or version suffix).
    SecretsManager(String),
    /// SSM Parameter Store: the parameter's name (`/app/db` from `...:parameter/app/db`).
    Ssm(String),
}

impl SecretRef {
    /// Which service holds it, as the ECS agent decides: a Secrets Manager ARN, else SSM.
    pub fn source(&self) -> Option<SecretSource> {
        let v = self.value_from.trim();
        if let Some(rest) = v.strip_prefix("arn:") {
            let parts: Vec<&str> = rest.splitn(5, ':').collect();
            return match parts.as_slice() {
                [_, "secretsmanager", _, _, res] if res.starts_with("secret:") => {
                    // arn:aws:secretsmanager:r:acct:secret:NAME[:json-key:stage:version]
                    let name = res.split(':').nth(1).unwrap_or("");
                    (!name.is_empty())
                        .then(|| SecretSource::SecretsManager(format!("arn:{}:secret:{name}", parts[..4].join(":"))))
                }
                [_, "ssm", _, _, res] => {
                    let name = res.strip_prefix("parameter")?;
                    // `parameter/app/db` names `/app/db`; `parameter/db` names `db`.
                    let name = if name.matches('/').count() > 1 { name } else { name.trim_start_matches('/') };
                    (!name.is_empty()).then(|| SecretSource::Ssm(name.to_string()))
                }
                _ => None,
            };
        }
        (!v.is_empty()).then(|| SecretSource::Ssm(v.to_string()))
    }

    /// The JSON key a Secrets Manager `valueFrom` asks of the secret's value
    /// (`arn:…:secret:NAME:json-key:stage:version`), when it names one.
    pub fn json_key(&self) -> Option<String> {
        match self.source()? {
            SecretSource::SecretsManager(_) => {
                let res = self.value_from.trim().splitn(6, ':').nth(5)?;
                let key = res.split(':').nth(2)?;
                (!key.is_empty()).then(|| key.to_string())
            }
            SecretSource::Ssm(_) => None,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PortMapping {
    pub container_port: Located<u16>,
    /// None or 0 in the file: dynamic (bridge) / equal to containerPort (awsvpc, host).
    pub host_port: Option<Located<u16>>,
    pub protocol: Proto,
    pub loc: Loc,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct XEcsnet {
    /// A real program to run instead of the built-in responder.
    pub command: Option<Vec<String>>,
    /// Extra ports the responder listens on, not mapped.
    pub listen: Vec<PortProto>,
    /// HTTP paths the built-in responder answers with another status than 200 (a failing
    /// health check path), in file order.
    #[serde(default)]
    pub http_status: Vec<(String, u16)>,
}

const TEXT_LIST: Shape = Shape::List(&Shape::Text);
const PORT: Shape = Shape::Int { min: 1, max: 65535 };
/// The kernel's range of CPU shares, which Docker gets the units as (0: none given).
const CONTAINER_CPU: Shape = Shape::Int { min: 0, max: 262_144 };
/// Docker refuses a memory limit under 6 MiB.
const CONTAINER_MEMORY: Shape = Shape::Int { min: 6, max: 4_294_967_295 };

/// The log drivers of ECS's `LogConfiguration`.
pub(crate) const LOG_DRIVERS: &[&str] =
    &["awslogs", "fluentd", "gelf", "json-file", "journald", "splunk", "syslog", "awsfirelens"];

pub(crate) static TABLE: Table = Table {
    id: "containerDefinition",
    doc: "A container definition, as in the ECS API; fields ecsnet does not model are accepted and ignored.",
    strict: false,
    rules: &[],
    fields: &[
        req("name", Shape::EcsName, "The container's name, unique in the task definition."),
        req("image", Shape::Text, "The image, shown by ps and inspect; nothing is pulled or run from it."),
        def("essential", Shape::Bool, "true", "Whether the task stops when this container stops (shown by inspect)."),
        opt("command", TEXT_LIST, "The image's command, shown by ps and inspect (not run; see x-ecsnet.command)."),
        opt("entryPoint", TEXT_LIST, "The image's entry point, shown by inspect (not run)."),
        opt(
            "portMappings",
            Shape::List(&Shape::Block(&PORT_MAPPING)),
            "Ports the container listens on, and how they are published.",
        ),
        opt(
            "environment",
            Shape::List(&Shape::Block(&ENVIRONMENT)),
            "Environment variables (for x-ecsnet.command, and inspect).",
        ),
        opt("links", TEXT_LIST, "bridge only: `name` or `name:alias` of another container of the task definition."),
        opt("hostname", Shape::Text, "The container's hostname (not with awsvpc)."),
        opt("dnsServers", TEXT_LIST, "DNS servers (not with awsvpc)."),
        opt("dnsSearchDomains", TEXT_LIST, "DNS search domains (not with awsvpc)."),
        opt("extraHosts", Shape::List(&Shape::Block(&EXTRA_HOST)), "/etc/hosts entries (not with awsvpc)."),
        opt("disableNetworking", Shape::Bool, "Docker's NetworkDisabled (not `true` with awsvpc)."),
        opt("dockerLabels", Shape::TextMap, "Docker labels, shown by inspect."),
        opt("cpu", CONTAINER_CPU, "CPU units (1024 = one vCPU), shown by the metadata endpoint's `Limits`."),
        opt("memory", CONTAINER_MEMORY, "The hard memory limit in MiB, shown by the metadata endpoint's `Limits`."),
        opt(
            "logConfiguration",
            Shape::Block(&LOG_CONFIGURATION),
            "The log driver and its options, shown by the metadata endpoint (`LogDriver`, `LogOptions`).",
        ),
        opt(
            "secrets",
            Shape::List(&Shape::Block(&SECRET)),
            "Environment variables from Secrets Manager or SSM Parameter Store, fetched by the agent before the task starts.",
        ),
        opt("x-ecsnet", Shape::Block(&X_ECSNET), "ecsnet's own settings: what runs in the container."),
        ignored("memoryReservation", "Accepted and ignored."),
        ignored("healthCheck", "Accepted and ignored."),
        ignored("mountPoints", "Accepted and ignored."),
        ignored("volumesFrom", "Accepted and ignored."),
        ignored("environmentFiles", "Accepted and ignored."),
        ignored("workingDirectory", "Accepted and ignored."),
        ignored("user", "Accepted and ignored."),
        ignored("privileged", "Accepted and ignored."),
        ignored("readonlyRootFilesystem", "Accepted and ignored."),
        ignored("ulimits", "Accepted and ignored."),
        ignored("linuxParameters", "Accepted and ignored."),
        ignored("dependsOn", "Accepted and ignored."),
        ignored("startTimeout", "Accepted and ignored."),
        ignored("stopTimeout", "Accepted and ignored."),
        // The rest of the ECS API's fields: known, so that a misspelt field is told apart.
        ignored("repositoryCredentials", "Accepted and ignored."),
        ignored("restartPolicy", "Accepted and ignored."),
        ignored("versionConsistency", "Accepted and ignored."),
        ignored("interactive", "Accepted and ignored."),
        ignored("pseudoTerminal", "Accepted and ignored."),
        ignored("dockerSecurityOptions", "Accepted and ignored."),
        ignored("systemControls", "Accepted and ignored."),
        ignored("resourceRequirements", "Accepted and ignored."),
        ignored("firelensConfiguration", "Accepted and ignored."),
        ignored("credentialSpecs", "Accepted and ignored."),
    ],
};

pub(crate) static PORT_MAPPING: Table = Table {
    id: "portMapping",
    doc: "A port mapping, as in the ECS API.",
    strict: false,
    rules: &[],
    fields: &[
        req("containerPort", PORT, "The port the container listens on."),
        opt(
            "hostPort",
            Shape::Int { min: 0, max: 65535 },
            "bridge: the instance's port (0 or omitted: a dynamic port from 32768-60999); awsvpc and host: omitted or equal to containerPort.",
        ),
        def("protocol", Shape::Enum(PORT_PROTOCOLS), "\"tcp\"", "`tcp` or `udp`."),
        opt("name", Shape::Text, "Accepted and ignored (Service Connect)."),
        opt("appProtocol", Shape::Text, "Accepted and ignored (Service Connect)."),
        opt("containerPortRange", Shape::Text, "Not supported by ecsnet: list each port as its own mapping."),
        opt("hostPortRange", Shape::Text, "Accepted and ignored."),
    ],
};

pub(crate) static ENVIRONMENT: Table = Table {
    id: "environmentVariable",
    doc: "An environment variable.",
    strict: false,
    rules: &[],
    fields: &[
        req("name", Shape::Text, "The variable's name."),
        def(
            "value",
            Shape::AnyOf(&[Shape::Text, Shape::Int { min: 0, max: u64::MAX }, Shape::Bool]),
            "\"\"",
            "Its value.",
        ),
    ],
};

pub(crate) static SECRET: Table = Table {
    id: "secret",
    doc: "A secret given to the container as an environment variable, as in the ECS API.",
    strict: false,
    rules: &[],
    fields: &[
        req("name", Shape::Text, "The environment variable's name."),
        req(
            "valueFrom",
            Shape::Text,
            "A Secrets Manager secret's ARN, or an SSM parameter's ARN or name (same region).",
        ),
    ],
};

pub(crate) static EXTRA_HOST: Table = Table {
    id: "extraHost",
    doc: "An /etc/hosts entry.",
    strict: false,
    rules: &[],
    fields: &[req("hostname", Shape::Text, "The host name."), req("ipAddress", Shape::Text, "Its address.")],
};

pub(crate) static LOG_CONFIGURATION: Table = Table {
    id: "logConfiguration",
    doc: "A container's log configuration, as in the ECS API.",
    strict: false,
    rules: &[],
    fields: &[
        req("logDriver", Shape::Enum(LOG_DRIVERS), "The Docker log driver."),
        opt("options", Shape::TextMap, "The driver's options (`awslogs-group: /ecs/web`)."),
        ignored("secretOptions", "Accepted and ignored."),
    ],
};

pub(crate) static X_ECSNET: Table = Table {
    id: "xEcsnet",
    doc: "ecsnet's own container settings (an extension; ECS has no such field).",
    strict: true,
    rules: &[],
    fields: &[
        opt(
            "command",
            TEXT_LIST,
            "A real program and its arguments, run in the container's namespaces with the ECS environment, instead of the built-in responder.",
        ),
        opt(
            "listen",
            Shape::List(&Shape::PortProto),
            "More ports for the built-in responder, not mapped (`8080/tcp`, `53/udp`).",
        ),
        opt(
            "httpStatus",
            Shape::TextMap,
            "HTTP paths the built-in responder answers with another status, still with its identity (`/health: 503`); every other path gets 200.",
        ),
    ],
};

/// AWS's quota of containers per task definition.
pub(crate) const MAX_CONTAINERS: usize = 10;

/// One entry of `containerDefinitions`; `mode` is its task definition's network mode.
pub(crate) fn parse(cx: &mut Reader, v: &Value<'_>, mode: NetworkMode) -> Option<ContainerDefinition> {
    let m = cx.entry_map(v, "a container definition", "{ name: app, image: nginx }")?;
    let m = Block { what: "a container definition".to_string(), ..m };
    m.lenient(cx, &TABLE);
    let mut ok = true;
    let name = m.req(cx, "name", "app").and_then(|v| cx.string(&v)).and_then(|s| ecs_name(cx, s, "container name"));
    let image = m.req(cx, "image", "nginx:latest").and_then(|v| cx.nonempty(&v)).map(|s| s.value);
    let essential = match m.get("essential") {
        Some(v) => cx.boolean(&v).map(|b| b.value).unwrap_or_else(|| {
            ok = false;
            true
        }),
        None => true,
    };
    let command = text_list(cx, &m, "command", &mut ok).map(|s| s.value).unwrap_or_default();
    let entry_point = text_list(cx, &m, "entryPoint", &mut ok).map(|s| s.value).unwrap_or_default();
    let links = text_list(cx, &m, "links", &mut ok);
    let dns_servers = text_list(cx, &m, "dnsServers", &mut ok);
    let dns_search_domains = text_list(cx, &m, "dnsSearchDomains", &mut ok);
    let port_mappings = port_mappings(cx, &m, mode, &mut ok);
    let environment = environment(cx, &m, &mut ok);
    let hostname = hostname(cx, &m, &mut ok);
    let extra_hosts = extra_hosts(cx, &m, &mut ok);
    let disable_networking = disable_networking(cx, &m, &mut ok);
    let docker_labels = text_map(cx, &m, "dockerLabels", &mut ok);
    let cpu = resource(cx, &m, "cpu", CONTAINER_CPU, &mut ok);
    let memory = resource(cx, &m, "memory", CONTAINER_MEMORY, &mut ok);
    let (log_driver, log_options) = log_configuration(cx, &m, &mut ok);
    let secrets = secrets(cx, &m, &mut ok);
    let x_ecsnet = x_ecsnet(cx, &m, &mut ok);
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
        cpu,
        memory,
        log_driver,
        log_options,
        secrets,
        x_ecsnet,
        loc: m.loc.clone(),
    };
    ok.then_some(c)
}

/// A container name or family as ECS allows it.
pub(crate) fn ecs_name(cx: &mut Reader, s: Located<String>, what: &str) -> Option<Located<String>> {
    if container_name_ok(&s.value) {
        return Some(s);
    }
    cx.err(
        &s.loc,
        tr!("container-invalid-name", "invalid { $what } `{ $name }`", what = what, name = short(&s.value)),
        tr!(
            "container-name-rules",
            "up to 255 letters (uppercase and lowercase), numbers, hyphens and underscores are allowed"
        ),
    );
    None
}

/// A list of strings, located at its key (where the network mode rules point).
fn text_list(cx: &mut Reader, m: &Block<'_>, key: &str, ok: &mut bool) -> Option<Located<Vec<String>>> {
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
}

fn port_mappings(cx: &mut Reader, m: &Block<'_>, mode: NetworkMode, ok: &mut bool) -> Vec<PortMapping> {
    let mut port_mappings: Vec<PortMapping> = Vec::new();
    let Some(pv) = m.get("portMappings") else { return port_mappings };
    let empty = matches!(pv.node, marked_yaml::Node::Sequence(s) if s.is_empty());
    if mode == NetworkMode::None && !empty {
        cx.err(
            &m.key_loc(cx, "portMappings").unwrap_or_else(|| cx.vloc(&pv)),
            tr!(
                "container-none-port-mappings",
                "port mappings can't be specified when networkMode=none: the task's containers don't have external connectivity"
            ),
            tr!("container-none-port-mappings-help", "remove `portMappings`, or use another networkMode"),
        );
        *ok = false;
    }
    let mut seen: HashMap<(u16, Proto), usize> = HashMap::new();
    for it in cx.items(&pv, 1000).unwrap_or_else(|| {
        *ok = false;
        Vec::new()
    }) {
        let Some(pm) = port_mapping(cx, &it) else {
            *ok = false;
            continue;
        };
        let key = (pm.container_port.value, pm.protocol);
        if let Some(line) = seen.get(&key) {
            cx.err(
                &pm.container_port.loc,
                tr!(
                    "container-port-mapped-twice",
                    "container port { $port }/{ $proto } is mapped twice in this container (first at line { $line })",
                    port = key.0,
                    proto = key.1,
                    line = line
                ),
                tr!("container-port-mapped-twice-help", "keep one port mapping per container port and protocol"),
            );
            *ok = false;
        } else {
            seen.insert(key, pm.container_port.loc.line);
        }
        port_mappings.push(pm);
    }
    port_mappings
}

fn port_mapping(cx: &mut Reader, v: &Value<'_>) -> Option<PortMapping> {
    let m = cx.entry_map(v, "a port mapping", "{ containerPort: 3000, protocol: tcp }")?;
    let m = Block { what: "a port mapping".to_string(), ..m };
    m.lenient(cx, &PORT_MAPPING);
    if let Some(r) = m.get("containerPortRange") {
        let loc = cx.vloc(&r);
        cx.err(
            &loc,
            tr!("container-port-range", "`containerPortRange` is not supported by ecsnet"),
            tr!("container-port-range-help", "list each port as its own entry: `- { containerPort: 8000 }`"),
        );
        return None;
    }
    let cp = m.req(cx, "containerPort", "3000").and_then(|v| cx.port(&v, false));
    let hp = match m.get("hostPort") {
        Some(v) => Some(cx.port(&v, true)?),
        None => None,
    };
    let protocol = match m.get("protocol") {
        Some(v) => match cx.choice(&v, PORT_PROTOCOLS)?.value {
            "udp" => Proto::Udp,
            _ => Proto::Tcp,
        },
        None => Proto::Tcp,
    };
    Some(PortMapping { container_port: cp?, host_port: hp, protocol, loc: m.loc.clone() })
}

fn environment(cx: &mut Reader, m: &Block<'_>, ok: &mut bool) -> Vec<(String, String)> {
    let mut environment = Vec::new();
    let Some(ev) = m.get("environment") else { return environment };
    for it in cx.items(&ev, 10_000).unwrap_or_default() {
        let Some(em) = cx.entry_map(&it, "an environment variable", "{ name: PORT, value: \"3000\" }") else {
            *ok = false;
            continue;
        };
        let em = Block { what: "an environment variable".to_string(), ..em };
        em.lenient(cx, &ENVIRONMENT);
        let n = em.req(cx, "name", "PORT").and_then(|v| cx.nonempty(&v));
        let val = match em.get("value") {
            Some(v) => cx.string(&v).map(|s| s.value),
            None => Some(String::new()),
        };
        match (n, val) {
            (Some(n), Some(val)) => environment.push((n.value, val)),
            _ => *ok = false,
        }
    }
    environment
}

/// `secrets`: each `{ name, valueFrom }`, where `valueFrom` names a secret or a parameter.
fn secrets(cx: &mut Reader, m: &Block<'_>, ok: &mut bool) -> Vec<SecretRef> {
    let mut v = Vec::new();
    let Some(sv) = m.get("secrets") else { return v };
    for it in cx.items(&sv, 1000).unwrap_or_default() {
        let Some(em) = cx.entry_map(&it, "a secret", "{ name: DB_PASSWORD, valueFrom: arn:aws:secretsmanager:... }")
        else {
            *ok = false;
            continue;
        };
        let em = Block { what: "a secret".to_string(), ..em };
        em.lenient(cx, &SECRET);
        let n = em.req(cx, "name", "DB_PASSWORD").and_then(|v| cx.nonempty(&v));
        let from = em.req(cx, "valueFrom", "arn:aws:ssm:REGION:ACCOUNT:parameter/NAME").and_then(|v| cx.nonempty(&v));
        let (Some(n), Some(from)) = (n, from) else {
            *ok = false;
            continue;
        };
        let s = SecretRef { name: n.value, value_from: from.value.clone() };
        if s.source().is_none() {
            cx.err(
                &from.loc,
                tr!(
                    "container-secret-value-from",
                    "The secret `{ $arn }` is not a Secrets Manager secret or an SSM parameter",
                    arn = short(&from.value)
                ),
                tr!(
                    "container-secret-value-from-help",
                    "write arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME, arn:aws:ssm:REGION:ACCOUNT:parameter/NAME, or a parameter's name"
                ),
            );
            *ok = false;
            continue;
        }
        v.push(s);
    }
    v
}

fn hostname(cx: &mut Reader, m: &Block<'_>, ok: &mut bool) -> Option<Located<String>> {
    let v = m.get("hostname")?;
    match cx.string(&v) {
        Some(s) => Some(Located::new(s.value, m.key_loc(cx, "hostname").unwrap_or(s.loc))),
        None => {
            *ok = false;
            None
        }
    }
}

fn extra_hosts(cx: &mut Reader, m: &Block<'_>, ok: &mut bool) -> Option<Located<Vec<(String, String)>>> {
    let xv = m.get("extraHosts")?;
    let mut hosts = Vec::new();
    for it in cx.items(&xv, 1000).unwrap_or_default() {
        let Some(hm) = cx.entry_map(&it, "an extra host", "{ hostname: db, ipAddress: 10.0.1.5 }") else {
            *ok = false;
            continue;
        };
        let hm = Block { what: "an extra host".to_string(), ..hm };
        hm.lenient(cx, &EXTRA_HOST);
        let h = hm.req(cx, "hostname", "db").and_then(|v| cx.nonempty(&v));
        let ip = hm.req(cx, "ipAddress", "10.0.1.5").and_then(|v| cx.nonempty(&v));
        match (h, ip) {
            (Some(h), Some(ip)) => hosts.push((h.value, ip.value)),
            _ => *ok = false,
        }
    }
    Some(Located::new(hosts, m.key_loc(cx, "extraHosts").unwrap_or_else(|| cx.vloc(&xv))))
}

fn disable_networking(cx: &mut Reader, m: &Block<'_>, ok: &mut bool) -> Option<Located<bool>> {
    let v = m.get("disableNetworking")?;
    match cx.boolean(&v) {
        Some(b) => Some(Located::new(b.value, m.key_loc(cx, "disableNetworking").unwrap_or(b.loc))),
        None => {
            *ok = false;
            None
        }
    }
}

/// `cpu` or `memory`: a whole number in the range of its shape.
fn resource(cx: &mut Reader, m: &Block<'_>, key: &str, shape: Shape, ok: &mut bool) -> Option<u32> {
    let Shape::Int { min, max } = shape else { return None };
    let v = m.get(key)?;
    match cx.uint(&v, min, max) {
        Some(n) => u32::try_from(n.value).ok(),
        None => {
            *ok = false;
            None
        }
    }
}

/// `logConfiguration`: the driver and its options.
fn log_configuration(cx: &mut Reader, m: &Block<'_>, ok: &mut bool) -> (Option<String>, Vec<(String, String)>) {
    let Some(lv) = m.get("logConfiguration") else { return (None, Vec::new()) };
    let Some(lm) = cx.map(&lv, "a log configuration") else {
        *ok = false;
        return (None, Vec::new());
    };
    let lm = Block { what: "logConfiguration".to_string(), ..lm };
    lm.lenient(cx, &LOG_CONFIGURATION);
    let driver = lm.req(cx, "logDriver", "awslogs").and_then(|v| cx.choice(&v, LOG_DRIVERS));
    let options = text_map(cx, &lm, "options", ok);
    if driver.is_none() {
        *ok = false;
    }
    (driver.map(|d| d.value.to_string()), options)
}

fn x_ecsnet(cx: &mut Reader, m: &Block<'_>, ok: &mut bool) -> XEcsnet {
    let mut x_ecsnet = XEcsnet::default();
    let Some(xv) = m.get("x-ecsnet") else { return x_ecsnet };
    let Some(xm) = cx.map(&xv, "ecsnet's own container settings") else {
        *ok = false;
        return x_ecsnet;
    };
    let xm = Block { what: "x-ecsnet".to_string(), ..xm };
    xm.strict(cx, &X_ECSNET);
    if let Some(cv) = xm.get("command") {
        match cx.str_list(&cv, 1000) {
            Some(l) if l.is_empty() => {
                let loc = cx.vloc(&cv);
                cx.err(
                    &loc,
                    tr!("container-command-empty", "`command` is empty"),
                    tr!(
                        "container-command-empty-help",
                        "write the program and its arguments, e.g. [\"python3\", \"-m\", \"http.server\", \"3000\"]"
                    ),
                );
                *ok = false;
            }
            Some(l) => {
                // What execve cannot take is refused here, where it is written, not by `up`.
                if l[0].value.trim().is_empty() {
                    cx.err(
                        &l[0].loc,
                        tr!("container-program-empty", "the program of `command` is empty"),
                        tr!(
                            "container-program-empty-help",
                            "write the program first, e.g. [\"python3\", \"-m\", \"http.server\"]"
                        ),
                    );
                    *ok = false;
                }
                for a in l.iter().filter(|a| a.value.contains('\0')) {
                    cx.err(
                        &a.loc,
                        tr!(
                            "container-command-nul",
                            "this `command` entry holds a NUL byte, which no program or argument can contain"
                        ),
                        tr!("container-command-nul-help", "remove the \\0 (or \\u0000) from the entry"),
                    );
                    *ok = false;
                }
                x_ecsnet.command = Some(l.into_iter().map(|s| s.value).collect());
            }
            None => *ok = false,
        }
    }
    if let Some(lv) = xm.get("listen") {
        for it in cx.items(&lv, 1000).unwrap_or_else(|| {
            *ok = false;
            Vec::new()
        }) {
            match cx.port_proto(&it) {
                Some(pp) if !x_ecsnet.listen.contains(&pp) => x_ecsnet.listen.push(pp),
                Some(_) => {}
                None => *ok = false,
            }
        }
    }
    x_ecsnet.http_status = http_status(cx, &xm, ok);
    x_ecsnet
}

/// `httpStatus: { /health: 503 }`: an exact path (from `/`, without the query) and a status
/// 100-599.
fn http_status(cx: &mut Reader, xm: &Block<'_>, ok: &mut bool) -> Vec<(String, u16)> {
    let mut out = vec![];
    for (path, code) in text_map(cx, xm, "httpStatus", ok) {
        match code.trim().parse::<u16>() {
            Ok(c) if (100..=599).contains(&c) && path.starts_with('/') => out.push((path, c)),
            _ => {
                let loc = xm.key_loc(cx, "httpStatus").unwrap_or_else(|| xm.loc.clone());
                cx.err(
                    &loc,
                    tr!(
                        "container-http-status",
                        "`httpStatus` maps a path starting with `/` to a status 100-599, found `{ $path }: { $code }`",
                        path = short(&path),
                        code = short(&code)
                    ),
                    tr!("container-http-status-help", "for example `httpStatus: { /health: 503 }`"),
                );
                *ok = false;
            }
        }
    }
    out
}

/// The register-time rules of ECS that depend on the network mode, and container name rules.
pub(crate) fn check_for_mode(cx: &mut Reader, mode: NetworkMode, containers: &[ContainerDefinition]) -> bool {
    let before = cx.diags.len();
    let mut names: HashMap<&str, usize> = HashMap::new();
    for c in containers {
        if let Some(line) = names.get(c.name.value.as_str()) {
            cx.err(
                &c.name.loc,
                tr!(
                    "container-duplicate-name",
                    "duplicate container name `{ $name }` (first at line { $line })",
                    name = c.name.value,
                    line = line
                ),
                tr!("container-duplicate-name-help", "container names must be unique within a task definition"),
            );
        } else {
            names.insert(&c.name.value, c.name.loc.line);
        }
    }
    for c in containers {
        host_ports_match(cx, mode, c);
        match mode {
            NetworkMode::Awsvpc => awsvpc_settings(cx, c),
            NetworkMode::Host | NetworkMode::None => {
                if let Some(s) = c.links.as_ref().filter(|s| !s.value.is_empty()) {
                    not_supported(
                        cx,
                        mode,
                        "links",
                        &s.loc,
                        &tr!(
                            "container-links-bridge-only",
                            "remove it: links are only supported when networkMode=bridge"
                        ),
                    );
                }
            }
            NetworkMode::Bridge => bridge_links(cx, c, containers, &names),
        }
    }
    cx.diags.len() == before
}

fn not_supported(cx: &mut Reader, mode: NetworkMode, field: &str, loc: &Loc, why: &str) {
    cx.err(
        loc,
        tr!(
            "container-not-supported",
            "`{ $field }` is not supported when networkMode={ $mode }",
            field = field,
            mode = mode
        ),
        why.to_string(),
    );
}

/// awsvpc and host: a hostPort, when given and not 0, equals the containerPort.
fn host_ports_match(cx: &mut Reader, mode: NetworkMode, c: &ContainerDefinition) {
    for pm in &c.port_mappings {
        let Some(hp) = &pm.host_port else { continue };
        if hp.value == 0 || hp.value == pm.container_port.value {
            continue;
        }
        match mode {
            NetworkMode::Awsvpc => cx.err(
                &hp.loc,
                "When networkMode=awsvpc, the host ports and container ports in port mappings must match.",
                tr!(
                    "container-awsvpc-host-port-help",
                    "remove `hostPort` or set it to { $port }: an awsvpc task is reached on its own ENI at the container port",
                    port = pm.container_port.value
                ),
            ),
            NetworkMode::Host => cx.err(
                &hp.loc,
                "When networkMode=host, the host ports and container ports in port mappings must match.",
                tr!(
                    "container-host-host-port-help",
                    "remove `hostPort` or set it to { $port }: in host mode the container listens on the instance's own ports (dynamic port mappings can't be used)",
                    port = pm.container_port.value
                ),
            ),
            _ => {}
        }
    }
}

/// awsvpc: the containers share the task's namespace, so no per-container network settings.
fn awsvpc_settings(cx: &mut Reader, c: &ContainerDefinition) {
    let mode = NetworkMode::Awsvpc;
    let why = &tr!(
        "container-awsvpc-shared-netns",
        "remove it: the containers of an awsvpc task share the task's network namespace (its ENI), where Docker cannot set hostname, links, DNS settings or extra hosts per container"
    );
    if let Some(s) = c.links.as_ref().filter(|s| !s.value.is_empty()) {
        not_supported(cx, mode, "links", &s.loc, why);
    }
    if let Some(s) = c.hostname.as_ref().filter(|s| !s.value.is_empty()) {
        not_supported(cx, mode, "hostname", &s.loc, why);
    }
    if let Some(s) = c.dns_servers.as_ref().filter(|s| !s.value.is_empty()) {
        not_supported(cx, mode, "dnsServers", &s.loc, why);
    }
    if let Some(s) = c.dns_search_domains.as_ref().filter(|s| !s.value.is_empty()) {
        not_supported(cx, mode, "dnsSearchDomains", &s.loc, why);
    }
    if let Some(s) = c.extra_hosts.as_ref().filter(|s| !s.value.is_empty()) {
        not_supported(cx, mode, "extraHosts", &s.loc, why);
    }
    if let Some(s) = c.disable_networking.as_ref().filter(|s| s.value) {
        not_supported(cx, mode, "disableNetworking", &s.loc, why);
    }
}

/// bridge: every link names another container of the task definition.
fn bridge_links(
    cx: &mut Reader,
    c: &ContainerDefinition,
    containers: &[ContainerDefinition],
    names: &HashMap<&str, usize>,
) {
    let Some(s) = &c.links else { return };
    for l in &s.value {
        let target = l.split(':').next().unwrap_or("");
        if target != c.name.value && names.contains_key(target) {
            continue;
        }
        let others: Vec<&str> =
            containers.iter().map(|o| o.name.value.as_str()).filter(|n| *n != c.name.value).collect();
        let help = match suggest(target, &others) {
            Some(o) => tr!("scenario-did-you-mean", "did you mean `{ $name }`?", name = o),
            None if others.is_empty() => tr!("container-no-other", "this task definition has no other container"),
            None => tr!("container-others", "other containers: { $names }", names = quoted_list(&others)),
        };
        cx.err(
            &s.loc,
            tr!(
                "container-bad-link",
                "link `{ $link }` does not name another container of this task definition",
                link = short(l)
            ),
            tr!("container-bad-link-help", "write `name` or `name:alias`; { $help }", help = help),
        );
    }
}

#[cfg(test)]
mod secret_tests {
    use super::*;

    fn src(v: &str) -> Option<SecretSource> {
        SecretRef { name: "X".into(), value_from: v.into() }.source()
    }

    #[test]
    fn value_from_names_a_secret_or_a_parameter() {
        let sm = "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:db";
        assert_eq!(src(sm), Some(SecretSource::SecretsManager(sm.into())));
        // A JSON key, stage and version after the name are the agent's, not the secret's id.
        assert_eq!(src(&format!("{sm}-AbCdEf:password::")), Some(SecretSource::SecretsManager(format!("{sm}-AbCdEf"))));
        let key = |v: &str| SecretRef { name: "X".into(), value_from: v.into() }.json_key();
        assert_eq!(key(&format!("{sm}-AbCdEf:password::")).as_deref(), Some("password"));
        assert_eq!(key(&format!("{sm}::AWSPREVIOUS:")), None);
        assert_eq!(key(sm), None);
        assert_eq!(key("/app/password"), None);
        assert_eq!(
            src("arn:aws:ssm:ap-northeast-1:123456789012:parameter/web/url"),
            Some(SecretSource::Ssm("/web/url".into()))
        );
        assert_eq!(src("arn:aws:ssm:ap-northeast-1:123456789012:parameter/url"), Some(SecretSource::Ssm("url".into())));
        assert_eq!(src("/web/url"), Some(SecretSource::Ssm("/web/url".into())));
        assert_eq!(src("arn:aws:s3:::bucket/key"), None);
        assert_eq!(src("arn:aws:secretsmanager:ap-northeast-1:123456789012:parameter/x"), None);
    }
}
