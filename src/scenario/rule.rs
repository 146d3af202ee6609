//! What security group rules and network ACL rules share: a protocol, and ports as the
//! protocol wants them.

use super::fields::{Field, Rule, Shape, opt, req};
use super::walk::*;
use crate::i18n::tr;
use serde::{Deserialize, Serialize};

pub(crate) use super::primitives::PortRange;

/// `tcp`, `udp`, `icmp` or `all` (AWS `-1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleProto {
    Tcp,
    Udp,
    Icmp,
    All,
}

/// The words of `protocol` in a rule.
pub(crate) const PROTOCOLS: &[&str] = &["tcp", "udp", "icmp", "all", "-1"];

/// The `protocol` field every security group and ACL rule has.
pub(crate) const PROTOCOL_FIELD: Field =
    req("protocol", Shape::Enum(PROTOCOLS), "`tcp`, `udp`, `icmp`, or `all` (also written `-1`).");

/// The `ports` field of a security group or ACL rule, with its doc line.
pub(crate) const fn ports_field(doc: &'static str) -> Field {
    opt("ports", Shape::PortRange, doc)
}

/// `ports` is required for tcp and udp, and has no meaning for icmp and all.
pub(crate) const PORTS_RULES: &[Rule] = &[
    Rule::RequiredWhen { field: "protocol", values: &["tcp", "udp"], then: "ports" },
    Rule::ForbiddenWhen { field: "protocol", values: &["icmp", "all", "-1"], then: "ports" },
];

pub(crate) fn protocol(cx: &mut Reader, m: &Block<'_>) -> Option<RuleProto> {
    let v = m.req(cx, "protocol", "tcp")?;
    let p = cx.choice(&v, PROTOCOLS)?;
    Some(match p.value {
        "tcp" => RuleProto::Tcp,
        "udp" => RuleProto::Udp,
        "icmp" => RuleProto::Icmp,
        _ => RuleProto::All,
    })
}

/// `ports` as the protocol wants it: required for tcp/udp, forbidden for icmp/all.
pub(crate) fn ports(cx: &mut Reader, m: &Block<'_>, proto: RuleProto) -> Result<Option<PortRange>, ()> {
    match (m.get("ports"), proto) {
        (Some(v), RuleProto::Tcp | RuleProto::Udp) => cx.port_range(&v).map(Some).ok_or(()),
        (None, RuleProto::Tcp | RuleProto::Udp) => {
            let p = if proto == RuleProto::Tcp { "tcp" } else { "udp" };
            cx.err(
                &m.loc,
                tr!("rule-missing-ports", "missing `ports` for protocol { $proto }", proto = p),
                tr!(
                    "rule-missing-ports-help",
                    "add `ports: 443`, a range like `ports: 8000-8010`, or `ports: 0-65535` for all ports"
                ),
            );
            Err(())
        }
        (Some(v), _) => {
            let loc = cx.vloc(&v);
            let p = if proto == RuleProto::Icmp { "icmp" } else { "all" };
            cx.err(
                &loc,
                tr!("rule-ports-not-allowed", "`ports` cannot be used with protocol { $proto }", proto = p),
                tr!("rule-ports-not-allowed-help", "remove `ports`: protocol { $proto } has no ports", proto = p),
            );
            Err(())
        }
        (None, _) => Ok(None),
    }
}

/// Protocol, then ports when the protocol was valid (None: an error was reported).
pub(crate) fn protocol_and_ports(cx: &mut Reader, m: &Block<'_>) -> (Option<RuleProto>, Option<Option<PortRange>>) {
    let proto = protocol(cx, m);
    let ports = match proto {
        Some(p) => ports(cx, m, p).ok(),
        None => None,
    };
    (proto, ports)
}
