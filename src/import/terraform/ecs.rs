//! What runs in the VPC and who it runs as: IAM roles and policies, ECS clusters, task
//! definitions and services, EC2 instances, launch templates and Auto Scaling groups.

use super::network::append;
use super::refs::Src;
use super::{Out, P, document, parse_json_text};
use crate::import::resource::{Note, Value};
use serde_json::Value as Json;

/// Translate a resource of this group; false when `s` is not one.
pub fn translate(s: &Src, out: &mut Out) -> bool {
    let a = s.inst.address.as_str();
    match s.inst.kind.as_str() {
        "aws_iam_role" => out.add(a, "AWS::IAM::Role", role(s), a),
        "aws_iam_role_policy" => {
            let p = P::default()
                .with("PolicyName", s.scalar("name"))
                .with("PolicyDocument", document(s, "policy"))
                .with("Roles", s.scalar("role").map(|r| Value::List(vec![r])));
            out.add(a, "AWS::IAM::Policy", p, a)
        }
        "aws_iam_role_policy_attachment" => {
            let p = P::default().with("Role", s.scalar("role")).with("PolicyArn", s.scalar("policy_arn"));
            out.pending.push((a.to_string(), s.inst.kind.clone(), p.build()))
        }
        "aws_iam_policy" => {
            let p = P::default()
                .with("ManagedPolicyName", s.scalar("name"))
                .with("Path", s.scalar("path"))
                .with("PolicyDocument", document(s, "policy"));
            out.add(a, "AWS::IAM::ManagedPolicy", p, a)
        }
        "aws_iam_instance_profile" => {
            let p = P::default()
                .with("InstanceProfileName", s.scalar("name"))
                .with("Path", s.scalar("path"))
                .with("Roles", s.scalar("role").map(|r| Value::List(vec![r])));
            out.add(a, "AWS::IAM::InstanceProfile", p, a)
        }
        "aws_ecs_cluster" => out.add(
            a,
            "AWS::ECS::Cluster",
            P::default().with("ClusterName", s.scalar("name")).with("Tags", super::tags(s)),
            a,
        ),
        "aws_ecs_task_definition" => out.add(a, "AWS::ECS::TaskDefinition", task_definition(s), a),
        "aws_ecs_service" => out.add(a, "AWS::ECS::Service", super::ecs_service::service(s), a),
        "aws_instance" => out.add(a, "AWS::EC2::Instance", super::ecs_service::instance(s), a),
        "aws_launch_template" => out.add(a, "AWS::EC2::LaunchTemplate", super::ecs_service::launch_template(s), a),
        "aws_autoscaling_group" => {
            out.add(a, "AWS::AutoScaling::AutoScalingGroup", super::ecs_service::autoscaling_group(s), a)
        }
        _ => return false,
    }
    true
}

fn role(s: &Src) -> P {
    let inline: Vec<Value> = s
        .blocks("inline_policy")
        .iter()
        .filter(|b| b.text("name").is_some() || b.raw("name").is_none())
        .map(|b| {
            P::default().with("PolicyName", b.scalar("name")).with("PolicyDocument", document(b, "policy")).build()
        })
        .filter(|p| p.get("PolicyName").is_some())
        .collect();
    P::default()
        .with("RoleName", s.scalar("name"))
        .with("Path", s.scalar("path"))
        .with("AssumeRolePolicyDocument", document(s, "assume_role_policy"))
        .with("ManagedPolicyArns", s.list("managed_policy_arns"))
        .with("Policies", Some(Value::List(inline)))
        .with("PermissionsBoundary", s.scalar("permissions_boundary"))
        .with("Tags", super::tags(s))
}

fn task_definition(s: &Src) -> P {
    let containers = match s.scalar("container_definitions") {
        Some(Value::String(t)) => Some(match serde_json::from_str::<Json>(&t) {
            Ok(j) => containers(s, &j, None, 0),
            Err(_) => parse_json_text(s, &t),
        }),
        other => other,
    };
    let volumes: Vec<Value> = s.blocks("volume").iter().map(volume).collect();
    let runtime = s.blocks("runtime_platform").first().map(|b| {
        P::default()
            .with("OperatingSystemFamily", b.scalar("operating_system_family"))
            .with("CpuArchitecture", b.scalar("cpu_architecture"))
            .build()
    });
    let storage =
        s.blocks("ephemeral_storage").first().map(|b| P::default().with("SizeInGiB", b.scalar("size_in_gib")).build());
    let proxy = s
        .blocks("proxy_configuration")
        .first()
        .map(|b| P::default().with("Type", b.scalar("type")).with("ContainerName", b.scalar("container_name")).build());
    P::default()
        .with("Family", s.scalar("family"))
        .with("NetworkMode", s.scalar("network_mode"))
        .with("RequiresCompatibilities", s.list("requires_compatibilities"))
        .with("Cpu", s.scalar("cpu"))
        .with("Memory", s.scalar("memory"))
        .with("TaskRoleArn", s.scalar("task_role_arn"))
        .with("ExecutionRoleArn", s.scalar("execution_role_arn"))
        .with("ContainerDefinitions", containers)
        .with("Volumes", Some(Value::List(volumes)))
        .with("PidMode", s.scalar("pid_mode"))
        .with("IpcMode", s.scalar("ipc_mode"))
        .with("RuntimePlatform", runtime)
        .with("PlacementConstraints", Some(Value::List(super::ecs_service::placement(s, "placement_constraints"))))
        .with("EphemeralStorage", storage)
        .with("ProxyConfiguration", proxy)
        .with("Tags", super::tags(s))
}

/// A `volume` block: a bind mount, a Docker volume, an EFS file system.
fn volume(v: &Src) -> Value {
    let host = v.scalar("host_path").map(|p| P::default().with("SourcePath", Some(p)).build());
    let docker = v.blocks("docker_volume_configuration").first().map(|d| {
        P::default()
            .with("Scope", d.scalar("scope"))
            .with("Autoprovision", d.scalar("autoprovision"))
            .with("Driver", d.scalar("driver"))
            .with("DriverOpts", d.scalar("driver_opts"))
            .with("Labels", d.scalar("labels"))
            .build()
    });
    let efs = v.blocks("efs_volume_configuration").first().map(|e| {
        let auth = e.blocks("authorization_config").first().map(|a| {
            P::default().with("AccessPointId", a.scalar("access_point_id")).with("IAM", a.scalar("iam")).build()
        });
        P::default()
            .with("FilesystemId", e.scalar("file_system_id"))
            .with("RootDirectory", e.scalar("root_directory"))
            .with("TransitEncryption", e.scalar("transit_encryption"))
            .with("TransitEncryptionPort", e.scalar("transit_encryption_port"))
            .with("AuthorizationConfig", auth)
            .build()
    });
    P::default()
        .with("Name", v.scalar("name"))
        .with("Host", host)
        .with("DockerVolumeConfiguration", docker)
        .with("EFSVolumeConfiguration", efs)
        .build()
}

/// Keys of the ECS API whose values are maps of the user's own keys, kept as written.
const FREE_FORM: &[&str] = &["options", "dockerLabels", "driverOpts", "labels"];

/// Container definitions in the ECS API's camelCase -> CloudFormation's PascalCase, except
/// inside free-form maps (`logConfiguration.options`, `dockerLabels`).
fn containers(s: &Src, v: &Json, parent: Option<&str>, depth: usize) -> Value {
    if depth > super::doc::MAX_DEPTH {
        return Value::Null;
    }
    match v {
        Json::Array(a) => Value::List(a.iter().map(|x| containers(s, x, parent, depth + 1)).collect()),
        Json::Object(_) if parent.is_some_and(|p| FREE_FORM.contains(&p)) => s.convert(v, "", depth),
        Json::Object(o) => {
            Value::Map(o.iter().map(|(k, x)| (upper_first(k), containers(s, x, Some(k.as_str()), depth + 1))).collect())
        }
        other => s.convert(other, "", depth),
    }
}

fn upper_first(k: &str) -> String {
    let mut c = k.chars();
    c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
}

/// Folds each `aws_iam_role_policy_attachment` into its role's `ManagedPolicyArns`.
pub fn merge(out: &mut Out) {
    let pending = std::mem::take(&mut out.pending);
    for (addr, kind, props) in pending {
        let role = match props.get("Role") {
            Some(Value::Ref { id, .. }) if kind == "aws_iam_role_policy_attachment" => out.find_mut(id),
            _ => None,
        };
        match (role, props.get("PolicyArn")) {
            (Some(r), Some(arn)) => append(r, "ManagedPolicyArns", arn.clone()),
            _ => out.notes.push(Note {
                origin: addr,
                what: format!("{kind} of a resource not in the plan or state"),
                fix: "import the configuration that makes that resource too".into(),
                assumed: false,
            }),
        }
    }
}

/// A state's role lists the policies of its `aws_iam_role_policy` resources among its inline
/// policies too: each policy once, as the resource that makes it.
pub fn dedupe_policies(out: &mut Out) {
    let mut separate = vec![];
    for r in out.resources.iter().filter(|r| r.kind == "AWS::IAM::Policy") {
        let name = r.properties.get("PolicyName").cloned();
        for role in r.properties.get("Roles").map(Value::list).unwrap_or(&[]) {
            if let (Value::Ref { id, .. }, Some(n)) = (role, &name) {
                separate.push((id.clone(), n.clone()));
            }
        }
    }
    for (role, name) in separate {
        if let Some(Value::Map(m)) = out.find_mut(&role).map(|r| &mut r.properties) {
            if let Some((_, Value::List(l))) = m.iter_mut().find(|(k, _)| k == "Policies") {
                l.retain(|p| p.get("PolicyName") != Some(&name));
            }
            m.retain(|(_, v)| !matches!(v, Value::List(l) if l.is_empty()));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn camel_becomes_pascal() {
        assert_eq!(super::upper_first("portMappings"), "PortMappings");
        assert_eq!(super::upper_first(""), "");
    }
}
