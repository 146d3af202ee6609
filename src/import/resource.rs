//! What both readers hand the writer: resources of CloudFormation's types with their
//! properties resolved, and the notes of what could not be read.

use std::fmt;

/// A property's value once the template's functions and parameters are resolved.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// A number as written (CloudFormation and Terraform write ports both as `80` and `"80"`).
    Number(String),
    String(String),
    List(Vec<Value>),
    /// An object, its keys in the order written.
    Map(Vec<(String, Value)>),
    /// A whole value that names another resource of the input: CloudFormation's `Ref` or
    /// `Fn::GetAtt` of a resource, a Terraform attribute that refers to another resource
    /// (`vpc_id = aws_vpc.main.id`). `id` is that resource's [`Resource::id`]; `attribute` is
    /// `None` for its `Ref` (its id, or its name for the types whose `Ref` is a name) and
    /// `Some("Arn")`, `Some("GroupId")`, ... for an attribute.
    Ref {
        id: String,
        attribute: Option<String>,
    },
    /// A value not known before deployment (Terraform's "known after apply", an
    /// `Fn::ImportValue` of another stack, a parameter with no default): why, and how to
    /// supply it (`--param VpcCidr=10.0.0.0/16`).
    Unknown {
        why: String,
        fix: String,
    },
}

impl Value {
    pub fn str(&self) -> Option<&str> {
        match self {
            Value::String(s) | Value::Number(s) => Some(s),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn list(&self) -> &[Value] {
        match self {
            Value::List(l) => l,
            _ => &[],
        }
    }

    pub fn bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }
}

/// One resource, as CloudFormation would declare it.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// Unique in the input: the logical id (`WebSG`) or the Terraform address
    /// (`aws_security_group.web`, `module.vpc.aws_subnet.private[0]`).
    pub id: String,
    /// CloudFormation's type: `AWS::EC2::SecurityGroup`. A Terraform type with no counterpart
    /// keeps its own name (`aws_foo`), which the writer lists as not understood.
    pub kind: String,
    /// The properties (a [`Value::Map`]), CloudFormation's names and shapes, plus ecsnet's own
    /// where CloudFormation has no way to say what the input means:
    /// - `EcsnetDefaultEgress: false` on an `AWS::EC2::SecurityGroup`: the group has no egress
    ///   rule but those listed (Terraform removes AWS's default allow-all egress rule from a
    ///   group it manages), where an absent `SecurityGroupEgress` means allow-all;
    /// - `EcsnetMain: true` on an `AWS::EC2::RouteTable`: the VPC's main route table (Terraform's
    ///   `aws_default_route_table`, `aws_main_route_table_association`), used by the subnets
    ///   associated with no other table.
    pub properties: Value,
    /// How the generated block names its origin: `logical id WebSG`, `aws_security_group.web`.
    pub origin: String,
}

/// Something of the input that is not in the scenario, never dropped silently.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    /// The resource or place it concerns (`aws_lambda_function.x`, `logical id Bucket`,
    /// `Parameters.VpcCidr`).
    pub origin: String,
    pub what: String,
    /// How to supply or work around it; empty when there is nothing to do.
    pub fix: String,
    /// Not something left out but something the importer assumed (a reference the input
    /// does not show, taken to the only resource it can mean): to be checked, listed apart.
    pub assumed: bool,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.origin, self.what)?;
        if !self.fix.is_empty() {
            write!(f, " ({})", self.fix)?;
        }
        Ok(())
    }
}

/// What a reader made of its input.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Input {
    pub resources: Vec<Resource>,
    pub notes: Vec<Note>,
    /// The region, when the input says it (a provider block, `AWS::Region` given).
    pub region: Option<String>,
    /// What the input calls itself (a stack name, a root module): the default lab name.
    pub name: Option<String>,
    /// Made by the CDK, whose logical ids end in a hash of their path (`WebServiceD04B5F3E`):
    /// names are made without it.
    pub cdk: bool,
}

/// The input could not be read at all (not JSON/YAML, not a template, not a plan).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct ImportError(pub String);
