//! ECS's cluster query language, as far as ecsnet's instances have attributes: `memberOf`
//! expressions over `attribute:ecs.availability-zone`, `attribute:ecs.instance-type` and
//! `attribute:ecs.subnet-id` with `==`, `!=`, `in [...]`, `not_in [...]`, `and`, `or` and
//! parentheses; a value may end in `*` (a wildcard, as `attribute:ecs.instance-type =~ t3.*`
//! is written `== t3.*`). Developer Guide, "Create expressions to define container instances
//! for Amazon ECS tasks" (cluster-query-language.html).

use crate::i18n::tr;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An attribute an expression can test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Attribute {
    AvailabilityZone,
    InstanceType,
    SubnetId,
}

impl Attribute {
    /// The attributes by their written names (`attribute:` + ECS's name).
    pub const ALL: &'static [(&'static str, Attribute)] = &[
        ("attribute:ecs.availability-zone", Attribute::AvailabilityZone),
        ("attribute:ecs.instance-type", Attribute::InstanceType),
        ("attribute:ecs.subnet-id", Attribute::SubnetId),
    ];
    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(_, a)| *a == self).map_or("", |(n, _)| n)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    Eq,
    Ne,
    In,
    NotIn,
}

/// A parsed expression.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Query {
    Test { attribute: Attribute, op: Op, values: Vec<String> },
    And(Box<Query>, Box<Query>),
    Or(Box<Query>, Box<Query>),
}

/// Where an expression does not parse: the 0-based character offset and what was wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryError {
    pub offset: usize,
    pub message: String,
}

impl Query {
    /// Whether an instance with these attribute values matches. `values(a)` gives every value
    /// the instance has for `a` (a subnet by its name and its id).
    pub fn matches(&self, values: &dyn Fn(Attribute) -> Vec<String>) -> bool {
        match self {
            Query::And(a, b) => a.matches(values) && b.matches(values),
            Query::Or(a, b) => a.matches(values) || b.matches(values),
            Query::Test { attribute, op, values: want } => {
                let have = values(*attribute);
                let hit = want.iter().any(|w| have.iter().any(|h| glob(w, h)));
                matches!(op, Op::Eq | Op::In) == hit
            }
        }
    }
}

/// `value` matches `pattern`, where a trailing `*` matches any rest.
fn glob(pattern: &str, value: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => value.starts_with(prefix),
        None => pattern == value,
    }
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Query::And(a, b) => write!(f, "({a} and {b})"),
            Query::Or(a, b) => write!(f, "({a} or {b})"),
            Query::Test { attribute, op, values } => match op {
                Op::Eq => write!(f, "{} == {}", attribute.name(), values.join("")),
                Op::Ne => write!(f, "{} != {}", attribute.name(), values.join("")),
                Op::In => write!(f, "{} in [{}]", attribute.name(), values.join(", ")),
                Op::NotIn => write!(f, "{} not_in [{}]", attribute.name(), values.join(", ")),
            },
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Word(String),
    Op(&'static str),
    Open,
    Close,
    LBracket,
    RBracket,
    Comma,
}

/// The tokens of `s`, each with its character offset.
fn lex(s: &str) -> Result<Vec<(usize, Tok)>, QueryError> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = vec![];
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
        let tok = match c {
            _ if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '(' => Tok::Open,
            ')' => Tok::Close,
            '[' => Tok::LBracket,
            ']' => Tok::RBracket,
            ',' => Tok::Comma,
            _ if two == "==" || two == "!=" => {
                out.push((i, Tok::Op(if two == "==" { "==" } else { "!=" })));
                i += 2;
                continue;
            }
            _ if c.is_alphanumeric() || "-_.:*/".contains(c) => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || "-_.:*/".contains(chars[i])) {
                    i += 1;
                }
                out.push((start, Tok::Word(chars[start..i].iter().collect())));
                continue;
            }
            _ => {
                return Err(QueryError {
                    offset: i,
                    message: tr!("cql-unexpected-char", "unexpected character `{ $char }`", char = c),
                });
            }
        };
        out.push((i, tok));
        i += 1;
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    end: usize,
}

/// Parse an expression.
pub fn parse(s: &str) -> Result<Query, QueryError> {
    let toks = lex(s)?;
    let mut p = Parser { toks, pos: 0, end: s.chars().count() };
    let q = p.or()?;
    match p.toks.get(p.pos) {
        None => Ok(q),
        Some((at, t)) => {
            Err(QueryError { offset: *at, message: tr!("cql-unexpected", "unexpected `{ $token }`", token = show(t)) })
        }
    }
}

fn show(t: &Tok) -> String {
    match t {
        Tok::Word(w) => w.clone(),
        Tok::Op(o) => o.to_string(),
        Tok::Open => "(".into(),
        Tok::Close => ")".into(),
        Tok::LBracket => "[".into(),
        Tok::RBracket => "]".into(),
        Tok::Comma => ",".into(),
    }
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(_, t)| t)
    }
    fn at(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end, |(o, _)| *o)
    }
    fn keyword(&self, k: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(k))
    }
    fn fail<T>(&self, what: &str) -> Result<T, QueryError> {
        let found =
            self.peek().map_or_else(|| tr!("cql-end", "the end of the expression"), |t| format!("`{}`", show(t)));
        Err(QueryError {
            offset: self.at(),
            message: tr!("cql-expected", "expected { $what }, found { $found }", what = what, found = found),
        })
    }
    fn or(&mut self) -> Result<Query, QueryError> {
        let mut q = self.and()?;
        while self.keyword("or") {
            self.pos += 1;
            q = Query::Or(Box::new(q), Box::new(self.and()?));
        }
        Ok(q)
    }
    fn and(&mut self) -> Result<Query, QueryError> {
        let mut q = self.term()?;
        while self.keyword("and") {
            self.pos += 1;
            q = Query::And(Box::new(q), Box::new(self.term()?));
        }
        Ok(q)
    }
    fn term(&mut self) -> Result<Query, QueryError> {
        if self.peek() == Some(&Tok::Open) {
            self.pos += 1;
            let q = self.or()?;
            if self.peek() != Some(&Tok::Close) {
                return self.fail("`)`");
            }
            self.pos += 1;
            return Ok(q);
        }
        let attribute = self.attribute()?;
        let op = self.op()?;
        let values = match op {
            Op::Eq | Op::Ne => vec![self.value()?],
            Op::In | Op::NotIn => self.list()?,
        };
        Ok(Query::Test { attribute, op, values })
    }
    fn attribute(&mut self) -> Result<Attribute, QueryError> {
        let Some(Tok::Word(w)) = self.peek() else { return self.fail(&tr!("cql-an-attribute", "an attribute")) };
        match Attribute::ALL.iter().find(|(n, _)| n == w) {
            Some((_, a)) => {
                self.pos += 1;
                Ok(*a)
            }
            None => Err(QueryError {
                offset: self.at(),
                message: tr!(
                    "cql-unknown-attribute",
                    "unknown attribute `{ $attribute }` (ecsnet's instances have { $known })",
                    attribute = w,
                    known = Attribute::ALL.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                ),
            }),
        }
    }
    fn op(&mut self) -> Result<Op, QueryError> {
        let op = match self.peek() {
            Some(Tok::Op("==")) => Op::Eq,
            Some(Tok::Op(_)) => Op::Ne,
            Some(Tok::Word(w)) if w == "in" => Op::In,
            Some(Tok::Word(w)) if w == "not_in" || w == "!in" => Op::NotIn,
            _ => return self.fail("`==`, `!=`, `in` or `not_in`"),
        };
        self.pos += 1;
        Ok(op)
    }
    fn value(&mut self) -> Result<String, QueryError> {
        match self.peek() {
            Some(Tok::Word(w)) if !w.eq_ignore_ascii_case("and") && !w.eq_ignore_ascii_case("or") => {
                let w = w.clone();
                self.pos += 1;
                Ok(w)
            }
            _ => self.fail(&tr!("cql-a-value", "a value")),
        }
    }
    fn list(&mut self) -> Result<Vec<String>, QueryError> {
        if self.peek() != Some(&Tok::LBracket) {
            return self.fail("`[`");
        }
        self.pos += 1;
        let mut v = vec![self.value()?];
        while self.peek() == Some(&Tok::Comma) {
            self.pos += 1;
            v.push(self.value()?);
        }
        if self.peek() != Some(&Tok::RBracket) {
            return self.fail("`,` or `]`");
        }
        self.pos += 1;
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inst(az: &str, ty: &str) -> impl Fn(Attribute) -> Vec<String> {
        let (az, ty) = (az.to_string(), ty.to_string());
        move |a| match a {
            Attribute::AvailabilityZone => vec![az.clone()],
            Attribute::InstanceType => vec![ty.clone()],
            Attribute::SubnetId => vec!["private-a".into(), "subnet-1".into()],
        }
    }

    #[test]
    fn expressions_parse_and_match() {
        let q = parse("attribute:ecs.availability-zone == us-east-1a").unwrap();
        assert!(q.matches(&inst("us-east-1a", "c5.large")));
        assert!(!q.matches(&inst("us-east-1b", "c5.large")));
        let q =
            parse("attribute:ecs.instance-type in [t3.*, m5.large] and attribute:ecs.availability-zone != us-east-1b")
                .unwrap();
        assert!(q.matches(&inst("us-east-1a", "t3.micro")));
        assert!(!q.matches(&inst("us-east-1b", "t3.micro")));
        assert!(!q.matches(&inst("us-east-1a", "c5.large")));
        let q = parse("(attribute:ecs.subnet-id == private-a or attribute:ecs.instance-type == x) and attribute:ecs.instance-type not_in [c5.large]").unwrap();
        assert!(q.matches(&inst("a", "m5.large")));
        assert!(!q.matches(&inst("a", "c5.large")));
    }

    #[test]
    fn errors_say_where() {
        let e = parse("attribute:ecs.availability-zone = us-east-1a").unwrap_err();
        assert_eq!(e.offset, 32);
        let e = parse("attribute:ecs.ami-id == x").unwrap_err();
        assert_eq!(e.offset, 0);
        assert!(e.message.contains("unknown attribute"));
        let e = parse("attribute:ecs.instance-type in [a, b").unwrap_err();
        assert_eq!(e.offset, 36);
        let e = parse("attribute:ecs.instance-type == a b").unwrap_err();
        assert_eq!(e.offset, 33);
        assert!(parse("").is_err());
    }
}
