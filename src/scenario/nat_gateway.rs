//! Public NAT gateways: one in a (public) subnet, with an Elastic IP; the VPC needs an
//! internet gateway for them, as AWS requires.

use super::builder::{Builder, MAX_OBJECTS};
use super::fields::{Shape, Table, opt, req};
use super::located::Located;
use super::reference::{self, Declared, NAT_GATEWAY, SUBNET, Seen};
use super::walk::*;
use crate::i18n::tr;
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NatGateway {
    pub name: Located<String>,
    pub subnet: Located<String>,
    /// None: one is allocated from the public IP pool.
    pub elastic_ip: Option<Located<Ipv4Addr>>,
}

pub(crate) static TABLE: Table = Table {
    id: "natGateway",
    doc: "A public NAT gateway.",
    strict: true,
    rules: &[],
    fields: &[
        req("name", Shape::Name, "The NAT gateway's name, used by routes (`natGateway: NAME`) and as `nat/NAME`."),
        req("subnet", Shape::Name, "The (public) subnet the NAT gateway stands in."),
        opt("elasticIp", Shape::Ipv4, "Its Elastic IP (default: the next free address of the VPC's publicIpPool)."),
    ],
};

/// The `natGateways` list; the first one in a VPC without an internet gateway is an error.
pub(crate) fn parse_all(b: &mut Builder, v: &Value<'_>, igw: bool) -> Vec<NatGateway> {
    let items = b.cx.items(v, MAX_OBJECTS).unwrap_or_default();
    let mut uniq = UniqueNames::default();
    let mut igw_reported = false;
    let mut out = Vec::new();
    for it in items {
        let Some(n) = parse(b, &it, &mut uniq) else { continue };
        if !igw && !igw_reported {
            igw_reported = true;
            let loc = b.cx.loc(it.node);
            b.cx.err(
                &loc,
                tr!(
                    "nat-needs-igw",
                    "a NAT gateway needs an internet gateway: AWS refuses to create a public NAT gateway in a VPC without one"
                ),
                tr!("vpc-set-igw", "set `internetGateway: true` in the vpc block"),
            );
        }
        out.push(n);
    }
    out
}

fn parse(b: &mut Builder, v: &Value<'_>, uniq: &mut UniqueNames) -> Option<NatGateway> {
    let m = b.cx.entry_map(v, "a NAT gateway", "{ name: nat-a, subnet: public-a }")?;
    m.strict(&mut b.cx, &TABLE);
    let name = b.object_name(&m, NAT_GATEWAY, "nat-a", uniq);
    let subnet = m.req(&mut b.cx, "subnet", "public-a").and_then(|v| b.ref_name(&v, SUBNET));
    let elastic_ip = match m.get("elasticIp") {
        Some(v) => Some(b.cx.ipv4(&v)?),
        None => None,
    };
    Some(NatGateway { name: name?, subnet: subnet?, elastic_ip })
}

/// Every NAT gateway's subnet is declared.
pub(crate) fn check(cx: &mut Reader, nat_gateways: &[NatGateway], declared: &Declared<'_>, seen: &Seen) {
    for n in nat_gateways {
        reference::reference(cx, &n.subnet, SUBNET, &declared.subnets, seen);
    }
}

impl super::Scenario {
    pub fn nat_gateway(&self, name: &str) -> Option<&NatGateway> {
        self.vpc.nat_gateways.iter().find(|s| s.name.value == name)
    }
}
