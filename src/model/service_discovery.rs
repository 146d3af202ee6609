//! AWS Cloud Map as the lab runs it: each private DNS namespace (a private hosted zone of the
//! VPC), each service with its ids and ARN, and which ECS service registers its tasks in which
//! Cloud Map service. What is registered at a moment (the running tasks) is
//! [`registered`]; whether a task started is the analyzer's to say, so it is passed in.

use super::Lab;
use super::dns::{Record, Srv, Zone};
use super::ids;
use crate::scenario::Scenario;
use crate::scenario::service_discovery::{RecordType, RoutingPolicy};
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct CloudMap {
    pub namespaces: Vec<Namespace>,
    pub services: Vec<CloudMapService>,
    /// Which ECS service registers its tasks where.
    pub registrations: Vec<Registration>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Namespace {
    pub name: String,
    /// `ns-` and 16 characters.
    pub id: String,
    pub arn: String,
    /// The Route 53 private hosted zone Cloud Map made for it (`Z` and 20 characters).
    pub hosted_zone: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CloudMapService {
    pub name: String,
    /// Index into `namespaces`.
    pub namespace: usize,
    /// `srv-` and 16 characters.
    pub id: String,
    pub arn: String,
    /// `NAME.NAMESPACE`, lower case.
    pub dns_name: String,
    pub routing_policy: RoutingPolicy,
    pub a_ttl: Option<u32>,
    pub srv_ttl: Option<u32>,
}

/// An ECS service's `serviceRegistries` entry, resolved.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Registration {
    /// Index into `Lab::services`.
    pub ecs_service: usize,
    /// Index into `CloudMap::services`.
    pub service: usize,
    pub container_name: Option<String>,
    pub container_port: Option<u16>,
    pub port: Option<u16>,
}

/// One Cloud Map instance: a task ECS registered (RegisterInstance with the task's id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instance {
    /// Index into `Lab::tasks`.
    pub task: usize,
    /// The task's id: the instance id, and the first label of its SRV target.
    pub id: String,
    /// AWS_INSTANCE_IPV4: the task ENI's address (awsvpc), else its instance's.
    pub ipv4: Ipv4Addr,
    /// AWS_INSTANCE_PORT, for SRV records: the port, the container port (awsvpc) or the host
    /// port it is published on (bridge, host).
    pub port: Option<u16>,
}

impl Instance {
    /// The SRV record's target, which has an A record of its own.
    pub fn hostname(&self, service: &CloudMapService) -> String {
        format!("{}.{}", self.id, service.dns_name)
    }
    /// The attributes ECS registers the task with (Developer Guide, "Service discovery":
    /// AWS_INSTANCE_IPV4, AWS_INSTANCE_PORT for SRV, AVAILABILITY_ZONE, REGION, ECS_SERVICE_NAME,
    /// ECS_CLUSTER_NAME, EC2_INSTANCE_ID on EC2, ECS_TASK_DEFINITION_FAMILY).
    pub fn attributes(&self, lab: &Lab, ecs_service: &str) -> Vec<(&'static str, String)> {
        let t = &lab.tasks[self.task];
        let mut v = vec![("AWS_INSTANCE_IPV4", self.ipv4.to_string())];
        v.extend(self.port.map(|p| ("AWS_INSTANCE_PORT", p.to_string())));
        v.push(("AVAILABILITY_ZONE", lab.az_of(t).to_string()));
        v.push(("REGION", lab.region.clone()));
        v.push(("ECS_SERVICE_NAME", ecs_service.to_string()));
        v.push(("ECS_CLUSTER_NAME", lab.cluster.clone()));
        v.extend(t.instance().map(|ii| ("EC2_INSTANCE_ID", lab.instances[ii].id.clone())));
        v.push(("ECS_TASK_DEFINITION_FAMILY", t.family.clone()));
        v
    }
}

impl CloudMapService {
    /// `["A"]`, `["SRV"]` or `["A", "SRV"]`.
    pub fn record_types(&self) -> Vec<&'static str> {
        [(self.a_ttl, "A"), (self.srv_ttl, "SRV")].iter().filter(|(t, _)| t.is_some()).map(|(_, k)| *k).collect()
    }
}

impl CloudMap {
    pub fn is_empty(&self) -> bool {
        self.namespaces.is_empty()
    }
    /// The Cloud Map service ECS service `si` registers its tasks in.
    pub fn registration_of(&self, si: usize) -> Option<&Registration> {
        self.registrations.iter().find(|r| r.ecs_service == si)
    }
}

/// The namespaces and services of the scenario, and the ECS services' registries.
pub fn resolve(s: &Scenario, lab: &str, services: &[super::ecs_service::EcsService]) -> CloudMap {
    let sd = &s.service_discovery;
    let account = super::ACCOUNT;
    let namespaces = sd
        .namespaces
        .iter()
        .map(|n| {
            let id = format!("ns-{}", ids::hex(&[lab, "cloud-map-ns", &n.name.value], 16));
            Namespace {
                arn: format!("arn:aws:servicediscovery:{}:{account}:namespace/{id}", s.region),
                hosted_zone: format!("Z{}", ids::hex(&[lab, "hosted-zone", &n.name.value], 20).to_uppercase()),
                name: n.name.value.clone(),
                id,
            }
        })
        .collect::<Vec<_>>();
    let cm_services: Vec<CloudMapService> = sd
        .services
        .iter()
        .filter_map(|d| {
            let namespace = namespaces.iter().position(|n| n.name == d.namespace.value)?;
            let id = format!("srv-{}", ids::hex(&[lab, "cloud-map-srv", &d.dns_name()], 16));
            Some(CloudMapService {
                name: d.name.value.clone(),
                namespace,
                arn: format!("arn:aws:servicediscovery:{}:{account}:service/{id}", s.region),
                id,
                dns_name: d.dns_name(),
                routing_policy: d.routing_policy,
                a_ttl: d.ttl(RecordType::A),
                srv_ttl: d.ttl(RecordType::Srv),
            })
        })
        .collect();
    let mut registrations = vec![];
    for svc in &s.services {
        let Some(r) = svc.service_registries.first() else { continue };
        let Some(d) = sd.registry(&r.registry_arn.value) else { continue };
        let Some(service) = cm_services.iter().position(|c| c.dns_name == d.dns_name()) else { continue };
        let Some(ecs_service) = services.iter().position(|e| e.name == svc.name.value) else { continue };
        registrations.push(Registration {
            ecs_service,
            service,
            container_name: r.container_name.as_ref().map(|c| c.value.clone()),
            container_port: r.container_port.as_ref().map(|c| c.value),
            port: r.port.as_ref().map(|c| c.value),
        });
    }
    CloudMap { namespaces, services: cm_services, registrations }
}

/// The instances of Cloud Map service `ci` now: the running tasks of the ECS services that
/// register in it, those that `started` (ECS registers a task once it is RUNNING and
/// deregisters it when it is asked to stop), in task order.
pub fn registered(lab: &Lab, ci: usize, started: &dyn Fn(usize) -> bool) -> Vec<Instance> {
    let mut out = vec![];
    for r in lab.cloud_map.registrations.iter().filter(|r| r.service == ci) {
        let Some(svc) = lab.services.get(r.ecs_service) else { continue };
        for &ti in &svc.tasks {
            let t = &lab.tasks[ti];
            if !t.is_running() || t.is_stopping() || !started(ti) {
                continue;
            }
            if let Some(i) = instance_of(lab, r, ti) {
                out.push(i);
            }
        }
    }
    out
}

fn instance_of(lab: &Lab, r: &Registration, ti: usize) -> Option<Instance> {
    let t = &lab.tasks[ti];
    let awsvpc = t.eni.map(|e| lab.enis[e].ip);
    let ipv4 = match awsvpc {
        Some(ip) => ip,
        None => lab.instance_ip(&lab.instances[t.instance()?]),
    };
    let port = match (r.port, r.container_port) {
        (Some(p), _) => Some(p),
        (None, Some(cp)) if awsvpc.is_some() => Some(cp),
        (None, Some(cp)) => {
            let c = t.containers.iter().find(|c| r.container_name.as_deref().is_none_or(|n| n == c.name))?;
            c.ports.iter().find(|p| p.container_port == cp && p.proto == crate::scenario::Proto::Tcp)?.host_port
        }
        (None, None) => None,
    };
    Some(Instance { task: ti, id: t.id.clone(), ipv4, port })
}

/// The records of every namespace's private hosted zone: its apex, each service's name (the
/// A and SRV records of its instances now; none, with the reason, when it has none) and each
/// SRV target's A record.
pub fn records(lab: &Lab, started: &dyn Fn(usize) -> bool) -> Vec<Record> {
    let cm = &lab.cloud_map;
    let mut out = vec![];
    for n in &cm.namespaces {
        out.push(Record {
            name: n.name.clone(),
            zone: Zone::CloudMapNamespace,
            owner: format!("Cloud Map namespace {}", n.id),
            ..Default::default()
        });
    }
    for (ci, c) in cm.services.iter().enumerate() {
        let owners: Vec<String> = cm
            .registrations
            .iter()
            .filter(|r| r.service == ci)
            .map(|r| format!("service/{}", lab.services[r.ecs_service].name))
            .collect();
        let owner = if owners.is_empty() { format!("Cloud Map service {}", c.dns_name) } else { owners.join(", ") };
        let instances = registered(lab, ci, started);
        let mut r =
            Record { name: c.dns_name.clone(), zone: Zone::CloudMap, owner: owner.clone(), ..Default::default() };
        r.limit = Some(c.routing_policy.limit());
        r.ttl = c.a_ttl.or(c.srv_ttl);
        r.note = note(c, &owner, instances.len());
        if c.a_ttl.is_some() {
            r.vpc = instances.iter().map(|i| i.ipv4).collect();
        }
        if let Some(ttl) = c.srv_ttl {
            for i in &instances {
                let Some(port) = i.port else { continue };
                r.srv.push(Srv { port, target: i.hostname(c) });
                out.push(Record {
                    name: i.hostname(c),
                    zone: Zone::CloudMap,
                    vpc: vec![i.ipv4],
                    owner: crate::scenario::Node::task(&lab.tasks[i.task].name).to_string(),
                    ttl: Some(ttl),
                    note: format!(
                        "the SRV target of task/{} in Cloud Map service {}",
                        lab.tasks[i.task].name, c.dns_name
                    ),
                    ..Default::default()
                });
            }
        }
        out.push(r);
    }
    out
}

/// Why a service's name answers what it does.
fn note(c: &CloudMapService, owner: &str, n: usize) -> String {
    if n == 0 {
        return format!(
            "Cloud Map service {} has no instance: ECS registers each task of {owner} once it runs, and none runs now",
            c.dns_name
        );
    }
    let per_answer = match c.routing_policy {
        RoutingPolicy::Multivalue if n > crate::scenario::service_discovery::MULTIVALUE_MAX => {
            ", up to 8 of them per answer, at random".to_string()
        }
        RoutingPolicy::Multivalue => String::new(),
        RoutingPolicy::Weighted => ", one of them per answer, at random (WEIGHTED)".to_string(),
    };
    format!(
        "Cloud Map service {} ({}): the {n} running task(s) of {owner} ECS registered{per_answer}",
        c.dns_name,
        c.record_types().join(" and ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab() -> Lab {
        let s =
            crate::scenario::load(std::path::Path::new("scenarios/30-service-discovery.yaml")).expect("scenario 30");
        crate::model::build(&s).expect("model")
    }

    #[test]
    fn awsvpc_tasks_register_their_eni_and_bridge_tasks_their_instance_and_host_port() {
        let l = lab();
        let api = l.cloud_map.services.iter().position(|c| c.name == "api").expect("api");
        let got = registered(&l, api, &|_| true);
        let enis: Vec<Ipv4Addr> =
            ["api-1", "api-2"].iter().map(|n| l.enis[l.task(n).unwrap().eni.unwrap()].ip).collect();
        assert_eq!(got.iter().map(|i| i.ipv4).collect::<Vec<_>>(), enis);
        assert!(got.iter().all(|i| i.port.is_none()), "A records only: no port registered");
        let worker = l.cloud_map.services.iter().position(|c| c.name == "worker").expect("worker");
        let got = registered(&l, worker, &|_| true);
        for i in &got {
            let t = &l.tasks[i.task];
            assert_eq!(i.ipv4, l.instance_ip(&l.instances[t.instance().unwrap()]), "bridge: the instance's address");
            let host = t.containers[0].ports[0].host_port;
            assert!(i.port.is_some() && i.port == host && i.port != Some(9000), "the dynamic host port: {i:?}");
            assert_eq!(i.hostname(&l.cloud_map.services[worker]), format!("{}.worker.corp.local", t.id));
        }
        // A task that does not start is never registered.
        assert!(registered(&l, worker, &|_| false).is_empty());
    }

    #[test]
    fn the_zone_holds_the_apex_each_service_and_each_srv_target() {
        let l = lab();
        let recs = records(&l, &|_| true);
        let names: Vec<&str> = recs.iter().map(|r| r.name.as_str()).collect();
        assert!(
            names.contains(&"corp.local") && names.contains(&"api.corp.local") && names.contains(&"worker.corp.local")
        );
        let worker = recs.iter().find(|r| r.name == "worker.corp.local").unwrap();
        assert!(worker.vpc.is_empty() && worker.srv.len() == 2 && worker.ttl == Some(10));
        for s in &worker.srv {
            assert!(
                recs.iter().any(|r| r.name == s.target && r.vpc.len() == 1),
                "target {} has its A record",
                s.target
            );
        }
        let none = records(&l, &|_| false);
        let api = none.iter().find(|r| r.name == "api.corp.local").unwrap();
        assert!(api.vpc.is_empty() && api.note.contains("has no instance"), "{}", api.note);
    }
}
