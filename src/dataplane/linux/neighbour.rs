//! Permanent neighbour entries (the fabric's static address resolution).

use super::netlink::{Job, Session, all, nl, parse_mac};
use crate::dataplane::kernel::{ApplyError, fail};
use crate::plan::Plan;
use rtnetlink::packet_route::neighbour::NeighbourState;
use std::net::IpAddr;

pub async fn apply(plan: &Plan, s: &Session) -> Result<(), ApplyError> {
    let mut futs: Vec<Job> = vec![];
    for n in &plan.neighbours {
        let hd = s.handles.h(&n.ns)?;
        let i = s.indexes.get(&n.ns, &n.dev)?;
        let (ip, mac) = (n.ip, parse_mac(&n.mac));
        let what = format!("neighbour {} lladdr {} dev {} in {}", n.ip, n.mac, n.dev, n.ns);
        futs.push(Box::pin(async move {
            hd.neighbours()
                .add(i, IpAddr::V4(ip))
                .link_layer_address(&mac)
                .state(NeighbourState::Permanent)
                .replace()
                .execute()
                .await
                .map_err(|e| fail(what, nl(e)))
        }));
    }
    all(futs).await
}
