//! Subnets: a CIDR block inside the VPC, an availability zone, and the route table they use.

use super::builder::{Builder, MAX_OBJECTS};
use super::fields::{Shape, Table, opt, req};
use super::located::Located;
use super::reference::{self, Declared, ROUTE_TABLE, SUBNET, Seen};
use super::walk::*;
use crate::i18n::tr;
use ipnetwork::Ipv4Network;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Subnet {
    pub name: Located<String>,
    pub cidr: Located<Ipv4Network>,
    pub availability_zone: Located<String>,
    /// None: the main route table.
    pub route_table: Option<Located<String>>,
}

pub(crate) static TABLE: Table = Table {
    id: "subnet",
    doc: "A subnet of the VPC.",
    strict: true,
    rules: &[],
    fields: &[
        req("name", Shape::Name, "The subnet's name, used by instances, tasks, NAT gateways and network ACLs."),
        req(
            "cidr",
            Shape::Cidr,
            "The subnet's CIDR block: inside the VPC's, /16 to /28, not overlapping another subnet.",
        ),
        opt(
            "availabilityZone",
            Shape::Text,
            "The availability zone: the region's name and a letter (default: the region's `a` zone).",
        ),
        opt(
            "routeTable",
            Shape::Name,
            "The route table of the subnet (default: the main route table, local routes only).",
        ),
    ],
};

/// The `subnets` list; a subnet overlapping an earlier one is an error at the later one.
pub(crate) fn parse_all(
    b: &mut Builder,
    v: &Value<'_>,
    region: &str,
    vpc: Option<&Located<Ipv4Network>>,
) -> Vec<Subnet> {
    let mut uniq = UniqueNames::default();
    let subnets = b.each(v, MAX_OBJECTS, |b, it| parse(b, it, region, vpc, &mut uniq));
    for (i, s) in subnets.iter().enumerate() {
        if let Some(earlier) = subnets[..i].iter().find(|e| e.cidr.value.overlaps(s.cidr.value)) {
            b.cx.err(
                &s.cidr.loc,
                format!(
                    "The CIDR '{}' conflicts with another subnet{}",
                    s.cidr.value,
                    tr!(
                        "subnet-overlaps",
                        ": it overlaps subnet `{ $name }` ({ $cidr }, line { $line })",
                        name = earlier.name.value,
                        cidr = earlier.cidr.value,
                        line = earlier.cidr.loc.line
                    )
                ),
                tr!("subnet-overlaps-help", "subnets of a VPC must not overlap; pick a free block"),
            );
        }
    }
    subnets
}

fn parse(
    b: &mut Builder,
    v: &Value<'_>,
    region: &str,
    vpc: Option<&Located<Ipv4Network>>,
    uniq: &mut UniqueNames,
) -> Option<Subnet> {
    let m = b.cx.entry_map(v, "a subnet", "{ name: public-a, cidr: 10.0.0.0/24 }")?;
    m.strict(&mut b.cx, &TABLE);
    let name = b.object_name(&m, SUBNET, "public-a", uniq);
    let cx = &mut b.cx;
    let cidr = m.req(cx, "cidr", "10.0.1.0/24").and_then(|v| cx.cidr(&v)).and_then(|c| subnet_cidr(cx, c, vpc));
    let az = match m.get("availabilityZone") {
        Some(v) => availability_zone(cx, &v, region)?,
        None => Located::bare(format!("{region}a")),
    };
    let route_table = match m.get("routeTable") {
        Some(v) => Some(b.ref_name(&v, ROUTE_TABLE)?),
        None => None,
    };
    Some(Subnet { name: name?, cidr: cidr?, availability_zone: az, route_table })
}

/// /16 to /28 and inside the VPC, as AWS requires.
fn subnet_cidr(
    cx: &mut Reader,
    c: Located<Ipv4Network>,
    vpc: Option<&Located<Ipv4Network>>,
) -> Option<Located<Ipv4Network>> {
    if !(16..=28).contains(&c.value.prefix()) {
        cx.err(
            &c.loc,
            tr!(
                "subnet-cidr-size",
                "the subnet CIDR block { $cidr } is invalid: the netmask must be between /16 and /28, as in AWS",
                cidr = c.value
            ),
            tr!("subnet-cidr-size-help", "use a block like 10.0.1.0/24"),
        );
        return None;
    }
    if let Some(vc) = vpc {
        if !c.value.is_subnet_of(vc.value) {
            cx.err(
                &c.loc,
                tr!(
                    "subnet-outside-vpc",
                    "the subnet CIDR block { $cidr } is not inside the VPC CIDR block { $vpc }",
                    cidr = c.value,
                    vpc = vc.value
                ),
                tr!("subnet-outside-vpc-help", "pick a block inside { $vpc }", vpc = vc.value),
            );
            return None;
        }
    }
    Some(c)
}

/// A zone of the scenario's region: the region's name and one letter.
fn availability_zone(cx: &mut Reader, v: &Value<'_>, region: &str) -> Option<Located<String>> {
    let s = cx.string(v)?;
    let ok = s.value.len() == region.len() + 1
        && s.value.starts_with(region)
        && s.value.chars().last().is_some_and(|c| c.is_ascii_lowercase());
    if !ok {
        cx.err(
            &s.loc,
            tr!(
                "subnet-az-region",
                "availability zone `{ $az }` is not in region `{ $region }`",
                az = short(&s.value),
                region = region
            ),
            tr!(
                "subnet-az-region-help",
                "write `{ $region }a`, `{ $region }b`, ... (or change `region` at the top)",
                region = region
            ),
        );
        return None;
    }
    Some(s)
}

/// Each subnet's route table is declared (`main` is the implicit one, not named in the file).
pub(crate) fn check(cx: &mut Reader, subnets: &[Subnet], declared: &Declared<'_>, seen: &Seen) {
    for s in subnets {
        if let Some(rt) = &s.route_table {
            if rt.value == "main" && !declared.route_tables.contains(&"main") {
                cx.err(
                    &rt.loc,
                    tr!("subnet-unknown-main", "unknown route table `main`"),
                    tr!(
                        "subnet-unknown-main-help",
                        "omit `routeTable` to use the VPC's main route table (local routes only)"
                    ),
                );
            } else {
                reference::reference(cx, rt, ROUTE_TABLE, &declared.route_tables, seen);
            }
        }
    }
}

impl super::Scenario {
    pub fn subnet(&self, name: &str) -> Option<&Subnet> {
        self.vpc.subnets.iter().find(|s| s.name.value == name)
    }
}
