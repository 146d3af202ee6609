//! A load balancer's `listeners` (CreateListener), their `rules` (CreateRule) and the actions
//! both take: `forward` (one target group, or weighted `forwardConfig`), `fixed-response` and
//! `redirect`, with ELBv2's field names in lowerCamel. Conditions: `path-pattern` and
//! `host-header` (`values`, or `pathPatternConfig` / `hostHeaderConfig`).

use super::fields::{Shape, Table, def, ignored, opt, req};
use super::located::{Loc, Located};
use super::target_group::{ELB_PROTOCOLS, ElbProtocol, tls_not_yet};
use super::walk::*;
use crate::i18n::tr;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listener {
    pub port: Located<u16>,
    pub protocol: ElbProtocol,
    pub default_actions: Vec<Action>,
    pub rules: Vec<ListenerRule>,
    /// HTTPS: the certificates' ARNs as written (the first is the default one); the lab CA
    /// issues the certificate the nodes present (see `listener_tls`).
    #[serde(default)]
    pub certificates: Vec<Located<String>>,
    /// HTTPS: the security policy (ELBv2's default when left out).
    #[serde(default)]
    pub ssl_policy: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListenerRule {
    pub priority: Located<u32>,
    pub conditions: Vec<Condition>,
    pub actions: Vec<Action>,
}

/// A rule condition: every listed field must match (each of its values is an OR).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Condition {
    PathPattern(Vec<String>),
    HostHeader(Vec<String>),
}

/// A weighted target group of a forward action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Weighted {
    /// The target group's name (from its name or ARN).
    pub target_group: Located<String>,
    pub weight: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redirect {
    /// Each part as written; `#{protocol}`, `#{host}`, `#{port}`, `#{path}`, `#{query}` keep the
    /// request's.
    pub protocol: String,
    pub port: String,
    pub host: String,
    pub path: String,
    pub query: String,
    /// 301 or 302.
    pub status_code: u16,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    Forward(Vec<Weighted>),
    FixedResponse { status_code: u16, content_type: String, message_body: String },
    Redirect(Redirect),
}

pub(crate) static LISTENER: Table = Table {
    id: "listener",
    doc: "A listener (CreateListener): a port, a protocol, default actions and rules.",
    strict: true,
    rules: &[],
    fields: &[
        req("port", Shape::Int { min: 1, max: 65535 }, "The port the load balancer's nodes listen on."),
        opt(
            "protocol",
            Shape::Enum(ELB_PROTOCOLS),
            "Application: `HTTP` (default) or `HTTPS` (TLS terminated with a certificate from the lab CA for the load balancer's DNS name). Network: `TCP` (default), `UDP` or `TCP_UDP` (`TLS` is not modelled yet).",
        ),
        req("defaultActions", Shape::List(&Shape::Block(&ACTION)), "What a request no rule matches gets."),
        opt("rules", Shape::List(&Shape::Block(&RULE)), "Rules, evaluated by priority (lowest first)."),
        opt(
            "certificates",
            Shape::List(&Shape::Block(&super::listener_tls::CERTIFICATE)),
            "HTTPS (required): `[{ certificateArn }]`; the lab CA issues the certificate the nodes present.",
        ),
        opt(
            "sslPolicy",
            Shape::Text,
            "HTTPS: the security policy (`ELBSecurityPolicy-…`; default ELBSecurityPolicy-2016-08).",
        ),
    ],
};

pub(crate) static RULE: Table = Table {
    id: "listenerRule",
    doc: "A listener rule (CreateRule).",
    strict: true,
    rules: &[],
    fields: &[
        req("priority", Shape::Int { min: 1, max: 50000 }, "1-50000, unique in the listener; lowest first."),
        req("conditions", Shape::List(&Shape::Block(&CONDITION)), "All must match."),
        req("actions", Shape::List(&Shape::Block(&ACTION)), "What a matching request gets."),
    ],
};

pub(crate) static CONDITION: Table = Table {
    id: "ruleCondition",
    doc: "A rule condition: `path-pattern` or `host-header`, with `*` and `?` wildcards.",
    strict: true,
    rules: &[],
    fields: &[
        req("field", Shape::Enum(&["path-pattern", "host-header"]), "What is matched."),
        opt("values", Shape::List(&Shape::Text), "Patterns, any of which matches."),
        opt("pathPatternConfig", Shape::Block(&VALUES), "`{ values: [...] }` for path-pattern."),
        opt("hostHeaderConfig", Shape::Block(&VALUES), "`{ values: [...] }` for host-header."),
    ],
};

pub(crate) static VALUES: Table = Table {
    id: "conditionValues",
    doc: "A condition's patterns.",
    strict: true,
    rules: &[],
    fields: &[req("values", Shape::List(&Shape::Text), "Patterns, any of which matches.")],
};

pub(crate) static ACTION: Table = Table {
    id: "action",
    doc: "An action (ELBv2's Action): forward, fixed-response or redirect.",
    strict: true,
    rules: &[],
    fields: &[
        req("type", Shape::Enum(&["forward", "fixed-response", "redirect"]), "The action's type."),
        opt("targetGroupArn", Shape::Text, "forward: the target group, by name or ARN."),
        opt("forwardConfig", Shape::Block(&FORWARD), "forward: weighted target groups."),
        opt("fixedResponseConfig", Shape::Block(&FIXED), "fixed-response: what the load balancer answers."),
        opt("redirectConfig", Shape::Block(&REDIRECT), "redirect: where to."),
        ignored("order", "Accepted and ignored."),
    ],
};

pub(crate) static FORWARD: Table = Table {
    id: "forwardConfig",
    doc: "Weighted target groups of a forward action.",
    strict: true,
    rules: &[],
    fields: &[
        req("targetGroups", Shape::List(&Shape::Block(&WEIGHTED)), "The target groups and their weights."),
        ignored("targetGroupStickinessConfig", "Accepted and ignored."),
    ],
};

pub(crate) static WEIGHTED: Table = Table {
    id: "targetGroupTuple",
    doc: "A target group and its weight.",
    strict: true,
    rules: &[],
    fields: &[
        req("targetGroupArn", Shape::Text, "The target group, by name or ARN."),
        def("weight", Shape::Int { min: 0, max: 999 }, "1", "Its share of requests (0-999)."),
    ],
};

pub(crate) static FIXED: Table = Table {
    id: "fixedResponseConfig",
    doc: "A fixed response.",
    strict: true,
    rules: &[],
    fields: &[
        req("statusCode", Shape::Text, "2XX, 4XX or 5XX."),
        def(
            "contentType",
            Shape::Enum(&["text/plain", "text/css", "text/html", "application/javascript", "application/json"]),
            "\"text/plain\"",
            "The body's content type.",
        ),
        opt("messageBody", Shape::Text, "The body (at most 1024 characters)."),
    ],
};

pub(crate) static REDIRECT: Table = Table {
    id: "redirectConfig",
    doc: "A redirect; absent parts keep the request's (`#{protocol}`, `#{host}`, `#{port}`, `/#{path}`, `#{query}`).",
    strict: true,
    rules: &[],
    fields: &[
        req("statusCode", Shape::Enum(&["HTTP_301", "HTTP_302"]), "Permanent or temporary."),
        def("protocol", Shape::Text, "\"#{protocol}\"", "HTTP, HTTPS or #{protocol}."),
        def("port", Shape::Text, "\"#{port}\"", "A port or #{port}."),
        def("host", Shape::Text, "\"#{host}\"", "A host or #{host}."),
        def("path", Shape::Text, "\"/#{path}\"", "A path starting with `/`."),
        def("query", Shape::Text, "\"#{query}\"", "A query (without `?`)."),
    ],
};

/// Each listener of a load balancer; ports unique (DuplicateListener).
pub(crate) fn listeners(cx: &mut Reader, v: &Value<'_>, region: &str, network: bool) -> Option<Vec<Listener>> {
    let items = cx.items(v, 50)?;
    let mut out: Vec<Listener> = vec![];
    let mut ok = true;
    for it in &items {
        let Some(l) = listener(cx, it, region, network) else {
            ok = false;
            continue;
        };
        // A network load balancer's UDP and TCP listeners may share a port (not TCP_UDP's).
        let clash = |o: &Listener| {
            o.port.value == l.port.value && (!network || o.protocol.carries(true) == l.protocol.carries(true))
        };
        if out.iter().any(clash) {
            cx.err(
                &l.port.loc,
                tr!(
                    "elb-duplicate-listener",
                    "DuplicateListener: A listener already exists on this port for this load balancer"
                ),
                tr!("elb-duplicate-listener-help", "give each listener its own port"),
            );
            ok = false;
        }
        out.push(l);
    }
    ok.then_some(out)
}

fn listener(cx: &mut Reader, v: &Value<'_>, region: &str, network: bool) -> Option<Listener> {
    let m = cx.entry_map(v, "a listener", "{ port: 80, defaultActions: [{ type: forward, targetGroupArn: web }] }")?;
    let m = Block { what: "a listener".to_string(), ..m };
    m.strict(cx, &LISTENER);
    let port = m.req(cx, "port", "80").and_then(|v| cx.port(&v, false));
    let protocol = listener_protocol(cx, &m, network);
    let default_actions = m.req(cx, "defaultActions", "[{ type: forward, targetGroupArn: web }]");
    let default_actions = default_actions.and_then(|v| actions(cx, &v, region));
    let default_actions = default_actions.filter(|a| !network || network_actions(cx, &m, a));
    let rules = match m.get("rules") {
        Some(rv) if network => {
            cx.err(
                &m.key_loc(cx, "rules").unwrap_or_else(|| cx.vloc(&rv)),
                tr!(
                    "elb-network-rules",
                    "ValidationError: Listener rules are not supported for Network Load Balancers"
                ),
                tr!(
                    "elb-network-rules-help",
                    "a network load balancer's listener forwards everything to its default action"
                ),
            );
            None
        }
        Some(rv) => rules(cx, &rv, region),
        None => Some(vec![]),
    };
    let port = port?;
    let protocol = protocol?;
    // A refused certificate or policy is reported; the listener stays, so that what forwards
    // to its groups is not reported again.
    let (certificates, ssl_policy) = super::listener_tls::tls_settings(cx, &m, protocol, &port.loc).unwrap_or_default();
    Some(Listener { port, protocol, default_actions: default_actions?, rules: rules?, certificates, ssl_policy })
}

/// The listener's protocol: the load balancer type's (ELBv2: "Listener protocol 'TCP' must be
/// one of 'HTTPS, HTTP'"); HTTP for an application load balancer and TCP for a network one
/// when absent; TLS refused (not modelled yet).
fn listener_protocol(cx: &mut Reader, m: &Block<'_>, network: bool) -> Option<ElbProtocol> {
    let default = if network { ElbProtocol::Tcp } else { ElbProtocol::Http };
    let Some(v) = m.get("protocol") else { return Some(default) };
    let p = cx.choice(&v, ELB_PROTOCOLS)?;
    let parsed = ElbProtocol::parse(p.value)?;
    if parsed.is_network() != network {
        let allowed = if network { "TCP, UDP, TCP_UDP, TLS" } else { "HTTPS, HTTP" };
        cx.err(
            &p.loc,
            tr!(
                "elb-listener-protocol",
                "ValidationError: Listener protocol '{ $protocol }' must be one of '{ $allowed }'",
                protocol = p.value,
                allowed = allowed
            ),
            tr!(
                "elb-listener-protocol-help",
                "an application load balancer speaks HTTP and HTTPS; a network load balancer TCP, UDP and TCP_UDP"
            ),
        );
        return None;
    }
    if parsed == ElbProtocol::Tls {
        tls_not_yet(cx, &p.loc);
        return None;
    }
    Some(parsed)
}

/// A network load balancer's listener forwards to one target group: no fixed-response, no
/// redirect, no weighted groups.
fn network_actions(cx: &mut Reader, m: &Block<'_>, actions: &[Action]) -> bool {
    let bad = actions.iter().find_map(|a| match a {
        Action::FixedResponse { .. } => Some("fixed-response"),
        Action::Redirect(_) => Some("redirect"),
        Action::Forward(w) if w.len() > 1 => Some("forward (weighted target groups)"),
        Action::Forward(_) => None,
    });
    let Some(kind) = bad else { return true };
    let loc = m.key_loc(cx, "defaultActions").unwrap_or_else(|| m.loc.clone());
    cx.err(
        &loc,
        tr!(
            "elb-network-action",
            "InvalidLoadBalancerAction: The action type '{ $kind }' is not valid for a Network Load Balancer listener",
            kind = kind
        ),
        tr!("elb-network-action-help", "use `{ type: forward, targetGroupArn: NAME }`"),
    );
    false
}

fn rules(cx: &mut Reader, v: &Value<'_>, region: &str) -> Option<Vec<ListenerRule>> {
    let items = cx.items(v, 100)?;
    let mut out: Vec<ListenerRule> = vec![];
    let mut ok = true;
    for it in &items {
        let Some(r) = rule(cx, it, region) else {
            ok = false;
            continue;
        };
        if out.iter().any(|o| o.priority.value == r.priority.value) {
            cx.err(
                &r.priority.loc,
                tr!(
                    "elb-priority-in-use",
                    "PriorityInUse: Priority '{ $priority }' is currently in use",
                    priority = r.priority.value
                ),
                tr!("elb-priority-in-use-help", "give each rule of a listener its own priority"),
            );
            ok = false;
        }
        out.push(r);
    }
    out.sort_by_key(|r| r.priority.value);
    ok.then_some(out)
}

fn rule(cx: &mut Reader, v: &Value<'_>, region: &str) -> Option<ListenerRule> {
    let m = cx.entry_map(v, "a listener rule", "{ priority: 10, conditions: [...], actions: [...] }")?;
    let m = Block { what: "a listener rule".to_string(), ..m };
    m.strict(cx, &RULE);
    let priority = m.req(cx, "priority", "10").and_then(|v| cx.uint(&v, 1, 50000));
    let conditions = m.req(cx, "conditions", "[{ field: path-pattern, values: [/api/*] }]");
    let conditions = conditions.and_then(|v| {
        let items = cx.items(&v, 5)?;
        let parsed: Vec<Option<Condition>> = items.iter().map(|it| condition(cx, it)).collect();
        parsed.into_iter().collect::<Option<Vec<_>>>()
    });
    let actions =
        m.req(cx, "actions", "[{ type: forward, targetGroupArn: api }]").and_then(|v| actions(cx, &v, region));
    let priority = priority?;
    let priority = Located::new(u32::try_from(priority.value).unwrap_or(1), priority.loc);
    let conditions = conditions?;
    if conditions.is_empty() {
        cx.err(
            &priority.loc,
            tr!("elb-rule-no-condition", "ValidationError: A rule must have at least one condition"),
            tr!("elb-rule-no-condition-help", "add conditions: [{ field: path-pattern, values: [/api/*] }]"),
        );
        return None;
    }
    Some(ListenerRule { priority, conditions, actions: actions? })
}

fn condition(cx: &mut Reader, v: &Value<'_>) -> Option<Condition> {
    let m = cx.entry_map(v, "a rule condition", "{ field: path-pattern, values: [/api/*] }")?;
    let m = Block { what: "a rule condition".to_string(), ..m };
    m.strict(cx, &CONDITION);
    let rv = m.req(cx, "field", "path-pattern")?;
    let field = cx.choice(&rv, &["path-pattern", "host-header"])?;
    let config = if field.value == "path-pattern" { "pathPatternConfig" } else { "hostHeaderConfig" };
    let values = match (m.get("values"), m.get(config)) {
        (Some(v), None) => cx.str_list(&v, 5)?,
        (None, Some(c)) => {
            let cm = cx.map(&c, "a condition's values")?;
            let cm = Block { what: config.to_string(), ..cm };
            cm.strict(cx, &VALUES);
            let rv = cm.req(cx, "values", "[/api/*]")?;
            cx.str_list(&rv, 5)?
        }
        _ => {
            cx.err(
                &m.loc,
                tr!(
                    "elb-condition-values",
                    "ValidationError: A condition must have either 'values' or '{ $config }'",
                    config = config
                ),
                tr!("elb-condition-values-help", "add values: [/api/*]"),
            );
            return None;
        }
    };
    let values: Vec<String> = values.into_iter().map(|s| s.value).collect();
    if values.is_empty() {
        cx.err(&m.loc, tr!("elb-condition-empty", "ValidationError: A condition value must be specified"), "");
        return None;
    }
    Some(match field.value {
        "path-pattern" => Condition::PathPattern(values),
        _ => Condition::HostHeader(values),
    })
}

/// A list of actions: exactly one terminal action (forward, fixed-response or redirect).
fn actions(cx: &mut Reader, v: &Value<'_>, region: &str) -> Option<Vec<Action>> {
    let loc = cx.vloc(v);
    let items = cx.items(v, 5)?;
    let parsed: Vec<Option<Action>> = items.iter().map(|it| action(cx, it, region)).collect();
    let out = parsed.into_iter().collect::<Option<Vec<_>>>()?;
    if out.len() != 1 {
        cx.err(
            &loc,
            tr!("elb-one-action", "ValidationError: Exactly one terminal action must be specified"),
            tr!("elb-one-action-help", "keep one forward, fixed-response or redirect action"),
        );
        return None;
    }
    Some(out)
}

fn action(cx: &mut Reader, v: &Value<'_>, region: &str) -> Option<Action> {
    let m = cx.entry_map(v, "an action", "{ type: forward, targetGroupArn: web }")?;
    let m = Block { what: "an action".to_string(), ..m };
    m.strict(cx, &ACTION);
    let rv = m.req(cx, "type", "forward")?;
    let kind = cx.choice(&rv, &["forward", "fixed-response", "redirect"])?;
    match kind.value {
        "forward" => forward(cx, &m, region),
        "fixed-response" => fixed_response(cx, &m),
        _ => redirect(cx, &m),
    }
}

/// `targetGroupArn`, or `forwardConfig.targetGroups` (not both, as ELB requires when they differ).
fn forward(cx: &mut Reader, m: &Block<'_>, region: &str) -> Option<Action> {
    match (m.get("targetGroupArn"), m.get("forwardConfig")) {
        (Some(t), None) => {
            Some(Action::Forward(vec![Weighted { target_group: group_name(cx, &t, region)?, weight: 1 }]))
        }
        (None, Some(f)) => {
            let fm = cx.map(&f, "a forward configuration")?;
            let fm = Block { what: "forwardConfig".to_string(), ..fm };
            fm.strict(cx, &FORWARD);
            let rv = fm.req(cx, "targetGroups", "[{ targetGroupArn: web, weight: 1 }]")?;
            let items = cx.items(&rv, 5)?;
            let parsed: Vec<Option<Weighted>> = items.iter().map(|it| weighted(cx, it, region)).collect();
            let groups = parsed.into_iter().collect::<Option<Vec<_>>>()?;
            if groups.is_empty() {
                cx.err(&fm.loc, tr!("elb-forward-empty", "ValidationError: A target group ARN must be specified"), "");
                return None;
            }
            Some(Action::Forward(groups))
        }
        _ => {
            cx.err(
                &m.loc,
                tr!("elb-forward-target", "ValidationError: A target group ARN must be specified"),
                tr!("elb-forward-target-help", "add targetGroupArn: web, or forwardConfig: { targetGroups: [...] }"),
            );
            None
        }
    }
}

fn weighted(cx: &mut Reader, v: &Value<'_>, region: &str) -> Option<Weighted> {
    let m = cx.entry_map(v, "a weighted target group", "{ targetGroupArn: web, weight: 1 }")?;
    let m = Block { what: "a weighted target group".to_string(), ..m };
    m.strict(cx, &WEIGHTED);
    let rv = m.req(cx, "targetGroupArn", "web")?;
    let target_group = group_name(cx, &rv, region);
    let weight = match m.get("weight") {
        Some(w) => u32::try_from(cx.uint(&w, 0, 999)?.value).unwrap_or(1),
        None => 1,
    };
    Some(Weighted { target_group: target_group?, weight })
}

/// A target group by name, or by its ARN `arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID`.
fn group_name(cx: &mut Reader, v: &Value<'_>, region: &str) -> Option<Located<String>> {
    let s = cx.nonempty(v)?;
    let prefix = format!("arn:aws:elasticloadbalancing:{region}:");
    let name = match s.value.strip_prefix(&prefix) {
        Some(rest) => rest.split('/').nth(1).unwrap_or_default().to_string(),
        None => s.value.clone(),
    };
    if name_ok(&name, 40) {
        return Some(Located::new(name, s.loc));
    }
    cx.err(
        &s.loc,
        tr!("elb-bad-target-group-arn", "ValidationError: '{ $arn }' is not a valid target group ARN", arn = short(&s.value)),
        tr!(
            "elb-bad-target-group-arn-help",
            "name a target group of `targetGroups` (or write its ARN arn:aws:elasticloadbalancing:{ $region }:ACCOUNT:targetgroup/NAME/ID)",
            region = region
        ),
    );
    None
}

fn fixed_response(cx: &mut Reader, m: &Block<'_>) -> Option<Action> {
    let Some(f) = m.get("fixedResponseConfig") else {
        cx.err(&m.loc, tr!("elb-fixed-missing", "ValidationError: A fixed response config must be specified"), "");
        return None;
    };
    let fm = cx.map(&f, "a fixed response")?;
    let fm = Block { what: "fixedResponseConfig".to_string(), ..fm };
    fm.strict(cx, &FIXED);
    let rv = fm.req(cx, "statusCode", "\"503\"")?;
    let code = cx.string(&rv)?;
    let content_type = match fm.get("contentType") {
        Some(c) => {
            cx.choice(&c, &["text/plain", "text/css", "text/html", "application/javascript", "application/json"])?.value
        }
        None => "text/plain",
    };
    let message_body = fm.get("messageBody").and_then(|b| cx.string(&b)).map(|b| b.value).unwrap_or_default();
    let status_code = status_code(cx, &code, &[2, 4, 5])?;
    if message_body.len() > 1024 {
        cx.err(
            &fm.loc,
            tr!("elb-fixed-body", "ValidationError: The message body cannot be longer than 1024 characters"),
            "",
        );
        return None;
    }
    Some(Action::FixedResponse { status_code, content_type: content_type.to_string(), message_body })
}

/// A status code of one of the classes (2 for 2XX, ...), as ELB checks `statusCode`.
fn status_code(cx: &mut Reader, code: &Located<String>, classes: &[u16]) -> Option<u16> {
    match code.value.trim().parse::<u16>() {
        Ok(c) if classes.contains(&(c / 100)) && c < 600 => Some(c),
        _ => {
            bad_status(cx, &code.loc, &code.value);
            None
        }
    }
}

fn bad_status(cx: &mut Reader, loc: &Loc, code: &str) {
    cx.err(
        loc,
        tr!(
            "elb-fixed-status",
            "ValidationError: Status code '{ $code }' must be a 2XX, 4XX or 5XX code",
            code = short(code)
        ),
        tr!("elb-fixed-status-help", "for example statusCode: \"503\""),
    );
}

fn redirect(cx: &mut Reader, m: &Block<'_>) -> Option<Action> {
    let Some(r) = m.get("redirectConfig") else {
        cx.err(&m.loc, tr!("elb-redirect-missing", "ValidationError: A redirect config must be specified"), "");
        return None;
    };
    let rm = cx.map(&r, "a redirect")?;
    let rm = Block { what: "redirectConfig".to_string(), ..rm };
    rm.strict(cx, &REDIRECT);
    let rv = rm.req(cx, "statusCode", "HTTP_301")?;
    let code = cx.choice(&rv, &["HTTP_301", "HTTP_302"])?;
    let mut part = |key: &str, default: &str| -> String {
        rm.get(key).and_then(|v| cx.string(&v)).map_or_else(|| default.to_string(), |s| s.value)
    };
    let redirect = Redirect {
        protocol: part("protocol", "#{protocol}"),
        port: part("port", "#{port}"),
        host: part("host", "#{host}"),
        path: part("path", "/#{path}"),
        query: part("query", "#{query}"),
        status_code: if code.value == "HTTP_301" { 301 } else { 302 },
    };
    if !matches!(redirect.protocol.as_str(), "HTTP" | "HTTPS" | "#{protocol}") {
        cx.err(
            &rm.loc,
            tr!("elb-redirect-protocol", "ValidationError: The redirect protocol must be HTTP, HTTPS or #{protocol}"),
            "",
        );
        return None;
    }
    if !redirect.path.starts_with('/') {
        cx.err(&rm.loc, tr!("elb-redirect-path", "ValidationError: The redirect path must start with '/'"), "");
        return None;
    }
    Some(Action::Redirect(redirect))
}

impl Action {
    /// The target groups it forwards to.
    pub fn target_groups(&self) -> Vec<&Located<String>> {
        match self {
            Action::Forward(w) => w.iter().map(|x| &x.target_group).collect(),
            _ => vec![],
        }
    }
}

impl Listener {
    /// Every action: the default ones, then the rules' by priority.
    pub fn all_actions(&self) -> impl Iterator<Item = &Action> {
        self.default_actions.iter().chain(self.rules.iter().flat_map(|r| r.actions.iter()))
    }
}
