//! End-to-end tests of the workload writer: inputs built by hand as the readers build them,
//! written by `write`, the YAML checked, and loaded by the scenario's own parser.

use crate::import::resource::{Input, Resource, Value};
use crate::import::write::{Options, Output, write};
use std::path::Path;
use yaml_rust2::{Yaml, YamlLoader};

fn s(x: &str) -> Value {
    Value::String(x.into())
}

fn n(x: u32) -> Value {
    Value::Number(x.to_string())
}

fn r(id: &str) -> Value {
    Value::Ref { id: id.into(), attribute: None }
}

fn att(id: &str, a: &str) -> Value {
    Value::Ref { id: id.into(), attribute: Some(a.into()) }
}

fn map(kv: &[(&str, Value)]) -> Value {
    Value::Map(kv.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
}

fn list(v: Vec<Value>) -> Value {
    Value::List(v)
}

fn res(id: &str, kind: &str, props: Value) -> Resource {
    Resource { id: id.into(), kind: kind.into(), properties: props, origin: format!("logical id {id}") }
}

/// The VPC, subnets and groups the workload refers to.
fn network() -> Vec<Resource> {
    let subnet = |id: &str, cidr: &str, zone: &str, public: bool| {
        res(
            id,
            "AWS::EC2::Subnet",
            map(&[
                ("VpcId", r("Vpc")),
                ("CidrBlock", s(cidr)),
                ("AvailabilityZone", s(zone)),
                ("MapPublicIpOnLaunch", Value::Bool(public)),
            ]),
        )
    };
    let assoc = |id: &str, subnet: &str| {
        res(id, "AWS::EC2::SubnetRouteTableAssociation", map(&[("SubnetId", r(subnet)), ("RouteTableId", r("Public"))]))
    };
    vec![
        res("Vpc", "AWS::EC2::VPC", map(&[("CidrBlock", s("10.0.0.0/16"))])),
        res("Igw", "AWS::EC2::InternetGateway", map(&[])),
        res(
            "IgwAttach",
            "AWS::EC2::VPCGatewayAttachment",
            map(&[("VpcId", r("Vpc")), ("InternetGatewayId", r("Igw"))]),
        ),
        res("Public", "AWS::EC2::RouteTable", map(&[("VpcId", r("Vpc"))])),
        res(
            "PublicDefault",
            "AWS::EC2::Route",
            map(&[("RouteTableId", r("Public")), ("DestinationCidrBlock", s("0.0.0.0/0")), ("GatewayId", r("Igw"))]),
        ),
        subnet("PublicA", "10.0.0.0/24", "us-east-1a", true),
        subnet("PublicC", "10.0.1.0/24", "us-east-1c", true),
        subnet("PrivateA", "10.0.10.0/24", "us-east-1a", false),
        subnet("PrivateC", "10.0.11.0/24", "us-east-1c", false),
        assoc("PublicAAssoc", "PublicA"),
        assoc("PublicCAssoc", "PublicC"),
        res("AlbSG", "AWS::EC2::SecurityGroup", map(&[("VpcId", r("Vpc"))])),
        res("AppSG", "AWS::EC2::SecurityGroup", map(&[("VpcId", r("Vpc"))])),
    ]
}

fn run(resources: Vec<Resource>) -> Output {
    let mut all = network();
    all.extend(resources);
    let input = Input { resources: all, ..Input::default() };
    let opts = Options { name: "imported".into(), region: "us-east-1".into(), command: "ecsnet import test".into() };
    write(&input, &opts)
}

/// The scenario, VPC included (the network writer's), loads as `validate` reads it.
fn loads(yaml: &str) {
    if let Err(d) = crate::scenario::load_str(Path::new("imported.yaml"), yaml) {
        panic!("{yaml}\n{d:?}");
    }
}

fn doc(yaml: &str) -> Yaml {
    YamlLoader::load_from_str(yaml).unwrap().remove(0)
}

fn trust(service: &str) -> Value {
    map(&[
        ("Version", s("2012-10-17")),
        (
            "Statement",
            list(vec![map(&[
                ("Effect", s("Allow")),
                ("Principal", map(&[("Service", s(service))])),
                ("Action", s("sts:AssumeRole")),
            ])]),
        ),
    ])
}

fn allow(action: &str, resource: Value) -> Value {
    map(&[
        ("Version", s("2012-10-17")),
        ("Statement", list(vec![map(&[("Effect", s("Allow")), ("Action", s(action)), ("Resource", resource)])])),
    ])
}

/// A Fargate service behind an ALB (80 redirects to 443, 443 forwards to an ip group),
/// with an execution role, a task role with inline, customer managed and AWS managed
/// policies, a log group and a bucket with its policy.
fn fargate_alb() -> Vec<Resource> {
    let mut rs = fargate_task();
    rs.extend(roles());
    rs.extend(alb());
    rs.push(fargate_service());
    rs
}

/// The cluster, the log group, the bucket and its policy, the task definition.
fn fargate_task() -> Vec<Resource> {
    let container = map(&[
        ("Name", s("app")),
        ("Image", s("123456789012.dkr.ecr.us-east-1.amazonaws.com/api:1.0")),
        ("PortMappings", list(vec![map(&[("ContainerPort", n(8080)), ("Protocol", s("tcp"))])])),
        (
            "LogConfiguration",
            map(&[
                ("LogDriver", s("awslogs")),
                (
                    "Options",
                    map(&[
                        ("awslogs-group", r("LogGroup")),
                        ("awslogs-region", s("us-east-1")),
                        ("awslogs-stream-prefix", s("ecs")),
                    ]),
                ),
            ]),
        ),
        ("DockerLabels", map(&[("Team", s("web"))])),
        ("HealthCheck", map(&[("Command", list(vec![s("CMD"), s("true")]))])),
    ]);
    vec![
        res("Cluster", "AWS::ECS::Cluster", map(&[])),
        res("LogGroup", "AWS::Logs::LogGroup", map(&[("LogGroupName", s("/ecs/api"))])),
        res("Bucket", "AWS::S3::Bucket", map(&[("BucketName", s("app-config"))])),
        res(
            "BucketPolicy",
            "AWS::S3::BucketPolicy",
            map(&[
                ("Bucket", r("Bucket")),
                (
                    "PolicyDocument",
                    map(&[
                        ("Version", s("2012-10-17")),
                        (
                            "Statement",
                            list(vec![map(&[
                                ("Effect", s("Allow")),
                                ("Principal", map(&[("AWS", att("TaskRole", "Arn"))])),
                                ("Action", s("s3:GetObject")),
                                ("Resource", list(vec![s("arn:aws:s3:::app-config/*")])),
                            ])]),
                        ),
                    ]),
                ),
            ]),
        ),
        res(
            "TaskDef",
            "AWS::ECS::TaskDefinition",
            map(&[
                ("Family", s("api")),
                ("NetworkMode", s("awsvpc")),
                ("RequiresCompatibilities", list(vec![s("FARGATE")])),
                ("Cpu", s("256")),
                ("Memory", s("512")),
                ("ExecutionRoleArn", att("ExecRole", "Arn")),
                ("TaskRoleArn", r("TaskRole")),
                ("ContainerDefinitions", list(vec![container])),
            ]),
        ),
    ]
}

/// The execution role, and the task role with its policies.
fn roles() -> Vec<Resource> {
    vec![
        res(
            "ExecRole",
            "AWS::IAM::Role",
            map(&[
                ("RoleName", s("api-execution")),
                ("AssumeRolePolicyDocument", trust("ecs-tasks.amazonaws.com")),
                (
                    "ManagedPolicyArns",
                    list(vec![s("arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")]),
                ),
            ]),
        ),
        res(
            "TaskRole",
            "AWS::IAM::Role",
            map(&[
                ("AssumeRolePolicyDocument", trust("ecs-tasks.amazonaws.com")),
                (
                    "ManagedPolicyArns",
                    list(vec![
                        r("ReadConfig"),
                        s("arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess"),
                        s("arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"),
                    ]),
                ),
                (
                    "Policies",
                    list(vec![map(&[
                        ("PolicyName", s("logs")),
                        ("PolicyDocument", allow("logs:PutLogEvents", att("LogGroup", "Arn"))),
                    ])]),
                ),
            ]),
        ),
        res(
            "ReadConfig",
            "AWS::IAM::ManagedPolicy",
            map(&[("PolicyDocument", allow("s3:GetObject", s("arn:aws:s3:::app-config/*")))]),
        ),
        res(
            "ExtraPolicy",
            "AWS::IAM::Policy",
            map(&[
                ("PolicyName", s("extra")),
                ("PolicyDocument", allow("s3:ListBucket", att("Bucket", "Arn"))),
                ("Roles", list(vec![r("TaskRole")])),
            ]),
        ),
    ]
}

/// The ALB, its listeners and rule, the target group.
fn alb() -> Vec<Resource> {
    vec![
        res(
            "Alb",
            "AWS::ElasticLoadBalancingV2::LoadBalancer",
            map(&[
                ("Name", s("web")),
                ("Subnets", list(vec![r("PublicA"), r("PublicC")])),
                ("SecurityGroups", list(vec![att("AlbSG", "GroupId")])),
            ]),
        ),
        res(
            "ApiTG",
            "AWS::ElasticLoadBalancingV2::TargetGroup",
            map(&[
                ("Port", n(8080)),
                ("Protocol", s("HTTP")),
                ("TargetType", s("ip")),
                ("VpcId", r("Vpc")),
                ("HealthCheckPath", s("/health")),
                ("HealthCheckIntervalSeconds", n(10)),
                ("Matcher", map(&[("HttpCode", s("200-299"))])),
                (
                    "TargetGroupAttributes",
                    list(vec![map(&[("Key", s("deregistration_delay.timeout_seconds")), ("Value", s("30"))])]),
                ),
            ]),
        ),
        res(
            "Http",
            "AWS::ElasticLoadBalancingV2::Listener",
            map(&[
                ("LoadBalancerArn", r("Alb")),
                ("Port", n(80)),
                ("Protocol", s("HTTP")),
                (
                    "DefaultActions",
                    list(vec![map(&[
                        ("Type", s("redirect")),
                        (
                            "RedirectConfig",
                            map(&[("Protocol", s("HTTPS")), ("Port", s("443")), ("StatusCode", s("HTTP_301"))]),
                        ),
                    ])]),
                ),
            ]),
        ),
        res(
            "Https",
            "AWS::ElasticLoadBalancingV2::Listener",
            map(&[
                ("LoadBalancerArn", r("Alb")),
                ("Port", n(443)),
                ("Protocol", s("HTTPS")),
                (
                    "Certificates",
                    list(vec![map(&[(
                        "CertificateArn",
                        s("arn:aws:acm:us-east-1:123456789012:certificate/3f0c8a52-7d4e-4b8e-9a61-2c5e0d1b7a90"),
                    )])]),
                ),
                ("DefaultActions", list(vec![map(&[("Type", s("forward")), ("TargetGroupArn", r("ApiTG"))])])),
            ]),
        ),
        res(
            "ApiRule",
            "AWS::ElasticLoadBalancingV2::ListenerRule",
            map(&[
                ("ListenerArn", r("Https")),
                ("Priority", n(10)),
                ("Conditions", list(vec![map(&[("Field", s("path-pattern")), ("Values", list(vec![s("/api/*")]))])])),
                ("Actions", list(vec![map(&[("Type", s("forward")), ("TargetGroupArn", r("ApiTG"))])])),
            ]),
        ),
    ]
}

/// The service, behind the ALB.
fn fargate_service() -> Resource {
    res(
        "Service",
        "AWS::ECS::Service",
        map(&[
            ("Cluster", r("Cluster")),
            ("ServiceName", s("api")),
            ("LaunchType", s("FARGATE")),
            ("DesiredCount", n(2)),
            ("TaskDefinition", r("TaskDef")),
            ("HealthCheckGracePeriodSeconds", n(30)),
            (
                "NetworkConfiguration",
                map(&[(
                    "AwsvpcConfiguration",
                    map(&[
                        ("Subnets", list(vec![r("PrivateA"), r("PrivateC")])),
                        ("SecurityGroups", list(vec![r("AppSG")])),
                        ("AssignPublicIp", s("DISABLED")),
                    ]),
                )]),
            ),
            (
                "LoadBalancers",
                list(vec![map(&[
                    ("TargetGroupArn", r("ApiTG")),
                    ("ContainerName", s("app")),
                    ("ContainerPort", n(8080)),
                ])]),
            ),
        ]),
    )
}

#[test]
fn a_fargate_service_behind_an_alb_is_a_scenario_that_loads() {
    let out = run(fargate_alb());
    loads(&out.yaml);
    let d = doc(&out.yaml);
    let svc = &d["services"][0];
    assert_eq!(svc["serviceName"].as_str(), Some("api"));
    assert_eq!(svc["taskDefinition"].as_str(), Some("api"));
    assert_eq!(svc["desiredCount"].as_i64(), Some(2));
    assert_eq!(svc["launchType"].as_str(), Some("FARGATE"));
    let vpc = &svc["networkConfiguration"]["awsvpcConfiguration"];
    assert_eq!(vpc["subnets"][1].as_str(), Some("private-c"));
    assert_eq!(vpc["securityGroups"][0].as_str(), Some("app-sg"));
    assert_eq!(svc["loadBalancers"][0]["targetGroupArn"].as_str(), Some("api-tg"));
    assert_eq!(svc["loadBalancers"][0]["containerPort"].as_i64(), Some(8080));
    assert_eq!(svc["healthCheckGracePeriodSeconds"].as_i64(), Some(30));

    let tg = &d["targetGroups"][0];
    assert_eq!(
        (tg["name"].as_str(), tg["targetType"].as_str(), tg["port"].as_i64()),
        (Some("api-tg"), Some("ip"), Some(8080))
    );
    assert_eq!(tg["healthCheckPath"].as_str(), Some("/health"));
    assert_eq!(tg["matcher"]["httpCode"].as_str(), Some("200-299"));
    assert_eq!(tg["deregistrationDelayTimeoutSeconds"].as_i64(), Some(30));

    let lb = &d["loadBalancers"][0];
    assert_eq!(lb["name"].as_str(), Some("web"));
    assert_eq!(lb["securityGroups"][0].as_str(), Some("alb-sg"));
    let http = &lb["listeners"][0];
    assert_eq!(http["defaultActions"][0]["type"].as_str(), Some("redirect"));
    assert_eq!(http["defaultActions"][0]["redirectConfig"]["statusCode"].as_str(), Some("HTTP_301"));
    let https = &lb["listeners"][1];
    assert_eq!(https["protocol"].as_str(), Some("HTTPS"));
    assert!(https["certificates"][0]["certificateArn"].as_str().unwrap().starts_with("arn:aws:acm:"));
    assert_eq!(https["defaultActions"][0]["targetGroupArn"].as_str(), Some("api-tg"));
    assert_eq!(https["rules"][0]["conditions"][0]["values"][0].as_str(), Some("/api/*"));

    let c = &d["taskDefinitions"][0]["containerDefinitions"][0];
    assert_eq!(c["portMappings"][0]["containerPort"].as_i64(), Some(8080));
    assert_eq!(c["logConfiguration"]["options"]["awslogs-group"].as_str(), Some("/ecs/api"));
    // Free-form keys stay as written; fields the scenario accepts and ignores are carried over.
    assert_eq!(c["dockerLabels"]["Team"].as_str(), Some("web"));
    assert_eq!(c["healthCheck"]["command"][1].as_str(), Some("true"));
    assert_eq!(d["aws"]["logGroups"][0].as_str(), Some("/ecs/api"));
    // Every block names where it came from.
    for origin in
        ["Service", "TaskDef", "Alb", "Http", "Https", "ApiRule", "ApiTG", "ExecRole", "Bucket", "BucketPolicy"]
    {
        assert!(out.yaml.contains(&format!("# from logical id {origin}\n")), "{origin}\n{}", out.yaml);
    }
}

#[test]
fn role_arns_of_task_definitions_are_the_roles_declared() {
    let out = run(fargate_alb());
    let d = doc(&out.yaml);
    let td = &d["taskDefinitions"][0];
    let roles = d["aws"]["roles"].as_vec().unwrap();
    let names: Vec<&str> = roles.iter().filter_map(|r| r["roleName"].as_str()).collect();
    assert_eq!(names, ["api-execution", "task-role"]);
    assert_eq!(td["executionRoleArn"].as_str(), Some("arn:aws:iam::123456789012:role/api-execution"));
    assert_eq!(td["taskRoleArn"].as_str(), Some("arn:aws:iam::123456789012:role/task-role"));
    // The bucket policy's principal is the same role's ARN.
    let policy = d["aws"]["buckets"][0]["policy"].as_str().unwrap();
    assert!(policy.contains("\"AWS\": \"arn:aws:iam::123456789012:role/task-role\""), "{policy}");
    assert_eq!(d["aws"]["buckets"][0]["name"].as_str(), Some("app-config"));
}

#[test]
fn roles_keep_inline_policies_and_take_customer_managed_ones_inline() {
    let out = run(fargate_alb());
    let d = doc(&out.yaml);
    let task_role = &d["aws"]["roles"][1];
    assert_eq!(
        task_role["managedPolicyArns"].as_vec().unwrap(),
        &vec![Yaml::String("arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess".into())]
    );
    let policies: Vec<&str> =
        task_role["policies"].as_vec().unwrap().iter().filter_map(|p| p["policyName"].as_str()).collect();
    assert_eq!(policies, ["read-config", "logs", "extra"]);
    let logs = task_role["policies"][1]["policyDocument"].as_str().unwrap();
    assert!(logs.contains("arn:aws:logs:us-east-1:123456789012:log-group:/ecs/api:*"), "{logs}");
    let extra = task_role["policies"][2]["policyDocument"].as_str().unwrap();
    assert!(extra.contains("\"Resource\": \"arn:aws:s3:::app-config\""), "{extra}");
    assert!(out.yaml.contains("# from logical id ReadConfig: a customer managed policy, written inline"));
    assert!(out.yaml.contains("# from logical id ExtraPolicy\n"));
    let trust = d["aws"]["roles"][0]["assumeRolePolicyDocument"].as_str().unwrap();
    assert!(trust.contains("\"Service\": \"ecs-tasks.amazonaws.com\""));
    // An AWS managed policy the scenario does not know is noted, not dropped silently.
    assert!(out.notes.iter().any(|n| n.origin == "logical id TaskRole" && n.what.contains("AmazonDynamoDBFullAccess")));
}

/// An EC2 service in bridge mode on an Auto Scaling group of 2 instances.
fn ec2_bridge() -> Vec<Resource> {
    let user_data = "#!/bin/bash\necho ECS_CLUSTER=main >> /etc/ecs/ecs.config\necho ECS_AWSVPC_BLOCK_IMDS=true >> /etc/ecs/ecs.config\n";
    use base64::Engine;
    let user_data = base64::engine::general_purpose::STANDARD.encode(user_data);
    vec![
        res("Cluster", "AWS::ECS::Cluster", map(&[])),
        res(
            "InstanceRole",
            "AWS::IAM::Role",
            map(&[
                ("AssumeRolePolicyDocument", trust("ec2.amazonaws.com")),
                (
                    "ManagedPolicyArns",
                    list(vec![s("arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role")]),
                ),
            ]),
        ),
        res("Profile", "AWS::IAM::InstanceProfile", map(&[("Roles", list(vec![r("InstanceRole")]))])),
        res(
            "HostTemplate",
            "AWS::EC2::LaunchTemplate",
            map(&[(
                "LaunchTemplateData",
                map(&[
                    ("InstanceType", s("c5.large")),
                    ("SecurityGroupIds", list(vec![r("AppSG")])),
                    ("IamInstanceProfile", map(&[("Arn", att("Profile", "Arn"))])),
                    ("MetadataOptions", map(&[("HttpTokens", s("required")), ("HttpPutResponseHopLimit", n(2))])),
                    ("UserData", s(&user_data)),
                ]),
            )]),
        ),
        res(
            "WebAsg",
            "AWS::AutoScaling::AutoScalingGroup",
            map(&[
                ("VPCZoneIdentifier", list(vec![r("PrivateA"), r("PrivateC")])),
                ("MinSize", s("1")),
                ("MaxSize", s("4")),
                ("DesiredCapacity", s("2")),
                ("LaunchTemplate", map(&[("LaunchTemplateId", r("HostTemplate")), ("Version", s("1"))])),
            ]),
        ),
        res(
            "WebDef",
            "AWS::ECS::TaskDefinition",
            map(&[
                ("Family", s("web")),
                (
                    "ContainerDefinitions",
                    list(vec![map(&[
                        ("Name", s("web")),
                        ("Image", s("nginx:1.27")),
                        ("Memory", n(256)),
                        ("PortMappings", list(vec![map(&[("ContainerPort", n(80)), ("HostPort", n(0))])])),
                    ])]),
                ),
            ]),
        ),
        res(
            "Alb",
            "AWS::ElasticLoadBalancingV2::LoadBalancer",
            map(&[("Subnets", list(vec![r("PublicA"), r("PublicC")])), ("SecurityGroups", list(vec![r("AlbSG")]))]),
        ),
        res("WebTG", "AWS::ElasticLoadBalancingV2::TargetGroup", map(&[("Port", n(80)), ("Protocol", s("HTTP"))])),
        res(
            "Listener",
            "AWS::ElasticLoadBalancingV2::Listener",
            map(&[
                ("LoadBalancerArn", r("Alb")),
                ("Port", n(80)),
                ("Protocol", s("HTTP")),
                ("DefaultActions", list(vec![map(&[("Type", s("forward")), ("TargetGroupArn", r("WebTG"))])])),
            ]),
        ),
        res(
            "WebService",
            "AWS::ECS::Service",
            map(&[
                ("Cluster", r("Cluster")),
                ("DesiredCount", n(2)),
                ("TaskDefinition", r("WebDef")),
                (
                    "LoadBalancers",
                    list(vec![map(&[
                        ("TargetGroupArn", r("WebTG")),
                        ("ContainerName", s("web")),
                        ("ContainerPort", n(80)),
                    ])]),
                ),
            ]),
        ),
    ]
}

#[test]
fn an_ec2_service_in_bridge_mode_runs_on_the_auto_scaling_groups_instances() {
    let out = run(ec2_bridge());
    loads(&out.yaml);
    let d = doc(&out.yaml);
    let instances = d["instances"].as_vec().unwrap();
    assert_eq!(instances.len(), 2);
    let names: Vec<_> =
        instances.iter().map(|i| (i["name"].as_str().unwrap(), i["subnet"].as_str().unwrap())).collect();
    assert_eq!(names, [("web-asg-1", "private-a"), ("web-asg-2", "private-c")]);
    let i = &instances[0];
    assert_eq!(i["publicIp"].as_bool(), Some(false));
    assert_eq!(i["securityGroups"][0].as_str(), Some("app-sg"));
    assert_eq!(i["iamInstanceProfile"].as_str(), Some("instance-role"));
    assert_eq!(i["metadataOptions"]["httpTokens"].as_str(), Some("required"));
    assert_eq!(i["ecsAgent"]["ECS_AWSVPC_BLOCK_IMDS"].as_bool(), Some(true));
    assert_eq!(d["aws"]["roles"][0]["roleName"].as_str(), Some("instance-role"));
    let td = &d["taskDefinitions"][0];
    // ECS's default network mode, written out.
    assert_eq!(td["networkMode"].as_str(), Some("bridge"));
    assert_eq!(td["containerDefinitions"][0]["portMappings"][0]["hostPort"].as_i64(), Some(0));
    let svc = &d["services"][0];
    assert_eq!(svc["launchType"].as_str(), Some("EC2"));
    assert_eq!(svc["serviceName"].as_str(), Some("web-service"));
    assert!(svc["networkConfiguration"].is_badvalue());
    assert_eq!(d["targetGroups"][0]["targetType"].as_str(), Some("instance"));
    assert!(out.yaml.contains("# from logical id WebAsg\n"));
    assert!(out.yaml.contains("# launched from logical id HostTemplate\n"));
    // No note for what was carried over.
    for id in ["Profile", "HostTemplate", "Cluster", "Listener"] {
        assert!(!out.notes.iter().any(|n| n.origin == format!("logical id {id}")), "{id}: {:?}", out.notes);
    }
}

#[test]
fn an_ec2_service_without_capacity_is_noted() {
    let mut rs = ec2_bridge();
    rs.retain(|r| r.id != "WebAsg");
    let out = run(rs);
    assert!(!out.yaml.contains("instances:"));
    assert!(out.notes.iter().any(|n| n.origin == "logical id WebService" && n.what.contains("no container instances")));
}

#[test]
fn an_unknown_image_and_environment_value_are_noted() {
    let unknown = Value::Unknown { why: "known after apply".into(), fix: "pass -var image=...".into() };
    let def = res(
        "Def",
        "AWS::ECS::TaskDefinition",
        map(&[(
            "ContainerDefinitions",
            list(vec![map(&[
                ("Name", s("app")),
                ("Image", unknown.clone()),
                (
                    "Environment",
                    list(vec![
                        map(&[("Name", s("A")), ("Value", s("1"))]),
                        map(&[("Name", s("B")), ("Value", unknown)]),
                    ]),
                ),
            ])]),
        )]),
    );
    let out = run(vec![def]);
    loads(&out.yaml);
    let image = out.notes.iter().find(|n| n.what.contains("Image")).expect("a note on the image");
    assert_eq!(image.origin, "logical id Def");
    assert_eq!(image.fix, "pass -var image=...");
    assert!(out.notes.iter().any(|n| n.what.contains("(B) left out")));
    assert!(out.yaml.contains("# not known: known after apply (pass -var image=...)\n"));
    let d = doc(&out.yaml);
    let env = d["taskDefinitions"][0]["containerDefinitions"][0]["environment"].as_vec().unwrap();
    assert_eq!(env.len(), 1);
    // A family from the id, as ECS names go.
    assert_eq!(d["taskDefinitions"][0]["family"].as_str(), Some("def"));
    // And the header lists the notes.
    assert!(out.yaml.contains("# Not carried over:\n"));
}

#[test]
fn a_log_group_the_input_does_not_create_leaves_the_list_to_the_lab() {
    let mut rs = fargate_alb();
    for r in &mut rs {
        if r.id == "LogGroup" {
            r.properties = map(&[("LogGroupName", s("/ecs/other"))]);
        }
    }
    // The task names a group by name that is not among those the input creates.
    let td = rs.iter_mut().find(|r| r.id == "TaskDef").unwrap();
    if let Value::Map(m) = &mut td.properties {
        for (k, v) in m.iter_mut() {
            if k == "ContainerDefinitions" {
                if let Value::List(cs) = v {
                    if let Value::Map(c) = &mut cs[0] {
                        c.retain(|(k, _)| k != "LogConfiguration");
                        c.push((
                            "LogConfiguration".into(),
                            map(&[("LogDriver", s("awslogs")), ("Options", map(&[("awslogs-group", s("/ecs/api"))]))]),
                        ));
                    }
                }
            }
        }
    }
    let out = run(rs);
    let d = doc(&out.yaml);
    assert!(d["aws"]["logGroups"].is_badvalue(), "{}", out.yaml);
    assert!(out.notes.iter().any(|n| n.origin == "logical id TaskDef" && n.what.starts_with("aws.logGroups left out")));
}

#[test]
fn an_instance_behind_a_network_load_balancer() {
    let eni = map(&[
        ("DeviceIndex", s("0")),
        ("SubnetId", r("PublicA")),
        ("GroupSet", list(vec![r("AppSG"), att("Vpc", "DefaultSecurityGroup")])),
        ("PrivateIpAddress", s("10.0.0.10")),
    ]);
    let rs = vec![
        res(
            "Host",
            "AWS::EC2::Instance",
            map(&[
                ("InstanceType", s("m7g.large")),
                ("NetworkInterfaces", list(vec![eni])),
                ("Tags", list(vec![map(&[("Key", s("Name")), ("Value", s("ecs-1"))])])),
            ]),
        ),
        res(
            "Nlb",
            "AWS::ElasticLoadBalancingV2::LoadBalancer",
            map(&[("Type", s("network")), ("Subnets", list(vec![r("PublicA"), r("PublicC")]))]),
        ),
        res(
            "Tcp",
            "AWS::ElasticLoadBalancingV2::TargetGroup",
            map(&[
                ("Protocol", s("TCP")),
                ("Port", n(8080)),
                ("Targets", list(vec![map(&[("Id", r("Host")), ("Port", n(8080))])])),
            ]),
        ),
        res(
            "Listener",
            "AWS::ElasticLoadBalancingV2::Listener",
            map(&[
                ("LoadBalancerArn", r("Nlb")),
                ("Port", n(80)),
                ("Protocol", s("TCP")),
                ("DefaultActions", list(vec![map(&[("Type", s("forward")), ("TargetGroupArn", r("Tcp"))])])),
            ]),
        ),
    ];
    let out = run(rs);
    loads(&out.yaml);
    let d = doc(&out.yaml);
    let i = &d["instances"][0];
    assert_eq!((i["name"].as_str(), i["subnet"].as_str()), (Some("ecs-1"), Some("public-a")));
    assert_eq!(i["privateIp"].as_str(), Some("10.0.0.10"));
    // The subnet maps a public IP on launch and the interface does not say otherwise.
    assert_eq!(i["publicIp"].as_bool(), Some(true));
    assert_eq!(
        i["securityGroups"].as_vec().unwrap(),
        &vec![Yaml::String("app-sg".into()), Yaml::String("default".into())]
    );
    // A type the scenario does not know is left to its default, and noted with the fix.
    assert!(i["instanceType"].is_badvalue());
    assert!(out.notes.iter().any(|n| n.what.contains("m7g.large") && n.fix.contains("maxEnis")));
    assert_eq!(d["loadBalancers"][0]["type"].as_str(), Some("network"));
    assert_eq!(d["targetGroups"][0]["targets"][0]["id"].as_str(), Some("instance/ecs-1"));
}

#[test]
fn a_launch_templates_note_is_said_once_for_all_its_instances() {
    let mut input = ec2_bridge();
    for r in &mut input {
        if r.kind == "AWS::EC2::LaunchTemplate"
            && let Value::Map(m) = &mut r.properties
            && let Some((_, Value::Map(data))) = m.iter_mut().find(|(k, _)| k == "LaunchTemplateData")
            && let Some((_, t)) = data.iter_mut().find(|(k, _)| k == "InstanceType")
        {
            *t = s("c4.xlarge");
        }
    }
    let out = run(input);
    let about_type: Vec<_> = out.notes.iter().filter(|n| n.what.contains("c4.xlarge")).collect();
    assert_eq!(about_type.len(), 1, "{:?}", out.notes);
    assert_eq!(out.yaml.matches("c4.xlarge is not one").count(), 1, "{}", out.yaml);
}

/// A Fargate task definition and its service setting what the scenario accepts (modelled, or
/// accepted and ignored), and nothing else.
fn carried() -> Vec<Resource> {
    let app = map(&[
        ("Name", s("app")),
        ("Image", s("nginx")),
        ("PortMappings", list(vec![map(&[("ContainerPort", n(80))])])),
        ("MemoryReservation", n(128)),
        (
            "HealthCheck",
            map(&[
                ("Command", list(vec![s("CMD-SHELL"), s("curl -f localhost")])),
                ("Interval", n(10)),
                ("Timeout", n(5)),
                ("Retries", n(3)),
                ("StartPeriod", n(20)),
            ]),
        ),
        (
            "MountPoints",
            list(vec![map(&[
                ("SourceVolume", s("data")),
                ("ContainerPath", s("/data")),
                ("ReadOnly", Value::Bool(true)),
            ])]),
        ),
        ("DependsOn", list(vec![map(&[("ContainerName", s("init")), ("Condition", s("SUCCESS"))])])),
        ("Ulimits", list(vec![map(&[("Name", s("nofile")), ("SoftLimit", n(1024)), ("HardLimit", n(4096))])])),
        ("LinuxParameters", map(&[("InitProcessEnabled", Value::Bool(true))])),
        ("StartTimeout", n(60)),
        ("StopTimeout", n(30)),
        ("ReadonlyRootFilesystem", Value::Bool(true)),
        ("WorkingDirectory", s("/srv")),
        ("User", s("1000")),
        ("Privileged", Value::Bool(false)),
        ("EnvironmentFiles", list(vec![map(&[("Type", s("s3")), ("Value", s("arn:aws:s3:::b/app.env"))])])),
    ]);
    let init = map(&[
        ("Name", s("init")),
        ("Image", s("busybox")),
        ("Essential", Value::Bool(false)),
        ("VolumesFrom", list(vec![map(&[("SourceContainer", s("app")), ("ReadOnly", Value::Bool(true))])])),
    ]);
    let efs = map(&[
        ("FilesystemId", s("fs-12345678")),
        ("TransitEncryption", s("ENABLED")),
        ("AuthorizationConfig", map(&[("AccessPointId", s("fsap-1")), ("IAM", s("ENABLED"))])),
    ]);
    vec![
        res(
            "Def",
            "AWS::ECS::TaskDefinition",
            map(&[
                ("Family", s("app")),
                ("NetworkMode", s("awsvpc")),
                ("RequiresCompatibilities", list(vec![s("FARGATE")])),
                ("Cpu", s("256")),
                ("Memory", s("512")),
                ("PidMode", s("task")),
                ("RuntimePlatform", map(&[("OperatingSystemFamily", s("LINUX")), ("CpuArchitecture", s("ARM64"))])),
                (
                    "Volumes",
                    list(vec![
                        map(&[("Name", s("data")), ("EFSVolumeConfiguration", efs)]),
                        map(&[
                            ("Name", s("scratch")),
                            (
                                "DockerVolumeConfiguration",
                                map(&[("Driver", s("local")), ("DriverOpts", map(&[("Type", s("tmpfs"))]))]),
                            ),
                        ]),
                    ]),
                ),
                ("ContainerDefinitions", list(vec![app, init])),
                ("Tags", list(vec![map(&[("Key", s("team")), ("Value", s("web"))])])),
            ]),
        ),
        res(
            "Svc",
            "AWS::ECS::Service",
            map(&[
                ("TaskDefinition", r("Def")),
                ("LaunchType", s("FARGATE")),
                ("SchedulingStrategy", s("REPLICA")),
                ("PropagateTags", s("SERVICE")),
                ("DeploymentController", map(&[("Type", s("ECS"))])),
                ("EnableExecuteCommand", Value::Bool(false)),
                (
                    "NetworkConfiguration",
                    map(&[("AwsvpcConfiguration", map(&[("Subnets", list(vec![r("PrivateA")]))]))]),
                ),
            ]),
        ),
    ]
}

/// The properties of resource `id`.
fn props_of<'a>(rs: &'a mut [Resource], id: &str) -> &'a mut Vec<(String, Value)> {
    match &mut rs.iter_mut().find(|r| r.id == id).unwrap().properties {
        Value::Map(m) => m,
        _ => unreachable!(),
    }
}

/// The first container definition of task definition `id`.
fn first_container<'a>(rs: &'a mut [Resource], id: &str) -> &'a mut Vec<(String, Value)> {
    let m = props_of(rs, id);
    let Some((_, Value::List(cs))) = m.iter_mut().find(|(k, _)| k == "ContainerDefinitions") else { unreachable!() };
    match &mut cs[0] {
        Value::Map(c) => c,
        _ => unreachable!(),
    }
}

#[test]
fn fields_the_scenario_accepts_are_carried_over_in_the_api_names() {
    let out = run(carried());
    loads(&out.yaml);
    let d = doc(&out.yaml);
    let td = &d["taskDefinitions"][0];
    assert_eq!(td["pidMode"].as_str(), Some("task"));
    assert_eq!(td["runtimePlatform"]["cpuArchitecture"].as_str(), Some("ARM64"));
    // The ECS API's names where they are not CloudFormation's with a small first letter.
    let efs = &td["volumes"][0]["efsVolumeConfiguration"];
    assert_eq!(efs["fileSystemId"].as_str(), Some("fs-12345678"));
    assert_eq!(efs["authorizationConfig"]["iam"].as_str(), Some("ENABLED"));
    // A driver's options are the user's keys.
    assert_eq!(td["volumes"][1]["dockerVolumeConfiguration"]["driverOpts"]["Type"].as_str(), Some("tmpfs"));
    let c = &td["containerDefinitions"][0];
    assert_eq!(c["memoryReservation"].as_i64(), Some(128));
    let hc = &c["healthCheck"];
    assert_eq!(hc["command"][1].as_str(), Some("curl -f localhost"));
    assert_eq!(
        (hc["interval"].as_i64(), hc["timeout"].as_i64(), hc["retries"].as_i64(), hc["startPeriod"].as_i64()),
        (Some(10), Some(5), Some(3), Some(20))
    );
    assert_eq!(c["mountPoints"][0]["sourceVolume"].as_str(), Some("data"));
    assert_eq!(c["mountPoints"][0]["containerPath"].as_str(), Some("/data"));
    assert_eq!(c["mountPoints"][0]["readOnly"].as_bool(), Some(true));
    assert_eq!(c["dependsOn"][0]["condition"].as_str(), Some("SUCCESS"));
    assert_eq!(c["ulimits"][0]["softLimit"].as_i64(), Some(1024));
    assert_eq!(c["linuxParameters"]["initProcessEnabled"].as_bool(), Some(true));
    assert_eq!((c["startTimeout"].as_i64(), c["stopTimeout"].as_i64()), (Some(60), Some(30)));
    assert_eq!(c["readonlyRootFilesystem"].as_bool(), Some(true));
    assert_eq!((c["workingDirectory"].as_str(), c["user"].as_str()), (Some("/srv"), Some("1000")));
    assert_eq!(c["privileged"].as_bool(), Some(false));
    assert_eq!(c["environmentFiles"][0]["type"].as_str(), Some("s3"));
    assert_eq!(td["containerDefinitions"][1]["volumesFrom"][0]["sourceContainer"].as_str(), Some("app"));
    // Only what the writer reads or declares as metadata: nothing to say about either.
    for id in ["logical id Def", "logical id Svc"] {
        assert!(!out.notes.iter().any(|n| n.origin == id), "{id}: {:?}", out.notes);
    }
}

#[test]
fn a_property_not_read_is_one_note_naming_it() {
    let mut rs = carried();
    first_container(&mut rs, "Def").push(("Frobnicate".into(), s("yes")));
    first_container(&mut rs, "Def").push(("SystemControls".into(), list(vec![map(&[("Namespace", s("net.x"))])])));
    props_of(&mut rs, "Def").push(("EphemeralStorage".into(), map(&[("SizeInGiB", n(30))])));
    let svc = props_of(&mut rs, "Svc");
    svc.push(("DeploymentConfiguration".into(), map(&[("MaximumPercent", n(200)), ("MinimumHealthyPercent", n(50))])));
    svc.push(("PlatformVersion".into(), s("LATEST")));
    let out = run(rs);
    loads(&out.yaml);
    let about =
        |origin: &str, what: &str| out.notes.iter().filter(|n| n.origin == origin && n.what.starts_with(what)).count();
    assert_eq!(
        about("logical id Def", "ContainerDefinitions[0].Frobnicate is not carried over: the importer does not know"),
        1,
        "{:?}",
        out.notes
    );
    assert_eq!(about("logical id Def", "ContainerDefinitions[0].SystemControls is not carried over: "), 1);
    assert_eq!(about("logical id Def", "EphemeralStorage is not carried over: "), 1);
    // MaximumPercent 200 is ECS's default and says nothing; MinimumHealthyPercent 50 does.
    assert_eq!(about("logical id Svc", "DeploymentConfiguration.MinimumHealthyPercent is not carried over: "), 1);
    assert_eq!(about("logical id Svc", "DeploymentConfiguration.MaximumPercent"), 0);
    assert_eq!(about("logical id Svc", "PlatformVersion is not carried over: "), 1);
    assert_eq!(out.notes.len(), 5, "{:?}", out.notes);
    // Nor written (but in the header's notes).
    let body = out.yaml.split_once("\nversion: 1\n").unwrap().1;
    assert!(!body.contains("robnicate") && !body.contains("ystemControls") && !body.contains("phemeral"));
}

#[test]
fn a_service_s_fields_the_scenario_cannot_take_are_noted() {
    let mut rs = carried();
    let svc = props_of(&mut rs, "Svc");
    svc.retain(|(k, _)| k != "LaunchType");
    svc.push(("CapacityProviderStrategy".into(), list(vec![map(&[("CapacityProvider", s("FARGATE_SPOT"))])])));
    svc.push(("PlacementConstraints".into(), list(vec![map(&[("Type", s("distinctInstance"))])])));
    svc.push(("HealthCheckGracePeriodSeconds".into(), n(60)));
    let out = run(rs);
    loads(&out.yaml);
    let d = doc(&out.yaml);
    assert_eq!(d["services"][0]["launchType"].as_str(), Some("FARGATE"));
    let svc_notes: Vec<&str> =
        out.notes.iter().filter(|n| n.origin == "logical id Svc").map(|n| n.what.as_str()).collect();
    assert_eq!(svc_notes.len(), 3, "{svc_notes:?}");
    assert!(svc_notes[0].contains("FARGATE_SPOT is written as launchType FARGATE"));
    assert!(svc_notes.iter().any(|w| w.starts_with("PlacementConstraints is not carried over: Fargate")));
    assert!(svc_notes.iter().any(|w| w.starts_with("HealthCheckGracePeriodSeconds is not carried over")));
}

#[test]
fn an_ec2_service_s_placement_is_carried_over() {
    let mut rs = ec2_bridge();
    let svc = rs.iter_mut().find(|r| r.kind == "AWS::ECS::Service").unwrap();
    if let Value::Map(m) = &mut svc.properties {
        m.push(("PlacementStrategies".into(), list(vec![map(&[("Type", s("spread")), ("Field", s("instanceId"))])])));
        m.push((
            "PlacementConstraints".into(),
            list(vec![map(&[("Type", s("memberOf")), ("Expression", s("attribute:ecs.instance-type == t3.micro"))])]),
        ));
    }
    let td = rs.iter_mut().find(|r| r.kind == "AWS::ECS::TaskDefinition").unwrap();
    if let Value::Map(m) = &mut td.properties {
        m.push((
            "PlacementConstraints".into(),
            list(vec![map(&[("Type", s("memberOf")), ("Expression", s("attribute:ecs.os-type == linux"))])]),
        ));
    }
    let out = run(rs);
    loads(&out.yaml);
    let d = doc(&out.yaml);
    let svc = &d["services"][0];
    assert_eq!(svc["placementStrategy"][0]["field"].as_str(), Some("instanceId"));
    assert_eq!(svc["placementConstraints"][0]["type"].as_str(), Some("memberOf"));
    assert_eq!(
        d["taskDefinitions"][0]["placementConstraints"][0]["expression"].as_str(),
        Some("attribute:ecs.os-type == linux")
    );
    assert!(!out.notes.iter().any(|n| n.what.contains("Placement")), "{:?}", out.notes);
}

#[test]
fn arns_in_policies_are_arns_of_the_right_shape() {
    let mut rs = fargate_alb();
    rs.push(res("Queue", "AWS::SQS::Queue", map(&[("QueueName", s("jobs"))])));
    rs.push(res("Alerts", "AWS::SNS::Topic", map(&[])));
    let resources = [
        att("Cluster", "Arn"),
        att("Queue", "Arn"),
        r("Alerts"),
        r("ApiTG"),
        r("Alb"),
        r("Http"),
        att("TaskRole", "Arn"),
    ];
    let statements: Vec<Value> = resources
        .iter()
        .map(|x| map(&[("Effect", s("Allow")), ("Action", s("ecs:ListContainerInstances")), ("Resource", x.clone())]))
        .collect();
    let doc_ = map(&[("Version", s("2012-10-17")), ("Statement", list(statements))]);
    let policy = map(&[("PolicyName", s("ops")), ("PolicyDocument", doc_)]);
    rs.push(res(
        "Ops",
        "AWS::IAM::Role",
        map(&[("AssumeRolePolicyDocument", trust("lambda.amazonaws.com")), ("Policies", list(vec![policy]))]),
    ));
    let out = run(rs);
    loads(&out.yaml);
    let d = doc(&out.yaml);
    let ops = d["aws"]["roles"].as_vec().unwrap().iter().find(|r| r["roleName"].as_str() == Some("ops")).unwrap();
    let text = ops["policies"][0]["policyDocument"].as_str().unwrap();
    let json: serde_json::Value = serde_json::from_str(text).unwrap();
    let got: Vec<&str> = json["Statement"].as_array().unwrap().iter().filter_map(|s| s["Resource"].as_str()).collect();
    assert_eq!(
        got,
        [
            "arn:aws:ecs:us-east-1:123456789012:cluster/ecsnet-imported",
            "arn:aws:sqs:us-east-1:123456789012:jobs",
            "arn:aws:sns:us-east-1:123456789012:Alerts",
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/api-tg/*",
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/*",
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/*",
            "arn:aws:iam::123456789012:role/task-role",
        ]
    );
    assert!(!out.notes.iter().any(|n| n.origin == "logical id Ops"), "{:?}", out.notes);
}

#[test]
fn a_policy_whose_statements_are_all_left_out_is_dropped() {
    let mut rs = fargate_alb();
    let unknown = Value::Unknown { why: "an export of another stack".into(), fix: "--param X=VALUE".into() };
    let policy = map(&[("PolicyName", s("drain")), ("PolicyDocument", allow("sqs:ReceiveMessage", unknown))]);
    rs.push(res(
        "Drain",
        "AWS::IAM::Role",
        map(&[("AssumeRolePolicyDocument", trust("lambda.amazonaws.com")), ("Policies", list(vec![policy]))]),
    ));
    let out = run(rs);
    loads(&out.yaml);
    let d = doc(&out.yaml);
    let role = d["aws"]["roles"].as_vec().unwrap().iter().find(|r| r["roleName"].as_str() == Some("drain")).unwrap();
    assert!(role["policies"].is_badvalue(), "{:?}", role["policies"]);
    assert!(
        out.notes.iter().any(|n| n.origin == "logical id Drain"
            && n.what == "Policies[0].PolicyDocument left out: none of its statements is left"),
        "{:?}",
        out.notes
    );
}

#[test]
fn string_typed_booleans_and_numbers_are_written_as_such() {
    let mut rs = fargate_alb();
    let def = rs.iter_mut().find(|r| r.id == "TaskDef").unwrap();
    let Value::Map(props) = &mut def.properties else { panic!() };
    let container = map(&[
        ("Name", s("app")),
        ("Image", s("nginx")),
        ("Essential", s("true")),
        ("Cpu", s("10")),
        ("Memory", s("300")),
        ("PortMappings", list(vec![map(&[("ContainerPort", s("8080")), ("HostPort", s("8080"))])])),
        ("Environment", list(vec![map(&[("Name", s("FLAG")), ("Value", s("true"))])])),
    ]);
    props.retain(|(k, _)| k != "ContainerDefinitions");
    props.push(("ContainerDefinitions".into(), list(vec![container])));
    let out = run(rs);
    loads(&out.yaml);
    let c = &doc(&out.yaml)["taskDefinitions"][0]["containerDefinitions"][0];
    assert_eq!(c["essential"].as_bool(), Some(true));
    assert_eq!(c["cpu"].as_i64(), Some(10));
    assert_eq!(c["memory"].as_i64(), Some(300));
    assert_eq!(c["portMappings"][0]["containerPort"].as_i64(), Some(8080));
    assert_eq!(c["environment"][0]["value"].as_str(), Some("true"));
}

#[test]
fn an_image_in_another_account_s_ecr_is_declared_in_its_registry() {
    let def = |image: &str| {
        res(
            "Def",
            "AWS::ECS::TaskDefinition",
            map(&[("ContainerDefinitions", list(vec![map(&[("Name", s("log")), ("Image", s(image))])]))]),
        )
    };
    let out = run(vec![def("906394416424.dkr.ecr.us-east-1.amazonaws.com/aws-for-fluent-bit:stable")]);
    loads(&out.yaml);
    let y = doc(&out.yaml);
    let r = &y["aws"]["repositories"][0];
    assert_eq!(r["name"].as_str(), Some("aws-for-fluent-bit"), "{}", out.yaml);
    assert_eq!(r["registryId"].as_str(), Some("906394416424"), "{}", out.yaml);
    assert_eq!(r["images"][0]["tags"][0].as_str(), Some("stable"));
    assert!(r["repositoryPolicyText"].as_str().is_some_and(|p| p.contains("arn:aws:iam::123456789012:root")));
    let n: Vec<_> = out.notes.iter().filter(|n| n.what.contains("906394416424")).collect();
    assert!(n.len() == 1 && n[0].assumed, "{:?}", out.notes);
    // By digest: not declarable, said. Another region's ECR, the lab's own account, images
    // outside ECR: nothing to declare or say.
    let out = run(vec![def("906394416424.dkr.ecr.us-east-1.amazonaws.com/x@sha256:abcd")]);
    assert!(out.notes.iter().any(|n| n.what.contains("by digest")), "{:?}", out.notes);
    for image in [
        "906394416424.dkr.ecr.eu-west-1.amazonaws.com/aws-for-fluent-bit:stable",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1",
        "public.ecr.aws/nginx/nginx:1",
        "nginx",
    ] {
        let out = run(vec![def(image)]);
        assert!(!out.yaml.contains("repositories:"), "{image}: {}", out.yaml);
        assert!(!out.notes.iter().any(|n| n.what.contains("ECR")), "{image}: {:?}", out.notes);
    }
}

#[test]
fn a_generated_secret_has_the_shape_its_template_gives() {
    let mut all = vec![];
    let spec = |t: &str| map(&[("SecretStringTemplate", s(t)), ("GenerateStringKey", s("password"))]);
    all.push(res(
        "DbSecret",
        "AWS::SecretsManager::Secret",
        map(&[("GenerateSecretString", spec(r#"{"username":"app"}"#))]),
    ));
    all.push(res("Plain", "AWS::SecretsManager::Secret", map(&[])));
    let out = run(all);
    let y = doc(&out.yaml);
    let secrets = y["aws"]["secrets"].as_vec().expect("secrets");
    let value =
        |name: &str| secrets.iter().find(|x| x["name"].as_str() == Some(name)).and_then(|x| x["value"].as_str());
    // A container's `…:secret:DbSecret:password::` finds its key; `…:username::` too.
    let v: serde_json::Value = serde_json::from_str(value("DbSecret").expect("DbSecret")).unwrap();
    assert_eq!(v["username"], "app");
    assert!(v["password"].is_string(), "{v}");
    assert_eq!(value("Plain"), Some("not-a-real-secret"), "{}", out.yaml);
}

#[test]
fn a_resource_named_inside_a_join_and_by_its_ref_is_one_resource() {
    // What the CDK writes for `bucket.arnForObjects('*')`, a gateway endpoint named by a bucket
    // policy's aws:SourceVpce, and `Secret.fromSecretsManager(secret, 'password')`.
    let t = r#"
Resources:
  Vpc: { Type: AWS::EC2::VPC, Properties: { CidrBlock: 10.0.0.0/16 } }
  Rt: { Type: AWS::EC2::RouteTable, Properties: { VpcId: !Ref Vpc } }
  S3: { Type: AWS::EC2::VPCEndpoint, Properties: { VpcId: !Ref Vpc, ServiceName: com.amazonaws.us-east-1.s3, RouteTableIds: [!Ref Rt] } }
  AssetsA1B2C3D4: { Type: AWS::S3::Bucket }
  Policy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref AssetsA1B2C3D4
      PolicyDocument:
        Statement:
          - Effect: Deny
            Principal: { AWS: '*' }
            Action: 's3:*'
            Resource: [!GetAtt AssetsA1B2C3D4.Arn, !Join ['', [!GetAtt AssetsA1B2C3D4.Arn, '/*']]]
            Condition: { StringNotEquals: { 'aws:sourceVpce': !Ref S3 } }
  Db: { Type: AWS::SecretsManager::Secret, Properties: { GenerateSecretString: { SecretStringTemplate: '{"username":"app"}', GenerateStringKey: password } } }
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: { Statement: [{ Effect: Allow, Principal: { Service: ecs-tasks.amazonaws.com }, Action: 'sts:AssumeRole' }] }
      Policies: [{ PolicyName: read, PolicyDocument: { Statement: [{ Effect: Allow, Action: 'secretsmanager:GetSecretValue', Resource: !Ref Db }] } }]
  Td:
    Type: AWS::ECS::TaskDefinition
    Properties:
      ExecutionRoleArn: !GetAtt Role.Arn
      ContainerDefinitions:
        - Name: app
          Image: nginx
          Secrets: [{ Name: PW, ValueFrom: !Join ['', [!Ref Db, ':password::']] }]
"#;
    let input = crate::import::cloudformation::read(t, &[], None, Some("s")).expect("read");
    let opts = Options { name: "imported".into(), region: "us-east-1".into(), command: "t".into() };
    let out = write(&input, &opts);
    let y = &out.yaml;
    let vpce = crate::import::names::vpce_id("S3");
    assert!(y.contains(&format!("vpcEndpointId: {vpce}")), "{y}");
    assert!(y.contains(&format!("\"aws:sourceVpce\": \"{vpce}\"")), "{y}");
    assert!(y.contains("- name: assetsa1b2c3d4\n"), "{y}");
    assert!(y.contains("\"arn:aws:s3:::assetsa1b2c3d4/*\""), "{y}");
    let arn = crate::scenario::aws::secret_arn("us-east-1", "123456789012", "Db");
    assert!(y.contains(&format!("valueFrom: \"{arn}:password::\"")), "{y}");
    assert!(y.contains(&format!("\"Resource\": \"{arn}\"")), "{y}");
    loads(y);
}
