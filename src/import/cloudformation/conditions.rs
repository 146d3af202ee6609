//! `Conditions`: `Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not` and `Condition` references,
//! each condition evaluated once, a cycle refused. A condition depending on a value not known
//! (a parameter with no default) is itself not known: `Err((why, fix))`.

use super::parse::Node;
use super::{Cond, Cx};
use crate::import::resource::{ImportError, Value};

impl<'a> Cx<'a> {
    /// The value of condition `name`.
    pub(super) fn condition(&mut self, name: &str, d: usize) -> Result<Cond, ImportError> {
        if let Some(c) = self.cond_done.get(name) {
            return Ok(c.clone());
        }
        let Some(node) = self.conditions.get(name).copied() else {
            return Err(self.fail(format!("no condition named {name}")));
        };
        if !self.cond_busy.insert(name.to_string()) {
            return Err(self.fail(format!("condition {name} refers to itself")));
        }
        let c = self.cond_expr(node, d + 1);
        self.cond_busy.remove(name);
        let c = c?;
        self.cond_done.insert(name.to_string(), c.clone());
        Ok(c)
    }

    /// A condition expression.
    fn cond_expr(&mut self, n: &'a Node, d: usize) -> Result<Cond, ImportError> {
        if d > super::intrinsic::MAX_EVAL {
            return Err(self.fail("conditions nest too deep"));
        }
        let Node::Map(m) = n else {
            return match n {
                Node::Bool(b) => Ok(Ok(*b)),
                _ => Err(self.fail("a condition must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition")),
            };
        };
        let [(f, arg)] = m.as_slice() else {
            return Err(self.fail("a condition must be one function"));
        };
        let args = match arg {
            Node::List(l) => l.as_slice(),
            _ => std::slice::from_ref(arg),
        };
        match f.as_str() {
            "Condition" => {
                let name = arg.text().ok_or_else(|| self.fail("Condition takes a condition's name"))?;
                self.condition(&name, d + 1)
            }
            "Fn::Equals" => {
                let [a, b] = args else { return Err(self.fail("Fn::Equals takes two values")) };
                let a = self.eval(a, d + 1)?.unwrap_or(Value::Null);
                let b = self.eval(b, d + 1)?.unwrap_or(Value::Null);
                Ok(equals(&a, &b))
            }
            "Fn::Not" => {
                let [x] = args else { return Err(self.fail("Fn::Not takes one condition")) };
                Ok(self.cond_expr(x, d + 1)?.map(|b| !b))
            }
            "Fn::And" | "Fn::Or" => self.all_any(f == "Fn::And", args, d),
            "Fn::If" => Err(self.fail("Fn::If is not a condition")),
            _ => match self.eval(n, d + 1)? {
                Some(Value::Unknown { why, fix }) => Ok(Err((why, fix))),
                Some(v) => v.bool().map(Ok).ok_or_else(|| self.fail(format!("{f} is not a condition"))),
                None => Err(self.fail(format!("{f} is not a condition"))),
            },
        }
    }

    /// `Fn::And` (`and`) or `Fn::Or`: a known false (true) decides even when another
    /// operand is not known.
    fn all_any(&mut self, and: bool, args: &'a [Node], d: usize) -> Result<Cond, ImportError> {
        if args.len() < 2 || args.len() > 10 {
            return Err(self.fail("Fn::And and Fn::Or take 2 to 10 conditions"));
        }
        let mut unknown = None;
        for a in args {
            match self.cond_expr(a, d + 1)? {
                Ok(b) if b != and => return Ok(Ok(b)),
                Ok(_) => {}
                Err(e) => unknown = unknown.or(Some(e)),
            }
        }
        Ok(unknown.map_or(Ok(and), Err))
    }
}

/// `Fn::Equals`: strings, numbers and booleans compare as the text CloudFormation sees.
fn equals(a: &Value, b: &Value) -> Cond {
    for v in [a, b] {
        if let Value::Unknown { why, fix } = v {
            return Err((why.clone(), fix.clone()));
        }
    }
    let text = |v: &Value| match v {
        Value::Bool(b) => Some(b.to_string()),
        v => v.str().map(str::to_string),
    };
    Ok(match (text(a), text(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    })
}
