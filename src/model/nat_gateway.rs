//! NAT gateways: an ENI in their (public) subnet and an Elastic IP, each in a namespace of its
//! own.

use super::eni::{Eni, EniOwner};
use super::error::ModelError;
use super::fabric::Fabric;
use super::ids;
use super::subnet;
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
pub(super) fn resolve_all(s: &Scenario, fabric: &mut Fabric) -> Result<Vec<NatGateway>, ModelError> {
    s.vpc.nat_gateways.iter().enumerate().map(|(ni, n)| resolve(fabric, ni, n)).collect()
}

fn resolve(fabric: &mut Fabric, ni: usize, n: &scenario::NatGateway) -> Result<NatGateway, ModelError> {
    let lab = fabric.lab;
    let si = subnet::find(fabric.subnets, &n.subnet)?;
    let ip = fabric.private_ip(si, &n.name.loc)?;
    let eip = match &n.elastic_ip {
        Some(e) => e.value,
        None => fabric.public_ip(&n.name.loc)?,
    };
    let name = &n.name.value;
    let ns = ids::ns_name(lab, "nat", name);
    let eni = Eni::new(lab, &Node::nat(name), EniOwner::Nat(ni), ns.clone(), ip, si);
    let eni = fabric.attach(Eni { public_ip: Some(eip), ..eni });
    Ok(NatGateway { name: name.clone(), id: format!("nat-{}", ids::hex(&[lab, "nat", name], 17)), ns, eni, eip })
}
