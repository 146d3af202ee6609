//! EC2 container instances: a primary ENI in a subnet (private IP, optional public IP or
//! Elastic IP, security groups) and an instance type that decides the ENI capacity.

use super::agent_config::{self, AgentConfig};
use super::builder::{Builder, MAX_INSTANCES};
use super::fields::{Shape, Table, def, opt, req};
use super::instance_types::{DEFAULT_INSTANCE_TYPE, eni_limits, known_instance_types};
use super::located::{Loc, Located};
use super::metadata_options::{self, MetadataOptions};
use super::reference::{self, Declared, INSTANCE, SECURITY_GROUP, SUBNET, Seen};
use super::subnet::Subnet;
use super::walk::*;
use crate::i18n::tr;
use ipnetwork::Ipv4Network;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::net::Ipv4Addr;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Instance {
    pub name: Located<String>,
    pub subnet: Located<String>,
    pub private_ip: Option<Located<Ipv4Addr>>,
    pub public_ip: bool,
    pub elastic_ip: Option<Located<Ipv4Addr>>,
    /// None: the VPC's default group.
    pub security_groups: Option<Vec<Located<String>>>,
    pub instance_type: Located<String>,
    /// Overrides the instance type's ENI count.
    pub max_enis: Option<u32>,
    pub eni_trunking: bool,
    /// The instance profile's name (EC2's IamInstanceProfile); the role of the same name.
    pub iam_instance_profile: Located<String>,
    pub metadata_options: MetadataOptions,
    pub ecs_agent: AgentConfig,
    /// The DOCKER-USER rule AWS documents to keep bridge containers off 169.254.169.254.
    pub block_imds_from_bridge: bool,
    pub loc: Loc,
}

/// The instance profile an ECS instance has unless told otherwise (the agent needs one to
/// register; the ECS console creates this one).
pub const DEFAULT_INSTANCE_PROFILE: &str = "ecsInstanceRole";

pub(crate) static TABLE: Table = Table {
    id: "instance",
    doc: "An EC2 container instance registered to the cluster.",
    strict: true,
    rules: &[],
    fields: &[
        req("name", Shape::Name, "The instance's name: `instance/NAME` in expectations, `instance:` of tasks."),
        req("subnet", Shape::Name, "The subnet of its primary ENI."),
        opt("privateIp", Shape::Ipv4, "Its primary private IP (default: the subnet's first free address)."),
        def("publicIp", Shape::Bool, "false", "Give it an auto-assigned public IPv4 address from the publicIpPool."),
        opt("elasticIp", Shape::Ipv4, "An Elastic IP for it (a public address outside the VPC)."),
        opt(
            "securityGroups",
            Shape::List(&Shape::Name),
            "Security groups of its primary ENI, at most 5 (default, and for an empty list: the VPC's `default` group, as RunInstances does).",
        ),
        def(
            "instanceType",
            Shape::Text,
            "\"c5.large\"",
            "The EC2 instance type; it decides how many ENIs (awsvpc tasks) the instance takes.",
        ),
        opt("maxEnis", Shape::Int { min: 1, max: 100 }, "ENIs including the primary one, instead of the type's."),
        def("eniTrunking", Shape::Bool, "false", "ENI trunking (awsvpcTrunking): more awsvpc tasks per instance."),
        def(
            "iamInstanceProfile",
            Shape::Text,
            "\"ecsInstanceRole\"",
            "Its instance profile (name or ARN): the role whose credentials the instance metadata service hands out.",
        ),
        opt(
            "metadataOptions",
            Shape::Block(&metadata_options::TABLE),
            "The instance metadata service's options (httpTokens, httpPutResponseHopLimit).",
        ),
        opt("ecsAgent", Shape::Block(&agent_config::TABLE), "ECS agent settings, as in /etc/ecs/ecs.config."),
        def(
            "blockImdsFromBridge",
            Shape::Bool,
            "false",
            "Add the rule AWS documents for bridge tasks: `iptables --insert DOCKER-USER 1 --in-interface docker+ --destination 169.254.169.254/32 --jump DROP`.",
        ),
    ],
};

/// The `instances` list.
pub(crate) fn parse_all(b: &mut Builder, v: &Value<'_>) -> Vec<Instance> {
    let mut uniq = UniqueNames::default();
    b.each(v, MAX_INSTANCES, |b, it| parse(b, it, &mut uniq))
}

fn parse(b: &mut Builder, v: &Value<'_>, uniq: &mut UniqueNames) -> Option<Instance> {
    let m = b.cx.entry_map(v, "an instance", "{ name: ecs-1, subnet: public-a }")?;
    m.strict(&mut b.cx, &TABLE);
    let name = b.object_name(&m, INSTANCE, "ecs-1", uniq);
    let subnet = m.req(&mut b.cx, "subnet", "public-a").and_then(|v| b.ref_name(&v, SUBNET));
    let mut ok = true;
    let security_groups = match m.get("securityGroups") {
        Some(v) => {
            let l = b.ref_list(&v, SECURITY_GROUP, 5);
            ok &= l.is_some();
            l
        }
        None => None,
    };
    let cx = &mut b.cx;
    let private_ip = optional(&mut ok, m.get("privateIp").map(|v| cx.ipv4(&v)));
    let elastic_ip = optional(&mut ok, m.get("elasticIp").map(|v| cx.ipv4(&v)));
    let public_ip = optional(&mut ok, m.get("publicIp").map(|v| cx.boolean(&v))).is_some_and(|b| b.value);
    let max_enis =
        optional(&mut ok, m.get("maxEnis").map(|v| cx.uint(&v, 1, 100))).and_then(|n| u32::try_from(n.value).ok());
    let instance_type = match m.get("instanceType") {
        Some(v) => cx.nonempty(&v).unwrap_or_else(|| {
            ok = false;
            Located::bare(DEFAULT_INSTANCE_TYPE.to_string())
        }),
        None => Located::bare(DEFAULT_INSTANCE_TYPE.to_string()),
    };
    ok &= known_type(cx, &instance_type, max_enis);
    let eni_trunking = match optional(&mut ok, m.get("eniTrunking").map(|v| cx.boolean(&v))) {
        Some(t) => {
            ok &= trunking_supported(cx, &t, &instance_type, max_enis);
            t.value
        }
        None => false,
    };
    let iam_instance_profile = match m.get("iamInstanceProfile") {
        Some(v) => instance_profile(cx, &v).unwrap_or_else(|| {
            ok = false;
            Located::bare(DEFAULT_INSTANCE_PROFILE.to_string())
        }),
        None => Located::bare(DEFAULT_INSTANCE_PROFILE.to_string()),
    };
    let metadata_options = match m.get("metadataOptions") {
        Some(v) => optional(&mut ok, Some(metadata_options::parse(cx, &v))).unwrap_or_default(),
        None => MetadataOptions::default(),
    };
    let ecs_agent = match m.get("ecsAgent") {
        Some(v) => optional(&mut ok, Some(agent_config::parse(cx, &v))).unwrap_or_default(),
        None => AgentConfig::default(),
    };
    let block_imds_from_bridge =
        optional(&mut ok, m.get("blockImdsFromBridge").map(|v| cx.boolean(&v))).is_some_and(|b| b.value);
    let (name, subnet) = (name?, subnet?);
    ok.then_some(Instance {
        name,
        subnet,
        private_ip,
        public_ip,
        elastic_ip,
        security_groups,
        instance_type,
        max_enis,
        eni_trunking,
        iam_instance_profile,
        metadata_options,
        ecs_agent,
        block_imds_from_bridge,
        loc: m.loc.clone(),
    })
}

/// An instance profile: its name, or its ARN (`arn:aws:iam::ACCOUNT:instance-profile/NAME`),
/// kept as the name. IAM names: letters, digits and `+=,.@_-`, 1-128 characters.
fn instance_profile(cx: &mut Reader, v: &Value<'_>) -> Option<Located<String>> {
    let s = cx.nonempty(v)?;
    let name = match s.value.strip_prefix("arn:aws:iam::") {
        Some(rest) => rest.split_once(":instance-profile/").map(|(_, n)| n.rsplit('/').next().unwrap_or(n)),
        None => Some(s.value.as_str()),
    };
    let valid = |n: &str| {
        (1..=128).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
    };
    match name {
        Some(n) if valid(n) => Some(Located::new(n.to_string(), s.loc)),
        _ => {
            cx.err(
                &s.loc,
                tr!("instance-invalid-profile", "invalid instance profile `{ $name }`", name = short(&s.value)),
                tr!(
                    "instance-profile-help",
                    "write its name (letters, digits and +=,.@_-, e.g. ecsInstanceRole) or its ARN arn:aws:iam::123456789012:instance-profile/NAME"
                ),
            );
            None
        }
    }
}

/// An optional field's value: None when absent; an invalid value (Some(None)) clears `ok`.
fn optional<T>(ok: &mut bool, read: Option<Option<T>>) -> Option<T> {
    match read {
        Some(None) => {
            *ok = false;
            None
        }
        Some(value) => value,
        None => None,
    }
}

/// ecsnet must know the type's ENI limit, unless `maxEnis` gives it.
fn known_type(cx: &mut Reader, instance_type: &Located<String>, max_enis: Option<u32>) -> bool {
    if max_enis.is_some() || eni_limits(&instance_type.value).is_some() || instance_type.loc.line == 0 {
        return true;
    }
    let known: Vec<&str> = known_instance_types().collect();
    let help = match suggest(&instance_type.value, &known) {
        Some(s) => tr!(
            "instance-type-did-you-mean",
            "did you mean `{ $name }`? (or set `maxEnis: N` to give the ENI count of another type)",
            name = s
        ),
        None => tr!(
            "instance-known-types",
            "known types: { $types }; for another type set `maxEnis: N`",
            types = quoted_list(&known)
        ),
    };
    cx.err(
        &instance_type.loc,
        tr!(
            "instance-unknown-type",
            "unknown instance type `{ $name }`: ecsnet does not know its ENI limit",
            name = short(&instance_type.value)
        ),
        help,
    );
    false
}

/// `eniTrunking: true` on a type that does not support it is an error.
fn trunking_supported(
    cx: &mut Reader,
    t: &Located<bool>,
    instance_type: &Located<String>,
    max_enis: Option<u32>,
) -> bool {
    if t.value && max_enis.is_none() && eni_limits(&instance_type.value).is_some_and(|(_, t)| t == 0) {
        cx.err(
            &t.loc,
            tr!("instance-no-trunking", "ENI trunking is not supported on { $name }", name = instance_type.value),
            tr!(
                "instance-no-trunking-help",
                "remove `eniTrunking`, or use a type that supports it (e.g. c5.large: 10 tasks with trunking)"
            ),
        );
        return false;
    }
    true
}

/// Each instance's subnet and groups are declared; its private IP fits its subnet and is its own.
pub(crate) fn check(cx: &mut Reader, instances: &[Instance], subnets: &[Subnet], declared: &Declared<'_>, seen: &Seen) {
    let mut private_ips: HashMap<Ipv4Addr, &str> = HashMap::new();
    for i in instances {
        let subnet_ok = reference::reference(cx, &i.subnet, SUBNET, &declared.subnets, seen);
        if let Some(sl) = &i.security_groups {
            for s in sl {
                reference::reference(cx, s, SECURITY_GROUP, &declared.security_groups, seen);
            }
        }
        let Some(ip) = &i.private_ip else { continue };
        if subnet_ok {
            if let Some(sn) = subnets.iter().find(|s| s.name.value == i.subnet.value) {
                if !check_private_ip(cx, ip, &sn.name.value, sn.cidr.value) {
                    continue;
                }
            }
        }
        if let Some(other) = private_ips.get(&ip.value) {
            cx.err(
                &ip.loc,
                tr!(
                    "instance-ip-taken",
                    "private IP { $ip } is already used by instance `{ $other }`",
                    ip = ip.value,
                    other = other
                ),
                tr!(
                    "instance-ip-taken-help",
                    "each instance needs its own address; change one, or omit `privateIp` to get a free one"
                ),
            );
        } else {
            private_ips.insert(ip.value, &i.name.value);
        }
    }
}

/// An address inside its subnet and not one of the five AWS reserves.
fn check_private_ip(cx: &mut Reader, ip: &Located<Ipv4Addr>, subnet: &str, net: Ipv4Network) -> bool {
    if !net.contains(ip.value) {
        cx.err(
            &ip.loc,
            tr!(
                "instance-ip-outside",
                "private IP { $ip } is not inside subnet `{ $subnet }` ({ $cidr })",
                ip = ip.value,
                subnet = subnet,
                cidr = net
            ),
            tr!(
                "instance-ip-outside-help",
                "use an address inside { $cidr }, or omit `privateIp` to get the first free one",
                cidr = net
            ),
        );
        return false;
    }
    let base = u32::from(net.network());
    let last = u32::from(net.broadcast());
    let n = u32::from(ip.value);
    let why = match n.wrapping_sub(base) {
        0 => Some(tr!("instance-ip-network", "the network address")),
        1 => Some(tr!("instance-ip-router", "reserved by AWS for the VPC router")),
        2 => Some(tr!("instance-ip-dns", "reserved by AWS for the DNS server")),
        3 => Some(tr!("instance-ip-future", "reserved by AWS for future use")),
        _ if n == last => Some(tr!(
            "instance-ip-broadcast",
            "the network broadcast address (AWS does not support broadcast in a VPC)"
        )),
        _ => None,
    };
    if let Some(why) = why {
        let first = Ipv4Addr::from(base.saturating_add(4));
        let final_ = Ipv4Addr::from(last.saturating_sub(1));
        cx.err(
            &ip.loc,
            tr!(
                "instance-ip-reserved",
                "private IP { $ip } is reserved in subnet `{ $subnet }` ({ $cidr }): it is { $why }; AWS reserves the first four and the last address of every subnet",
                ip = ip.value,
                subnet = subnet,
                cidr = net,
                why = why
            ),
            tr!("instance-ip-reserved-help", "use an address from { $first } to { $last }", first = first, last = final_),
        );
        return false;
    }
    true
}

impl super::Scenario {
    pub fn instance(&self, name: &str) -> Option<&Instance> {
        self.instances.iter().find(|s| s.name.value == name)
    }
}

impl Instance {
    /// (max ENIs including the primary one, awsvpc tasks with trunking) for this instance:
    /// `maxEnis` if given (trunking capacity then from the type table, else 0), else the table.
    pub fn eni_limits(&self) -> (u32, u32) {
        let table = eni_limits(&self.instance_type.value);
        match (self.max_enis, table) {
            (Some(m), t) => (m, t.map(|t| t.1).unwrap_or(0)),
            (None, Some(t)) => t,
            (None, None) => (1, 0),
        }
    }
}
