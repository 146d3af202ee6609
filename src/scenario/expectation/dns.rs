//! A name check: `dns: { from, name, resolvesTo }`. A real query for `name` (type A) is sent
//! from `from` to the resolver its resolv.conf names first (or `server`), and the answer must
//! be what `resolvesTo` says: addresses, a node's address, `public` or `private` addresses,
//! `NXDOMAIN`, or `timeout` (no answer).

use super::super::fields::{Shape, Table, def, opt, req};
use super::super::located::Located;
use super::super::node::{Node, parse_node};
use super::super::walk::*;
use super::{ExpectKind, Expectation, Lookup, check_node, endpoint, source, timeout_ms};
use crate::i18n::tr;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::Ipv4Addr;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DnsCheck {
    pub from: Located<Node>,
    /// As written (compared case-insensitively, without the root's dot).
    pub name: Located<String>,
    /// None: the first `nameserver` of the source's resolv.conf.
    pub server: Option<Ipv4Addr>,
    pub resolves_to: Located<ResolvesTo>,
    pub timeout_ms: u64,
    /// `type: SRV`: the query asks for SRV records (a Cloud Map service's), not A.
    #[serde(default)]
    pub srv: bool,
}

/// What the answer must be.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResolvesTo {
    /// Exactly these addresses, in any order.
    Addresses(Vec<Ipv4Addr>),
    /// The address of a node (`instance/NAME`, `instance/NAME@public`, `task/NAME`, `nat/NAME`,
    /// `aws/SERVICE`: its public endpoint), or of one of a service's tasks (`service/NAME`).
    Node(Node),
    /// Only addresses outside the VPC.
    Public,
    /// Only addresses inside the VPC.
    Private,
    Nxdomain,
    /// No answer at all.
    Timeout,
}

impl fmt::Display for ResolvesTo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolvesTo::Addresses(a) => f.write_str(&a.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ")),
            ResolvesTo::Node(n) => write!(f, "{n}"),
            ResolvesTo::Public => f.write_str("public"),
            ResolvesTo::Private => f.write_str("private"),
            ResolvesTo::Nxdomain => f.write_str("NXDOMAIN"),
            ResolvesTo::Timeout => f.write_str("timeout"),
        }
    }
}

impl DnsCheck {
    /// `task/web dns ip-10-0-1-5.ec2.internal -> 10.0.1.5`
    pub fn title(&self) -> String {
        let t = if self.srv { "SRV " } else { "" };
        format!("{} dns {t}{} -> {}", self.from.value, self.name.value, self.resolves_to.value)
    }
}

pub(crate) static DNS_ENTRY: Table = Table {
    id: "dnsExpectation",
    doc: "A `dns` entry: what a name resolves to, asked from a node with a real query.",
    strict: true,
    rules: &[],
    fields: &[req("dns", Shape::Block(&DNS), "The query and its expected answer.")],
};

pub(crate) static DNS: Table = Table {
    id: "dns",
    doc: "A DNS query (type A or SRV) from a node, and what it must resolve to.",
    strict: true,
    rules: &[],
    fields: &[
        req("from", Shape::Text, "Who asks: `internet`, `internet/NAME`, `instance/NAME`, `task/NAME[/CONTAINER]`."),
        req("name", Shape::Text, "The name asked for (e.g. `ip-10-0-1-5.ap-northeast-1.compute.internal`)."),
        req(
            "resolvesTo",
            Shape::AnyOf(&[Shape::Text, Shape::List(&Shape::Ipv4)]),
            "The answer: an address or a list of them, a node (`instance/NAME`, `instance/NAME@public`, `task/NAME`, `service/NAME`, `aws/SERVICE`, `endpoint/NAME`), `public`, `private`, `NXDOMAIN` or `timeout`.",
        ),
        def(
            "type",
            Shape::Enum(&["A", "SRV"]),
            "\"A\"",
            "The record type asked for: A, or SRV (a Cloud Map service's records; the answer is their targets).",
        ),
        opt("server", Shape::Ipv4, "The resolver to ask (default: the first nameserver of the source's resolv.conf)."),
        opt("timeoutMs", Shape::Int { min: 1, max: 60000 }, "How long to wait for the answer (default 300)."),
    ],
};

pub(super) fn parse(cx: &mut Reader, outer: Block<'_>) -> Option<Expectation> {
    outer.strict(cx, &DNS_ENTRY);
    let v = outer.req(cx, "dns", "{ from: task/web, name: ip-10-0-1-5.ec2.internal, resolvesTo: 10.0.1.5 }")?;
    let m = cx.entry_map(&v, "`dns`", "{ from: task/web, name: ip-10-0-1-5.ec2.internal, resolvesTo: 10.0.1.5 }")?;
    let m = Block { what: "`dns`".to_string(), ..m };
    m.strict(cx, &DNS);
    let mut ok = true;
    let from = m.req(cx, "from", "task/web").and_then(|v| endpoint(cx, &v)).and_then(|(e, p)| source(cx, e, p));
    let name = m.req(cx, "name", "ip-10-0-1-5.ec2.internal").and_then(|v| cx.nonempty(&v)).filter(|n| name_ok(cx, n));
    let resolves_to = m.req(cx, "resolvesTo", "10.0.1.5").and_then(|v| resolves_to(cx, &v));
    let server = m.get("server").and_then(|v| {
        let s = cx.ipv4(&v);
        ok &= s.is_some();
        s.map(|s| s.value)
    });
    let timeout_ms = timeout_ms(cx, &m, &mut ok);
    let srv = match m.get("type") {
        Some(t) => cx.choice(&t, &["A", "SRV"]).map(|c| c.value == "SRV"),
        None => Some(false),
    };
    let d = DnsCheck { from: from?, name: name?, server, resolves_to: resolves_to?, timeout_ms, srv: srv? };
    ok.then(|| Expectation { kind: ExpectKind::Dns(d), loc: outer.loc.clone() })
}

fn name_ok(cx: &mut Reader, n: &Located<String>) -> bool {
    let t = n.value.trim_end_matches('.');
    let ok = !t.is_empty()
        && t.len() <= 253
        && t.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'*')
        });
    if !ok {
        cx.err(
            &n.loc,
            tr!("expect-dns-bad-name", "`{ $name }` is not a DNS name", name = n.value.as_str()),
            tr!(
                "expect-dns-bad-name-help",
                "write a name such as ip-10-0-1-5.ec2.internal or api.ecr.us-east-1.amazonaws.com"
            ),
        );
    }
    ok
}

fn resolves_to(cx: &mut Reader, v: &Value<'_>) -> Option<Located<ResolvesTo>> {
    if matches!(v.node, marked_yaml::Node::Sequence(_)) {
        let loc = cx.vloc(v);
        let items = cx.items(v, 64)?;
        let mut addrs = vec![];
        for it in items {
            addrs.push(cx.ipv4(&Value { field: "resolvesTo entry".to_string(), ..it })?.value);
        }
        return Some(Located::new(ResolvesTo::Addresses(addrs), loc));
    }
    let s = cx.nonempty(v)?;
    let r = match s.value.as_str() {
        "NXDOMAIN" | "nxdomain" => Some(ResolvesTo::Nxdomain),
        "public" => Some(ResolvesTo::Public),
        "private" => Some(ResolvesTo::Private),
        "timeout" => Some(ResolvesTo::Timeout),
        t => match t.parse::<Ipv4Addr>() {
            Ok(ip) => Some(ResolvesTo::Addresses(vec![ip])),
            Err(_) => match parse_node(t) {
                Ok((
                    n @ (Node::Instance(_)
                    | Node::InstancePublic(_)
                    | Node::TaskPublic(_)
                    | Node::Task { .. }
                    | Node::Service(_)
                    | Node::Nat(_)
                    | Node::Aws(_)
                    | Node::Endpoint(_)),
                    None,
                )) => Some(ResolvesTo::Node(n)),
                _ => None,
            },
        },
    };
    if r.is_none() {
        cx.err(
            &s.loc,
            tr!("expect-dns-bad-answer", "`resolvesTo: { $value }` is not an answer ecsnet knows", value = s.value.as_str()),
            tr!(
                "expect-dns-bad-answer-help",
                "write an address (10.0.1.5) or a list of them, a node (instance/NAME, instance/NAME@public, task/NAME, service/NAME, aws/SERVICE, endpoint/NAME), public, private, NXDOMAIN or timeout"
            ),
        );
    }
    r.map(|r| Located::new(r, s.loc))
}

/// The nodes it names exist.
pub(super) fn check(cx: &mut Reader, d: &DnsCheck, l: &Lookup<'_>) {
    check_node(cx, &d.from, l);
    if let ResolvesTo::Node(n) = &d.resolves_to.value {
        check_node(cx, &Located::new(n.clone(), d.resolves_to.loc.clone()), l);
    }
}
