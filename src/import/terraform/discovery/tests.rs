//! A plan with Cloud Map: the CloudFormation shape the reader makes of it, and the scenario
//! text the writer makes of that.

use crate::import::resource::{Input, Value};
use crate::import::terraform::read;
use crate::import::write::{Options, write};

/// A Fargate service registered in a Cloud Map service of a private namespace, and an HTTP
/// namespace; every id and ARN known after apply.
const PLAN: &str = r#"{
  "format_version": "1.2",
  "planned_values": {"root_module": {"resources": [
    {"address": "aws_vpc.main", "mode": "managed", "type": "aws_vpc", "name": "main",
     "values": {"cidr_block": "10.0.0.0/16"}},
    {"address": "aws_subnet.a", "mode": "managed", "type": "aws_subnet", "name": "a",
     "values": {"cidr_block": "10.0.1.0/24", "availability_zone": "eu-west-1a"}},
    {"address": "aws_service_discovery_private_dns_namespace.corp", "mode": "managed",
     "type": "aws_service_discovery_private_dns_namespace", "name": "corp",
     "values": {"name": "corp.local", "description": "the lab's zone", "tags": null}},
    {"address": "aws_service_discovery_http_namespace.api", "mode": "managed",
     "type": "aws_service_discovery_http_namespace", "name": "api", "values": {"name": "api", "description": null}},
    {"address": "aws_service_discovery_service.backend", "mode": "managed", "type": "aws_service_discovery_service",
     "name": "backend", "values": {"name": "backend", "description": null, "force_destroy": false, "type": null,
       "dns_config": [{"dns_records": [{"ttl": 10, "type": "A"}, {"ttl": 10, "type": "AAAA"}], "routing_policy": "MULTIVALUE"}],
       "health_check_config": [], "health_check_custom_config": [{"failure_threshold": 1}], "tags": null}},
    {"address": "aws_ecs_task_definition.app", "mode": "managed", "type": "aws_ecs_task_definition", "name": "app",
     "values": {"family": "app", "cpu": "256", "memory": "512", "network_mode": "awsvpc",
       "requires_compatibilities": ["FARGATE"],
       "container_definitions": "[{\"name\": \"web\", \"image\": \"nginx\", \"essential\": true, \"portMappings\": [{\"containerPort\": 8080}]}]"}},
    {"address": "aws_ecs_service.app", "mode": "managed", "type": "aws_ecs_service", "name": "app",
     "values": {"name": "app", "desired_count": 1, "launch_type": "FARGATE",
       "network_configuration": [{"assign_public_ip": false}],
       "service_registries": [{"container_name": "web", "container_port": 8080, "port": null}]}}
  ]}},
  "resource_changes": [
    {"address": "aws_subnet.a", "change": {"after_unknown": {"vpc_id": true, "id": true}}},
    {"address": "aws_service_discovery_private_dns_namespace.corp",
     "change": {"after_unknown": {"vpc": true, "id": true, "arn": true}}},
    {"address": "aws_service_discovery_service.backend",
     "change": {"after_unknown": {"id": true, "arn": true, "namespace_id": true,
       "dns_config": [{"namespace_id": true, "dns_records": [{}, {}]}]}}},
    {"address": "aws_ecs_service.app", "change": {"after_unknown": {"task_definition": true,
       "network_configuration": [{"subnets": true}], "service_registries": [{"registry_arn": true}]}}}
  ],
  "configuration": {"provider_config": {"aws": {"expressions": {"region": {"constant_value": "eu-west-1"}}}},
    "root_module": {"resources": [
    {"address": "aws_subnet.a", "expressions": {"vpc_id": {"references": ["aws_vpc.main.id", "aws_vpc.main"]}}},
    {"address": "aws_service_discovery_private_dns_namespace.corp",
     "expressions": {"name": {"constant_value": "corp.local"}, "vpc": {"references": ["aws_vpc.main.id", "aws_vpc.main"]}}},
    {"address": "aws_service_discovery_service.backend", "expressions": {"name": {"constant_value": "backend"},
      "dns_config": [{"namespace_id": {"references": ["aws_service_discovery_private_dns_namespace.corp.id",
        "aws_service_discovery_private_dns_namespace.corp"]},
        "dns_records": [{"ttl": {"constant_value": 10}, "type": {"constant_value": "A"}},
                        {"ttl": {"constant_value": 10}, "type": {"constant_value": "AAAA"}}],
        "routing_policy": {"constant_value": "MULTIVALUE"}}],
      "health_check_custom_config": [{"failure_threshold": {"constant_value": 1}}]}},
    {"address": "aws_ecs_service.app", "expressions": {
      "task_definition": {"references": ["aws_ecs_task_definition.app.arn", "aws_ecs_task_definition.app"]},
      "network_configuration": [{"subnets": {"references": ["aws_subnet.a.id", "aws_subnet.a"]}}],
      "service_registries": [{"registry_arn": {"references": ["aws_service_discovery_service.backend.arn",
        "aws_service_discovery_service.backend"]}, "container_name": {"constant_value": "web"},
        "container_port": {"constant_value": 8080}}]}}
  ]}}
}"#;

fn prop<'a>(i: &'a Input, id: &str, key: &str) -> &'a Value {
    let r = i.resources.iter().find(|r| r.id == id).unwrap_or_else(|| panic!("no {id}"));
    r.properties.get(key).unwrap_or_else(|| panic!("no {id}.{key} in {:?}", r.properties))
}

fn rf(id: &str, attr: Option<&str>) -> Value {
    Value::Ref { id: id.into(), attribute: attr.map(str::to_string) }
}

#[test]
fn a_plan_s_cloud_map_is_read_in_the_cloudformation_shape() {
    let i = read(PLAN).expect("a plan");
    let ns = "aws_service_discovery_private_dns_namespace.corp";
    let svc = "aws_service_discovery_service.backend";
    assert_eq!(prop(&i, ns, "Name"), &Value::String("corp.local".into()));
    assert_eq!(prop(&i, ns, "Vpc"), &rf("aws_vpc.main", None));
    let dns = prop(&i, svc, "DnsConfig");
    assert_eq!(dns.get("NamespaceId"), Some(&rf(ns, None)));
    assert_eq!(dns.get("RoutingPolicy").and_then(Value::str), Some("MULTIVALUE"));
    let records = dns.get("DnsRecords").map(Value::list).unwrap_or_default();
    assert_eq!(records.len(), 2);
    assert_eq!(records[1].get("Type").and_then(Value::str), Some("AAAA"));
    assert_eq!(records[1].get("TTL").and_then(Value::str), Some("10"));
    assert_eq!(prop(&i, svc, "HealthCheckCustomConfig").get("FailureThreshold").and_then(Value::str), Some("1"));
    let reg = &prop(&i, "aws_ecs_service.app", "ServiceRegistries").list()[0];
    assert_eq!(reg.get("RegistryArn"), Some(&rf(svc, Some("Arn"))));
    assert_eq!(reg.get("ContainerName").and_then(Value::str), Some("web"));
    assert_eq!(reg.get("Port"), None);
    let http = i.resources.iter().find(|r| r.id == "aws_service_discovery_http_namespace.api").unwrap();
    assert_eq!(http.kind, "AWS::ServiceDiscovery::HttpNamespace");
}

#[test]
fn a_plan_s_cloud_map_is_written_as_the_template_s() {
    let i = read(PLAN).expect("a plan");
    let opts = Options { name: "tf".into(), region: "us-east-1".into(), command: "ecsnet import terraform".into() };
    let out = write(&i, &opts);
    if let Err(d) = crate::scenario::load_str(std::path::Path::new("tf.yaml"), &out.yaml) {
        panic!("{}\n{d:?}", out.yaml);
    }
    let sd = "serviceDiscovery:
  namespaces:
    # from aws_service_discovery_private_dns_namespace.corp
    - name: corp.local
      description: the lab's zone
  services:
    # from aws_service_discovery_service.backend
    - name: backend
      namespace: corp.local
      dnsConfig:
        routingPolicy: MULTIVALUE
        dnsRecords:
          - type: A
            ttl: 10
      healthCheckCustomConfig:
        failureThreshold: 1
services:
";
    assert!(out.yaml.contains(sd), "{}", out.yaml);
    let reg = "    serviceRegistries:\n      - registryArn: backend\n        containerName: web\n        containerPort: 8080\n";
    assert!(out.yaml.contains(reg), "{}", out.yaml);
    let said: Vec<String> = out.notes.iter().map(|n| n.to_string()).collect();
    for want in [
        "aws_service_discovery_service.backend: DnsConfig.DnsRecords[1], a AAAA record, is not carried over: the lab's VPC has no IPv6",
        "aws_service_discovery_http_namespace.api: AWS::ServiceDiscovery::HttpNamespace is not carried over: an HTTP namespace is found by API calls, and the lab emulates DNS only",
    ] {
        assert!(said.iter().any(|s| s == want), "{want} not in {said:#?}");
    }
    assert!(!said.iter().any(|s| s.contains("ServiceRegistries") || s.contains("corp")), "{said:#?}");
}
