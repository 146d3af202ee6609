//! A Cloud Map service as `aws servicediscovery get-service` and `list-instances` show it:
//! its id, ARN, namespace and DNS configuration, and the instances ECS registered now, each
//! with the task's id and the attributes ECS gives it (`ecsnet inspect LAB cloudmap/NAME`).

use super::Runtime;
use crate::model::Lab;
use serde_json::{Map, Value, json};

/// The service named `name` (`NAME` or `NAME.NAMESPACE`), or None.
pub fn describe(lab: &Lab, rt: &Runtime, name: &str) -> Option<Value> {
    let cm = &lab.cloud_map;
    let key = name.trim_end_matches('.').to_ascii_lowercase();
    let mut named =
        cm.services.iter().enumerate().filter(|(_, c)| c.dns_name == key || c.name.eq_ignore_ascii_case(&key));
    let (ci, c) = named.next()?;
    let ns = &cm.namespaces[c.namespace];
    let mut records = vec![];
    records.extend(c.a_ttl.map(|ttl| json!({ "Type": "A", "TTL": ttl })));
    records.extend(c.srv_ttl.map(|ttl| json!({ "Type": "SRV", "TTL": ttl })));
    let registered_by: Vec<&str> = cm
        .registrations
        .iter()
        .filter(|r| r.service == ci)
        .map(|r| lab.services[r.ecs_service].name.as_str())
        .collect();
    // ECS names the instance after the task and registers it once it runs (less the tasks the
    // running lab saw stop at their start).
    let instances: Vec<Value> = super::registered_now(lab, rt, ci)
        .iter()
        .map(|i| {
            let service = lab.tasks[i.task].service.clone().unwrap_or_default();
            let attrs: Map<String, Value> =
                i.attributes(lab, &service).into_iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
            json!({ "Id": i.id, "Attributes": attrs })
        })
        .collect();
    Some(json!({
        "Service": {
            "Id": c.id,
            "Arn": c.arn,
            "Name": c.name,
            "NamespaceId": ns.id,
            "DnsConfig": {
                "NamespaceId": ns.id,
                "RoutingPolicy": c.routing_policy.as_str(),
                "DnsRecords": records,
            },
            "Type": "DNS_HTTP",
            "InstanceCount": instances.len(),
        },
        "Namespace": { "Id": ns.id, "Arn": ns.arn, "Name": ns.name, "Type": "DNS_PRIVATE", "HostedZoneId": ns.hosted_zone },
        "RegisteredBy": registered_by.iter().map(|s| format!("service/{s}")).collect::<Vec<_>>(),
        "Instances": instances,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_instances_shows_what_ecs_registers_per_task() {
        let s = crate::scenario::load(std::path::Path::new("scenarios/30-service-discovery.yaml")).unwrap();
        let lab = crate::model::build(&s).unwrap();
        let v = describe(&lab, &Runtime::default(), "api.corp.local").expect("api");
        assert_eq!(v["Service"]["DnsConfig"]["DnsRecords"], json!([{ "Type": "A", "TTL": 10 }]));
        assert_eq!(v["Namespace"]["Type"], "DNS_PRIVATE");
        let first = &v["Instances"][0];
        assert_eq!(first["Id"], lab.task("api-1").unwrap().id.as_str());
        let a = &first["Attributes"];
        assert_eq!(a["AWS_INSTANCE_IPV4"], lab.enis[lab.task("api-1").unwrap().eni.unwrap()].ip.to_string());
        assert!(a.get("AWS_INSTANCE_PORT").is_none(), "A records only");
        assert_eq!(
            (a["ECS_SERVICE_NAME"].as_str(), a["ECS_TASK_DEFINITION_FAMILY"].as_str()),
            (Some("api"), Some("api"))
        );
        assert_eq!(a["ECS_CLUSTER_NAME"], "ecsnet-svc-discovery");
        // A task the running lab saw stop at its start is not registered.
        let mut rt = Runtime::default();
        rt.stopped.insert("api-1".into(), crate::model::pull::StartResult::started("api-1"));
        assert_eq!(describe(&lab, &rt, "api").unwrap()["Service"]["InstanceCount"], 1);
        assert!(describe(&lab, &Runtime::default(), "nope").is_none());
    }
}
