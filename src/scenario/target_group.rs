//! `targetGroups`: ELBv2 target groups (CreateTargetGroup), their health check settings with
//! AWS's names and defaults (target-group-health-checks.html: HTTP on the traffic port, path
//! `/`, every 30 s, timeout 5 s, healthy after 5, unhealthy after 2, matcher 200), their
//! deregistration delay (300 s) and the targets registered in them (RegisterTargets): until
//! ECS services register their tasks, a scenario lists them as `targets`.

use super::builder::{Builder, MAX_OBJECTS};
use super::fields::{Shape, Table, def, opt, req};
use super::located::Located;
use super::reference::{self, Declared, INSTANCE, Seen, TARGET_GROUP, TASK};
use super::walk::*;
use crate::i18n::tr;
use serde::{Deserialize, Serialize};

/// ELB's longest target group (and load balancer) name.
pub(crate) const MAX_ELB_NAME: usize = 32;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TargetType {
    Ip,
    Instance,
}

/// ELBv2's protocols: an application load balancer's (HTTP, HTTPS) and a network load
/// balancer's (TCP, UDP, TCP_UDP; TLS is read and refused).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ElbProtocol {
    Http,
    Https,
    Tcp,
    Udp,
    TcpUdp,
    Tls,
}

/// Every protocol name ELBv2 takes, as written.
pub(crate) const ELB_PROTOCOLS: &[&str] = &["HTTP", "HTTPS", "TCP", "UDP", "TCP_UDP", "TLS"];

impl ElbProtocol {
    pub fn as_str(self) -> &'static str {
        match self {
            ElbProtocol::Http => "HTTP",
            ElbProtocol::Https => "HTTPS",
            ElbProtocol::Tcp => "TCP",
            ElbProtocol::Udp => "UDP",
            ElbProtocol::TcpUdp => "TCP_UDP",
            ElbProtocol::Tls => "TLS",
        }
    }
    pub fn parse(s: &str) -> Option<ElbProtocol> {
        Some(match s {
            "HTTP" => ElbProtocol::Http,
            "HTTPS" => ElbProtocol::Https,
            "TCP" => ElbProtocol::Tcp,
            "UDP" => ElbProtocol::Udp,
            "TCP_UDP" => ElbProtocol::TcpUdp,
            "TLS" => ElbProtocol::Tls,
            _ => return None,
        })
    }
    /// A network load balancer's protocol (layer 4).
    pub fn is_network(self) -> bool {
        !matches!(self, ElbProtocol::Http | ElbProtocol::Https)
    }
    /// Whether it carries TCP (TCP, TLS, TCP_UDP) or UDP (UDP, TCP_UDP) flows.
    pub fn carries(self, udp: bool) -> bool {
        match self {
            ElbProtocol::Udp => udp,
            ElbProtocol::TcpUdp => true,
            _ => !udp,
        }
    }
    /// Whether a listener of this protocol may forward to a target group of `group`'s
    /// (network load balancers: TCP to TCP or TCP_UDP, UDP to UDP or TCP_UDP, TCP_UDP to
    /// TCP_UDP, TLS to TCP or TLS; application load balancers: HTTP(S) to HTTP(S)).
    pub fn forwards_to(self, group: ElbProtocol) -> bool {
        use ElbProtocol::*;
        match self {
            Http | Https => matches!(group, Http | Https),
            Tcp => matches!(group, Tcp | TcpUdp),
            Udp => matches!(group, Udp | TcpUdp),
            TcpUdp => group == TcpUdp,
            Tls => matches!(group, Tcp | Tls),
        }
    }
}

/// A registered target, as written: `task/NAME` or `instance/NAME`, and a port.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TargetRef {
    /// `task/web` or `instance/ecs-1`.
    pub id: Located<String>,
    /// ip targets and instance ids: the port traffic goes to (default: the group's port).
    /// A task in an `instance` group: the container port, whose host port is the target's.
    pub port: Option<Located<u16>>,
}

impl TargetRef {
    /// ("task", "web") or ("instance", "ecs-1").
    pub fn kind_and_name(&self) -> (&str, &str) {
        self.id.value.split_once('/').unwrap_or(("", &self.id.value))
    }
}

/// The health check's port: each target's own port, or a fixed one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HealthCheckPort {
    TrafficPort,
    Port(u16),
}

/// A target group's health check, with AWS's defaults.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCheck {
    pub enabled: bool,
    pub protocol: ElbProtocol,
    pub port: HealthCheckPort,
    pub path: String,
    pub interval_seconds: u32,
    pub timeout_seconds: u32,
    pub healthy_threshold: u32,
    pub unhealthy_threshold: u32,
    /// `httpCode` as inclusive ranges: "200", "200,202", "200-299".
    pub matcher: Vec<(u16, u16)>,
}

impl Default for HealthCheck {
    fn default() -> Self {
        HealthCheck {
            enabled: true,
            protocol: ElbProtocol::Http,
            port: HealthCheckPort::TrafficPort,
            path: "/".to_string(),
            interval_seconds: 30,
            timeout_seconds: 5,
            healthy_threshold: 5,
            unhealthy_threshold: 2,
            matcher: vec![(200, 200)],
        }
    }
}

impl HealthCheck {
    /// Does a status code count as healthy?
    pub fn matches(&self, status: u16) -> bool {
        self.matcher.iter().any(|(a, b)| (*a..=*b).contains(&status))
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TargetGroup {
    pub name: Located<String>,
    pub protocol: ElbProtocol,
    pub port: Located<u16>,
    pub target_type: TargetType,
    pub health_check: HealthCheck,
    pub deregistration_delay_seconds: u32,
    pub targets: Vec<TargetRef>,
    /// `preserve_client_ip.enabled`: None when not set (the default depends on the target type
    /// and protocol: [`TargetGroup::preserves_client_ip`]).
    #[serde(default)]
    pub preserve_client_ip: Option<Located<bool>>,
    /// `load_balancing.cross_zone.enabled`: None for `use_load_balancer_configuration`.
    #[serde(default)]
    pub cross_zone: Option<bool>,
}

impl TargetGroup {
    /// Whether a network load balancer keeps the client's address as the source of what it
    /// forwards (edit-target-group-attributes.html, Client IP preservation): always for UDP and
    /// TCP_UDP; for TCP and TLS, the attribute, else on for `instance` targets and off for `ip`.
    pub fn preserves_client_ip(&self) -> bool {
        match self.protocol {
            ElbProtocol::Udp | ElbProtocol::TcpUdp => true,
            _ => self.preserve_client_ip.as_ref().map_or(self.target_type == TargetType::Instance, |p| p.value),
        }
    }
}

const SECONDS_300: Shape = Shape::Int { min: 5, max: 300 };

pub(crate) static TABLE: Table = Table {
    id: "targetGroup",
    doc: "An ELBv2 target group (CreateTargetGroup) and the targets registered in it (RegisterTargets).",
    strict: true,
    rules: &[],
    fields: &[
        req("name", Shape::Name, "The target group's name (at most 32 characters), used by listeners' actions."),
        def(
            "protocol",
            Shape::Enum(ELB_PROTOCOLS),
            "\"HTTP\"",
            "How the load balancer talks to targets: `HTTP`, `HTTPS` (application); `TCP`, `UDP`, `TCP_UDP` (network; `TLS` is not modelled yet).",
        ),
        req("port", Shape::Int { min: 1, max: 65535 }, "The targets' port when a target names none."),
        def(
            "targetType",
            Shape::Enum(&["ip", "instance"]),
            "\"instance\"",
            "`ip`: awsvpc tasks' ENI addresses; `instance`: container instances and their host ports (bridge tasks).",
        ),
        def("healthCheckEnabled", Shape::Bool, "true", "Health checks on (off: every target is `unavailable`)."),
        opt(
            "healthCheckProtocol",
            Shape::Enum(&["HTTP", "HTTPS", "TCP"]),
            "The health check's protocol (default: `HTTP` for HTTP(S) groups, `TCP` for a network load balancer's).",
        ),
        def(
            "healthCheckPort",
            Shape::Text,
            "\"traffic-port\"",
            "`traffic-port` (each target's own port) or a port number.",
        ),
        def("healthCheckPath", Shape::Text, "\"/\"", "The path the health check asks for."),
        def("healthCheckIntervalSeconds", SECONDS_300, "30", "Seconds between checks of one target (5-300)."),
        opt(
            "healthCheckTimeoutSeconds",
            Shape::Int { min: 2, max: 120 },
            "Seconds without an answer that fail a check (2-120, less than the interval; default 5, 10 for a network load balancer's TCP check, 6 for its HTTP check).",
        ),
        def("healthyThresholdCount", Shape::Int { min: 2, max: 10 }, "5", "Consecutive successes to be healthy."),
        def("unhealthyThresholdCount", Shape::Int { min: 2, max: 10 }, "2", "Consecutive failures to be unhealthy."),
        opt(
            "matcher",
            Shape::Block(&MATCHER),
            "The status codes of a successful check (default `httpCode: \"200\"`; `\"200-399\"` for a network load balancer's HTTP check).",
        ),
        def(
            "deregistrationDelayTimeoutSeconds",
            Shape::Int { min: 0, max: 3600 },
            "300",
            "The `deregistration_delay.timeout_seconds` attribute: how long a deregistered target drains.",
        ),
        opt(
            "attributes",
            Shape::Block(&ATTRIBUTES),
            "Target group attributes (ModifyTargetGroupAttributes) of a network load balancer's group.",
        ),
        opt(
            "targets",
            Shape::List(&Shape::Block(&TARGET)),
            "Registered targets: `{ id: task/web, port: 80 }` (ip), `{ id: instance/ecs-1, port: 32768 }` or `{ id: task/web }` (instance: its instance and host port).",
        ),
    ],
};

pub(crate) static ATTRIBUTES: Table = Table {
    id: "targetGroupAttributes",
    doc: "A network load balancer's target group attributes, with ELBv2's keys.",
    strict: true,
    rules: &[],
    fields: &[
        opt(
            "preserve_client_ip.enabled",
            Shape::Bool,
            "Targets see the client's address (default: on for `instance` targets, off for `ip` targets with TCP; always on for UDP and TCP_UDP).",
        ),
        def(
            "load_balancing.cross_zone.enabled",
            Shape::AnyOf(&[Shape::Bool, Shape::Enum(&["use_load_balancer_configuration"])]),
            "\"use_load_balancer_configuration\"",
            "Each node uses the targets of every enabled zone (default: the load balancer's attribute).",
        ),
    ],
};

pub(crate) static MATCHER: Table = Table {
    id: "matcher",
    doc: "The status codes of a successful health check.",
    strict: true,
    rules: &[],
    fields: &[req("httpCode", Shape::Text, "`200`, `200,202` or `200-299` (200-499).")],
};

pub(crate) static TARGET: Table = Table {
    id: "target",
    doc: "A registered target (RegisterTargets' TargetDescription).",
    strict: true,
    rules: &[],
    fields: &[
        req("id", Shape::Text, "`task/NAME` or `instance/NAME`."),
        opt(
            "port",
            Shape::Int { min: 1, max: 65535 },
            "The target's port (default: the group's); for a task in an `instance` group, the container port.",
        ),
    ],
};

pub(crate) fn parse_all(b: &mut Builder, v: &Value<'_>) -> Vec<TargetGroup> {
    let items = b.cx.items(v, MAX_OBJECTS).unwrap_or_default();
    let mut uniq = UniqueNames::default();
    items.iter().filter_map(|it| parse(b, it, &mut uniq)).collect()
}

fn parse(b: &mut Builder, v: &Value<'_>, uniq: &mut UniqueNames) -> Option<TargetGroup> {
    let m = b.cx.entry_map(v, "a target group", "{ name: web, port: 80, targetType: ip }")?;
    let m = Block { what: "a target group".to_string(), ..m };
    m.strict(&mut b.cx, &TABLE);
    let name = b.object_name(&m, TARGET_GROUP, "web", uniq);
    let cx = &mut b.cx;
    let name = name.filter(|n| elb_name(cx, n, "target group"));
    let protocol = group_protocol(cx, &m);
    let network = protocol.is_some_and(ElbProtocol::is_network);
    let port = m.req(cx, "port", "80").and_then(|v| cx.port(&v, false));
    let target_type = match m.get("targetType").and_then(|v| cx.choice(&v, &["ip", "instance"])) {
        Some(t) if t.value == "ip" => TargetType::Ip,
        _ => TargetType::Instance,
    };
    let health_check = health_check(cx, &m, network);
    let (preserve_client_ip, cross_zone) = match m.get("attributes") {
        Some(av) => attributes(cx, &av)?,
        None => (None, None),
    };
    if let (Some(p), Some(ElbProtocol::Udp | ElbProtocol::TcpUdp)) = (&preserve_client_ip, protocol) {
        always_preserved(cx, p)?;
    }
    let deregistration_delay_seconds = uint_or(cx, &m, "deregistrationDelayTimeoutSeconds", 0, 3600, 300);
    let targets = match m.get("targets") {
        Some(tv) => targets(cx, &tv)?,
        None => vec![],
    };
    Some(TargetGroup {
        name: name?,
        protocol: protocol?,
        port: port?,
        target_type,
        health_check: health_check?,
        deregistration_delay_seconds,
        targets,
        preserve_client_ip,
        cross_zone,
    })
}

/// The group's `protocol`: HTTP when absent; TLS is read and refused (not modelled yet).
fn group_protocol(cx: &mut Reader, m: &Block<'_>) -> Option<ElbProtocol> {
    let Some(v) = m.get("protocol") else { return Some(ElbProtocol::Http) };
    let p = cx.choice(&v, ELB_PROTOCOLS)?;
    if p.value == "TLS" {
        tls_not_yet(cx, &p.loc);
        return None;
    }
    ElbProtocol::parse(p.value)
}

/// TLS listeners and target groups: read, not modelled.
pub(crate) fn tls_not_yet(cx: &mut Reader, loc: &super::located::Loc) {
    cx.err(
        loc,
        tr!("elb-tls-not-yet", "TLS is not modelled yet"),
        tr!("elb-tls-not-yet-help", "use TCP: the network load balancer passes the TLS stream through untouched"),
    );
}

/// UDP and TCP_UDP groups always preserve the client's IP (edit-target-group-attributes.html:
/// "enabled (and can't be disabled)").
fn always_preserved(cx: &mut Reader, p: &Located<bool>) -> Option<()> {
    if p.value {
        return Some(());
    }
    cx.err(
        &p.loc,
        tr!(
            "tg-preserve-udp",
            "ValidationError: Client IP preservation cannot be disabled for UDP and TCP_UDP target groups"
        ),
        tr!("tg-preserve-udp-help", "drop `preserve_client_ip.enabled: false`: UDP targets always see the client"),
    );
    None
}

/// `attributes`: `preserve_client_ip.enabled` and `load_balancing.cross_zone.enabled`.
type Attributes = (Option<Located<bool>>, Option<bool>);

fn attributes(cx: &mut Reader, v: &Value<'_>) -> Option<Attributes> {
    let m = cx.map(v, "the target group's attributes")?;
    let m = Block { what: "attributes".to_string(), ..m };
    m.strict(cx, &ATTRIBUTES);
    let preserve = match m.get("preserve_client_ip.enabled") {
        Some(pv) => Some(cx.boolean(&pv)?),
        None => None,
    };
    let cross_zone = match m.get("load_balancing.cross_zone.enabled") {
        Some(cv) => match cx.choice(&cv, &["true", "false", "use_load_balancer_configuration"])?.value {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        None => None,
    };
    Some((preserve, cross_zone))
}

/// ELB's names: at most 32 characters, and not starting with `internal-` (a load balancer's
/// DNS name starts so when it is internal).
pub(crate) fn elb_name(cx: &mut Reader, n: &Located<String>, what: &str) -> bool {
    if n.value.len() > MAX_ELB_NAME {
        cx.err(
            &n.loc,
            tr!(
                "elb-name-long",
                "ValidationError: The { $what } name '{ $name }' cannot be longer than '32' characters",
                what = what,
                name = n.value.as_str()
            ),
            tr!("elb-name-long-help", "shorten the name to 32 characters"),
        );
        return false;
    }
    if n.value.starts_with("internal-") {
        cx.err(
            &n.loc,
            tr!(
                "elb-name-internal",
                "ValidationError: The { $what } name '{ $name }' cannot begin with 'internal-'",
                what = what,
                name = n.value.as_str()
            ),
            tr!("elb-name-internal-help", "drop the `internal-` prefix: `scheme: internal` adds it to the DNS name"),
        );
        return false;
    }
    true
}

/// The health check's defaults: an application load balancer's (HTTP, timeout 5, matcher
/// 200), or a network load balancer's (target-group-health-checks.html: TCP on the traffic
/// port, every 30 s, timeout 10 s (6 s for HTTP), healthy after 5, unhealthy after 2,
/// matcher 200-399 for HTTP).
fn defaults(network: bool, protocol: ElbProtocol) -> HealthCheck {
    let d = HealthCheck::default();
    match (network, protocol) {
        (false, _) => d,
        (true, ElbProtocol::Tcp) => HealthCheck { protocol, timeout_seconds: 10, ..d },
        (true, _) => HealthCheck { protocol, timeout_seconds: 6, matcher: vec![(200, 399)], ..d },
    }
}

/// `healthCheckProtocol`: HTTP or HTTPS (and TCP for a network load balancer's group).
fn health_check_protocol(cx: &mut Reader, m: &Block<'_>, network: bool) -> ElbProtocol {
    let choices: &[&'static str] = if network { &["HTTP", "HTTPS", "TCP"] } else { &["HTTP", "HTTPS"] };
    let default = if network { ElbProtocol::Tcp } else { ElbProtocol::Http };
    m.get("healthCheckProtocol")
        .and_then(|v| cx.choice(&v, choices))
        .and_then(|p| ElbProtocol::parse(p.value))
        .unwrap_or(default)
}

fn uint_or(cx: &mut Reader, m: &Block<'_>, key: &str, min: u64, max: u64, default: u32) -> u32 {
    m.get(key).and_then(|v| cx.uint(&v, min, max)).map_or(default, |n| u32::try_from(n.value).unwrap_or(default))
}

/// The health check settings; None when one is wrong.
fn health_check(cx: &mut Reader, m: &Block<'_>, network: bool) -> Option<HealthCheck> {
    let protocol = health_check_protocol(cx, m, network);
    let d = defaults(network, protocol);
    let errors = cx.diags.len();
    let enabled = m.get("healthCheckEnabled").and_then(|v| cx.boolean(&v)).is_none_or(|b| b.value);
    let port = m.get("healthCheckPort").map_or(Some(HealthCheckPort::TrafficPort), |v| health_check_port(cx, &v));
    let path = m.get("healthCheckPath").and_then(|v| health_check_path(cx, &v)).unwrap_or(d.path);
    let interval_seconds = uint_or(cx, m, "healthCheckIntervalSeconds", 5, 300, d.interval_seconds);
    let timeout_seconds = uint_or(cx, m, "healthCheckTimeoutSeconds", 2, 120, d.timeout_seconds);
    let healthy_threshold = uint_or(cx, m, "healthyThresholdCount", 2, 10, d.healthy_threshold);
    let unhealthy_threshold = uint_or(cx, m, "unhealthyThresholdCount", 2, 10, d.unhealthy_threshold);
    let matcher = m.get("matcher").map_or(Some(d.matcher), |v| matcher(cx, &v));
    if timeout_seconds >= interval_seconds {
        let loc = m.key_loc(cx, "healthCheckTimeoutSeconds").unwrap_or_else(|| m.loc.clone());
        cx.err(
            &loc,
            tr!("tg-timeout-interval", "ValidationError: Health check interval must be greater than the timeout."),
            tr!(
                "tg-timeout-interval-help",
                "make healthCheckTimeoutSeconds ({ $timeout }) less than healthCheckIntervalSeconds ({ $interval })",
                timeout = timeout_seconds,
                interval = interval_seconds
            ),
        );
    }
    let hc = HealthCheck {
        enabled,
        protocol,
        port: port?,
        path,
        interval_seconds,
        timeout_seconds,
        healthy_threshold,
        unhealthy_threshold,
        matcher: matcher?,
    };
    (cx.diags.len() == errors).then_some(hc)
}

fn health_check_port(cx: &mut Reader, v: &Value<'_>) -> Option<HealthCheckPort> {
    let s = cx.string(v)?;
    if s.value == "traffic-port" {
        return Some(HealthCheckPort::TrafficPort);
    }
    match s.value.parse::<u16>() {
        Ok(p) if p >= 1 => Some(HealthCheckPort::Port(p)),
        _ => {
            cx.err(
                &s.loc,
                tr!(
                    "tg-health-port",
                    "ValidationError: Health check port '{ $port }' must be 'traffic-port' or a port between 1 and 65535",
                    port = short(&s.value)
                ),
                tr!("tg-health-port-help", "write `traffic-port` (each target's own port) or a number"),
            );
            None
        }
    }
}

fn health_check_path(cx: &mut Reader, v: &Value<'_>) -> Option<String> {
    let s = cx.string(v)?;
    if s.value.starts_with('/') && s.value.len() <= 1024 && !s.value.chars().any(char::is_whitespace) {
        return Some(s.value);
    }
    cx.err(
        &s.loc,
        tr!(
            "tg-health-path",
            "ValidationError: Health check path '{ $path }' must start with '/' and be at most 1024 characters",
            path = short(&s.value)
        ),
        tr!("tg-health-path-help", "for example `/health`"),
    );
    None
}

/// `matcher: { httpCode: "200,202" }` or `"200-299"`, each code 200-499 (ALB's range).
fn matcher(cx: &mut Reader, v: &Value<'_>) -> Option<Vec<(u16, u16)>> {
    let m = cx.map(v, "the health check's matcher")?;
    let m = Block { what: "matcher".to_string(), ..m };
    m.strict(cx, &MATCHER);
    let rv = m.req(cx, "httpCode", "\"200\"")?;
    let code = cx.string(&rv)?;
    match parse_http_codes(&code.value) {
        Some(ranges) => Some(ranges),
        None => {
            cx.err(
                &code.loc,
                tr!(
                    "tg-matcher",
                    "ValidationError: Health check matcher HTTP code '{ $code }' must be a value between '200' and '499'",
                    code = short(&code.value)
                ),
                tr!("tg-matcher-help", "write codes like \"200\", \"200,202\" or \"200-299\""),
            );
            None
        }
    }
}

/// "200", "200,202", "200-299" as inclusive ranges inside 200-499.
pub(crate) fn parse_http_codes(s: &str) -> Option<Vec<(u16, u16)>> {
    let code = |t: &str| t.trim().parse::<u16>().ok().filter(|c| (200..=499).contains(c));
    s.split(',')
        .map(|part| match part.split_once('-') {
            Some((a, b)) => Some((code(a)?, code(b)?)).filter(|(a, b)| a <= b),
            None => code(part).map(|c| (c, c)),
        })
        .collect()
}

fn targets(cx: &mut Reader, v: &Value<'_>) -> Option<Vec<TargetRef>> {
    let items = cx.items(v, 1000)?;
    let mut out = vec![];
    let mut ok = true;
    for it in &items {
        match target(cx, it) {
            Some(t) => out.push(t),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn target(cx: &mut Reader, v: &Value<'_>) -> Option<TargetRef> {
    let m = cx.entry_map(v, "a target", "{ id: task/web, port: 80 }")?;
    let m = Block { what: "a target".to_string(), ..m };
    m.strict(cx, &TARGET);
    let rv = m.req(cx, "id", "task/web")?;
    let id = cx.string(&rv)?;
    let port = match m.get("port") {
        Some(pv) => Some(cx.port(&pv, false)?),
        None => None,
    };
    let t = TargetRef { id, port };
    match t.kind_and_name() {
        ("task" | "instance", n) if name_ok(n, 40) => Some(t),
        _ => {
            cx.err(
                &t.id.loc,
                tr!(
                    "tg-target-id",
                    "a target is `task/NAME` or `instance/NAME`, found `{ $id }`",
                    id = short(&t.id.value)
                ),
                tr!("tg-target-id-help", "for example `id: task/web`"),
            );
            None
        }
    }
}

/// Targets name declared tasks and instances.
pub(crate) fn check(cx: &mut Reader, groups: &[TargetGroup], declared: &Declared<'_>, seen: &Seen) {
    for g in groups {
        for t in &g.targets {
            let (kind, name) = t.kind_and_name();
            let named = Located::new(name.to_string(), t.id.loc.clone());
            match kind {
                "task" => reference::reference(cx, &named, TASK, &declared.tasks, seen),
                _ => reference::reference(cx, &named, INSTANCE, &declared.instances, seen),
            };
            if kind == "instance" && g.target_type == TargetType::Ip {
                cx.err(
                    &t.id.loc,
                    tr!(
                        "tg-instance-in-ip",
                        "ValidationError: The target group '{ $group }' has target type 'ip': register IP addresses, not instance IDs",
                        group = g.name.value.as_str()
                    ),
                    tr!("tg-instance-in-ip-help", "register the awsvpc task (`id: task/NAME`), or use targetType: instance"),
                );
            }
        }
    }
}

/// The target group a `targetGroupArn` names: its name, or the NAME of
/// `arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID`.
pub fn target_group_name(arn_or_name: &str) -> &str {
    match arn_or_name.split_once(":targetgroup/") {
        Some((head, rest)) if head.starts_with("arn:") => rest.split('/').next().unwrap_or(rest),
        _ => arn_or_name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_codes() {
        assert_eq!(parse_http_codes("200"), Some(vec![(200, 200)]));
        assert_eq!(parse_http_codes("200,202"), Some(vec![(200, 200), (202, 202)]));
        assert_eq!(parse_http_codes("200-299"), Some(vec![(200, 299)]));
        assert_eq!(parse_http_codes("199"), None);
        assert_eq!(parse_http_codes("500"), None);
        assert_eq!(parse_http_codes("300-200"), None);
        assert_eq!(parse_http_codes("x"), None);
    }
}
