//! A Fargate task's microVM, as the netlib path of the Fargate agent sets it up (ECS-FACTS
//! §1.11): `fargate-bridge` (169.254.172.1/22) in the microVM's namespace, the task's end of it
//! (169.254.172.2) in the task namespace with /32 routes to the bridge and to 169.254.170.2,
//! where the agent serves the task metadata and credentials endpoints itself. The task ENI is
//! planned with every ENI; it is the microVM's only interface into the VPC.

use super::nft::{self, TableBuilder};
use super::{Bridge, Plan, Route, Veth, host, net};
use crate::model::task::FargateHost;
use crate::model::{ECS_BRIDGE_GW, ECS_BRIDGE_PREFIX, METADATA_IP, METADATA_PORT, Task, ids};
use std::net::Ipv4Addr;

/// The bridge's name in the microVM (netlib's `BridgeInterfaceName`).
pub const FARGATE_BRIDGE: &str = "fargate-bridge";
/// The task's end of the bridge, in the task namespace (the name the ecs-bridge plugin gives
/// it on EC2; netlib's own name for it is not documented).
pub const TASK_LINK: &str = "ecs-eth0";

/// The microVM's MAC on fargate-bridge, derived from the lab and the task.
pub fn bridge_mac(lab: &str, task: &str) -> String {
    ids::mac_str(&ids::mac(0x0a, &[lab, "fargate-bridge", task]))
}

/// Everything of task `t`'s microVM; nothing for a task that is not Fargate or was not wired.
pub(super) fn microvm(p: &mut Plan, lab: &str, t: &Task) {
    let Some(f) = t.launch.fargate() else { return };
    let (Some(tns), Some(bridge_ip), Some(veth_host)) = (&t.ns, t.bridge_ip, &t.veth_host) else { return };
    let vm = f.vm_ns.as_str();
    let mac = bridge_mac(lab, &t.name);
    p.bridges.push(Bridge { ns: vm.into(), name: FARGATE_BRIDGE.into(), mac: mac.clone(), txqlen: None });
    p.addr_no_broadcast(vm, FARGATE_BRIDGE, ECS_BRIDGE_GW, ECS_BRIDGE_PREFIX);
    p.static_neighbours_only(vm, FARGATE_BRIDGE);
    // The agent's endpoints answer at 169.254.170.2 in the microVM itself.
    p.addr(vm, "lo", METADATA_IP, 32);
    p.veths.push(Veth {
        master: Some(FARGATE_BRIDGE.into()),
        peer_mac: t.bridge_mac.clone(),
        ..Veth::between(vm, veth_host, tns, TASK_LINK)
    });
    if let Some(m) = &t.bridge_mac {
        p.neighbour(vm, FARGATE_BRIDGE, bridge_ip, m);
    }
    p.neighbour(tns, TASK_LINK, ECS_BRIDGE_GW, &mac);
    p.static_neighbours_only(tns, TASK_LINK);
    p.addr_no_broadcast(tns, TASK_LINK, bridge_ip, ECS_BRIDGE_PREFIX);
    p.route(tns, host(ECS_BRIDGE_GW), Some(ECS_BRIDGE_GW), Some(TASK_LINK));
    p.route(tns, host(METADATA_IP), Some(ECS_BRIDGE_GW), Some(TASK_LINK));
    let connected = net(Ipv4Addr::new(169, 254, 172, 0), ECS_BRIDGE_PREFIX);
    p.route_dels.push(Route::main(tns, connected, None, Some(TASK_LINK)));
    p.firewall(vm, guard(f));
}

/// The microVM's input: the agent answers 169.254.170.2 on 80/tcp only; anything else for that
/// address is dropped.
fn guard(_f: &FargateHost) -> nftables::schema::Nftables<'static> {
    use nftables::types::{NfChainPolicy as Policy, NfChainType as Ty, NfHook as Hook};
    let mut t = TableBuilder::new();
    t.base("input", Ty::Filter, Hook::Input, 0, Policy::Accept);
    let md = || nft::ip_daddr(nft::ip(METADATA_IP));
    t.rule("input", vec![md(), nft::dport("tcp", METADATA_PORT), nft::accept()], Some("Fargate agent: task metadata"));
    t.rule("input", vec![md(), nft::counter(), nft::drop()], Some("the Fargate agent answers 80/tcp only"));
    t.build()
}
