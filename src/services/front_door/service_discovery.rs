//! Cloud Map's data plane (JSON 1.1, `X-Amz-Target: Route53AutoNaming_v20170314.<Op>`, at
//! `data-servicediscovery.REGION.amazonaws.com`): DiscoverInstances and
//! DiscoverInstancesRevision, which SDKs and Service Connect call. It answers the instances ECS
//! registered *now*: the door's [`Directory`] is made from the model at `up` and replaced by
//! the controller ([`super::admit`]) when a task stops or a replacement starts.

use super::http::{Req, Resp, json_body, json_error, json_ok, serialization_exception, target_operation};
use crate::model::Lab;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

pub const TARGET_PREFIX: &str = "Route53AutoNaming_v20170314";
/// Cloud Map returns up to 100 instances when MaxResults is not given.
const DEFAULT_MAX_RESULTS: usize = 100;

/// Every Cloud Map service of the lab with the instances registered in it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Directory {
    pub services: Vec<Listed>,
}

/// A Cloud Map service as DiscoverInstances finds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listed {
    pub namespace: String,
    pub service: String,
    /// Grows by one each time an instance is registered or deregistered (not on health).
    pub revision: u64,
    pub instances: Vec<Registered>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registered {
    pub id: String,
    pub attributes: BTreeMap<String, String>,
}

impl Directory {
    /// What `lab` registers now (each service at revision 1).
    pub fn of(lab: &Lab) -> Directory {
        let cm = &lab.cloud_map;
        let services = cm
            .services
            .iter()
            .enumerate()
            .map(|(ci, c)| Listed {
                namespace: cm.namespaces.get(c.namespace).map(|n| n.name.clone()).unwrap_or_default(),
                service: c.name.clone(),
                revision: 1,
                instances: instances(lab, ci),
            })
            .collect();
        Directory { services }
    }

    /// `next` with each service's revision carried on from this one, one more where its
    /// instances changed.
    pub fn updated(&self, mut next: Directory) -> Directory {
        for s in &mut next.services {
            if let Some(old) = self.services.iter().find(|o| o.namespace == s.namespace && o.service == s.service) {
                let same = old.instances.iter().map(|i| &i.id).eq(s.instances.iter().map(|i| &i.id));
                s.revision = if same { old.revision } else { old.revision + 1 };
            }
        }
        next
    }
}

fn instances(lab: &Lab, ci: usize) -> Vec<Registered> {
    crate::analyze::dns::registered(lab, ci)
        .iter()
        .map(|i| {
            let service = lab.tasks[i.task].service.clone().unwrap_or_default();
            let attributes = i.attributes(lab, &service).into_iter().map(|(k, v)| (k.to_string(), v)).collect();
            Registered { id: i.id.clone(), attributes }
        })
        .collect()
}

/// Answer a Cloud Map data plane request.
pub fn handle(dir: &Directory, req: &Req) -> Resp {
    let Some(op) = target_operation(req, TARGET_PREFIX) else { return super::http::unknown_operation() };
    let Some(body) = json_body(req) else { return serialization_exception() };
    let found = match find(dir, &body) {
        Ok(s) => s,
        Err(resp) => return resp,
    };
    match op {
        "DiscoverInstances" => discover(found, &body),
        "DiscoverInstancesRevision" => json_ok(&json!({ "InstancesRevision": found.revision })),
        _ => super::http::unknown_operation(),
    }
}

/// The IAM action of a request: `servicediscovery:DiscoverInstances` (or `…Revision`) on `*`,
/// as Cloud Map's data plane has no resource-level permissions.
pub fn iam_request(req: &Req) -> Option<(String, String)> {
    let op = target_operation(req, TARGET_PREFIX)?;
    matches!(op, "DiscoverInstances" | "DiscoverInstancesRevision")
        .then(|| (format!("servicediscovery:{op}"), "*".to_string()))
}

/// Cloud Map spells its message member `Message`.
fn error(code: &str, message: &str) -> Resp {
    json_error(400, code, "Message", Some(message))
}

/// The service the body names: the namespace compared without case (a DNS name), then the
/// service in it.
fn find<'a>(dir: &'a Directory, body: &Value) -> Result<&'a Listed, Resp> {
    let (Some(ns), Some(name)) = (body["NamespaceName"].as_str(), body["ServiceName"].as_str()) else {
        let member = if body["NamespaceName"].is_string() { "serviceName" } else { "namespaceName" };
        return Err(error("InvalidInput", &super::http::missing_member(member)));
    };
    let ns = ns.trim_end_matches('.');
    let in_ns: Vec<&Listed> = dir.services.iter().filter(|s| s.namespace.eq_ignore_ascii_case(ns)).collect();
    if in_ns.is_empty() {
        return Err(error("NamespaceNotFound", "No namespace exists with the specified ID."));
    }
    let found = in_ns.into_iter().find(|s| s.service.eq_ignore_ascii_case(name));
    found.ok_or_else(|| error("ServiceNotFound", "No service exists with the specified ID."))
}

fn discover(s: &Listed, body: &Value) -> Resp {
    let query = pairs(&body["QueryParameters"]);
    let optional = pairs(&body["OptionalParameters"]);
    let max = body["MaxResults"].as_u64().map_or(DEFAULT_MAX_RESULTS, |m| m.clamp(1, 1000) as usize);
    let matching: Vec<&Registered> = s.instances.iter().filter(|i| matches(i, &query)).collect();
    // Optional parameters narrow the answer only when some instance matches them too.
    let narrowed: Vec<&Registered> = matching.iter().copied().filter(|i| matches(i, &optional)).collect();
    let chosen = if narrowed.is_empty() { matching } else { narrowed };
    let instances: Vec<Value> = chosen
        .into_iter()
        .take(max)
        .map(|i| {
            let attrs: Map<String, Value> = i.attributes.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            json!({
                "InstanceId": i.id,
                "NamespaceName": s.namespace,
                "ServiceName": s.service,
                // ECS's registrations have no Cloud Map health check: each counts as healthy.
                "HealthStatus": "HEALTHY",
                "Attributes": attrs,
            })
        })
        .collect();
    json_ok(&json!({ "Instances": instances, "InstancesRevision": s.revision }))
}

fn pairs(v: &Value) -> Vec<(&str, &str)> {
    v.as_object().into_iter().flatten().filter_map(|(k, v)| v.as_str().map(|v| (k.as_str(), v))).collect()
}

/// Whether the instance has every attribute as given.
fn matches(i: &Registered, wanted: &[(&str, &str)]) -> bool {
    wanted.iter().all(|(k, v)| i.attributes.get(*k).is_some_and(|a| a == v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> Directory {
        let inst = |id: &str, ip: &str, az: &str| Registered {
            id: id.into(),
            attributes: [("AWS_INSTANCE_IPV4", ip), ("AVAILABILITY_ZONE", az)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        Directory {
            services: vec![Listed {
                namespace: "corp.local".into(),
                service: "api".into(),
                revision: 3,
                instances: vec![inst("t1", "10.0.1.5", "az-a"), inst("t2", "10.0.2.5", "az-c")],
            }],
        }
    }

    fn req(op: &str, body: Value) -> Req {
        Req::new("POST", "/")
            .with_header("x-amz-target", &format!("{TARGET_PREFIX}.{op}"))
            .with_body(body.to_string().into_bytes())
    }

    fn answer(op: &str, body: Value) -> (u16, Value) {
        let r = handle(&dir(), &req(op, body));
        (r.status, serde_json::from_slice(&r.body).unwrap_or(Value::Null))
    }

    #[test]
    fn discover_answers_every_instance_with_its_attributes_and_the_revision() {
        let (status, v) = answer("DiscoverInstances", json!({ "NamespaceName": "CORP.local", "ServiceName": "api" }));
        assert_eq!(status, 200);
        assert_eq!(v["InstancesRevision"], 3);
        assert_eq!(v["Instances"].as_array().map(Vec::len), Some(2));
        let first = &v["Instances"][0];
        assert_eq!((first["InstanceId"].as_str(), first["HealthStatus"].as_str()), (Some("t1"), Some("HEALTHY")));
        assert_eq!(first["NamespaceName"], "corp.local");
        assert_eq!(first["Attributes"]["AWS_INSTANCE_IPV4"], "10.0.1.5");
        let (_, r) =
            answer("DiscoverInstancesRevision", json!({ "NamespaceName": "corp.local.", "ServiceName": "api" }));
        assert_eq!(r, json!({ "InstancesRevision": 3 }));
    }

    #[test]
    fn query_parameters_filter_and_optional_ones_only_narrow() {
        let ids = |body: Value| {
            let (_, v) = answer("DiscoverInstances", body);
            v["Instances"].as_array().into_iter().flatten().map(|i| i["InstanceId"].to_string()).collect::<Vec<_>>()
        };
        let base = json!({ "NamespaceName": "corp.local", "ServiceName": "api" });
        let with = |k: &str, v: Value| {
            let mut b = base.clone();
            b[k] = v;
            b
        };
        assert_eq!(ids(with("QueryParameters", json!({ "AVAILABILITY_ZONE": "az-c" }))), ["\"t2\""]);
        assert!(ids(with("QueryParameters", json!({ "AVAILABILITY_ZONE": "az-x" }))).is_empty());
        assert_eq!(ids(with("OptionalParameters", json!({ "AVAILABILITY_ZONE": "az-a" }))), ["\"t1\""]);
        assert_eq!(ids(with("OptionalParameters", json!({ "AVAILABILITY_ZONE": "az-x" }))).len(), 2);
        assert_eq!(ids(with("MaxResults", json!(1))).len(), 1);
    }

    #[test]
    fn unknown_names_and_bad_requests_get_cloud_maps_errors() {
        let (s, v) = answer("DiscoverInstances", json!({ "NamespaceName": "other.local", "ServiceName": "api" }));
        assert_eq!((s, v["__type"].as_str()), (400, Some("NamespaceNotFound")));
        assert_eq!(v["Message"], "No namespace exists with the specified ID.");
        let (s, v) = answer("DiscoverInstances", json!({ "NamespaceName": "corp.local", "ServiceName": "web" }));
        assert_eq!((s, v["__type"].as_str()), (400, Some("ServiceNotFound")));
        let (s, v) = answer("DiscoverInstances", json!({ "ServiceName": "web" }));
        assert_eq!((s, v["__type"].as_str()), (400, Some("InvalidInput")));
        let (_, v) = answer("RegisterInstance", json!({ "NamespaceName": "corp.local", "ServiceName": "api" }));
        assert!(v["__type"].as_str().is_some_and(|t| t.ends_with("UnknownOperationException")));
        let mut bad = req("DiscoverInstances", json!({}));
        bad.body = b"{not json".to_vec();
        assert_eq!(handle(&dir(), &bad).status, 400);
    }

    #[test]
    fn iam_asks_for_the_action_on_any_resource() {
        let body = json!({ "NamespaceName": "corp.local", "ServiceName": "api" });
        assert_eq!(
            iam_request(&req("DiscoverInstances", body.clone())),
            Some(("servicediscovery:DiscoverInstances".into(), "*".into()))
        );
        assert_eq!(
            iam_request(&req("DiscoverInstancesRevision", body.clone())),
            Some(("servicediscovery:DiscoverInstancesRevision".into(), "*".into()))
        );
        assert_eq!(iam_request(&req("RegisterInstance", body)), None);
    }

    #[test]
    fn a_revision_grows_only_when_the_instances_change() {
        let old = dir();
        let same = old.updated(dir());
        assert_eq!(same.services[0].revision, 3);
        let mut next = dir();
        next.services[0].instances.pop();
        assert_eq!(old.updated(next).services[0].revision, 4);
    }

    #[test]
    fn the_lab_registers_both_api_tasks_with_their_eni_addresses() {
        let s = crate::scenario::load(std::path::Path::new("scenarios/30-service-discovery.yaml")).unwrap();
        let lab = crate::model::build(&s).unwrap();
        let d = Directory::of(&lab);
        let api = d.services.iter().find(|s| s.service == "api").expect("api");
        let ips: Vec<&str> = api.instances.iter().map(|i| i.attributes["AWS_INSTANCE_IPV4"].as_str()).collect();
        let want: Vec<String> = ["api-1", "api-2"]
            .iter()
            .map(|n| lab.enis[lab.task(n).and_then(|t| t.eni).unwrap()].ip.to_string())
            .collect();
        assert_eq!(ips, want);
    }
}
