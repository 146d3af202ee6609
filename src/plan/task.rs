//! An awsvpc task's link to its instance: `ecs-eth0` on ecs-bridge, as the ecs-bridge CNI
//! plugin sets it up (the task's ENI is planned with every ENI).

use super::{Plan, Route, Veth, host, net};
use crate::model::{ECS_BRIDGE_GW, ECS_BRIDGE_PREFIX, Instance, METADATA_IP, Task};
use std::net::Ipv4Addr;

/// The task's `ecs-eth0` veth, address, CNI routes and neighbours; nothing for a task that has
/// no task namespace or bridge address.
pub(super) fn ecs_eth0(p: &mut Plan, inst: &Instance, t: &Task) {
    let (Some(tns), Some(bridge_ip), Some(veth_host)) = (&t.ns, t.bridge_ip, &t.veth_host) else { return };
    p.veths.push(Veth {
        master: Some("ecs-bridge".into()),
        peer_mac: t.bridge_mac.clone(),
        ..Veth::between(&inst.ns, veth_host, tns, "ecs-eth0")
    });
    // ecsnet allocates both ends: resolve them statically both ways, so ecs-bridge traffic
    // (the metadata endpoint) uses no entry of the kernel's shared, capped ARP table.
    if let Some(mac) = &t.bridge_mac {
        p.neighbour(&inst.ns, "ecs-bridge", bridge_ip, mac);
    }
    p.neighbour(tns, "ecs-eth0", ECS_BRIDGE_GW, &inst.ecs_bridge_mac);
    p.static_neighbours_only(tns, "ecs-eth0");
    // The ecs-bridge plugin's address has no broadcast (the seed's `ip addr` shows none).
    p.addr_no_broadcast(tns, "ecs-eth0", bridge_ip, ECS_BRIDGE_PREFIX);
    // The ecs-bridge plugin adds a /32 to the gateway, the metadata route, then deletes the
    // connected /22 so that tasks cannot talk over the bridge.
    p.route(tns, host(ECS_BRIDGE_GW), Some(ECS_BRIDGE_GW), Some("ecs-eth0"));
    p.route(tns, host(METADATA_IP), Some(ECS_BRIDGE_GW), Some("ecs-eth0"));
    let connected = net(Ipv4Addr::new(169, 254, 172, 0), ECS_BRIDGE_PREFIX);
    p.route_dels.push(Route::main(tns, connected, None, Some("ecs-eth0")));
}
