//! The reader on hand-written plans and states (tests/import/terraform, see its README).

use super::read;
use crate::import::resource::{Input, Resource, Value};

const NETWORK_PLAN: &str = include_str!("../../../tests/import/terraform/network_plan.json");
const NETWORK_STATE: &str = include_str!("../../../tests/import/terraform/network_state.json");
const ECS_PLAN: &str = include_str!("../../../tests/import/terraform/ecs_module_plan.json");

fn find<'a>(input: &'a Input, id: &str) -> &'a Resource {
    input.resources.iter().find(|r| r.id == id).unwrap_or_else(|| panic!("no {id}"))
}

fn prop<'a>(r: &'a Resource, path: &str) -> &'a Value {
    let mut v = &r.properties;
    for step in path.split('.') {
        v = match step.parse::<usize>() {
            Ok(i) => v.list().get(i),
            Err(_) => v.get(step),
        }
        .unwrap_or_else(|| panic!("{}: no {path}", r.id));
    }
    v
}

fn r(id: &str) -> Value {
    Value::Ref { id: id.into(), attribute: None }
}

fn s(x: &str) -> Value {
    Value::String(x.into())
}

fn n(x: &str) -> Value {
    Value::Number(x.into())
}

fn has_unknown(v: &Value) -> bool {
    match v {
        Value::Unknown { .. } => true,
        Value::List(l) => l.iter().any(has_unknown),
        Value::Map(m) => m.iter().any(|(_, x)| has_unknown(x)),
        _ => false,
    }
}

/// What both the plan and the state of the network say.
fn check_network(i: &Input) {
    assert_eq!(i.region.as_deref(), Some("ap-northeast-1"));
    assert_eq!(i.name, None);
    let vpc = find(i, "aws_vpc.main");
    assert_eq!(vpc.kind, "AWS::EC2::VPC");
    assert_eq!(vpc.origin, "aws_vpc.main");
    assert_eq!(prop(vpc, "EnableDnsHostnames"), &Value::Bool(true));
    let sub = find(i, "aws_subnet.private[1]");
    assert_eq!(sub.kind, "AWS::EC2::Subnet");
    assert_eq!(prop(sub, "VpcId"), &r("aws_vpc.main"));
    assert_eq!(prop(sub, "CidrBlock"), &s("10.0.11.0/24"));
    assert_eq!(prop(sub, "AvailabilityZone"), &s("ap-northeast-1c"));
    assert_eq!(prop(sub, "MapPublicIpOnLaunch"), &Value::Bool(false));
    assert_eq!(prop(sub, "Tags.0.Value"), &s("private-1"));
    let att = find(i, "aws_internet_gateway.igw#attachment");
    assert_eq!(att.kind, "AWS::EC2::VPCGatewayAttachment");
    assert_eq!(prop(att, "VpcId"), &r("aws_vpc.main"));
    assert_eq!(prop(att, "InternetGatewayId"), &r("aws_internet_gateway.igw"));
    let nat = find(i, "aws_nat_gateway.nat");
    assert_eq!(prop(nat, "SubnetId"), &r("aws_subnet.public[0]"));
    assert_eq!(prop(nat, "AllocationId"), &r("aws_eip.nat"));
    assert_eq!(prop(nat, "ConnectivityType"), &s("public"));
    let route = find(i, "aws_route_table.public#route0");
    assert_eq!(route.kind, "AWS::EC2::Route");
    assert_eq!(route.origin, "aws_route_table.public");
    assert_eq!(prop(route, "RouteTableId"), &r("aws_route_table.public"));
    assert_eq!(prop(route, "DestinationCidrBlock"), &s("0.0.0.0/0"));
    assert_eq!(prop(route, "GatewayId"), &r("aws_internet_gateway.igw"));
    assert_eq!(route.properties.get("NatGatewayId"), None);
    let route = find(i, "aws_route_table.private#route0");
    assert_eq!(prop(route, "NatGatewayId"), &r("aws_nat_gateway.nat"));
    let assoc = find(i, "aws_route_table_association.private[1]");
    assert_eq!(assoc.kind, "AWS::EC2::SubnetRouteTableAssociation");
    assert_eq!(prop(assoc, "SubnetId"), &r("aws_subnet.private[1]"));
    assert_eq!(prop(assoc, "RouteTableId"), &r("aws_route_table.private"));
    check_groups(i);
    assert!(!i.resources.iter().any(|r| r.id.starts_with("data.")), "data sources are not resources");
}

fn check_groups(i: &Input) {
    let alb = find(i, "aws_security_group.alb");
    assert_eq!(alb.kind, "AWS::EC2::SecurityGroup");
    assert_eq!(prop(alb, "GroupName"), &s("alb"));
    assert_eq!(prop(alb, "VpcId"), &r("aws_vpc.main"));
    // One rule per CIDR: 80 from one, 443 from two.
    let ingress = prop(alb, "SecurityGroupIngress").list();
    assert_eq!(ingress.len(), 3);
    let cidrs: Vec<_> = ingress.iter().filter_map(|x| x.get("CidrIp")?.str()).collect();
    assert_eq!(cidrs.len(), 3);
    assert!(cidrs.contains(&"10.1.0.0/16"));
    let egress = prop(alb, "SecurityGroupEgress.0");
    assert_eq!(egress.get("IpProtocol"), Some(&s("-1")));
    assert_eq!(egress.get("CidrIp"), Some(&s("0.0.0.0/0")));
    assert_eq!(prop(alb, "EcsnetDefaultEgress"), &Value::Bool(false));
    let app = find(i, "aws_security_group.app");
    assert_eq!(prop(app, "GroupDescription"), &s("Managed by Terraform"));
    let ingress = prop(app, "SecurityGroupIngress").list();
    assert_eq!(ingress.len(), 2);
    let from_alb = ingress.iter().find(|x| x.get("FromPort") == Some(&n("8080"))).expect("8080");
    assert_eq!(from_alb.get("SourceSecurityGroupId"), Some(&r("aws_security_group.alb")));
    assert_eq!(from_alb.get("IpProtocol"), Some(&s("tcp")));
    let own = ingress.iter().find(|x| x.get("IpProtocol") == Some(&s("-1"))).expect("self");
    assert_eq!(own.get("SourceSecurityGroupId"), Some(&r("aws_security_group.app")));
    // No egress block: no egress, which CloudFormation cannot say without the mark.
    assert_eq!(app.properties.get("SecurityGroupEgress"), None);
    assert_eq!(prop(app, "EcsnetDefaultEgress"), &Value::Bool(false));
    let out = find(i, "aws_security_group_rule.app_https_out");
    assert_eq!(out.kind, "AWS::EC2::SecurityGroupEgress");
    assert_eq!(prop(out, "GroupId"), &r("aws_security_group.app"));
    assert_eq!(prop(out, "CidrIp"), &s("0.0.0.0/0"));
    assert_eq!(prop(out, "FromPort"), &n("443"));
    let metrics = find(i, "aws_vpc_security_group_ingress_rule.app_metrics");
    assert_eq!(metrics.kind, "AWS::EC2::SecurityGroupIngress");
    assert_eq!(prop(metrics, "GroupId"), &r("aws_security_group.app"));
    assert_eq!(prop(metrics, "SourceSecurityGroupId"), &r("aws_security_group.alb"));
    assert_eq!(prop(metrics, "IpProtocol"), &s("tcp"));
}

#[test]
fn a_plan_with_every_id_unknown_resolves_through_the_configuration() {
    let i = read(NETWORK_PLAN).expect("plan");
    check_network(&i);
    for res in &i.resources {
        assert!(!has_unknown(&res.properties), "{}: {:?}", res.id, res.properties);
    }
    // The EIP's address is known only after apply: left out rather than invented.
    assert_eq!(find(&i, "aws_eip.nat").properties.get("PublicIp"), None);
    assert_eq!(i.resources.len(), 21);
}

#[test]
fn a_state_turns_concrete_ids_back_into_references() {
    let i = read(NETWORK_STATE).expect("state");
    check_network(&i);
    assert_eq!(prop(find(&i, "aws_eip.nat"), "PublicIp"), &s("54.64.1.2"));
    // The same resources as the plan, the same properties but for what only apply knows.
    let plan = read(NETWORK_PLAN).expect("plan");
    let ids = |x: &Input| x.resources.iter().map(|r| (r.id.clone(), r.kind.clone())).collect::<Vec<_>>();
    assert_eq!(ids(&i), ids(&plan));
    for res in &plan.resources {
        if !["aws_eip.nat", "aws_nat_gateway.nat"].contains(&res.id.as_str()) {
            assert_eq!(res.properties, find(&i, &res.id).properties, "{}", res.id);
        }
    }
}

#[test]
fn a_module_s_resources_and_outputs_resolve_across_the_call() {
    let i = read(ECS_PLAN).expect("plan");
    assert_eq!(i.region.as_deref(), Some("eu-west-1"), "from var.region");
    let sub = find(&i, "module.vpc.aws_subnet.private[1]");
    assert_eq!(prop(sub, "VpcId"), &r("module.vpc.aws_vpc.this"));
    assert_eq!(prop(sub, "CidrBlock"), &s("10.20.1.0/24"));
    let sg = find(&i, "aws_security_group.alb");
    assert_eq!(prop(sg, "VpcId"), &r("module.vpc.aws_vpc.this"), "through module.vpc.vpc_id");
    let lb = find(&i, "aws_lb.app");
    assert_eq!(lb.kind, "AWS::ElasticLoadBalancingV2::LoadBalancer");
    let subnets = Value::List(vec![r("module.vpc.aws_subnet.private[0]"), r("module.vpc.aws_subnet.private[1]")]);
    assert_eq!(prop(lb, "Subnets"), &subnets, "module.vpc.private_subnets is every instance");
    assert_eq!(prop(lb, "SecurityGroups"), &Value::List(vec![r("aws_security_group.alb")]));
    assert_eq!(prop(lb, "Scheme"), &s("internal"));
    assert_eq!(prop(lb, "Type"), &s("application"));
    let svc = find(&i, "aws_ecs_service.app");
    assert_eq!(svc.kind, "AWS::ECS::Service");
    assert_eq!(prop(svc, "NetworkConfiguration.AwsvpcConfiguration.Subnets"), &subnets);
    assert_eq!(
        prop(svc, "NetworkConfiguration.AwsvpcConfiguration.SecurityGroups"),
        &Value::List(vec![r("aws_security_group.alb")])
    );
    assert_eq!(prop(svc, "NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp"), &s("DISABLED"));
    assert_eq!(prop(svc, "Cluster"), &r("aws_ecs_cluster.main"));
    assert_eq!(prop(svc, "TaskDefinition"), &r("aws_ecs_task_definition.app"));
    assert_eq!(prop(svc, "LoadBalancers.0.TargetGroupArn"), &r("aws_lb_target_group.app"));
    assert_eq!(prop(svc, "LoadBalancers.0.ContainerPort"), &n("8080"));
    assert_eq!(prop(svc, "DesiredCount"), &n("2"));
    assert_eq!(prop(svc, "LaunchType"), &s("FARGATE"));
    assert_eq!(prop(svc, "HealthCheckGracePeriodSeconds"), &n("30"));
}

#[test]
fn a_fargate_service_s_task_definition_roles_and_load_balancer() {
    let i = read(ECS_PLAN).expect("plan");
    let td = find(&i, "aws_ecs_task_definition.app");
    assert_eq!(prop(td, "Family"), &s("app"));
    assert_eq!(prop(td, "Cpu"), &s("256"));
    assert_eq!(prop(td, "RequiresCompatibilities"), &Value::List(vec![s("FARGATE")]));
    let arn = |id: &str| Value::Ref { id: id.into(), attribute: Some("Arn".into()) };
    assert_eq!(prop(td, "TaskRoleArn"), &arn("aws_iam_role.task"));
    assert_eq!(prop(td, "ExecutionRoleArn"), &arn("aws_iam_role.exec"));
    assert_eq!(prop(td, "ContainerDefinitions.0.Name"), &s("web"));
    assert_eq!(prop(td, "ContainerDefinitions.0.PortMappings.0.ContainerPort"), &n("8080"));
    assert_eq!(prop(td, "ContainerDefinitions.0.Environment.0.Name"), &s("MODE"));
    assert_eq!(prop(td, "ContainerDefinitions.0.Environment.0.Value"), &s("prod"));
    // Free-form maps keep their keys.
    assert_eq!(prop(td, "ContainerDefinitions.0.LogConfiguration.LogDriver"), &s("awslogs"));
    let options = prop(td, "ContainerDefinitions.0.LogConfiguration.Options");
    assert_eq!(options.get("awslogs-group"), Some(&s("/ecs/app")));
    assert_eq!(prop(td, "ContainerDefinitions.0.DockerLabels").get("com.example.team"), Some(&s("web")));

    let exec = find(&i, "aws_iam_role.exec");
    assert_eq!(prop(exec, "RoleName"), &s("app-exec"));
    assert_eq!(prop(exec, "AssumeRolePolicyDocument.Statement.0.Principal.Service"), &s("ecs-tasks.amazonaws.com"));
    let managed = s("arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy");
    assert_eq!(prop(exec, "ManagedPolicyArns"), &Value::List(vec![managed]), "the attachment, merged");
    assert!(!i.resources.iter().any(|r| r.id == "aws_iam_role_policy_attachment.exec"));
    let inline = find(&i, "aws_iam_role_policy.task");
    assert_eq!(inline.kind, "AWS::IAM::Policy");
    assert_eq!(prop(inline, "Roles"), &Value::List(vec![r("aws_iam_role.task")]));
    assert!(has_unknown(prop(inline, "PolicyDocument")), "jsonencode of an unknown ARN");

    let tg = find(&i, "aws_lb_target_group.app");
    assert_eq!(prop(tg, "VpcId"), &r("module.vpc.aws_vpc.this"));
    assert_eq!(prop(tg, "TargetType"), &s("ip"));
    assert_eq!(prop(tg, "HealthCheckPath"), &s("/health"));
    assert_eq!(prop(tg, "Matcher.HttpCode"), &s("200"));
    let l = find(&i, "aws_lb_listener.http");
    assert_eq!(prop(l, "LoadBalancerArn"), &r("aws_lb.app"));
    assert_eq!(prop(l, "DefaultActions.0.Type"), &s("forward"));
    assert_eq!(prop(l, "DefaultActions.0.TargetGroupArn"), &r("aws_lb_target_group.app"));
    let rule = find(&i, "aws_lb_listener_rule.health");
    assert_eq!(prop(rule, "ListenerArn"), &r("aws_lb_listener.http"));
    assert_eq!(prop(rule, "Conditions.0.Field"), &s("path-pattern"));
    assert_eq!(prop(rule, "Conditions.0.PathPatternConfig.Values.0"), &s("/healthz"));
    assert_eq!(prop(rule, "Actions.0.FixedResponseConfig.StatusCode"), &s("200"));
    assert_eq!(prop(find(&i, "aws_cloudwatch_log_group.app"), "LogGroupName"), &s("/ecs/app"));
}

#[test]
fn a_type_with_no_counterpart_is_kept_with_its_values() {
    let i = read(ECS_PLAN).expect("plan");
    let topic = find(&i, "aws_sns_topic.alerts");
    assert_eq!(topic.kind, "aws_sns_topic");
    assert_eq!(prop(topic, "name"), &s("alerts"));
}

#[test]
fn what_is_not_a_plan_or_state_is_an_error_and_garbage_never_panics() {
    assert!(read("").is_err());
    assert!(read("[]").is_err());
    assert!(read("{\"format_version\": \"1.0\"}").is_err());
    for fixture in [NETWORK_PLAN, NETWORK_STATE, ECS_PLAN, MODULE_PATTERNS] {
        for cut in (0..fixture.len()).step_by(997) {
            let _ = read(fixture.get(..cut).unwrap_or(""));
        }
        // Every string, number and bool of the document swapped for values of other shapes.
        for junk in ["null", "7", "\"x\"", "[]", "{}", "[null, 1, {}]", "true"] {
            let swapped = fixture.replace("\"constant_value\": ", &format!("\"constant_value\": {junk}, \"x\": "));
            let _ = read(&swapped);
            let swapped = fixture.replace("\"values\": ", &format!("\"values\": {junk}, \"x\": "));
            let _ = read(&swapped);
            let swapped = fixture.replace("\"references\": ", &format!("\"references\": {junk}, \"x\": "));
            let _ = read(&swapped);
            let swapped = fixture.replace("\"index\": ", &format!("\"index\": {junk}, \"x\": "));
            let _ = read(&swapped);
        }
    }
}

#[test]
fn odd_shapes_and_odd_references_are_survived() {
    let text = r#"{
      "planned_values": {"root_module": {"resources": [
        {"address": "aws_vpc.x", "mode": "managed", "type": "aws_vpc", "name": "x", "values": [1, 2]},
        {"address": "aws_security_group.x", "mode": "managed", "type": "aws_security_group", "name": "x",
         "values": {"ingress": "x", "egress": [1, null, {"cidr_blocks": 5, "self": "yes"}]}},
        {"address": "aws_subnet.x", "mode": "managed", "type": "aws_subnet", "name": "x", "values": {}},
        {"address": "module.m.aws_subnet.y", "mode": "managed", "type": "aws_subnet", "name": "y", "values": {}}
      ], "child_modules": "x"}},
      "resource_changes": [
        {"address": "aws_subnet.x", "change": {"after_unknown": {"vpc_id": true, "cidr_block": [true]}}},
        {"address": "module.m.aws_subnet.y", "change": {"after_unknown": true}}
      ],
      "configuration": {"root_module": {"resources": [
        {"address": "aws_subnet.x", "expressions": {"vpc_id": {"references":
          [".", "..", "module", "var", "data.x", "a.b[", "module.x.y", "var.nope", "module.m[0].z", "a[\"]"]},
          "cidr_block": {"references": ["var.loop"]}}}
      ], "module_calls": {"m": {"expressions": {"loop": {"references": ["var.loop"]}}, "module": {}}}}}
    }"#;
    let i = read(text).expect("a plan");
    assert_eq!(i.resources.len(), 4);
    let sub = find(&i, "aws_subnet.x");
    // Nothing it names is known: the only VPC of the input, noted.
    assert_eq!(prop(sub, "VpcId"), &r("aws_vpc.x"));
    assert!(i.notes.iter().any(|n| n.origin == "aws_subnet.x" && n.what.contains("the only aws_vpc")));
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(read(&deep).is_err());
}

#[test]
fn an_index_less_reference_picks_the_referrer_s_instance() {
    let text = r#"{
      "planned_values": {"root_module": {"resources": [
        {"address": "aws_route_table.a[0]", "mode": "managed", "type": "aws_route_table", "name": "a", "index": 0, "values": {}},
        {"address": "aws_route_table.a[1]", "mode": "managed", "type": "aws_route_table", "name": "a", "index": 1, "values": {}},
        {"address": "aws_route.r[1]", "mode": "managed", "type": "aws_route", "name": "r", "index": 1,
         "values": {"destination_cidr_block": "0.0.0.0/0"}},
        {"address": "aws_route.one", "mode": "managed", "type": "aws_route", "name": "one", "values": {}}
      ]}},
      "resource_changes": [
        {"address": "aws_route.r[1]", "change": {"after_unknown": {"route_table_id": true}}},
        {"address": "aws_route.one", "change": {"after_unknown": {"route_table_id": true}}}
      ],
      "configuration": {"root_module": {"resources": [
        {"address": "aws_route.r", "expressions": {"route_table_id": {"references": ["aws_route_table.a", "count.index"]}}},
        {"address": "aws_route.one", "expressions": {"route_table_id": {"references": ["aws_route_table.a"]}}}
      ]}}
    }"#;
    let i = read(text).expect("plan");
    assert_eq!(prop(find(&i, "aws_route.r[1]"), "RouteTableId"), &r("aws_route_table.a[1]"));
    assert_eq!(prop(find(&i, "aws_route.r[1]"), "DestinationCidrBlock"), &s("0.0.0.0/0"));
    // Which of two instances is meant cannot be told: unknown, not a guess.
    assert!(has_unknown(prop(find(&i, "aws_route.one"), "RouteTableId")));
}

#[test]
fn main_route_tables_and_endpoint_associations_fold_into_what_they_associate() {
    let text = r#"{"values": {"root_module": {"resources": [
      {"address": "aws_vpc.v", "mode": "managed", "type": "aws_vpc", "name": "v", "values": {"id": "vpc-0a1", "cidr_block": "10.0.0.0/16"}},
      {"address": "aws_route_table.t", "mode": "managed", "type": "aws_route_table", "name": "t", "values": {"id": "rtb-0b2", "vpc_id": "vpc-0a1", "route": []}},
      {"address": "aws_main_route_table_association.m", "mode": "managed", "type": "aws_main_route_table_association", "name": "m",
       "values": {"id": "rtbassoc-1", "vpc_id": "vpc-0a1", "route_table_id": "rtb-0b2"}},
      {"address": "aws_vpc_endpoint.s3", "mode": "managed", "type": "aws_vpc_endpoint", "name": "s3",
       "values": {"id": "vpce-0c3", "vpc_id": "vpc-0a1", "service_name": "com.amazonaws.us-west-2.s3", "vpc_endpoint_type": "Gateway", "route_table_ids": []}},
      {"address": "aws_vpc_endpoint_route_table_association.a", "mode": "managed", "type": "aws_vpc_endpoint_route_table_association", "name": "a",
       "values": {"id": "a-vpce-0c3", "vpc_endpoint_id": "vpce-0c3", "route_table_id": "rtb-0b2"}},
      {"address": "aws_network_acl.n", "mode": "managed", "type": "aws_network_acl", "name": "n",
       "values": {"id": "acl-0d4", "vpc_id": "vpc-0a1", "subnet_ids": ["subnet-0e5"], "ingress": [
         {"rule_no": 100, "action": "allow", "protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_block": "0.0.0.0/0", "ipv6_cidr_block": "", "icmp_code": 0, "icmp_type": 0}],
         "egress": []}},
      {"address": "aws_subnet.s", "mode": "managed", "type": "aws_subnet", "name": "s",
       "values": {"id": "subnet-0e5", "vpc_id": "vpc-0a1", "cidr_block": "10.0.0.0/24", "availability_zone": "us-west-2b"}}
    ]}}}"#;
    let i = read(text).expect("state");
    assert_eq!(i.region.as_deref(), Some("us-west-2"), "from the availability zone");
    assert_eq!(prop(find(&i, "aws_route_table.t"), "EcsnetMain"), &Value::Bool(true));
    let ep = find(&i, "aws_vpc_endpoint.s3");
    assert_eq!(prop(ep, "RouteTableIds"), &Value::List(vec![r("aws_route_table.t")]));
    assert_eq!(prop(ep, "VpcId"), &r("aws_vpc.v"));
    let entry = find(&i, "aws_network_acl.n#ingress0");
    assert_eq!(entry.kind, "AWS::EC2::NetworkAclEntry");
    assert_eq!(prop(entry, "Protocol"), &n("6"));
    assert_eq!(prop(entry, "PortRange.From"), &n("443"));
    assert_eq!(prop(entry, "RuleAction"), &s("allow"));
    assert_eq!(prop(entry, "Egress"), &Value::Bool(false));
    assert_eq!(prop(entry, "NetworkAclId"), &r("aws_network_acl.n"));
    let assoc = find(&i, "aws_network_acl.n#subnet0");
    assert_eq!(prop(assoc, "SubnetId"), &r("aws_subnet.s"));
    assert!(i.notes.is_empty(), "{:?}", i.notes);
}

/// A state of a Fargate service: the container definitions' JSON text and the task
/// definition's and service's blocks reach the writer, which carries over or notes each.
const ECS_STATE: &str = r#"{"format_version": "1.0", "values": {"root_module": {"resources": [
  {"address": "aws_vpc.main", "mode": "managed", "type": "aws_vpc", "name": "main",
   "values": {"cidr_block": "10.0.0.0/16", "id": "vpc-00000000000000001"}},
  {"address": "aws_subnet.a", "mode": "managed", "type": "aws_subnet", "name": "a",
   "values": {"vpc_id": "vpc-00000000000000001", "cidr_block": "10.0.1.0/24", "availability_zone": "us-east-1a",
              "id": "subnet-00000000000000001"}},
  {"address": "aws_ecs_task_definition.app", "mode": "managed", "type": "aws_ecs_task_definition", "name": "app",
   "values": {"family": "app", "network_mode": "awsvpc", "requires_compatibilities": ["FARGATE"],
              "cpu": "256", "memory": "512", "pid_mode": "task", "ipc_mode": "",
              "arn": "arn:aws:ecs:us-east-1:123456789012:task-definition/app:1",
              "volume": [{"name": "data", "host_path": "", "docker_volume_configuration": [],
                          "efs_volume_configuration": [{"file_system_id": "fs-1", "root_directory": "/",
                            "transit_encryption": "ENABLED", "transit_encryption_port": 0,
                            "authorization_config": [{"access_point_id": "fsap-1", "iam": "ENABLED"}]}]}],
              "placement_constraints": [], "runtime_platform": [], "ephemeral_storage": [], "proxy_configuration": [],
              "container_definitions": "[{\"name\":\"app\",\"image\":\"nginx\",\"essential\":true,\"portMappings\":[{\"containerPort\":80,\"hostPort\":80,\"protocol\":\"tcp\"}],\"mountPoints\":[{\"sourceVolume\":\"data\",\"containerPath\":\"/data\",\"readOnly\":false}],\"volumesFrom\":[],\"healthCheck\":{\"command\":[\"CMD\",\"true\"],\"interval\":30,\"retries\":3,\"timeout\":5},\"systemControls\":[{\"namespace\":\"net.core.somaxconn\",\"value\":\"1024\"}],\"environment\":[]}]"}},
  {"address": "aws_ecs_service.app", "mode": "managed", "type": "aws_ecs_service", "name": "app",
   "values": {"name": "app", "task_definition": "arn:aws:ecs:us-east-1:123456789012:task-definition/app:1",
              "desired_count": 1, "launch_type": "FARGATE", "scheduling_strategy": "REPLICA",
              "health_check_grace_period_seconds": 0, "enable_execute_command": true, "platform_version": "LATEST",
              "deployment_maximum_percent": 200, "deployment_minimum_healthy_percent": 100,
              "deployment_circuit_breaker": [{"enable": true, "rollback": true}],
              "deployment_controller": [{"type": "ECS"}], "ordered_placement_strategy": [], "placement_constraints": [],
              "service_registries": [], "service_connect_configuration": [], "capacity_provider_strategy": [],
              "load_balancer": [],
              "network_configuration": [{"subnets": ["subnet-00000000000000001"], "security_groups": [],
                                         "assign_public_ip": false}]}}
]}}}"#;

#[test]
fn a_state_s_task_definition_and_service_properties_are_carried_or_noted() {
    let i = read(ECS_STATE).expect("state");
    let td = find(&i, "aws_ecs_task_definition.app");
    assert_eq!(prop(td, "PidMode"), &s("task"));
    assert_eq!(prop(td, "Volumes.0.EFSVolumeConfiguration.FilesystemId"), &s("fs-1"));
    assert_eq!(prop(td, "ContainerDefinitions.0.HealthCheck.Interval"), &n("30"));
    let svc = find(&i, "aws_ecs_service.app");
    assert_eq!(prop(svc, "EnableExecuteCommand"), &Value::Bool(true));
    // Terraform's defaults say nothing: only the circuit breaker is a deployment setting.
    assert!(prop(svc, "DeploymentConfiguration").get("MaximumPercent").is_none());
    assert_eq!(prop(svc, "DeploymentConfiguration.DeploymentCircuitBreaker.Enable"), &Value::Bool(true));

    let opts = crate::import::write::Options {
        name: "tf".into(),
        region: "us-east-1".into(),
        command: "ecsnet import terraform state.json".into(),
    };
    let out = crate::import::write::write(&i, &opts);
    if let Err(d) = crate::scenario::load_str(std::path::Path::new("tf.yaml"), &out.yaml) {
        panic!("{}\n{d:?}", out.yaml);
    }
    let d = &yaml_rust2::YamlLoader::load_from_str(&out.yaml).unwrap()[0];
    let t = &d["taskDefinitions"][0];
    assert_eq!(t["pidMode"].as_str(), Some("task"));
    assert_eq!(t["volumes"][0]["efsVolumeConfiguration"]["fileSystemId"].as_str(), Some("fs-1"));
    assert_eq!(t["volumes"][0]["efsVolumeConfiguration"]["authorizationConfig"]["iam"].as_str(), Some("ENABLED"));
    let c = &t["containerDefinitions"][0];
    assert_eq!(c["healthCheck"]["interval"].as_i64(), Some(30));
    assert_eq!(c["mountPoints"][0]["containerPath"].as_str(), Some("/data"));
    assert!(c["volumesFrom"].is_badvalue(), "an empty list is not written");
    let mut notes: Vec<String> = out.notes.iter().map(|n| format!("{}: {}", n.origin, n.what)).collect();
    notes.sort();
    let starts = [
        "aws_ecs_service.app: DeploymentConfiguration.DeploymentCircuitBreaker.Enable is not carried over",
        "aws_ecs_service.app: EnableExecuteCommand is not carried over",
        "aws_ecs_service.app: PlatformVersion is not carried over",
        "aws_ecs_task_definition.app: ContainerDefinitions[0].SystemControls is not carried over",
    ];
    assert_eq!(notes.len(), starts.len(), "{notes:#?}");
    for (n, want) in notes.iter().zip(starts) {
        assert!(n.starts_with(want), "{n} / {want}");
    }
}

const MODULE_PATTERNS: &str = include_str!("../../../tests/import/terraform/module_patterns_plan.json");

fn noted(i: &Input, origin: &str, what: &str) -> bool {
    i.notes.iter().any(|n| n.origin == origin && n.what.contains(what))
}

#[test]
fn references_the_configuration_cannot_show_resolve_to_the_only_candidate() {
    let i = read(MODULE_PATTERNS).expect("a plan");
    // `task_definition = local.task_definition`: the module's only task definition.
    let svc = find(&i, "module.svc.aws_ecs_service.this[0]");
    assert_eq!(prop(svc, "TaskDefinition"), &r("module.svc.aws_ecs_task_definition.this[0]"));
    assert!(noted(&i, &svc.id, "the only aws_ecs_task_definition of module.svc"));
    // `vpc_id = local.vpc_id`: the gateway is attached.
    let att = find(&i, "module.vpc.aws_internet_gateway.this[0]#attachment");
    assert_eq!(prop(att, "VpcId"), &r("module.vpc.aws_vpc.this[0]"));
    let route = find(&i, "module.vpc.aws_route.public_internet_gateway[0]");
    assert_eq!(prop(route, "GatewayId"), &r("module.vpc.aws_internet_gateway.this[0]"));
    // A data source read at apply: unknown, then the input's only VPC.
    let sg = find(&i, "module.svc.aws_security_group.this[0]");
    assert_eq!(prop(sg, "VpcId"), &r("module.vpc.aws_vpc.this[0]"));
    assert!(noted(&i, &sg.id, "the only aws_vpc of the input"));
}

#[test]
fn dynamic_blocks_and_each_value_follow_the_module_call() {
    let i = read(MODULE_PATTERNS).expect("a plan");
    let svc = find(&i, "module.svc.aws_ecs_service.this[0]");
    let net = "NetworkConfiguration.AwsvpcConfiguration";
    let subnets = [r("module.vpc.aws_subnet.private[0]"), r("module.vpc.aws_subnet.private[1]")];
    assert_eq!(prop(svc, &format!("{net}.Subnets")).list(), subnets);
    assert_eq!(prop(svc, &format!("{net}.SecurityGroups")).list(), [r("module.svc.aws_security_group.this[0]")]);
    // `module.alb.target_groups["blue"].arn`: the keyed instance of the output only.
    assert_eq!(prop(svc, "LoadBalancers.0.TargetGroupArn"), &r("module.alb.aws_lb_target_group.this[\"blue\"]"));
    // each.value.referenced_security_group_id -> module.alb.security_group_id, not the self branch.
    let rule = find(&i, "module.svc.aws_vpc_security_group_ingress_rule.this[\"from_alb\"]");
    assert_eq!(prop(rule, "SourceSecurityGroupId"), &r("module.alb.aws_security_group.this[0]"));
    assert!(noted(&i, &rule.id, "each.value.referenced_security_group_id"));
    // The ALB's `[var.create_security_group, aws_security_group.this[0].id, var.security_groups]`.
    let lb = find(&i, "module.alb.aws_lb.this[0]");
    assert_eq!(prop(lb, "SecurityGroups").list(), [r("module.alb.aws_security_group.this[0]")]);
    let listener = find(&i, "module.alb.aws_lb_listener.this[\"http\"]");
    assert_eq!(listener.properties.get("SslPolicy"), None);
}

#[test]
fn weighted_forwards_unknown_before_apply_take_the_listeners_keys_and_validate() {
    let i = read(MODULE_PATTERNS).expect("a plan");
    let rule = find(&i, "module.alb.aws_lb_listener_rule.this[\"http/prod\"]");
    // The provider's set order (weights 0, 100) is not the configuration's (100, 0).
    let groups = prop(rule, "Actions.0.ForwardConfig.TargetGroups");
    assert_eq!(prop(rule, "Actions.0.ForwardConfig.TargetGroups.0.Weight"), &n("0"));
    assert_eq!(groups.list()[0].get("TargetGroupArn"), Some(&r("module.alb.aws_lb_target_group.this[\"green\"]")));
    assert_eq!(groups.list()[1].get("TargetGroupArn"), Some(&r("module.alb.aws_lb_target_group.this[\"blue\"]")));
    let opts = crate::import::write::Options { name: "m".into(), region: "eu-west-1".into(), command: "test".into() };
    let out = crate::import::write::write(&i, &opts);
    if let Err(d) = crate::scenario::load_str(std::path::Path::new("m.yaml"), &out.yaml) {
        panic!("{}\n{d:?}", out.yaml);
    }
    assert!(out.yaml.contains("source: sg/ex-alb"), "{}", out.yaml);
}

#[test]
fn several_candidates_are_never_guessed_between() {
    // A second target group named by the service's module call: the service's stays unknown.
    let two = MODULE_PATTERNS.replace(
        r#""module.alb.target_groups[\"blue\"].arn""#,
        r#""module.alb.target_groups[\"blue\"].arn", "module.alb.target_groups[\"green\"].arn""#,
    );
    let i = read(&two).expect("a plan");
    let svc = find(&i, "module.svc.aws_ecs_service.this[0]");
    assert!(has_unknown(prop(svc, "LoadBalancers.0.TargetGroupArn")));
    // The writer leaves out a weighted target group with no ARN rather than writing it invalid.
    let no_keys = MODULE_PATTERNS.replace("\"target_group_key\"", "\"key\"");
    let i = read(&no_keys).expect("a plan");
    let opts = crate::import::write::Options { name: "m".into(), region: "eu-west-1".into(), command: "test".into() };
    let out = crate::import::write::write(&i, &opts);
    // (The scenario is then refused for the service's group, which no listener forwards to.)
    assert!(!out.yaml.contains("weight:"), "{}", out.yaml);
    assert!(out.notes.iter().any(|n| n.what.contains("none of its actions is known")));
}

#[test]
fn what_was_assumed_is_listed_apart_from_what_was_left_out() {
    let i = read(MODULE_PATTERNS).expect("a plan");
    let opts = crate::import::write::Options { name: "m".into(), region: "eu-west-1".into(), command: "test".into() };
    let out = crate::import::write::write(&i, &opts);
    assert!(out.notes.iter().all(|n| n.assumed), "{:#?}", out.notes);
    assert!(!out.yaml.contains("# Not carried over:"), "nothing was left out");
    let assumed = out.yaml.find("# Assumed (check these):").expect("an assumed section");
    let left = out.yaml.find("\nversion: 1").expect("the scenario");
    let section = &out.yaml[assumed..left];
    for n in out.notes.iter().filter(|n| n.assumed) {
        assert!(section.contains(&n.to_string()), "{n} not under Assumed");
    }
    assert!(out.notes.iter().filter(|n| !n.assumed).all(|n| !section.contains(&format!("# - {n}\n"))));
}

#[test]
fn the_plan_s_account_is_the_lab_s() {
    assert_eq!(
        crate::import::account::replace_account("arn:aws:iam::111122223333:role/x", "111122223333"),
        "arn:aws:iam::123456789012:role/x"
    );
    // Part of a longer number: left alone.
    assert_eq!(crate::import::account::replace_account("91111222233334", "111122223333"), "91111222233334");
    // A state applied in account 111122223333: its ARNs name the lab's account, noted once.
    let state =
        include_str!("../../../tests/import/terraform/network_state.json").replace("123456789012", "111122223333");
    let i = read(&state).expect("a state");
    let text = format!("{:?}", i.resources);
    assert!(!text.contains("111122223333"), "{text}");
    let n: Vec<&crate::import::resource::Note> = i.notes.iter().filter(|n| n.origin == "account").collect();
    assert!(n.len() == 1 && n[0].assumed && n[0].what.contains("111122223333"), "{n:?}");
    // The lab's own account: nothing to say.
    let i = read(include_str!("../../../tests/import/terraform/network_state.json")).expect("a state");
    assert!(!i.notes.iter().any(|n| n.origin == "account"));
}
