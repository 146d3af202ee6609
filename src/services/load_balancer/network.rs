//! A network load balancer's node: no proxy. Its listeners' flows are forwarded by the kernel
//! of the node's namespace through the NAT table [`crate::plan::load_balancer::network_nat`]
//! builds, which the node rewrites whenever the targets' health changes what its rotation is:
//! the healthy targets in use at this node (its own zone's, unless cross-zone load balancing
//! is on), or every one of them when none is healthy (fail open,
//! target-group-health-checks.html).

use super::NodeState;
use crate::plan::load_balancer::{Flows, network_nat};
use crate::scenario::{Action, ElbProtocol};
use std::sync::Arc;

/// The flows of each listener as the node's health table has them now.
pub(crate) fn flows(state: &NodeState) -> Vec<Flows> {
    state.spec.listeners.iter().map(|l| listener_flows(state, l)).collect()
}

fn listener_flows(state: &NodeState, l: &crate::scenario::Listener) -> Flows {
    let protos: Vec<String> = match l.protocol {
        ElbProtocol::Udp => vec!["udp".into()],
        ElbProtocol::TcpUdp => vec!["tcp".into(), "udp".into()],
        _ => vec!["tcp".into()],
    };
    let group = l.default_actions.first().and_then(|a| match a {
        Action::Forward(w) => w.first().map(|w| w.target_group.value.as_str()),
        _ => None,
    });
    let Ok(table) = state.targets.lock() else {
        return Flows { protos, port: l.port.value, targets: vec![], preserve_client_ip: false };
    };
    let Some(g) = group.and_then(|g| table.group(g)) else {
        return Flows { protos, port: l.port.value, targets: vec![], preserve_client_ip: false };
    };
    // The healthy targets of the node's rotation, or all of them (fail open); never a
    // draining one: the table is rewritten without it, and the flows already established keep
    // their conntrack mapping (load-balancer-target-groups.html#deregistration-delay).
    let targets = table.pool(&g.name, |t| t.in_rotation).iter().map(|t| (t.ip, t.port)).collect();
    Flows { protos, port: l.port.value, targets, preserve_client_ip: g.preserve_client_ip }
}

/// Write the node's NAT table when its flows changed since the last write.
pub(crate) fn refresh(state: Arc<NodeState>) {
    let now = flows(&state);
    {
        let Ok(mut written) = state.written.lock() else { return };
        if written.as_ref() == Some(&now) {
            return;
        }
        *written = Some(now.clone());
    }
    let (ns, ip) = (state.spec.ns.clone(), state.spec.ip);
    let ruleset = network_nat(ip, &now);
    drop(state.rt.spawn_blocking(move || {
        let applied = crate::sys::netns::run_in(&ns, move || {
            nftables::helper::apply_ruleset_with_args(
                &ruleset,
                Some(crate::sys::nft::program()),
                nftables::helper::DEFAULT_ARGS,
            )
            .map_err(|e| std::io::Error::other(e.to_string()))
        });
        if let Err(e) = applied {
            eprintln!("ecsnet: {ns}: table inet {}: {e}", crate::plan::load_balancer::NAT_TABLE);
        }
    }));
}
