//! `icmp:` on a reachability check: the ICMP message that must come back, by name
//! (`port-unreachable`) or by number (`{ type: 3, code: 3 }`). An icmp probe sees echo replies
//! and errors about its echo requests; a udp probe sees the errors about its datagrams.

use super::super::fields::{Shape, Table, opt, req};
use super::super::located::Located;
use super::super::walk::*;
use super::ProbeProto;
use crate::i18n::tr;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An ICMP message: its type and, when the expectation names one, its code (any code otherwise).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IcmpMessage {
    #[serde(rename = "type")]
    pub kind: u8,
    pub code: Option<u8>,
}

/// The names of `icmp:`, nftables' words for them (`reject with icmp type port-unreachable`).
pub(crate) const ICMP_NAMES: &[&str] = &[
    "echo-reply",
    "net-unreachable",
    "host-unreachable",
    "protocol-unreachable",
    "port-unreachable",
    "fragmentation-needed",
    "net-prohibited",
    "host-prohibited",
    "admin-prohibited",
    "time-exceeded",
];

/// The type and code a name stands for (RFC 792, RFC 1812).
fn named(name: &str) -> Option<(u8, u8)> {
    Some(match name {
        "echo-reply" => (0, 0),
        "net-unreachable" => (3, 0),
        "host-unreachable" => (3, 1),
        "protocol-unreachable" => (3, 2),
        "port-unreachable" => (3, 3),
        "fragmentation-needed" => (3, 4),
        "net-prohibited" => (3, 9),
        "host-prohibited" => (3, 10),
        "admin-prohibited" => (3, 13),
        "time-exceeded" => (11, 0),
        _ => return None,
    })
}

/// The echo reply: the only message that says the destination answered.
const ECHO_REPLY: u8 = 0;

impl IcmpMessage {
    /// The name of a type and code, when it has one.
    pub fn name(kind: u8, code: u8) -> Option<&'static str> {
        ICMP_NAMES.iter().copied().find(|n| named(n) == Some((kind, code)))
    }

    /// Whether a message the probe saw is this one.
    pub fn matches(&self, kind: u8, code: u8) -> bool {
        self.kind == kind && self.code.is_none_or(|c| c == code)
    }
}

impl fmt::Display for IcmpMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code {
            Some(code) => match IcmpMessage::name(self.kind, code) {
                Some(n) => write!(f, "{n} (type {} code {code})", self.kind),
                None => write!(f, "type {} code {code}", self.kind),
            },
            None => write!(f, "type {}", self.kind),
        }
    }
}

pub(crate) static ICMP: Table = Table {
    id: "icmpMessage",
    doc: "An ICMP message by number.",
    strict: true,
    rules: &[],
    fields: &[
        req(
            "type",
            Shape::Int { min: 0, max: 255 },
            "The ICMP type: 0 echo reply, 3 destination unreachable, 11 time exceeded.",
        ),
        opt("code", Shape::Int { min: 0, max: 255 }, "The ICMP code (any code when left out)."),
    ],
};

/// `icmp:` written as a name or as a `{ type, code }` mapping.
pub(super) const ICMP_SHAPE: Shape = Shape::AnyOf(&[Shape::Enum(ICMP_NAMES), Shape::Block(&ICMP)]);

/// `icmp:`; only icmp and udp probes see ICMP messages (tcp reports them as `refused`).
pub(super) fn parse(
    cx: &mut Reader,
    v: &Value<'_>,
    protocol: ProbeProto,
    ok: &mut bool,
) -> Option<Located<IcmpMessage>> {
    let msg = match v.node {
        marked_yaml::Node::Mapping(_) => by_number(cx, v),
        _ => cx.choice(v, ICMP_NAMES).and_then(|s| {
            let (kind, code) = named(s.value)?;
            Some(Located::new(IcmpMessage { kind, code: Some(code) }, s.loc))
        }),
    };
    let Some(msg) = msg else {
        *ok = false;
        return None;
    };
    if !matches!(protocol, ProbeProto::Icmp | ProbeProto::Udp) {
        cx.err(
            &msg.loc,
            tr!(
                "expect-icmp-protocol",
                "`icmp` is what an icmp or udp probe gets back, not a { $protocol } probe",
                protocol = protocol
            ),
            tr!(
                "expect-icmp-protocol-help",
                "a tcp connection reports an ICMP error only as `result: refused`; probe with `protocol: icmp` or `protocol: udp`"
            ),
        );
        *ok = false;
        return None;
    }
    Some(msg)
}

fn by_number(cx: &mut Reader, v: &Value<'_>) -> Option<Located<IcmpMessage>> {
    let m = cx.map(v, "an ICMP message")?;
    m.strict(cx, &ICMP);
    let kind = m.req(cx, "type", "3").and_then(|t| cx.uint(&t, 0, 255));
    let code = match m.get("code") {
        Some(c) => Some(cx.uint(&c, 0, 255)?.value as u8),
        None => None,
    };
    Some(Located::new(IcmpMessage { kind: kind?.value as u8, code }, m.loc.clone()))
}

/// An echo reply means the destination answered (`reachable: true`, icmp only); every other
/// message means it did not.
pub(super) fn fits(
    cx: &mut Reader,
    icmp: Option<&Located<IcmpMessage>>,
    protocol: ProbeProto,
    reachable: bool,
) -> bool {
    let Some(m) = icmp else { return true };
    let reply = m.value.kind == ECHO_REPLY;
    if reply && protocol != ProbeProto::Icmp {
        cx.err(
            &m.loc,
            tr!("expect-echo-reply-icmp", "only an icmp probe gets an echo reply"),
            tr!("expect-echo-reply-icmp-help", "write `protocol: icmp`, or expect an error message"),
        );
        return false;
    }
    if reply == reachable {
        return true;
    }
    let help = if reply {
        tr!(
            "expect-echo-reply-reachable",
            "an echo reply comes back when the destination answers: write `reachable: true`"
        )
    } else {
        tr!(
            "expect-icmp-error-unreachable",
            "an ICMP error says the destination did not answer: write `reachable: false`"
        )
    };
    let msg = tr!(
        "expect-icmp-contradicts",
        "`icmp: { $icmp }` contradicts `reachable: { $reachable }`",
        icmp = m.value,
        reachable = reachable
    );
    cx.err(&m.loc, msg, help);
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_stands_for_a_type_and_code() {
        for n in ICMP_NAMES {
            let (kind, code) = named(n).unwrap_or_else(|| panic!("{n}"));
            assert_eq!(IcmpMessage::name(kind, code), Some(*n));
        }
        let m = IcmpMessage { kind: 3, code: Some(3) };
        assert_eq!(m.to_string(), "port-unreachable (type 3 code 3)");
        assert!(m.matches(3, 3) && !m.matches(3, 1));
        let any = IcmpMessage { kind: 3, code: None };
        assert!(any.matches(3, 13) && !any.matches(0, 0));
        assert_eq!(any.to_string(), "type 3");
        assert_eq!(IcmpMessage { kind: 5, code: Some(1) }.to_string(), "type 5 code 1");
    }
}
