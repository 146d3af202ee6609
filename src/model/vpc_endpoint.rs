//! VPC endpoints (AWS-SERVICES §2). An interface endpoint has one requester-managed ENI per
//! chosen subnet, each in a namespace of its own where the front doors answer the service on
//! 443/tcp, with the endpoint's security groups (the VPC's default when none); its `vpce-…`
//! names always resolve to those ENIs, and with private DNS (and both DNS attributes on) so do
//! the service's public names, inside the VPC only. A gateway endpoint has no ENI: a route to
//! the service's prefix list in the chosen route tables. ENIs are allocated after every task's,
//! so an endpoint added to a scenario moves no other address.

use super::eni::{Eni, EniOwner};
use super::error::ModelError;
use super::fabric::Fabric;
use super::{ids, subnet};
use crate::scenario::aws_service::AwsService;
use crate::scenario::vpc_endpoint::EndpointType;
use crate::scenario::{Node, Scenario};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VpcEndpoint {
    pub name: String,
    /// `vpce-` + 17 hex.
    pub id: String,
    pub service: AwsService,
    pub kind: EndpointType,
    /// Interface: its ENIs (indexes into `Lab::enis`), one per subnet.
    pub enis: Vec<usize>,
    /// Interface: `privateDnsEnabled` as written (it applies only with both DNS attributes on).
    pub private_dns: bool,
    /// Interface: its regional `vpce-…` name, then one per availability zone (with the ENI's
    /// index), as DescribeVpcEndpoints lists `DnsEntries`.
    pub dns_names: Vec<(String, Option<usize>)>,
    /// Gateway: the route tables with its route.
    pub route_tables: Vec<String>,
    /// The endpoint policy as written; None: the default (allow all).
    pub policy: Option<String>,
    /// Gateway: the namespace where the service answers the endpoint's traffic, and the
    /// number of its link to the VPC router (its transit addresses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<(String, u8)>,
}

/// The transit /30 of gateway endpoint link `k`: (router's address, the endpoint's).
pub fn gateway_link(k: u8) -> (std::net::Ipv4Addr, std::net::Ipv4Addr) {
    let base = 4 * u32::from(k);
    let a = |i: u32| std::net::Ipv4Addr::new(169, 254, 254, (base + i) as u8);
    (a(1), a(2))
}

impl VpcEndpoint {
    /// `pl-` + 8 hex: the prefix list of a gateway endpoint's service in the region.
    pub fn prefix_list_id(&self, region: &str) -> String {
        format!("pl-{}", ids::hex(&[region, "prefix-list", self.service.id()], 8))
    }
}

pub(super) fn resolve_all(s: &Scenario, fabric: &mut Fabric) -> Result<Vec<VpcEndpoint>, ModelError> {
    let mut out = vec![];
    for (ei, e) in s.vpc.vpc_endpoints.iter().enumerate() {
        let lab = fabric.lab;
        let name = e.name.value.clone();
        let id = match &e.id {
            Some(id) => id.value.clone(),
            None => format!("vpce-{}", ids::hex(&[lab, "vpce", &name], 17)),
        };
        let groups: Vec<String> = match &e.security_groups {
            Some(g) => g.iter().map(|x| x.value.clone()).collect(),
            None => vec!["default".to_string()],
        };
        let mut enis = vec![];
        let mut dns_names = vec![];
        let sfx = ids::hex(&[lab, "vpce-dns", &name], 8);
        let label = e.service.value.vpce_label();
        let region = &s.region;
        if e.kind == EndpointType::Interface {
            dns_names.push((format!("{id}-{sfx}.{label}.{region}.vpce.amazonaws.com"), None));
            for sn in &e.subnets {
                let si = subnet::find(fabric.subnets, sn)?;
                let ip = fabric.private_ip(si, &sn.loc)?;
                let az = fabric.subnets[si].az.clone();
                let ns = ids::ns_name(lab, "vpce", &format!("{name}.{az}"));
                let node = Node::Endpoint(format!("{name}/{az}"));
                let mut eni = Eni::new(lab, &node, EniOwner::Endpoint(ei), ns, ip, si);
                eni.security_groups = groups.clone();
                let k = fabric.attach(eni);
                dns_names.push((format!("{id}-{sfx}-{az}.{label}.{region}.vpce.amazonaws.com"), Some(k)));
                enis.push(k);
            }
        }
        let gateway = (e.kind == EndpointType::Gateway).then(|| {
            let k = s.vpc.vpc_endpoints[..ei].iter().filter(|x| x.kind == EndpointType::Gateway).count();
            (ids::ns_name(lab, "vpce", &name), k.min(63) as u8)
        });
        out.push(VpcEndpoint {
            gateway,
            name,
            id,
            service: e.service.value,
            kind: e.kind,
            enis,
            private_dns: e.private_dns_enabled,
            dns_names,
            route_tables: e.route_tables.iter().map(|r| r.value.clone()).collect(),
            policy: e.policy.clone(),
        });
    }
    Ok(out)
}
