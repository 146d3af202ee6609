//! IAM's policy evaluation logic (AWS-SERVICES §3; the IAM User Guide's "Policy evaluation
//! logic"): whether a principal may perform an action on a resource, given its identity-based
//! policies, the resource's policy, the VPC endpoint's policy and a permissions boundary, and
//! which statements and conditions decided it. Pure; the policies are `scenario::policy`'s.
//!
//! Order, as AWS evaluates a request:
//! 1. an applicable `Deny` in any policy wins;
//! 2. a VPC endpoint policy, when the request crossed one, must allow;
//! 3. same account: a resource-based policy that names the caller itself (its session ARN, its
//!    user ARN, or `*`) allows alone; an identity-based policy, or a resource-based policy naming
//!    the caller's role ARN, allows if the permissions boundary (when set) allows too;
//!    cross-account: the identity side (with its boundary) and the resource policy must both allow;
//! 4. anything else is an implicit deny.

use crate::scenario::policy::{BaseOperator, Condition, Effect, Element, Principal, PrincipalType, SetOperator};
use crate::scenario::policy::{PolicyDocument, Statement};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;

/// One request as IAM sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`, an IAM user ARN, or a service principal
    /// (`ecs-tasks.amazonaws.com`) for trust policies.
    pub principal_arn: String,
    /// `ecr:DescribeImages`.
    pub action: String,
    pub resource: String,
    /// Condition keys (`aws:SourceVpce`, `aws:SourceIp`, `aws:SecureTransport`...), each with its
    /// values; a key not here is absent from the request. Names are case-insensitive.
    pub context: BTreeMap<String, Vec<String>>,
    /// The resource is in the caller's account.
    pub same_account: bool,
}

impl Request {
    /// A same-account request with no condition keys.
    pub fn new(principal_arn: &str, action: &str, resource: &str) -> Self {
        Request {
            principal_arn: principal_arn.to_string(),
            action: action.to_string(),
            resource: resource.to_string(),
            context: BTreeMap::new(),
            same_account: true,
        }
    }

    /// Adds one value of a condition key.
    pub fn with(mut self, key: &str, value: &str) -> Self {
        self.context.entry(key.to_string()).or_default().push(value.to_string());
        self
    }
}

/// A policy and the name `explain` shows for it ("role ecs-task / policy pull",
/// "VPC endpoint vpce-0a1b...").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedPolicy {
    pub name: String,
    pub document: PolicyDocument,
}

/// Every policy that applies to one request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policies {
    pub identity: Vec<NamedPolicy>,
    pub resource: Option<NamedPolicy>,
    pub endpoint: Option<NamedPolicy>,
    pub boundary: Option<NamedPolicy>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PolicyType {
    Identity,
    Resource,
    Endpoint,
    Boundary,
}

impl PolicyType {
    /// As AWS's denial messages name it.
    pub fn phrase(self) -> &'static str {
        match self {
            PolicyType::Identity => "identity-based policy",
            PolicyType::Resource => "resource-based policy",
            PolicyType::Endpoint => "VPC endpoint policy",
            PolicyType::Boundary => "permissions boundary",
        }
    }
    fn with_article(self) -> &'static str {
        match self {
            PolicyType::Identity => "an identity-based policy",
            PolicyType::Resource => "a resource-based policy",
            PolicyType::Endpoint => "a VPC endpoint policy",
            PolicyType::Boundary => "a permissions boundary",
        }
    }
}

impl fmt::Display for PolicyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.phrase())
    }
}

/// A statement that applied to the request (principal, action, resource and every condition).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Match {
    pub policy: String,
    pub policy_type: PolicyType,
    /// 0-based, in the policy's order.
    pub statement: usize,
    pub sid: Option<String>,
    pub effect: Effect,
    /// Where the statement is in its policy's JSON text.
    pub line: usize,
    pub col: usize,
}

/// A condition that kept a statement from applying although its principal, action and
/// resource matched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailedCondition {
    pub policy: String,
    pub policy_type: PolicyType,
    pub statement: usize,
    pub effect: Effect,
    pub key: String,
    /// As written: `StringNotEqualsIfExists`.
    pub operator: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DecisionKind {
    Allowed,
    ExplicitDeny { by: PolicyType },
    ImplicitDeny { missing: PolicyType },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub kind: DecisionKind,
    pub matched: Vec<Match>,
    pub failed_conditions: Vec<FailedCondition>,
}

/// Evaluate one request against its policies.
pub fn evaluate(req: &Request, policies: &Policies) -> Decision {
    let mut ev = Eval {
        req,
        ctx: Context::new(&req.context),
        caller: Caller::parse(&req.principal_arn),
        matched: vec![],
        failed: vec![],
    };
    let mut identity = Tally::default();
    for p in &policies.identity {
        identity.merge(ev.policy(p, PolicyType::Identity));
    }
    let resource = policies.resource.as_ref().map(|p| ev.policy(p, PolicyType::Resource));
    let endpoint = policies.endpoint.as_ref().map(|p| ev.policy(p, PolicyType::Endpoint));
    let boundary = policies.boundary.as_ref().map(|p| ev.policy(p, PolicyType::Boundary));
    let kind = decide(req.same_account, &identity, resource.as_ref(), endpoint.as_ref(), boundary.as_ref());
    Decision { allowed: kind == DecisionKind::Allowed, kind, matched: ev.matched, failed_conditions: ev.failed }
}

fn decide(
    same_account: bool,
    identity: &Tally,
    resource: Option<&Tally>,
    endpoint: Option<&Tally>,
    boundary: Option<&Tally>,
) -> DecisionKind {
    use DecisionKind::*;
    let denies = [
        (PolicyType::Identity, Some(identity)),
        (PolicyType::Resource, resource),
        (PolicyType::Boundary, boundary),
        (PolicyType::Endpoint, endpoint),
    ];
    if let Some((by, _)) = denies.iter().find(|(_, t)| t.is_some_and(|t| t.deny)) {
        return ExplicitDeny { by: *by };
    }
    if endpoint.is_some_and(|e| e.allow.is_none()) {
        return ImplicitDeny { missing: PolicyType::Endpoint };
    }
    let resource_grant = resource.and_then(|r| r.allow);
    let boundary_allows = boundary.is_none_or(|b| b.allow.is_some());
    if same_account {
        // Granted to the caller itself: no implicit deny elsewhere limits it.
        if resource_grant == Some(Grant::Direct) {
            return Allowed;
        }
        // The account root delegates to the account's IAM policies: no grant of its own.
        if identity.allow.is_none() && resource_grant != Some(Grant::Role) {
            return ImplicitDeny { missing: PolicyType::Identity };
        }
        return if boundary_allows { Allowed } else { ImplicitDeny { missing: PolicyType::Boundary } };
    }
    if identity.allow.is_none() {
        return ImplicitDeny { missing: PolicyType::Identity };
    }
    if !boundary_allows {
        return ImplicitDeny { missing: PolicyType::Boundary };
    }
    if resource_grant.is_none() {
        return ImplicitDeny { missing: PolicyType::Resource };
    }
    Allowed
}

/// How AWS words a denial. `Json`: the JSON-protocol services (ECR, Secrets Manager, CloudWatch
/// Logs, STS, SSM, ECS), whose `AccessDeniedException` message names the principal, the action,
/// the resource and the policy type. `S3`: the same words with the resource's ARN in quotes and
/// without "on resource" for ListAllMyBuckets, which S3 sends for requests within one account
/// since August 2024 ("enhanced access denied error messages for same-account requests", S3's
/// troubleshoot-403 guide); another account's caller still gets `Access Denied` alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServiceStyle {
    Json,
    S3,
}

impl ServiceStyle {
    /// The style of the service an action belongs to (`s3:GetObject`: S3).
    pub fn of_action(action: &str) -> ServiceStyle {
        if action.split(':').next().is_some_and(|p| p.eq_ignore_ascii_case("s3")) {
            ServiceStyle::S3
        } else {
            ServiceStyle::Json
        }
    }
}

/// AWS's message for a denied decision (empty for an allowed one). An empty `resource` leaves
/// out "on resource: ...", as AWS does for actions that take none.
pub fn denial_message(
    style: ServiceStyle,
    decision: &Decision,
    principal_arn: &str,
    action: &str,
    resource: &str,
) -> String {
    let why = match decision.kind {
        DecisionKind::Allowed => return String::new(),
        DecisionKind::ExplicitDeny { by } => format!("with an explicit deny in {}", by.with_article()),
        DecisionKind::ImplicitDeny { missing } => format!("because no {} allows the {action} action", missing.phrase()),
    };
    let on = match style {
        _ if resource.is_empty() => String::new(),
        ServiceStyle::S3 if Caller::parse(principal_arn).account != super::ACCOUNT => {
            return "Access Denied".to_string();
        }
        ServiceStyle::S3 if resource == "*" => String::new(),
        ServiceStyle::S3 => format!(" on resource: \"{resource}\""),
        ServiceStyle::Json => format!(" on resource: {resource}"),
    };
    format!("User: {principal_arn} is not authorized to perform: {action}{on} {why}")
}

/// Whether the AWS service `service` (`ecs-tasks.amazonaws.com`, `ec2.amazonaws.com`) may
/// assume role `r` of `account`: its trust policy evaluated as IAM evaluates sts:AssumeRole (the
/// role is the resource; `aws:SourceAccount`, and `aws:SourceArn` when given, as the service
/// sends them). A role without a trust policy is trusted (ecsnet's default for tasks and
/// instances); one that does not parse was refused by `validate` already.
pub fn trusts(r: &crate::scenario::role::Role, account: &str, service: &str, source_arn: Option<&str>) -> bool {
    use crate::scenario::policy::{PolicyKind, parse_policy};
    let Some(text) = &r.assume_role_policy_document else { return true };
    let Ok(document) = parse_policy(text, PolicyKind::Trust) else { return true };
    let role_arn = format!("arn:aws:iam::{account}:role/{}", r.name);
    let mut req = Request::new(service, "sts:AssumeRole", &role_arn).with("aws:SourceAccount", account);
    if let Some(a) = source_arn {
        req = req.with("aws:SourceArn", a);
    }
    let name = format!("role {} / assumeRolePolicyDocument", r.name);
    let p = Policies { resource: Some(NamedPolicy { name, document }), ..Policies::default() };
    evaluate(&req, &p).allowed
}

/// The ARN of the role behind an assumed-role session, without the role's path (which the
/// session ARN does not carry): `arn:aws:iam::ACCOUNT:role/ROLE`.
pub fn role_arn_of_session(session_arn: &str) -> Option<String> {
    let c = Caller::parse(session_arn);
    c.role.map(|r| format!("arn:{}:iam::{}:role/{r}", c.partition, c.account))
}

/// How a statement's principal names the caller; the order is from weakest to strongest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Grant {
    /// The caller's account (`arn:aws:iam::ACCOUNT:root` or `ACCOUNT`): a delegation to IAM.
    Account,
    /// The role whose session the caller is.
    Role,
    /// The caller itself, or everyone.
    Direct,
}

/// What one policy type said.
#[derive(Clone, Copy, Debug, Default)]
struct Tally {
    deny: bool,
    /// The strongest grant of an applicable Allow.
    allow: Option<Grant>,
}

impl Tally {
    fn merge(&mut self, o: Tally) {
        self.deny |= o.deny;
        self.allow = self.allow.max(o.allow);
    }
}

/// The caller's ARN in parts.
struct Caller<'a> {
    arn: &'a str,
    partition: &'a str,
    account: &'a str,
    /// The role name of an assumed-role session.
    role: Option<&'a str>,
}

impl<'a> Caller<'a> {
    fn parse(arn: &'a str) -> Self {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        match parts.as_slice() {
            ["arn", partition, service, _, account, resource] => {
                let role = (*service == "sts")
                    .then(|| resource.strip_prefix("assumed-role/"))
                    .flatten()
                    .and_then(|r| r.split('/').next())
                    .filter(|r| !r.is_empty());
                Caller { arn, partition, account, role }
            }
            _ => Caller { arn, partition: "aws", account: "", role: None },
        }
    }

    fn is_account(&self, id: &str) -> bool {
        !self.account.is_empty()
            && (id == self.account || id == format!("arn:{}:iam::{}:root", self.partition, self.account))
    }

    /// `arn:aws:iam::ACCOUNT:role/[PATH/]NAME` of the caller's session.
    fn is_role(&self, id: &str) -> bool {
        let Some(role) = self.role else { return false };
        let prefix = format!("arn:{}:iam::{}:role/", self.partition, self.account);
        id.strip_prefix(&prefix).and_then(|p| p.rsplit('/').next()) == Some(role)
    }

    fn grant(&self, t: PrincipalType, id: &str) -> Option<Grant> {
        match t {
            PrincipalType::Aws if id == "*" || id == self.arn => Some(Grant::Direct),
            PrincipalType::Aws if self.is_role(id) => Some(Grant::Role),
            PrincipalType::Aws if self.is_account(id) => Some(Grant::Account),
            PrincipalType::Service | PrincipalType::Federated if id == self.arn => Some(Grant::Direct),
            _ => None,
        }
    }

    fn named(&self, p: &Principal) -> Option<Grant> {
        match p {
            Principal::Any => Some(Grant::Direct),
            Principal::Map(m) => m.iter().flat_map(|(t, ids)| ids.iter().filter_map(|id| self.grant(*t, id))).max(),
        }
    }

    /// Whether a NotPrincipal statement applies: AWS evaluates the caller's session, its role
    /// and its account, and the statement skips the caller only when all of them are listed.
    fn not_named(&self, p: &Principal) -> bool {
        let Principal::Map(m) = p else { return false };
        let listed = |f: &dyn Fn(&str) -> bool| m.values().flatten().any(|id| id == "*" || f(id));
        let mut all = listed(&|id| id == self.arn);
        if self.role.is_some() {
            all &= listed(&|id| self.is_role(id));
        }
        if !self.account.is_empty() {
            all &= listed(&|id| self.is_account(id));
        }
        !all
    }
}

/// Condition keys by lower-case name (IAM compares key names case-insensitively).
struct Context<'a> {
    keys: BTreeMap<String, &'a [String]>,
}

impl<'a> Context<'a> {
    fn new(context: &'a BTreeMap<String, Vec<String>>) -> Self {
        Context { keys: context.iter().map(|(k, v)| (k.to_lowercase(), v.as_slice())).collect() }
    }
    /// The key's values; None when absent (or given with no value).
    fn get(&self, key: &str) -> Option<&'a [String]> {
        self.keys.get(&key.to_lowercase()).copied().filter(|v| !v.is_empty())
    }
    fn single(&self, key: &str) -> Option<&'a str> {
        match self.get(key)? {
            [one] => Some(one.as_str()),
            _ => None,
        }
    }
}

struct Eval<'a> {
    req: &'a Request,
    ctx: Context<'a>,
    caller: Caller<'a>,
    matched: Vec<Match>,
    failed: Vec<FailedCondition>,
}

impl Eval<'_> {
    fn policy(&mut self, p: &NamedPolicy, ty: PolicyType) -> Tally {
        let mut t = Tally::default();
        for (i, st) in p.document.statements.iter().enumerate() {
            let Some((effect, grant)) = self.statement(p, ty, i, st) else { continue };
            match effect {
                Effect::Deny => t.deny = true,
                Effect::Allow => t.allow = t.allow.max(Some(grant)),
            }
        }
        t
    }

    fn statement(&mut self, p: &NamedPolicy, ty: PolicyType, i: usize, st: &Statement) -> Option<(Effect, Grant)> {
        // Identity-based policies and boundaries apply to their own principal.
        let grant = match (ty, &st.principal) {
            (PolicyType::Identity | PolicyType::Boundary, _) => Grant::Direct,
            (_, Some(Element::Is(who))) => self.caller.named(who)?,
            (_, Some(Element::Not(who))) => self.caller.not_named(who).then_some(Grant::Direct)?,
            (_, None) => return None,
        };
        if !actions_match(&st.action, &self.req.action) {
            return None;
        }
        let vars = p.document.has_variables().then_some(&self.ctx);
        // A trust policy's statements have no Resource: their resource is the role.
        if st.resource.as_ref().is_some_and(|r| !resources_match(r, &self.req.resource, vars)) {
            return None;
        }
        let mut holds = true;
        for c in &st.condition {
            if !condition(c, &self.ctx, vars) {
                holds = false;
                self.failed.push(FailedCondition {
                    policy: p.name.clone(),
                    policy_type: ty,
                    statement: i,
                    effect: st.effect,
                    key: c.key.clone(),
                    operator: c.operator.to_string(),
                });
            }
        }
        if !holds {
            return None;
        }
        self.matched.push(Match {
            policy: p.name.clone(),
            policy_type: ty,
            statement: i,
            sid: st.sid.clone(),
            effect: st.effect,
            line: st.line,
            col: st.col,
        });
        Some((st.effect, grant))
    }
}

/// Action names are case-insensitive, with `*` and `?`.
fn actions_match(el: &Element<Vec<String>>, action: &str) -> bool {
    let action: Vec<char> = action.chars().flat_map(char::to_lowercase).collect();
    let hit = el.value().iter().any(|p| tokens(p, true, None).is_some_and(|t| glob(&lower(t), &action)));
    hit != el.is_not()
}

/// Resources are case-sensitive, with `*`, `?` and policy variables.
fn resources_match(el: &Element<Vec<String>>, resource: &str, vars: Option<&Context<'_>>) -> bool {
    let resource: Vec<char> = resource.chars().collect();
    let hit = el.value().iter().any(|p| tokens(p, true, vars).is_some_and(|t| glob(&t, &resource)));
    hit != el.is_not()
}

fn condition(c: &Condition, ctx: &Context<'_>, vars: Option<&Context<'_>>) -> bool {
    let op = c.operator;
    let present = ctx.get(&c.key);
    if op.base == BaseOperator::Null {
        return c.values.iter().any(|v| match v.to_ascii_lowercase().as_str() {
            "true" => present.is_none(),
            "false" => present.is_some(),
            _ => false,
        });
    }
    let Some(values) = present else {
        // An absent key: IfExists and ForAllValues hold, as do the negated operators alone.
        return op.if_exists || op.set == Some(SetOperator::ForAllValues) || (op.set.is_none() && op.base.negated());
    };
    if !supported(op.base) {
        return false;
    }
    let negated = op.base.negated();
    let test = |v: &String| c.values.iter().any(|p| matches(op.base, v, p, vars)) != negated;
    match op.set {
        Some(SetOperator::ForAllValues) => values.iter().all(test),
        Some(SetOperator::ForAnyValue) => values.iter().any(test),
        // A negated operator holds when no value of the key matches; the others, when any does.
        None if negated => values.iter().all(test),
        None => values.iter().any(test),
    }
}

/// Dates and binary values are not evaluated: such a condition never holds.
fn supported(b: BaseOperator) -> bool {
    use BaseOperator::*;
    !matches!(
        b,
        DateEquals
            | DateNotEquals
            | DateLessThan
            | DateLessThanEquals
            | DateGreaterThan
            | DateGreaterThanEquals
            | BinaryEquals
    )
}

/// The positive form of `base` (StringNotEquals as StringEquals): does `value` match `policy`?
fn matches(base: BaseOperator, value: &str, policy: &str, vars: Option<&Context<'_>>) -> bool {
    use BaseOperator::*;
    let chars = |s: &str| s.chars().collect::<Vec<char>>();
    let num = |s: &str| s.trim().parse::<f64>().ok();
    match base {
        StringEquals | StringNotEquals => tokens(policy, false, vars).is_some_and(|t| glob(&t, &chars(value))),
        StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => tokens(policy, false, vars)
            .is_some_and(|t| glob(&lower(t), &value.chars().flat_map(char::to_lowercase).collect::<Vec<_>>())),
        StringLike | StringNotLike => tokens(policy, true, vars).is_some_and(|t| glob(&t, &chars(value))),
        ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => arn_like(policy, value, vars),
        Bool => value.eq_ignore_ascii_case(policy),
        IpAddress | NotIpAddress => ip_in(value, policy),
        NumericEquals | NumericNotEquals => num(value).zip(num(policy)).is_some_and(|(a, b)| a == b),
        NumericLessThan => num(value).zip(num(policy)).is_some_and(|(a, b)| a < b),
        NumericLessThanEquals => num(value).zip(num(policy)).is_some_and(|(a, b)| a <= b),
        NumericGreaterThan => num(value).zip(num(policy)).is_some_and(|(a, b)| a > b),
        NumericGreaterThanEquals => num(value).zip(num(policy)).is_some_and(|(a, b)| a >= b),
        _ => false,
    }
}

/// ArnEquals and ArnLike alike: each of the six colon-separated parts matched on its own,
/// with wildcards.
fn arn_like(policy: &str, value: &str, vars: Option<&Context<'_>>) -> bool {
    let Some(t) = tokens(policy, true, vars) else { return false };
    let pattern: Vec<&[Tok]> = t.splitn(6, |x| *x == Tok::Lit(':')).collect();
    let value: Vec<Vec<char>> = value.splitn(6, ':').map(|s| s.chars().collect()).collect();
    pattern.len() == 6 && value.len() == 6 && pattern.iter().zip(&value).all(|(p, v)| glob(p, v))
}

/// `value` (an address) within `policy` (a CIDR block, or one address).
fn ip_in(value: &str, policy: &str) -> bool {
    let Ok(net) = policy.trim().parse::<ipnetwork::IpNetwork>() else { return false };
    let ip = value.trim().parse::<IpAddr>().ok().or_else(|| value.parse::<ipnetwork::IpNetwork>().ok().map(|n| n.ip()));
    ip.is_some_and(|ip| net.contains(ip))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    Lit(char),
    /// `*`: any run of characters.
    Star,
    /// `?`: one character.
    One,
}

/// A pattern as tokens: wildcards when `wild`, and `${key}` replaced by the key's value when
/// `vars` (2012-10-17 policies). None when a variable has no value (the pattern matches
/// nothing). `${*}`, `${?}` and `${$}` are those characters, literally.
fn tokens(pattern: &str, wild: bool, vars: Option<&Context<'_>>) -> Option<Vec<Tok>> {
    let mut out = vec![];
    let mut rest = pattern;
    while let Some(c) = rest.chars().next() {
        if let Some(ctx) = vars.filter(|_| rest.starts_with("${")) {
            if let Some(end) = rest.find('}') {
                let text = variable(rest.get(2..end).unwrap_or(""), ctx)?;
                out.extend(text.chars().map(Tok::Lit));
                rest = rest.get(end + 1..).unwrap_or("");
                continue;
            }
        }
        out.push(match c {
            '*' if wild => Tok::Star,
            '?' if wild => Tok::One,
            c => Tok::Lit(c),
        });
        rest = rest.get(c.len_utf8()..).unwrap_or("");
    }
    Some(out)
}

/// `aws:username`, `aws:username, 'default'`, or `*`, `?`, `$`.
fn variable(inner: &str, ctx: &Context<'_>) -> Option<String> {
    let inner = inner.trim();
    if matches!(inner, "*" | "?" | "$") {
        return Some(inner.to_string());
    }
    let (key, default) = match inner.split_once(',') {
        Some((k, d)) => (k.trim(), Some(d.trim().trim_matches('\''))),
        None => (inner, None),
    };
    ctx.single(key).or(default).map(str::to_string)
}

fn lower(t: Vec<Tok>) -> Vec<Tok> {
    t.into_iter()
        .flat_map(|x| match x {
            Tok::Lit(c) => c.to_lowercase().map(Tok::Lit).collect::<Vec<_>>(),
            other => vec![other],
        })
        .collect()
}

/// Wildcard matching without recursion: on a mismatch, retry from the last `*` one character on.
fn glob(p: &[Tok], s: &[char]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while let Some(&c) = s.get(si) {
        match p.get(pi) {
            Some(Tok::Star) => {
                star = Some((pi, si));
                pi += 1;
            }
            Some(Tok::One) => {
                pi += 1;
                si += 1;
            }
            Some(Tok::Lit(x)) if *x == c => {
                pi += 1;
                si += 1;
            }
            _ => match star {
                Some((sp, ss)) => {
                    pi = sp + 1;
                    si = ss + 1;
                    star = Some((sp, ss + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..).unwrap_or(&[]).iter().all(|t| *t == Tok::Star)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::managed_policy::managed_policy;
    use crate::scenario::policy::{PolicyKind, parse_policy};

    const ACCT: &str = "123456789012";
    const SESSION: &str = "arn:aws:sts::123456789012:assumed-role/app/task-1";
    const ROLE: &str = "arn:aws:iam::123456789012:role/app";
    const REPO: &str = "arn:aws:ecr:ap-northeast-1:123456789012:repository/web";

    fn policy(name: &str, kind: PolicyKind, json: &str) -> NamedPolicy {
        let document = parse_policy(json, kind).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        NamedPolicy { name: name.to_string(), document }
    }

    /// An identity policy of one statement.
    fn allow(action: &str, resource: &str) -> NamedPolicy {
        policy(
            "role app / policy inline",
            PolicyKind::Identity,
            &format!(
                r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "{action}", "Resource": "{resource}"}}]}}"#
            ),
        )
    }

    fn identity(json: &str) -> NamedPolicy {
        policy("role app / policy inline", PolicyKind::Identity, json)
    }

    fn resource(json: &str) -> NamedPolicy {
        policy("repository web", PolicyKind::Resource, json)
    }

    fn endpoint(json: &str) -> NamedPolicy {
        policy("VPC endpoint vpce-0a1b2c3d4e5f60718", PolicyKind::Endpoint, json)
    }

    fn ids(p: Vec<NamedPolicy>) -> Policies {
        Policies { identity: p, ..Default::default() }
    }

    fn describe() -> Request {
        Request::new(SESSION, "ecr:DescribeImages", REPO)
    }

    fn kind(req: &Request, p: &Policies) -> DecisionKind {
        evaluate(req, p).kind
    }

    /// One identity statement with a condition, evaluated for `req`.
    fn with_condition(effect: &str, condition: &str, req: &Request) -> bool {
        let deny = effect == "Deny";
        let mut p = vec![identity(&format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "{effect}", "Action": "*", "Resource": "*", "Condition": {condition}}}]}}"#
        ))];
        if deny {
            p.push(allow("*", "*"));
        }
        let d = evaluate(req, &ids(p));
        // For a Deny: whether it applied.
        if deny { !d.allowed } else { d.allowed }
    }

    #[test]
    fn implicit_deny_by_default() {
        let d = evaluate(&describe(), &Policies::default());
        assert_eq!((d.allowed, d.kind), (false, DecisionKind::ImplicitDeny { missing: PolicyType::Identity }));
        assert!(d.matched.is_empty());
        assert_eq!(kind(&describe(), &ids(vec![allow("ecr:BatchGetImage", "*")])), d.kind);
        assert_eq!(kind(&describe(), &ids(vec![allow("ecr:DescribeImages", "*")])), DecisionKind::Allowed);
    }

    #[test]
    fn explicit_deny_wins_over_allow() {
        let p = ids(vec![
            allow("ecr:*", "*"),
            identity(
                r#"{"Version": "2012-10-17", "Statement": [{"Sid": "NoDescribe", "Effect": "Deny", "Action": "ecr:Describe*", "Resource": "*"}]}"#,
            ),
        ]);
        let d = evaluate(&describe(), &p);
        assert_eq!(d.kind, DecisionKind::ExplicitDeny { by: PolicyType::Identity });
        assert_eq!(d.matched.len(), 2);
        let deny = d.matched.iter().find(|m| m.effect == Effect::Deny).unwrap();
        assert_eq!((deny.sid.as_deref(), deny.statement, deny.line, deny.col), (Some("NoDescribe"), 0, 1, 41));
        // A Deny in the resource policy wins over the identity policy's Allow too.
        let p = Policies {
            identity: vec![allow("ecr:*", "*")],
            resource: Some(resource(
                r#"{"Statement": [{"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "ecr:*", "Resource": "*"}]}"#,
            )),
            ..Default::default()
        };
        assert_eq!(kind(&describe(), &p), DecisionKind::ExplicitDeny { by: PolicyType::Resource });
    }

    #[test]
    fn a_resource_policy_alone_allows_in_the_same_account() {
        let repo = |principal: &str| Policies {
            resource: Some(resource(&format!(
                r#"{{"Statement": [{{"Effect": "Allow", "Principal": {principal}, "Action": "ecr:DescribeImages", "Resource": "*"}}]}}"#
            ))),
            ..Default::default()
        };
        for p in [
            format!(r#"{{"AWS": "{ROLE}"}}"#),
            format!(r#"{{"AWS": "{SESSION}"}}"#),
            r#""*""#.into(),
            r#"{"AWS": "*"}"#.into(),
        ] {
            assert_eq!(kind(&describe(), &repo(&p)), DecisionKind::Allowed, "{p}");
        }
        // A role with a path still names its sessions.
        let p = repo(r#"{"AWS": "arn:aws:iam::123456789012:role/team/app"}"#);
        assert_eq!(kind(&describe(), &p), DecisionKind::Allowed);
        // The account delegates to IAM: the identity side must allow.
        let p = repo(r#"{"AWS": "arn:aws:iam::123456789012:root"}"#);
        assert_eq!(kind(&describe(), &p), DecisionKind::ImplicitDeny { missing: PolicyType::Identity });
        let p = repo(r#"{"AWS": "123456789012"}"#);
        assert_eq!(kind(&describe(), &p), DecisionKind::ImplicitDeny { missing: PolicyType::Identity });
        // Another role, another account, a service: not the caller.
        for other in [
            r#"{"AWS": "arn:aws:iam::123456789012:role/other"}"#,
            r#"{"AWS": "arn:aws:iam::210987654321:role/app"}"#,
            r#"{"Service": "ecs-tasks.amazonaws.com"}"#,
        ] {
            assert_eq!(kind(&describe(), &repo(other)), DecisionKind::ImplicitDeny { missing: PolicyType::Identity });
        }
    }

    #[test]
    fn cross_account_needs_both_sides() {
        let repo = Policies {
            resource: Some(resource(
                r#"{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "ecr:*", "Resource": "*"}]}"#,
            )),
            ..Default::default()
        };
        let mut req = describe();
        req.same_account = false;
        assert_eq!(kind(&req, &repo), DecisionKind::ImplicitDeny { missing: PolicyType::Identity });
        let both = Policies { identity: vec![allow("ecr:*", "*")], ..repo.clone() };
        assert_eq!(kind(&req, &both), DecisionKind::Allowed);
        let only_identity = ids(vec![allow("ecr:*", "*")]);
        assert_eq!(kind(&req, &only_identity), DecisionKind::ImplicitDeny { missing: PolicyType::Resource });
    }

    #[test]
    fn the_endpoint_policy_must_also_allow() {
        let p = |ep: &str| Policies {
            identity: vec![allow("ecr:*", "*")],
            endpoint: Some(endpoint(ep)),
            ..Default::default()
        };
        let only_pull = r#"{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], "Resource": "*"}]}"#;
        assert_eq!(kind(&describe(), &p(only_pull)), DecisionKind::ImplicitDeny { missing: PolicyType::Endpoint });
        let all = r#"{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}"#;
        assert_eq!(kind(&describe(), &p(all)), DecisionKind::Allowed);
        // An endpoint policy grants nothing by itself.
        let alone = Policies { endpoint: Some(endpoint(all)), ..Default::default() };
        assert_eq!(kind(&describe(), &alone), DecisionKind::ImplicitDeny { missing: PolicyType::Identity });
        // The account root in an endpoint policy covers everyone in the account.
        let acct = r#"{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "*", "Resource": "*"}]}"#;
        assert_eq!(kind(&describe(), &p(acct)), DecisionKind::Allowed);
        let deny = r#"{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Principal": "*", "Action": "ecr:DescribeImages", "Resource": "*"}]}"#;
        assert_eq!(kind(&describe(), &p(deny)), DecisionKind::ExplicitDeny { by: PolicyType::Endpoint });
    }

    #[test]
    fn the_permissions_boundary_must_also_allow() {
        let boundary = Some(policy(
            "boundary",
            PolicyKind::Identity,
            r#"{"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}"#,
        ));
        let p = Policies { identity: vec![allow("ecr:*", "*")], boundary: boundary.clone(), ..Default::default() };
        assert_eq!(kind(&describe(), &p), DecisionKind::ImplicitDeny { missing: PolicyType::Boundary });
        let p = Policies { boundary: Some(allow("ecr:Describe*", "*")), ..p };
        assert_eq!(kind(&describe(), &p), DecisionKind::Allowed);
        // A boundary grants nothing by itself.
        let p = Policies { boundary: Some(allow("*", "*")), ..Default::default() };
        assert_eq!(kind(&describe(), &p), DecisionKind::ImplicitDeny { missing: PolicyType::Identity });
        // It limits a resource policy naming the role, not one naming the session itself.
        let repo = |who: &str| {
            Some(resource(&format!(
                r#"{{"Statement": [{{"Effect": "Allow", "Principal": {{"AWS": "{who}"}}, "Action": "ecr:*", "Resource": "*"}}]}}"#
            )))
        };
        let p = Policies { resource: repo(ROLE), boundary: boundary.clone(), ..Default::default() };
        assert_eq!(kind(&describe(), &p), DecisionKind::ImplicitDeny { missing: PolicyType::Boundary });
        let p = Policies { resource: repo(SESSION), boundary, ..Default::default() };
        assert_eq!(kind(&describe(), &p), DecisionKind::Allowed);
        // Its Deny is explicit.
        let p = Policies {
            identity: vec![allow("*", "*")],
            boundary: Some(policy(
                "boundary",
                PolicyKind::Identity,
                r#"{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}, {"Effect": "Deny", "Action": "ecr:*", "Resource": "*"}]}"#,
            )),
            ..Default::default()
        };
        assert_eq!(kind(&describe(), &p), DecisionKind::ExplicitDeny { by: PolicyType::Boundary });
    }

    #[test]
    fn not_action() {
        let p = ids(vec![identity(r#"{"Statement": {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}}"#)]);
        assert!(evaluate(&describe(), &p).allowed);
        assert!(!evaluate(&Request::new(SESSION, "iam:CreateUser", "*"), &p).allowed);
        // A Deny with NotAction denies everything else.
        let p = ids(vec![
            allow("*", "*"),
            identity(
                r#"{"Statement": {"Effect": "Deny", "NotAction": ["ecr:BatchGetImage", "ecr:Get*"], "Resource": "*"}}"#,
            ),
        ]);
        assert_eq!(kind(&describe(), &p), DecisionKind::ExplicitDeny { by: PolicyType::Identity });
        assert!(evaluate(&Request::new(SESSION, "ecr:GetAuthorizationToken", "*"), &p).allowed);
    }

    #[test]
    fn not_resource() {
        let p = ids(vec![identity(
            r#"{"Statement": {"Effect": "Allow", "Action": "ecr:*", "NotResource": "arn:aws:ecr:*:*:repository/secret-*"}}"#,
        )]);
        assert!(evaluate(&describe(), &p).allowed);
        let secret =
            Request::new(SESSION, "ecr:DescribeImages", "arn:aws:ecr:ap-northeast-1:123456789012:repository/secret-db");
        assert!(!evaluate(&secret, &p).allowed);
    }

    #[test]
    fn actions_are_case_insensitive_with_wildcards() {
        for pattern in ["ECR:describeimages", "ecr:Describe*", "ecr:*Images", "*", "ecr:*", "ecr:d*s"] {
            assert!(evaluate(&describe(), &ids(vec![allow(pattern, "*")])).allowed, "{pattern}");
        }
        for pattern in ["ecr:Describe", "ecr:DescribeImage", "ec2:*", "ecr:List*"] {
            assert!(!evaluate(&describe(), &ids(vec![allow(pattern, "*")])).allowed, "{pattern}");
        }
        // Resources are case-sensitive.
        assert!(!evaluate(&describe(), &ids(vec![allow("ecr:*", "arn:aws:ecr:*:*:repository/WEB")])).allowed);
        assert!(evaluate(&describe(), &ids(vec![allow("ecr:*", "arn:aws:ecr:*:*:repository/w*")])).allowed);
    }

    #[test]
    fn question_mark_is_one_character() {
        assert!(evaluate(&describe(), &ids(vec![allow("ecr:DescribeImage?", "*")])).allowed);
        assert!(!evaluate(&describe(), &ids(vec![allow("ecr:DescribeImages?", "*")])).allowed);
        assert!(evaluate(&describe(), &ids(vec![allow("ecr:*", "arn:aws:ecr:*:*:repository/we?")])).allowed);
        assert!(!evaluate(&describe(), &ids(vec![allow("ecr:*", "arn:aws:ecr:*:*:repository/w?")])).allowed);
    }

    #[test]
    fn string_not_equals_source_vpce_denies_the_public_path() {
        let p = ids(vec![
            allow("ecr:*", "*"),
            identity(
                r#"{"Statement": {"Sid": "OnlyThroughTheEndpoint", "Effect": "Deny", "Action": "*", "Resource": "*",
                    "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-0a1b2c3d4e5f60718"}}}}"#,
            ),
        ]);
        // No endpoint crossed: the key is absent, so the negated condition holds and the Deny applies.
        let d = evaluate(&describe(), &p);
        assert_eq!(d.kind, DecisionKind::ExplicitDeny { by: PolicyType::Identity });
        assert_eq!(
            d.matched.iter().find(|m| m.effect == Effect::Deny).unwrap().sid.as_deref(),
            Some("OnlyThroughTheEndpoint")
        );
        // Through that endpoint: the Deny's condition fails, and explain can say which.
        let d = evaluate(&describe().with("aws:SourceVpce", "vpce-0a1b2c3d4e5f60718"), &p);
        assert!(d.allowed);
        assert_eq!(
            d.failed_conditions,
            vec![FailedCondition {
                policy: "role app / policy inline".into(),
                policy_type: PolicyType::Identity,
                statement: 0,
                effect: Effect::Deny,
                key: "aws:SourceVpce".into(),
                operator: "StringNotEquals".into(),
            }]
        );
        // Through another endpoint: denied.
        assert!(!evaluate(&describe().with("aws:SourceVpce", "vpce-1111"), &p).allowed);
        // The positive form fails on an absent key.
        assert!(!with_condition("Allow", r#"{"StringEquals": {"aws:SourceVpce": "vpce-1"}}"#, &describe()));
    }

    #[test]
    fn condition_keys_are_case_insensitive_values_case_sensitive() {
        let c = r#"{"StringEquals": {"AWS:sourcevpc": "vpc-ABC"}}"#;
        assert!(with_condition("Allow", c, &describe().with("aws:SourceVpc", "vpc-ABC")));
        assert!(!with_condition("Allow", c, &describe().with("aws:SourceVpc", "vpc-abc")));
        let c = r#"{"StringEqualsIgnoreCase": {"aws:SourceVpc": "vpc-ABC"}}"#;
        assert!(with_condition("Allow", c, &describe().with("aws:SourceVpc", "vpc-abc")));
        let c = r#"{"StringNotEqualsIgnoreCase": {"aws:SourceVpc": "vpc-ABC"}}"#;
        assert!(!with_condition("Allow", c, &describe().with("aws:SourceVpc", "vpc-abc")));
        // StringEquals has no wildcards; StringLike does.
        let req = describe().with("aws:SourceVpce", "vpce-123");
        assert!(!with_condition("Allow", r#"{"StringEquals": {"aws:SourceVpce": "vpce-*"}}"#, &req));
        assert!(with_condition("Allow", r#"{"StringLike": {"aws:SourceVpce": "vpce-*"}}"#, &req));
        assert!(!with_condition("Allow", r#"{"StringNotLike": {"aws:SourceVpce": "vpce-1?3"}}"#, &req));
        assert!(with_condition("Allow", r#"{"StringNotLike": {"aws:SourceVpce": "vpce-1?3"}}"#, &describe()));
    }

    #[test]
    fn if_exists() {
        let c = r#"{"StringEqualsIfExists": {"aws:SourceVpc": "vpc-1"}}"#;
        assert!(with_condition("Allow", c, &describe()));
        assert!(with_condition("Allow", c, &describe().with("aws:SourceVpc", "vpc-1")));
        assert!(!with_condition("Allow", c, &describe().with("aws:SourceVpc", "vpc-2")));
        // A Deny with a negated IfExists operator still applies to a request without the key.
        let c = r#"{"StringNotEqualsIfExists": {"aws:SourceVpc": "vpc-1"}}"#;
        assert!(with_condition("Deny", c, &describe()));
        assert!(!with_condition("Deny", c, &describe().with("aws:SourceVpc", "vpc-1")));
    }

    #[test]
    fn null_checks_presence() {
        let c = r#"{"Null": {"aws:SourceVpce": "true"}}"#;
        assert!(with_condition("Deny", c, &describe()));
        assert!(!with_condition("Deny", c, &describe().with("aws:SourceVpce", "vpce-1")));
        let c = r#"{"Null": {"aws:SourceVpce": false}}"#;
        assert!(with_condition("Allow", c, &describe().with("aws:SourceVpce", "vpce-1")));
        assert!(!with_condition("Allow", c, &describe()));
    }

    #[test]
    fn ip_address() {
        let c = r#"{"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}}"#;
        assert!(with_condition("Allow", c, &describe().with("aws:SourceIp", "203.0.113.10")));
        assert!(with_condition("Allow", c, &describe().with("aws:SourceIp", "2001:db8::1")));
        assert!(!with_condition("Allow", c, &describe().with("aws:SourceIp", "198.51.100.1")));
        assert!(!with_condition("Allow", c, &describe()));
        assert!(!with_condition("Allow", c, &describe().with("aws:SourceIp", "not-an-ip")));
        let one = r#"{"IpAddress": {"aws:SourceIp": "203.0.113.10"}}"#;
        assert!(with_condition("Allow", one, &describe().with("aws:SourceIp", "203.0.113.10")));
        let not = r#"{"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}"#;
        assert!(with_condition("Deny", not, &describe().with("aws:SourceIp", "203.0.113.10")));
        assert!(!with_condition("Deny", not, &describe().with("aws:SourceIp", "10.1.2.3")));
        // Through a VPC endpoint aws:SourceIp is absent: NotIpAddress holds.
        assert!(with_condition("Deny", not, &describe()));
    }

    #[test]
    fn arn_like() {
        let c = r#"{"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/app*"}}"#;
        assert!(with_condition("Allow", c, &describe().with("aws:PrincipalArn", ROLE)));
        assert!(!with_condition("Allow", c, &describe().with("aws:PrincipalArn", "arn:aws:iam::1:user/app")));
        // Each part on its own: a wildcard does not reach across a colon.
        let c = r#"{"ArnLike": {"aws:SourceArn": "arn:aws:*:us-east-1:123456789012:*"}}"#;
        assert!(with_condition(
            "Allow",
            c,
            &describe().with("aws:SourceArn", "arn:aws:ecs:us-east-1:123456789012:task/c/1")
        ));
        assert!(!with_condition(
            "Allow",
            c,
            &describe().with("aws:SourceArn", "arn:aws:ecs:eu-west-1:123456789012:task/c/1")
        ));
        let c = r#"{"ArnEquals": {"aws:SourceArn": "arn:aws:ecs:*:123456789012:*"}}"#;
        assert!(with_condition(
            "Allow",
            c,
            &describe().with("aws:SourceArn", "arn:aws:ecs:us-east-1:123456789012:task/c/1")
        ));
        assert!(!with_condition("Allow", c, &describe().with("aws:SourceArn", "not-an-arn")));
        let c = r#"{"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin"}}"#;
        assert!(with_condition("Deny", c, &describe().with("aws:PrincipalArn", ROLE)));
        assert!(with_condition("Deny", c, &describe()));
    }

    #[test]
    fn bool_secure_transport() {
        let c = r#"{"Bool": {"aws:SecureTransport": "false"}}"#;
        assert!(with_condition("Deny", c, &describe().with("aws:SecureTransport", "false")));
        assert!(!with_condition("Deny", c, &describe().with("aws:SecureTransport", "true")));
        let c = r#"{"Bool": {"aws:SecureTransport": false}}"#;
        assert!(with_condition("Deny", c, &describe().with("aws:SecureTransport", "FALSE")));
    }

    #[test]
    fn numeric() {
        let c = r#"{"NumericLessThanEquals": {"s3:max-keys": "10"}}"#;
        assert!(with_condition("Allow", c, &describe().with("s3:max-keys", "10")));
        assert!(!with_condition("Allow", c, &describe().with("s3:max-keys", "11")));
        assert!(!with_condition("Allow", c, &describe().with("s3:max-keys", "ten")));
        assert!(with_condition("Allow", r#"{"NumericNotEquals": {"s3:max-keys": 10}}"#, &describe()));
    }

    #[test]
    fn set_operators() {
        let tags = |v: &[&str]| v.iter().fold(describe(), |r, t| r.with("aws:TagKeys", t));
        let any = r#"{"ForAnyValue:StringEquals": {"aws:TagKeys": ["env", "team"]}}"#;
        assert!(with_condition("Allow", any, &tags(&["env", "other"])));
        assert!(!with_condition("Allow", any, &tags(&["other"])));
        assert!(!with_condition("Allow", any, &describe()));
        let all = r#"{"ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team"]}}"#;
        assert!(with_condition("Allow", all, &tags(&["env", "team"])));
        assert!(!with_condition("Allow", all, &tags(&["env", "other"])));
        // ForAllValues holds on an absent key (no value fails).
        assert!(with_condition("Allow", all, &describe()));
        let none = r#"{"ForAllValues:StringNotEquals": {"aws:TagKeys": ["secret"]}}"#;
        assert!(with_condition("Allow", none, &tags(&["env", "team"])));
        assert!(!with_condition("Allow", none, &tags(&["env", "secret"])));
        let any_not = r#"{"ForAnyValue:StringNotLike": {"aws:TagKeys": "e*"}}"#;
        assert!(with_condition("Allow", any_not, &tags(&["env", "team"])));
        assert!(!with_condition("Allow", any_not, &tags(&["env"])));
        assert!(!with_condition("Allow", any_not, &describe()));
    }

    #[test]
    fn keys_and_values_and_or() {
        let c = r#"{"StringEquals": {"aws:SourceVpc": ["vpc-1", "vpc-2"], "aws:SourceVpce": "vpce-1"},
                    "Bool": {"aws:SecureTransport": "true"}}"#;
        let ok = describe()
            .with("aws:SourceVpc", "vpc-2")
            .with("aws:SourceVpce", "vpce-1")
            .with("aws:SecureTransport", "true");
        assert!(with_condition("Allow", c, &ok));
        let mut other_vpc = ok.clone();
        other_vpc.context.insert("aws:SourceVpc".into(), vec!["vpc-3".into()]);
        assert!(!with_condition("Allow", c, &other_vpc));
        let mut plain = ok.clone();
        plain.context.insert("aws:SecureTransport".into(), vec!["false".into()]);
        assert!(!with_condition("Allow", c, &plain));
        // Every failing condition is reported, not only the first.
        let p = ids(vec![identity(&format!(
            r#"{{"Statement": {{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {c}}}}}"#
        ))]);
        let d = evaluate(&describe(), &p);
        let keys: Vec<_> = d.failed_conditions.iter().map(|f| (f.operator.as_str(), f.key.as_str())).collect();
        assert_eq!(
            keys,
            vec![
                ("StringEquals", "aws:SourceVpc"),
                ("StringEquals", "aws:SourceVpce"),
                ("Bool", "aws:SecureTransport")
            ]
        );
    }

    #[test]
    fn not_principal_skips_only_a_fully_listed_caller() {
        let p = |listed: &str| Policies {
            identity: vec![allow("*", "*")],
            resource: Some(resource(&format!(
                r#"{{"Statement": [{{"Effect": "Deny", "NotPrincipal": {{"AWS": [{listed}]}}, "Action": "ecr:*", "Resource": "*"}}]}}"#
            ))),
            ..Default::default()
        };
        let all = format!(r#""{SESSION}", "{ROLE}", "arn:aws:iam::{ACCT}:root""#);
        assert_eq!(kind(&describe(), &p(&all)), DecisionKind::Allowed);
        // The session alone: its role and account are still denied, so it is (AWS's warning).
        let only = format!(r#""{SESSION}""#);
        assert_eq!(kind(&describe(), &p(&only)), DecisionKind::ExplicitDeny { by: PolicyType::Resource });
        let other = r#""arn:aws:iam::123456789012:role/other""#;
        assert_eq!(kind(&describe(), &p(other)), DecisionKind::ExplicitDeny { by: PolicyType::Resource });
    }

    #[test]
    fn policy_variables() {
        let p = ids(vec![identity(
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:username}/*"}}"#,
        )]);
        let get = |key: &str| Request::new(SESSION, "s3:GetObject", &format!("arn:aws:s3:::b/{key}"));
        assert!(evaluate(&get("alice/x").with("aws:username", "alice"), &p).allowed);
        assert!(!evaluate(&get("bob/x").with("aws:username", "alice"), &p).allowed);
        assert!(!evaluate(&get("alice/x"), &p).allowed, "no value: matches nothing");
        // 2008-10-17 takes the text literally.
        let old = ids(vec![identity(
            r#"{"Version": "2008-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:username}/*"}}"#,
        )]);
        assert!(evaluate(&get("${aws:username}/x").with("aws:username", "alice"), &old).allowed);
        // ${*} is a literal star; a default stands in for an absent key.
        let star = ids(vec![identity(
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${*}/${aws:username, 'anon'}"}}"#,
        )]);
        assert!(evaluate(&get("*/anon"), &star).allowed);
        assert!(!evaluate(&get("x/anon"), &star).allowed);
        let c = r#"{"StringEquals": {"aws:PrincipalTag/team": "${aws:RequestTag/team}"}}"#;
        let req = describe().with("aws:PrincipalTag/team", "web").with("aws:RequestTag/team", "web");
        assert!(with_condition("Allow", c, &req));
    }

    #[test]
    fn managed_policies_evaluate_as_on_aws() {
        let managed = |name: &str| {
            let json = managed_policy(name).unwrap();
            policy(&format!("role app / {name}"), PolicyKind::Identity, json)
        };
        // The execution role's policy pulls images but cannot describe them.
        let exec = ids(vec![managed("AmazonECSTaskExecutionRolePolicy")]);
        assert!(evaluate(&Request::new(SESSION, "ecr:BatchGetImage", REPO), &exec).allowed);
        let d = evaluate(&describe(), &exec);
        assert_eq!(
            denial_message(ServiceStyle::Json, &d, SESSION, "ecr:DescribeImages", REPO),
            "User: arn:aws:sts::123456789012:assumed-role/app/task-1 is not authorized to perform: ecr:DescribeImages on resource: arn:aws:ecr:ap-northeast-1:123456789012:repository/web because no identity-based policy allows the ecr:DescribeImages action"
        );
        let d = evaluate(&describe(), &ids(vec![managed("AmazonEC2ContainerRegistryReadOnly")]));
        assert!(d.allowed);
        assert_eq!(d.matched[0].policy, "role app / AmazonEC2ContainerRegistryReadOnly");
        // The instance role may list tags of tasks only.
        let ec2 = ids(vec![managed("arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role")]);
        let tags = |r: &str| Request::new(SESSION, "ecs:ListTagsForResource", r);
        assert!(evaluate(&tags("arn:aws:ecs:us-east-1:123456789012:task/c/0123"), &ec2).allowed);
        assert!(!evaluate(&tags("arn:aws:ecs:us-east-1:123456789012:cluster/c"), &ec2).allowed);
    }

    #[test]
    fn denial_messages_in_aws_words() {
        let d = |kind| Decision { allowed: false, kind, matched: vec![], failed_conditions: vec![] };
        let msg = |kind| denial_message(ServiceStyle::Json, &d(kind), SESSION, "ecr:DescribeImages", REPO);
        let head = format!("User: {SESSION} is not authorized to perform: ecr:DescribeImages on resource: {REPO} ");
        use DecisionKind::*;
        use PolicyType::*;
        let cases = [
            (
                ImplicitDeny { missing: Identity },
                "because no identity-based policy allows the ecr:DescribeImages action",
            ),
            (
                ImplicitDeny { missing: Resource },
                "because no resource-based policy allows the ecr:DescribeImages action",
            ),
            (ImplicitDeny { missing: Endpoint }, "because no VPC endpoint policy allows the ecr:DescribeImages action"),
            (
                ImplicitDeny { missing: Boundary },
                "because no permissions boundary allows the ecr:DescribeImages action",
            ),
            (ExplicitDeny { by: Identity }, "with an explicit deny in an identity-based policy"),
            (ExplicitDeny { by: Resource }, "with an explicit deny in a resource-based policy"),
            (ExplicitDeny { by: Endpoint }, "with an explicit deny in a VPC endpoint policy"),
            (ExplicitDeny { by: Boundary }, "with an explicit deny in a permissions boundary"),
        ];
        for (k, tail) in cases {
            assert_eq!(msg(k), format!("{head}{tail}"));
        }
        // No resource: no "on resource".
        assert_eq!(
            denial_message(
                ServiceStyle::Json,
                &d(ImplicitDeny { missing: Endpoint }),
                SESSION,
                "ecr:GetAuthorizationToken",
                ""
            ),
            format!(
                "User: {SESSION} is not authorized to perform: ecr:GetAuthorizationToken because no VPC endpoint policy allows the ecr:GetAuthorizationToken action"
            )
        );
        assert_eq!(
            denial_message(
                ServiceStyle::S3,
                &d(ExplicitDeny { by: Resource }),
                SESSION,
                "s3:GetObject",
                "arn:aws:s3:::b/k"
            ),
            format!(
                "User: {SESSION} is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::b/k\" with an explicit deny in a resource-based policy"
            )
        );
        let list = denial_message(
            ServiceStyle::S3,
            &d(ImplicitDeny { missing: Identity }),
            SESSION,
            "s3:ListAllMyBuckets",
            "*",
        );
        assert_eq!(
            list,
            format!(
                "User: {SESSION} is not authorized to perform: s3:ListAllMyBuckets because no identity-based policy allows the s3:ListAllMyBuckets action"
            )
        );
        let other = "arn:aws:sts::999999999999:assumed-role/r/s";
        let d3 = d(ImplicitDeny { missing: Resource });
        assert_eq!(denial_message(ServiceStyle::S3, &d3, other, "s3:GetObject", "arn:aws:s3:::b/k"), "Access Denied");
        assert_eq!(ServiceStyle::of_action("S3:GetObject"), ServiceStyle::S3);
        assert_eq!(ServiceStyle::of_action("ecr:BatchGetImage"), ServiceStyle::Json);
        let ok = Decision { allowed: true, kind: Allowed, matched: vec![], failed_conditions: vec![] };
        assert_eq!(denial_message(ServiceStyle::Json, &ok, SESSION, "ecr:DescribeImages", REPO), "");
    }

    #[test]
    fn trust_policies_evaluate_as_resource_policies() {
        let trust = policy(
            "role app / trust",
            PolicyKind::Trust,
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}"#,
        );
        let p = Policies { resource: Some(trust), ..Default::default() };
        let req = Request::new("ecs-tasks.amazonaws.com", "sts:AssumeRole", ROLE);
        assert!(evaluate(&req, &p).allowed);
        assert!(!evaluate(&Request::new("ec2.amazonaws.com", "sts:AssumeRole", ROLE), &p).allowed);
        // A role's trust, with the keys the service sends: ECS's confused-deputy condition holds.
        use crate::scenario::role::Role;
        let r =
            |doc: &str| Role { name: "app".into(), assume_role_policy_document: Some(doc.into()), ..Role::default() };
        let guarded = r(
            r#"{"Statement": [{"Effect": "Allow", "Principal": {"Service": ["ecs-tasks.amazonaws.com"]}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}, "ArnLike": {"aws:SourceArn": "arn:aws:ecs:ap-northeast-1:123456789012:*"}}}]}"#,
        );
        let task = "arn:aws:ecs:ap-northeast-1:123456789012:task/c/0123";
        assert!(trusts(&guarded, ACCT, "ecs-tasks.amazonaws.com", Some(task)));
        assert!(!trusts(&guarded, "999999999999", "ecs-tasks.amazonaws.com", Some(task)));
        assert!(!trusts(&guarded, ACCT, "ec2.amazonaws.com", None));
        assert!(
            trusts(&Role { name: "app".into(), ..Role::default() }, ACCT, "ec2.amazonaws.com", None),
            "the default"
        );
    }

    #[test]
    fn helpers() {
        assert_eq!(role_arn_of_session(SESSION).as_deref(), Some(ROLE));
        assert_eq!(role_arn_of_session(ROLE), None);
        assert_eq!(role_arn_of_session("garbage"), None);
        let t = |p: &str| tokens(p, true, None).unwrap();
        let s = |x: &str| x.chars().collect::<Vec<_>>();
        assert!(glob(&t("a*b*c"), &s("aXbYbZc")));
        assert!(glob(&t("*"), &s("")));
        assert!(!glob(&t("?"), &s("")));
        assert!(glob(&t("**a"), &s("a")));
        assert!(!glob(&t("a*b"), &s("aXbY")));
        // Long inputs stay cheap (no exponential backtracking).
        let long = "a".repeat(2000);
        assert!(!glob(&t(&format!("{}b", "*a".repeat(50))), &s(&long)));
    }
}
