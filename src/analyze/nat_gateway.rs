//! The NAT gateway: the packets a private subnet's route table sends to it leave with its own
//! private address as their source, then through the internet gateway as its Elastic IP. It
//! accepts no inbound connection.

use super::walk::{Blocked, Onward, Walk};
use super::{Reason, internet_gateway, network_acl, route_table};
use crate::model::Lab;
use crate::scenario::Node;
use route_table::NextHop;
use std::net::Ipv4Addr;

/// The packet `src -> dst` from subnet `from_subnet`, routed to NAT gateway `nat`.
pub fn forward<'a>(w: &mut Walk<'a>, nat: usize, from_subnet: usize, src: Ipv4Addr, dst: Ipv4Addr) -> Onward<'a> {
    let lab = w.lab;
    let gw = &lab.nats[nat];
    let own = &lab.enis[gw.eni];
    network_acl::crossing(w, Some(from_subnet), Some(own.subnet), src, dst)?;
    w.step(Node::nat(&gw.name).to_string(), format!("source NAT {src} -> {}", own.ip), own.ip, dst);
    let (hop, _) = route_table::lookup(lab, own.subnet, dst);
    if hop != NextHop::InternetGateway {
        return Err(Blocked::timeout(
            Reason::NoRouteToDestination,
            format!("the subnet of nat/{} has no route to the internet gateway", gw.name),
        ));
    }
    network_acl::crossing(w, Some(own.subnet), None, own.ip, dst)?;
    Ok(internet_gateway::translate_out(w, own.ip, gw.eip, dst))
}

/// A packet arriving at NAT gateway `nat`'s own address.
pub fn inbound(lab: &Lab, nat: usize) -> Blocked {
    Blocked::timeout(
        Reason::NatGatewayNoInbound,
        format!("{} accepts no inbound connection", Node::nat(&lab.nats[nat].name)),
    )
}

#[cfg(test)]
mod tests {
    use crate::analyze::testing::{is, lab, tcp};
    use crate::scenario::Outcome;

    #[test]
    fn nat_gateway_no_inbound() {
        let n = lab("scenarios/11-private-subnet-nat.yaml");
        assert_eq!(tcp(&n, "internet", "198.51.100.200:8080"), is(Outcome::Timeout, "NAT_GATEWAY_NO_INBOUND"));
    }
}
