//! IAM policy documents: the JSON grammar of identity-based, resource-based, role trust and VPC
//! endpoint policies, parsed into typed statements and checked as IAM checks them. Every problem
//! stands at its line and column in the JSON text (the caller adds where that text is in the
//! scenario file) and is worded as IAM's API or IAM Access Analyzer's policy checks word it.
//! What a policy allows is `analyze::iam`'s job.

use super::json;
use super::names::short;
use crate::i18n::tr;
use marked_yaml::Node;
use marked_yaml::types::MarkedScalarNode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// A policy needs 7 levels (document, Statement, statement, Condition, operator, key, values).
const MAX_DEPTH: usize = 16;

/// The policy language versions IAM accepts; the first is the current one.
pub const VERSIONS: [&str; 2] = ["2012-10-17", "2008-10-17"];

/// Where a policy is attached, which decides whether it names principals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PolicyKind {
    /// Attached to a role or user (and permissions boundaries): no Principal.
    Identity,
    /// Attached to a resource (an S3 bucket, a Secrets Manager secret): Principal required.
    Resource,
    /// An ECR repository's policy: Principal required; Resource may be left out, as ECR's own
    /// examples leave it out (the repository is the resource).
    Repository,
    /// A role's trust policy: Principal required, no NotPrincipal, no Resource.
    Trust,
    /// A VPC endpoint's policy: Principal required.
    Endpoint,
}

/// A problem at a 1-based line and column of the JSON text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyError {
    pub line: usize,
    pub col: usize,
    pub message: String,
    pub help: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyDocument {
    pub version: Option<String>,
    pub id: Option<String>,
    pub statements: Vec<Statement>,
}

impl PolicyDocument {
    /// Policy variables (`${aws:username}`) are substituted only in the 2012-10-17 language.
    pub fn has_variables(&self) -> bool {
        self.version.as_deref() == Some(VERSIONS[0])
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Effect {
    Allow,
    Deny,
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        })
    }
}

/// An element or its `Not` form: Principal/NotPrincipal, Action/NotAction, Resource/NotResource.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Element<T> {
    Is(T),
    Not(T),
}

impl<T> Element<T> {
    pub fn value(&self) -> &T {
        match self {
            Element::Is(v) | Element::Not(v) => v,
        }
    }
    pub fn is_not(&self) -> bool {
        matches!(self, Element::Not(_))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PrincipalType {
    Aws,
    Service,
    Federated,
    CanonicalUser,
}

impl PrincipalType {
    pub fn name(self) -> &'static str {
        match self {
            PrincipalType::Aws => "AWS",
            PrincipalType::Service => "Service",
            PrincipalType::Federated => "Federated",
            PrincipalType::CanonicalUser => "CanonicalUser",
        }
    }
    fn from_name(s: &str) -> Option<Self> {
        [PrincipalType::Aws, PrincipalType::Service, PrincipalType::Federated, PrincipalType::CanonicalUser]
            .into_iter()
            .find(|t| t.name() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Principal {
    /// `"Principal": "*"`.
    Any,
    /// `{"AWS": [...], "Service": "...", ...}`, each one string or many.
    Map(BTreeMap<PrincipalType, Vec<String>>),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub principal: Option<Element<Principal>>,
    pub action: Element<Vec<String>>,
    /// None only in trust policies (the resource is the role).
    pub resource: Option<Element<Vec<String>>>,
    /// One entry per operator and key; all must hold.
    pub condition: Vec<Condition>,
    /// Where the statement's `{` is in the JSON text.
    pub line: usize,
    pub col: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    pub operator: Operator,
    pub key: String,
    /// Any one may match; booleans and numbers kept as written.
    pub values: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operator {
    pub set: Option<SetOperator>,
    pub base: BaseOperator,
    pub if_exists: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SetOperator {
    ForAnyValue,
    ForAllValues,
}

macro_rules! base_operators {
    ($($op:ident),+ $(,)?) => {
        /// IAM's condition operators, without prefix or `IfExists`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
        pub enum BaseOperator { $($op),+ }
        impl BaseOperator {
            pub const ALL: &[BaseOperator] = &[$(BaseOperator::$op),+];
            pub fn name(self) -> &'static str {
                match self { $(BaseOperator::$op => stringify!($op)),+ }
            }
        }
    };
}

base_operators!(
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
);

impl BaseOperator {
    /// The negated operators hold when the key is absent (IAM: "If the policy condition
    /// requires that the key is not matched ... and the right key is not present, the
    /// condition is true").
    pub fn negated(self) -> bool {
        use BaseOperator::*;
        matches!(
            self,
            StringNotEquals
                | StringNotEqualsIgnoreCase
                | StringNotLike
                | NumericNotEquals
                | DateNotEquals
                | NotIpAddress
                | ArnNotEquals
                | ArnNotLike
        )
    }
}

impl Operator {
    /// `ForAnyValue:StringLikeIfExists` and the like (names are case-sensitive, as in IAM).
    pub fn parse(s: &str) -> Option<Operator> {
        let (set, rest) = if let Some(r) = s.strip_prefix("ForAnyValue:") {
            (Some(SetOperator::ForAnyValue), r)
        } else if let Some(r) = s.strip_prefix("ForAllValues:") {
            (Some(SetOperator::ForAllValues), r)
        } else {
            (None, s)
        };
        let (if_exists, base) = match rest.strip_suffix("IfExists") {
            Some(b) => (true, b),
            None => (false, rest),
        };
        let base = BaseOperator::ALL.iter().copied().find(|o| o.name() == base)?;
        Some(Operator { set, base, if_exists })
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.set {
            Some(SetOperator::ForAnyValue) => f.write_str("ForAnyValue:")?,
            Some(SetOperator::ForAllValues) => f.write_str("ForAllValues:")?,
            None => {}
        }
        f.write_str(self.base.name())?;
        if self.if_exists {
            f.write_str("IfExists")?;
        }
        Ok(())
    }
}

const TOP: &[&str] = &["Version", "Id", "Statement"];
const STATEMENT: &[&str] =
    &["Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"];

/// Parse and check a policy document; every problem found, in text order.
pub fn parse_policy(text: &str, kind: PolicyKind) -> Result<PolicyDocument, Vec<PolicyError>> {
    let root = match json::parse(text, MAX_DEPTH) {
        Ok(n) => n,
        Err(e) => return Err(vec![PolicyError { line: e.line, col: e.col, message: e.message, help: e.help }]),
    };
    let mut c = Checker { kind, errors: vec![] };
    let doc = c.document(&root);
    c.errors.sort_by_key(|e| (e.line, e.col));
    match doc {
        Some(d) if c.errors.is_empty() => Ok(d),
        _ => Err(c.errors),
    }
}

/// A policy written as a string in the scenario (`policyDocument: |`), parsed for `kind`; each
/// error is reported at its place in the file, as IAM words it.
pub(crate) fn read_policy(
    cx: &mut super::walk::Reader,
    p: &super::Located<String>,
    kind: PolicyKind,
) -> Option<PolicyDocument> {
    match parse_policy(&p.value, kind) {
        Ok(d) => Some(d),
        Err(errs) => {
            let place = Placement::of(cx.source.as_deref(), p.loc.line, p.loc.col);
            for e in errs {
                let (line, col) = place.map(e.line, e.col);
                let loc = cx.at(line, col);
                cx.err(&loc, e.message, e.help);
            }
            None
        }
    }
}

/// Where a YAML string's text sits in its file, to map a (line, column) inside the string.
#[derive(Debug, PartialEq, Eq)]
enum Placement {
    /// `key: |` or `key: >`: the text starts on the next line, at `indent` + 1.
    Block { line: usize, indent: usize },
    /// On the value's own line: quoted (`"{...}"`) or plain, from `col`.
    Inline { line: usize, col: usize },
}

impl Placement {
    fn of(source: Option<&str>, line: usize, col: usize) -> Placement {
        let Some(src) = source else { return Placement::Inline { line, col } };
        let mut lines = src.lines().skip(line.saturating_sub(1));
        let this = lines.next().unwrap_or("");
        let here: String = this.chars().skip(col.saturating_sub(1)).collect();
        // The YAML reader places a block string at its text's first line, after its indentation,
        // when the line above ends with the `|` or `>` header (`|-`, `>+`, `|2` too).
        let before_blank = this.chars().take(col.saturating_sub(1)).all(char::is_whitespace);
        let above = line.checked_sub(2).and_then(|i| src.lines().nth(i)).unwrap_or("");
        let header = above.trim_end().rsplit(' ').next().unwrap_or("");
        let is_header =
            header.starts_with(['|', '>']) && header[1..].chars().all(|c| c == '-' || c == '+' || c.is_ascii_digit());
        if line > 1 && before_blank && is_header {
            return Placement::Block { line: line - 1, indent: col.saturating_sub(1) };
        }
        match here.chars().next() {
            Some('|' | '>') => {
                let next = lines.find(|l| !l.trim().is_empty()).unwrap_or("");
                Placement::Block { line, indent: next.len() - next.trim_start().len() }
            }
            Some('"' | '\'') => Placement::Inline { line, col: col + 1 },
            _ => Placement::Inline { line, col },
        }
    }

    /// The file's (line, column) of the string's (line, column), both 1-based.
    fn map(&self, l: usize, c: usize) -> (usize, usize) {
        match *self {
            Placement::Block { line, indent } => (line + l, indent + c),
            Placement::Inline { line, col } if l == 1 => (line, col + c - 1),
            Placement::Inline { line, .. } => (line + l - 1, c),
        }
    }
}

type At = (usize, usize);

/// `Action` is the element, `NotAction` its complement (and so for Principal and Resource).
fn element<T>(key: &str, positive: &str, v: T) -> Element<T> {
    if key == positive { Element::Is(v) } else { Element::Not(v) }
}

fn at(n: &Node) -> At {
    n.span().start().map_or((1, 1), |m| (m.line(), m.column()))
}

fn key_at(k: &MarkedScalarNode) -> At {
    k.span().start().map_or((1, 1), |m| (m.line(), m.column()))
}

/// A JSON string (not a number, boolean or null, which the JSON parser leaves coercible).
fn string(n: &Node) -> Option<&str> {
    n.as_scalar().filter(|s| !s.may_coerce()).map(|s| s.as_str())
}

struct Checker {
    kind: PolicyKind,
    errors: Vec<PolicyError>,
}

impl Checker {
    fn err(&mut self, (line, col): At, message: String, help: String) {
        self.errors.push(PolicyError { line, col, message, help });
    }

    fn mismatch(&mut self, n: &Node, data_type: &str, example: &str) {
        self.err(
            at(n),
            tr!(
                "iam-type",
                "Data type mismatch: The text does not match the expected JSON data type { $data_type }.",
                data_type = data_type
            ),
            tr!("iam-type-help", "write { $example } here", example = example),
        );
    }

    fn unknown(&mut self, k: &MarkedScalarNode, valid: &[&str]) {
        let help = match valid.iter().find(|v| v.eq_ignore_ascii_case(k.as_str())) {
            Some(v) => tr!("iam-element-case-help", "element names are case-sensitive: write { $name }", name = v),
            None => tr!("iam-element-help", "the elements here are { $names }", names = valid.join(", ")),
        };
        self.err(
            key_at(k),
            tr!(
                "iam-element",
                "Invalid policy element: The policy element { $element } is not valid.",
                element = short(k.as_str())
            ),
            help,
        );
    }

    /// Records the first of a pair (Action or NotAction...) in `seen`; the second is an error.
    fn first<'k>(&mut self, seen: &mut Option<&'k str>, k: &'k MarkedScalarNode) -> bool {
        match *seen {
            Some(first) => {
                self.combination(k, first);
                false
            }
            None => {
                *seen = Some(k.as_str());
                true
            }
        }
    }

    fn combination(&mut self, k: &MarkedScalarNode, first: &str) {
        self.err(
            key_at(k),
            tr!(
                "iam-combination",
                "Unsupported element combination: The policy elements { $first } and { $second } can not be used in the same statement. Remove one of these elements.",
                first = first,
                second = k.as_str()
            ),
            tr!("iam-combination-help", "keep one of them"),
        );
    }

    fn document(&mut self, root: &Node) -> Option<PolicyDocument> {
        let Some(m) = root.as_mapping() else {
            self.mismatch(root, "Object", "{\"Version\": \"2012-10-17\", \"Statement\": [...]}");
            return None;
        };
        let (mut version, mut id, mut statements) = (None, None, None);
        for (k, v) in m.iter() {
            match k.as_str() {
                "Version" => match string(v) {
                    Some(s) if VERSIONS.contains(&s) => version = Some(s.to_string()),
                    Some(s) => self.err(
                        at(v),
                        tr!(
                            "iam-version",
                            "Invalid version: The version { $version } is not valid. Use one of the following versions: 2012-10-17, 2008-10-17",
                            version = short(s)
                        ),
                        tr!("iam-version-help", "write \"Version\": \"2012-10-17\", the current policy language"),
                    ),
                    None => self.mismatch(v, "String", "\"2012-10-17\""),
                },
                "Id" => match string(v) {
                    Some(s) => id = Some(s.to_string()),
                    None => self.mismatch(v, "String", "\"my-policy\""),
                },
                "Statement" => statements = Some(self.statements(v)),
                _ => self.unknown(k, TOP),
            }
        }
        let statements = match statements {
            Some(s) => s?,
            None => {
                self.missing_statement(root);
                return None;
            }
        };
        self.unique_sids(&statements);
        Some(PolicyDocument { version, id, statements })
    }

    fn missing_statement(&mut self, n: &Node) {
        self.err(
            at(n),
            tr!("iam-statement-missing", "Missing statement: Add a statement to the policy"),
            tr!(
                "iam-statement-missing-help",
                "add a Statement list with at least one statement (Effect, Action, Resource)"
            ),
        );
    }

    /// `Statement`: one object or a list of them. None when any is not understood.
    fn statements(&mut self, v: &Node) -> Option<Vec<Statement>> {
        let items: Vec<&Node> = match v {
            Node::Mapping(_) => vec![v],
            Node::Sequence(s) => s.iter().collect(),
            Node::Scalar(_) => {
                self.mismatch(v, "Array", "[{\"Effect\": \"Allow\", \"Action\": \"...\", \"Resource\": \"*\"}]");
                return None;
            }
        };
        if items.is_empty() {
            self.missing_statement(v);
            return None;
        }
        let parsed: Vec<Option<Statement>> = items.into_iter().map(|s| self.statement(s)).collect();
        parsed.into_iter().collect()
    }

    fn statement(&mut self, n: &Node) -> Option<Statement> {
        let Some(m) = n.as_mapping() else {
            self.mismatch(n, "Object", "{\"Effect\": \"Allow\", \"Action\": \"...\", \"Resource\": \"*\"}");
            return None;
        };
        let kind = self.kind;
        let mut ok = true;
        let (mut sid, mut effect, mut principal, mut action, mut resource, mut condition) =
            (None, None, None, None, None, vec![]);
        // The first of each pair seen, for "can not be used in the same statement".
        let (mut principal_key, mut action_key, mut resource_key): (Option<&str>, Option<&str>, Option<&str>) =
            (None, None, None);
        let effect_seen = m.get_node("Effect").is_some();
        for (k, v) in m.iter() {
            let key = k.as_str();
            match key {
                "Sid" => match string(v) {
                    Some(s) => {
                        let iam = matches!(kind, PolicyKind::Identity | PolicyKind::Trust);
                        if iam && !s.chars().all(|c| c.is_ascii_alphanumeric()) {
                            self.err(
                                at(v),
                                tr!(
                                    "iam-sid",
                                    "Unsupported Sid: Update the characters in the Sid element to use one of the following character types: [a-z, A-Z, 0-9]"
                                ),
                                tr!("iam-sid-help", "IAM statement IDs take letters and digits only"),
                            );
                        }
                        sid = Some(s.to_string());
                    }
                    None => {
                        self.mismatch(v, "String", "\"AllowPull\"");
                        ok = false;
                    }
                },
                "Effect" => match self.effect(v) {
                    Some(e) => effect = Some(e),
                    None => ok = false,
                },
                "Principal" | "NotPrincipal" => {
                    if !self.first(&mut principal_key, k) {
                        ok = false;
                        continue;
                    }
                    if !self.principal_allowed(k, key) {
                        ok = false;
                        continue;
                    }
                    match self.principal(v) {
                        Some(p) => principal = Some(element(key, "Principal", p)),
                        None => ok = false,
                    }
                }
                "Action" | "NotAction" => {
                    if !self.first(&mut action_key, k) {
                        ok = false;
                        continue;
                    }
                    match self.actions(v) {
                        Some(a) => action = Some(element(key, "Action", a)),
                        None => ok = false,
                    }
                }
                "Resource" | "NotResource" => {
                    if !self.first(&mut resource_key, k) {
                        ok = false;
                        continue;
                    }
                    if !self.resource_allowed(k) {
                        ok = false;
                        continue;
                    }
                    match self.resources(v) {
                        Some(r) => resource = Some(element(key, "Resource", r)),
                        None => ok = false,
                    }
                }
                "Condition" => match self.conditions(v) {
                    Some(c) => condition = c,
                    None => ok = false,
                },
                _ => {
                    self.unknown(k, STATEMENT);
                    ok = false;
                }
            }
        }
        let here = at(n);
        ok &= self.complete(here, effect_seen, (principal_key.is_some(), action_key.is_some(), resource_key.is_some()));
        if !ok {
            return None;
        }
        Some(Statement {
            sid,
            effect: effect?,
            principal,
            action: action?,
            resource,
            condition,
            line: here.0,
            col: here.1,
        })
    }

    /// `"Effect": "Allow"` or `"Deny"`, exactly.
    fn effect(&mut self, v: &Node) -> Option<Effect> {
        match string(v) {
            Some("Allow") => Some(Effect::Allow),
            Some("Deny") => Some(Effect::Deny),
            Some(s) => {
                self.err(
                    at(v),
                    tr!(
                        "iam-effect",
                        "Invalid effect: The effect { $effect } is not valid. Use Allow or Deny.",
                        effect = short(s)
                    ),
                    tr!("iam-effect-help", "write Allow or Deny, with a capital letter"),
                );
                None
            }
            None => {
                self.mismatch(v, "String", "\"Allow\"");
                None
            }
        }
    }

    /// Whether Principal (or NotPrincipal, `key`) may be written in this kind of policy.
    fn principal_allowed(&mut self, k: &MarkedScalarNode, key: &str) -> bool {
        if self.kind == PolicyKind::Identity {
            self.err(
                key_at(k),
                tr!("iam-principal-identity", "Policy document should not specify a principal."),
                tr!(
                    "iam-principal-identity-help",
                    "an identity-based policy applies to the role or user it is attached to: remove it, and name principals in a trust or resource-based policy"
                ),
            );
            return false;
        }
        if self.kind == PolicyKind::Trust && key == "NotPrincipal" {
            self.err(
                key_at(k),
                tr!(
                    "iam-trust-notprincipal",
                    "Role trust policy syntax error notprincipal: Role trust policies do not support NotPrincipal. Update the policy to use a Principal element instead."
                ),
                tr!("iam-trust-notprincipal-help", "name who may assume the role in Principal"),
            );
            return false;
        }
        true
    }

    /// Whether Resource or NotResource may be written in this kind of policy.
    fn resource_allowed(&mut self, k: &MarkedScalarNode) -> bool {
        if self.kind == PolicyKind::Trust {
            self.err(
                key_at(k),
                tr!(
                    "iam-trust-resource",
                    "Role trust policy syntax error resource: Role trust policies apply to the role that they are attached to. You cannot specify a resource. Remove the Resource or NotResource element."
                ),
                tr!("iam-trust-resource-help", "remove it: the resource of a trust policy is its role"),
            );
            return false;
        }
        true
    }

    /// The elements every statement needs for its kind (Effect; Principal outside identity
    /// policies; Action; Resource outside trust policies), each missing one reported at `here`.
    fn complete(&mut self, here: At, effect_seen: bool, (principal, action, resource): (bool, bool, bool)) -> bool {
        let mut ok = true;
        if !effect_seen {
            self.err(
                here,
                tr!(
                    "iam-effect-missing",
                    "Missing effect: Add an Effect element to the policy statement with a value of Allow or Deny."
                ),
                tr!("iam-effect-missing-help", "add \"Effect\": \"Allow\" or \"Effect\": \"Deny\""),
            );
        }
        if !principal && self.kind != PolicyKind::Identity {
            self.err(
                here,
                tr!("iam-principal-missing", "Missing principal: Add a Principal element to the policy statement."),
                match self.kind {
                    PolicyKind::Trust => {
                        tr!("iam-principal-missing-trust-help", "add \"Principal\": {\"Service\": \"ecs-tasks.amazonaws.com\"}")
                    }
                    _ => tr!(
                        "iam-principal-missing-help",
                        "add \"Principal\": \"*\" (everyone, narrowed by conditions) or {\"AWS\": \"arn:aws:iam::ACCOUNT:role/NAME\"}"
                    ),
                },
            );
            ok = false;
        }
        if !action {
            self.err(
                here,
                tr!(
                    "iam-action-missing",
                    "Missing action: Add an Action or NotAction element to the policy statement."
                ),
                tr!(
                    "iam-action-missing-help",
                    "add \"Action\": \"SERVICE:ACTION\", for example \"ecr:DescribeImages\""
                ),
            );
            ok = false;
        }
        if !resource && !matches!(self.kind, PolicyKind::Trust | PolicyKind::Repository) {
            self.err(
                here,
                tr!(
                    "iam-resource-missing",
                    "Missing resource: Add a Resource or NotResource element to the policy statement."
                ),
                tr!("iam-resource-missing-help", "add \"Resource\": \"*\" or the ARN of the resource"),
            );
            ok = false;
        }
        ok
    }

    /// IAM-stored policies (identity, trust) need unique statement IDs.
    fn unique_sids(&mut self, statements: &[Statement]) {
        if !matches!(self.kind, PolicyKind::Identity | PolicyKind::Trust) {
            return;
        }
        let mut seen: BTreeMap<&str, &Statement> = BTreeMap::new();
        for s in statements {
            let Some(sid) = s.sid.as_deref().filter(|x| !x.is_empty()) else { continue };
            if let Some(first) = seen.insert(sid, s) {
                self.err(
                    (s.line, s.col),
                    tr!("iam-sid-duplicate", "Statement IDs (SID) in a single policy must be unique."),
                    tr!(
                        "iam-sid-duplicate-help",
                        "rename this statement's Sid: the statement at line { $line } has it too",
                        line = first.line
                    ),
                );
            }
        }
    }

    /// One string or a list of strings, each with its place.
    fn strings<'n>(&mut self, v: &'n Node, example: &str) -> Option<Vec<(&'n str, At)>> {
        match v {
            Node::Scalar(_) => match string(v) {
                Some(s) => Some(vec![(s, at(v))]),
                None => {
                    self.mismatch(v, "String", example);
                    None
                }
            },
            Node::Sequence(items) => {
                let mut out = vec![];
                let mut ok = true;
                for i in items.iter() {
                    match string(i) {
                        Some(s) => out.push((s, at(i))),
                        None => {
                            self.mismatch(i, "String", example);
                            ok = false;
                        }
                    }
                }
                ok.then_some(out)
            }
            Node::Mapping(_) => {
                self.mismatch(v, "Array", &format!("[{example}]"));
                None
            }
        }
    }

    fn principal(&mut self, v: &Node) -> Option<Principal> {
        let format_error = |c: &mut Checker| {
            c.err(
                at(v),
                tr!(
                    "iam-principal-format",
                    "Invalid principal format: The Principal element contents are not valid. Specify a key-value pair in the Principal element."
                ),
                tr!(
                    "iam-principal-format-help",
                    "write \"*\" or a map such as {\"AWS\": \"arn:aws:iam::ACCOUNT:role/NAME\"} or {\"Service\": \"ecs-tasks.amazonaws.com\"}"
                ),
            );
        };
        match v {
            Node::Scalar(_) if string(v) == Some("*") => Some(Principal::Any),
            Node::Mapping(m) => {
                let mut map = BTreeMap::new();
                let mut ok = true;
                for (k, pv) in m.iter() {
                    let Some(t) = PrincipalType::from_name(k.as_str()) else {
                        self.err(
                            key_at(k),
                            tr!(
                                "iam-principal-key",
                                "Invalid principal key: The principal key { $key } is not valid.",
                                key = short(k.as_str())
                            ),
                            tr!(
                                "iam-principal-key-help",
                                "the principal keys are AWS, Service, Federated and CanonicalUser"
                            ),
                        );
                        ok = false;
                        continue;
                    };
                    match self.strings(pv, "\"arn:aws:iam::123456789012:role/NAME\"") {
                        Some(ids) => {
                            map.insert(t, ids.into_iter().map(|(s, _)| s.to_string()).collect());
                        }
                        None => ok = false,
                    }
                }
                if map.is_empty() && ok {
                    format_error(self);
                    return None;
                }
                ok.then_some(Principal::Map(map))
            }
            _ => {
                format_error(self);
                None
            }
        }
    }

    fn actions(&mut self, v: &Node) -> Option<Vec<String>> {
        let list = self.strings(v, "\"ecr:DescribeImages\"")?;
        if list.is_empty() {
            self.err(
                at(v),
                tr!(
                    "iam-action-missing",
                    "Missing action: Add an Action or NotAction element to the policy statement."
                ),
                tr!(
                    "iam-action-missing-help",
                    "add \"Action\": \"SERVICE:ACTION\", for example \"ecr:DescribeImages\""
                ),
            );
            return None;
        }
        let mut ok = true;
        for (a, place) in &list {
            ok &= self.prefixed(a, *place);
        }
        ok.then(|| list.into_iter().map(|(s, _)| s.to_string()).collect())
    }

    /// `vendor:name` (actions and condition keys), as IAM's API checks it.
    fn prefixed(&mut self, s: &str, place: At) -> bool {
        if s == "*" {
            return true;
        }
        let mut parts = s.split(':');
        let (vendor, name, extra) = (parts.next().unwrap_or(""), parts.next(), parts.next());
        if name.is_none() {
            self.err(
                place,
                tr!("iam-vendor", "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."),
                tr!("iam-vendor-help", "write the service prefix and a colon: ecr:DescribeImages, aws:SourceVpce"),
            );
            return false;
        }
        if extra.is_some() {
            self.err(
                place,
                tr!("iam-vendor-colon", "Actions/Condition can contain only one colon."),
                tr!("iam-vendor-colon-help", "write SERVICE:NAME with a single colon"),
            );
            return false;
        }
        if vendor != "*"
            && (vendor.is_empty() || !vendor.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'))
        {
            self.err(
                place,
                tr!("iam-vendor-invalid", "Vendor { $vendor } is not valid", vendor = short(vendor)),
                tr!(
                    "iam-vendor-invalid-help",
                    "a service prefix has only letters, digits, `-` and `.`, like ecr or s3"
                ),
            );
            return false;
        }
        true
    }

    fn resources(&mut self, v: &Node) -> Option<Vec<String>> {
        let list = self.strings(v, "\"arn:aws:s3:::BUCKET/*\"")?;
        if list.is_empty() {
            self.err(
                at(v),
                tr!(
                    "iam-resource-missing",
                    "Missing resource: Add a Resource or NotResource element to the policy statement."
                ),
                tr!("iam-resource-missing-help", "add \"Resource\": \"*\" or the ARN of the resource"),
            );
            return None;
        }
        let mut ok = true;
        for (r, place) in &list {
            if *r != "*" && !r.starts_with("arn:") {
                self.err(
                    *place,
                    tr!(
                        "iam-resource-arn",
                        "Resource { $resource } must be in ARN format or \"*\".",
                        resource = short(r)
                    ),
                    tr!("iam-resource-arn-help", "write an ARN (arn:aws:SERVICE:REGION:ACCOUNT:RESOURCE) or \"*\""),
                );
                ok = false;
            }
        }
        ok.then(|| list.into_iter().map(|(s, _)| s.to_string()).collect())
    }

    /// `{"Operator": {"key": value-or-values, ...}, ...}`.
    fn conditions(&mut self, v: &Node) -> Option<Vec<Condition>> {
        let Some(m) = v.as_mapping() else {
            self.mismatch(v, "Object", "{\"StringEquals\": {\"aws:SourceVpce\": \"vpce-...\"}}");
            return None;
        };
        let mut out = vec![];
        let mut ok = true;
        for (op_key, keys) in m.iter() {
            let Some(operator) = Operator::parse(op_key.as_str()) else {
                self.err(
                    key_at(op_key),
                    tr!(
                        "iam-operator",
                        "Invalid condition operator: The condition operator { $operator } is not valid. Use a valid condition operator.",
                        operator = short(op_key.as_str())
                    ),
                    tr!(
                        "iam-operator-help",
                        "for example StringEquals, StringNotEquals, StringLike, ArnLike, IpAddress, Bool or Null, with an optional IfExists suffix or ForAnyValue: / ForAllValues: prefix (case-sensitive)"
                    ),
                );
                ok = false;
                continue;
            };
            if operator.base == BaseOperator::Null && operator.if_exists {
                self.err(
                    key_at(op_key),
                    tr!(
                        "iam-null-ifexists",
                        "Null with if exists: The Null condition operator cannot be used with the IfExists suffix. Update the operator or the suffix."
                    ),
                    tr!("iam-null-ifexists-help", "write Null: it tests whether the key is present"),
                );
                ok = false;
                continue;
            }
            let Some(km) = keys.as_mapping() else {
                self.mismatch(keys, "Object", "{\"aws:SourceVpce\": \"vpce-...\"}");
                ok = false;
                continue;
            };
            for (k, vals) in km.iter() {
                if !self.prefixed(k.as_str(), key_at(k)) || k.as_str() == "*" {
                    ok = false;
                    continue;
                }
                match self.condition_values(vals) {
                    Some(values) => out.push(Condition { operator, key: k.as_str().to_string(), values }),
                    None => ok = false,
                }
            }
        }
        ok.then_some(out)
    }

    /// Strings, booleans and numbers (kept as written), alone or in a list; not null.
    fn condition_values(&mut self, v: &Node) -> Option<Vec<String>> {
        let one = |n: &Node| n.as_scalar().filter(|s| !s.may_coerce() || s.as_str() != "null").map(|s| s.to_string());
        match v {
            Node::Scalar(_) => match one(v) {
                Some(s) => Some(vec![s]),
                None => {
                    self.mismatch(v, "String", "\"vpce-1a2b3c4d\"");
                    None
                }
            },
            Node::Sequence(items) => {
                let mut out = vec![];
                let mut ok = true;
                for i in items.iter() {
                    match one(i) {
                        Some(s) => out.push(s),
                        None => {
                            self.mismatch(i, "String", "\"vpce-1a2b3c4d\"");
                            ok = false;
                        }
                    }
                }
                ok.then_some(out)
            }
            Node::Mapping(_) => {
                self.mismatch(v, "Array", "[\"vpce-1a2b3c4d\"]");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_error_inside_a_yaml_string_is_placed_in_the_file() {
        let src = "policy: |\n  {\n    \"Statement\": 1\n  }\ninline: '{\"x\": 1}'\n";
        let b = Placement::of(Some(src), 1, 9);
        assert_eq!(b, Placement::Block { line: 1, indent: 2 });
        // The JSON's line 2, column 5 is the file's line 3, column 7.
        assert_eq!(b.map(2, 5), (3, 7));
        let q = Placement::of(Some(src), 5, 9);
        assert_eq!(q.map(1, 2), (5, 11));
        // The reader's place for a block string: its text's first line and column.
        assert_eq!(Placement::of(Some(src), 2, 3), Placement::Block { line: 1, indent: 2 });
        let chomped = "policy: |-\n    {\n      \"x\": 1 }\n";
        assert_eq!(Placement::of(Some(chomped), 2, 5).map(2, 3), (3, 7));
    }

    use super::*;

    fn errors(text: &str, kind: PolicyKind) -> Vec<PolicyError> {
        parse_policy(text, kind).err().unwrap_or_default()
    }

    fn one(text: &str, kind: PolicyKind) -> PolicyError {
        let e = errors(text, kind);
        assert_eq!(e.len(), 1, "{e:#?}");
        e.into_iter().next().unwrap()
    }

    #[test]
    fn parses_statements_objects_and_lists() {
        let d = parse_policy(
            r#"{
  "Version": "2012-10-17",
  "Id": "p1",
  "Statement": [
    {"Sid": "Pull", "Effect": "Allow", "Action": ["ecr:BatchGetImage", "ecr:Get*"], "Resource": "*"},
    {"Effect": "Deny", "NotAction": "s3:*", "NotResource": ["arn:aws:s3:::b/*"],
     "Condition": {"StringNotEquals": {"aws:SourceVpce": ["vpce-1", "vpce-2"]},
                   "ForAnyValue:StringLikeIfExists": {"aws:TagKeys": "env*"},
                   "Bool": {"aws:SecureTransport": false},
                   "NumericLessThan": {"s3:max-keys": 10}}}
  ]
}"#,
            PolicyKind::Identity,
        )
        .unwrap();
        assert_eq!(d.version.as_deref(), Some("2012-10-17"));
        assert_eq!(d.id.as_deref(), Some("p1"));
        assert_eq!(d.statements.len(), 2);
        let s = &d.statements[0];
        assert_eq!((s.sid.as_deref(), s.effect, s.line, s.col), (Some("Pull"), Effect::Allow, 5, 5));
        assert_eq!(s.action, Element::Is(vec!["ecr:BatchGetImage".into(), "ecr:Get*".into()]));
        assert_eq!(s.resource, Some(Element::Is(vec!["*".into()])));
        let s = &d.statements[1];
        assert_eq!(s.action, Element::Not(vec!["s3:*".into()]));
        assert!(s.resource.as_ref().unwrap().is_not());
        assert_eq!(s.condition.len(), 4);
        assert_eq!(s.condition[0].operator.base, BaseOperator::StringNotEquals);
        assert_eq!(s.condition[0].values, vec!["vpce-1", "vpce-2"]);
        let op = s.condition[1].operator;
        assert_eq!((op.set, op.base, op.if_exists), (Some(SetOperator::ForAnyValue), BaseOperator::StringLike, true));
        assert_eq!(op.to_string(), "ForAnyValue:StringLikeIfExists");
        assert_eq!(s.condition[2].values, vec!["false"]);
        assert_eq!(s.condition[3].values, vec!["10"]);

        let d = parse_policy(
            r#"{"Statement": {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root", "Service": ["ecs-tasks.amazonaws.com"]}, "Action": "sts:AssumeRole"}}"#,
            PolicyKind::Trust,
        )
        .unwrap();
        let Some(Element::Is(Principal::Map(m))) = &d.statements[0].principal else { panic!() };
        assert_eq!(m[&PrincipalType::Aws], vec!["arn:aws:iam::123456789012:root"]);
        assert_eq!(m[&PrincipalType::Service], vec!["ecs-tasks.amazonaws.com"]);
        assert!(d.version.is_none() && !d.has_variables());
    }

    #[test]
    fn json_errors_keep_their_place() {
        let e = one("{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [}\n", PolicyKind::Identity);
        assert_eq!((e.line, e.col), (3, 17));
        assert!(e.message.contains("JSON syntax error"), "{}", e.message);
        let e = one("[1]", PolicyKind::Identity);
        assert_eq!((e.line, e.col), (1, 1));
        assert!(e.message.starts_with("Data type mismatch"));
    }

    #[test]
    fn identity_policies_name_no_principal() {
        let e = one(
            "{\"Statement\": [{\"Effect\": \"Allow\",\n \"Principal\": \"*\", \"Action\": \"s3:*\", \"Resource\": \"*\"}]}",
            PolicyKind::Identity,
        );
        assert_eq!((e.line, e.col, e.message.as_str()), (2, 2, "Policy document should not specify a principal."));
    }

    #[test]
    fn resource_trust_and_endpoint_policies_need_a_principal() {
        for kind in [PolicyKind::Resource, PolicyKind::Repository, PolicyKind::Endpoint] {
            let e = one(r#"{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}"#, kind);
            assert_eq!((e.line, e.col), (1, 16));
            assert_eq!(e.message, "Missing principal: Add a Principal element to the policy statement.");
        }
        let e = one(r#"{"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]}"#, PolicyKind::Trust);
        assert!(e.message.starts_with("Missing principal"));
        // NotPrincipal is enough where it is allowed...
        assert!(
            parse_policy(
                r#"{"Statement": [{"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::1:root"}, "Action": "s3:*", "Resource": "*"}]}"#,
                PolicyKind::Resource
            )
            .is_ok()
        );
        // A repository's policy may leave its Resource out; a bucket's may not.
        let pull = r#"{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"}]}"#;
        assert!(parse_policy(pull, PolicyKind::Repository).is_ok());
        assert!(one(pull, PolicyKind::Resource).message.starts_with("Missing resource"));
        // ...but not in a trust policy, which has no Resource either.
        let e = errors(
            r#"{"Statement": [{"Effect": "Allow", "NotPrincipal": "*", "Action": "sts:AssumeRole", "Resource": "*"}]}"#,
            PolicyKind::Trust,
        );
        assert_eq!(e.len(), 2, "{e:#?}");
        assert!(e[0].message.contains("Role trust policies do not support NotPrincipal"));
        assert!(e[1].message.contains("You cannot specify a resource"));
    }

    #[test]
    fn not_forms_are_exclusive() {
        let e = one(
            r#"{"Statement": [{"Effect": "Allow", "Action": "s3:*", "NotAction": "s3:Get*", "Resource": "*"}]}"#,
            PolicyKind::Identity,
        );
        assert_eq!(
            e.message,
            "Unsupported element combination: The policy elements Action and NotAction can not be used in the same statement. Remove one of these elements."
        );
        assert_eq!(e.col, 54);
        let e = one(
            r#"{"Statement": [{"Effect": "Allow", "Action": "s3:*", "NotResource": "*", "Resource": "*"}]}"#,
            PolicyKind::Identity,
        );
        assert!(e.message.contains("NotResource and Resource"));
    }

    #[test]
    fn effect_is_required_and_capitalised() {
        let e = one(r#"{"Statement": [{"Action": "s3:*", "Resource": "*"}]}"#, PolicyKind::Identity);
        assert_eq!(
            e.message,
            "Missing effect: Add an Effect element to the policy statement with a value of Allow or Deny."
        );
        let e = one(r#"{"Statement": [{"Effect": "allow", "Action": "s3:*", "Resource": "*"}]}"#, PolicyKind::Identity);
        assert_eq!(
            (e.col, e.message.as_str()),
            (27, "Invalid effect: The effect allow is not valid. Use Allow or Deny.")
        );
        assert!(e.help.contains("capital"));
        let e = one(r#"{"Statement": [{"Effect": true, "Action": "s3:*", "Resource": "*"}]}"#, PolicyKind::Identity);
        assert_eq!(e.message, "Data type mismatch: The text does not match the expected JSON data type String.");
    }

    #[test]
    fn unknown_elements() {
        let e = errors(
            "{\"Version\": \"2012-10-17\", \"Statements\": [],\n \"Statement\": {\"Effect\": \"Allow\", \"action\": \"s3:*\", \"Action\": \"s3:*\", \"Resource\": \"*\"}}",
            PolicyKind::Identity,
        );
        assert_eq!(e.len(), 2, "{e:#?}");
        assert_eq!((e[0].line, e[0].col), (1, 27));
        assert_eq!(e[0].message, "Invalid policy element: The policy element Statements is not valid.");
        assert!(e[0].help.contains("Version, Id, Statement"));
        assert_eq!((e[1].line, e[1].col), (2, 35));
        assert!(e[1].message.contains("element action is not valid"));
        assert_eq!(e[1].help, "element names are case-sensitive: write Action");
    }

    #[test]
    fn versions() {
        let ok = r#""Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}"#;
        for v in VERSIONS {
            assert!(parse_policy(&format!("{{\"Version\": \"{v}\", {ok}}}"), PolicyKind::Identity).is_ok());
        }
        let e = one(&format!("{{\"Version\": \"2012-10-18\", {ok}}}"), PolicyKind::Identity);
        assert_eq!(
            (e.col, e.message.as_str()),
            (
                13,
                "Invalid version: The version 2012-10-18 is not valid. Use one of the following versions: 2012-10-17, 2008-10-17"
            )
        );
        let e = one(&format!("{{\"Version\": 2012, {ok}}}"), PolicyKind::Identity);
        assert!(e.message.starts_with("Data type mismatch"));
    }

    #[test]
    fn actions_need_a_vendor() {
        let e = one(
            "{\"Statement\": {\"Effect\": \"Allow\",\n\"Action\": [\"ecr:GetAuthorizationToken\", \"DescribeImages\"], \"Resource\": \"*\"}}",
            PolicyKind::Identity,
        );
        assert_eq!((e.line, e.col), (2, 41));
        assert_eq!(e.message, "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.");
        let e =
            one(r#"{"Statement": {"Effect": "Allow", "Action": "ecr:a:b", "Resource": "*"}}"#, PolicyKind::Identity);
        assert_eq!(e.message, "Actions/Condition can contain only one colon.");
        let e = one(r#"{"Statement": {"Effect": "Allow", "Action": "ec r:A", "Resource": "*"}}"#, PolicyKind::Identity);
        assert_eq!(e.message, "Vendor ec r is not valid");
        let e = one(r#"{"Statement": {"Effect": "Allow", "Action": [], "Resource": "*"}}"#, PolicyKind::Identity);
        assert!(e.message.starts_with("Missing action"));
        let e = one(r#"{"Statement": {"Effect": "Allow", "Resource": "*"}}"#, PolicyKind::Identity);
        assert!(e.message.starts_with("Missing action"));
        // Condition keys too.
        let e = one(
            r#"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"StringEquals": {"SourceVpce": "v"}}}}"#,
            PolicyKind::Identity,
        );
        assert_eq!(
            (e.col, e.message.as_str()),
            (98, "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")
        );
    }

    #[test]
    fn resources() {
        let e = one(r#"{"Statement": {"Effect": "Allow", "Action": "s3:*"}}"#, PolicyKind::Identity);
        assert_eq!(e.message, "Missing resource: Add a Resource or NotResource element to the policy statement.");
        let e = one(
            r#"{"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "my-bucket"}}"#,
            PolicyKind::Identity,
        );
        assert_eq!(e.message, "Resource my-bucket must be in ARN format or \"*\".");
        let e =
            one(r#"{"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": {"a": 1}}}"#, PolicyKind::Identity);
        assert!(e.message.ends_with("data type Array."));
    }

    #[test]
    fn statements() {
        let e = one(r#"{"Version": "2012-10-17"}"#, PolicyKind::Identity);
        assert_eq!(e.message, "Missing statement: Add a statement to the policy");
        let e = one(r#"{"Statement": []}"#, PolicyKind::Identity);
        assert_eq!((e.col, e.message.as_str()), (15, "Missing statement: Add a statement to the policy"));
        let e = one(r#"{"Statement": ["x"]}"#, PolicyKind::Identity);
        assert!(e.message.ends_with("data type Object."));
    }

    #[test]
    fn principals() {
        let p = |body: &str| {
            parse_policy(
                &format!(
                    r#"{{"Statement": {{"Effect": "Allow", "Principal": {body}, "Action": "s3:*", "Resource": "*"}}}}"#
                ),
                PolicyKind::Resource,
            )
        };
        assert!(p(r#""*""#).is_ok());
        assert!(p(r#"{"AWS": "*"}"#).is_ok());
        let e = p(r#""arn:aws:iam::1:root""#).err().unwrap();
        assert!(e[0].message.starts_with("Invalid principal format"));
        let e = p(r#"{"Aws": "x"}"#).err().unwrap();
        assert_eq!(e[0].message, "Invalid principal key: The principal key Aws is not valid.");
        let e = p(r#"{}"#).err().unwrap();
        assert!(e[0].message.starts_with("Invalid principal format"));
    }

    #[test]
    fn conditions() {
        let c = |body: &str| {
            parse_policy(
                &format!(
                    r#"{{"Statement": {{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {body}}}}}"#
                ),
                PolicyKind::Identity,
            )
        };
        assert!(
            c(r#"{"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}, "Null": {"aws:SourceVpc": "true"}}"#)
                .is_ok()
        );
        let e = c(r#"{"StringEqual": {"aws:SourceVpce": "v"}}"#).err().unwrap();
        assert_eq!(
            (e[0].col, e[0].message.as_str()),
            (
                84,
                "Invalid condition operator: The condition operator StringEqual is not valid. Use a valid condition operator."
            )
        );
        let e = c(r#"{"NullIfExists": {"aws:SourceVpce": "true"}}"#).err().unwrap();
        assert!(e[0].message.starts_with("Null with if exists"));
        let e = c(r#"{"StringEquals": {"aws:SourceVpce": null}}"#).err().unwrap();
        assert!(e[0].message.starts_with("Data type mismatch"));
        let e = c(r#"{"StringEquals": {"aws:SourceVpce": {"a": "b"}}}"#).err().unwrap();
        assert!(e[0].message.starts_with("Data type mismatch"));
        let e = c(r#""x""#).err().unwrap();
        assert!(e[0].message.ends_with("data type Object."));
        // A quoted "null" is a string like any other.
        assert!(c(r#"{"StringEquals": {"aws:SourceVpce": "null"}}"#).is_ok());
    }

    #[test]
    fn sids() {
        let two = r#"{"Statement": [{"Sid": "A", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
{"Sid": "A", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}"#;
        let e = one(two, PolicyKind::Identity);
        assert_eq!(
            (e.line, e.col, e.message.as_str()),
            (2, 1, "Statement IDs (SID) in a single policy must be unique.")
        );
        assert!(e.help.contains("line 1"));
        // Bucket and endpoint policies are not stored by IAM: its Sid rules are not theirs.
        assert!(
            parse_policy(&two.replace("\"Effect\"", "\"Principal\": \"*\", \"Effect\""), PolicyKind::Resource).is_ok()
        );
        let e = one(
            r#"{"Statement": {"Sid": "allow pulls", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}}"#,
            PolicyKind::Identity,
        );
        assert!(e.message.starts_with("Unsupported Sid"));
    }

    #[test]
    fn several_errors_in_text_order() {
        let e = errors(
            "{\"Statement\": [\n{\"Effect\": \"Maybe\", \"Action\": \"x\", \"Resource\": \"*\"},\n{\"Effect\": \"Allow\"}]}",
            PolicyKind::Identity,
        );
        let places: Vec<_> = e.iter().map(|e| (e.line, e.col)).collect();
        assert_eq!(places, vec![(2, 12), (2, 31), (3, 1), (3, 1)], "{e:#?}");
    }

    /// Any text gives a document or errors, never a panic: every prefix and every one-character
    /// deletion of a policy that uses every element.
    #[test]
    fn no_panic_on_broken_text() {
        let full = r#"{"Version": "2012-10-17", "Id": "x", "Statement": [{"Sid": "A1", "Effect": "Deny",
            "NotPrincipal": {"AWS": ["arn:aws:iam::1:root", "*"], "Service": "s.amazonaws.com"},
            "NotAction": ["ecr:*", "s3:Get?"], "NotResource": "arn:aws:s3:::b/${aws:username}",
            "Condition": {"ForAllValues:StringNotLikeIfExists": {"aws:TagKeys": ["a", 1, true]}, "Null": {"aws:SourceVpc": "true"}}}]}"#;
        for kind in [
            PolicyKind::Identity,
            PolicyKind::Resource,
            PolicyKind::Repository,
            PolicyKind::Trust,
            PolicyKind::Endpoint,
        ] {
            let _ = parse_policy(full, kind);
            for (i, _) in full.char_indices() {
                let _ = parse_policy(&full[..i], kind);
                let mut cut = full.to_string();
                cut.remove(i);
                for e in parse_policy(&cut, kind).err().unwrap_or_default() {
                    assert!(e.line >= 1 && e.col >= 1 && !e.message.is_empty(), "{e:?}");
                }
            }
        }
        assert!(parse_policy(full, PolicyKind::Resource).is_ok());
    }

    #[test]
    fn operators_round_trip() {
        for b in BaseOperator::ALL {
            for set in ["", "ForAnyValue:", "ForAllValues:"] {
                for sfx in ["", "IfExists"] {
                    let s = format!("{set}{}{sfx}", b.name());
                    assert_eq!(Operator::parse(&s).map(|o| o.to_string()), Some(s));
                }
            }
        }
        assert!(Operator::parse("stringequals").is_none());
        assert!(BaseOperator::StringNotLike.negated() && !BaseOperator::StringLike.negated());
    }
}
