//! The Terraform reader: the JSON of `terraform show -json` of a plan or a state -> the
//! resources it manages, each translated to the CloudFormation type and properties it
//! creates, so that one writer serves both readers.
//!
//! A plan's values unknown before apply are resolved through its configuration (`vpc_id =
//! aws_vpc.main.id` becomes a reference to `aws_vpc.main`); a state's concrete ids and ARNs
//! are turned back into references to the resources they name. Data sources are not
//! resources: their values resolve what refers to them (`data.aws_iam_policy_document.x.json`).

mod discovery;
mod doc;
mod ecs;
mod ecs_service;
mod elb;
mod network;
mod network_rules;
mod refs;

use super::resource::{ImportError, Input, Note, Resource, Value};
use doc::{Doc, Inst};
use refs::Src;
use serde_json::Value as Json;

/// The resources of a `terraform show -json` plan or state.
pub fn read(text: &str) -> Result<Input, ImportError> {
    let root: Json =
        serde_json::from_str(text).map_err(|e| ImportError(format!("not the JSON of `terraform show -json`: {e}")))?;
    let doc = Doc::parse(&root).ok_or_else(|| {
        ImportError("neither a plan (`planned_values`) nor a state (`values`) of `terraform show -json`".into())
    })?;
    let mut out = Out::default();
    for inst in doc.insts.iter().filter(|i| i.mode == "managed") {
        translate(&Src::new(&doc, inst), &mut out);
    }
    network::merge(&mut out);
    network::dedupe_rules(&mut out);
    ecs::merge(&mut out);
    ecs::dedupe_policies(&mut out);
    out.notes.extend(doc.notes.take());
    lab_account(&doc, &mut out);
    let region = region(&doc, &root, &out.resources);
    Ok(Input { resources: out.resources, notes: out.notes, region, ..Input::default() })
}

/// What the translators make: resources, and resources that fold into others (an attachment
/// of a policy to a role) until they are merged.
#[derive(Default)]
pub struct Out {
    pub resources: Vec<Resource>,
    pub notes: Vec<Note>,
    /// (address, Terraform type, properties) of what is merged into another resource.
    pub pending: Vec<(String, String, Value)>,
}

impl Out {
    pub fn add(&mut self, id: &str, kind: &str, props: P, origin: &str) {
        self.resources.push(Resource {
            id: id.to_string(),
            kind: kind.to_string(),
            properties: props.build(),
            origin: origin.to_string(),
        });
    }

    pub fn find_mut(&mut self, id: &str) -> Option<&mut Resource> {
        self.resources.iter_mut().find(|r| r.id == id)
    }
}

fn translate(s: &Src, out: &mut Out) {
    if network::translate(s, out) || ecs::translate(s, out) || elb::translate(s, out) || discovery::translate(s, out) {
        return;
    }
    // No counterpart: kept under its own type with its values, listed by the writer.
    let props = match s.convert(&s.inst.values, "", 0) {
        Value::Map(m) => P(m),
        _ => P::default(),
    };
    out.add(&s.inst.address, &s.inst.kind, props, &s.inst.address);
}

/// Properties being built: entries with no value (unset, null, `""`, `[]`) are left out, as
/// Terraform writes an unset optional string as `""`.
#[derive(Default, Debug, Clone)]
pub struct P(pub Vec<(String, Value)>);

impl P {
    pub fn with(mut self, key: &str, v: Option<Value>) -> Self {
        match v {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if s.is_empty() => {}
            Some(Value::List(l)) if l.is_empty() => {}
            Some(Value::Map(m)) if m.is_empty() => {}
            Some(v) => self.0.push((key.to_string(), v)),
        }
        self
    }

    pub fn build(self) -> Value {
        Value::Map(self.0)
    }
}

pub fn string(s: &str) -> Value {
    Value::String(s.to_string())
}

pub fn reference(id: &str) -> Value {
    Value::Ref { id: id.to_string(), attribute: None }
}

/// `tags_all` (with the provider's default tags) when known, else `tags`, as
/// CloudFormation's `[{Key, Value}]`.
pub fn tags(s: &Src) -> Option<Value> {
    let m = s.raw("tags_all").filter(|t| t.as_object().is_some_and(|o| !o.is_empty())).or(s.raw("tags"))?;
    let list = m
        .as_object()?
        .iter()
        .map(|(k, v)| Value::Map(vec![("Key".into(), string(k)), ("Value".into(), s.convert(v, "", 1))]))
        .collect();
    Some(Value::List(list))
}

/// A JSON document held in a string (a policy): parsed into a value, references kept.
pub fn document(s: &Src, key: &str) -> Option<Value> {
    match s.scalar(key)? {
        Value::String(t) => Some(parse_json_text(s, &t)),
        // `jsonencode({... aws_s3_bucket.x.arn ...})`: a document built from a value known
        // after apply, not that value.
        Value::Ref { .. } => Some(refs::unknown("a document built from values known after apply")),
        other => Some(other),
    }
}

pub fn parse_json_text(s: &Src, t: &str) -> Value {
    match serde_json::from_str::<Json>(t) {
        Ok(j) => s.convert(&j, "", 1),
        Err(_) => string(t),
    }
}

/// A value with Terraform's default when the plan or state does not say it.
pub fn or(v: Option<Value>, default: Value) -> Option<Value> {
    Some(v.unwrap_or(default))
}

/// The region: the provider's, else the first found in an ARN or availability zone.
fn region(doc: &Doc, root: &Json, resources: &[Resource]) -> Option<String> {
    let e = root.pointer("/configuration/provider_config/aws/expressions/region");
    if let Some(e) = e {
        if let Value::String(r) = refs::from_expr(doc, "", "", e, false, 0) {
            return Some(r);
        }
    }
    let from_inst = |i: &Inst| -> Option<String> {
        let arn = i.values.get("arn").and_then(Json::as_str).and_then(arn_region);
        arn.or_else(|| i.values.get("availability_zone").and_then(Json::as_str).and_then(az_region))
    };
    doc.insts.iter().find_map(from_inst).or_else(|| {
        resources.iter().find_map(|r| r.properties.get("AvailabilityZone").and_then(Value::str).and_then(az_region))
    })
}

/// The plan's own account made the lab's: where the plan names the account it is applied in
/// (its `aws_caller_identity`, else the account most of its ARNs are in), a role's trust
/// policy conditioned on `aws:SourceAccount`, an ARN, an image in the account's own ECR name
/// the lab's account instead, as they name the real one on AWS (otherwise ECS could not assume
/// such a role in the lab, and the task would not be placed). Noted once.
fn lab_account(doc: &Doc, out: &mut Out) {
    let Some(own) = plan_account(doc) else { return };
    out.notes.extend(super::account::adopt(&mut out.resources, &own, "the plan's"));
}

/// `aws_caller_identity`'s account, else the account most ARNs of the plan's values name.
fn plan_account(doc: &Doc) -> Option<String> {
    let caller = doc.insts.iter().find(|i| i.kind == "aws_caller_identity");
    if let Some(a) = caller.and_then(|i| i.values.get("account_id")).and_then(Json::as_str) {
        return Some(a.to_string());
    }
    fn arns(v: &Json, count: &mut std::collections::HashMap<String, usize>) {
        match v {
            Json::String(s) => {
                for a in super::account::named_in(s) {
                    *count.entry(a.to_string()).or_default() += 1;
                }
            }
            Json::Array(l) => l.iter().for_each(|x| arns(x, count)),
            Json::Object(m) => m.values().for_each(|x| arns(x, count)),
            _ => {}
        }
    }
    let mut count = std::collections::HashMap::new();
    doc.insts.iter().for_each(|i| arns(&i.values, &mut count));
    super::account::most(&count)
}

fn arn_region(arn: &str) -> Option<String> {
    let r = arn.strip_prefix("arn:")?.split(':').nth(2)?;
    (!r.is_empty()).then(|| r.to_string())
}

/// `us-east-1a` -> `us-east-1`; a zone id (`use1-az1`) says nothing.
fn az_region(az: &str) -> Option<String> {
    let r = az.strip_suffix(|c: char| c.is_ascii_lowercase())?;
    r.ends_with(|c: char| c.is_ascii_digit()).then(|| r.to_string())
}

#[cfg(test)]
mod tests;
