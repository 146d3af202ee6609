//! The instance metadata service (169.254.169.254): EC2 answers it at every ENI, outside any
//! security group or network ACL. In the emulation every ENI's traffic enters the VPC router,
//! so the router holds the address and the agent serves it there; packets for it are
//! delivered locally (the input hook), never forwarded, so no security group or ACL sees them.
//! Only 80/tcp answers; anything else for the address is dropped, as on EC2.

use super::nft::{self, TableBuilder};
use super::{Plan, Route, RouteKind, host};
use crate::model::{EniOwner, IMDS_IP, IMDS_PORT, Instance, Lab, Task};

/// Whether the router holds the address: when the lab has instances to ask it, or Fargate
/// tasks, whose packets for it the router drops (a Fargate task has no IMDS).
fn held(lab: &Lab) -> bool {
    !lab.instances.is_empty() || lab.tasks.iter().any(|t| t.is_fargate())
}

/// The address on the router's loopback, when the lab has instances to ask it.
pub(super) fn address(p: &mut Plan, lab: &Lab) {
    if held(lab) {
        p.addr(&lab.vpc.router_ns, "lo", IMDS_IP, 32);
    }
}

/// The router's input chain (made by the caller): 80/tcp reaches the service, nothing else
/// for its address does.
pub(super) fn guard(t: &mut TableBuilder, lab: &Lab) {
    if !held(lab) {
        return;
    }
    let imds = || nft::ip_daddr(nft::ip(IMDS_IP));
    for e in lab.live_enis().filter(|e| matches!(e.owner, EniOwner::Task(ti) if lab.tasks[ti].is_fargate())) {
        t.rule(
            "input",
            vec![nft::ip_saddr(nft::ip(e.ip)), imds(), nft::counter(), nft::drop()],
            Some("Fargate: no instance metadata service"),
        );
    }
    t.rule(
        "input",
        vec![imds(), nft::dport("tcp", IMDS_PORT), nft::counter(), nft::accept()],
        Some("instance metadata service"),
    );
    t.rule("input", vec![imds(), nft::counter(), nft::drop()], Some("the metadata service answers 80/tcp only"));
}

/// ECS_AWSVPC_BLOCK_IMDS: the vpc-eni plugin's blackhole route in the task's namespace
/// (amazon-vpc-cni-plugins network/imds, BlockInstanceMetadataEndpoint).
pub(super) fn awsvpc_block(p: &mut Plan, inst: &Instance, t: &Task) {
    let Some(tns) = &t.ns else { return };
    if inst.agent_config.awsvpc_block_imds {
        p.routes.push(Route { kind: RouteKind::Blackhole, ..Route::main(tns, host(IMDS_IP), None, None) });
    }
}

/// The rule AWS documents for bridge tasks (`iptables --insert DOCKER-USER 1 --in-interface
/// docker+ --destination 169.254.169.254/32 --jump DROP`): what bridge containers send to the
/// metadata service is dropped on the instance.
pub(super) fn bridge_block(t: &mut TableBuilder, inst: &Instance) {
    if !inst.block_imds_from_bridge {
        return;
    }
    t.rule(
        super::docker::USER_CHAIN,
        vec![nft::iifname("docker*"), nft::ip_daddr(nft::ip(IMDS_IP)), nft::counter(), nft::drop()],
        Some("keep bridge containers off the instance metadata service"),
    );
}
