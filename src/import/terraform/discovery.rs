//! Cloud Map: namespaces and services, translated to the CloudFormation types the writer
//! reads (`aws_service_discovery_service.x.arn` in an ECS service's `service_registries`
//! is the reference the writer names it by).

#[cfg(test)]
mod tests;

use super::refs::Src;
use super::{Out, P};
use crate::import::resource::Value;

/// Translate a resource of this group; false when `s` is not one.
pub fn translate(s: &Src, out: &mut Out) -> bool {
    let a = s.inst.address.as_str();
    let named = |kind: &str| (kind.to_string(), namespace(s));
    let (kind, p) = match s.inst.kind.as_str() {
        "aws_service_discovery_private_dns_namespace" => {
            ("AWS::ServiceDiscovery::PrivateDnsNamespace".to_string(), namespace(s).with("Vpc", s.scalar("vpc")))
        }
        "aws_service_discovery_public_dns_namespace" => named("AWS::ServiceDiscovery::PublicDnsNamespace"),
        "aws_service_discovery_http_namespace" => named("AWS::ServiceDiscovery::HttpNamespace"),
        "aws_service_discovery_service" => ("AWS::ServiceDiscovery::Service".to_string(), service(s)),
        _ => return false,
    };
    out.add(a, &kind, p, a);
    true
}

fn namespace(s: &Src) -> P {
    P::default()
        .with("Name", s.scalar("name"))
        .with("Description", s.scalar("description"))
        .with("Tags", super::tags(s))
}

fn service(s: &Src) -> P {
    let dns = s.blocks("dns_config").first().map(|d| {
        let records: Vec<Value> = d
            .blocks("dns_records")
            .iter()
            .map(|r| P::default().with("Type", r.scalar("type")).with("TTL", r.scalar("ttl")).build())
            .collect();
        P::default()
            .with("NamespaceId", d.scalar("namespace_id"))
            .with("RoutingPolicy", d.scalar("routing_policy"))
            .with("DnsRecords", Some(Value::List(records)))
            .build()
    });
    // The block alone says ECS reports the tasks' health: kept even without its threshold.
    let custom = s.blocks("health_check_custom_config").first().map(|h| {
        Value::Map(vec![("FailureThreshold".to_string(), h.scalar("failure_threshold").unwrap_or(Value::Null))])
    });
    let checks = s.blocks("health_check_config").first().map(|h| {
        P::default()
            .with("Type", h.scalar("type"))
            .with("ResourcePath", h.scalar("resource_path"))
            .with("FailureThreshold", h.scalar("failure_threshold"))
            .build()
    });
    P::default()
        .with("Name", s.scalar("name"))
        .with("NamespaceId", s.scalar("namespace_id"))
        .with("Description", s.scalar("description"))
        .with("DnsConfig", dns)
        .with("HealthCheckCustomConfig", custom)
        .with("HealthCheckConfig", checks)
        // HTTP (found by API calls only) is the one type that can be set.
        .with("Type", s.scalar("type").filter(|t| t.str() == Some("HTTP")))
        .with("Tags", super::tags(s))
}
