//! NAT gateways: an ENI in their (public) subnet and an Elastic IP, each in a namespace of its
//! own.

use super::address_pool::AddressPools;
use super::eni::{self, Eni, EniOwner};
use super::error::{ModelError, ModelErrorKind};
use super::ids;
use super::subnet::{self, Subnet};
use crate::scenario::{self, Node, Scenario};
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NatGateway {
    pub name: String,
    pub id: String,
    pub ns: String,
    pub eni: usize,
    pub eip: Ipv4Addr,
}

/// Every NAT gateway in file order, each with its ENI attached to `enis`.
pub(super) fn resolve_all(
    lab: &str,
    s: &Scenario,
    subnets: &[Subnet],
    pools: &mut AddressPools,
    enis: &mut Vec<Eni>,
) -> Result<Vec<NatGateway>, ModelError> {
    s.vpc.nat_gateways.iter().enumerate().map(|(ni, n)| resolve(lab, ni, n, subnets, pools, enis)).collect()
}

fn resolve(
    lab: &str,
    ni: usize,
    n: &scenario::NatGateway,
    subnets: &[Subnet],
    pools: &mut AddressPools,
    enis: &mut Vec<Eni>,
) -> Result<NatGateway, ModelError> {
    let si = subnet::find(subnets, &n.subnet)?;
    let ip =
        pools.private_ip(si).ok_or_else(|| ModelErrorKind::SubnetFull(subnets[si].name.clone()).at(&n.name.loc))?;
    let eip = match &n.elastic_ip {
        Some(e) => e.value,
        None => pools.public_ip().ok_or_else(|| ModelErrorKind::PublicIpPoolExhausted.at(&n.name.loc))?,
    };
    let name = &n.name.value;
    let ns = ids::ns_name(lab, "nat", name);
    let eni = Eni::new(lab, &Node::nat(name), EniOwner::Nat(ni), ns.clone(), ip, si);
    let eni = eni::attach(enis, Eni { public_ip: Some(eip), ..eni });
    Ok(NatGateway { name: name.clone(), id: format!("nat-{}", ids::hex(&[lab, "nat", name], 17)), ns, eni, eip })
}
