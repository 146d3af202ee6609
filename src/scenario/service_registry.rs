//! An ECS service's `serviceRegistries`: the Cloud Map service it names exists, and the
//! container and ports fit the task definition's network mode, in CreateService's words where
//! ECS has them (InvalidParameterException texts; API Reference, ServiceRegistry).

use super::located::Located;
use super::primitives::NetworkMode;
use super::reference::{REGISTRY, Seen, reference};
use super::service::{Service, ServiceRegistry, container_port_defined};
use super::service_discovery::{DiscoveryService, RecordType, ServiceDiscovery};
use super::task_definition::TaskDefinition;
use super::walk::*;
use crate::i18n::tr;

/// Each service's registry (its task definition's other checks are `service::check`'s).
pub(crate) fn check(
    cx: &mut Reader,
    services: &[Service],
    task_definitions: &[TaskDefinition],
    sd: &ServiceDiscovery,
    seen: &Seen,
) {
    for s in services {
        let td = super::task_definition::find_task_def(task_definitions, &s.task_definition.value);
        for r in &s.service_registries {
            let Some(ds) = registry_of(cx, r, sd, seen) else { continue };
            if let Some(td) = td {
                ports_fit(cx, r, ds, td);
            }
        }
    }
}

/// The Cloud Map service `r` names, or an error at `registryArn`.
fn registry_of<'a>(
    cx: &mut Reader,
    r: &ServiceRegistry,
    sd: &'a ServiceDiscovery,
    seen: &Seen,
) -> Option<&'a DiscoveryService> {
    if let Some(ds) = sd.registry(&r.registry_arn.value) {
        return Some(ds);
    }
    let arn = &r.registry_arn;
    let key = super::service_discovery::registry_key(&arn.value);
    let same: Vec<String> = sd.services.iter().filter(|d| d.name.value == key).map(|d| d.dns_name()).collect();
    if same.len() > 1 {
        cx.err(
            &arn.loc,
            tr!(
                "sd-registry-ambiguous",
                "{ $count } Cloud Map services are named `{ $name }`",
                count = same.len(),
                name = key
            ),
            tr!("sd-registry-ambiguous-help", "write one of { $names }", names = same.join(", ")),
        );
        return None;
    }
    let names: Vec<String> = sd.services.iter().map(|d| d.name.value.clone()).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    reference(cx, &Located::new(key.to_string(), arn.loc.clone()), REGISTRY, &names, seen);
    None
}

/// The container and ports ECS needs for the registry's records and the network mode.
fn ports_fit(cx: &mut Reader, r: &ServiceRegistry, ds: &DiscoveryService, td: &TaskDefinition) {
    let srv = ds.ttl(RecordType::Srv).is_some();
    let container = r.container_name.is_some() || r.container_port.is_some();
    let mode = td.network_mode.value;
    let at = &r.registry_arn.loc;
    match mode {
        NetworkMode::None => {
            let why = tr!("sd-none-mode", "a task in the none network mode has no address to register");
            cx.err(at, why, tr!("sd-none-mode-help", "use the awsvpc, bridge or host network mode"));
            return;
        }
        NetworkMode::Bridge | NetworkMode::Host if r.container_name.is_none() || r.container_port.is_none() => {
            cx.err(
                at,
                format!(
                    "When specifying 'host' or 'bridge' for networkMode, values for 'containerName' and 'containerPort' must be specified from the task definition. Registry: {}",
                    r.registry_arn.value
                ),
                tr!("sd-container-help", "add `containerName` and `containerPort` (a port mapping of that container)"),
            );
            return;
        }
        NetworkMode::Bridge | NetworkMode::Host if !srv => {
            cx.err(
                at,
                "If the task definition that your service task specifies uses the bridge or host network mode, an SRV record is the only supported DNS record type.",
                tr!("sd-srv-help", "give the Cloud Map service { $name } a `{ type: SRV, ttl: 60 }` record", name = ds.dns_name()),
            );
            return;
        }
        _ => {}
    }
    if r.port.is_some() && container {
        cx.err(
            at,
            "Specify a value for either 'port' or the 'containerName' and 'containerPort' combination, but not both. Remove one and retry.",
            "",
        );
        return;
    }
    if let (Some(p), false) = (&r.port, srv) {
        cx.err(&p.loc, "A port was provided but is not required by the specified service registry", "");
        return;
    }
    match (&r.container_name, &r.container_port) {
        (Some(n), Some(p)) => {
            container_port_defined(cx, td, n, p);
        }
        (None, None) if srv && r.port.is_none() => cx.err(
            at,
            tr!(
                "sd-srv-port",
                "the Cloud Map service { $name } has an SRV record, which needs a port",
                name = ds.dns_name()
            ),
            tr!("sd-srv-port-help", "add `port`, or `containerName` and `containerPort`"),
        ),
        (None, None) => {}
        _ => cx.err(
            at,
            tr!("sd-container-pair", "`containerName` and `containerPort` go together"),
            tr!("sd-container-help", "add `containerName` and `containerPort` (a port mapping of that container)"),
        ),
    }
}

#[cfg(test)]
mod tests {
    /// The errors `validate` gives for `text` (the scenario 30 with `services` replaced).
    fn errors(services: &str, records: &str) -> String {
        let base = std::fs::read_to_string("scenarios/30-service-discovery.yaml").expect("scenario 30");
        let head = &base[..base.find("serviceDiscovery:").expect("block")];
        let y = format!(
            "{head}serviceDiscovery:\n  namespaces: [{{ name: corp.local }}]\n  services:\n    - {{ name: api, namespace: corp.local, dnsConfig: {{ dnsRecords: [{records}] }} }}\nservices:\n{services}"
        );
        match crate::scenario::load_str(std::path::Path::new("t.yaml"), &y) {
            Ok(_) => String::new(),
            Err(d) => d.to_string(),
        }
    }

    #[test]
    fn ecs_words_for_each_network_mode() {
        let a = "{ type: A, ttl: 10 }";
        let srv = "{ type: SRV, ttl: 10 }";
        let ok = "  - { serviceName: api, taskDefinition: api, networkConfiguration: { awsvpcConfiguration: { subnets: [app-a] } }, serviceRegistries: [{ registryArn: api }] }\n";
        assert_eq!(errors(ok, a), "");
        let bridge = "  - { serviceName: w, taskDefinition: worker, serviceRegistries: [{ registryArn: api }] }\n";
        assert!(
            errors(bridge, srv).contains("When specifying 'host' or 'bridge' for networkMode"),
            "{}",
            errors(bridge, srv)
        );
        let bridge = "  - { serviceName: w, taskDefinition: worker, serviceRegistries: [{ registryArn: api, containerName: app, containerPort: 9000 }] }\n";
        assert!(errors(bridge, a).contains("an SRV record is the only supported DNS record type"));
        assert_eq!(errors(bridge, srv), "");
        let both = "  - { serviceName: api, taskDefinition: api, networkConfiguration: { awsvpcConfiguration: { subnets: [app-a] } }, serviceRegistries: [{ registryArn: api, port: 80, containerName: app, containerPort: 8080 }] }\n";
        assert!(errors(both, srv).contains("but not both"));
        let port = "  - { serviceName: api, taskDefinition: api, networkConfiguration: { awsvpcConfiguration: { subnets: [app-a] } }, serviceRegistries: [{ registryArn: api, port: 80 }] }\n";
        assert!(errors(port, a).contains("A port was provided but is not required"));
        assert!(errors(ok, srv).contains("needs a port"));
        let wrong = "  - { serviceName: w, taskDefinition: worker, serviceRegistries: [{ registryArn: api, containerName: app, containerPort: 9999 }] }\n";
        assert!(errors(wrong, srv).contains("did not have a container port 9999 defined"));
        let unknown = "  - { serviceName: w, taskDefinition: worker, serviceRegistries: [{ registryArn: apx, containerName: app, containerPort: 9000 }] }\n";
        let e = errors(unknown, srv);
        assert!(e.contains("unknown Cloud Map service `apx`") && e.contains("did you mean `api`"), "{e}");
        assert!(errors(ok, "{ type: AAAA, ttl: 10 }").contains("AAAA records are not emulated"));
    }
}
