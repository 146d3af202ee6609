//! ECS services and the EC2 capacity they may run on: instances, launch templates, Auto
//! Scaling groups.

use super::refs::{self, Src, candidates};
use super::{P, or, string};
use crate::import::resource::Value;

pub fn service(s: &Src) -> P {
    let strategy: Vec<Value> = s
        .blocks("capacity_provider_strategy")
        .iter()
        .map(|b| {
            P::default()
                .with("CapacityProvider", b.scalar("capacity_provider"))
                .with("Weight", b.scalar("weight"))
                .with("Base", b.scalar("base"))
                .build()
        })
        .collect();
    let network = s.blocks("network_configuration").first().map(|b| {
        // Terraform's `assign_public_ip` is a bool, false unless set.
        let public = b.scalar("assign_public_ip").and_then(|v| v.bool()).unwrap_or(false);
        let vpc = P::default()
            .with("Subnets", b.list("subnets").or_else(|| dynamic_subnets(s)))
            .with("SecurityGroups", b.list("security_groups").or_else(|| dynamic_groups(s)))
            .with("AssignPublicIp", Some(string(if public { "ENABLED" } else { "DISABLED" })));
        P::default().with("AwsvpcConfiguration", Some(vpc.build())).build()
    });
    let lbs: Vec<Value> = s
        .blocks("load_balancer")
        .iter()
        .map(|b| {
            P::default()
                .with("TargetGroupArn", b.scalar("target_group_arn").or_else(|| dynamic_target_group(s)))
                .with("LoadBalancerName", b.scalar("elb_name"))
                .with("ContainerName", b.scalar("container_name"))
                .with("ContainerPort", b.scalar("container_port"))
                .build()
        })
        .collect();
    P::default()
        .with("ServiceName", s.scalar("name"))
        .with("Cluster", s.scalar("cluster"))
        .with("TaskDefinition", s.scalar("task_definition"))
        // Terraform's default is 0 tasks; CloudFormation's is 1.
        .with("DesiredCount", or(s.scalar("desired_count"), Value::Number("0".into())))
        .with("LaunchType", s.scalar("launch_type"))
        .with("CapacityProviderStrategy", Some(Value::List(strategy)))
        .with("NetworkConfiguration", network)
        .with("LoadBalancers", Some(Value::List(lbs)))
        .with("HealthCheckGracePeriodSeconds", s.scalar("health_check_grace_period_seconds"))
        .with("SchedulingStrategy", s.scalar("scheduling_strategy"))
        .with("PlacementStrategies", Some(Value::List(placement(s, "ordered_placement_strategy"))))
        .with("PlacementConstraints", Some(Value::List(placement(s, "placement_constraints"))))
        .with("EnableExecuteCommand", s.scalar("enable_execute_command"))
        .with("PlatformVersion", s.scalar("platform_version").filter(|_| configured(s, "platform_version")))
        .with("DeploymentConfiguration", deployment(s))
        .with(
            "DeploymentController",
            s.blocks("deployment_controller").first().map(|b| P::default().with("Type", b.scalar("type")).build()),
        )
        .with("ServiceRegistries", Some(Value::List(registries(s))))
        .with("ServiceConnectConfiguration", service_connect(s))
        .with("Tags", super::tags(s))
}

/// The deployment settings that are not ECS's defaults (Terraform writes every one of them).
fn deployment(s: &Src) -> Option<Value> {
    let unless = |key: &str, default: &str| s.scalar(key).filter(|v| v.str() != Some(default));
    let breaker = s.blocks("deployment_circuit_breaker").first().and_then(|b| {
        let on = b.scalar("enable").and_then(|v| v.bool()) == Some(true);
        on.then(|| P::default().with("Enable", b.scalar("enable")).with("Rollback", b.scalar("rollback")).build())
    });
    let p = P::default()
        .with("MaximumPercent", unless("deployment_maximum_percent", "200"))
        .with("MinimumHealthyPercent", unless("deployment_minimum_healthy_percent", "100"))
        .with("DeploymentCircuitBreaker", breaker);
    Some(p.build())
}

fn registries(s: &Src) -> Vec<Value> {
    s.blocks("service_registries")
        .iter()
        .map(|b| {
            P::default()
                .with("RegistryArn", b.scalar("registry_arn"))
                .with("Port", b.scalar("port"))
                .with("ContainerName", b.scalar("container_name"))
                .with("ContainerPort", b.scalar("container_port"))
                .build()
        })
        .collect()
}

/// Service Connect, when enabled.
fn service_connect(s: &Src) -> Option<Value> {
    let b = s.blocks("service_connect_configuration").into_iter().next()?;
    let on = b.scalar("enabled").and_then(|v| v.bool()) == Some(true);
    on.then(|| P::default().with("Enabled", b.scalar("enabled")).with("Namespace", b.scalar("namespace")).build())
}

pub fn instance(s: &Src) -> P {
    // A public address is said through a network interface in CloudFormation.
    let nics = s.scalar("associate_public_ip_address").filter(|v| v.bool().is_some()).map(|public| {
        let nic = P::default()
            .with("DeviceIndex", Some(string("0")))
            .with("AssociatePublicIpAddress", Some(public))
            .with("SubnetId", s.scalar("subnet_id"))
            .with("GroupSet", s.list("vpc_security_group_ids"));
        Value::List(vec![nic.build()])
    });
    P::default()
        .with("ImageId", s.scalar("ami"))
        .with("InstanceType", s.scalar("instance_type"))
        .with("SubnetId", s.scalar("subnet_id"))
        .with("PrivateIpAddress", s.scalar("private_ip").filter(|_| configured(s, "private_ip")))
        .with("SecurityGroupIds", s.list("vpc_security_group_ids"))
        .with("SecurityGroups", s.list("security_groups").filter(|_| configured(s, "security_groups")))
        .with("IamInstanceProfile", s.scalar("iam_instance_profile"))
        .with("NetworkInterfaces", nics)
        .with("UserData", s.scalar("user_data_base64"))
        .with("Tags", super::tags(s))
}

/// Whether the configuration sets `key` (a state has no configuration: take what it holds).
fn configured(s: &Src, key: &str) -> bool {
    s.expr.is_none_or(|e| e.get(key).is_some())
}

pub fn launch_template(s: &Src) -> P {
    let profile = s
        .blocks("iam_instance_profile")
        .first()
        .map(|b| P::default().with("Name", b.scalar("name")).with("Arn", b.scalar("arn")).build());
    let nics: Vec<Value> = s
        .blocks("network_interfaces")
        .iter()
        .map(|b| {
            P::default()
                .with("DeviceIndex", or(b.scalar("device_index"), Value::Number("0".into())))
                .with("AssociatePublicIpAddress", b.scalar("associate_public_ip_address"))
                .with("Groups", b.list("security_groups"))
                .with("SubnetId", b.scalar("subnet_id"))
                .build()
        })
        .collect();
    let data = P::default()
        .with("ImageId", s.scalar("image_id"))
        .with("InstanceType", s.scalar("instance_type"))
        .with("IamInstanceProfile", profile)
        .with("SecurityGroupIds", s.list("vpc_security_group_ids"))
        .with("NetworkInterfaces", Some(Value::List(nics)))
        .with("UserData", s.scalar("user_data"));
    P::default().with("LaunchTemplateName", s.scalar("name")).with("LaunchTemplateData", Some(data.build()))
}

pub fn autoscaling_group(s: &Src) -> P {
    let template = s.blocks("launch_template").first().map(|b| {
        P::default()
            .with("LaunchTemplateId", b.scalar("id"))
            .with("LaunchTemplateName", b.scalar("name").filter(|_| b.raw("id").is_none()))
            .with("Version", b.scalar("version"))
            .build()
    });
    P::default()
        .with("AutoScalingGroupName", s.scalar("name"))
        .with("VPCZoneIdentifier", s.list("vpc_zone_identifier"))
        .with("DesiredCapacity", s.scalar("desired_capacity"))
        .with("MinSize", s.scalar("min_size"))
        .with("MaxSize", s.scalar("max_size"))
        .with("LaunchTemplate", template)
        .with("TargetGroupARNs", s.list("target_group_arns"))
}

/// Placement blocks (`placement_constraints`, `ordered_placement_strategy`): `type` and
/// `expression` or `field`.
pub fn placement(s: &Src, key: &str) -> Vec<Value> {
    s.blocks(key)
        .iter()
        .map(|b| {
            P::default()
                .with("Type", b.scalar("type"))
                .with("Expression", b.scalar("expression"))
                .with("Field", b.scalar("field"))
                .build()
        })
        .collect()
}

// A module's `dynamic` block is not in the plan's configuration: what it is built from is
// read from the module call's arguments, by the names terraform-aws-modules/ecs gives them.

/// `subnets` from the module call's `subnet_ids` (`module.vpc.private_subnets`).
fn dynamic_subnets(s: &Src) -> Option<Value> {
    let found = candidates::call_arg_refs(s.doc, &s.inst.module, "subnet_ids", "aws_subnet")?;
    (!found.is_empty()).then(|| {
        candidates::note(
            s.doc,
            &s.inst.address,
            "subnets: in a dynamic block; from the module call's subnet_ids".into(),
        );
        Value::List(found)
    })
}

/// `security_groups`: the only group the module instance creates, with the module call's
/// `security_group_ids`.
fn dynamic_groups(s: &Src) -> Option<Value> {
    let why = "in a dynamic block";
    let own = candidates::only(s.doc, s.inst, "aws_security_group", "id", "security_groups", why)?;
    let mut all = vec![own];
    all.extend(
        candidates::call_arg_refs(s.doc, &s.inst.module, "security_group_ids", "aws_security_group")
            .unwrap_or_default(),
    );
    Some(Value::List(all))
}

/// `target_group_arn`: the only target group the module call's `load_balancer` refers to.
fn dynamic_target_group(s: &Src) -> Option<Value> {
    let found = candidates::call_arg_refs(s.doc, &s.inst.module, "load_balancer", "aws_lb_target_group")?;
    let ids: Vec<String> =
        found.iter().filter_map(|v| if let Value::Ref { id, .. } = v { Some(id.clone()) } else { None }).collect();
    match found.as_slice() {
        [] => None,
        [one] => {
            let what = format!(
                "target_group_arn: in a dynamic block; the only target group of the module call's load_balancer, {}",
                ids.join("")
            );
            candidates::note(s.doc, &s.inst.address, what);
            Some(one.clone())
        }
        _ => Some(refs::unknown(&format!(
            "in a dynamic block, and the module call's load_balancer names several target groups: {}",
            ids.join(", ")
        ))),
    }
}
