//! `Fn::Sub`: `${Param}`, `${AWS::Region}`, `${Resource}`, `${Resource.Attribute}`, the
//! `${!Literal}` escape, and the list form's own variables.

use super::Cx;
use super::parse::Node;
use crate::import::resource::{ImportError, Value};

type R<T> = Result<T, ImportError>;

impl<'a> Cx<'a> {
    /// The string, or the unknown value one of its variables is.
    pub(super) fn sub(&mut self, arg: &'a Node, d: usize) -> R<Result<String, Value>> {
        let (tpl, vars) = match arg {
            Node::Str(s) => (s.as_str(), None),
            Node::List(l) => match l.as_slice() {
                [Node::Str(s), Node::Map(m)] => (s.as_str(), Some(m.as_slice())),
                [Node::Str(s)] => (s.as_str(), None),
                _ => return Err(self.fail("Fn::Sub takes a string or [string, {variables}]")),
            },
            _ => return Err(self.fail("Fn::Sub takes a string or [string, {variables}]")),
        };
        let mut out = String::with_capacity(tpl.len());
        let mut rest = tpl;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            // No closing brace: CloudFormation leaves the text as written.
            let Some(j) = after.find('}') else {
                out.push_str(&rest[i..]);
                rest = "";
                break;
            };
            let inner = &after[..j];
            rest = &after[j + 1..];
            if let Some(lit) = inner.strip_prefix('!') {
                out.push_str("${");
                out.push_str(lit);
                out.push('}');
                continue;
            }
            match self.sub_var(inner.trim(), vars, d)? {
                Ok(s) => out.push_str(&s),
                Err(u) => return Ok(Err(u)),
            }
        }
        out.push_str(rest);
        Ok(Ok(out))
    }

    fn sub_var(&mut self, name: &str, vars: Option<&'a [(String, Node)]>, d: usize) -> R<Result<String, Value>> {
        if let Some((_, n)) = vars.and_then(|m| m.iter().find(|(k, _)| k == name)) {
            return self.string(n, d);
        }
        if !name.contains("::") {
            if let Some((res, attr)) = name.split_once('.') {
                let v = self.attribute(res, attr, d)?;
                return self.text(v, d);
            }
        }
        let v = self.reference(name)?.unwrap_or(Value::Null);
        self.text(v, d)
    }
}
