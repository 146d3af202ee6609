//! Walking a `marked_yaml` node tree with located, friendly errors: typed readers for scalars,
//! lists and mappings, strict/lenient key checks with "did you mean", and name rules.

use super::error::Diagnostic;
use super::fields::Table;
pub(crate) use super::located::{Loc, Located};
pub(crate) use super::names::*;
use super::primitives::{PortProto, PortRange, Proto};
use crate::i18n::tr;
use ipnetwork::Ipv4Network;
use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode, MarkedSequenceNode};
use marked_yaml::{Marker, Node};
use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::sync::Arc;

/// More errors than this in one file are not reported one by one.
pub(crate) const MAX_DIAGNOSTICS: usize = 300;

/// Reads typed values from one file and collects the diagnostics.
pub(crate) struct Reader {
    pub file: Arc<PathBuf>,
    pub diags: Vec<Diagnostic>,
    pub overflow: bool,
    /// The file's text, to place errors found inside a string value (a policy's JSON).
    pub source: Option<Arc<str>>,
}

impl Reader {
    pub fn new(file: Arc<PathBuf>) -> Self {
        Reader { file, diags: Vec::new(), overflow: false, source: None }
    }

    pub fn at(&self, line: usize, col: usize) -> Loc {
        Loc::new(self.file.clone(), line.max(1), col.max(1))
    }

    pub fn mloc(&self, m: Option<&Marker>) -> Loc {
        match m {
            Some(m) => self.at(m.line(), m.column()),
            None => self.at(1, 1),
        }
    }

    /// Where a node starts. For block mappings marked-yaml's own start marker is off by a few
    /// columns, so a non-empty mapping is located at its first key.
    pub fn loc(&self, n: &Node) -> Loc {
        match n {
            Node::Mapping(m) => match m.iter().next() {
                Some((k, _)) => self.mloc(k.span().start()),
                None => self.mloc(m.span().start()),
            },
            _ => self.mloc(n.span().start()),
        }
    }

    pub fn kloc(&self, k: &MarkedScalarNode) -> Loc {
        self.mloc(k.span().start())
    }

    /// Where a value stands; an empty value (`key:` with nothing after it) is reported at its key,
    /// because the parser places it at the next token.
    pub fn vloc(&self, v: &Value<'_>) -> Loc {
        match (v.key, is_null(v.node)) {
            (Some(k), true) => self.kloc(k),
            _ => self.loc(v.node),
        }
    }

    pub fn err(&mut self, loc: &Loc, message: impl Into<String>, help: impl Into<String>) {
        if self.diags.len() >= MAX_DIAGNOSTICS {
            self.overflow = true;
            return;
        }
        self.diags.push(Diagnostic::new(loc, message, help));
    }

    /// The value as a mapping, else an error naming the field.
    pub fn map<'a>(&mut self, v: &Value<'a>, what: &str) -> Option<Block<'a>> {
        match v.node {
            Node::Mapping(m) => Some(Block { map: m, loc: self.loc(v.node), what: what.to_string() }),
            other => {
                self.err(
                    &self.vloc(v),
                    tr!(
                        "scenario-not-mapping",
                        "`{ $field }` must be a mapping ({ $what }), found { $found }",
                        field = v.field,
                        what = what,
                        found = describe(other)
                    ),
                    tr!(
                        "scenario-not-mapping-help",
                        "write `key: value` pairs, indented under the field, or `{ key: value, ... }`"
                    ),
                );
                None
            }
        }
    }

    /// A list entry (or the top level) as a mapping.
    pub fn entry_map<'a>(&mut self, v: &Value<'a>, what: &str, example: &str) -> Option<Block<'a>> {
        match v.node {
            Node::Mapping(m) => Some(Block { map: m, loc: self.loc(v.node), what: what.to_string() }),
            other => {
                self.err(
                    &self.vloc(v),
                    tr!(
                        "scenario-entry-not-mapping",
                        "each entry of `{ $field }` must be a mapping ({ $what }), found { $found }",
                        field = v.field,
                        what = what,
                        found = describe(other)
                    ),
                    tr!("scenario-write-entry-like", "write it like `- { $example }`", example = example),
                );
                None
            }
        }
    }

    pub fn seq<'a>(&mut self, v: &Value<'a>) -> Option<&'a MarkedSequenceNode> {
        match v.node {
            Node::Sequence(s) => Some(s),
            other => {
                self.err(
                    &self.vloc(v),
                    tr!(
                        "scenario-not-list",
                        "`{ $field }` must be a list, found { $found }",
                        field = v.field,
                        found = describe(other)
                    ),
                    tr!(
                        "scenario-not-list-help",
                        "write a YAML list: `{ $field }: [a, b]` or one `- item` per line",
                        field = v.field
                    ),
                );
                None
            }
        }
    }

    /// The entries of a list (with a limit on their number).
    pub fn items<'a>(&mut self, v: &Value<'a>, limit: usize) -> Option<Vec<Value<'a>>> {
        let s = self.seq(v)?;
        if s.len() > limit {
            self.err(
                &self.vloc(v),
                tr!(
                    "scenario-too-many-entries",
                    "too many entries in `{ $field }`: { $count } (ecsnet's limit is { $limit })",
                    field = v.field,
                    count = s.len(),
                    limit = limit
                ),
                tr!("scenario-split-file", "split the scenario into several files"),
            );
            return None;
        }
        Some(s.iter().map(|n| Value { node: n, key: None, field: v.field.clone() }).collect())
    }

    pub fn string(&mut self, v: &Value<'_>) -> Option<Located<String>> {
        match v.node {
            Node::Scalar(s) => Some(Located::new(s.as_str().to_string(), self.vloc(v))),
            other => {
                self.err(
                    &self.vloc(v),
                    tr!(
                        "scenario-not-string",
                        "`{ $field }` must be a string, found { $found }",
                        field = v.field,
                        found = describe(other)
                    ),
                    tr!("scenario-not-string-help", "write a single value on the same line as the field"),
                );
                None
            }
        }
    }

    /// A non-empty string.
    pub fn nonempty(&mut self, v: &Value<'_>) -> Option<Located<String>> {
        let s = self.string(v)?;
        if s.value.trim().is_empty() {
            self.err(&s.loc, tr!("scenario-empty", "`{ $field }` must not be empty", field = v.field), "");
            return None;
        }
        Some(s)
    }

    pub fn str_list(&mut self, v: &Value<'_>, limit: usize) -> Option<Vec<Located<String>>> {
        let items = self.items(v, limit)?;
        let mut out = Vec::new();
        let mut ok = true;
        for it in items {
            let it = Value { field: format!("{} entry", v.field), ..it };
            match self.string(&it) {
                Some(x) => out.push(x),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// A whole number in `min..=max`; accepts `3000` and `"3000"`.
    pub fn uint(&mut self, v: &Value<'_>, min: u64, max: u64) -> Option<Located<u64>> {
        let loc = self.vloc(v);
        let Node::Scalar(s) = v.node else {
            self.err(
                &loc,
                tr!(
                    "scenario-not-number",
                    "`{ $field }` must be a whole number, found { $found }",
                    field = v.field,
                    found = describe(v.node)
                ),
                tr!("scenario-number-help", "write a number between { $min } and { $max }", min = min, max = max),
            );
            return None;
        };
        let t = s.as_str().trim();
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
            self.err(
                &loc,
                tr!(
                    "scenario-not-number",
                    "`{ $field }` must be a whole number, found { $found }",
                    field = v.field,
                    found = format!("`{}`", short(s.as_str()))
                ),
                tr!("scenario-number-help", "write a number between { $min } and { $max }", min = min, max = max),
            );
            return None;
        }
        match t.parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Some(Located::new(n, loc)),
            _ => {
                self.err(
                    &loc,
                    tr!(
                        "scenario-out-of-range",
                        "`{ $field }` is out of range: `{ $value }` is not between { $min } and { $max }",
                        field = v.field,
                        value = short(t),
                        min = min,
                        max = max
                    ),
                    tr!("scenario-number-help", "write a number between { $min } and { $max }", min = min, max = max),
                );
                None
            }
        }
    }

    pub fn port(&mut self, v: &Value<'_>, allow_zero: bool) -> Option<Located<u16>> {
        let n = self.uint(v, if allow_zero { 0 } else { 1 }, 65535)?;
        Some(Located::new(u16::try_from(n.value).unwrap_or(0), n.loc))
    }

    pub fn boolean(&mut self, v: &Value<'_>) -> Option<Located<bool>> {
        let loc = self.vloc(v);
        if let Node::Scalar(s) = v.node {
            let b = match s.as_str() {
                "true" | "True" | "TRUE" => Some(true),
                "false" | "False" | "FALSE" => Some(false),
                _ => None,
            };
            if let Some(b) = b {
                if s.may_coerce() {
                    return Some(Located::new(b, loc));
                }
                self.err(
                    &loc,
                    tr!(
                        "scenario-quoted-boolean",
                        "`{ $field }` must be a boolean, found the quoted string \"{ $value }\"",
                        field = v.field,
                        value = s.as_str()
                    ),
                    tr!(
                        "scenario-quoted-boolean-help",
                        "remove the quotes: `{ $field }: { $value }`",
                        field = v.field,
                        value = b
                    ),
                );
                return None;
            }
        }
        self.err(
            &loc,
            tr!(
                "scenario-not-boolean",
                "`{ $field }` must be true or false, found { $found }",
                field = v.field,
                found = describe(v.node)
            ),
            tr!("scenario-not-boolean-help", "write `{ $field }: true` or `{ $field }: false`", field = v.field),
        );
        None
    }

    /// One of a fixed set of words.
    pub fn choice(&mut self, v: &Value<'_>, choices: &[&'static str]) -> Option<Located<&'static str>> {
        let s = self.string(v)?;
        if let Some(c) = choices.iter().find(|c| **c == s.value) {
            return Some(Located::new(*c, s.loc));
        }
        let help = match suggest(&s.value, choices) {
            Some(c) => tr!("scenario-did-you-mean", "did you mean `{ $name }`?", name = c),
            None => tr!("scenario-use-one-of", "use one of { $choices }", choices = quoted_list(choices)),
        };
        self.err(
            &s.loc,
            tr!(
                "scenario-invalid-choice",
                "invalid `{ $field }`: `{ $value }` (expected { $choices })",
                field = v.field,
                value = short(&s.value),
                choices = quoted_list(choices)
            ),
            help,
        );
        None
    }

    pub fn ipv4(&mut self, v: &Value<'_>) -> Option<Located<Ipv4Addr>> {
        let s = self.string(v)?;
        match s.value.parse::<Ipv4Addr>() {
            Ok(ip) => Some(Located::new(ip, s.loc)),
            Err(_) => {
                self.err(
                    &s.loc,
                    tr!(
                        "scenario-not-ipv4",
                        "`{ $field }` must be an IPv4 address, found `{ $value }`",
                        field = v.field,
                        value = short(&s.value)
                    ),
                    tr!("scenario-not-ipv4-help", "write four decimal numbers like `10.0.1.25`"),
                );
                None
            }
        }
    }

    /// A CIDR block in canonical form (`10.0.0.0/16`, host bits zero), as AWS requires.
    pub fn cidr(&mut self, v: &Value<'_>) -> Option<Located<Ipv4Network>> {
        let s = self.string(v)?;
        match parse_cidr(&s.value) {
            Ok(net) => Some(Located::new(net, s.loc)),
            Err((msg, help)) => {
                self.err(&s.loc, format!("`{}`: {msg}", v.field), help);
                None
            }
        }
    }

    /// `3000` or `8000-8010` (also accepts ports 0..=65535, as AWS rules do).
    pub fn port_range(&mut self, v: &Value<'_>) -> Option<PortRange> {
        let loc = self.vloc(v);
        let bad = |cx: &mut Reader, found: String| {
            cx.err(
                &loc,
                tr!(
                    "scenario-not-port-range",
                    "`{ $field }` must be a port number or a range like 8000-8010, found { $found }",
                    field = v.field,
                    found = found
                ),
                tr!(
                    "scenario-not-port-range-help",
                    "write `ports: 443` or `ports: 8000-8010` (from <= to, each 0-65535)"
                ),
            );
        };
        let Node::Scalar(s) = v.node else {
            bad(self, describe(v.node));
            return None;
        };
        let t = s.as_str().trim();
        let parse = |x: &str| -> Option<u16> {
            let x = x.trim();
            if x.is_empty() || !x.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            x.parse::<u16>().ok()
        };
        let r = match t.split_once('-') {
            Some((a, b)) => match (parse(a), parse(b)) {
                (Some(a), Some(b)) => Some(PortRange { from: a, to: b }),
                _ => None,
            },
            None => parse(t).map(|p| PortRange { from: p, to: p }),
        };
        match r {
            Some(r) if r.from <= r.to => Some(r),
            Some(r) => {
                self.err(
                    &loc,
                    tr!(
                        "scenario-range-backwards",
                        "`{ $field }`: the range { $from }-{ $to } is backwards",
                        field = v.field,
                        from = r.from,
                        to = r.to
                    ),
                    tr!("scenario-range-backwards-help", "write `{ $to }-{ $from }`", to = r.to, from = r.from),
                );
                None
            }
            None => {
                bad(self, format!("`{}`", short(t)));
                None
            }
        }
    }

    /// `443/tcp`, `53/udp` or just `443` (tcp).
    pub fn port_proto(&mut self, v: &Value<'_>) -> Option<PortProto> {
        let s = self.string(v)?;
        match parse_port_proto(&s.value) {
            Some(pp) => Some(pp),
            None => {
                self.err(
                    &s.loc,
                    tr!(
                        "scenario-not-port-proto",
                        "`{ $field }` entry must look like `443/tcp` or `53/udp`, found `{ $value }`",
                        field = v.field,
                        value = short(&s.value)
                    ),
                    tr!(
                        "scenario-not-port-proto-help",
                        "write PORT/PROTO with a port 1-65535 and tcp or udp; a bare number means tcp"
                    ),
                );
                None
            }
        }
    }
}

/// A value and the key it was found under (for locations and messages).
#[derive(Clone)]
pub(crate) struct Value<'a> {
    pub node: &'a Node,
    pub key: Option<&'a MarkedScalarNode>,
    pub field: String,
}

impl<'a> Value<'a> {
    pub fn root(node: &'a Node, field: &str) -> Self {
        Value { node, key: None, field: field.to_string() }
    }
}

/// A mapping being read (a block of the file).
pub(crate) struct Block<'a> {
    pub map: &'a MarkedMappingNode,
    pub loc: Loc,
    /// What the block is, for messages: "a subnet", "the vpc block".
    pub what: String,
}

impl<'a> Block<'a> {
    /// Reject keys not in the block's field table, with a did-you-mean.
    pub fn strict(&self, cx: &mut Reader, table: &Table) {
        self.strict_with(cx, table, &[]);
    }

    /// Same, with a specific help for some known mistakes.
    pub fn strict_with(&self, cx: &mut Reader, table: &Table, hints: &[(&str, &str)]) {
        let allowed = &table.known()[..];
        for (k, _) in self.map.iter() {
            let key = k.as_str();
            if allowed.contains(&key) {
                continue;
            }
            if cx.diags.len() >= MAX_DIAGNOSTICS {
                cx.overflow = true;
                return;
            }
            let help = if let Some((_, h)) = hints.iter().find(|(h, _)| *h == key) {
                h.to_string()
            } else if let Some(s) = suggest(key, allowed) {
                tr!("scenario-did-you-mean", "did you mean `{ $name }`?", name = s)
            } else {
                tr!(
                    "scenario-valid-fields",
                    "valid fields in { $what }: { $fields }",
                    what = self.what,
                    fields = quoted_list(allowed)
                )
            };
            self.unknown_field(cx, k, help);
        }
    }

    /// `unknown field KEY in WHAT`, at the key, with `help`.
    fn unknown_field(&self, cx: &mut Reader, k: &MarkedScalarNode, help: String) {
        let msg = tr!(
            "scenario-unknown-field",
            "unknown field `{ $field }` in { $what }",
            field = short(k.as_str()),
            what = self.what
        );
        cx.err(&cx.kloc(k), msg, help);
    }

    /// AWS blocks accept and ignore fields ecsnet does not model (their tables list every field
    /// of the ECS API), but a known field written in another case (`PortMappings`) or misspelt
    /// (`portMapping`) is an error rather than silently ignored: the task would lose its ports.
    pub fn lenient(&self, cx: &mut Reader, table: &Table) {
        let known = &table.known()[..];
        for (k, _) in self.map.iter() {
            let key = k.as_str();
            if known.contains(&key) {
                continue;
            }
            let help = if let Some(s) = known.iter().find(|s| s.eq_ignore_ascii_case(key)) {
                tr!(
                    "scenario-did-you-mean-camel",
                    "did you mean `{ $name }`? (field names are camelCase, as in the ECS API)",
                    name = s
                )
            } else if let Some(s) = suggest(key, known) {
                tr!("scenario-did-you-mean", "did you mean `{ $name }`?", name = s)
            } else {
                continue;
            };
            self.unknown_field(cx, k, help);
        }
    }

    /// The value of `key`; None when absent or null (`key:`, `key: ~`).
    pub fn get(&self, key: &str) -> Option<Value<'a>> {
        let (k, n) = self.map.get_key_value(key)?;
        if is_null(n) {
            return None;
        }
        Some(Value { node: n, key: Some(k), field: key.to_string() })
    }

    pub fn key_loc(&self, cx: &Reader, key: &str) -> Option<Loc> {
        self.map.get_key_value(key).map(|(k, _)| cx.kloc(k))
    }

    /// A required field: an error at the mapping when missing, at the key when empty.
    pub fn req(&self, cx: &mut Reader, key: &str, example: &str) -> Option<Value<'a>> {
        match self.map.get_key_value(key) {
            Some((k, n)) if !is_null(n) => Some(Value { node: n, key: Some(k), field: key.to_string() }),
            Some((k, _)) => {
                cx.err(
                    &cx.kloc(k),
                    tr!("scenario-no-value", "`{ $field }` has no value", field = key),
                    tr!(
                        "scenario-no-value-help",
                        "write it like `{ $field }: { $example }`",
                        field = key,
                        example = example
                    ),
                );
                None
            }
            None => {
                cx.err(
                    &self.loc,
                    tr!(
                        "scenario-missing-field",
                        "missing required field `{ $field }` in { $what }",
                        field = key,
                        what = self.what
                    ),
                    tr!(
                        "scenario-missing-field-help",
                        "add `{ $field }: { $example }`",
                        field = key,
                        example = example
                    ),
                );
                None
            }
        }
    }
}

pub(crate) fn is_null(n: &Node) -> bool {
    matches!(n, Node::Scalar(s) if s.may_coerce() && matches!(s.as_str(), "" | "~" | "null" | "Null" | "NULL"))
}

/// "a list", "a mapping", or the scalar itself.
pub(crate) fn describe(n: &Node) -> String {
    match n {
        Node::Scalar(s) if s.as_str().is_empty() => tr!("scenario-an-empty-value", "an empty value"),
        Node::Scalar(s) => format!("`{}`", short(s.as_str())),
        Node::Sequence(_) => tr!("scenario-a-list", "a list"),
        Node::Mapping(_) => tr!("scenario-a-mapping", "a mapping"),
    }
}

/// Check an ecsnet object name, report if invalid.
pub(crate) fn check_name(cx: &mut Reader, s: &Located<String>, kind: &str) -> bool {
    if name_ok(&s.value, 40) {
        return true;
    }
    cx.err(
        &s.loc,
        tr!(
            "scenario-invalid-name",
            "invalid { $kind } name `{ $name }`: names use only lowercase letters, digits and '-' (1-40 characters)",
            kind = kind,
            name = short(&s.value)
        ),
        tr!("scenario-for-example", "for example `{ $example }`", example = sanitize_name(&s.value, 40)),
    );
    false
}

/// Names declared once per kind; the second declaration is the error.
#[derive(Default)]
pub(crate) struct UniqueNames {
    seen: HashMap<String, Loc>,
}

impl UniqueNames {
    pub fn add(&mut self, cx: &mut Reader, s: &Located<String>, kind: &str) -> bool {
        if let Some(first) = self.seen.get(&s.value) {
            let first = first.clone();
            cx.err(
                &s.loc,
                tr!(
                    "scenario-duplicate-name",
                    "duplicate { $kind } name `{ $name }`",
                    kind = kind,
                    name = short(&s.value)
                ),
                tr!(
                    "scenario-duplicate-name-help",
                    "a { $kind } named `{ $name }` is already declared at line { $line }:{ $col }; rename one of them",
                    kind = kind,
                    name = s.value,
                    line = first.line,
                    col = first.col
                ),
            );
            return false;
        }
        self.seen.insert(s.value.clone(), s.loc.clone());
        true
    }
}

pub(crate) fn parse_cidr(s: &str) -> Result<Ipv4Network, (String, String)> {
    let t = s.trim();
    let Some((ip, len)) = t.split_once('/') else {
        if t.parse::<Ipv4Addr>().is_ok() {
            return Err((
                tr!("cidr-is-address", "`{ $value }` is an address, not a CIDR block", value = t),
                tr!("cidr-is-address-help", "write `{ $value }/32` for this single address", value = t),
            ));
        }
        return Err(not_cidr(t));
    };
    let ip: Ipv4Addr = ip.parse().map_err(|_| not_cidr(t))?;
    let len: u8 = if !len.is_empty() && len.len() <= 2 && len.bytes().all(|b| b.is_ascii_digit()) {
        len.parse().unwrap_or(99)
    } else {
        99
    };
    if len > 32 {
        return Err((
            tr!(
                "cidr-bad-prefix",
                "`{ $value }` is not a CIDR block: the prefix length must be 0-32",
                value = short(t)
            ),
            tr!("cidr-help", "write it like `10.0.0.0/16`"),
        ));
    }
    let net = Ipv4Network::new(ip, len).map_err(|_| not_cidr(t))?;
    if net.network() != ip {
        return Err((
            tr!(
                "cidr-host-bits",
                "`{ $value }` is not a valid CIDR block: the address has bits set beyond the /{ $len } prefix",
                value = t,
                len = len
            ),
            tr!("scenario-did-you-mean", "did you mean `{ $name }`?", name = format!("{}/{len}", net.network())),
        ));
    }
    Ok(net)
}

/// What is wrong with `t` when it is no CIDR block at all, and how to write one.
fn not_cidr(t: &str) -> (String, String) {
    (
        tr!("cidr-not-cidr", "`{ $value }` is not a CIDR block", value = short(t)),
        tr!("cidr-help", "write it like `10.0.0.0/16`"),
    )
}

pub(crate) fn parse_port_proto(s: &str) -> Option<PortProto> {
    let t = s.trim();
    let (p, proto) = match t.split_once('/') {
        Some((p, "tcp")) => (p, Proto::Tcp),
        Some((p, "udp")) => (p, Proto::Udp),
        Some(_) => return None,
        None => (t, Proto::Tcp),
    };
    if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) || p.len() > 5 {
        return None;
    }
    let port: u16 = p.parse().ok()?;
    (port > 0).then_some(PortProto { port, proto })
}

/// Private (RFC 1918) ranges.
pub(crate) fn is_private(ip: Ipv4Addr) -> bool {
    ip.is_private()
}

/// Why an address cannot be a public (internet) address, if it cannot.
pub(crate) fn not_public_reason(ip: Ipv4Addr) -> Option<String> {
    let o = ip.octets();
    if is_private(ip) {
        Some(tr!("public-private-range", "it is in a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)"))
    } else if ip.is_loopback() {
        Some(tr!("public-loopback", "it is a loopback address"))
    } else if ip.is_link_local() {
        Some(tr!("public-link-local", "it is a link-local address (169.254.0.0/16)"))
    } else if ip.is_unspecified() || o[0] == 0 {
        Some(tr!("public-zero", "it is in 0.0.0.0/8"))
    } else if ip.is_multicast() || o[0] >= 240 {
        Some(tr!("public-multicast", "it is a multicast or reserved address"))
    } else if o[0] == 100 && (64..128).contains(&o[1]) {
        Some(tr!("public-shared", "it is in the shared address space 100.64.0.0/10"))
    } else {
        None
    }
}

/// A `key: value` map of text, in file order (`dockerLabels`, `logConfiguration.options`, an S3 bucket's `objects`); `ok` is cleared by
/// an entry that is not text.
pub(crate) fn text_map(cx: &mut Reader, m: &Block<'_>, key: &str, ok: &mut bool) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let Some(lv) = m.get(key) else { return pairs };
    let Some(lm) = cx.map(&lv, "key: value pairs") else {
        *ok = false;
        return pairs;
    };
    for (k, val) in lm.map.iter() {
        let vv = Value { node: val, key: Some(k), field: k.as_str().to_string() };
        match cx.string(&vv) {
            Some(s) => pairs.push((k.as_str().to_string(), s.value)),
            None => *ok = false,
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_you_mean() {
        assert_eq!(suggest("subnet", &["cidr", "subnets", "routeTables"]), Some("subnets"));
        assert_eq!(suggest("CIDR", &["cidr", "subnets"]), Some("cidr"));
        assert_eq!(suggest("zzzzzz", &["cidr", "subnets"]), None);
        assert_eq!(levenshtein("kitten", "sitting", 3), Some(3));
        assert_eq!(levenshtein("kitten", "sitting", 2), None);
        assert_eq!(levenshtein("tpc", "tcp", 2), Some(1));
        assert_eq!(suggest("tpc", &["tcp", "udp"]), Some("tcp"));
    }

    #[test]
    fn cidrs() {
        assert!(parse_cidr("10.0.0.0/16").is_ok());
        assert!(parse_cidr("10.0.0.1/16").unwrap_err().1.contains("10.0.0.0/16"));
        assert!(parse_cidr("10.0.0.1").unwrap_err().1.contains("/32"));
        assert!(parse_cidr("10.0.0.0/33").is_err());
        assert!(parse_cidr("10.0.0.0/-1").is_err());
        assert!(parse_cidr("10.0.0.0/").is_err());
        assert!(parse_cidr("0.0.0.0/0").is_ok());
    }

    #[test]
    fn names() {
        assert!(name_ok("public-a", 40));
        assert!(!name_ok("Public_A", 40));
        assert!(!name_ok("", 40));
        assert_eq!(sanitize_name("My_Lab..x", 20), "my-lab-x");
        assert_eq!(sanitize_name("___", 20), "name-1");
    }

    #[test]
    fn port_protos() {
        assert_eq!(parse_port_proto("443/tcp"), Some(PortProto { port: 443, proto: Proto::Tcp }));
        assert_eq!(parse_port_proto("53/udp"), Some(PortProto { port: 53, proto: Proto::Udp }));
        assert_eq!(parse_port_proto("80"), Some(PortProto { port: 80, proto: Proto::Tcp }));
        assert_eq!(parse_port_proto("0/tcp"), None);
        assert_eq!(parse_port_proto("70000/tcp"), None);
        assert_eq!(parse_port_proto("80/sctp"), None);
    }
}
