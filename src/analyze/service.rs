//! The task metadata endpoint as a hop: on every instance ecs-init DNATs 169.254.170.2:80 to the
//! agent on 127.0.0.1:51679 (the instance's `TaskMetadata` service in `model::service`), so it
//! answers there and nowhere else: anything else for 169.254.170.2 leaves the instance, and the
//! VPC does not route link-local addresses.

use super::Reason;
use super::walk::{Blocked, L4, Next, Onward, Walk};
use crate::model::{METADATA_IP, METADATA_PORT, TMDS_LISTEN_PORT};
use crate::scenario::Node;
use std::net::Ipv4Addr;

/// A packet from `src` (on an instance, or through its ecs-bridge) to 169.254.170.2.
pub fn task_metadata<'a>(w: &mut Walk<'a>, src: Ipv4Addr) -> Onward<'a> {
    if w.l4 == L4::Tcp && w.port == Some(METADATA_PORT) {
        let agent = Ipv4Addr::LOCALHOST;
        let dnat = format!("DNAT {METADATA_IP}:{METADATA_PORT} -> {agent}:{TMDS_LISTEN_PORT} (agent)");
        w.step("instance: ecs-init", dnat, src, agent);
        Ok(Next::served_by(Node::Metadata, src))
    } else {
        w.step("instance: ecs-init", format!("only {METADATA_PORT}/tcp is DNATed; out through eth0"), src, METADATA_IP);
        Err(Blocked::timeout(
            Reason::NoRouteToDestination,
            format!(
                "the metadata endpoint answers only {METADATA_IP}:{METADATA_PORT}/tcp; anything else leaves the instance and the VPC does not route link-local addresses"
            ),
        ))
    }
}
