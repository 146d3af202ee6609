//! `expect:` entries: reachability checks (`from`, `to`, `reachable`, with what an HTTP GET
//! or an ICMP message must bring back: `http`, `icmp`), placement checks (`task`, `placed`),
//! host port checks (`containerPort`, `hostPort`) and `never` (no flow may connect), each
//! parsed by its own function; the references they make are checked once the whole file is
//! read.

mod call;
mod dns;
mod host_port;
mod http;
mod icmp;
mod service_state;
mod spread;
mod started;
mod target_health;
#[cfg(test)]
mod tests;

pub use call::{CALLS, CallCheck, CallDef, CallExpect, ResourceKind, find_call};
pub use dns::{DnsCheck, ResolvesTo};
pub use host_port::HostPort;
pub use http::HttpCheck;
pub use icmp::IcmpMessage;
pub use service_state::ServiceState;
pub use spread::Spread;
pub use started::Started;
pub use target_health::{TARGET_STATES, TargetHealthCheck};

use super::builder::{Builder, MAX_EXPECTATIONS};
use super::fields::{Shape, Table, Variant, def, opt, req};
use super::located::{Loc, Located};
use super::node::{Node, parse_node};
use super::primitives::{NetworkMode, Proto};
use super::reference::{self, Declared, INSTANCE, INTERNET_HOST, NAT_GATEWAY, Seen, TASK};
use super::task::Task;
use super::task_definition::{TaskDefinition, find_task_def};
use super::walk::*;
use crate::i18n::tr;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A probe's timeout (`timeoutMs`, `probe --timeout-ms`): at least this many milliseconds...
pub const MIN_TIMEOUT_MS: u64 = 1;
/// ...and at most this many (one minute): a longer wait is a typo, and holds a run.
pub const MAX_TIMEOUT_MS: u64 = 60_000;
/// The probes one `never:` may expand to (sources x destinations x ports), counted before
/// any is built.
pub const MAX_NEVER_PROBES: usize = 100_000;
/// The probes one `check` or `test` run of a scenario may send: its reachability expectations
/// and every `never:` expansion together.
pub const MAX_RUN_PROBES: usize = 200_000;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Expectation {
    pub kind: ExpectKind,
    pub loc: Loc,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[allow(clippy::large_enum_variant)]
pub enum ExpectKind {
    Reach(Reach),
    Placement(Placement),
    Never(Never),
    HostPort(HostPort),
    Dns(DnsCheck),
    Started(Started),
    Call(CallCheck),
    Service(ServiceState),
    TargetHealth(TargetHealthCheck),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Reach {
    pub from: Located<Node>,
    pub to: Located<Node>,
    /// Required except for icmp; `metadata` defaults to 80.
    pub port: Option<u16>,
    pub protocol: ProbeProto,
    /// For http: the GET path (default `/`).
    pub path: String,
    /// What the HTTP answer must be (status, body).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpCheck>,
    /// The ICMP message that must come back (icmp and udp probes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icmp: Option<IcmpMessage>,
    pub via: Option<Via>,
    pub reachable: bool,
    pub result: Option<Outcome>,
    pub served_by: Option<Located<Node>>,
    /// `requests: N` with `servedBy` a set: N requests, each target of the set answering.
    #[serde(default)]
    pub spread: Option<Spread>,
    pub source_seen_as: Option<Located<Node>>,
    pub reason: Option<String>,
    pub timeout_ms: u64,
    /// The DNS name `to` was written as, once a check has put in its place the address the
    /// source's resolver answered on packets (what is probed, and walked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asked: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Placement {
    pub task: Located<String>,
    pub placed: bool,
    pub reason: Option<String>,
}

/// A Network-Access-Analyzer-style negative: no flow from any node matching `from` to any
/// node matching `to`, on any port the destination declares, may connect.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Never {
    /// Node patterns (`internet`, `task/*`, `instance/web-*`); `*` matches any text.
    pub from: Located<String>,
    pub to: Located<String>,
    pub except: Vec<String>,
    /// None: the protocol each declared port has.
    pub protocol: Option<ProbeProto>,
    /// For teaching what an open rule lets through: the flows are expected to connect, and the
    /// check passes when at least one does.
    #[serde(default)]
    pub expect_violated: bool,
    /// `onlyThrough: alb/NAME`: besides no direct flow connecting, every source must reach a
    /// destination through that load balancer (one of its listeners answers with one of them).
    #[serde(default)]
    pub only_through: Option<Located<String>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProbeProto {
    Tcp,
    Udp,
    Http,
    Icmp,
}

impl fmt::Display for ProbeProto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProbeProto::Tcp => "tcp",
            ProbeProto::Udp => "udp",
            ProbeProto::Http => "http",
            ProbeProto::Icmp => "icmp",
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Connected,
    Refused,
    Timeout,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Outcome::Connected => "connected",
            Outcome::Refused => "refused",
            Outcome::Timeout => "timeout",
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Via {
    /// Probe the instance's private IP at the mapped host port.
    HostPort,
    /// Probe the instance's public IP at the mapped host port.
    PublicHostPort,
}

impl Reach {
    /// A one-line name for tables and JUnit: `internet -> instance/ecs-1@public:3000/tcp`.
    pub fn title(&self) -> String {
        let to = self.asked.clone().unwrap_or_else(|| self.to.value.to_string());
        let mut s = format!("{} -> {to}", self.from.value);
        if let Some(p) = self.port {
            s.push_str(&format!(":{p}"));
        }
        match &self.http {
            Some(h) if h.https => s.push_str("/https"),
            _ => s.push_str(&format!("/{}", self.protocol)),
        }
        match self.via {
            Some(Via::HostPort) => s.push_str(" via hostPort"),
            Some(Via::PublicHostPort) => s.push_str(" via publicHostPort"),
            None => {}
        }
        // Two checks of one endpoint differ by what they GET.
        if self.http.is_some() {
            s.push_str(&format!(" GET {}", self.path));
        }
        if let Some(sp) = &self.spread {
            s.push_str(&format!(" x{}", sp.requests));
        }
        s
    }
}

/// `*` matches any run of characters; everything else matches itself.
pub fn glob(pattern: &str, text: &str) -> bool {
    let Some((head, rest)) = pattern.split_once('*') else { return pattern == text };
    let Some(mut t) = text.strip_prefix(head) else { return false };
    if rest.is_empty() {
        return true;
    }
    loop {
        if glob(rest, t) {
            return true;
        }
        let mut c = t.chars();
        if c.next().is_none() {
            return false;
        }
        t = c.as_str();
    }
}

/// The words of a probe's `protocol`, `via` and `result`.
const PROBE_PROTOCOLS: &[&str] = &["tcp", "udp", "http", "icmp"];
const VIAS: &[&str] = &["hostPort", "publicHostPort"];
const OUTCOMES: &[&str] = &["connected", "refused", "timeout"];

/// Node references as written in `from`, `to`, `servedBy`, `sourceSeenAs` (see node.rs); a
/// DNS name (`api.corp.local`) last.
const NODE: Shape = Shape::Pattern(
    "^(internet(/[a-z0-9-]{1,40})?|metadata|imds|dns|aws/[a-z0-9.-]{1,40}|endpoint/[a-z0-9-]{1,40}|[an]lb/[a-z0-9-]{1,40}|instance/[a-z0-9-]{1,40}(@public)?|task/[a-z0-9-]{1,40}(/[A-Za-z0-9_-]{1,255}|@public)?|service/[a-z0-9-]{1,40}|nat/[a-z0-9-]{1,40}|[0-9]{1,3}(\\.[0-9]{1,3}){3}|([A-Za-z0-9_-]{1,63}\\.)+[A-Za-z0-9_-]*[A-Za-z_-][A-Za-z0-9_-]*\\.?)(:[0-9]{1,5})?$",
);
/// Node patterns of `never`: node references where `*` matches any text.
const NODE_PATTERN: Shape = Shape::Pattern("^[A-Za-z0-9_/*@.-]+$");

pub(crate) static REACH: Table = Table {
    id: "reachExpectation",
    doc: "A reachability check: a probe from a node to a node and port, and what must happen.",
    strict: true,
    rules: &[],
    fields: &[
        req(
            "from",
            NODE,
            "Where the probe starts: `internet`, `internet/NAME`, `instance/NAME`, `task/NAME[/CONTAINER]`.",
        ),
        req("to", NODE, "What is probed, with `:PORT` (except for icmp, `metadata` and `imds`)."),
        def(
            "protocol",
            Shape::Enum(PROBE_PROTOCOLS),
            "\"tcp\"",
            "The probe: `tcp`, `udp`, `http` (a GET of `path`) or `icmp`; `http` and `icmp` imply theirs.",
        ),
        def("path", http::PATH, "\"/\"", "For `protocol: http`: the path to GET."),
        opt("http", Shape::Block(&http::HTTP), "What the HTTP GET must get back: `path`, `status`, `bodyContains`."),
        opt(
            "icmp",
            icmp::ICMP_SHAPE,
            "The ICMP message that must come back to an icmp or udp probe: a name (`echo-reply`, `port-unreachable`, ...) or `{ type, code }`.",
        ),
        opt(
            "via",
            Shape::Enum(VIAS),
            "For `to: task/...`: probe the instance's private (`hostPort`) or public (`publicHostPort`) IP at the host port the container port is mapped to.",
        ),
        req("reachable", Shape::Bool, "Whether the probe must connect."),
        opt(
            "result",
            Shape::Enum(OUTCOMES),
            "The precise outcome: `connected`, `refused` (RST or ICMP unreachable) or `timeout` (silently dropped).",
        ),
        opt(
            "servedBy",
            Shape::AnyOf(&[NODE, Shape::List(&NODE)]),
            "The task that must answer: `task/NAME` or `task/NAME/CONTAINER` (needs `reachable: true`); with `requests`, a list of tasks (or `service/NAME`) that must each answer one.",
        ),
        opt(
            "requests",
            Shape::Int { min: 1, max: spread::MAX_REQUESTS },
            "Send this many requests: every target `servedBy` names must answer at least one, and no other any.",
        ),
        opt(
            "sourceSeenAs",
            NODE,
            "The source address the responder must see, as a node or an IPv4 address (needs `reachable: true`).",
        ),
        opt("reason", Shape::Text, "The reason code the verdict must carry (e.g. `ENI_SG_RULES_MISMATCH`)."),
        def(
            "timeoutMs",
            Shape::Int { min: MIN_TIMEOUT_MS, max: MAX_TIMEOUT_MS },
            "300",
            "The probe's timeout in milliseconds.",
        ),
    ],
};

pub(crate) static PLACEMENT: Table = Table {
    id: "placementExpectation",
    doc: "A placement check: whether ECS places a task, and if not, why.",
    strict: true,
    rules: &[],
    fields: &[
        req("task", Shape::Name, "The task."),
        req("placed", Shape::Bool, "Whether it must be placed."),
        opt(
            "reason",
            Shape::Text,
            "With `placed: false`: the reason ECS gives (e.g. `RESOURCE:ENI`, `RESOURCE:PORTS`).",
        ),
    ],
};

pub(crate) static NEVER_ENTRY: Table = Table {
    id: "neverExpectation",
    doc: "A `never` entry (an extension): no matching flow may connect.",
    strict: true,
    rules: &[],
    fields: &[req("never", Shape::Block(&NEVER), "The flows that must never connect.")],
};

pub(crate) static NEVER: Table = Table {
    id: "never",
    doc: "Every node matching `from` to every node matching `to`, on every port the destination declares.",
    strict: true,
    rules: &[],
    fields: &[
        req("from", NODE_PATTERN, "Source nodes: a node reference where `*` matches any text (`internet*`, `task/*`)."),
        req("to", NODE_PATTERN, "Destination nodes, the same way."),
        opt("except", Shape::List(&NODE_PATTERN), "Nodes left out, on either side."),
        opt("protocol", Shape::Enum(&["tcp", "udp"]), "Only this protocol (default: each declared port's own)."),
        def(
            "expectViolated",
            Shape::Bool,
            "false",
            "The flows are expected to connect (to show what a rule lets through): passes when at least one does.",
        ),
        opt(
            "onlyThrough",
            NODE,
            "`alb/NAME`: besides, every source must reach a destination through that load balancer's listeners.",
        ),
    ],
};

/// The entries of `expect`: a `never` entry, a host port check, a placement check, else a
/// reachability check.
pub(crate) static ENTRY: Shape = Shape::Variants(&[
    Variant { when: &["never"], table: &NEVER_ENTRY },
    Variant { when: &["dns"], table: &dns::DNS_ENTRY },
    Variant { when: &["call"], table: &call::CALL },
    Variant { when: &["containerPort", "hostPort"], table: &host_port::HOST_PORT },
    Variant { when: &["started"], table: &started::STARTED },
    Variant { when: &["service"], table: &service_state::SERVICE_STATE },
    Variant { when: &["targetHealth"], table: &target_health::TARGET_HEALTH_ENTRY },
    Variant { when: &["task", "placed"], table: &PLACEMENT },
    Variant { when: &[], table: &REACH },
]);

/// The `expect` list.
pub(crate) fn parse_all(b: &mut Builder, v: &Value<'_>) -> Vec<Expectation> {
    b.each(v, MAX_EXPECTATIONS, |b, it| parse(&mut b.cx, it))
}

fn parse(cx: &mut Reader, v: &Value<'_>) -> Option<Expectation> {
    let m = cx.entry_map(v, "an expectation", "{ from: internet, to: task/web:80, reachable: true }")?;
    let has = |k: &str| m.map.get_key_value(k).is_some();
    if has("never") {
        return never(cx, Block { what: "a `never` expectation".to_string(), ..m });
    }
    if has("dns") {
        return dns::parse(cx, Block { what: "a `dns` expectation".to_string(), ..m });
    }
    if has("call") {
        return call::parse(cx, Block { what: "a `call` expectation".to_string(), ..m });
    }
    if has("containerPort") || has("hostPort") {
        return host_port::parse(cx, Block { what: "a host port expectation".to_string(), ..m });
    }
    if has("targetHealth") {
        return target_health::parse(cx, Block { what: "a `targetHealth` expectation".to_string(), ..m });
    }
    if has("started") {
        return started::parse(cx, Block { what: "a task-state expectation".to_string(), ..m });
    }
    if has("service") {
        return service_state::parse(cx, Block { what: "a service expectation".to_string(), ..m });
    }
    let is_placement = has("task") || has("placed");
    if is_placement && (has("from") || has("to")) {
        cx.err(
            &m.loc,
            tr!(
                "expect-both-kinds",
                "an expectation is either a reachability check (from, to, reachable) or a placement check (task, placed), not both"
            ),
            tr!("expect-both-kinds-help", "split it into two entries"),
        );
        return None;
    }
    if is_placement {
        return placement(cx, Block { what: "a placement expectation".to_string(), ..m });
    }
    reach(cx, Block { what: "an expectation".to_string(), ..m })
}

/// `onlyThrough`: `alb/NAME` (its name kept); Some(None) when absent.
fn only_through(cx: &mut Reader, n: &Block<'_>) -> Option<Option<Located<String>>> {
    let Some(v) = n.get("onlyThrough") else { return Some(None) };
    let e = endpoint_no_port(cx, &v)?;
    match &e.value {
        Node::LoadBalancer(name) => Some(Some(Located::new(name.clone(), e.loc))),
        other => {
            cx.err(
                &e.loc,
                tr!(
                    "expect-only-through",
                    "`onlyThrough` names a load balancer, found `{ $endpoint }`",
                    endpoint = other
                ),
                tr!("expect-only-through-help", "write `onlyThrough: alb/NAME`"),
            );
            None
        }
    }
}

fn never(cx: &mut Reader, outer: Block<'_>) -> Option<Expectation> {
    outer.strict(cx, &NEVER_ENTRY);
    let v = outer.req(cx, "never", "{ from: internet, to: \"task/*\" }")?;
    let n = cx.entry_map(&v, "`never`", "{ from: internet, to: \"task/*\", except: [task/web] }")?;
    let n = Block { what: "`never`".to_string(), ..n };
    n.strict(cx, &NEVER);
    let from = n.req(cx, "from", "internet").and_then(|v| pattern(cx, &v));
    let to = n.req(cx, "to", "\"task/*\"").and_then(|v| pattern(cx, &v));
    let mut except = vec![];
    if let Some(list) = n.get("except").and_then(|v| cx.items(&v, 1000)) {
        for item in list {
            let item = Value { field: "except entry".to_string(), ..item };
            if let Some(p) = pattern(cx, &item) {
                except.push(p.value);
            }
        }
    }
    let protocol = match n.get("protocol").and_then(|v| cx.string(&v)) {
        None => None,
        Some(p) => match p.value.as_str() {
            "tcp" => Some(ProbeProto::Tcp),
            "udp" => Some(ProbeProto::Udp),
            _ => {
                cx.err(
                    &p.loc,
                    tr!("expect-never-protocol", "`never` checks tcp or udp, not `{ $protocol }`", protocol = p.value),
                    tr!("expect-never-protocol-help", "write `protocol: tcp` or `protocol: udp`"),
                );
                return None;
            }
        },
    };
    let expect_violated = match n.get("expectViolated") {
        Some(v) => cx.boolean(&v)?.value,
        None => false,
    };
    Some(Expectation {
        kind: ExpectKind::Never(Never {
            from: from?,
            to: to?,
            except,
            protocol,
            expect_violated,
            only_through: only_through(cx, &n)?,
        }),
        loc: outer.loc.clone(),
    })
}

fn pattern(cx: &mut Reader, v: &Value<'_>) -> Option<Located<String>> {
    let s = cx.nonempty(v)?;
    let ok = s.value.chars().all(|c| c.is_ascii_alphanumeric() || "-_/*@.".contains(c));
    if !ok {
        cx.err(
            &s.loc,
            tr!("expect-not-pattern", "`{ $value }` is not a node pattern", value = s.value),
            tr!("expect-not-pattern-help", "write e.g. `internet`, `task/*` or `instance/web-*`"),
        );
        return None;
    }
    Some(s)
}

fn placement(cx: &mut Reader, m: Block<'_>) -> Option<Expectation> {
    m.strict(cx, &PLACEMENT);
    let task =
        m.req(cx, "task", "web").and_then(|v| cx.string(&v)).and_then(|s| check_name(cx, &s, "task").then_some(s));
    let placed = m.req(cx, "placed", "false").and_then(|v| cx.boolean(&v));
    let reason = m.get("reason").and_then(|v| cx.nonempty(&v));
    if let (Some(p), Some(r)) = (&placed, &reason) {
        if p.value {
            cx.err(
                &r.loc,
                tr!("expect-reason-needs-unplaced", "`reason` is only used with `placed: false`"),
                tr!("expect-reason-needs-unplaced-help", "remove `reason`, or expect `placed: false`"),
            );
            return None;
        }
    }
    Some(Expectation {
        kind: ExpectKind::Placement(Placement { task: task?, placed: placed?.value, reason: reason.map(|r| r.value) }),
        loc: m.loc.clone(),
    })
}

/// The fields of a reachability check in file order; `ok` is cleared by any invalid one.
fn reach(cx: &mut Reader, m: Block<'_>) -> Option<Expectation> {
    m.strict(cx, &REACH);
    let mut ok = true;
    let from = m.req(cx, "from", "internet").and_then(|v| endpoint(cx, &v)).and_then(|(e, port)| source(cx, e, port));
    let to = m.req(cx, "to", "task/web:80").and_then(|v| endpoint(cx, &v));
    let protocol = probe_protocol(cx, &m, &mut ok);
    let (http, path_in_http) = match m.get("http").and_then(|v| http::parse(cx, &v, protocol, &mut ok)) {
        Some((check, path)) => (Some(check), path),
        None => (None, None),
    };
    let path = http_path(cx, &m, protocol, path_in_http, &mut ok);
    let icmp = m.get("icmp").and_then(|v| icmp::parse(cx, &v, protocol, &mut ok));
    let via = via(cx, &m, &mut ok);
    let reachable = m.req(cx, "reachable", "true").and_then(|v| cx.boolean(&v));
    let result = result(cx, &m, &mut ok);
    let spread = spread::parse(cx, &m, &mut ok);
    ok &= spread::list_needs_requests(cx, &m);
    let served_by = if m.get("requests").is_some() || !ok { None } else { served_by(cx, &m, &mut ok) };
    let source_seen_as = source_seen_as(cx, &m, &mut ok);
    let reason = m.get("reason").and_then(|v| cx.nonempty(&v)).map(|s| s.value);
    let timeout_ms = timeout_ms(cx, &m, &mut ok);

    // Consistency between fields.
    let (from, (to, port), reachable) = (from?, to?, reachable?);
    let port = destination_port(cx, protocol, &to, port, &mut ok);
    ok &= via_fits(cx, via.as_ref(), &to, protocol);
    ok &= result_fits(cx, result.as_ref(), &reachable);
    ok &= answers_need_reachable(cx, reachable.value, &served_by, &source_seen_as, http.as_ref());
    if let (Some(s), false) = (&spread, reachable.value) {
        cx.err(
            &s.served_by[0].loc,
            tr!("expect-requests-reachable", "`requests` with `servedBy` needs `reachable: true`"),
            "",
        );
        ok = false;
    }
    ok &= icmp::fits(cx, icmp.as_ref(), protocol, reachable.value);
    let reach = Reach {
        from,
        to,
        port,
        protocol,
        path,
        http: http.map(|h| h.value),
        icmp: icmp.map(|i| i.value),
        via: via.map(|v| v.value),
        reachable: reachable.value,
        result: result.map(|r| r.value),
        served_by,
        spread,
        source_seen_as,
        reason,
        timeout_ms,
        asked: None,
    };
    ok.then(|| Expectation { kind: ExpectKind::Reach(reach), loc: m.loc.clone() })
}

fn endpoint(cx: &mut Reader, v: &Value<'_>) -> Option<(Located<Node>, Option<u16>)> {
    let s = cx.string(v)?;
    match parse_node(&s.value) {
        Ok((e, p)) => Some((Located::new(e, s.loc), p)),
        Err(e) => {
            cx.err(&s.loc, format!("`{}`: {e}", v.field), "");
            None
        }
    }
}

/// An endpoint that must not carry a port.
fn endpoint_no_port(cx: &mut Reader, v: &Value<'_>) -> Option<Located<Node>> {
    let (e, p) = endpoint(cx, v)?;
    if p.is_some() {
        cx.err(
            &e.loc,
            tr!("endpoint-no-port", "`{ $node }` takes no port", node = v.field),
            tr!("expect-write-just", "write just `{ $value }`", value = e.value),
        );
        return None;
    }
    Some(e)
}

/// `from`: a node a probe can start from, without a port.
fn source(cx: &mut Reader, e: Located<Node>, port: Option<u16>) -> Option<Located<Node>> {
    let bad = match &e.value {
        Node::Internet | Node::InternetHost(_) | Node::Instance(_) | Node::Task { .. } | Node::Service(_) => None,
        Node::InstancePublic(_) | Node::TaskPublic(_) => {
            Some(tr!("expect-dest-public", "an instance's public address is only a destination"))
        }
        Node::Nat(_) => Some(tr!("expect-dest-nat", "a NAT gateway is only a destination")),
        Node::Metadata => Some(tr!("expect-dest-metadata", "the task metadata endpoint is only a destination")),
        Node::InstanceMetadata => Some(tr!("expect-dest-imds", "the instance metadata service is only a destination")),
        Node::Dns => Some(tr!("expect-dest-dns", "the VPC's DNS server is only a destination")),
        Node::Aws(_) | Node::Endpoint(_) => {
            Some(tr!("expect-dest-aws", "an AWS service endpoint is only a destination"))
        }
        Node::LoadBalancer(_) | Node::NetworkLoadBalancer(_) => {
            Some(tr!("expect-dest-alb", "a load balancer is only a destination"))
        }
        Node::Ip(_) => Some(tr!("expect-dest-ip", "an IP address is only a destination")),
        Node::Name(_) => Some(tr!("expect-dest-name", "a DNS name is only a destination")),
    };
    if let Some(why) = bad {
        cx.err(
            &e.loc,
            tr!("expect-not-source", "`{ $node }` cannot be a probe source: { $why }", node = e.value, why = why),
            tr!(
                "expect-sources",
                "a probe starts from `internet`, `internet/NAME`, `instance/NAME`, `task/NAME` or `task/NAME/CONTAINER`"
            ),
        );
        return None;
    }
    if port.is_some() {
        cx.err(
            &e.loc,
            tr!("endpoint-no-port", "`{ $node }` takes no port", node = "from"),
            tr!("expect-port-belongs-to-to", "write just `{ $value }`; the port belongs to `to`", value = e.value),
        );
        return None;
    }
    Some(e)
}

fn probe_protocol(cx: &mut Reader, m: &Block<'_>, ok: &mut bool) -> ProbeProto {
    let Some(v) = m.get("protocol") else {
        // `http` and `icmp` check the answer of one probe: they say which.
        return if m.get("http").is_some() {
            ProbeProto::Http
        } else if m.get("icmp").is_some() {
            ProbeProto::Icmp
        } else {
            ProbeProto::Tcp
        };
    };
    match cx.choice(&v, PROBE_PROTOCOLS) {
        Some(p) => match p.value {
            "udp" => ProbeProto::Udp,
            "http" => ProbeProto::Http,
            "icmp" => ProbeProto::Icmp,
            _ => ProbeProto::Tcp,
        },
        None => {
            *ok = false;
            ProbeProto::Tcp
        }
    }
}

/// `path`, beside `http` or in it (not both): only with http, starting with `/`, without blanks.
fn http_path(
    cx: &mut Reader,
    m: &Block<'_>,
    protocol: ProbeProto,
    in_http: Option<Located<String>>,
    ok: &mut bool,
) -> String {
    let beside = match m.get("path") {
        Some(v) => match cx.string(&v) {
            Some(s) => Some(s),
            None => {
                *ok = false;
                return "/".to_string();
            }
        },
        None => None,
    };
    let s = match (beside, in_http) {
        (None, None) => return "/".to_string(),
        (Some(s), Some(_)) => {
            cx.err(
                &s.loc,
                tr!("expect-path-twice", "`path` is given twice: beside `http` and in it"),
                tr!("expect-path-twice-help", "keep `http: { path: ... }` only"),
            );
            *ok = false;
            return "/".to_string();
        }
        (Some(s), None) | (None, Some(s)) => s,
    };
    if protocol != ProbeProto::Http {
        cx.err(
            &s.loc,
            tr!("expect-path-needs-http", "`path` is only used with `protocol: http`"),
            tr!("expect-path-needs-http-help", "add `protocol: http`, or remove `path`"),
        );
        *ok = false;
        return "/".to_string();
    }
    if !s.value.starts_with('/') || s.value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        cx.err(
            &s.loc,
            tr!("expect-bad-path", "invalid HTTP path `{ $path }`", path = short(&s.value)),
            tr!("expect-bad-path-help", "a path starts with `/` and has no blanks, e.g. `/health`"),
        );
        *ok = false;
        return "/".to_string();
    }
    s.value
}

/// `sourceSeenAs`: a node or an address, without a port.
fn source_seen_as(cx: &mut Reader, m: &Block<'_>, ok: &mut bool) -> Option<Located<Node>> {
    let e = endpoint_no_port(cx, &m.get("sourceSeenAs")?);
    if let Some(Located { value: Node::Name(n), loc }) = &e {
        // What a name resolves to depends on who asks and when: the address seen is a fact.
        cx.err(
            loc,
            tr!(
                "expect-seen-as-name",
                "`sourceSeenAs` is a node or an address, not the DNS name `{ $name }`",
                name = n
            ),
            tr!(
                "expect-seen-as-name-help",
                "write the node the responder must see, e.g. `nat/NAME` or `instance/NAME`"
            ),
        );
        *ok = false;
        return None;
    }
    *ok &= e.is_some();
    e
}

fn timeout_ms(cx: &mut Reader, m: &Block<'_>, ok: &mut bool) -> u64 {
    let Some(v) = m.get("timeoutMs") else { return 300 };
    cx.uint(&v, MIN_TIMEOUT_MS, MAX_TIMEOUT_MS).map(|n| n.value).unwrap_or_else(|| {
        *ok = false;
        300
    })
}

fn via(cx: &mut Reader, m: &Block<'_>, ok: &mut bool) -> Option<Located<Via>> {
    let v = m.get("via")?;
    match cx.choice(&v, VIAS) {
        Some(s) => Some(Located::new(if s.value == "hostPort" { Via::HostPort } else { Via::PublicHostPort }, s.loc)),
        None => {
            *ok = false;
            None
        }
    }
}

fn result(cx: &mut Reader, m: &Block<'_>, ok: &mut bool) -> Option<Located<Outcome>> {
    let v = m.get("result")?;
    match cx.choice(&v, OUTCOMES) {
        Some(s) => Some(Located::new(
            match s.value {
                "connected" => Outcome::Connected,
                "refused" => Outcome::Refused,
                _ => Outcome::Timeout,
            },
            s.loc,
        )),
        None => {
            *ok = false;
            None
        }
    }
}

/// `servedBy`: a task or one of its containers, or any task of a service.
fn served_by(cx: &mut Reader, m: &Block<'_>, ok: &mut bool) -> Option<Located<Node>> {
    let v = m.get("servedBy")?;
    match endpoint_no_port(cx, &v) {
        Some(e) if matches!(e.value, Node::Task { .. } | Node::Service(_)) => Some(e),
        Some(e) => {
            cx.err(
                &e.loc,
                tr!("expect-served-by-task", "`servedBy` must name a task, found `{ $endpoint }`", endpoint = e.value),
                tr!("expect-served-by-task-help", "write `task/NAME`, `task/NAME/CONTAINER` or `service/NAME`"),
            );
            *ok = false;
            None
        }
        None => {
            *ok = false;
            None
        }
    }
}

/// The port probed: `to`'s, none for icmp, 80 for `metadata`.
fn destination_port(
    cx: &mut Reader,
    protocol: ProbeProto,
    to: &Located<Node>,
    port: Option<u16>,
    ok: &mut bool,
) -> Option<u16> {
    match (protocol, &to.value, port) {
        (ProbeProto::Icmp, _, Some(p)) => {
            cx.err(
                &to.loc,
                tr!("expect-icmp-port", "icmp has no ports, but `to` has :{ $port }", port = p),
                tr!("expect-write-just", "write just `{ $value }`", value = to.value),
            );
            *ok = false;
            None
        }
        (ProbeProto::Icmp, _, None) => None,
        (_, Node::Metadata | Node::InstanceMetadata, None) => Some(80),
        (_, Node::Dns, None) => Some(super::dhcp_options::DNS_PORT),
        (_, Node::Aws(_) | Node::Endpoint(_), None) => Some(super::aws_service::HTTPS_PORT),
        (_, _, Some(p)) => Some(p),
        (_, _, None) => {
            cx.err(
                &to.loc,
                tr!("expect-needs-port", "`to` needs a port: `{ $node }:PORT`", node = to.value),
                tr!(
                    "expect-needs-port-help",
                    "a destination carries a port (e.g. `task/web:3000`); only `protocol: icmp` and `metadata` go without"
                ),
            );
            *ok = false;
            None
        }
    }
}

/// `via` probes a task's host port: only with `to: task/...` and a port.
fn via_fits(cx: &mut Reader, via: Option<&Located<Via>>, to: &Located<Node>, protocol: ProbeProto) -> bool {
    let Some(via) = via else { return true };
    if !matches!(to.value, Node::Task { .. }) {
        cx.err(
            &via.loc,
            tr!("expect-via-task", "`via` is only used with `to: task/...`, not `{ $endpoint }`", endpoint = to.value),
            tr!("expect-via-task-help", "remove `via`, or probe a task"),
        );
        return false;
    }
    if protocol == ProbeProto::Icmp {
        cx.err(&via.loc, "`via` needs a port, but icmp has none", "remove `via`, or use tcp/udp/http");
        return false;
    }
    true
}

fn result_fits(cx: &mut Reader, result: Option<&Located<Outcome>>, reachable: &Located<bool>) -> bool {
    let Some(r) = result else { return true };
    let connected = r.value == Outcome::Connected;
    if connected == reachable.value {
        return true;
    }
    let help = if reachable.value {
        tr!("expect-reachable-true-goes-with", "`reachable: true` goes with `result: connected`")
    } else {
        tr!("expect-reachable-false-goes-with", "`reachable: false` goes with `result: refused` or `result: timeout`")
    };
    let msg = tr!(
        "expect-contradiction",
        "`result: { $result }` contradicts `reachable: { $reachable }`",
        result = r.value,
        reachable = reachable.value
    );
    cx.err(&r.loc, msg, help);
    false
}

/// Nothing answers an unreachable probe, so `servedBy`, `sourceSeenAs` and `http` need
/// `reachable: true`.
fn answers_need_reachable(
    cx: &mut Reader,
    reachable: bool,
    served_by: &Option<Located<Node>>,
    source_seen_as: &Option<Located<Node>>,
    http: Option<&Located<HttpCheck>>,
) -> bool {
    if reachable {
        return true;
    }
    let mut ok = true;
    let http = http.map(|h| &h.loc);
    let locs = [
        ("servedBy", served_by.as_ref().map(|e| &e.loc)),
        ("sourceSeenAs", source_seen_as.as_ref().map(|e| &e.loc)),
        ("http", http),
    ];
    for (field, loc) in locs {
        if let Some(loc) = loc {
            cx.err(
                loc,
                tr!("expect-needs-reachable", "`{ $field }` needs `reachable: true`", field = field),
                tr!(
                    "expect-needs-reachable-help",
                    "nothing answers an unreachable probe; remove `{ $field }`",
                    field = field
                ),
            );
            ok = false;
        }
    }
    ok
}

/// What the expectation checks need to look up.
pub(crate) struct Lookup<'a> {
    pub declared: &'a Declared<'a>,
    pub seen: &'a Seen,
    pub tasks: &'a [Task],
    pub services: &'a [super::service::Service],
    pub task_definitions: &'a [TaskDefinition],
    pub target_groups: &'a [super::target_group::TargetGroup],
    /// The availability zones of the scenario's subnets.
    pub zones: Vec<String>,
    /// The Cloud Map services' `NAME.NAMESPACE`, lower case.
    pub cloud_map: Vec<String>,
}

impl<'a> Lookup<'a> {
    /// The task definition of a task, standalone or a service's (`NAME-n`).
    fn task_def_of(&self, name: &str) -> Option<&'a TaskDefinition> {
        let standalone = self.tasks.iter().find(|t| t.name.value == name).map(|t| &t.task_definition.value);
        let of_service = || {
            let s = self.services.iter().find(|s| (1..=s.desired_count.value).any(|n| s.task_name(n) == name))?;
            Some(&s.task_definition.value)
        };
        find_task_def(self.task_definitions, standalone.or_else(of_service)?)
    }
}

/// Every node an expectation names exists; `via` and a host port check have a host port.
pub(crate) fn check(cx: &mut Reader, expect: &[Expectation], l: &Lookup<'_>) {
    for e in expect {
        match &e.kind {
            ExpectKind::Never(n) => {
                if let Some(lb) = &n.only_through {
                    check_node(cx, &Located::new(Node::LoadBalancer(lb.value.clone()), lb.loc.clone()), l);
                }
            }
            ExpectKind::HostPort(h) => host_port::check(cx, h, &e.loc, l),
            ExpectKind::Dns(d) => dns::check(cx, d, l),
            ExpectKind::Call(c) => call::check(cx, c, l),
            ExpectKind::Placement(p) => {
                reference::reference(cx, &p.task, TASK, &l.declared.tasks, l.seen);
            }
            ExpectKind::Started(s) => {
                reference::reference(cx, &s.task, TASK, &l.declared.tasks, l.seen);
            }
            ExpectKind::Service(s) => {
                reference::reference(cx, &s.service, reference::SERVICE, &l.declared.services, l.seen);
                service_state::check_zones(cx, s, &l.zones);
            }
            ExpectKind::TargetHealth(t) => target_health::check(cx, t, l),
            ExpectKind::Reach(r) => {
                check_node(cx, &r.from, l);
                let to_ok = check_node(cx, &r.to, l);
                if let Some(s) = &r.served_by {
                    check_node(cx, s, l);
                }
                for s in r.spread.iter().flat_map(|s| &s.served_by) {
                    check_node(cx, s, l);
                }
                if let Some(s) = &r.source_seen_as {
                    check_node(cx, s, l);
                }
                if let (Some(via), true, Some(port)) = (r.via, to_ok, r.port) {
                    check_via(cx, r, via, port, l);
                }
            }
        }
    }
}

/// The node names something declared (a container: in its task's task definition).
fn check_node(cx: &mut Reader, e: &Located<Node>, l: &Lookup<'_>) -> bool {
    let named = |n: &String| Located::new(n.clone(), e.loc.clone());
    let d = l.declared;
    match &e.value {
        Node::Instance(n) | Node::InstancePublic(n) => {
            reference::reference(cx, &named(n), INSTANCE, &d.instances, l.seen)
        }
        Node::Task { task: n, container: None } | Node::TaskPublic(n) => {
            reference::reference(cx, &named(n), TASK, &d.tasks, l.seen)
        }
        Node::Task { task: t, container: Some(c) } => {
            if !reference::reference(cx, &named(t), TASK, &d.tasks, l.seen) {
                return false;
            }
            let Some(td) = l.task_def_of(t) else { return false };
            check_container(cx, e, t, c, td)
        }
        Node::InternetHost(n) => reference::reference(cx, &named(n), INTERNET_HOST, &d.internet_hosts, l.seen),
        Node::Nat(n) => reference::reference(cx, &named(n), NAT_GATEWAY, &d.nat_gateways, l.seen),
        Node::Service(n) => reference::reference(cx, &named(n), reference::SERVICE, &d.services, l.seen),
        Node::Endpoint(n) => reference::reference(cx, &named(n), reference::ENDPOINT, &d.endpoints, l.seen),
        Node::LoadBalancer(n) | Node::NetworkLoadBalancer(n) => {
            reference::reference(cx, &named(n), reference::LOAD_BALANCER, &d.load_balancers, l.seen)
                && load_balancer_kind(cx, e, n, d)
        }
        Node::Internet
        | Node::Metadata
        | Node::InstanceMetadata
        | Node::Dns
        | Node::Aws(_)
        | Node::Ip(_)
        | Node::Name(_) => true,
    }
}

/// `alb/NAME` names an application load balancer, `nlb/NAME` a network one.
fn load_balancer_kind(cx: &mut Reader, e: &Located<Node>, n: &str, d: &reference::Declared<'_>) -> bool {
    let network = d.network_load_balancers.contains(&n);
    if network == matches!(e.value, Node::NetworkLoadBalancer(_)) {
        return true;
    }
    let (is, write) = if network { ("a network", "nlb") } else { ("an application", "alb") };
    cx.err(
        &e.loc,
        tr!("expect-lb-kind", "`{ $node }` names { $kind } load balancer", node = e.value.to_string(), kind = is),
        tr!("expect-lb-kind-help", "write `{ $prefix }/{ $name }`", prefix = write, name = n),
    );
    false
}

fn check_container(cx: &mut Reader, e: &Located<Node>, task: &str, c: &str, td: &TaskDefinition) -> bool {
    let names: Vec<&str> = td.container_definitions.iter().map(|c| c.name.value.as_str()).collect();
    if names.contains(&c) {
        return true;
    }
    let help = match suggest(c, &names) {
        Some(s) => tr!("scenario-did-you-mean", "did you mean `{ $name }`?", name = s),
        None => tr!("expect-its-containers", "its containers: { $names }", names = names_list(names.iter().copied())),
    };
    cx.err(
        &e.loc,
        tr!(
            "expect-no-container",
            "task `{ $task }` has no container `{ $container }` (task definition `{ $family }:{ $revision }`)",
            task = task,
            container = short(c),
            family = td.family.value,
            revision = td.revision
        ),
        help,
    );
    false
}

/// `via: hostPort|publicHostPort` needs a host port for the container port.
fn check_via(cx: &mut Reader, r: &Reach, via: Via, port: u16, l: &Lookup<'_>) {
    let (task, container) = match &r.to.value {
        Node::Task { task, container } => (task, container.as_ref()),
        _ => return,
    };
    let Some(td) = l.task_def_of(task) else { return };
    let via_name = if via == Via::HostPort { "hostPort" } else { "publicHostPort" };
    match td.network_mode.value {
        NetworkMode::Awsvpc | NetworkMode::None => {
            cx.err(
                &r.to.loc,
                tr!(
                    "expect-via-no-host-port",
                    "`via: { $via }` needs a host port, but task `{ $task }` uses networkMode={ $mode }: its ports are not published on the instance",
                    via = via_name,
                    task = task,
                    mode = td.network_mode.value
                ),
                tr!(
                    "expect-via-no-host-port-help",
                    "remove `via` and probe `task/{ $task }:{ $port }` (the task's own address)",
                    task = task,
                    port = port
                ),
            );
        }
        NetworkMode::Host => {}
        NetworkMode::Bridge => {
            let proto = if r.protocol == ProbeProto::Udp { Proto::Udp } else { Proto::Tcp };
            let mapped: Vec<String> = td
                .container_definitions
                .iter()
                .filter(|c| container.is_none_or(|n| *n == c.name.value))
                .flat_map(|c| c.port_mappings.iter())
                .map(|pm| format!("{}/{}", pm.container_port.value, pm.protocol))
                .collect();
            if mapped.contains(&format!("{port}/{proto}")) {
                return;
            }
            cx.err(
                &r.to.loc,
                tr!(
                    "expect-via-unmapped",
                    "`via: { $via }`: container port { $port }/{ $proto } of task `{ $task }` has no port mapping, so it has no host port",
                    via = via_name,
                    port = port,
                    proto = proto,
                    task = task
                ),
                if mapped.is_empty() {
                    tr!("expect-via-unmapped-help", "add a portMappings entry for it in the task definition")
                } else {
                    tr!("expect-mapped-ports", "mapped container ports: { $ports }", ports = mapped.join(", "))
                },
            );
        }
    }
}
