//! Cloud Map in a template -> `serviceDiscovery` and `serviceRegistries`: template text in,
//! scenario text and notes out.

use crate::import::cloudformation::read;
use crate::import::write::{Options, Output, write};

/// A VPC, a Fargate task definition and a service; `extra` adds resources, `registries` the
/// service's `ServiceRegistries`.
fn template(extra: &str, registries: &str) -> String {
    format!(
        r#"Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {{ CidrBlock: 10.0.0.0/16 }}
  SubnetA:
    Type: AWS::EC2::Subnet
    Properties: {{ VpcId: !Ref Vpc, CidrBlock: 10.0.0.0/24, AvailabilityZone: us-east-1a }}
  AppSG:
    Type: AWS::EC2::SecurityGroup
    Properties: {{ GroupDescription: app, VpcId: !Ref Vpc }}
  Td:
    Type: AWS::ECS::TaskDefinition
    Properties:
      Family: app
      NetworkMode: awsvpc
      RequiresCompatibilities: [FARGATE]
      Cpu: 256
      Memory: 512
      ContainerDefinitions:
        - {{ Name: app, Image: nginx, PortMappings: [{{ ContainerPort: 8080 }}] }}
  Svc:
    Type: AWS::ECS::Service
    Properties:
      ServiceName: backend
      LaunchType: FARGATE
      TaskDefinition: !Ref Td
      NetworkConfiguration:
        AwsvpcConfiguration: {{ Subnets: [!Ref SubnetA], SecurityGroups: [!Ref AppSG] }}
{registries}{extra}"#
    )
}

const NAMESPACE: &str = r#"  Ns:
    Type: AWS::ServiceDiscovery::PrivateDnsNamespace
    Properties: { Name: corp.local, Vpc: !Ref Vpc, Description: the private zone }
"#;

const CLOUD_MAP: &str = r#"  Disco:
    Type: AWS::ServiceDiscovery::Service
    Properties:
      Name: backend
      NamespaceId: !GetAtt Ns.Id
      Description: the backend's records
      DnsConfig:
        RoutingPolicy: WEIGHTED
        DnsRecords: [{ Type: A, TTL: 60 }, { Type: SRV, TTL: "30" }]
      HealthCheckCustomConfig: { FailureThreshold: 1 }
"#;

const REGISTRY: &str = r#"      ServiceRegistries:
        - { RegistryArn: !GetAtt Disco.Arn, ContainerName: app, ContainerPort: 8080 }
"#;

fn import(t: &str) -> Output {
    let input = read(t, &[], None, Some("demo")).unwrap();
    let opts = Options { name: "imported".into(), region: "us-east-1".into(), command: "ecsnet import test".into() };
    write(&input, &opts)
}

/// The scenario loads as `validate` reads it.
fn loads(out: &Output) {
    if let Err(d) = crate::scenario::load_str(std::path::Path::new("imported.yaml"), &out.yaml) {
        panic!("{}\n{d:?}", out.yaml);
    }
}

/// The notes about logical id `id`, as text.
fn notes(out: &Output, id: &str) -> Vec<String> {
    let origin = format!("logical id {id}");
    out.notes.iter().filter(|n| n.origin == origin).map(|n| n.what.clone()).collect()
}

/// The text from `key` (a top-level key) to the next top-level line.
fn block<'a>(yaml: &'a str, key: &str) -> &'a str {
    let start = yaml.find(&format!("\n{key}:")).unwrap_or_else(|| panic!("no {key} in\n{yaml}")) + 1;
    let rest = &yaml[start..];
    let end = rest.match_indices('\n').map(|(i, _)| i + 1).find(|&i| rest[i..].starts_with(|c: char| c != ' '));
    &rest[..end.unwrap_or(rest.len())]
}

#[test]
fn a_namespace_a_cloud_map_service_and_the_registry_naming_it() {
    let out = import(&template(&format!("{NAMESPACE}{CLOUD_MAP}"), REGISTRY));
    loads(&out);
    assert_eq!(
        block(&out.yaml, "serviceDiscovery"),
        "serviceDiscovery:
  namespaces:
    # from logical id Ns
    - name: corp.local
      description: the private zone
  services:
    # from logical id Disco
    - name: backend
      namespace: corp.local
      description: the backend's records
      dnsConfig:
        routingPolicy: WEIGHTED
        dnsRecords:
          - type: A
            ttl: 60
          - type: SRV
            ttl: 30
      healthCheckCustomConfig:
        failureThreshold: 1
"
    );
    let services = block(&out.yaml, "services");
    assert!(
        services.ends_with(
            "    serviceRegistries:
      - registryArn: backend
        containerName: app
        containerPort: 8080
"
        ),
        "{services}"
    );
    // `serviceDiscovery` comes before the services that register in it.
    assert!(out.yaml.find("serviceDiscovery:") < out.yaml.find("\nservices:"));
    for id in ["Ns", "Disco", "Svc"] {
        assert!(notes(&out, id).is_empty(), "{id}: {:?}", notes(&out, id));
    }
}

#[test]
fn optional_fields_unset_are_not_written_and_a_missing_name_comes_from_the_logical_id() {
    let ns = "  Ns:\n    Type: AWS::ServiceDiscovery::PrivateDnsNamespace\n    Properties: { Name: corp.local., Vpc: !Ref Vpc }\n";
    let sd = "  BackendDiscovery:\n    Type: AWS::ServiceDiscovery::Service\n    Properties:\n      DnsConfig:\n        NamespaceId: !Ref Ns\n        DnsRecords: [{ Type: a, TTL: 10 }]\n";
    let reg = "      ServiceRegistries: [{ RegistryArn: !GetAtt BackendDiscovery.Arn }]\n";
    let out = import(&template(&format!("{ns}{sd}"), reg));
    loads(&out);
    assert_eq!(
        block(&out.yaml, "serviceDiscovery"),
        "serviceDiscovery:
  namespaces:
    # from logical id Ns
    - name: corp.local
  services:
    # from logical id BackendDiscovery
    - name: backend-discovery
      namespace: corp.local
      dnsConfig:
        dnsRecords:
          - type: A
            ttl: 10
"
    );
    assert!(out.yaml.contains("    serviceRegistries:\n      - registryArn: backend-discovery\n"), "{}", out.yaml);
    assert!(notes(&out, "BackendDiscovery").is_empty(), "{:?}", out.notes);
}

#[test]
fn two_cloud_map_services_of_one_name_are_named_with_their_namespace() {
    let ns2 = "  Ns2:\n    Type: AWS::ServiceDiscovery::PrivateDnsNamespace\n    Properties: { Name: other.local, Vpc: !Ref Vpc }\n";
    let sd2 = "  Disco2:\n    Type: AWS::ServiceDiscovery::Service\n    Properties:\n      Name: backend\n      NamespaceId: !Ref Ns2\n      DnsConfig: { DnsRecords: [{ Type: A, TTL: 60 }] }\n";
    let reg = "      ServiceRegistries: [{ RegistryArn: !GetAtt Disco.Arn, Port: 8080 }]\n";
    let out = import(&template(&format!("{NAMESPACE}{CLOUD_MAP}{ns2}{sd2}"), reg));
    loads(&out);
    assert!(out.yaml.contains("      - registryArn: backend.corp.local\n        port: 8080\n"), "{}", out.yaml);
    assert!(out.yaml.contains("    - name: backend\n      namespace: other.local\n"), "{}", out.yaml);
}

#[test]
fn a_namespace_without_a_name_is_named_from_its_logical_id_as_a_two_label_name() {
    let ns =
        "  CorpNamespace:\n    Type: AWS::ServiceDiscovery::PrivateDnsNamespace\n    Properties: { Vpc: !Ref Vpc }\n";
    let sd = CLOUD_MAP.replace("!GetAtt Ns.Id", "!GetAtt CorpNamespace.Id");
    let out = import(&template(&format!("{ns}{sd}"), REGISTRY));
    loads(&out);
    assert!(out.yaml.contains("    - name: corp-namespace.local\n"), "{}", out.yaml);
    assert!(out.yaml.contains("      namespace: corp-namespace.local\n"), "{}", out.yaml);
    let n = out.notes.iter().find(|n| n.origin == "logical id CorpNamespace").expect("a note");
    assert!(n.assumed && n.what == "it has no Name: named corp-namespace.local", "{n:?}");
}

#[test]
fn records_the_lab_does_not_answer_are_noted_and_a_service_left_with_none_is_dropped_with_its_registry() {
    let sd = CLOUD_MAP.replace(
        "[{ Type: A, TTL: 60 }, { Type: SRV, TTL: \"30\" }]",
        "[{ Type: AAAA, TTL: 60 }, { Type: CNAME, TTL: 60 }]",
    );
    let out = import(&template(&format!("{NAMESPACE}{sd}"), REGISTRY));
    loads(&out);
    assert!(!out.yaml.contains("\n  services:"), "{}", out.yaml);
    assert!(!out.yaml.contains("serviceRegistries"), "{}", out.yaml);
    assert_eq!(
        notes(&out, "Disco"),
        [
            "DnsConfig.DnsRecords[0], a AAAA record, is not carried over: the lab's VPC has no IPv6",
            "DnsConfig.DnsRecords[1], a CNAME record, is not carried over: the lab's Cloud Map answers A and SRV records only",
            "left out, with the ECS service registries naming it: none of its DNS records is an A or SRV record",
        ]
    );
    assert_eq!(
        notes(&out, "Svc"),
        ["ServiceRegistries[0] left out: its Cloud Map service, logical id Disco, is not carried over"]
    );
    // The scenario's header lists them too.
    assert!(out.yaml.contains("# - logical id Disco: DnsConfig.DnsRecords[0], a AAAA record"), "{}", out.yaml);
    // One of two records left: the service stays, the other noted.
    let sd = CLOUD_MAP.replace("{ Type: SRV, TTL: \"30\" }", "{ Type: AAAA, TTL: 30 }");
    let out = import(&template(&format!("{NAMESPACE}{sd}"), REGISTRY));
    loads(&out);
    assert!(
        out.yaml.contains("        dnsRecords:\n          - type: A\n            ttl: 60\n      health"),
        "{}",
        out.yaml
    );
    assert!(out.yaml.contains("registryArn: backend"), "{}", out.yaml);
    assert_eq!(notes(&out, "Disco").len(), 1, "{:?}", out.notes);
}

#[test]
fn route_53_health_checks_and_namespaces_the_lab_does_not_have_are_noted() {
    let http = "  Http:\n    Type: AWS::ServiceDiscovery::HttpNamespace\n    Properties: { Name: api }\n  Public:\n    Type: AWS::ServiceDiscovery::PublicDnsNamespace\n    Properties: { Name: example.com }\n";
    let in_http = "  InHttp:\n    Type: AWS::ServiceDiscovery::Service\n    Properties: { Name: x, NamespaceId: !GetAtt Http.Id }\n";
    let checked = CLOUD_MAP.replace(
        "      HealthCheckCustomConfig: { FailureThreshold: 1 }\n",
        "      HealthCheckConfig: { Type: HTTP, ResourcePath: /health }\n",
    );
    let out = import(&template(&format!("{NAMESPACE}{checked}{http}{in_http}"), REGISTRY));
    loads(&out);
    assert_eq!(
        notes(&out, "Disco"),
        [
            "HealthCheckConfig is not carried over: Route 53 health checks are for public DNS namespaces, which the lab does not have"
        ]
    );
    assert!(out.yaml.contains("registryArn: backend"), "{}", out.yaml);
    assert_eq!(
        notes(&out, "Http"),
        [
            "AWS::ServiceDiscovery::HttpNamespace is not carried over: an HTTP namespace is found by API calls, and the lab emulates DNS only"
        ]
    );
    assert_eq!(
        notes(&out, "Public"),
        [
            "AWS::ServiceDiscovery::PublicDnsNamespace is not carried over: the lab emulates private DNS namespaces only (its VPC's DNS)"
        ]
    );
    assert_eq!(
        notes(&out, "InHttp"),
        ["left out: its namespace, logical id Http (AWS::ServiceDiscovery::HttpNamespace), is not carried over"]
    );
}

#[test]
fn a_namespace_of_another_vpc_is_left_out_with_its_services() {
    let other = "  Other:\n    Type: AWS::EC2::VPC\n    Properties: { CidrBlock: 10.1.0.0/16 }\n";
    let ns = NAMESPACE.replace("Vpc: !Ref Vpc", "Vpc: !Ref Other");
    let out = import(&template(&format!("{other}{ns}{CLOUD_MAP}"), REGISTRY));
    loads(&out);
    assert!(!out.yaml.contains("serviceDiscovery:"), "{}", out.yaml);
    assert_eq!(notes(&out, "Ns"), ["left out: its Vpc, Other, is not the scenario's VPC"]);
    assert_eq!(
        notes(&out, "Disco"),
        ["left out: its namespace, logical id Ns (AWS::ServiceDiscovery::PrivateDnsNamespace), is not carried over"]
    );
    assert_eq!(
        notes(&out, "Svc"),
        ["ServiceRegistries[0] left out: its Cloud Map service, logical id Disco, is not carried over"]
    );
    // A VPC id the input does not create.
    let ns = NAMESPACE.replace("Vpc: !Ref Vpc", "Vpc: vpc-0123456789abcdef0");
    let out = import(&template(&ns, ""));
    assert_eq!(notes(&out, "Ns"), ["left out: its Vpc, vpc-0123456789abcdef0, is not the input's VPC"]);
}

#[test]
fn odd_registries_are_noted_and_never_panic() {
    let two = "      ServiceRegistries:\n        - { RegistryArn: !GetAtt Disco.Arn }\n        - { RegistryArn: !GetAtt Disco.Arn }\n";
    let out = import(&template(&format!("{NAMESPACE}{CLOUD_MAP}"), two));
    assert_eq!(notes(&out, "Svc"), ["ServiceRegistries[1] left out: ECS takes one service registry per service"]);
    let outside = "      ServiceRegistries: [{ RegistryArn: 'arn:aws:servicediscovery:us-east-1:123456789012:service/srv-1' }, ]\n";
    let out = import(&template(NAMESPACE, outside));
    assert_eq!(
        notes(&out, "Svc"),
        ["ServiceRegistries[0] left out: its RegistryArn is not a Cloud Map service of the input"]
    );
    for odd in [
        "      ServiceRegistries: [{ Port: x }]\n",
        "      ServiceRegistries: [7]\n",
        "      ServiceRegistries: nope\n",
        "      ServiceRegistries: [{ RegistryArn: !GetAtt Disco.Arn, ContainerPort: eighty }]\n",
    ] {
        let sd = "  Odd:\n    Type: AWS::ServiceDiscovery::Service\n    Properties: { NamespaceId: 7, DnsConfig: { DnsRecords: [{}, 3, { Type: A }] } }\n";
        let out = import(&template(&format!("{NAMESPACE}{sd}{CLOUD_MAP}"), odd));
        assert!(out.yaml.contains("serviceDiscovery:"), "{odd}");
    }
}
