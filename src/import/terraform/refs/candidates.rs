//! References the configuration does not show, recovered where only one resource can be
//! meant. Terraform's JSON configuration has no `locals`, leaves `dynamic` blocks out, and says
//! only `each.value` where a `for_each` value is used; a data source read at apply has no
//! value yet. An attribute that names a resource of one type (a service's task definition, a
//! gateway's VPC) is then the only resource of that type in its module instance, else in the
//! input; with several candidates it stays unknown, naming them. Each recovery is noted.

use super::super::doc::{Doc, Inst, split_address, split_key};
use super::{Src, call_of, convert, most_specific, references, resolve, unknown};
use crate::import::resource::{Note, Value};
use serde_json::Value as Json;

const FIX: &str = "check it, or set it in the scenario";

/// (referring type, or "" for any; attribute; the type it names; that type's attribute): an
/// attribute that says which resource owns or runs the referrer, so it names exactly one.
const OWNERS: &[(&str, &str, &str, &str)] = &[
    ("aws_ecs_service", "task_definition", "aws_ecs_task_definition", "arn"),
    ("aws_ecs_service", "cluster", "aws_ecs_cluster", "arn"),
    ("aws_lb_listener", "load_balancer_arn", "aws_lb", "arn"),
    ("aws_lb_listener_rule", "listener_arn", "aws_lb_listener", "arn"),
    ("aws_vpc_security_group_ingress_rule", "security_group_id", "aws_security_group", "id"),
    ("aws_vpc_security_group_egress_rule", "security_group_id", "aws_security_group", "id"),
    ("aws_security_group_rule", "security_group_id", "aws_security_group", "id"),
    ("", "vpc_id", "aws_vpc", "id"),
];

/// Attributes that name a resource of one type, owner or peer (a rule's other group).
const TYPED: &[(&str, &str)] = &[
    ("vpc_id", "aws_vpc"),
    ("security_group_id", "aws_security_group"),
    ("referenced_security_group_id", "aws_security_group"),
    ("source_security_group_id", "aws_security_group"),
    ("subnet_id", "aws_subnet"),
    ("target_group_arn", "aws_lb_target_group"),
    ("task_definition", "aws_ecs_task_definition"),
];

/// An owner attribute left unknown: the only resource of its type, else `v`.
pub fn owner(s: &Src, key: &str, v: Value) -> Value {
    let Value::Unknown { why, .. } = &v else { return v };
    let found = OWNERS.iter().find(|(k, a, _, _)| (k.is_empty() || *k == s.inst.kind) && *a == key);
    let Some(&(_, _, kind, attr)) = found else { return v };
    only(s.doc, s.inst, kind, attr, key, why).unwrap_or(v)
}

/// The only managed `kind` of `inst`'s module instance, else of the input, as a reference
/// to its `attr`, noted; unknown naming them when there are several; `None` when there is none.
pub fn only(doc: &Doc, inst: &Inst, kind: &str, attr: &str, key: &str, why: &str) -> Option<Value> {
    let of = |same: bool| -> Vec<&Inst> {
        doc.insts
            .iter()
            .filter(|i| i.mode == "managed" && i.kind == kind && (!same || i.module == inst.module))
            .collect()
    };
    let (found, place) = match of(true) {
        l if l.is_empty() => (of(false), "of the input".to_string()),
        l if inst.module.is_empty() => (l, "of the root module".to_string()),
        l => (l, format!("of {}", inst.module)),
    };
    match found.as_slice() {
        [] => None,
        [one] => {
            let what = format!(
                "{key}: its reference cannot be followed ({why}); resolved to the only {kind} {place}, {}",
                one.address
            );
            note(doc, &inst.address, what);
            Some(super::reference(one, attr))
        }
        several => Some(ambiguous(several.iter().map(|i| i.address.as_str()), kind)),
    }
}

/// Unknown, naming the candidates it could be.
fn ambiguous<'a>(ids: impl Iterator<Item = &'a str>, kind: &str) -> Value {
    let ids: Vec<&str> = ids.collect();
    unknown(&format!("its reference cannot be followed, and it could be any {kind} of {}", ids.join(", ")))
}

pub fn note(doc: &Doc, origin: &str, what: String) {
    let n = Note { origin: origin.to_string(), what, fix: FIX.to_string(), assumed: true };
    let mut notes = doc.notes.borrow_mut();
    if !notes.contains(&n) {
        notes.push(n);
    }
}

/// The type of resource an attribute names, if one.
pub fn typed(key: &str) -> Option<&'static str> {
    TYPED.iter().find(|(k, _)| *k == key).map(|(_, t)| *t)
}

/// `each.value.FIELD` of a resource whose `for_each` is a module variable: that variable's
/// entry for the instance's key in the module call (`referenced_security_group_id` of
/// `security_group_ingress_rules["alb_3000"]`). For an attribute naming a resource only;
/// `None` when the expression does not use `each.value`. A map built with references says
/// only what it refers to, not where: the only resource of the type it refers to is taken.
pub fn each_value(s: &Src, key: &str, e: &Json) -> Option<Value> {
    let kind = typed(key)?;
    let refs = references(e);
    let field = refs.iter().find_map(|r| r.strip_prefix("each.value."))?;
    let field = split_key(split_address(field).first().copied().unwrap_or("")).0;
    let each_key: Option<String> =
        s.inst.index.strip_prefix('[').and_then(|k| k.strip_suffix(']')).and_then(|k| serde_json::from_str(k).ok());
    let cannot = || Some(unknown(&format!("each.value.{field}, which cannot be followed to the module call")));
    let Some(each_key) = each_key else { return cannot() };
    let var = s.doc.config_of(s.inst).and_then(|c| c.get("for_each_expression")).map(references).and_then(|r| {
        r.iter().find_map(|x| x.strip_prefix("var.").map(|v| split_key(split_address(v)[0]).0.to_string()))
    });
    let Some(var) = var else { return cannot() };
    let Some((parent, call)) = call_of(s.doc, &s.inst.module) else { return cannot() };
    let Some(arg) = call.get("expressions").and_then(|x| x.get(&var)) else { return cannot() };
    if let Some(c) = arg.get("constant_value") {
        let v = c.get(&each_key).and_then(|x| x.get(field)).unwrap_or(&Json::Null);
        return Some(convert(s.doc, v, false, 0));
    }
    let mut found: Vec<String> = vec![];
    for r in most_specific(&references(arg)) {
        for v in flat(resolve(s.doc, &parent, "", r, false, 1)) {
            if let Value::Ref { id, .. } = v {
                if s.doc.get(&id).is_some_and(|i| i.kind == kind) && !found.contains(&id) {
                    found.push(id);
                }
            }
        }
    }
    let at = format!("each.value.{field} of [{each_key:?}], from `{var}` of the module call");
    match found.as_slice() {
        [one] => {
            let what = format!("{key}: {at}, which refers to one {kind} only, {one}");
            note(s.doc, &s.inst.address, what);
            Some(Value::Ref { id: one.clone(), attribute: None })
        }
        [] => Some(unknown(&format!("{at}, which refers to no {kind}"))),
        several => Some(ambiguous(several.iter().map(String::as_str), kind)),
    }
}

fn flat(v: Vec<Value>) -> Vec<Value> {
    v.into_iter().flat_map(|x| if let Value::List(l) = x { l } else { vec![x] }).collect()
}

/// The resources of `kind` that the module call's argument `arg` refers to (constants that are
/// their ids, or references through module outputs): what a `dynamic` block built from that
/// argument names.
pub fn call_arg_refs(doc: &Doc, module: &str, arg: &str, kind: &str) -> Option<Vec<Value>> {
    let (parent, call) = call_of(doc, module)?;
    let e = call.get("expressions")?.get(arg)?;
    let vals = match e.get("constant_value") {
        Some(c) => flat(vec![convert(doc, c, false, 0)]),
        None => most_specific(&references(e))
            .into_iter()
            .flat_map(|r| flat(resolve(doc, &parent, "", r, true, 1)))
            .collect(),
    };
    let mut out: Vec<Value> = vec![];
    for v in vals {
        if matches!(&v, Value::Ref { id, .. } if doc.get(id).is_some_and(|i| i.kind == kind)) && !out.contains(&v) {
            out.push(v);
        }
    }
    Some(out)
}
