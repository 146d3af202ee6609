//! What every kind that puts an ENI into the VPC needs while the model is built: the subnets,
//! the address pools and the ENIs so far. Instances, NAT gateways and awsvpc tasks use it; so
//! will every later kind with an ENI (endpoints, load balancer nodes).

use super::address_pool::AddressPools;
use super::eni::Eni;
use super::error::{ModelError, ModelErrorKind};
use super::subnet::Subnet;
use crate::scenario::Loc;
use std::net::Ipv4Addr;

pub(super) struct Fabric<'a> {
    pub lab: &'a str,
    /// The VPC's DNS server (its CIDR's base + 2), which every instance's resolv.conf names.
    pub vpc_dns: Ipv4Addr,
    pub subnets: &'a [Subnet],
    pub pools: AddressPools,
    pub enis: Vec<Eni>,
}

impl Fabric<'_> {
    /// The next free address of subnet `si`; a full subnet is a model error at `at`.
    pub fn private_ip(&mut self, si: usize, at: &Loc) -> Result<Ipv4Addr, ModelError> {
        self.pools.private_ip(si).ok_or_else(|| ModelErrorKind::SubnetFull(self.subnets[si].name.clone()).at(at))
    }

    /// The next free public IP; an exhausted pool is a model error at `at`.
    pub fn public_ip(&mut self, at: &Loc) -> Result<Ipv4Addr, ModelError> {
        self.pools.public_ip().ok_or_else(|| ModelErrorKind::PublicIpPoolExhausted.at(at))
    }

    /// Attach `eni` to the lab: its index in `Lab::enis`.
    pub fn attach(&mut self, eni: Eni) -> usize {
        self.enis.push(eni);
        self.enis.len() - 1
    }
}
