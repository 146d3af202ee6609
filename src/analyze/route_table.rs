//! Route tables: the VPC's implicit local route first, then the longest matching prefix of the
//! subnet's table; and the route-table step of a packet leaving an ENI.

use super::Reason;
use super::walk::{Blocked, Walk, eni_name};
use crate::model::Lab;
use crate::scenario::RouteTarget;
use ipnetwork::Ipv4Network;
use std::net::Ipv4Addr;

/// Where a subnet's route table sends a destination.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NextHop {
    /// Inside the VPC: the ENI holding the address, if any.
    Local(Option<usize>),
    InternetGateway,
    Nat(usize),
    /// A gateway endpoint (its index in `Lab::endpoints`).
    GatewayEndpoint(usize),
    /// No route, or a route whose target is gone: dropped silently.
    Blackhole,
}

/// Route lookup for traffic leaving subnet `subnet` towards `dst`: the VPC's local route
/// first, then the longest matching prefix of the subnet's table. Returns the route that
/// decided (None for no match).
pub fn lookup(lab: &Lab, subnet: usize, dst: Ipv4Addr) -> (NextHop, Option<Ipv4Network>) {
    if lab.vpc.cidr.contains(dst) {
        return (NextHop::Local(lab.enis.iter().position(|e| !e.released && e.ip == dst)), Some(lab.vpc.cidr));
    }
    let Some(sn) = lab.vpc.subnets.get(subnet) else { return (NextHop::Blackhole, None) };
    let rt = &lab.vpc.route_tables[sn.route_table];
    let best = rt.routes.iter().filter(|(net, _)| net.contains(dst)).max_by_key(|(net, _)| net.prefix());
    match best {
        None => (NextHop::Blackhole, None),
        Some((net, RouteTarget::InternetGateway)) if lab.vpc.igw_ns.is_some() => (NextHop::InternetGateway, Some(*net)),
        Some((net, RouteTarget::NatGateway(n))) => match lab.nats.iter().position(|x| x.name == *n) {
            Some(i) => (NextHop::Nat(i), Some(*net)),
            None => (NextHop::Blackhole, Some(*net)),
        },
        Some((net, RouteTarget::VpcEndpoint(n))) => match lab.endpoints.iter().position(|x| x.name == *n) {
            Some(i) => (NextHop::GatewayEndpoint(i), Some(*net)),
            None => (NextHop::Blackhole, Some(*net)),
        },
        Some((net, _)) => (NextHop::Blackhole, Some(*net)),
    }
}

/// Where a route table forwards a packet it does not drop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Forward {
    /// The ENI holding the destination address.
    Eni(usize),
    InternetGateway,
    NatGateway(usize),
    GatewayEndpoint(usize),
}

/// The route table of subnet `subnet` on the packet `src -> dst` leaving it: the step that
/// records the route that decided, and where the packet goes, or why it is dropped.
pub fn forward(w: &mut Walk, subnet: usize, src: Ipv4Addr, dst: Ipv4Addr) -> Result<Forward, Blocked> {
    let lab = w.lab;
    if dst.is_link_local() {
        // AWS answers 169.254.169.254 and 169.254.169.253 at the ENI itself and routes nothing
        // else of 169.254.0.0/16 out of a subnet.
        w.step("VPC", "169.254.0.0/16 is link-local: not routed, dropped", src, dst);
        return Err(Blocked::timeout(Reason::NoRouteToDestination, "the VPC does not route link-local addresses"));
    }
    let (hop, by) = lookup(lab, subnet, dst);
    let rt = &lab.vpc.route_tables[lab.vpc.subnets[subnet].route_table].name;
    let by = by.map(|n| n.to_string()).unwrap_or_else(|| "no route".into());
    let (decision, forward) = match hop {
        NextHop::Local(Some(eni)) => (format!("{by} local -> {}", eni_name(lab, eni)), Ok(Forward::Eni(eni))),
        NextHop::Local(None) => (
            format!("{by} local: no ENI has {dst}"),
            Err(Blocked::timeout(Reason::NoRouteToDestination, format!("no ENI in the VPC has {dst}"))),
        ),
        NextHop::Blackhole => (
            format!("{by}: dropped"),
            Err(Blocked::timeout(Reason::NoRouteToDestination, format!("route table {rt} has no route to {dst}"))),
        ),
        NextHop::InternetGateway => (format!("{by} -> internet gateway"), Ok(Forward::InternetGateway)),
        NextHop::Nat(ni) => (format!("{by} -> nat/{}", lab.nats[ni].name), Ok(Forward::NatGateway(ni))),
        NextHop::GatewayEndpoint(x) => {
            let e = &lab.endpoints[x];
            let pl = e.prefix_list_id(&lab.region);
            (format!("{by} ({pl}) -> {} (endpoint/{})", e.id, e.name), Ok(Forward::GatewayEndpoint(x)))
        }
    };
    w.step(format!("route table {rt}"), decision, src, dst);
    forward
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testing::{ip, is, lab, lab_from_str, subnet, tcp};
    use crate::scenario::Outcome;

    #[test]
    fn route_selection_local_igw_nat_blackhole() {
        let l = lab("scenarios/01-bridge-vs-awsvpc.yaml");
        let (public, private) = (subnet(&l, "public-a"), subnet(&l, "private-a"));
        assert_eq!(lookup(&l, public, ip("198.51.100.80")).0, NextHop::InternetGateway);
        assert_eq!(lookup(&l, private, ip("198.51.100.80")).0, NextHop::Nat(0));
        // The local route wins for VPC addresses, whatever the table says.
        let inst = l.instance_ip(&l.instances[0]);
        assert!(matches!(lookup(&l, private, inst).0, NextHop::Local(Some(_))));
        assert_eq!(lookup(&l, private, ip("10.0.200.200")).0, NextHop::Local(None));
        let l2 = lab("scenarios/13-nacl-ephemeral-trap.yaml");
        assert_eq!(lookup(&l2, 0, ip("198.51.100.80")).0, NextHop::Blackhole, "main table: local route only");
    }

    #[test]
    fn longest_prefix_wins() {
        let text = "version: 1\nname: lpm\nvpc:\n  cidr: 10.0.0.0/16\n  internetGateway: true\n  subnets:\n    - {name: pub, cidr: 10.0.0.0/24, routeTable: pub}\n    - {name: priv, cidr: 10.0.1.0/24, routeTable: priv}\n  routeTables:\n    - name: pub\n      routes: [{destinationCidrBlock: 0.0.0.0/0, gateway: internet-gateway}]\n    - name: priv\n      routes:\n        - {destinationCidrBlock: 0.0.0.0/0, natGateway: n}\n        - {destinationCidrBlock: 198.51.100.0/24, gateway: internet-gateway}\n  natGateways: [{name: n, subnet: pub}]\n";
        let l = lab_from_str("lpm.yaml", text);
        let priv_ = subnet(&l, "priv");
        let (hop, by) = lookup(&l, priv_, ip("198.51.100.7"));
        assert_eq!(hop, NextHop::InternetGateway);
        assert_eq!(by.unwrap().to_string(), "198.51.100.0/24");
        assert_eq!(lookup(&l, priv_, ip("8.8.8.8")).0, NextHop::Nat(0));
    }

    #[test]
    fn no_route_to_destination() {
        let l = lab("scenarios/13-nacl-ephemeral-trap.yaml");
        assert_eq!(tcp(&l, "instance/client-1", "198.51.100.80:443"), is(Outcome::Timeout, "NO_ROUTE_TO_DESTINATION"));
        assert_eq!(tcp(&l, "instance/client-1", "10.13.9.9:443"), is(Outcome::Timeout, "NO_ROUTE_TO_DESTINATION"));
    }
}
