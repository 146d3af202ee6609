//! The CloudFormation reader: a template (JSON or YAML with short-form tags, `cdk synth`
//! output included) -> [`Input`], its parameters, pseudo parameters, conditions, mappings and
//! intrinsic functions resolved the way CloudFormation would at deployment in the lab's
//! account (123456789012).
//!
//! What cannot be known before deployment (a parameter with no default, an SSM parameter, an
//! `Fn::ImportValue`) becomes [`Value::Unknown`] where it is used, with the `--param` that
//! supplies it. `Fn::Base64` keeps its text as is (the writer needs the text, not base64).

mod cidr;
mod conditions;
mod intrinsic;
mod literals;
mod parse;
mod physical;
mod sub;

pub use physical::{ACCOUNT, name as physical_name, partition, physical, url_suffix};

use super::resource::{ImportError, Input, Note, Resource, Value};
use parse::Node;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// The region when none is given.
pub const DEFAULT_REGION: &str = "us-east-1";

/// `AWS::StackName` when no stack name is given.
const DEFAULT_STACK: &str = "stack";

/// Read `text` (a template) with `params` (`--param K=V`) in `region` as stack `stack_name`.
pub fn read(
    text: &str,
    params: &[(String, String)],
    region: Option<&str>,
    stack_name: Option<&str>,
) -> Result<Input, ImportError> {
    let lit = literals(&[text]);
    let (region, mut notes) = deployment(&lit, region);
    let mut one = read_one(text, params, region.as_deref(), stack_name, &Env::default())?;
    let unused = unused_params(params, &one.used);
    one.input.notes.extend(unused);
    notes.append(&mut one.input.notes);
    one.input.notes = notes;
    adopt_account(&lit, &mut one.input);
    Ok(one.input)
}

/// What the templates write out (read once for the region and the account).
fn literals(texts: &[&str]) -> literals::Literals {
    let mut lit = literals::Literals::default();
    texts.iter().filter_map(|t| parse::parse(t).ok()).for_each(|t| lit.add(&t));
    lit
}

/// Where the stacks are deployed: `region` when given, else the region the templates write
/// (a CDK stack synthesized for an `env`, a template written for one region), said as
/// assumed; and the account they write, made the lab's by [`adopt_account`].
fn deployment(lit: &literals::Literals, region: Option<&str>) -> (Option<String>, Vec<Note>) {
    if let Some(r) = region {
        return (Some(r.to_string()), vec![]);
    }
    let Some((r, at)) = lit.region() else { return (None, vec![]) };
    let note = Note {
        origin: "region".into(),
        what: format!("the stacks are deployed in {r}, the region the template writes ({at})"),
        fix: "give --region REGION for another".into(),
        assumed: true,
    };
    (Some(r), vec![note])
}

/// The account CDK stacks synthesized for an `env` write where `AWS::AccountId` would be,
/// made the lab's as `AWS::AccountId` is: otherwise an image in the stack's own ECR would be
/// another account's in the lab. A hand-written template says `AWS::AccountId` for its own
/// account: an account it writes out is another one (a shared registry, AWS's own), kept.
fn adopt_account(lit: &literals::Literals, input: &mut Input) {
    if !input.cdk {
        return;
    }
    if let Some(note) =
        lit.account().and_then(|own| super::account::adopt(&mut input.resources, &own, "the template's"))
    {
        input.notes.insert(0, note);
    }
}

/// One template of several deployed together, and its stack's name.
pub struct Stack<'t> {
    pub name: String,
    pub text: &'t str,
}

/// Several stacks deployed in the order given, as one lab: the exports of each (its
/// `Outputs` with an `Export`) resolve the `Fn::ImportValue` of the stacks after it, as
/// CloudFormation resolves them at deployment (the usual split: a network stack, then
/// service stacks that import its VPC, subnets and roles). With more than one stack, a
/// resource's id is `STACK/LogicalId` and its origin names the stack.
pub fn read_stacks(stacks: &[Stack], params: &[(String, String)], region: Option<&str>) -> Result<Input, ImportError> {
    read_stacks_with(stacks, params, region, Rc::new(|_: &str| None))
}

/// Reads a nested stack's template (`AWS::CloudFormation::Stack`'s `TemplateURL`), or None.
pub type Loader = Rc<dyn Fn(&str) -> Option<String>>;

/// [`read_stacks`], each `AWS::CloudFormation::Stack` read from what `load` gives for its
/// `TemplateURL` and expanded in place, as CloudFormation deploys a nested stack: its
/// `Parameters` are the child's parameters, `Fn::GetAtt STACK.Outputs.NAME` its outputs; its
/// resources' ids are `STACK/LogicalId`.
pub fn read_stacks_with(
    stacks: &[Stack],
    params: &[(String, String)],
    region: Option<&str>,
    load: Loader,
) -> Result<Input, ImportError> {
    let texts: Vec<&str> = stacks.iter().map(|s| s.text).collect();
    let lit = literals(&texts);
    let (region, region_note) = deployment(&lit, region);
    let region = region.as_deref();
    let mut all = Input { notes: region_note, ..Input::default() };
    let mut exports: HashMap<String, Value> = HashMap::new();
    let mut used = HashSet::new();
    // The physical names the stacks before wrote: an export's comma-joined subnets, split by
    // a stack after, read back as the subnets.
    let mut physicals: HashMap<String, Value> = HashMap::new();
    for st in stacks {
        let env =
            Env { exports: exports.clone(), load: Some(load.clone()), physicals: physicals.clone(), ..Env::default() };
        let one = read_one(st.text, params, region, Some(&st.name), &env)
            .map_err(|e| ImportError(format!("stack {}: {e}", st.name)))?;
        let One { mut input, mut outputs, used: u, physicals: mut written } = one;
        if stacks.len() > 1 {
            in_stack(&mut input, &mut outputs, &mut written, &st.name);
        }
        physicals.extend(written);
        exports.extend(outputs);
        used.extend(u);
        all.resources.append(&mut input.resources);
        all.notes.append(&mut input.notes);
        all.region = input.region;
        all.cdk |= input.cdk;
    }
    all.notes.extend(unused_params(params, &used));
    all.name = stacks.last().map(|s| s.name.clone());
    adopt_account(&lit, &mut all);
    Ok(all)
}

/// What one template gave: its resources, its exports (name -> value), the `--param`
/// names it used.
struct One {
    input: Input,
    outputs: Vec<(String, Value)>,
    used: HashSet<String>,
    /// The physical names references were written as in strings, and what they refer to.
    physicals: HashMap<String, Value>,
}

/// What a template is read with besides its text: the exports of the stacks before it, how to
/// read a nested stack's template, and for a nested stack its parent's values.
#[derive(Default, Clone)]
struct Env {
    exports: HashMap<String, Value>,
    load: Option<Loader>,
    /// A nested stack's `Parameters`, as its parent resolved them.
    overrides: Vec<(String, Value)>,
    physicals: HashMap<String, Value>,
    depth: usize,
}

/// Nested stacks inside nested stacks, at most (CloudFormation has no limit; a cycle of
/// templates must end).
const MAX_NESTING: usize = 8;

fn read_one(
    text: &str,
    params: &[(String, String)],
    region: Option<&str>,
    stack_name: Option<&str>,
    env: &Env,
) -> Result<One, ImportError> {
    let tpl = parse::parse(text)?;
    let Some(Node::Map(resources)) = tpl.get("Resources") else {
        return Err(ImportError("not a CloudFormation template: no Resources".into()));
    };
    let region = region.unwrap_or(DEFAULT_REGION);
    let mut cx = Cx::new(&tpl, params, region, stack_name);
    cx.exports = env.exports.clone();
    cx.load = env.load.clone();
    cx.physicals = env.physicals.clone();
    cx.depth = env.depth;
    cx.override_params(tpl.get("Parameters"), &env.overrides);
    cx.transforms(tpl.get("Transform"));
    cx.declare(resources)?;
    let mut out = vec![];
    for (id, decl) in resources {
        if !cx.raw.contains_key(id.as_str()) {
            continue;
        }
        let properties = cx.props_of(id, 0)?.unwrap_or_else(|| Value::Map(vec![]));
        let kind = decl.get("Type").and_then(Node::text).unwrap_or_default();
        if kind == NESTED_STACK && env.load.is_some() {
            // Expanded in place: its resources stand for it.
            out.extend(cx.child(id, 0)?.resources);
            continue;
        }
        out.push(Resource { id: id.clone(), kind, properties, origin: origin(id, decl) });
    }
    let outputs = if env.depth > 0 { cx.outputs_of(tpl.get("Outputs"))? } else { cx.exports_of(tpl.get("Outputs"))? };
    let used = cx.params.keys().chain(cx.imported.iter()).cloned().collect();
    let input = Input {
        resources: out,
        notes: cx.notes,
        region: Some(region.to_string()),
        name: stack_name.map(str::to_string),
        cdk: made_by_cdk(&tpl),
    };
    Ok(One { input, outputs, used, physicals: cx.physicals })
}

const NESTED_STACK: &str = "AWS::CloudFormation::Stack";

/// `cdk synth` output: its bootstrap version check, its metadata resource or its resources'
/// construct paths.
fn made_by_cdk(tpl: &Node) -> bool {
    let resources = match tpl.get("Resources") {
        Some(Node::Map(m)) => m.as_slice(),
        _ => &[],
    };
    tpl.get("Rules").and_then(|r| r.get("CheckBootstrapVersion")).is_some()
        || resources.iter().any(|(_, r)| {
            r.get("Metadata").and_then(|m| m.get("aws:cdk:path")).is_some()
                || r.get("Type").and_then(Node::text).as_deref() == Some("AWS::CDK::Metadata")
        })
}

/// A nested stack once read: its outputs, its resources (ids `STACK/LogicalId`).
#[derive(Clone, Default)]
struct Child {
    outputs: HashMap<String, Value>,
    resources: Vec<Resource>,
}

/// A stack's resources renamed `STACK/Id` (and the references to them, its exports' too), so
/// that the same logical id in two stacks stays two resources.
fn in_stack(input: &mut Input, outputs: &mut [(String, Value)], physicals: &mut HashMap<String, Value>, stack: &str) {
    let local: HashSet<String> = input.resources.iter().map(|r| r.id.clone()).collect();
    rename_all(input, outputs, physicals, &local, stack);
}

fn rename_all(
    input: &mut Input,
    outputs: &mut [(String, Value)],
    physicals: &mut HashMap<String, Value>,
    local: &HashSet<String>,
    stack: &str,
) {
    for r in &mut input.resources {
        r.id = format!("{stack}/{}", r.id);
        r.origin = format!("{} in stack {stack}", r.origin);
        rename_refs(&mut r.properties, local, stack, 0);
    }
    // The same logical id in two stacks: its notes say which.
    for n in &mut input.notes {
        n.origin = format!("{} in stack {stack}", n.origin);
    }
    for (_, v) in outputs.iter_mut() {
        rename_refs(v, local, stack, 0);
    }
    for v in physicals.values_mut() {
        rename_refs(v, local, stack, 0);
    }
}

fn rename_refs(v: &mut Value, local: &HashSet<String>, stack: &str, depth: usize) {
    if depth > 64 {
        return;
    }
    match v {
        Value::Ref { id, .. } if local.contains(id.as_str()) => *id = format!("{stack}/{id}"),
        Value::List(l) => l.iter_mut().for_each(|x| rename_refs(x, local, stack, depth + 1)),
        Value::Map(m) => m.iter_mut().for_each(|(_, x)| rename_refs(x, local, stack, depth + 1)),
        _ => {}
    }
}

/// A `--param` that names nothing of the templates is noted (a typo would go unseen).
fn unused_params(params: &[(String, String)], used: &HashSet<String>) -> Vec<Note> {
    let mut unused: Vec<&String> = params.iter().map(|(k, _)| k).filter(|k| !used.contains(*k)).collect();
    unused.sort();
    unused.dedup();
    unused
        .into_iter()
        .map(|k| Note {
            origin: format!("--param {k}"),
            what: "names no parameter of the template (nor an Fn::ImportValue export used)".into(),
            fix: String::new(),
            assumed: false,
        })
        .collect()
}

/// `logical id Web`, with CDK's construct path when there is one: `logical id Web (Stack/Web)`.
fn origin(id: &str, decl: &Node) -> String {
    match decl.get("Metadata").and_then(|m| m.get("aws:cdk:path")).and_then(Node::text) {
        Some(path) => format!("logical id {id} ({path})"),
        None => format!("logical id {id}"),
    }
}

/// A resource as declared: its type, its properties before resolution, its origin.
struct Raw<'a> {
    kind: String,
    props: Option<&'a Node>,
    origin: String,
}

/// A condition's value, or why it is not known (why, fix).
type Cond = Result<bool, (String, String)>;

/// The resolver's state: the template's sections, what is resolved so far, the notes.
struct Cx<'a> {
    region: String,
    stack: String,
    stack_given: bool,
    params: HashMap<String, Value>,
    given: HashMap<String, String>,
    /// `--param` names consumed by an `Fn::ImportValue`.
    imported: HashSet<String>,
    /// The exports of the stacks deployed before this one.
    exports: HashMap<String, Value>,
    load: Option<Loader>,
    /// Physical names written for references in strings, and the references (a nested stack's
    /// `!Join [",", [!Ref SubnetA, !Ref SubnetB]]` output read back as the subnets).
    physicals: HashMap<String, Value>,
    children: HashMap<String, Child>,
    depth: usize,
    conditions: HashMap<&'a str, &'a Node>,
    cond_done: HashMap<String, Cond>,
    cond_busy: HashSet<String>,
    mappings: Option<&'a Node>,
    raw: HashMap<&'a str, Raw<'a>>,
    /// Resources not created (their condition is false): why.
    omitted: HashMap<String, String>,
    done: HashMap<String, Value>,
    busy: HashSet<String>,
    /// Where resolution is (for notes and errors).
    origin: String,
    notes: Vec<Note>,
    /// A transform the reader does not expand: references to what it makes are unknown.
    transform: bool,
    stack_noted: bool,
}

impl<'a> Cx<'a> {
    fn new(tpl: &'a Node, given: &[(String, String)], region: &str, stack: Option<&str>) -> Self {
        let conditions = match tpl.get("Conditions") {
            Some(Node::Map(m)) => m.iter().map(|(k, v)| (k.as_str(), v)).collect(),
            _ => HashMap::new(),
        };
        let given: HashMap<String, String> = given.iter().cloned().collect();
        Cx {
            region: region.to_string(),
            stack: stack.unwrap_or(DEFAULT_STACK).to_string(),
            stack_given: stack.is_some(),
            params: parameters(tpl.get("Parameters"), &given),
            given,
            imported: HashSet::new(),
            exports: HashMap::new(),
            load: None,
            physicals: HashMap::new(),
            children: HashMap::new(),
            depth: 0,
            conditions,
            cond_done: HashMap::new(),
            cond_busy: HashSet::new(),
            mappings: tpl.get("Mappings"),
            raw: HashMap::new(),
            omitted: HashMap::new(),
            done: HashMap::new(),
            busy: HashSet::new(),
            origin: "template".into(),
            notes: vec![],
            transform: false,
            stack_noted: false,
        }
    }

    fn note(&mut self, origin: &str, what: impl Into<String>, fix: impl Into<String>) {
        self.notes.push(Note { origin: origin.to_string(), what: what.into(), fix: fix.into(), assumed: false });
    }

    /// An error at the current place.
    fn fail(&self, what: impl std::fmt::Display) -> ImportError {
        ImportError(format!("{}: {what}", self.origin))
    }

    /// `Transform`: a macro is not expanded (noted); `AWS::LanguageExtensions`' functions are
    /// read where they are cheap (`Fn::FindInMap` defaults, `Fn::Length`).
    fn transforms(&mut self, t: Option<&Node>) {
        let names: Vec<String> = match t {
            Some(Node::List(l)) => l.iter().filter_map(Node::text).collect(),
            Some(n) => n.text().into_iter().collect(),
            None => vec![],
        };
        for name in names.into_iter().filter(|n| n != "AWS::LanguageExtensions") {
            self.transform = true;
            self.note(
                "Transform",
                format!("transform {name} is not expanded: the resources it would make are missing, the others are read as written"),
                "the expanded template: aws cloudformation get-template --stack-name STACK --template-stage Processed",
            );
        }
    }

    /// Every resource's declaration, and whether its condition lets it be created.
    fn declare(&mut self, resources: &'a [(String, Node)]) -> Result<(), ImportError> {
        for (id, decl) in resources {
            if id.starts_with("Fn::ForEach::") {
                self.note(&format!("Resources.{id}"), "Fn::ForEach (AWS::LanguageExtensions) is not expanded", "");
                continue;
            }
            let Some(kind) = decl.get("Type").and_then(Node::text) else {
                return Err(ImportError(format!("logical id {id}: no Type")));
            };
            // CDK's version report: nothing of it exists in a lab.
            if kind == "AWS::CDK::Metadata" {
                continue;
            }
            let origin = origin(id, decl);
            if let Some(cond) = decl.get("Condition").and_then(Node::text) {
                self.origin = origin.clone();
                match self.condition(&cond, 0)? {
                    Ok(true) => {}
                    Ok(false) => {
                        self.note(&origin, format!("condition {cond} is false: not created"), "");
                        self.omitted.insert(id.clone(), format!("{id} is not created (condition {cond} is false)"));
                        continue;
                    }
                    Err((why, fix)) => {
                        self.note(&origin, format!("condition {cond} is not known ({why}): created"), fix)
                    }
                }
            }
            self.raw.insert(id, Raw { kind, props: decl.get("Properties"), origin });
        }
        Ok(())
    }

    /// Resource `id`'s properties resolved (once); None while they are being resolved (a
    /// reference back to a resource being resolved reads as a plain reference).
    fn props_of(&mut self, id: &str, d: usize) -> Result<Option<Value>, ImportError> {
        if let Some(v) = self.done.get(id) {
            return Ok(Some(v.clone()));
        }
        let Some(raw) = self.raw.get(id) else { return Ok(None) };
        if !self.busy.insert(id.to_string()) {
            return Ok(None);
        }
        let (props, origin) = (raw.props, raw.origin.clone());
        let saved = std::mem::replace(&mut self.origin, origin);
        let v = match props {
            Some(p) => self.eval(p, d + 1),
            None => Ok(None),
        };
        self.origin = saved;
        self.busy.remove(id);
        let v = v?.unwrap_or_else(|| Value::Map(vec![]));
        self.done.insert(id.to_string(), v.clone());
        Ok(Some(v))
    }

    /// A nested stack's parameters as its parent gives them (over their defaults): a list
    /// type's comma-separated text split, each item that is the physical name of a resource
    /// read back as the reference it was written for.
    fn override_params(&mut self, decls: Option<&Node>, given: &[(String, Value)]) {
        for (k, v) in given {
            let ty = decls.and_then(|d| d.get(k)).and_then(|d| d.get("Type")).and_then(Node::text).unwrap_or_default();
            let listy = ty.starts_with("List<") || ty == "CommaDelimitedList";
            let v = match v {
                Value::String(s) if listy => Value::List(s.split(',').map(|x| self.back(x.trim())).collect()),
                Value::String(s) => self.back(s),
                other => other.clone(),
            };
            self.params.insert(k.clone(), v);
        }
    }

    /// Every output of a nested stack (its parent reads them with `Fn::GetAtt`).
    fn outputs_of(&mut self, outputs: Option<&'a Node>) -> Result<Vec<(String, Value)>, ImportError> {
        let Some(Node::Map(outputs)) = outputs else { return Ok(vec![]) };
        let mut out = vec![];
        for (key, o) in outputs {
            let Some(value) = o.get("Value") else { continue };
            self.origin = format!("Outputs.{key}");
            if let Some(cond) = o.get("Condition").and_then(Node::text)
                && self.condition(&cond, 0)? != Ok(true)
            {
                continue;
            }
            let v = self.eval(value, 0)?.unwrap_or(Value::Null);
            out.push((key.clone(), v));
        }
        Ok(out)
    }

    /// `Fn::GetAtt STACK.Outputs.NAME` of a nested stack.
    fn stack_output(&mut self, id: &str, name: &str, d: usize) -> Result<Value, ImportError> {
        let child = self.child(id, d)?;
        Ok(child.outputs.get(name).cloned().unwrap_or_else(|| Value::Unknown {
            why: format!("{id}.Outputs.{name}: the nested stack's template is not read, or has no such output"),
            fix: "give its template file next to the parent's, at the path its TemplateURL ends with".into(),
        }))
    }

    /// Nested stack `id`, read (once) from its `TemplateURL` with its `Parameters`.
    fn child(&mut self, id: &str, d: usize) -> Result<Child, ImportError> {
        if let Some(c) = self.children.get(id) {
            return Ok(c.clone());
        }
        // Reading it again while it is read (a cycle) finds it empty.
        self.children.insert(id.to_string(), Child::default());
        let props = self.props_of(id, d + 1)?.unwrap_or(Value::Map(vec![]));
        let origin = self.raw.get(id).map(|r| r.origin.clone()).unwrap_or_default();
        let url = props.get("TemplateURL").and_then(Value::str).unwrap_or_default().to_string();
        let text = self.load.as_ref().and_then(|l| l(&url));
        let (Some(text), true) = (text, self.depth < MAX_NESTING) else {
            self.note(
                &origin,
                format!("nested stack {url}: its template is not read"),
                "give its template file next to the parent's, at the path its TemplateURL ends with",
            );
            return Ok(Child::default());
        };
        let overrides = match props.get("Parameters") {
            Some(Value::Map(m)) => m.clone(),
            _ => vec![],
        };
        let env = Env {
            exports: self.exports.clone(),
            load: self.load.clone(),
            overrides,
            physicals: self.physicals.clone(),
            depth: self.depth + 1,
        };
        let name = format!("{}-{id}", self.stack);
        let mut one = read_one(&text, &[], Some(&self.region.clone()), Some(&name), &env)
            .map_err(|e| ImportError(format!("{origin}: nested stack {url}: {e}")))?;
        let local: HashSet<String> = one.input.resources.iter().map(|r| r.id.clone()).collect();
        rename_all(&mut one.input, &mut one.outputs, &mut one.physicals, &local, id);
        self.physicals.extend(one.physicals);
        self.notes.append(&mut one.input.notes);
        let child = Child { outputs: one.outputs.into_iter().collect(), resources: one.input.resources };
        self.children.insert(id.to_string(), child.clone());
        Ok(child)
    }

    /// The template's exports: each output with an `Export` (and no false `Condition`), its
    /// name and value resolved as CloudFormation resolves them at deployment.
    fn exports_of(&mut self, outputs: Option<&'a Node>) -> Result<Vec<(String, Value)>, ImportError> {
        let Some(Node::Map(outputs)) = outputs else { return Ok(vec![]) };
        let mut out = vec![];
        for (key, o) in outputs {
            let (Some(export), Some(value)) = (o.get("Export").and_then(|e| e.get("Name")), o.get("Value")) else {
                continue;
            };
            self.origin = format!("Outputs.{key}");
            if let Some(cond) = o.get("Condition").and_then(Node::text)
                && self.condition(&cond, 0)? != Ok(true)
            {
                continue;
            }
            let Ok(name) = self.string(export, 0)? else { continue };
            let v = self.eval(value, 0)?.unwrap_or(Value::Null);
            out.push((name, v));
        }
        Ok(out)
    }
}

/// The parameters' values: given (`--param`) over `Default`; list types split on commas;
/// unknown (with the `--param` to give) when neither, or when read from SSM at deployment.
fn parameters(decls: Option<&Node>, given: &HashMap<String, String>) -> HashMap<String, Value> {
    let Some(Node::Map(decls)) = decls else { return HashMap::new() };
    let mut out = HashMap::new();
    for (name, decl) in decls {
        let ty = decl.get("Type").and_then(Node::text).unwrap_or_else(|| "String".into());
        let ssm = ty.starts_with("AWS::SSM::Parameter::Value<");
        let default = decl.get("Default").and_then(Node::text);
        let fix = format!("--param {name}=VALUE");
        let value = match given.get(name).cloned().or(if ssm { None } else { default.clone() }) {
            Some(v) if ty.contains("List<") || ty.contains("CommaDelimitedList") => {
                Value::List(v.split(',').map(|s| Value::String(s.trim().to_string())).collect())
            }
            Some(v) if ty == "Number" => Value::Number(v),
            Some(v) => Value::String(v),
            None if ssm => Value::Unknown {
                why: format!(
                    "parameter {name} is read from SSM parameter {} at deployment",
                    default.unwrap_or_default()
                ),
                fix,
            },
            None => Value::Unknown { why: format!("parameter {name} has no default"), fix },
        };
        out.insert(name.clone(), value);
    }
    out
}

#[cfg(test)]
mod tests;
