//! Values of a resource's attributes: known ones as planned or stored (an id or ARN of
//! another resource turned back into a reference to it), unknown ones through the
//! configuration's `references` (`vpc_id = aws_vpc.main.id` -> a reference to
//! `aws_vpc.main`), through variables, module outputs and data sources.

use super::doc::{Doc, Inst, MAX_DEPTH, split_address, split_key};
use crate::import::resource::Value;
use serde_json::Value as Json;

pub mod candidates;

static NULL: Json = Json::Null;

const WHY: &str = "known after apply";
const FIX: &str = "apply the plan and import `terraform show -json` of the state, or set it in the scenario";

pub fn unknown(why: &str) -> Value {
    Value::Unknown { why: why.to_string(), fix: FIX.to_string() }
}

/// Attributes whose value is a name that may be another resource's id (a role name).
const NAME_KEYS: &[&str] = &["role", "roles", "iam_instance_profile", "bucket"];

/// Where an attribute's value is read: the instance, this level's known values, what the
/// plan leaves unknown at this level, and the configuration's expressions at this level.
#[derive(Clone, Copy)]
pub struct Src<'a> {
    pub doc: &'a Doc,
    pub inst: &'a Inst,
    pub values: &'a Json,
    pub unknown: &'a Json,
    /// `None` when there is no configuration (a state).
    pub expr: Option<&'a Json>,
}

impl<'a> Src<'a> {
    pub fn new(doc: &'a Doc, inst: &'a Inst) -> Self {
        let expr = doc.config_of(inst).map(|c| c.get("expressions").unwrap_or(&NULL));
        Src { doc, inst, values: &inst.values, unknown: &inst.unknown, expr }
    }

    /// The known JSON value of `key` (not null).
    pub fn raw(&self, key: &str) -> Option<&'a Json> {
        self.values.get(key).filter(|v| !v.is_null())
    }

    pub fn text(&self, key: &str) -> Option<&'a str> {
        self.raw(key).and_then(Json::as_str).filter(|s| !s.is_empty())
    }

    fn is_unknown(&self, key: &str) -> bool {
        self.unknown == &Json::Bool(true) || self.unknown.get(key).is_some_and(|u| u != &Json::Bool(false))
    }

    fn key_expr(&self, key: &str) -> Option<&'a Json> {
        self.expr.and_then(|e| e.get(key))
    }

    /// One value: known, else from the configuration; `None` when unset, and when Terraform
    /// computes it for an attribute the configuration does not set (AWS picks it, as it
    /// does for a CloudFormation property left out).
    pub fn scalar(&self, key: &str) -> Option<Value> {
        self.value_of(key, false)
    }

    /// A list whose elements may each refer to a resource (`subnet_ids`).
    pub fn list(&self, key: &str) -> Option<Value> {
        self.value_of(key, true)
    }

    /// A value, as a list when `want_list` (an index-less reference names every instance).
    pub fn value_of(&self, key: &str, want_list: bool) -> Option<Value> {
        if let Some(v) = self.raw(key) {
            let has_holes = v.as_array().is_some_and(|a| a.iter().any(Json::is_null)) && self.is_unknown(key);
            if !has_holes {
                let known = self.convert(v, key, 0);
                return Some(match self.key_expr(key) {
                    Some(e) => relink(self.doc, &self.inst.module, &self.inst.index, e, known),
                    None => known,
                });
            }
        }
        if !self.is_unknown(key) {
            return None;
        }
        match self.expr {
            None => Some(unknown(WHY)),
            Some(_) => {
                let e = self.key_expr(key)?;
                if let Some(v) = candidates::each_value(self, key, e) {
                    return Some(v);
                }
                let v = from_expr(self.doc, &self.inst.module, &self.inst.index, e, want_list, 0);
                Some(if std::ptr::eq(self.values, &self.inst.values) { candidates::owner(self, key, v) } else { v })
            }
        }
    }

    /// Known JSON -> a value, with ids and ARNs of resources of the input as references.
    pub fn convert(&self, v: &Json, key: &str, depth: usize) -> Value {
        convert(self.doc, v, NAME_KEYS.contains(&key), depth)
    }

    /// The nested blocks `key` (a route table's `route`), each with its values and its
    /// configuration block.
    pub fn blocks(&self, key: &str) -> Vec<Src<'a>> {
        let cfg: &[Json] = self.key_expr(key).and_then(Json::as_array).map(Vec::as_slice).unwrap_or(&[]);
        let unk = if self.unknown == &Json::Bool(true) { self.unknown } else { self.unknown.get(key).unwrap_or(&NULL) };
        match self.raw(key).and_then(Json::as_array) {
            Some(known) => known
                .iter()
                .enumerate()
                .map(|(i, v)| Src {
                    values: v,
                    unknown: if unk.is_boolean() { unk } else { unk.get(i).unwrap_or(&NULL) },
                    expr: self.expr.map(|_| matching_block(v, cfg, i, known.len()).unwrap_or(&NULL)),
                    ..*self
                })
                .collect(),
            // Unknown as a whole: the configured blocks.
            None if self.is_unknown(key) => {
                cfg.iter().map(|c| Src { values: &NULL, unknown: &Json::Bool(true), expr: Some(c), ..*self }).collect()
            }
            None => vec![],
        }
    }
}

/// The configuration block a planned block came from: sets are reordered, so the first whose
/// constants all agree with the block; else the same position when the counts agree.
fn matching_block<'a>(v: &Json, cfg: &'a [Json], i: usize, n: usize) -> Option<&'a Json> {
    let agrees = |c: &Json| {
        c.as_object().is_some_and(|o| {
            o.iter().all(|(k, e)| match (e.get("constant_value"), v.get(k)) {
                (Some(want), Some(have)) if !have.is_null() => loosely_equal(want, have),
                _ => true,
            })
        })
    };
    cfg.iter().find(|c| agrees(c)).or_else(|| if cfg.len() == n { cfg.get(i) } else { None })
}

/// `80` and `"80"` are the same port to Terraform.
fn loosely_equal(a: &Json, b: &Json) -> bool {
    let s = |j: &Json| match j {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    };
    a == b || (!a.is_object() && !a.is_array() && s(a) == s(b))
}

/// Known JSON -> a value. A string that is the id or ARN of a resource of the input becomes a
/// reference to it (a name-id only where `names`, a role name in `role`).
pub fn convert(doc: &Doc, v: &Json, names: bool, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    match v {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => Value::Number(n.to_string()),
        Json::String(s) => {
            if let Some((inst, attr)) = doc.by_id(s) {
                return reference(inst, attr);
            }
            match doc.by_name(s).filter(|_| names) {
                Some(inst) => reference(inst, "id"),
                None => Value::String(s.clone()),
            }
        }
        Json::Array(a) => Value::List(a.iter().map(|x| convert(doc, x, names, depth + 1)).collect()),
        Json::Object(o) => Value::Map(o.iter().map(|(k, x)| (k.clone(), convert(doc, x, names, depth + 1))).collect()),
    }
}

/// CloudFormation types whose `Ref` is already the ARN (a load balancer's, a task
/// definition's): Terraform's `.arn` of them is their plain reference.
const REF_IS_ARN: &[&str] = &[
    "aws_lb",
    "aws_alb",
    "aws_lb_target_group",
    "aws_alb_target_group",
    "aws_lb_listener",
    "aws_alb_listener",
    "aws_lb_listener_rule",
    "aws_ecs_task_definition",
    "aws_ecs_service",
    "aws_iam_policy",
    "aws_secretsmanager_secret",
];

/// A reference to `inst`'s attribute `attr`, as CloudFormation's Ref or GetAtt would say it.
pub fn reference(inst: &Inst, attr: &str) -> Value {
    let attribute = match attr {
        "id" | "name" => None,
        "arn" if REF_IS_ARN.contains(&inst.kind.as_str()) => None,
        "arn" => Some("Arn".to_string()),
        "prefix_list_id" => Some("PrefixListId".to_string()),
        "dns_name" => Some("DNSName".to_string()),
        "repository_url" => Some("RepositoryUri".to_string()),
        "default_security_group_id" => Some("DefaultSecurityGroup".to_string()),
        other => Some(pascal(other)),
    };
    Value::Ref { id: inst.address.clone(), attribute }
}

/// `snake_case` -> `PascalCase`.
pub fn pascal(s: &str) -> String {
    s.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect()
}

/// A configuration expression's value: its constant, else what its references name.
pub fn from_expr(doc: &Doc, module: &str, index: &str, e: &Json, want_list: bool, depth: usize) -> Value {
    if let Some(c) = e.get("constant_value") {
        return convert(doc, c, false, depth);
    }
    let refs = references(e);
    let mut found = vec![];
    for r in most_specific(&refs) {
        found.extend(resolve(doc, module, index, r, want_list, depth));
    }
    if want_list && found.iter().any(|v| matches!(v, Value::Ref { .. })) {
        found = list_elements(found);
    }
    if want_list {
        // One reference that is itself a list (`module.vpc.private_subnets`) is that list.
        if let [Value::List(l)] = found.as_slice() {
            return Value::List(l.clone());
        }
        return if found.is_empty() { unknown(WHY) } else { Value::List(found) };
    }
    // `a ? aws_x.b.id : null`: the resource it names rather than a variable's value.
    let pick = found.iter().position(|v| matches!(v, Value::Ref { .. })).unwrap_or(0);
    found.into_iter().nth(pick).unwrap_or_else(|| unknown(WHY))
}

/// The references of an expression, as Terraform lists them.
pub fn references(e: &Json) -> Vec<&str> {
    e.get("references").and_then(Json::as_array).into_iter().flatten().filter_map(Json::as_str).collect()
}

/// What a list's references name, as its elements: `[var.create, aws_security_group.this[0].id,
/// var.security_groups]` names a condition, a group, a list of groups. Conditions (bools,
/// numbers, nulls) are not elements; a list named is spliced in.
fn list_elements(found: Vec<Value>) -> Vec<Value> {
    let mut out = vec![];
    for v in found {
        match v {
            Value::List(l) => out.extend(l),
            Value::Bool(_) | Value::Number(_) | Value::Null => {}
            other => out.push(other),
        }
    }
    out
}

/// Terraform lists `aws_vpc.main.id` then `aws_vpc.main`: keep the first of each such run.
fn most_specific<'a>(refs: &[&'a str]) -> Vec<&'a str> {
    let mut kept: Vec<&str> = vec![];
    for r in refs {
        let parent_of_kept =
            kept.iter().any(|k| k.starts_with(r) && matches!(k.as_bytes().get(r.len()), Some(b'.' | b'[')));
        if !parent_of_kept && !kept.contains(r) {
            kept.push(r);
        }
    }
    kept
}

/// Names of a reference that are not resources.
const NOT_RESOURCES: &[&str] = &["var", "local", "module", "data", "count", "each", "path", "self", "terraform"];

/// A known string (or list of them) that is the value of the resource attribute its
/// expression refers to (`role = aws_iam_role.x.name`, known before apply): a reference.
fn relink(doc: &Doc, module: &str, index: &str, e: &Json, v: Value) -> Value {
    let refs: Vec<&str> =
        e.get("references").and_then(Json::as_array).into_iter().flatten().filter_map(Json::as_str).collect();
    if refs.is_empty() {
        return v;
    }
    let prefix = if module.is_empty() { String::new() } else { format!("{module}.") };
    let find = |s: &str| -> Option<Value> {
        for r in most_specific(&refs) {
            let parts = split_address(r);
            let [kind, name, rest @ ..] = parts.as_slice() else { continue };
            if NOT_RESOURCES.contains(kind) {
                continue;
            }
            let (name, key) = split_key(name);
            let attr = rest.first().map(|a| split_key(a).0).unwrap_or("id");
            for inst in pick(doc, &format!("{prefix}{kind}.{name}"), key, index, true) {
                if inst.values.get(attr).and_then(Json::as_str) == Some(s) {
                    return Some(reference(inst, attr));
                }
            }
        }
        None
    };
    let one = |x: Value| match x {
        Value::String(s) => find(&s).unwrap_or(Value::String(s)),
        other => other,
    };
    match v {
        Value::List(l) => Value::List(l.into_iter().map(one).collect()),
        other => one(other),
    }
}

/// What one reference names, seen from `module` (`index`: the referring instance's key).
pub fn resolve(doc: &Doc, module: &str, index: &str, r: &str, want_list: bool, depth: usize) -> Vec<Value> {
    if depth > MAX_DEPTH {
        return vec![];
    }
    let parts = split_address(r);
    let prefix = if module.is_empty() { String::new() } else { format!("{module}.") };
    match parts.as_slice() {
        ["var", name, ..] => vec![variable(doc, module, index, split_key(name).0, want_list, depth)],
        ["module", call, output, ..] => {
            let (output, key) = split_key(output);
            let v = module_output(doc, module, index, call, output, want_list || !key.is_empty(), depth);
            if key.is_empty() { v } else { output_element(doc, v, key, want_list) }
        }
        ["data", kind, name, rest @ ..] => {
            let (name, key) = split_key(name);
            let insts = pick(doc, &format!("{prefix}data.{kind}.{name}"), key, index, false);
            let attr = rest.first().map(|a| split_key(a).0).unwrap_or("id");
            insts
                .iter()
                .map(|i| i.values.get(attr).map_or_else(|| unknown(WHY), |v| convert(doc, v, false, depth)))
                .collect()
        }
        [first, ..] if NOT_RESOURCES.contains(first) => vec![],
        [kind, name, rest @ ..] => {
            let (name, key) = split_key(name);
            let attr = rest.first().map(|a| split_key(a).0).unwrap_or("id");
            let insts = pick(doc, &format!("{prefix}{kind}.{name}"), key, index, want_list);
            insts.iter().map(|i| attribute_of(doc, i, attr, depth)).collect()
        }
        _ => vec![],
    }
}

/// A resource's attribute: its known value, except ids and ARNs, which stay references.
fn attribute_of(doc: &Doc, inst: &Inst, attr: &str, depth: usize) -> Value {
    let identity = matches!(attr, "id" | "arn" | "name") || attr.ends_with("_id") || attr.ends_with("_arn");
    match inst.values.get(attr).filter(|v| !v.is_null()) {
        Some(v) if !identity => convert(doc, v, false, depth),
        _ => reference(inst, attr),
    }
}

/// The instances an address names: the one its key says; for an index-less reference, all
/// of them in a list, else the referrer's own key when the target has it, else the only one.
fn pick<'a>(doc: &'a Doc, base: &str, key: &str, index: &str, want_list: bool) -> Vec<&'a Inst> {
    if !key.is_empty() {
        return doc.get(&format!("{base}{key}")).into_iter().collect();
    }
    let all = doc.instances_of(base);
    if want_list || all.len() <= 1 {
        return all;
    }
    all.into_iter().filter(|i| i.index == index).collect()
}

/// `var.NAME`: the plan's variable at the root, else the calling module's argument.
fn variable(doc: &Doc, module: &str, index: &str, name: &str, want_list: bool, depth: usize) -> Value {
    if module.is_empty() {
        return match doc.variables.get(name).and_then(|v| v.get("value")) {
            Some(v) => convert(doc, v, false, depth),
            None => unknown(WHY),
        };
    }
    let Some((parent, call)) = call_of(doc, module) else { return unknown(WHY) };
    match call.get("expressions").and_then(|e| e.get(name)) {
        Some(e) => from_expr(doc, &parent, index, e, want_list, depth + 1),
        // Not set by the caller: the variable's default when it is a list (`security_groups
        // = []`); other defaults stay unknown where one value is wanted: an unset
        // condition's input (`var.create`) is not the value.
        None => match call.pointer(&format!("/module/variables/{name}/default")) {
            Some(d @ Json::Array(_)) => convert(doc, d, false, depth),
            // In a list, a condition's input (`var.create`) is known to be no element.
            Some(d) if want_list => convert(doc, d, false, depth),
            // A default is a constant, so no id of a resource made here: in a list of them
            // it adds none, whatever it is.
            None if want_list => Value::Null,
            _ => unknown(WHY),
        },
    }
}

/// The module instance that calls `module` (its address) and the call's configuration.
pub fn call_of<'a>(doc: &'a Doc, module: &str) -> Option<(String, &'a Json)> {
    let parts = split_address(module);
    let call = parts.last()?;
    let parent = parts.get(..parts.len().checked_sub(2)?)?.join(".");
    let c = doc.config_module(&parent)?.get("module_calls")?.get(split_key(call).0)?;
    Some((parent, c))
}

/// `module.alb.target_groups["ex-ecs"]`: of what the output names, the instance with that key.
fn output_element(doc: &Doc, found: Vec<Value>, key: &str, want_list: bool) -> Vec<Value> {
    let all: Vec<Value> = found.into_iter().flat_map(|v| if let Value::List(l) = v { l } else { vec![v] }).collect();
    let keyed: Vec<Value> = all
        .into_iter()
        .filter(|v| matches!(v, Value::Ref { id, .. } if doc.get(id).is_some_and(|i| i.index == key)))
        .collect();
    match keyed.len() {
        0 => vec![unknown(WHY)],
        _ if want_list => vec![Value::List(keyed)],
        _ => keyed,
    }
}

/// `module.CALL.OUTPUT`: the output's expression, seen from inside the module.
fn module_output(
    doc: &Doc,
    module: &str,
    index: &str,
    call: &str,
    output: &str,
    want_list: bool,
    depth: usize,
) -> Vec<Value> {
    let prefix = if module.is_empty() { String::new() } else { format!("{module}.") };
    let (name, key) = split_key(call);
    let mut child = format!("{prefix}module.{name}{key}");
    // A module with count or for_each and an index-less reference: its only instance.
    if key.is_empty() && !doc.insts.iter().any(|i| i.module == child) {
        if let Some(i) = doc.insts.iter().find(|i| i.module.starts_with(&format!("{child}["))) {
            let rest = &i.module[child.len()..];
            let end = rest.find(']').map_or(rest.len(), |e| e + 1);
            child = format!("{child}{}", &rest[..end]);
        }
    }
    let expr = doc
        .config_module(module)
        .and_then(|m| m.get("module_calls")?.get(name)?.get("module")?.get("outputs")?.get(output)?.get("expression"));
    match expr {
        Some(e) => vec![from_expr(doc, &child, index, e, want_list, depth + 1)],
        None => vec![unknown(WHY)],
    }
}
