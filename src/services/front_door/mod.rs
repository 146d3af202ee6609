//! The front doors: emulated AWS service endpoints (ECR's API and registry, S3, STS, CloudWatch
//! Logs, Secrets Manager, SSM, Cloud Map's DiscoverInstances) served as real HTTPS servers inside a lab, so that unmodified
//! SDKs and container runtimes in a task work against them with nothing but the region set,
//! once the lab's DNS points the AWS names at a door and the tasks trust the lab CA.
//!
//! One server answers for every service on every door: a request goes to a service by its Host
//! when that is an AWS name, else by its SigV4 credential scope (a test's `localhost`), see
//! [`route_for_host`]. Every signature is verified as AWS verifies it before the service sees
//! the request ([`auth`]). Each service is a pure function of the request and the store, in its
//! own file.

pub mod archive;
pub mod auth;
pub mod data;
pub mod ecr;
pub mod ecs;
pub mod http;
pub mod iam;
pub mod logs;
pub mod s3;
pub mod secrets_manager;
pub mod service_discovery;
pub mod sigv4;
pub mod ssm;
pub mod sts;
#[cfg(test)]
mod tests;
pub mod tls;

pub use crate::dataplane::ca::LabCa;
pub use data::{Data, Store};
pub use http::{Req, Resp};

use super::bind::{Listen, Socket};
use crate::scenario::Proto;
use serde::{Deserialize, Serialize};
use std::io;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::{Arc, Mutex};

/// How many hours of a role session's past keys the doors still recognise: those still valid
/// (six), and as many expired ones, which get ExpiredToken rather than "invalid".
pub const KEPT_GENERATIONS: u64 = 12;

/// The port every AWS endpoint listens on.
pub const HTTPS_PORT: u16 = 443;

/// A lab's front doors and what they serve.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spec {
    /// Where to listen: one TCP listener each.
    pub listen: Vec<Door>,
    pub region: String,
    /// The lab's AWS account id (12 digits).
    pub account: String,
    /// The lab CA (made at `up` with [`LabCa::generate`]), which signs the doors' certificate.
    pub ca_cert_pem: String,
    pub ca_key_pem: String,
    /// The DNS names the certificate covers (`*.` wildcards allowed).
    pub names: Vec<String>,
    /// Access key id -> principal, for STS GetCallerIdentity.
    #[serde(default)]
    pub credentials: Vec<Principal>,
    #[serde(default)]
    pub data: Data,
    /// The clusters ECS knows (empty: any name registers).
    #[serde(default)]
    pub clusters: Vec<String>,
    /// The lab's container instances: EC2 instance id -> container instance ARN.
    #[serde(default)]
    pub container_instances: ecs::Registry,
    /// The VPC endpoints whose ENIs (or gateway) the doors listen on.
    #[serde(default)]
    pub endpoints: Vec<iam::Endpoint>,
    #[serde(default)]
    pub vpc_id: String,
    /// Cloud Map's instances at `up`; the controller replaces them as tasks come and go.
    #[serde(default)]
    pub cloud_map: service_discovery::Directory,
}

/// One listening address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Door {
    /// Namespace name under /run/netns; empty = the agent's own namespace.
    pub ns: String,
    pub addr: Ipv4Addr,
    #[serde(default = "https_port")]
    pub port: u16,
    /// The VPC endpoint (its name) this address belongs to: calls through it carry
    /// aws:SourceVpce and meet its policy.
    #[serde(default)]
    pub endpoint: Option<String>,
}

fn https_port() -> u16 {
    HTTPS_PORT
}

/// Who an access key belongs to, and the secret and session token that sign with it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub access_key_id: String,
    /// The key's secret: the doors verify each signature with it.
    #[serde(default)]
    pub secret_access_key: String,
    /// The session token a temporary (`ASIA...`) key must be presented with.
    #[serde(default)]
    pub session_token: Option<String>,
    /// `arn:aws:sts::123456789012:assumed-role/ecsTaskRole/<session>`, `arn:aws:iam::...:user/x`.
    pub arn: String,
    /// GetCallerIdentity's UserId; made from the ARN when not given.
    #[serde(default)]
    pub user_id: Option<String>,
    /// The credentials id its keys derive from (renewed every hour): the doors know each set
    /// still valid, and an expired one by its generation. None: fixed keys.
    #[serde(default)]
    pub credentials_id: Option<String>,
}

impl Principal {
    /// The principal of credentials the lab hands out.
    fn of(lab: &str, id: String, arn: String) -> Principal {
        let now = crate::services::task_metadata::generation(crate::sys::time::now_unix());
        let c = crate::services::task_metadata::credentials_of(lab, &id, "", now);
        Principal {
            access_key_id: c.access_key_id,
            secret_access_key: c.secret_access_key,
            session_token: Some(c.token),
            arn,
            user_id: None,
            credentials_id: Some(id),
        }
    }

    /// This principal with the keys of generation `issued` of its credentials, and when they
    /// expire; itself (never expiring) when its keys are fixed.
    pub fn at(&self, lab: &str, issued: u64) -> (Principal, u64) {
        use crate::services::task_metadata::{CREDENTIALS_LIFETIME_SECS, ROTATION_SECS, credentials_of};
        let Some(id) = &self.credentials_id else { return (self.clone(), u64::MAX) };
        let c = credentials_of(lab, id, "", issued);
        let p = Principal {
            access_key_id: c.access_key_id,
            secret_access_key: c.secret_access_key,
            session_token: Some(c.token),
            ..self.clone()
        };
        (p, issued * ROTATION_SECS + CREDENTIALS_LIFETIME_SECS)
    }

    /// What signs as this principal.
    pub fn keys(&self) -> sigv4::Keys {
        sigv4::Keys {
            access_key_id: self.access_key_id.clone(),
            secret_access_key: self.secret_access_key.clone(),
            session_token: self.session_token.clone(),
        }
    }
}

impl Spec {
    /// The sockets it needs: one TCP listener per door.
    pub fn listens(&self) -> Vec<Listen> {
        self.listen
            .iter()
            .map(|d| Listen {
                ns: d.ns.clone(),
                addr: SocketAddrV4::new(d.addr, d.port),
                proto: Proto::Tcp,
                who: format!("front door {}:{}", d.addr, d.port),
            })
            .collect()
    }
}

/// The front doors of a lab, as its model says: one door per AWS service address (in the
/// lab's internet, `addrs`), a certificate for every public name of the region's services,
/// the principals of the credentials the lab hands out (task roles by the task metadata
/// endpoint, instance roles by IMDS), and an empty store.
pub fn lab_spec(
    lab: &crate::model::Lab,
    ns: &str,
    addrs: &[Ipv4Addr],
    (ca_cert_pem, ca_key_pem): (String, String),
) -> Spec {
    use crate::scenario::aws_service::AwsService;
    let mut names: Vec<String> =
        AwsService::ALL.iter().flat_map(|s| s.hostnames(&lab.region, crate::model::ACCOUNT)).collect();
    // An interface endpoint answers at its ENIs, under its vpce- names too.
    let mut listen: Vec<Door> =
        addrs.iter().map(|a| Door { ns: ns.to_string(), addr: *a, port: HTTPS_PORT, endpoint: None }).collect();
    for e in &lab.endpoints {
        let endpoint = Some(e.name.clone());
        if let Some((ns, _)) = &e.gateway {
            listen.push(Door {
                ns: ns.clone(),
                addr: e.service.public_ip(),
                port: HTTPS_PORT,
                endpoint: endpoint.clone(),
            });
        }
        names.extend(e.dns_names.iter().map(|(n, _)| n.clone()));
        for i in &e.enis {
            let eni = &lab.enis[*i];
            listen.push(Door { ns: eni.ns.clone(), addr: eni.ip, port: HTTPS_PORT, endpoint: endpoint.clone() });
        }
    }
    names.dedup();
    Spec {
        listen,
        region: lab.region.clone(),
        account: crate::model::ACCOUNT.to_string(),
        ca_cert_pem,
        ca_key_pem,
        names,
        credentials: principals(lab),
        data: lab.aws.clone(),
        endpoints: lab
            .endpoints
            .iter()
            .map(|e| iam::Endpoint { name: e.name.clone(), id: e.id.clone(), policy: e.policy.clone() })
            .collect(),
        vpc_id: lab.vpc.id.clone(),
        cloud_map: service_discovery::Directory::of(lab),
        clusters: vec![lab.cluster.clone()],
        container_instances: (0..lab.instances.len())
            .map(|ii| (lab.instances[ii].id.clone(), crate::model::control_plane::container_instance_arn(lab, ii)))
            .collect(),
    }
}

/// Who each access key the lab hands out belongs to: a task role's session is named after the
/// task's id (as ECS names it), an instance role's after the instance's id (as EC2 does).
fn principals(lab: &crate::model::Lab) -> Vec<Principal> {
    use crate::services::task_metadata::documents::credentials_id;
    let account = crate::model::ACCOUNT;
    let role_name = |arn: &str| arn.rsplit('/').next().unwrap_or(arn).to_string();
    let mut v = vec![];
    for t in lab.tasks.iter().filter(|t| t.is_running()) {
        let (Some(arn), Some(id)) = (t.task_role_arn.as_ref(), credentials_id(t)) else { continue };
        let arn = format!("arn:aws:sts::{account}:assumed-role/{}/{}", role_name(arn), t.id);
        v.push(Principal::of(&lab.name, id, arn));
    }
    for st in &lab.starts {
        let p = start_principal(lab, st);
        if !v.iter().any(|q: &Principal| q.access_key_id == p.access_key_id) {
            v.push(p);
        }
    }
    for inst in &lab.instances {
        v.push(instance_principal(lab, inst));
    }
    v
}

/// The credentials IMDS hands instance `inst` for its role, and the session they name.
pub fn instance_principal(lab: &crate::model::Lab, inst: &crate::model::Instance) -> Principal {
    let account = crate::model::ACCOUNT;
    let role = &inst.instance_profile;
    let id = format!("imds/instance/{}", inst.name);
    Principal::of(&lab.name, id, format!("arn:aws:sts::{account}:assumed-role/{role}/{}", inst.id))
}

/// The principal a task's start is signed as: the task's execution role (a session named
/// after the task id), else its instance's role (as IMDS hands it out).
pub fn start_principal(lab: &crate::model::Lab, st: &crate::model::pull::TaskStart) -> Principal {
    let t = &lab.tasks[st.task];
    let role = st.role_arn.rsplit('/').next().unwrap_or(&st.role_arn).to_string();
    let account = crate::model::ACCOUNT;
    // Fargate has only the execution role (a start without one has no steps).
    let (id, session) = match t.instance().map(|ii| &lab.instances[ii]) {
        Some(inst) if !st.execution_role => (format!("imds/instance/{}", inst.name), inst.id.clone()),
        _ => (format!("execution/{}", t.name), t.id.clone()),
    };
    Principal::of(&lab.name, id, format!("arn:aws:sts::{account}:assumed-role/{role}/{session}"))
}

/// The front doors this process serves (one agent serves one lab).
static SERVING: std::sync::Mutex<Vec<std::sync::Weak<FrontDoor>>> = std::sync::Mutex::new(Vec::new());

/// The principals of `lab` the front doors do not know yet are admitted: the credentials of a
/// task started while the lab runs (a service's replacement) work as its first tasks' do; and
/// Cloud Map's instances become those `lab` registers (a stopped task gone, its replacement in).
pub fn admit(lab: &crate::model::Lab) {
    let wanted = principals(lab);
    let directory = service_discovery::Directory::of(lab);
    let Ok(mut doors) = SERVING.lock() else { return };
    doors.retain(|d| d.strong_count() > 0);
    for door in doors.iter().filter_map(std::sync::Weak::upgrade) {
        if let Ok(mut known) = door.principals.write() {
            let new: Vec<Principal> = wanted.iter().filter(|p| !known.contains(p)).cloned().collect();
            known.extend(new);
        }
        if let Ok(mut d) = door.cloud_map.write() {
            *d = d.updated(directory.clone());
        }
    }
}

/// Serve the front doors on their sockets (those of [`Spec::listens`], in order), on the
/// current runtime.
pub fn start(spec: &Spec, lab: Arc<str>, sockets: Vec<Socket>) -> io::Result<()> {
    // A configuration without a CA (made by hand) gets one of its own, trusted by no one.
    let ca = if spec.ca_cert_pem.is_empty() {
        LabCa::generate(&lab).map_err(|e| io::Error::other(e.to_string()))?
    } else {
        LabCa::from_pem(&spec.ca_cert_pem, &spec.ca_key_pem)?
    };
    let tls = tokio_rustls::TlsAcceptor::from(Arc::new(tls::server_config(&ca, &spec.names)?));
    let door = Arc::new(FrontDoor::new(spec, lab, None));
    if let Ok(mut doors) = SERVING.lock() {
        doors.push(Arc::downgrade(&door));
    }
    // Sockets come in the order of `listens`: one per door.
    for (s, d) in sockets.into_iter().zip(&spec.listen) {
        if let Socket::Tcp(l) = s {
            // tokio needs it non-blocking; a listener bound by a caller may not be.
            l.set_nonblocking(true)?;
            let listener = tokio::net::TcpListener::from_std(l)?;
            tokio::spawn(http::serve(listener, tls.clone(), door.clone(), d.endpoint.clone()));
        }
    }
    Ok(())
}

/// Which service a request is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Service {
    Sts,
    /// ECR's API (`api.ecr`).
    Ecr,
    /// ECR's registry (`<acct>.dkr.ecr`): the Docker registry HTTP API v2.
    Registry,
    /// S3; the bucket when the host names one (virtual-hosted style).
    S3 {
        bucket: Option<String>,
    },
    Logs,
    SecretsManager,
    Ssm,
    /// Cloud Map's data plane (`data-servicediscovery`).
    CloudMap,
    /// ECS's API (`ecs`): the agent's registration.
    Ecs,
    /// ECS's agent communication service (`ecs-a`, and the numbered `ecs-a-N` hosts).
    Acs,
    /// ECS's telemetry service (`ecs-t`).
    Tcs,
}

/// The service an AWS host name belongs to, with or without a VPC endpoint's `vpce-...` label
/// (`vpce-0abc-xyz.api.ecr.<r>.vpce.amazonaws.com`, `bucket.vpce-0abc-xyz.s3.<r>.vpce...`).
/// Pure, so every name a lab's DNS can give is checked in unit tests.
pub fn route_for_host(host: &str) -> Option<Service> {
    let host = http::host_without_port(host).trim_end_matches('.').to_ascii_lowercase();
    let rest = host.strip_suffix(".amazonaws.com").or_else(|| host.strip_suffix(".amazonaws.com.cn"))?;
    let mut labels: Vec<&str> = rest.split('.').collect();
    // VPC endpoint names: `...<r>.vpce` and one `vpce-<id>-<sfx>` label (zonal ones included).
    if labels.last() == Some(&"vpce") {
        labels.pop();
        labels.retain(|l| !l.starts_with("vpce-"));
    }
    let region = |l: &str| is_region(l);
    match labels.as_slice() {
        ["sts"] => Some(Service::Sts),
        ["sts" | "sts-fips", r] if region(r) => Some(Service::Sts),
        ["api", "ecr", r] | ["ecr", r] if region(r) => Some(Service::Ecr),
        [acct, "dkr", "ecr", r] if region(r) && is_account(acct) => Some(Service::Registry),
        // The endpoint's own `*.dkr` name without the account label.
        ["dkr", "ecr", r] if region(r) => Some(Service::Registry),
        ["logs", r] if region(r) => Some(Service::Logs),
        ["secretsmanager", r] if region(r) => Some(Service::SecretsManager),
        ["ssm", r] if region(r) => Some(Service::Ssm),
        ["data-servicediscovery", r] if region(r) => Some(Service::CloudMap),
        ["ecs", r] if region(r) => Some(Service::Ecs),
        [a, r] | [_, a, r] if region(r) && (*a == "ecs-a" || a.strip_prefix("ecs-a-").is_some_and(is_number)) => {
            Some(Service::Acs)
        }
        [t, r] | [_, t, r] if region(r) && (*t == "ecs-t" || t.strip_prefix("ecs-t-").is_some_and(is_number)) => {
            Some(Service::Tcs)
        }
        ["s3"] => Some(Service::S3 { bucket: None }),
        ["s3", r] if region(r) => Some(Service::S3 { bucket: None }),
        [r] if r.strip_prefix("s3-").is_some_and(region) => Some(Service::S3 { bucket: None }),
        [bucket @ .., "s3"] if !bucket.is_empty() => Some(Service::S3 { bucket: Some(bucket.join(".")) }),
        [bucket @ .., "s3", r] if !bucket.is_empty() && region(r) => {
            Some(Service::S3 { bucket: Some(bucket.join(".")) })
        }
        // The legacy dash form, `<bucket>.s3-<r>.amazonaws.com`.
        [bucket @ .., r] if !bucket.is_empty() && r.strip_prefix("s3-").is_some_and(region) => {
            Some(Service::S3 { bucket: Some(bucket.join(".")) })
        }
        _ => None,
    }
}

/// `ap-northeast-1`, `us-gov-west-1`, `cn-north-1`: letters and dashes, then a number.
fn is_region(s: &str) -> bool {
    let Some((name, n)) = s.rsplit_once('-') else { return false };
    !name.is_empty()
        && name.contains('-')
        && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
        && !n.is_empty()
        && n.bytes().all(|b| b.is_ascii_digit())
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// The service a SigV4 scope names.
pub fn route_for_scope(service: &str) -> Option<Service> {
    Some(match service {
        "sts" => Service::Sts,
        "ecr" => Service::Ecr,
        "s3" => Service::S3 { bucket: None },
        "logs" => Service::Logs,
        "secretsmanager" => Service::SecretsManager,
        "ssm" => Service::Ssm,
        "servicediscovery" => Service::CloudMap,
        "ecs" => Service::Ecs,
        _ => return None,
    })
}

/// Where a request goes: the service, and its signature when it has one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Routed {
    pub service: Option<Service>,
    pub sigv4: Option<Result<sigv4::SigV4, sigv4::Malformed>>,
}

/// A front door's state: what every service handler is given.
#[derive(Debug)]
pub struct FrontDoor {
    pub lab: Arc<str>,
    pub region: String,
    pub account: String,
    /// Grows while the lab runs: a task started then gets credentials too ([`admit`]).
    pub principals: std::sync::RwLock<Vec<Principal>>,
    /// The registry password GetAuthorizationToken hands out (one per agent start).
    pub registry_password: String,
    pub store: Mutex<Store>,
    pub clusters: Vec<String>,
    pub container_instances: ecs::Registry,
    /// IAM: the declared roles, the endpoints' policies, the VPC.
    pub iam: iam::Iam,
    /// A fixed clock for tests; `None` = the system clock.
    pub clock: Option<u64>,
    /// The key ECR presigns its layer URLs with, as ECR's own role does on AWS.
    pub layer_keys: sigv4::Keys,
    /// Cloud Map's instances now ([`admit`] replaces them).
    pub cloud_map: std::sync::RwLock<service_discovery::Directory>,
}

impl FrontDoor {
    pub fn new(spec: &Spec, lab: Arc<str>, clock: Option<u64>) -> FrontDoor {
        let now = clock.unwrap_or_else(crate::sys::time::now_unix);
        let layer_keys = ecr::layer_keys(&lab);
        FrontDoor {
            lab,
            region: spec.region.clone(),
            account: spec.account.clone(),
            principals: std::sync::RwLock::new(spec.credentials.clone()),
            registry_password: ecr::new_password(),
            store: Mutex::new(Store::new(&spec.data, &spec.region, &spec.account, now)),
            clusters: spec.clusters.clone(),
            container_instances: spec.container_instances.clone(),
            iam: iam::Iam::new(spec),
            clock,
            layer_keys,
            cloud_map: std::sync::RwLock::new(spec.cloud_map.clone()),
        }
    }

    /// Whose key `access_key_id` is, with that generation's keys and when they expire: a set
    /// issued up to [`KEPT_GENERATIONS`] hours ago (expired ones included, for ExpiredToken).
    pub fn principal(&self, access_key_id: &str) -> Option<(Principal, u64)> {
        // Fixed keys (a spec written by hand) never expire.
        let fixed =
            self.principals().into_iter().find(|p| p.credentials_id.is_none() && p.access_key_id == access_key_id);
        match fixed {
            Some(p) => Some((p.clone(), u64::MAX)),
            None => self.derived(access_key_id),
        }
    }

    /// The key among the recent generations of every rotating principal's credentials.
    fn derived(&self, access_key_id: &str) -> Option<(Principal, u64)> {
        let now = crate::services::task_metadata::generation(self.now());
        let gens = now.saturating_sub(KEPT_GENERATIONS)..=now;
        // Newest generation first across every principal: a current key is found after one
        // derivation per principal, not after every older set of the ones before it.
        let all = self.principals();
        let rotating: Vec<&Principal> = all.iter().filter(|p| p.credentials_id.is_some()).collect();
        gens.rev()
            .flat_map(|g| rotating.iter().map(move |p| (*p, g)))
            .map(|(p, g)| p.at(&self.lab, g))
            .find(|(p, _)| p.access_key_id == access_key_id)
    }

    pub fn now(&self) -> u64 {
        self.clock.unwrap_or_else(crate::sys::time::now_unix)
    }

    /// Whose credentials the lab has handed out so far.
    pub fn principals(&self) -> Vec<Principal> {
        self.principals.read().map(|g| g.clone()).unwrap_or_else(|e| e.into_inner().clone())
    }

    /// The registry's host: `<acct>.dkr.ecr.<r>.amazonaws.com`.
    pub fn registry_host(&self) -> String {
        format!("{}.dkr.ecr.{}.amazonaws.com", self.account, self.region)
    }

    /// Which service a request is for: by its Host when that is an AWS name, else by its SigV4
    /// scope; the registry's paths (`/v2/...`) also when the host is not an AWS name (a test's
    /// `localhost`).
    pub fn route(&self, req: &Req) -> Routed {
        let sig = sigv4::from_request(req.header("authorization"), &req.query);
        let by_host = route_for_host(req.host());
        let by_scope = sig.as_ref().and_then(|s| s.as_ref().ok()).and_then(|s| route_for_scope(&s.credential.service));
        let service = match (by_scope, by_host) {
            // A virtual-hosted S3 request: the scope says S3, the host names the bucket.
            (Some(Service::S3 { .. }), Some(s @ Service::S3 { .. })) => Some(s),
            // The agent signs its ACS and TCS websockets with ECS's scope.
            (Some(Service::Ecs), Some(s @ (Service::Acs | Service::Tcs))) => Some(s),
            // AWS answers by endpoint: a scope naming another service is that endpoint's
            // signature error, which verification gives.
            (Some(_), Some(s)) => Some(s),
            (Some(s), None) => Some(s),
            (None, Some(s)) => Some(s),
            (None, None) if req.path == "/v2" || req.path.starts_with("/v2/") => Some(Service::Registry),
            (None, None) => None,
        };
        Routed { service, sigv4: sig }
    }

    /// Answer a request, with the request id headers every AWS answer carries.
    pub fn handle(&self, routed: &Routed, req: &Req) -> Resp {
        let Some(service) = &routed.service else {
            return with_request_id(&Service::Ecr, http::unknown_operation().with_status(404));
        };
        if let Some(Err(m)) = &routed.sigv4 {
            return with_request_id(service, malformed_signature(service, &m.0));
        }
        let sig = routed.sigv4.as_ref().and_then(|s| s.as_ref().ok());
        // Every door verifies a signature before its service sees the request.
        if let Some(s) = sig
            && let Err(refusal) = auth::verify(self, service, s, req)
        {
            return with_request_id(service, refusal);
        }
        // A poisoned lock only means a handler panicked earlier; the data is still usable.
        let mut store = self.store.lock().unwrap_or_else(|e| e.into_inner());
        // IAM first, as AWS authorizes a call before it looks for the resource.
        if let Err(d) = self.iam.authorize(self, sig, req, &self.calls(service, &store, req)) {
            return with_request_id(service, access_denied(service, req, &d));
        }
        let resp = match service {
            Service::Sts => sts::handle(self, sig, req),
            Service::Ecr => ecr::handle_api(self, &store, sig, req),
            Service::Registry => ecr::handle_registry(self, &store, req),
            Service::S3 { bucket } => s3::handle(self, &mut store, bucket.as_deref(), req),
            Service::Logs => logs::handle(self, &mut store, req),
            Service::SecretsManager => secrets_manager::handle(self, &store, req),
            Service::Ssm => ssm::handle(self, &store, req),
            Service::CloudMap => {
                let dir = self.cloud_map.read().unwrap_or_else(|e| e.into_inner());
                service_discovery::handle(&dir, req)
            }
            Service::Ecs => ecs::handle_api(self, req),
            Service::Acs | Service::Tcs => ecs::handle_ws(req),
        };
        with_request_id(service, resp)
    }

    /// The permissions a request needs, as its service names them. The registry checks its
    /// token's holder itself; STS's GetCallerIdentity needs none, nor (here) ECS's agent calls.
    fn calls(&self, service: &Service, store: &Store, req: &Req) -> Vec<iam::Call> {
        match service {
            Service::Ecr => ecr::iam_request(self, req).into_iter().collect(),
            Service::S3 { bucket } => s3::iam_request(bucket.as_deref(), &self.region, req).into_iter().collect(),
            Service::Logs => logs::iam_request(self, req).into_iter().collect(),
            Service::SecretsManager => secrets_manager::iam_request(store, req).into_iter().collect(),
            Service::Ssm => ssm::iam_request(self, req),
            Service::CloudMap => service_discovery::iam_request(req).into_iter().collect(),
            Service::Ecs => ecs::iam_request(self, req).into_iter().collect(),
            _ => vec![],
        }
    }

    /// The answer to a body over [`http::MAX_BODY`], in the service's own error shape.
    pub fn too_large(&self, routed: &Routed) -> Resp {
        let service = routed.service.clone().unwrap_or(Service::Ecr);
        let resp = match service {
            Service::S3 { .. } => s3::error(
                400,
                "EntityTooLarge",
                "Your proposed upload exceeds the maximum allowed size",
                &[("MaxSizeAllowed", &http::MAX_BODY.to_string())],
            ),
            Service::Sts => sts::error(413, "Sender", "RequestEntityTooLarge", "Request body too large"),
            Service::Registry => ecr::registry_error(413, "SIZE_INVALID", "Request body too large"),
            _ => http::json_error(413, "RequestEntityTooLargeException", "message", Some("Request body too large")),
        };
        with_request_id(&service, resp)
    }
}

/// Every AWS answer names its request: `x-amzn-RequestId`, or S3's `x-amz-request-id` and
/// `x-amz-id-2`.
fn with_request_id(service: &Service, mut resp: Resp) -> Resp {
    if resp.header("x-amzn-requestid").is_some() || resp.header("x-amz-request-id").is_some() {
        return resp;
    }
    match service {
        Service::S3 { .. } => {
            let (id, host_id) = s3::request_ids();
            resp.headers.push(("x-amz-request-id".into(), id));
            resp.headers.push(("x-amz-id-2".into(), host_id));
        }
        _ => resp.headers.push(("x-amzn-RequestId".into(), http::request_id())),
    }
    resp
}

/// IAM's denial in the service's shape: the JSON services' HTTP 400 `AccessDeniedException`
/// (Secrets Manager and Cloud Map spell their member `Message`, the others `message`), S3's 403 `AccessDenied`
/// XML (no body for HEAD). The registry answers its own (`ecr::handle_registry`).
fn access_denied(service: &Service, req: &Req, d: &iam::Denied) -> Resp {
    use crate::analyze::iam::ServiceStyle;
    let json = d.message(ServiceStyle::Json);
    match service {
        Service::S3 { .. } => s3::access_denied(req, &d.message(ServiceStyle::S3)),
        Service::SecretsManager | Service::CloudMap => {
            http::json_error(400, "AccessDeniedException", "Message", Some(&json))
        }
        _ => http::json_error(400, "AccessDeniedException", "message", Some(&json)),
    }
}

/// A signature header that cannot be read, in the service's error shape.
fn malformed_signature(service: &Service, message: &str) -> Resp {
    match service {
        Service::S3 { .. } => s3::error(
            400,
            "AuthorizationHeaderMalformed",
            &format!("The authorization header is malformed; {message}"),
            &[],
        ),
        Service::Sts => sts::error(400, "Sender", "IncompleteSignature", message),
        Service::Registry => ecr::registry_error(401, "DENIED", "Your authorization token is invalid."),
        _ => http::json_error(400, "IncompleteSignatureException", "message", Some(message)),
    }
}
