//! The cluster's capacity -> `instances`: EC2 instances, and Auto Scaling groups as their
//! desired count of instances, each with what its launch template (or launch configuration)
//! gives it: security groups, public IP, instance type, instance profile, metadata options
//! and the ECS agent's settings from its user data.

use super::role::role_name;
use super::{Ctx, count, names_node, of, prop, sg_names, subnet_names, text};
use crate::import::resource::{Resource, Value};
use crate::import::yaml::{Item, Node};
use crate::scenario::instance_types::eni_limits;
use base64::Engine;

/// Instances written per Auto Scaling group at most: a lab of a few is enough to see how the
/// group's tasks are placed, and each instance is namespaces and processes on this machine.
const MAX_PER_GROUP: u64 = 10;
/// The scenario's limit.
const MAX_INSTANCES: usize = 200;

/// The ECS agent settings the scenario's `ecsAgent` takes, as `/etc/ecs/ecs.config` names them.
const AGENT: &[&str] = &[
    "ECS_RESERVED_PORTS",
    "ECS_RESERVED_PORTS_UDP",
    "ECS_DYNAMIC_HOST_PORT_RANGE",
    "ECS_AWSVPC_BLOCK_IMDS",
    "ECS_ENABLE_TASK_IAM_ROLE_NETWORK_HOST",
    "ECS_ENABLE_TASK_IAM_ROLE",
    "ECS_ALLOW_OFFHOST_INTROSPECTION_ACCESS",
];

/// The instance profile's name as the scenario's `iamInstanceProfile` takes it: the name of
/// its role, which stands for the profile (as the ECS console's `ecsInstanceRole` does).
pub(super) fn profile_name(ctx: &mut Ctx, p: &Resource) -> String {
    // Carried over in the instances that name it.
    ctx.used.insert(p.id.clone());
    let role = prop(p, "Roles").and_then(|r| r.list().first()).and_then(|v| ctx.target(v));
    match role.filter(|r| r.kind == "AWS::IAM::Role") {
        Some(r) => role_name(ctx, r),
        None => match prop(p, "InstanceProfileName").and_then(Value::str) {
            Some(n) => n.to_string(),
            None => ctx.names.assign("instance-profile", &p.id, None),
        },
    }
}

/// What a launch template, a launch configuration or an instance itself gives an instance.
#[derive(Default)]
struct Launch<'a> {
    /// The resource the fields are read from (for notes), and the comment naming it.
    from: Option<(&'a Resource, String)>,
    groups: Vec<String>,
    public_ip: Option<bool>,
    instance_type: Option<String>,
    profile: Option<String>,
    metadata: Option<Node>,
    agent: Option<Node>,
}

pub(super) fn instances(ctx: &mut Ctx) -> Vec<Item> {
    let mut out = vec![];
    for r in of(ctx, "AWS::EC2::Instance") {
        out.extend(ec2_instance(ctx, r));
    }
    for r in of(ctx, "AWS::AutoScaling::AutoScalingGroup") {
        out.extend(group(ctx, r));
    }
    if out.len() > MAX_INSTANCES {
        let origin = ctx.input.name.clone().unwrap_or_else(|| "the input".into());
        ctx.note(
            &origin,
            format!(
                "{} instances, more than the scenario's {MAX_INSTANCES}: the first {MAX_INSTANCES} written",
                out.len()
            ),
            "",
        );
        out.truncate(MAX_INSTANCES);
    }
    out
}

fn ec2_instance(ctx: &mut Ctx, r: &Resource) -> Option<Item> {
    let eni0 = prop(r, "NetworkInterfaces").and_then(|n| n.list().first());
    let subnet_v = prop(r, "SubnetId").or_else(|| eni0.and_then(|e| e.get("SubnetId")));
    let subnet = subnet_names(ctx, r, "SubnetId", Some(&Value::List(subnet_v.into_iter().cloned().collect())));
    let Some(subnet) = subnet.into_iter().next() else {
        ctx.note(&r.origin, "left out: it is in no subnet of the input's VPC", "give it a SubnetId of the VPC");
        return None;
    };
    let template = prop(r, "LaunchTemplate").and_then(|t| template_of(ctx, t));
    let mut launch = template.map(|t| from_template(ctx, t)).unwrap_or_default();
    // The instance's own properties win over its launch template's.
    let own = launch_from(ctx, r, &r.properties, eni0);
    merge(&mut launch, own);
    let comment = ctx.from(r);
    let name = ctx.name(r, "instance");
    let private_ip = prop(r, "PrivateIpAddress")
        .or_else(|| eni0.and_then(|e| e.get("PrivateIpAddress")))
        .and_then(|v| text(ctx, r, "PrivateIpAddress", v));
    let public = launch.public_ip.unwrap_or_else(|| maps_public_ip(ctx, subnet_v));
    Some(instance_node(ctx, r, &name, &subnet, private_ip, public, &launch, comment))
}

/// An Auto Scaling group: its desired capacity (else its minimum) of instances, `NAME-1`,
/// `NAME-2`, ..., spread over its subnets in turn as the group balances its zones.
fn group(ctx: &mut Ctx, r: &Resource) -> Vec<Item> {
    let subnet_vs = prop(r, "VPCZoneIdentifier").map(Value::list).unwrap_or_default();
    let subnets = subnet_names(ctx, r, "VPCZoneIdentifier", prop(r, "VPCZoneIdentifier"));
    if subnets.is_empty() {
        ctx.note(
            &r.origin,
            "left out: it has no subnet of the input's VPC",
            "give it a VPCZoneIdentifier of the VPC's subnets",
        );
        return vec![];
    }
    let mut n = count(r, "DesiredCapacity").or_else(|| count(r, "MinSize")).unwrap_or(0);
    if n > MAX_PER_GROUP {
        ctx.note(
            &r.origin,
            format!("{n} instances: {MAX_PER_GROUP} written"),
            "raise it in the scenario if the lab needs more",
        );
        n = MAX_PER_GROUP;
    }
    let spec = prop(r, "LaunchTemplate")
        .or_else(|| prop(r, "MixedInstancesPolicy")?.get("LaunchTemplate")?.get("LaunchTemplateSpecification"));
    let launch = match (
        spec.and_then(|t| template_of(ctx, t)),
        prop(r, "LaunchConfigurationName").and_then(|v| ctx.target(v)),
    ) {
        (Some(t), _) => from_template(ctx, t),
        (None, Some(lc)) if lc.kind == "AWS::AutoScaling::LaunchConfiguration" => {
            let mut l = launch_from(ctx, lc, &lc.properties, None);
            l.from = Some((lc, ctx.from(lc)));
            l
        }
        _ => {
            ctx.note(
                &r.origin,
                "its launch template is not in the input: its instances have the scenario's defaults",
                "",
            );
            Launch::default()
        }
    };
    let comment = ctx.from(r);
    let base = ctx.names.assign("auto-scaling-group", &r.id, prop(r, "AutoScalingGroupName").and_then(Value::str));
    let mut out = vec![];
    for i in 0..n as usize {
        let name = ctx.names.assign("instance", &format!("{}#{}", r.id, i + 1), Some(&format!("{base}-{}", i + 1)));
        let (subnet, subnet_v) = (&subnets[i % subnets.len()], subnet_vs.get(i % subnet_vs.len().max(1)));
        let public = launch.public_ip.unwrap_or_else(|| maps_public_ip(ctx, subnet_v));
        out.push(instance_node(ctx, r, &name, subnet, None, public, &launch, comment.clone()));
    }
    out
}

/// The launch template a `{ LaunchTemplateId | LaunchTemplateName }` names.
fn template_of<'a>(ctx: &Ctx<'a>, spec: &Value) -> Option<&'a Resource> {
    let v = spec.get("LaunchTemplateId").or_else(|| spec.get("LaunchTemplateName"))?;
    ctx.target(v).filter(|t| t.kind == "AWS::EC2::LaunchTemplate")
}

fn from_template<'a>(ctx: &mut Ctx, t: &'a Resource) -> Launch<'a> {
    let data = prop(t, "LaunchTemplateData").cloned().unwrap_or(Value::Map(vec![]));
    let eni0 = data.get("NetworkInterfaces").and_then(|n| n.list().first());
    let mut l = launch_from(ctx, t, &data, eni0);
    l.from = Some((t, ctx.from(t)));
    l
}

/// The launch fields of `props` (an instance's, a launch template's data, a launch
/// configuration's), read from resource `r`.
fn launch_from<'a>(ctx: &mut Ctx, r: &Resource, props: &Value, eni0: Option<&Value>) -> Launch<'a> {
    let mut l = Launch::default();
    for key in ["SecurityGroupIds", "SecurityGroups"] {
        l.groups.extend(sg_names(ctx, r, key, props.get(key)));
    }
    if let Some(e) = eni0 {
        l.groups.extend(sg_names(ctx, r, "NetworkInterfaces[0].Groups", e.get("Groups").or_else(|| e.get("GroupSet"))));
        l.public_ip = e.get("AssociatePublicIpAddress").and_then(Value::bool);
    }
    l.public_ip = l.public_ip.or_else(|| props.get("AssociatePublicIpAddress").and_then(Value::bool));
    l.instance_type = props.get("InstanceType").and_then(|v| text(ctx, r, "InstanceType", v));
    if let Some(p) = props.get("IamInstanceProfile") {
        // A launch template names it as `{ Arn }` or `{ Name }`.
        let v = p.get("Arn").or_else(|| p.get("Name")).unwrap_or(p);
        l.profile = match ctx.target(v).filter(|t| t.kind == "AWS::IAM::InstanceProfile") {
            Some(t) => Some(profile_name(ctx, t)),
            None => text(ctx, r, "IamInstanceProfile", v),
        };
    }
    l.metadata = props.get("MetadataOptions").and_then(|m| metadata(ctx, r, m));
    l.agent = props.get("UserData").and_then(agent_settings);
    l
}

/// `b`'s fields over `a`'s.
fn merge<'a>(a: &mut Launch<'a>, b: Launch<'a>) {
    if !b.groups.is_empty() {
        a.groups = b.groups;
    }
    a.public_ip = b.public_ip.or(a.public_ip);
    a.instance_type = b.instance_type.or(a.instance_type.take());
    a.profile = b.profile.or(a.profile.take());
    a.metadata = b.metadata.or(a.metadata.take());
    a.agent = b.agent.or(a.agent.take());
}

/// Whether the subnet gives its instances a public IP (`MapPublicIpOnLaunch`), EC2's rule
/// when the launch does not say.
fn maps_public_ip(ctx: &Ctx, subnet: Option<&Value>) -> bool {
    subnet
        .and_then(|v| ctx.target(v))
        .and_then(|s| prop(s, "MapPublicIpOnLaunch"))
        .and_then(Value::bool)
        .unwrap_or(false)
}

/// `metadataOptions`: `HttpTokens` and `HttpPutResponseHopLimit`.
fn metadata(ctx: &mut Ctx, r: &Resource, m: &Value) -> Option<Node> {
    let mut out: Vec<(String, Item)> = vec![];
    if let Some(t) = m.get("HttpTokens").and_then(|v| text(ctx, r, "MetadataOptions.HttpTokens", v)) {
        out.push(("httpTokens".into(), Node::Str(t).into()));
    }
    if let Some(h) = m
        .get("HttpPutResponseHopLimit")
        .and_then(|v| super::number(ctx, r, "MetadataOptions.HttpPutResponseHopLimit", v))
    {
        out.push(("httpPutResponseHopLimit".into(), h.into()));
    }
    if m.get("HttpEndpoint").and_then(Value::str) == Some("disabled") {
        ctx.note(
            &r.origin,
            "MetadataOptions.HttpEndpoint disabled left out: the lab's instances always serve IMDS",
            "",
        );
    }
    (!out.is_empty()).then_some(Node::Map(out))
}

/// The ECS agent's settings a user data script writes to `/etc/ecs/ecs.config`
/// (`echo ECS_AWSVPC_BLOCK_IMDS=true >> /etc/ecs/ecs.config`), the plain text or its base64.
fn agent_settings(u: &Value) -> Option<Node> {
    let raw = u.str()?;
    let decoded =
        base64::engine::general_purpose::STANDARD.decode(raw.trim()).ok().and_then(|b| String::from_utf8(b).ok());
    let script = decoded.as_deref().filter(|d| d.contains("ECS_")).unwrap_or(raw);
    let mut out: Vec<(String, Item)> = vec![];
    for key in AGENT {
        let Some(value) = setting(script, key) else { continue };
        let node = match value.as_str() {
            "true" => Node::Bool(true),
            "false" => Node::Bool(false),
            _ => Node::Str(value),
        };
        if !out.iter().any(|(k, _)| k == key) {
            out.push((key.to_string(), node.into()));
        }
    }
    (!out.is_empty()).then_some(Node::Map(out))
}

/// The value of `KEY=` in a script (the last one written wins, as in ecs.config): up to the
/// end of a `[...]` list, else to the first blank, quote or redirection.
fn setting(script: &str, key: &str) -> Option<String> {
    let pat = format!("{key}=");
    let mut found = None;
    let mut from = 0;
    while let Some(i) = script[from..].find(&pat) {
        let start = from + i;
        from = start + pat.len();
        // Not the tail of a longer name (ECS_ENABLE_TASK_IAM_ROLE in ..._NETWORK_HOST).
        if script[..start].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &script[from..];
        let v = if rest.starts_with('[') {
            rest.find(']').map(|e| &rest[..=e]).unwrap_or(rest)
        } else {
            rest.split(|c: char| c.is_whitespace() || "\"'>;".contains(c)).next().unwrap_or("")
        };
        if !v.is_empty() {
            found = Some(v.to_string());
        }
    }
    found
}

#[allow(clippy::too_many_arguments)]
fn instance_node(
    ctx: &mut Ctx,
    r: &Resource,
    name: &str,
    subnet: &str,
    private_ip: Option<String>,
    public: bool,
    l: &Launch,
    comment: String,
) -> Item {
    let mut m: Vec<(String, Item)> =
        vec![("name".into(), Node::str(name).into()), ("subnet".into(), Node::str(subnet).into())];
    if let Some(ip) = private_ip {
        m.push(("privateIp".into(), Node::Str(ip).into()));
    }
    m.push(("publicIp".into(), Node::Bool(public).into()));
    if !l.groups.is_empty() {
        m.push(("securityGroups".into(), names_node(&l.groups).into()));
    }
    match &l.instance_type {
        Some(t) if eni_limits(t).is_some() => m.push(("instanceType".into(), Node::str(t.as_str()).into())),
        Some(t) => ctx.note(
            &r.origin,
            format!("instance type {t} is not one the scenario knows: written as c5.large (3 ENIs)"),
            format!("set instanceType: {t} with maxEnis: its ENI count"),
        ),
        None => {}
    }
    match &l.profile {
        Some(p) => m.push(("iamInstanceProfile".into(), Node::str(p.as_str()).into())),
        // Once per resource, not per instance of a group.
        None if ctx.notes.iter().any(|n| n.origin == r.origin && n.what.starts_with("no IamInstanceProfile")) => {}
        None => ctx.note(
            &r.origin,
            "no IamInstanceProfile: on AWS the ECS agent could not register; the scenario gives the instance ecsInstanceRole",
            "give the instance an instance profile whose role has AmazonEC2ContainerServiceforEC2Role",
        ),
    }
    if let Some(md) = &l.metadata {
        m.push(("metadataOptions".into(), md.clone().into()));
    }
    if let Some(a) = &l.agent {
        m.push(("ecsAgent".into(), a.clone().into()));
    }
    let mut comments = vec![comment];
    if let Some((_, c)) = &l.from {
        comments.push(format!("launched {c}"));
    }
    Item { comment: comments, node: Node::Map(m) }
}

#[cfg(test)]
mod tests {
    use super::setting;

    #[test]
    fn agent_settings_are_read_from_user_data() {
        let s = "#!/bin/bash\necho ECS_CLUSTER=x >> /etc/ecs/ecs.config\necho \"ECS_RESERVED_PORTS=[22, 80]\" >> /etc/ecs/ecs.config\necho ECS_ENABLE_TASK_IAM_ROLE_NETWORK_HOST=false>>/etc/ecs/ecs.config\n";
        assert_eq!(setting(s, "ECS_RESERVED_PORTS").as_deref(), Some("[22, 80]"));
        assert_eq!(setting(s, "ECS_ENABLE_TASK_IAM_ROLE_NETWORK_HOST").as_deref(), Some("false"));
        assert_eq!(setting(s, "ECS_ENABLE_TASK_IAM_ROLE"), None);
        assert_eq!(setting(s, "ECS_CLUSTER").as_deref(), Some("x"));
    }
}
