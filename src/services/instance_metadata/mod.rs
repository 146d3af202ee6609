//! The EC2 instance metadata service (IMDS) at 169.254.169.254:80, one server for the lab in
//! the VPC router namespace, answering each instance by the address a request comes from (its
//! primary ENI, or the ENI of one of its awsvpc tasks). IMDSv2 session tokens (PUT
//! /latest/api/token) and IMDSv1, per the instance's `metadataOptions`; the token's PUT
//! response leaves with the instance's hop limit as its IP TTL, so the kernel itself drops it
//! one hop too far, as on EC2. Paths, bodies and error pages follow EC2's and the AWS metadata
//! mock's (aws/amazon-ec2-metadata-mock); the credentials are made up.

mod routes;
mod server;
#[cfg(test)]
mod tests;

use super::bind::{Listen, Socket};
use crate::model::dns::public_dns_name;
use crate::model::ids::{self, private_dns_name};
use crate::model::{ACCOUNT, EniOwner, IMDS_IP, IMDS_PORT, Lab};
use crate::scenario::Proto;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::Arc;

pub use routes::{Answer, Request, answer};

/// What the lab's metadata service serves.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImdsConfig {
    /// The VPC router's namespace, where 169.254.169.254:80 is bound.
    pub ns: String,
    pub region: String,
    /// When the lab came up: the instances' launch time.
    pub launched_unix: u64,
    pub instances: Vec<ImdsInstance>,
}

/// One instance, as its metadata shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImdsInstance {
    /// `instance/NAME`, for messages.
    pub node: String,
    /// The addresses its requests come from: its primary ENI's, its awsvpc tasks' ENIs'.
    pub sources: Vec<Ipv4Addr>,
    pub tokens_required: bool,
    pub hop_limit: u8,
    /// The instance profile (and role) name.
    pub role: String,
    /// `meta-data/` paths and their bodies (directories are derived from them).
    pub meta: BTreeMap<String, String>,
    /// `dynamic/instance-identity/document`.
    pub identity: String,
}

impl ImdsConfig {
    /// The socket it needs: 169.254.169.254:80 in the router.
    pub fn listens(&self) -> Vec<Listen> {
        if self.instances.is_empty() {
            return vec![];
        }
        vec![Listen {
            ns: self.ns.clone(),
            addr: SocketAddrV4::new(IMDS_IP, IMDS_PORT),
            proto: Proto::Tcp,
            who: "the instance metadata service".into(),
        }]
    }
}

/// Serve the lab's metadata service on its socket, on the current runtime.
pub fn start(cfg: &ImdsConfig, lab: Arc<str>, sockets: Vec<Socket>) -> io::Result<()> {
    let state = Arc::new(server::State::new(lab, cfg.clone()));
    for s in sockets {
        if let Socket::Tcp(l) = s {
            tokio::spawn(server::serve(tokio::net::TcpListener::from_std(l)?, state.clone()));
        }
    }
    Ok(())
}

/// The lab's metadata, from the model.
pub fn imds_config(lab: &Lab, launched_unix: u64) -> ImdsConfig {
    let instances = (0..lab.instances.len()).map(|ii| instance(lab, ii, launched_unix)).collect();
    ImdsConfig { ns: lab.vpc.router_ns.clone(), region: lab.region.clone(), launched_unix, instances }
}

fn instance(lab: &Lab, ii: usize, launched_unix: u64) -> ImdsInstance {
    let inst = &lab.instances[ii];
    let eni = &lab.enis[inst.eni];
    let ip = eni.ip;
    let region = &lab.region;
    let hostname = private_dns_name(region, ip);
    let mut meta = BTreeMap::new();
    let mut put = |k: &str, v: String| {
        meta.insert(k.to_string(), v);
    };
    put("ami-id", format!("ami-{}", ids::hex(&[&lab.name, "ami"], 17)));
    put("ami-launch-index", "0".into());
    put("ami-manifest-path", "(unknown)".into());
    put("block-device-mapping/ami", "/dev/xvda".into());
    put("block-device-mapping/root", "/dev/xvda".into());
    put("hostname", hostname.clone());
    put("instance-action", "none".into());
    put("instance-id", inst.id.clone());
    put("instance-life-cycle", "on-demand".into());
    put("instance-type", inst.instance_type.clone());
    put("local-hostname", hostname.clone());
    put("local-ipv4", ip.to_string());
    put("mac", eni.mac.clone());
    put("placement/availability-zone", inst.az.clone());
    put("placement/availability-zone-id", super::task_metadata::documents::availability_zone_id(&inst.az));
    put("placement/region", region.clone());
    put("profile", "default-hvm".into());
    put("reservation-id", format!("r-{}", ids::hex(&[&lab.name, "reservation", &inst.name], 17)));
    put("security-groups", eni.security_groups.join("\n"));
    put("services/domain", "amazonaws.com".into());
    put("services/partition", "aws".into());
    // Public names exist only with the VPC's DNS hostnames on.
    let hostnames = lab.vpc.dns.hostnames;
    if let Some(public) = eni.public_ip {
        put("public-ipv4", public.to_string());
        if hostnames {
            put("public-hostname", public_dns_name(region, public));
        }
    }
    // The instance's ENIs: its primary one, then each awsvpc task's, attached to it. With
    // trunking the tasks' ENIs are branches, not attached to the instance: the trunk ENI is.
    let trunked = inst.trunk.is_some();
    let task_enis =
        lab.live_enis().filter(|e| !trunked && matches!(e.owner, EniOwner::Task(t) if lab.tasks[t].on_instance(ii)));
    for (device, e) in std::iter::once(eni).chain(task_enis).enumerate() {
        let sn = &lab.vpc.subnets[e.subnet];
        let base = format!("network/interfaces/macs/{}/", e.mac);
        let mut iface = |k: &str, v: String| {
            meta.insert(format!("{base}{k}"), v);
        };
        iface("device-number", device.to_string());
        iface("interface-id", e.id.clone());
        iface("local-hostname", private_dns_name(region, e.ip));
        iface("local-ipv4s", e.ip.to_string());
        iface("mac", e.mac.clone());
        iface("owner-id", ACCOUNT.into());
        iface("security-group-ids", e.security_groups.iter().map(|g| sg_id(lab, g)).collect::<Vec<_>>().join("\n"));
        iface("security-groups", e.security_groups.join("\n"));
        iface("subnet-id", sn.id.clone());
        iface("subnet-ipv4-cidr-block", sn.cidr.to_string());
        iface("vpc-id", lab.vpc.id.clone());
        iface("vpc-ipv4-cidr-block", lab.vpc.cidr.to_string());
        iface("vpc-ipv4-cidr-blocks", lab.vpc.cidr.to_string());
        if let Some(public) = e.public_ip {
            iface("public-ipv4s", public.to_string());
            if hostnames {
                iface("public-hostname", public_dns_name(region, public));
            }
            iface(&format!("ipv4-associations/{public}"), e.ip.to_string());
        }
    }
    if let Some(trunk) = &inst.trunk {
        let sn = &lab.vpc.subnets[eni.subnet];
        let base = format!("network/interfaces/macs/{}/", trunk.mac);
        for (k, v) in [
            ("device-number", "1".to_string()),
            ("interface-id", trunk.id.clone()),
            ("mac", trunk.mac.clone()),
            ("owner-id", ACCOUNT.to_string()),
            ("subnet-id", sn.id.clone()),
            ("subnet-ipv4-cidr-block", sn.cidr.to_string()),
            ("vpc-id", lab.vpc.id.clone()),
            ("vpc-ipv4-cidr-block", lab.vpc.cidr.to_string()),
        ] {
            meta.insert(format!("{base}{k}"), v);
        }
    }
    // The role's documents are made when asked (their times move); the keys make the listings.
    meta.insert("iam/info".into(), String::new());
    meta.insert(format!("iam/security-credentials/{}", inst.instance_profile), String::new());
    let task_ips = lab.tasks.iter().filter(|t| t.on_instance(ii) && t.is_running()).filter_map(|t| t.eni);
    let identity = [
        ("accountId", Some(ACCOUNT.to_string())),
        ("architecture", Some("x86_64".into())),
        ("availabilityZone", Some(inst.az.clone())),
        ("billingProducts", None),
        ("devpayProductCodes", None),
        ("marketplaceProductCodes", None),
        ("imageId", meta.get("ami-id").cloned()),
        ("instanceId", Some(inst.id.clone())),
        ("instanceType", Some(inst.instance_type.clone())),
        ("kernelId", None),
        ("pendingTime", Some(crate::sys::time::rfc3339(launched_unix))),
        ("privateIp", Some(ip.to_string())),
        ("ramdiskId", None),
        ("region", Some(region.clone())),
        ("version", Some("2017-09-30".into())),
    ];
    ImdsInstance {
        node: format!("instance/{}", inst.name),
        sources: std::iter::once(ip).chain(task_ips.map(|e| lab.enis[e].ip)).collect(),
        tokens_required: inst.metadata_options.tokens_required,
        hop_limit: inst.metadata_options.hop_limit,
        role: inst.instance_profile.clone(),
        meta,
        identity: routes::ec2_json(&identity),
    }
}

/// A security group's id (`sg-` + 17 hex), stable per lab and name.
fn sg_id(lab: &Lab, name: &str) -> String {
    format!("sg-{}", ids::hex(&[&lab.name, "security-group", name], 17))
}
