//! `serviceDiscovery`: AWS Cloud Map's private DNS namespaces (CreatePrivateDnsNamespace: a
//! Route 53 private hosted zone of the same name, attached to the lab's VPC) and their services
//! (CreateService: the DNS records ECS writes for each task it registers). An ECS service
//! names one in `serviceRegistries` (its checks are in `service.rs`). Field names are Cloud
//! Map's API names; only A and SRV records exist here (the lab's VPC has no IPv6).

use super::builder::{Builder, MAX_OBJECTS};
use super::fields::{Shape, Table, def, opt, req};
use super::located::{Loc, Located};
use super::walk::*;
use crate::i18n::tr;
use serde::{Deserialize, Serialize};

/// Route 53 answers a MULTIVALUE name with at most eight healthy records.
pub const MULTIVALUE_MAX: usize = 8;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ServiceDiscovery {
    pub namespaces: Vec<Namespace>,
    pub services: Vec<DiscoveryService>,
}

/// A private DNS namespace: its name is the hosted zone's.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Namespace {
    /// Lower case, no final dot.
    pub name: Located<String>,
    pub description: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecordType {
    A,
    Srv,
}

impl RecordType {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordType::A => "A",
            RecordType::Srv => "SRV",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RoutingPolicy {
    /// Up to eight healthy records, chosen at random.
    Multivalue,
    /// One healthy record, chosen at random.
    Weighted,
}

impl RoutingPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            RoutingPolicy::Multivalue => "MULTIVALUE",
            RoutingPolicy::Weighted => "WEIGHTED",
        }
    }
    /// How many of the registered records one answer holds.
    pub fn limit(self) -> usize {
        match self {
            RoutingPolicy::Multivalue => MULTIVALUE_MAX,
            RoutingPolicy::Weighted => 1,
        }
    }
}

/// A Cloud Map service: `NAME.NAMESPACE` answers the tasks ECS registers in it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DiscoveryService {
    pub name: Located<String>,
    /// The namespace's name, as written.
    pub namespace: Located<String>,
    pub description: Option<String>,
    pub routing_policy: RoutingPolicy,
    /// (type, TTL), at most one of each type.
    pub records: Vec<(RecordType, u32)>,
    /// `healthCheckCustomConfig.failureThreshold`, kept (ECS reports the tasks' health).
    pub failure_threshold: Option<u32>,
    pub loc: Loc,
}

impl DiscoveryService {
    /// Its DNS name: `NAME.NAMESPACE`.
    pub fn dns_name(&self) -> String {
        format!("{}.{}", self.name.value.to_ascii_lowercase(), self.namespace.value)
    }
    pub fn ttl(&self, t: RecordType) -> Option<u32> {
        self.records.iter().find(|(k, _)| *k == t).map(|(_, ttl)| *ttl)
    }
}

impl ServiceDiscovery {
    pub fn is_empty(&self) -> bool {
        self.namespaces.is_empty() && self.services.is_empty()
    }
    /// The Cloud Map service a `registryArn` names: its name, `NAME.NAMESPACE`, or an ARN
    /// whose resource is `service/NAME`.
    pub fn registry(&self, arn: &str) -> Option<&DiscoveryService> {
        let key = registry_key(arn).trim_end_matches('.').to_ascii_lowercase();
        let by_dns = self.services.iter().find(|s| s.dns_name() == key);
        by_dns.or_else(|| {
            let mut named = self.services.iter().filter(|s| s.name.value.eq_ignore_ascii_case(&key));
            named.next().filter(|_| named.next().is_none())
        })
    }
}

/// What a `registryArn` names: the part after `:service/` of an ARN, else all of it.
pub fn registry_key(arn: &str) -> &str {
    arn.rsplit_once(":service/").map_or(arn, |(_, k)| k)
}

const RECORD_TYPES: &[&str] = &["A", "SRV", "AAAA", "CNAME"];
const ROUTING: &[&str] = &["MULTIVALUE", "WEIGHTED"];

pub(crate) static TABLE: Table = Table {
    id: "serviceDiscovery",
    doc: "AWS Cloud Map: private DNS namespaces and the services ECS registers tasks in.",
    strict: true,
    rules: &[],
    fields: &[
        opt("namespaces", Shape::List(&Shape::Block(&NAMESPACE)), "Private DNS namespaces of the lab's VPC."),
        opt("services", Shape::List(&Shape::Block(&SERVICE)), "Cloud Map services: NAME.NAMESPACE in the VPC's DNS."),
    ],
};

pub(crate) static NAMESPACE: Table = Table {
    id: "cloudMapNamespace",
    doc: "A private DNS namespace (CreatePrivateDnsNamespace): a private hosted zone of the VPC.",
    strict: true,
    rules: &[],
    fields: &[
        req("name", Shape::Text, "The namespace's DNS name, e.g. `corp.local`."),
        opt("description", Shape::Text, "Free text."),
    ],
};

pub(crate) static SERVICE: Table = Table {
    id: "cloudMapService",
    doc: "A Cloud Map service (CreateService): the DNS records of the tasks registered in it.",
    strict: true,
    rules: &[],
    fields: &[
        req("name", Shape::Text, "The service's name: its DNS name is NAME.NAMESPACE."),
        req("namespace", Shape::Text, "The name of a namespace of `namespaces`."),
        opt("description", Shape::Text, "Free text."),
        req("dnsConfig", Shape::Block(&DNS_CONFIG), "The records registered tasks get."),
        opt("healthCheckCustomConfig", Shape::Block(&CUSTOM_HEALTH), "Kept: ECS reports the tasks' health."),
    ],
};

pub(crate) static DNS_CONFIG: Table = Table {
    id: "cloudMapDnsConfig",
    doc: "DnsConfig: the routing policy and the record types.",
    strict: true,
    rules: &[],
    fields: &[
        def(
            "routingPolicy",
            Shape::Enum(ROUTING),
            "\"MULTIVALUE\"",
            "MULTIVALUE: up to eight healthy records per answer; WEIGHTED: one, at random.",
        ),
        req("dnsRecords", Shape::List(&Shape::Block(&DNS_RECORD)), "A and/or SRV, each with its TTL."),
    ],
};

pub(crate) static DNS_RECORD: Table = Table {
    id: "cloudMapDnsRecord",
    doc: "A DnsRecord: its type and TTL.",
    strict: true,
    rules: &[],
    fields: &[
        req("type", Shape::Enum(&["A", "SRV"]), "A (the task's address) or SRV (port and host name)."),
        req("ttl", Shape::Int { min: 0, max: 2147483647 }, "Seconds resolvers may cache the record."),
    ],
};

pub(crate) static CUSTOM_HEALTH: Table = Table {
    id: "cloudMapCustomHealth",
    doc: "HealthCheckCustomConfig.",
    strict: true,
    rules: &[],
    fields: &[opt(
        "failureThreshold",
        Shape::Int { min: 1, max: 10 },
        "Kept as written (deprecated by AWS: always 1).",
    )],
};

/// The `serviceDiscovery` block.
pub(crate) fn parse(b: &mut Builder, v: &Value<'_>) -> ServiceDiscovery {
    let mut out = ServiceDiscovery::default();
    let Some(m) = b.cx.map(v, "serviceDiscovery") else { return out };
    let m = Block { what: "serviceDiscovery".to_string(), ..m };
    m.strict(&mut b.cx, &TABLE);
    if let Some(v) = m.get("namespaces") {
        let mut uniq = UniqueNames::default();
        out.namespaces = b.each(&v, MAX_OBJECTS, |b, it| namespace(&mut b.cx, it, &mut uniq));
    }
    if let Some(v) = m.get("services") {
        let mut uniq = UniqueNames::default();
        out.services = b.each(&v, MAX_OBJECTS, |b, it| service(&mut b.cx, it, &mut uniq));
    }
    out
}

fn namespace(cx: &mut Reader, v: &Value<'_>, uniq: &mut UniqueNames) -> Option<Namespace> {
    let m = cx.entry_map(v, "a namespace", "{ name: corp.local }")?;
    m.strict(cx, &NAMESPACE);
    let name = m.req(cx, "name", "corp.local").and_then(|v| cx.string(&v))?;
    let name = Located::new(name.value.trim_end_matches('.').to_ascii_lowercase(), name.loc);
    let description = m.get("description").and_then(|d| cx.string(&d)).map(|d| d.value);
    if let Err(why) = dns_name_ok(&name.value) {
        cx.err(
            &name.loc,
            tr!(
                "sd-bad-namespace",
                "invalid namespace name `{ $name }`: { $why }",
                name = short(&name.value),
                why = why
            ),
            tr!("sd-namespace-help", "write a DNS name such as `corp.local` or `internal.example.com`"),
        );
        return None;
    }
    uniq.add(cx, &name, "Cloud Map namespace").then_some(Namespace { name, description })
}

fn service(cx: &mut Reader, v: &Value<'_>, uniq: &mut UniqueNames) -> Option<DiscoveryService> {
    let m = cx.entry_map(v, "a Cloud Map service", "{ name: backend, namespace: corp.local, dnsConfig: {...} }")?;
    m.strict(cx, &SERVICE);
    let name = m.req(cx, "name", "backend").and_then(|v| cx.string(&v));
    let namespace = m.req(cx, "namespace", "corp.local").and_then(|v| cx.string(&v));
    let description = m.get("description").and_then(|d| cx.string(&d)).map(|d| d.value);
    let dns = m.req(cx, "dnsConfig", "{ dnsRecords: [{ type: A, ttl: 60 }] }").and_then(|d| dns_config(cx, &d));
    let threshold = match m.get("healthCheckCustomConfig") {
        Some(h) => custom_health(cx, &h)?,
        None => None,
    };
    let (name, namespace, (routing_policy, records)) = (name?, namespace?, dns?);
    if !service_name_ok(&name.value) {
        cx.err(
            &name.loc,
            tr!("sd-bad-service", "invalid Cloud Map service name `{ $name }`", name = short(&name.value)),
            tr!("sd-service-help", "a DNS label: letters, digits, `-` and `_`, at most 63 characters, e.g. `backend`"),
        );
        return None;
    }
    let namespace = Located::new(namespace.value.trim_end_matches('.').to_ascii_lowercase(), namespace.loc);
    let key = Located::new(format!("{}.{}", name.value.to_ascii_lowercase(), namespace.value), name.loc.clone());
    uniq.add(cx, &key, "Cloud Map service").then_some(DiscoveryService {
        name,
        namespace,
        description,
        routing_policy,
        records,
        failure_threshold: threshold,
        loc: m.loc.clone(),
    })
}

type DnsConfig = (RoutingPolicy, Vec<(RecordType, u32)>);

fn dns_config(cx: &mut Reader, v: &Value<'_>) -> Option<DnsConfig> {
    let m = cx.map(v, "dnsConfig")?;
    let m = Block { what: "dnsConfig".to_string(), ..m };
    m.strict(cx, &DNS_CONFIG);
    let routing = match m.get("routingPolicy") {
        Some(r) => match cx.choice(&r, ROUTING)?.value {
            "WEIGHTED" => RoutingPolicy::Weighted,
            _ => RoutingPolicy::Multivalue,
        },
        None => RoutingPolicy::Multivalue,
    };
    let list = m.req(cx, "dnsRecords", "[{ type: A, ttl: 60 }]")?;
    let at = cx.vloc(&list);
    let items = cx.items(&list, 4)?;
    let mut records: Vec<(RecordType, u32)> = vec![];
    for it in &items {
        let (t, ttl, loc) = dns_record(cx, it)?;
        if records.iter().any(|(k, _)| *k == t) {
            cx.err(&loc, tr!("sd-record-twice", "a second { $kind } record", kind = t.as_str()), "");
            return None;
        }
        records.push((t, ttl));
    }
    if records.is_empty() {
        cx.err(&at, tr!("sd-no-record", "`dnsRecords` is empty"), tr!("sd-record-help", "add `{ type: A, ttl: 60 }`"));
        return None;
    }
    Some((routing, records))
}

fn dns_record(cx: &mut Reader, v: &Value<'_>) -> Option<(RecordType, u32, Loc)> {
    let m = cx.map(v, "a DNS record")?;
    let m = Block { what: "dnsRecords".to_string(), ..m };
    m.strict(cx, &DNS_RECORD);
    let t = m.req(cx, "type", "A").and_then(|v| cx.choice(&v, RECORD_TYPES));
    let ttl = m.req(cx, "ttl", "60").and_then(|v| cx.uint(&v, 0, 2147483647));
    let (t, ttl) = (t?, ttl?);
    let kind = match t.value {
        "A" => RecordType::A,
        "SRV" => RecordType::Srv,
        other => {
            cx.err(
                &t.loc,
                tr!("sd-record-not-emulated", "{ $kind } records are not emulated", kind = other),
                tr!("sd-record-not-emulated-help", "the lab's VPC has no IPv6 and ECS writes no CNAME: use A or SRV"),
            );
            return None;
        }
    };
    Some((kind, ttl.value as u32, m.loc.clone()))
}

fn custom_health(cx: &mut Reader, v: &Value<'_>) -> Option<Option<u32>> {
    let m = cx.map(v, "healthCheckCustomConfig")?;
    let m = Block { what: "healthCheckCustomConfig".to_string(), ..m };
    m.strict(cx, &CUSTOM_HEALTH);
    match m.get("failureThreshold") {
        Some(f) => cx.uint(&f, 1, 10).map(|n| Some(n.value as u32)),
        None => Some(None),
    }
}

/// A private hosted zone's name: labels of letters, digits, `-` and `_`, 1-63 characters each,
/// at most 253 in all, at least two labels.
fn dns_name_ok(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 253 {
        return Err(tr!("sd-name-length", "1 to 253 characters"));
    }
    if !name.contains('.') {
        return Err(tr!("sd-name-dot", "it needs at least two labels, e.g. `corp.local`"));
    }
    if !name.split('.').all(super::names::dns_label_ok) {
        return Err(tr!(
            "sd-name-labels",
            "each label is 1-63 letters, digits, `-` or `_`, not starting or ending with `-`"
        ));
    }
    Ok(())
}

fn service_name_ok(name: &str) -> bool {
    name.split('.').all(super::names::dns_label_ok) && name.len() <= 127
}

/// Each service's namespace is declared.
pub(crate) fn check(cx: &mut Reader, sd: &ServiceDiscovery, seen: &super::reference::Seen) {
    let declared: Vec<&str> = sd.namespaces.iter().map(|n| n.name.value.as_str()).collect();
    for s in &sd.services {
        super::reference::reference(cx, &s.namespace, super::reference::NAMESPACE, &declared, seen);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_names_and_labels() {
        assert!(dns_name_ok("corp.local").is_ok());
        assert!(dns_name_ok("a.b_c.example.com").is_ok());
        assert!(dns_name_ok("local").is_err());
        assert!(dns_name_ok("-a.local").is_err());
        assert!(dns_name_ok(&format!("{}.local", "a".repeat(64))).is_err());
        assert!(service_name_ok("backend") && service_name_ok("_http._tcp") && !service_name_ok("a b"));
    }

    #[test]
    fn a_registry_is_named_by_name_dns_name_or_arn() {
        let svc = |n: &str, ns: &str| DiscoveryService {
            name: Located::bare(n.into()),
            namespace: Located::bare(ns.into()),
            description: None,
            routing_policy: RoutingPolicy::Multivalue,
            records: vec![(RecordType::A, 60)],
            failure_threshold: None,
            loc: Loc::none(),
        };
        let sd = ServiceDiscovery { namespaces: vec![], services: vec![svc("api", "a.local"), svc("api", "b.local")] };
        assert!(sd.registry("api").is_none(), "two namespaces have api: ambiguous");
        assert_eq!(sd.registry("api.b.local").map(|s| s.namespace.value.as_str()), Some("b.local"));
        let arn = "arn:aws:servicediscovery:us-east-1:123456789012:service/api.a.local";
        assert_eq!(sd.registry(arn).map(|s| s.namespace.value.as_str()), Some("a.local"));
        assert!(sd.registry("web").is_none());
    }
}
