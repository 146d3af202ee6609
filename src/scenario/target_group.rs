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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HttpProtocol {
    Http,
    Https,
}

impl HttpProtocol {
    pub fn as_str(self) -> &'static str {
        match self {
            HttpProtocol::Http => "HTTP",
            HttpProtocol::Https => "HTTPS",
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
    pub protocol: HttpProtocol,
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
            protocol: HttpProtocol::Http,
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
    pub protocol: HttpProtocol,
    pub port: Located<u16>,
    pub target_type: TargetType,
    pub health_check: HealthCheck,
    pub deregistration_delay_seconds: u32,
    pub targets: Vec<TargetRef>,
}

const SECONDS_300: Shape = Shape::Int { min: 5, max: 300 };

pub(crate) static TABLE: Table = Table {
    id: "targetGroup",
    doc: "An ELBv2 target group (CreateTargetGroup) and the targets registered in it (RegisterTargets).",
    strict: true,
    rules: &[],
    fields: &[
        req("name", Shape::Name, "The target group's name (at most 32 characters), used by listeners' actions."),
        def("protocol", Shape::Enum(&["HTTP", "HTTPS"]), "\"HTTP\"", "How the load balancer talks to targets."),
        req("port", Shape::Int { min: 1, max: 65535 }, "The targets' port when a target names none."),
        def(
            "targetType",
            Shape::Enum(&["ip", "instance"]),
            "\"instance\"",
            "`ip`: awsvpc tasks' ENI addresses; `instance`: container instances and their host ports (bridge tasks).",
        ),
        def("healthCheckEnabled", Shape::Bool, "true", "Health checks on (off: every target is `unavailable`)."),
        def("healthCheckProtocol", Shape::Enum(&["HTTP", "HTTPS"]), "\"HTTP\"", "The health check's protocol."),
        def(
            "healthCheckPort",
            Shape::Text,
            "\"traffic-port\"",
            "`traffic-port` (each target's own port) or a port number.",
        ),
        def("healthCheckPath", Shape::Text, "\"/\"", "The path the health check asks for."),
        def("healthCheckIntervalSeconds", SECONDS_300, "30", "Seconds between checks of one target (5-300)."),
        def(
            "healthCheckTimeoutSeconds",
            Shape::Int { min: 2, max: 120 },
            "5",
            "Seconds without an answer that fail a check (2-120, less than the interval).",
        ),
        def("healthyThresholdCount", Shape::Int { min: 2, max: 10 }, "5", "Consecutive successes to be healthy."),
        def("unhealthyThresholdCount", Shape::Int { min: 2, max: 10 }, "2", "Consecutive failures to be unhealthy."),
        opt("matcher", Shape::Block(&MATCHER), "The status codes of a successful check (default `httpCode: \"200\"`)."),
        def(
            "deregistrationDelayTimeoutSeconds",
            Shape::Int { min: 0, max: 3600 },
            "300",
            "The `deregistration_delay.timeout_seconds` attribute: how long a deregistered target drains.",
        ),
        opt(
            "targets",
            Shape::List(&Shape::Block(&TARGET)),
            "Registered targets: `{ id: task/web, port: 80 }` (ip), `{ id: instance/ecs-1, port: 32768 }` or `{ id: task/web }` (instance: its instance and host port).",
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
    let protocol = protocol(cx, &m, "protocol");
    let port = m.req(cx, "port", "80").and_then(|v| cx.port(&v, false));
    let target_type = match m.get("targetType").and_then(|v| cx.choice(&v, &["ip", "instance"])) {
        Some(t) if t.value == "ip" => TargetType::Ip,
        _ => TargetType::Instance,
    };
    let health_check = health_check(cx, &m);
    let deregistration_delay_seconds = uint_or(cx, &m, "deregistrationDelayTimeoutSeconds", 0, 3600, 300);
    let targets = match m.get("targets") {
        Some(tv) => targets(cx, &tv)?,
        None => vec![],
    };
    Some(TargetGroup {
        name: name?,
        protocol,
        port: port?,
        target_type,
        health_check: health_check?,
        deregistration_delay_seconds,
        targets,
    })
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

/// `HTTP` or `HTTPS` under `key` (HTTP when absent).
pub(crate) fn protocol(cx: &mut Reader, m: &Block<'_>, key: &str) -> HttpProtocol {
    match m.get(key).and_then(|v| cx.choice(&v, &["HTTP", "HTTPS"])) {
        Some(p) if p.value == "HTTPS" => HttpProtocol::Https,
        _ => HttpProtocol::Http,
    }
}

fn uint_or(cx: &mut Reader, m: &Block<'_>, key: &str, min: u64, max: u64, default: u32) -> u32 {
    m.get(key).and_then(|v| cx.uint(&v, min, max)).map_or(default, |n| u32::try_from(n.value).unwrap_or(default))
}

/// The health check settings; None when one is wrong.
fn health_check(cx: &mut Reader, m: &Block<'_>) -> Option<HealthCheck> {
    let d = HealthCheck::default();
    let errors = cx.diags.len();
    let enabled = m.get("healthCheckEnabled").and_then(|v| cx.boolean(&v)).is_none_or(|b| b.value);
    let protocol = protocol(cx, m, "healthCheckProtocol");
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
