//! The intrinsic functions and `Ref`, evaluated. `Ok(None)` is `AWS::NoValue`: the property
//! or list element is removed. A reference to a resource as a whole value stays a
//! [`Value::Ref`]; inside a string it reads as the resource's physical name or ARN
//! ([`super::physical`]).

use super::parse::Node;
use super::physical::{ACCOUNT, lab_made, partition, physical, url_suffix};
use super::{Cx, cidr::cidr};
use crate::import::resource::{ImportError, Resource, Value};

/// How deep evaluation goes, references (conditions, attributes of other resources) included.
pub const MAX_EVAL: usize = 200;

type R<T> = Result<T, ImportError>;

/// A string being built, or the unknown value that makes it unknown as a whole.
type Text = Result<String, Value>;

impl<'a> Cx<'a> {
    /// A template value resolved.
    pub(super) fn eval(&mut self, n: &'a Node, d: usize) -> R<Option<Value>> {
        if d > MAX_EVAL {
            return Err(self.fail(format!("references nest deeper than {MAX_EVAL} levels")));
        }
        Ok(Some(match n {
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(*b),
            Node::Num(s) => Value::Number(s.clone()),
            Node::Str(s) => Value::String(s.clone()),
            Node::List(l) => {
                let mut out = Vec::with_capacity(l.len());
                for x in l {
                    out.extend(self.eval(x, d + 1)?);
                }
                Value::List(out)
            }
            Node::Map(m) => {
                if let [(f, arg)] = m.as_slice() {
                    if f == "Ref" || f.starts_with("Fn::") {
                        return self.call(f, arg, d + 1);
                    }
                }
                let mut out = Vec::with_capacity(m.len());
                for (k, x) in m {
                    if let Some(v) = self.eval(x, d + 1)? {
                        out.push((k.clone(), v));
                    }
                }
                Value::Map(out)
            }
        }))
    }

    fn call(&mut self, f: &str, arg: &'a Node, d: usize) -> R<Option<Value>> {
        let args = match arg {
            Node::List(l) => l.as_slice(),
            _ => std::slice::from_ref(arg),
        };
        let v = match f {
            "Ref" => {
                let name = self.literal(arg, "Ref", d)?;
                return self.reference(&name);
            }
            "Fn::GetAtt" => self.get_att(arg, d)?,
            "Fn::Sub" => into_value(self.sub(arg, d)?),
            "Fn::Join" => self.join(args, d)?,
            "Fn::Select" => self.select(args, d)?,
            "Fn::Split" => self.split(args, d)?,
            "Fn::GetAZs" => match self.string(arg, d)? {
                Ok(r) => Value::List(zones(if r.is_empty() { &self.region } else { &r })),
                Err(u) => u,
            },
            "Fn::If" => return self.fn_if(args, d),
            "Fn::FindInMap" => return self.find_in_map(args, d),
            // The text as is: the writer reads user data and such as text, not base64.
            "Fn::Base64" => into_value(self.string(arg, d)?),
            "Fn::ImportValue" => self.import_value(arg, d)?,
            "Fn::Cidr" => self.fn_cidr(args, d)?,
            "Fn::Length" => match self.eval(arg, d)? {
                Some(Value::List(l)) => Value::Number(l.len().to_string()),
                Some(u @ Value::Unknown { .. }) => u,
                _ => return Err(self.fail("Fn::Length takes a list")),
            },
            "Fn::Transform" | "Fn::ToJsonString" => {
                let origin = self.origin.clone();
                self.note(&origin, format!("{f} is not evaluated"), "");
                Value::Unknown { why: format!("{f} is not evaluated"), fix: String::new() }
            }
            "Fn::Equals" | "Fn::And" | "Fn::Or" | "Fn::Not" => {
                return Err(self.fail(format!("{f} is only allowed in Conditions")));
            }
            _ => return Err(self.fail(format!("unknown function {f}"))),
        };
        Ok(Some(v))
    }

    /// A function's argument that must be a plain string (a name).
    fn literal(&mut self, n: &'a Node, f: &str, d: usize) -> R<String> {
        match self.eval(n, d + 1)? {
            Some(Value::String(s)) => Ok(s),
            _ => Err(self.fail(format!("{f} takes a name"))),
        }
    }

    /// `Ref name`: a pseudo parameter, a parameter or a resource.
    pub(super) fn reference(&mut self, name: &str) -> R<Option<Value>> {
        if let Some(v) = self.pseudo(name) {
            return Ok(v);
        }
        if let Some(v) = self.params.get(name) {
            return Ok(Some(v.clone()));
        }
        if self.raw.contains_key(name) {
            return Ok(Some(Value::Ref { id: name.to_string(), attribute: None }));
        }
        self.missing(name)
    }

    /// A reference to what is not in the template (or not created).
    fn missing(&self, name: &str) -> R<Option<Value>> {
        if let Some(why) = self.omitted.get(name) {
            return Ok(Some(Value::Unknown { why: why.clone(), fix: String::new() }));
        }
        if self.transform {
            let why = format!("{name} is not in the template (made by a transform?)");
            return Ok(Some(Value::Unknown { why, fix: String::new() }));
        }
        Err(self.fail(format!("{name} is not a parameter or a resource of the template")))
    }

    fn pseudo(&mut self, name: &str) -> Option<Option<Value>> {
        let r = self.region.clone();
        let r = r.as_str();
        let s = |x: String| Some(Some(Value::String(x)));
        match name {
            "AWS::NoValue" => Some(None),
            "AWS::Region" => s(r.to_string()),
            "AWS::AccountId" => s(ACCOUNT.into()),
            "AWS::Partition" => s(partition(r).into()),
            "AWS::URLSuffix" => s(url_suffix(r).into()),
            "AWS::NotificationARNs" => Some(Some(Value::List(vec![]))),
            "AWS::StackName" | "AWS::StackId" => {
                if !self.stack_given && !self.stack_noted {
                    self.stack_noted = true;
                    let what = format!("AWS::StackName is not given: \"{}\" is used", self.stack);
                    self.note("AWS::StackName", what, "give the stack's name");
                }
                let id = format!(
                    "arn:{}:cloudformation:{r}:{ACCOUNT}:stack/{}/00000000-0000-0000-0000-000000000000",
                    partition(r),
                    self.stack
                );
                s(if name == "AWS::StackName" { self.stack.clone() } else { id })
            }
            _ => None,
        }
    }

    /// `Fn::GetAtt [Resource, Attribute]`: the target's property of that name when it has
    /// one (`VPC.CidrBlock`), else a reference to the attribute.
    fn get_att(&mut self, arg: &'a Node, d: usize) -> R<Value> {
        let (id, attr) = match arg {
            Node::List(l) => match l.as_slice() {
                [id, attr] => (self.literal(id, "Fn::GetAtt", d)?, self.literal(attr, "Fn::GetAtt", d)?),
                _ => return Err(self.fail("Fn::GetAtt takes [Resource, Attribute]")),
            },
            Node::Str(s) => match s.split_once('.') {
                Some((a, b)) => (a.to_string(), b.to_string()),
                None => return Err(self.fail("Fn::GetAtt takes Resource.Attribute")),
            },
            _ => return Err(self.fail("Fn::GetAtt takes [Resource, Attribute]")),
        };
        self.attribute(&id, &attr, d)
    }

    pub(super) fn attribute(&mut self, id: &str, attr: &str, d: usize) -> R<Value> {
        if !self.raw.contains_key(id) {
            return Ok(self.missing(id)?.unwrap_or(Value::Null));
        }
        if let Some(name) = attr.strip_prefix("Outputs.")
            && self.raw.get(id).is_some_and(|r| r.kind == super::NESTED_STACK)
            && self.load.is_some()
        {
            return self.stack_output(id, name, d);
        }
        if let Some(v) = self.props_of(id, d + 1)?.as_ref().and_then(|p| p.get(attr)) {
            return Ok(v.clone());
        }
        if let Some(u) = self.raw.get(id).and_then(|r| lab_made(&r.kind, id, Some(attr))) {
            return Ok(u);
        }
        Ok(Value::Ref { id: id.to_string(), attribute: Some(attr.to_string()) })
    }

    /// A value as the text CloudFormation puts in a string.
    pub(super) fn text(&mut self, v: Value, d: usize) -> R<Text> {
        Ok(Ok(match v {
            Value::String(s) | Value::Number(s) => s,
            Value::Bool(b) => b.to_string(),
            Value::Null => String::new(),
            Value::Ref { id, attribute } => {
                let Some(r) = self.declared(&id, d)? else { return Ok(Ok(id)) };
                if let Some(u) = lab_made(&r.kind, &id, attribute.as_deref()) {
                    return Ok(Err(u));
                }
                let p = physical(&r, attribute.as_deref(), &self.region);
                self.physicals.insert(p.clone(), Value::Ref { id, attribute });
                p
            }
            u @ Value::Unknown { .. } => return Ok(Err(u)),
            Value::List(_) | Value::Map(_) => return Err(self.fail("a list or map where a string is expected")),
        }))
    }

    /// Resource `id` as declared, its properties resolved: one of this template, or of a
    /// nested stack already read (an output of it joined into a string), under its own
    /// logical id so that its physical name is the one its stack wrote.
    fn declared(&mut self, id: &str, d: usize) -> R<Option<Resource>> {
        if let Some(raw) = self.raw.get(id) {
            let (kind, origin) = (raw.kind.clone(), raw.origin.clone());
            let properties = self.props_of(id, d + 1)?.unwrap_or(Value::Map(vec![]));
            return Ok(Some(Resource { id: id.to_string(), kind, properties, origin }));
        }
        let nested = self.children.values().flat_map(|c| c.resources.iter()).find(|r| r.id == id);
        Ok(nested.map(|r| Resource { id: id.rsplit('/').next().unwrap_or(id).to_string(), ..r.clone() }))
    }

    /// A piece of text read back as the reference it was written for, when it is the
    /// physical name of one (a comma-joined list of subnets split again).
    pub(super) fn back(&self, s: &str) -> Value {
        self.physicals.get(s).cloned().unwrap_or_else(|| Value::String(s.to_string()))
    }

    /// A node evaluated to a string (`AWS::NoValue` reads as empty).
    pub(super) fn string(&mut self, n: &'a Node, d: usize) -> R<Text> {
        let v = self.eval(n, d + 1)?.unwrap_or(Value::Null);
        self.text(v, d)
    }

    fn fn_if(&mut self, args: &'a [Node], d: usize) -> R<Option<Value>> {
        let [c, yes, no] = args else { return Err(self.fail("Fn::If takes [condition, then, else]")) };
        let name = c.text().ok_or_else(|| self.fail("Fn::If takes a condition's name"))?;
        match self.condition(&name, d + 1)? {
            Ok(true) => self.eval(yes, d + 1),
            Ok(false) => self.eval(no, d + 1),
            Err((why, fix)) => Ok(Some(Value::Unknown { why: format!("condition {name} is not known: {why}"), fix })),
        }
    }

    fn join(&mut self, args: &'a [Node], d: usize) -> R<Value> {
        let [sep, list] = args else { return Err(self.fail("Fn::Join takes [delimiter, list]")) };
        let sep = match self.string(sep, d)? {
            Ok(s) => s,
            Err(u) => return Ok(u),
        };
        let items = match self.eval(list, d + 1)? {
            Some(Value::List(l)) => l,
            Some(u @ Value::Unknown { .. }) => return Ok(u),
            _ => return Err(self.fail("Fn::Join takes [delimiter, list]")),
        };
        let mut parts = Vec::with_capacity(items.len());
        for v in items {
            match self.text(v, d)? {
                Ok(s) => parts.push(s),
                Err(u) => return Ok(u),
            }
        }
        Ok(Value::String(parts.join(&sep)))
    }

    fn select(&mut self, args: &'a [Node], d: usize) -> R<Value> {
        let [i, list] = args else { return Err(self.fail("Fn::Select takes [index, list]")) };
        let i = match self.string(i, d)? {
            Ok(s) => s,
            Err(u) => return Ok(u),
        };
        let index: usize =
            i.trim().parse().map_err(|_| self.fail(format!("Fn::Select: index {i:?} is not a number")))?;
        let items = match self.eval(list, d + 1)? {
            Some(Value::List(l)) => l,
            Some(u @ Value::Unknown { .. }) => return Ok(u),
            Some(Value::Ref { id, attribute }) => {
                let what = format!("{id}.{}", attribute.unwrap_or_default());
                let why = format!("Fn::Select from {what}: known after deployment");
                return Ok(Value::Unknown { why, fix: String::new() });
            }
            _ => return Err(self.fail("Fn::Select takes [index, list]")),
        };
        match items.into_iter().nth(index) {
            Some(v) => Ok(v),
            None => {
                let (origin, why) = (self.origin.clone(), format!("Fn::Select: index {index} is out of range"));
                self.note(&origin, why.clone(), "");
                Ok(Value::Unknown { why, fix: String::new() })
            }
        }
    }

    fn split(&mut self, args: &'a [Node], d: usize) -> R<Value> {
        let [sep, s] = args else { return Err(self.fail("Fn::Split takes [delimiter, string]")) };
        let (sep, s) = match (self.string(sep, d)?, self.string(s, d)?) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(u), _) | (_, Err(u)) => return Ok(u),
        };
        if sep.is_empty() {
            return Err(self.fail("Fn::Split: empty delimiter"));
        }
        Ok(Value::List(s.split(sep.as_str()).map(|x| self.back(x)).collect()))
    }

    fn find_in_map(&mut self, args: &'a [Node], d: usize) -> R<Option<Value>> {
        let (keys, default) = match args {
            [a, b, c] => ([a, b, c], None),
            // AWS::LanguageExtensions: [map, key, key, {DefaultValue: x}].
            [a, b, c, opts] => ([a, b, c], opts.get("DefaultValue")),
            _ => return Err(self.fail("Fn::FindInMap takes [map, key, key]")),
        };
        let mut names = Vec::with_capacity(3);
        for k in keys {
            match self.string(k, d)? {
                Ok(s) => names.push(s),
                Err(u) => return Ok(Some(u)),
            }
        }
        let found = names.iter().try_fold(self.mappings, |node, k| node.and_then(|n| n.get(k)).map(Some));
        match (found.flatten(), default) {
            (Some(v), _) | (None, Some(v)) => self.eval(v, d + 1),
            (None, None) => Err(self.fail(format!("Fn::FindInMap: no {} in Mappings", names.join(".")))),
        }
    }

    fn import_value(&mut self, arg: &'a Node, d: usize) -> R<Value> {
        let name = match self.string(arg, d)? {
            Ok(s) => s,
            Err(u) => return Ok(u),
        };
        if let Some(v) = self.given.get(&name) {
            let v = v.clone();
            self.imported.insert(name);
            return Ok(Value::String(v));
        }
        // A stack deployed before this one exports it.
        if let Some(v) = self.exports.get(&name) {
            return Ok(v.clone());
        }
        let why = format!("Fn::ImportValue {name}: an export of another stack");
        Ok(Value::Unknown { why, fix: format!("--param {name}=VALUE") })
    }

    fn fn_cidr(&mut self, args: &'a [Node], d: usize) -> R<Value> {
        let [block, count, bits] = args else { return Err(self.fail("Fn::Cidr takes [ipBlock, count, cidrBits]")) };
        let mut texts = Vec::with_capacity(3);
        for n in [block, count, bits] {
            match self.eval(n, d + 1)?.unwrap_or(Value::Null) {
                Value::Ref { id, attribute } => {
                    let why = format!("Fn::Cidr of {id}.{}: known after deployment", attribute.unwrap_or_default());
                    return Ok(Value::Unknown { why, fix: String::new() });
                }
                v => match self.text(v, d)? {
                    Ok(s) => texts.push(s),
                    Err(u) => return Ok(u),
                },
            }
        }
        let [b, c, n] = texts.as_slice() else { return Err(self.fail("Fn::Cidr takes [ipBlock, count, cidrBits]")) };
        let blocks = cidr(b, c, n).map_err(|e| self.fail(format!("Fn::Cidr: {e}")))?;
        Ok(Value::List(blocks.into_iter().map(Value::String).collect()))
    }
}

fn into_value(t: Text) -> Value {
    t.map_or_else(|u| u, Value::String)
}

/// `Fn::GetAZs`: the zones of the regions the lab knows, a-c elsewhere.
pub fn zones(region: &str) -> Vec<Value> {
    let letters: &[&str] = match region {
        "us-east-1" => &["a", "b", "c", "d", "e", "f"],
        "us-west-2" => &["a", "b", "c", "d"],
        "ap-northeast-1" => &["a", "c", "d"],
        _ => &["a", "b", "c"],
    };
    letters.iter().map(|l| Value::String(format!("{region}{l}"))).collect()
}
