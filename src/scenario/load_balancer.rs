//! `loadBalancers`: ELBv2 load balancers (CreateLoadBalancer). An application load balancer
//! has a node in each of its subnets (one subnet per availability zone, at least two zones),
//! with its security groups (the VPC's `default` when none), public addresses when it is
//! internet-facing, and listeners (`listener.rs`) that forward to target groups
//! (`target_group.rs`). A network load balancer (`type: network`) has the same nodes, with no
//! security group unless it names some (then nothing filters at its nodes), TCP, UDP and
//! TCP_UDP listeners forwarding to one target group each, and cross-zone load balancing off
//! unless `load_balancing.cross_zone.enabled` turns it on (network-load-balancers.html).

use super::builder::{Builder, MAX_OBJECTS};
use super::fields::{Shape, Table, def, opt, req};
use super::listener::{self, Listener};
use super::located::Located;
use super::reference::{self, Declared, LOAD_BALANCER, SECURITY_GROUP, SUBNET, Seen};
use super::subnet::Subnet;
use super::target_group::{TargetGroup, elb_name};
use super::walk::*;
use crate::i18n::tr;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scheme {
    InternetFacing,
    Internal,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::InternetFacing => "internet-facing",
            Scheme::Internal => "internal",
        }
    }
}

/// ELBv2's `Type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum LbType {
    #[default]
    Application,
    Network,
}

impl LbType {
    pub fn as_str(self) -> &'static str {
        match self {
            LbType::Application => "application",
            LbType::Network => "network",
        }
    }
    /// How a node reads: `alb/NAME`, `nlb/NAME`.
    pub fn prefix(self) -> &'static str {
        match self {
            LbType::Application => "alb",
            LbType::Network => "nlb",
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LoadBalancer {
    pub name: Located<String>,
    #[serde(default)]
    pub lb_type: LbType,
    /// `load_balancing.cross_zone.enabled`: always on for an application load balancer, off by
    /// default for a network one.
    #[serde(default)]
    pub cross_zone: bool,
    pub scheme: Scheme,
    /// One per availability zone, in file order.
    pub subnets: Vec<Located<String>>,
    /// None: the VPC's default group (application), no group at all (network).
    pub security_groups: Option<Vec<Located<String>>>,
    pub listeners: Vec<Listener>,
}

pub(crate) static TABLE: Table = Table {
    id: "loadBalancer",
    doc: "An ELBv2 load balancer (CreateLoadBalancer): an application or network load balancer's nodes, security groups and listeners.",
    strict: true,
    rules: &[],
    fields: &[
        req(
            "name",
            Shape::Name,
            "The load balancer's name (at most 32 characters), used as `alb/NAME` (application) or `nlb/NAME` (network).",
        ),
        def(
            "type",
            Shape::Enum(&["application", "network"]),
            "\"application\"",
            "`application` (HTTP, HTTPS: a proxy) or `network` (TCP, UDP, TCP_UDP: flows forwarded as they are).",
        ),
        def(
            "scheme",
            Shape::Enum(&["internet-facing", "internal"]),
            "\"internet-facing\"",
            "internet-facing: public node addresses behind the internet gateway; internal: private ones only.",
        ),
        req("subnets", Shape::List(&Shape::Name), "Its subnets: one per availability zone, at least two zones."),
        opt(
            "securityGroups",
            Shape::List(&Shape::Name),
            "Its nodes' security groups (default: the VPC's `default` for an application load balancer; none for a network one, whose nodes then filter nothing).",
        ),
        opt("attributes", Shape::Block(&ATTRIBUTES), "Load balancer attributes (ModifyLoadBalancerAttributes)."),
        opt("listeners", Shape::List(&Shape::Block(&listener::LISTENER)), "Its listeners."),
        opt("ipAddressType", Shape::Enum(&["ipv4"]), "`ipv4` only."),
    ],
};

pub(crate) static ATTRIBUTES: Table = Table {
    id: "loadBalancerAttributes",
    doc: "A load balancer's attributes, with ELBv2's keys.",
    strict: true,
    rules: &[],
    fields: &[def(
        "load_balancing.cross_zone.enabled",
        Shape::Bool,
        "false",
        "A network load balancer's nodes use the targets of every enabled zone (off: only their own zone's).",
    )],
};

pub(crate) fn parse_all(b: &mut Builder, v: &Value<'_>, region: &str) -> Vec<LoadBalancer> {
    let items = b.cx.items(v, MAX_OBJECTS).unwrap_or_default();
    let mut uniq = UniqueNames::default();
    items.iter().filter_map(|it| parse(b, it, region, &mut uniq)).collect()
}

fn parse(b: &mut Builder, v: &Value<'_>, region: &str, uniq: &mut UniqueNames) -> Option<LoadBalancer> {
    let m = b.cx.entry_map(v, "a load balancer", "{ name: web, subnets: [public-a, public-c] }")?;
    let m = Block { what: "a load balancer".to_string(), ..m };
    m.strict(&mut b.cx, &TABLE);
    let name = b.object_name(&m, LOAD_BALANCER, "web", uniq);
    let subnets = m.req(&mut b.cx, "subnets", "[public-a, public-c]").and_then(|v| b.ref_list(&v, SUBNET, 200));
    let security_groups = m.get("securityGroups").and_then(|v| b.ref_list(&v, SECURITY_GROUP, 5));
    let cx = &mut b.cx;
    let name = name.filter(|n| elb_name(cx, n, "load balancer"));
    let network =
        m.get("type").and_then(|v| cx.choice(&v, &["application", "network"])).is_some_and(|t| t.value == "network");
    let lb_type = if network { LbType::Network } else { LbType::Application };
    let cross_zone = match m.get("attributes") {
        Some(av) => cross_zone(cx, &av, network)?,
        None => !network,
    };
    let scheme = match m.get("scheme").and_then(|v| cx.choice(&v, &["internet-facing", "internal"])) {
        Some(s) if s.value == "internal" => Scheme::Internal,
        _ => Scheme::InternetFacing,
    };
    if let Some(t) = m.get("ipAddressType") {
        cx.choice(&t, &["ipv4"]);
    }
    let listeners = match m.get("listeners") {
        Some(lv) => listener::listeners(cx, &lv, region, network),
        None => Some(vec![]),
    };
    Some(LoadBalancer {
        name: name?,
        lb_type,
        cross_zone,
        scheme,
        subnets: subnets?,
        security_groups,
        listeners: listeners?,
    })
}

/// `attributes: { load_balancing.cross_zone.enabled: true }`: always on for an application
/// load balancer (ELBv2 refuses to turn it off there).
fn cross_zone(cx: &mut Reader, v: &Value<'_>, network: bool) -> Option<bool> {
    let m = cx.map(v, "the load balancer's attributes")?;
    let m = Block { what: "attributes".to_string(), ..m };
    m.strict(cx, &ATTRIBUTES);
    let Some(cv) = m.get("load_balancing.cross_zone.enabled") else { return Some(!network) };
    let on = cx.boolean(&cv)?;
    if !network && !on.value {
        cx.err(
            &on.loc,
            tr!(
                "elb-alb-cross-zone",
                "ValidationError: Cross-zone load balancing cannot be disabled for Application Load Balancers"
            ),
            tr!("elb-alb-cross-zone-help", "switch it per target group, or leave it on"),
        );
        return None;
    }
    Some(on.value)
}

/// References exist; two availability zones at least, one subnet each; a target group is
/// used by one load balancer only; the VPC has an internet gateway for an internet-facing one.
pub(crate) fn check(cx: &mut Reader, lbs: &[LoadBalancer], groups: &[TargetGroup], vpc: Context<'_>, seen: &Seen) {
    let group_names: Vec<&str> = groups.iter().map(|g| g.name.value.as_str()).collect();
    for lb in lbs {
        for s in &lb.subnets {
            reference::reference(cx, s, SUBNET, &vpc.declared.subnets, seen);
        }
        for g in lb.security_groups.iter().flatten() {
            reference::reference(cx, g, SECURITY_GROUP, &vpc.declared.security_groups, seen);
        }
        for l in &lb.listeners {
            for a in l.all_actions() {
                for g in a.target_groups() {
                    reference::reference(cx, g, reference::TARGET_GROUP, &group_names, seen);
                    if let Some(tg) = groups.iter().find(|t| t.name.value == g.value) {
                        compatible(cx, l, g, tg);
                    }
                }
            }
        }
        zones(cx, lb, vpc.subnets);
        if lb.scheme == Scheme::InternetFacing && !vpc.internet_gateway {
            cx.err(
                &lb.name.loc,
                tr!("elb-no-igw", "InvalidSubnet: VPC has no internet gateway",),
                tr!("elb-no-igw-help", "set `internetGateway: true` on the vpc, or `scheme: internal`"),
            );
        }
    }
    one_load_balancer_per_group(cx, lbs);
}

/// A listener forwards only to a target group whose protocol it can carry (ELBv2's
/// IncompatibleProtocols: a TCP group behind an HTTP listener, an HTTP group behind a TCP one).
fn compatible(cx: &mut Reader, l: &Listener, g: &Located<String>, tg: &TargetGroup) {
    if l.protocol.forwards_to(tg.protocol) {
        return;
    }
    cx.err(
        &g.loc,
        tr!(
            "elb-incompatible-protocols",
            "IncompatibleProtocols: The target group '{ $group }' protocol '{ $group_protocol }' is incompatible with the listener protocol '{ $protocol }'",
            group = g.value.as_str(),
            group_protocol = tg.protocol.as_str(),
            protocol = l.protocol.as_str()
        ),
        tr!(
            "elb-incompatible-protocols-help",
            "TCP and UDP listeners forward to TCP, UDP or TCP_UDP groups (a network load balancer's); HTTP and HTTPS listeners to HTTP or HTTPS groups"
        ),
    );
}

/// What `check` needs of the VPC.
pub(crate) struct Context<'a> {
    pub declared: &'a Declared<'a>,
    pub subnets: &'a [Subnet],
    pub internet_gateway: bool,
}

fn zones(cx: &mut Reader, lb: &LoadBalancer, subnets: &[Subnet]) {
    let mut zones: Vec<&str> = vec![];
    for s in &lb.subnets {
        let Some(sn) = subnets.iter().find(|x| x.name.value == s.value) else { return };
        let az = sn.availability_zone.value.as_str();
        if zones.contains(&az) {
            cx.err(
                &s.loc,
                tr!(
                    "elb-same-zone",
                    "InvalidConfigurationRequest: A load balancer cannot be attached to multiple subnets in the same Availability Zone"
                ),
                tr!("elb-same-zone-help", "keep one subnet per availability zone ({ $az } is listed twice)", az = az),
            );
        }
        zones.push(az);
    }
    zones.dedup();
    if zones.len() < 2 {
        cx.err(
            &lb.name.loc,
            tr!(
                "elb-two-zones",
                "ValidationError: At least two subnets in two different Availability Zones must be specified"
            ),
            tr!("elb-two-zones-help", "list a subnet of a second availability zone in `subnets`"),
        );
    }
}

/// ELB: "TargetGroupAssociationLimit: The following target groups cannot be associated with
/// more than one load balancer".
fn one_load_balancer_per_group(cx: &mut Reader, lbs: &[LoadBalancer]) {
    let mut owner: Vec<(&str, &str)> = vec![];
    for lb in lbs {
        for l in &lb.listeners {
            for g in l.all_actions().flat_map(|a| a.target_groups()) {
                match owner.iter().find(|(tg, _)| *tg == g.value) {
                    Some((_, other)) if *other != lb.name.value => cx.err(
                        &g.loc,
                        tr!(
                            "elb-group-two-lbs",
                            "TargetGroupAssociationLimit: The following target groups cannot be associated with more than one load balancer: { $group }",
                            group = g.value.as_str()
                        ),
                        tr!(
                            "elb-group-two-lbs-help",
                            "the load balancer `{ $other }` already uses it: give each load balancer its own target group",
                            other = *other
                        ),
                    ),
                    Some(_) => {}
                    None => owner.push((&g.value, &lb.name.value)),
                }
            }
        }
    }
}
