//! EC2 container instances: their addresses, primary ENI, how many awsvpc tasks they take,
//! the MACs of their bridges, and the `ecs-agent` container each runs.

use super::container::Container;
use super::eni::{Eni, EniOwner, TrunkEni};
use super::error::{ModelError, ModelErrorKind};
use super::fabric::Fabric;
use super::security_group::DEFAULT_GROUP;
use super::subnet;
use super::{AGENT_IMAGE, ids};
use crate::scenario::{self, Node, Scenario};
use ipnetwork::Ipv4Network;
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Instance {
    pub name: String,
    pub id: String,
    pub ns: String,
    pub subnet: usize,
    pub az: String,
    pub eni: usize,
    pub public_ip: Option<Ipv4Addr>,
    pub elastic_ip: bool,
    pub instance_type: String,
    /// Maximum awsvpc tasks (ENIs minus the primary, or the trunking limit).
    pub max_task_enis: u32,
    pub docker0_mac: String,
    pub ecs_bridge_mac: String,
    pub agent: Container,
    /// docker0's network, as Docker picked it when it started (its gateway is the first address).
    pub docker0: Ipv4Network,
    /// Its instance profile's name (the role's is the same).
    pub instance_profile: String,
    /// The instance metadata service's options.
    pub metadata_options: scenario::MetadataOptions,
    /// The ECS agent's settings.
    pub agent_config: scenario::AgentConfig,
    /// AWS's documented DOCKER-USER rule keeps bridge containers off the metadata service.
    pub block_imds_from_bridge: bool,
    /// The trunk ENI, when the instance uses ENI trunking (its awsvpc tasks' ENIs are branches).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trunk: Option<TrunkEni>,
}

impl Instance {
    /// docker0's own address, the containers' gateway (172.17.0.1 unless the VPC is in the way).
    pub fn docker0_gw(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.docker0.network()) + 1)
    }
    /// Whether `ip` is on this instance's docker0.
    pub fn in_docker0(&self, ip: Ipv4Addr) -> bool {
        self.docker0.contains(ip)
    }
    /// Whether the instance has IPv6. Never in ecsnet: every namespace of a lab is IPv4-only
    /// (the plan disables IPv6), so what exists only over IPv6 on a real instance (docker-proxy
    /// on `[::]:PORT`) does not exist here, and views do not show it.
    pub fn has_ipv6(&self) -> bool {
        false
    }
}

/// The network Docker gives docker0 on an instance of subnet `subnet` in a VPC whose DNS server
/// is `dns`: the first of its default local pools (172.17-172.31.0.0/16, then 192.168.0.0/16 in
/// /20s) that overlaps neither an on-link route (the instance's subnet) nor a nameserver of
/// /etc/resolv.conf (moby: ipamutils' local-scope defaults, netutils.InferReservedNetworks).
pub fn docker0_network(subnet: Ipv4Network, dns: Ipv4Addr) -> Ipv4Network {
    let sixteens = (17..=31u8).map(|b| (Ipv4Addr::new(172, b, 0, 0), 16));
    let twenties = (0..16u8).map(|i| (Ipv4Addr::new(192, 168, i * 16, 0), 20));
    let overlaps = |n: &Ipv4Network| n.contains(subnet.network()) || subnet.contains(n.network());
    sixteens
        .chain(twenties)
        .filter_map(|(ip, p)| Ipv4Network::new(ip, p).ok())
        .find(|n| !overlaps(n) && !n.contains(dns))
        .unwrap_or_else(|| Ipv4Network::new(Ipv4Addr::new(172, 17, 0, 0), 16).unwrap_or(subnet))
}

/// Every instance in file order, each with its primary ENI attached to `enis`.
pub(super) fn resolve_all(s: &Scenario, fabric: &mut Fabric) -> Result<Vec<Instance>, ModelError> {
    for inst in &s.instances {
        trusted_by_ec2(&s.aws.roles, inst)?;
    }
    s.instances.iter().enumerate().map(|(ii, inst)| resolve(fabric, ii, inst)).collect()
}

/// An instance profile's role, when the scenario declares it, must let `ec2.amazonaws.com`
/// assume it: on AWS an instance whose role EC2 cannot assume gets no credentials from IMDS, so
/// its ECS agent never registers, which the lab (handing out credentials per role) would not
/// show. Refused where the instance names it.
fn trusted_by_ec2(roles: &[crate::scenario::role::Role], inst: &scenario::Instance) -> Result<(), ModelError> {
    let profile = &inst.iam_instance_profile;
    let Some(r) = roles.iter().find(|r| r.name.eq_ignore_ascii_case(&profile.value)) else { return Ok(()) };
    if super::iam::trusts(r, super::ACCOUNT, "ec2.amazonaws.com", None) {
        return Ok(());
    }
    let loc = if profile.loc.line == 0 { &inst.loc } else { &profile.loc };
    Err(ModelErrorKind::RoleNotTrustedByEc2(r.name.clone()).at(loc))
}

fn resolve(fabric: &mut Fabric, ii: usize, inst: &scenario::Instance) -> Result<Instance, ModelError> {
    let lab = fabric.lab;
    let si = subnet::find(fabric.subnets, &inst.subnet)?;
    let ip = match &inst.private_ip {
        Some(ip) => ip.value,
        None => fabric.private_ip(si, &inst.loc)?,
    };
    let (public_ip, elastic_ip) = match (&inst.elastic_ip, inst.public_ip) {
        (Some(e), _) => (Some(e.value), true),
        (None, true) => (Some(fabric.public_ip(&inst.loc)?), false),
        (None, false) => (None, false),
    };
    let name = &inst.name.value;
    let ns = ids::ns_name(lab, "i", name);
    // No group, or an empty list, is the VPC's default group, as RunInstances does.
    let security_groups = match &inst.security_groups {
        Some(v) if !v.is_empty() => v.iter().map(|g| g.value.clone()).collect(),
        _ => vec![DEFAULT_GROUP.to_string()],
    };
    let primary = Eni::new(lab, &Node::instance(name), EniOwner::Instance(ii), ns.clone(), ip, si);
    let eni = fabric.attach(Eni { security_groups, public_ip, ..primary });
    Ok(Instance {
        name: name.clone(),
        id: format!("i-{}", ids::hex(&[lab, "instance", name], 17)),
        ns,
        subnet: si,
        az: fabric.subnets[si].az.clone(),
        eni,
        public_ip,
        elastic_ip,
        instance_type: inst.instance_type.value.clone(),
        max_task_enis: max_task_enis(inst),
        docker0_mac: docker0_mac(lab, name),
        // ecs-bridge: a static random locally administered MAC (ECS-FACTS §1.7 step 1).
        ecs_bridge_mac: ids::mac_str(&ids::mac(0x0a, &[lab, "ecs-bridge", name])),
        agent: agent(lab, name),
        docker0: docker0_network(fabric.subnets[si].cidr, fabric.vpc_dns),
        instance_profile: inst.iam_instance_profile.value.clone(),
        metadata_options: inst.metadata_options.clone(),
        agent_config: inst.ecs_agent.clone(),
        block_imds_from_bridge: inst.block_imds_from_bridge,
        trunk: trunked(inst).then(|| TrunkEni::new(lab, name)),
    })
}

/// docker0's MAC as Docker sets it: 02:42 and four random bytes (moby's GenerateRandomMAC),
/// here derived from the lab and the instance so that a lab always gets the same.
fn docker0_mac(lab: &str, instance: &str) -> String {
    // `hex` (mixed) rather than `mac` (plain FNV), so that instances of one lab differ visibly.
    let random = u32::from_str_radix(&ids::hex(&[lab, "docker0", instance], 8), 16).unwrap_or(0).to_be_bytes();
    ids::mac_str(&[0x02, 0x42, random[0], random[1], random[2], random[3]])
}

/// Whether the instance uses ENI trunking: asked for, on a type that supports it.
fn trunked(inst: &scenario::Instance) -> bool {
    inst.eni_trunking && inst.eni_limits().1 > 0
}

/// How many awsvpc tasks the instance takes: `maxEnis` minus the primary ENI when given, else
/// the trunking limit of its type when trunking is on, else its type's ENIs minus the primary
/// (2 for a type the table does not know).
fn max_task_enis(inst: &scenario::Instance) -> u32 {
    if let Some(n) = inst.max_enis {
        return n.saturating_sub(1);
    }
    match scenario::instance_types::eni_limits(&inst.instance_type.value) {
        Some((_, trunk)) if inst.eni_trunking && trunk > 0 => trunk,
        Some((enis, _)) => enis.saturating_sub(1),
        None => 2,
    }
}

/// The `ecs-agent` container of an instance; it runs in the instance namespace (its `ns` is
/// left empty: views use the instance's).
fn agent(lab: &str, instance: &str) -> Container {
    Container {
        name: "ecs-agent".into(),
        docker_name: "ecs-agent".into(),
        docker_id: ids::hex(&[lab, "agent", instance], 64),
        image: AGENT_IMAGE.into(),
        // ecs-init runs the image's entrypoint with no arguments.
        entrypoint: vec!["/agent".into()],
        ..Container::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Loc, Located};

    fn instance(instance_type: &str, max_enis: Option<u32>, eni_trunking: bool) -> scenario::Instance {
        scenario::Instance {
            name: Located::bare("i".into()),
            subnet: Located::bare("a".into()),
            private_ip: None,
            public_ip: false,
            elastic_ip: None,
            security_groups: None,
            instance_type: Located::bare(instance_type.into()),
            max_enis,
            eni_trunking,
            iam_instance_profile: Located::bare("ecsInstanceRole".into()),
            metadata_options: Default::default(),
            ecs_agent: Default::default(),
            block_imds_from_bridge: false,
            loc: Loc::none(),
        }
    }

    #[test]
    fn max_task_enis_leaves_out_the_primary_eni() {
        // c5.large: 3 ENIs, 10 awsvpc tasks with trunking; t3.micro: 2 ENIs, no trunking.
        assert_eq!(max_task_enis(&instance("c5.large", None, false)), 2);
        assert_eq!(max_task_enis(&instance("c5.large", None, true)), 10);
        assert_eq!(max_task_enis(&instance("t3.micro", None, true)), 1, "trunking unsupported: ENIs count");
        assert_eq!(max_task_enis(&instance("c5.large", Some(2), true)), 1, "maxEnis wins over the table");
        assert_eq!(max_task_enis(&instance("c5.large", Some(0), false)), 0);
        assert_eq!(max_task_enis(&instance("x9.unknown", None, false)), 2);
    }

    #[test]
    fn a_trunk_eni_only_where_trunking_is_on_and_supported() {
        assert!(trunked(&instance("c5.large", None, true)));
        assert!(!trunked(&instance("c5.large", None, false)));
        assert!(!trunked(&instance("t3.micro", Some(3), true)), "t3: no trunking");
        assert!(!trunked(&instance("x9.unknown", None, true)));
        let t = TrunkEni::new("lab", "i");
        assert!(t.id.starts_with(&t.router_link) && t.router_link.len() <= 15, "{t:?}");
        assert!(t.mac.starts_with("0e:"), "{t:?}");
    }

    #[test]
    fn docker0_has_dockers_mac_prefix() {
        let (a, b) = (docker0_mac("lab", "a"), docker0_mac("lab", "b"));
        assert!(a.starts_with("02:42:") && b.starts_with("02:42:"), "{a} {b}");
        assert_ne!(a, b);
        assert_eq!(a, docker0_mac("lab", "a"), "the same lab gets the same");
    }
}
