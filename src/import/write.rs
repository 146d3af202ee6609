//! Resources -> a scenario file. What each resource becomes is decided here once for both
//! readers: the VPC and what is in it (`network`), then what runs in it and the AWS
//! services it uses (`workload`). Every block carries a comment naming its resource, and
//! every resource the scenario cannot carry is listed in the notes (and at the top of the
//! file), never dropped silently.

mod network;
mod props;
mod workload;

use super::names::Names;
use super::resource::{Input, Note, Resource, Value};
use super::yaml::{Item, Node, emit};
use std::collections::{HashMap, HashSet};

/// How to write.
#[derive(Debug, Clone)]
pub struct Options {
    /// The lab's name (1-20 of `[a-z0-9-]`).
    pub name: String,
    /// The region, when the input does not say it.
    pub region: String,
    /// The command that made the file, for its header (`ecsnet import cloudformation t.yaml`).
    pub command: String,
}

/// The scenario's text and what was not carried over.
#[derive(Debug, Clone)]
pub struct Output {
    pub yaml: String,
    pub notes: Vec<Note>,
}

/// What the writers of each kind share: the input, the names given, the notes.
pub struct Ctx<'a> {
    pub input: &'a Input,
    pub region: String,
    /// The lab's name: its one ECS cluster is `ecsnet-LAB`.
    pub lab: String,
    pub names: Names,
    pub notes: Vec<Note>,
    by_id: HashMap<&'a str, &'a Resource>,
    /// Name tags that more than one resource of a type carries (the CDK tags everything in a
    /// VPC with the VPC's path): they name none of them.
    shared_tags: HashSet<(&'a str, String)>,
    /// Resources written into the scenario (a resource never written is listed as not
    /// carried over at the end).
    pub used: HashSet<String>,
    /// Resources deliberately left out (in another VPC, a value unknown): references to them
    /// resolve to nothing.
    pub skipped: HashSet<String>,
    /// Subnets (their [`Resource::id`]) with `MapPublicIpOnLaunch: true`: the scenario has no
    /// subnet-level field for it, so the instances launched there get `publicIp: true`.
    pub public_subnets: HashSet<String>,
}

impl<'a> Ctx<'a> {
    pub fn new(input: &'a Input, region: String) -> Self {
        let by_id = input.resources.iter().map(|r| (r.id.as_str(), r)).collect();
        let mut seen = HashSet::new();
        let mut shared_tags = HashSet::new();
        for r in &input.resources {
            if let Some(t) = name_tag(&r.properties)
                && !seen.insert((r.kind.as_str(), t.clone()))
            {
                shared_tags.insert((r.kind.as_str(), t));
            }
        }
        Ctx {
            input,
            region,
            lab: String::new(),
            names: Names::new(input.cdk),
            notes: vec![],
            by_id,
            shared_tags,
            used: HashSet::new(),
            skipped: HashSet::new(),
            public_subnets: HashSet::new(),
        }
    }

    pub fn resource(&self, id: &str) -> Option<&'a Resource> {
        self.by_id.get(id).copied()
    }

    /// The input's resources of one CloudFormation type, in input order.
    pub fn of_kind(&self, kind: &'a str) -> impl Iterator<Item = &'a Resource> + 'a {
        self.input.resources.iter().filter(move |r| r.kind == kind)
    }

    /// The resource a value refers to (a `Ref` or `GetAtt` of it).
    pub fn target(&self, v: &Value) -> Option<&'a Resource> {
        match v {
            Value::Ref { id, .. } if !self.skipped.contains(id) => self.resource(id),
            _ => None,
        }
    }

    /// The scenario name of the resource `v` refers to, as a `kind` (`subnet`, `sg`, ...),
    /// when it is one of `cfn_kind`.
    pub fn name_of(&mut self, v: &Value, cfn_kind: &str, kind: &str) -> Option<String> {
        let r = self.target(v).filter(|r| r.kind == cfn_kind)?;
        Some(self.name(r, kind))
    }

    /// The scenario name of resource `r` as a `kind`: its Name tag when it has one, else from
    /// its id.
    pub fn name(&mut self, r: &Resource, kind: &str) -> String {
        let tag = self.name_tag(r);
        self.names.assign(kind, &r.id, tag.as_deref())
    }

    /// `r`'s Name tag, unless resources of its type share it.
    pub fn name_tag(&self, r: &Resource) -> Option<String> {
        name_tag(&r.properties).filter(|t| !self.shared_tags.contains(&(r.kind.as_str(), t.clone())))
    }

    pub fn note(&mut self, origin: &str, what: impl Into<String>, fix: impl Into<String>) {
        self.notes.push(Note { origin: origin.to_string(), what: what.into(), fix: fix.into(), assumed: false });
    }

    /// Something the writer assumed where the input does not say it (listed apart, to check).
    pub fn assume(&mut self, origin: &str, what: impl Into<String>) {
        self.notes.push(Note { origin: origin.to_string(), what: what.into(), fix: String::new(), assumed: true });
    }

    /// The comment above a block: where it came from.
    pub fn from(&mut self, r: &Resource) -> String {
        self.used.insert(r.id.clone());
        format!("from {}", r.origin)
    }
}

/// The value of a `Name` tag (`Tags: [{Key: Name, Value: ...}]`).
pub fn name_tag(props: &Value) -> Option<String> {
    props
        .get("Tags")?
        .list()
        .iter()
        .find(|t| t.get("Key").and_then(Value::str) == Some("Name"))?
        .get("Value")?
        .str()
        .map(str::to_string)
}

/// The scenario for `input`.
pub fn write(input: &Input, opts: &Options) -> Output {
    let renamed = workload::cluster::the_lab_s(input, &opts.name);
    let (input, cluster_note) = match &renamed {
        Some((i, n)) => (i, Some(n.clone())),
        None => (input, None),
    };
    let region = input.region.clone().unwrap_or_else(|| opts.region.clone());
    let mut ctx = Ctx::new(input, region.clone());
    ctx.lab = opts.name.clone();
    let mut top: Vec<(String, Item)> = vec![
        ("version".into(), Node::num(1).into()),
        ("name".into(), Node::str(&opts.name).into()),
        ("region".into(), Node::str(&region).into()),
    ];
    top.extend(network::top_level(&mut ctx));
    top.extend(workload::top_level(&mut ctx));
    props::note_unread(&mut ctx, &[network::PROPS, workload::PROPS]);
    let mut notes = input.notes.clone();
    notes.extend(cluster_note);
    // Said once: an Auto Scaling group's instances share its launch template's notes.
    for n in std::mem::take(&mut ctx.notes) {
        if !notes.contains(&n) {
            notes.push(n);
        }
    }
    for r in &input.resources {
        if !ctx.used.contains(&r.id) && !ctx.skipped.contains(&r.id) && !notes.iter().any(|n| n.origin == r.origin) {
            notes.push(Note {
                origin: r.origin.clone(),
                what: format!("{} is not carried over to the scenario", r.kind),
                fix: String::new(),
                assumed: false,
            });
        }
    }
    let mut yaml = header(opts, &notes);
    yaml.push_str(&emit(&top));
    Output { yaml, notes }
}

fn header(opts: &Options, notes: &[Note]) -> String {
    let mut h = format!(
        "# Generated by `{}`.\n# Regenerate it when the infrastructure code changes; keep the expectations in a file of\n# their own (`ecsnet test SCENARIO --expect FILE`).\n",
        opts.command
    );
    let (assumed, left): (Vec<&Note>, Vec<&Note>) = notes.iter().partition(|n| n.assumed);
    for (title, list) in [("Assumed (check these)", assumed), ("Not carried over", left)] {
        if !list.is_empty() {
            h.push_str(&format!("#\n# {title}:\n"));
            for n in list {
                h.push_str(&format!("# - {n}\n"));
            }
        }
    }
    h
}
