//! `expect:` entries: reachability checks and placement checks (shape only; references are
//! checked in `check.rs`).

use super::build::Builder;
use super::node::parse_node;
use super::types::*;
use super::walk::*;

const REACH_KEYS: &[&str] = &[
    "from",
    "to",
    "protocol",
    "path",
    "via",
    "reachable",
    "result",
    "servedBy",
    "sourceSeenAs",
    "reason",
    "timeoutMs",
];
const PLACEMENT_KEYS: &[&str] = &["task", "placed", "reason"];
const NEVER_KEYS: &[&str] = &["from", "to", "except", "protocol"];

fn pattern(cx: &mut Ctx, v: &V<'_>) -> Option<Located<String>> {
    let s = cx.nonempty(v)?;
    let ok = s.value.chars().all(|c| c.is_ascii_alphanumeric() || "-_/*@.".contains(c));
    if !ok {
        cx.err(
            &s.loc,
            format!("`{}` is not a node pattern", s.value),
            "write e.g. `internet`, `task/*` or `instance/web-*`",
        );
        return None;
    }
    Some(s)
}

const SOURCES: &str = "`internet`, `internet/NAME`, `instance/NAME`, `task/NAME` or `task/NAME/CONTAINER`";

fn endpoint(cx: &mut Ctx, v: &V<'_>) -> Option<(Located<Node>, Option<u16>)> {
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
fn endpoint_no_port(cx: &mut Ctx, v: &V<'_>) -> Option<Located<Node>> {
    let (e, p) = endpoint(cx, v)?;
    if p.is_some() {
        cx.err(&e.loc, format!("`{}` takes no port", v.field), format!("write just `{}`", e.value));
        return None;
    }
    Some(e)
}

impl Builder {
    pub(crate) fn expectation(&mut self, v: &V<'_>) -> Option<Expectation> {
        let cx = &mut self.cx;
        let m = cx.entry_map(v, "an expectation", "{ from: internet, to: task/web:80, reachable: true }")?;
        let has = |k: &str| m.m.get_key_value(k).is_some();
        if has("never") {
            let outer = M { what: "a `never` expectation".to_string(), ..m };
            outer.strict(cx, &["never"]);
            let v = outer.req(cx, "never", "{ from: internet, to: \"task/*\" }")?;
            let n = cx.entry_map(&v, "`never`", "{ from: internet, to: \"task/*\", except: [task/web] }")?;
            let n = M { what: "`never`".to_string(), ..n };
            n.strict(cx, NEVER_KEYS);
            let from = n.req(cx, "from", "internet").and_then(|v| pattern(cx, &v));
            let to = n.req(cx, "to", "\"task/*\"").and_then(|v| pattern(cx, &v));
            let mut except = vec![];
            if let Some(list) = n.get("except").and_then(|v| cx.items(&v, 1000)) {
                for item in list {
                    let item = V { field: "except entry".to_string(), ..item };
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
                            format!("`never` checks tcp or udp, not `{}`", p.value),
                            "write `protocol: tcp` or `protocol: udp`",
                        );
                        return None;
                    }
                },
            };
            return Some(Expectation {
                kind: ExpectKind::Never(Never { from: from?, to: to?, except, protocol }),
                loc: outer.loc.clone(),
            });
        }
        let placement = has("task") || has("placed");
        if placement && (has("from") || has("to")) {
            cx.err(
                &m.loc,
                "an expectation is either a reachability check (from, to, reachable) or a placement check (task, placed), not both",
                "split it into two entries",
            );
            return None;
        }
        if placement {
            let m = M { what: "a placement expectation".to_string(), ..m };
            m.strict(cx, PLACEMENT_KEYS);
            let task = m
                .req(cx, "task", "web")
                .and_then(|v| cx.string(&v))
                .and_then(|s| check_name(cx, &s, "task").then_some(s));
            let placed = m.req(cx, "placed", "false").and_then(|v| cx.boolean(&v));
            let reason = m.get("reason").and_then(|v| cx.nonempty(&v));
            if let (Some(p), Some(r)) = (&placed, &reason) {
                if p.value {
                    cx.err(
                        &r.loc,
                        "`reason` is only used with `placed: false`",
                        "remove `reason`, or expect `placed: false`",
                    );
                    return None;
                }
            }
            return Some(Expectation {
                kind: ExpectKind::Placement(Placement {
                    task: task?,
                    placed: placed?.value,
                    reason: reason.map(|r| r.value),
                }),
                loc: m.loc.clone(),
            });
        }
        let m = M { what: "an expectation".to_string(), ..m };
        m.strict(cx, REACH_KEYS);
        let mut ok = true;
        let from = m.req(cx, "from", "internet").and_then(|v| endpoint(cx, &v)).and_then(|(e, port)| {
            let bad = match &e.value {
                Node::Internet | Node::InternetHost(_) | Node::Instance(_) | Node::Task { .. } => None,
                Node::InstancePublic(_) => Some("an instance's public address is only a destination"),
                Node::Nat(_) => Some("a NAT gateway is only a destination"),
                Node::Metadata => Some("the task metadata endpoint is only a destination"),
                Node::Ip(_) => Some("an IP address is only a destination"),
            };
            if let Some(why) = bad {
                cx.err(
                    &e.loc,
                    format!("`{}` cannot be a probe source: {why}", e.value),
                    format!("a probe starts from {SOURCES}"),
                );
                return None;
            }
            if port.is_some() {
                cx.err(&e.loc, "`from` takes no port", format!("write just `{}`; the port belongs to `to`", e.value));
                return None;
            }
            Some(e)
        });
        let to = m.req(cx, "to", "task/web:80").and_then(|v| endpoint(cx, &v));
        let protocol = match m.get("protocol") {
            Some(v) => match cx.choice(&v, &["tcp", "udp", "http", "icmp"]) {
                Some(p) => match p.value {
                    "udp" => ProbeProto::Udp,
                    "http" => ProbeProto::Http,
                    "icmp" => ProbeProto::Icmp,
                    _ => ProbeProto::Tcp,
                },
                None => {
                    ok = false;
                    ProbeProto::Tcp
                }
            },
            None => ProbeProto::Tcp,
        };
        let path = match m.get("path") {
            Some(v) => match cx.string(&v) {
                Some(s) if protocol != ProbeProto::Http => {
                    cx.err(
                        &s.loc,
                        "`path` is only used with `protocol: http`",
                        "add `protocol: http`, or remove `path`",
                    );
                    ok = false;
                    "/".to_string()
                }
                Some(s)
                    if !s.value.starts_with('/') || s.value.chars().any(|c| c.is_whitespace() || c.is_control()) =>
                {
                    cx.err(
                        &s.loc,
                        format!("invalid HTTP path `{}`", short(&s.value)),
                        "a path starts with `/` and has no blanks, e.g. `/health`",
                    );
                    ok = false;
                    "/".to_string()
                }
                Some(s) => s.value,
                None => {
                    ok = false;
                    "/".to_string()
                }
            },
            None => "/".to_string(),
        };
        let via = match m.get("via") {
            Some(v) => match cx.choice(&v, &["hostPort", "publicHostPort"]) {
                Some(s) => {
                    Some(Located::new(if s.value == "hostPort" { Via::HostPort } else { Via::PublicHostPort }, s.loc))
                }
                None => {
                    ok = false;
                    None
                }
            },
            None => None,
        };
        let reachable = m.req(cx, "reachable", "true").and_then(|v| cx.boolean(&v));
        let result = match m.get("result") {
            Some(v) => match cx.choice(&v, &["connected", "refused", "timeout"]) {
                Some(s) => Some(Located::new(
                    match s.value {
                        "connected" => Outcome::Connected,
                        "refused" => Outcome::Refused,
                        _ => Outcome::Timeout,
                    },
                    s.loc,
                )),
                None => {
                    ok = false;
                    None
                }
            },
            None => None,
        };
        let served_by = match m.get("servedBy") {
            Some(v) => match endpoint_no_port(cx, &v) {
                Some(e) if matches!(e.value, Node::Task { .. }) => Some(e),
                Some(e) => {
                    cx.err(
                        &e.loc,
                        format!("`servedBy` must name a task, found `{}`", e.value),
                        "write `task/NAME` or `task/NAME/CONTAINER`",
                    );
                    ok = false;
                    None
                }
                None => {
                    ok = false;
                    None
                }
            },
            None => None,
        };
        let source_seen_as = match m.get("sourceSeenAs") {
            Some(v) => {
                let e = endpoint_no_port(cx, &v);
                ok &= e.is_some();
                e
            }
            None => None,
        };
        let reason = m.get("reason").and_then(|v| cx.nonempty(&v)).map(|s| s.value);
        let timeout_ms = match m.get("timeoutMs") {
            Some(v) => cx.uint(&v, 1, 60_000).map(|n| n.value).unwrap_or_else(|| {
                ok = false;
                300
            }),
            None => 300,
        };

        // Consistency between fields.
        let (from, (to, port), reachable) = (from?, to?, reachable?);
        let port = match (protocol, &to.value, port) {
            (ProbeProto::Icmp, _, Some(p)) => {
                cx.err(&to.loc, format!("icmp has no ports, but `to` has :{p}"), format!("write just `{}`", to.value));
                ok = false;
                None
            }
            (ProbeProto::Icmp, _, None) => None,
            (_, Node::Metadata, None) => Some(80),
            (_, _, Some(p)) => Some(p),
            (_, _, None) => {
                cx.err(
                    &to.loc,
                    format!("`to` needs a port: `{}:PORT`", to.value),
                    "a destination carries a port (e.g. `task/web:3000`); only `protocol: icmp` and `metadata` go without",
                );
                ok = false;
                None
            }
        };
        if let Some(via) = &via {
            if !matches!(to.value, Node::Task { .. }) {
                cx.err(
                    &via.loc,
                    format!("`via` is only used with `to: task/...`, not `{}`", to.value),
                    "remove `via`, or probe a task",
                );
                ok = false;
            } else if protocol == ProbeProto::Icmp {
                cx.err(&via.loc, "`via` needs a port, but icmp has none", "remove `via`, or use tcp/udp/http");
                ok = false;
            }
        }
        if let Some(r) = &result {
            let connected = r.value == Outcome::Connected;
            if connected != reachable.value {
                let help = if reachable.value {
                    "`reachable: true` goes with `result: connected`".to_string()
                } else {
                    "`reachable: false` goes with `result: refused` or `result: timeout`".to_string()
                };
                cx.err(&r.loc, format!("`result: {}` contradicts `reachable: {}`", r.value, reachable.value), help);
                ok = false;
            }
        }
        if !reachable.value {
            for (field, e) in [("servedBy", &served_by), ("sourceSeenAs", &source_seen_as)] {
                if let Some(e) = e {
                    cx.err(
                        &e.loc,
                        format!("`{field}` needs `reachable: true`"),
                        format!("nothing answers an unreachable probe; remove `{field}`"),
                    );
                    ok = false;
                }
            }
        }
        let reach = Reach {
            from,
            to,
            port,
            protocol,
            path,
            via: via.map(|v| v.value),
            reachable: reachable.value,
            result: result.map(|r| r.value),
            served_by,
            source_seen_as,
            reason,
            timeout_ms,
        };
        ok.then(|| Expectation { kind: ExpectKind::Reach(reach), loc: m.loc.clone() })
    }
}
