//! Permanent neighbour entries (the fabric's static address resolution).

use super::netlink::{Job, Session, all, all_tried, gone, nl, parse_mac};
use crate::dataplane::kernel::{ApplyError, fail};
use crate::plan::{Neigh, Plan};
use rtnetlink::packet_route::neighbour::{NeighbourFlags, NeighbourState};
use std::net::IpAddr;

pub async fn apply(plan: &Plan, s: &Session) -> Result<(), ApplyError> {
    let mut futs: Vec<Job> = fdb(plan, s)?;
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

/// The VXLAN links' static forwarding entries: `bridge fdb append MAC dev DEV dst DST self
/// permanent` (NTF_SELF: the VXLAN device's own table, there is no bridge).
fn fdb(plan: &Plan, s: &Session) -> Result<Vec<Job>, ApplyError> {
    let mut futs: Vec<Job> = vec![];
    for f in &plan.fdb {
        let hd = s.handles.h(&f.ns)?;
        let i = s.indexes.get(&f.ns, &f.dev)?;
        let (mac, dst) = (parse_mac(&f.mac), f.dst);
        let what = format!("fdb {} dev {} dst {} in {}", f.mac, f.dev, f.dst, f.ns);
        futs.push(Box::pin(async move {
            hd.neighbours()
                .add_bridge(i, &mac)
                .destination(IpAddr::V4(dst))
                .flags(NeighbourFlags::Own)
                .state(NeighbourState::Permanent)
                .replace()
                .execute()
                .await
                .map_err(|e| fail(what, nl(e)))
        }));
    }
    Ok(futs)
}

/// Remove permanent entries from links that stay.
pub async fn delete(list: &[Neigh], s: &Session) -> Result<(), ApplyError> {
    let mut futs: Vec<Job> = vec![];
    for n in list {
        let Some(i) = s.indexes.find(&n.ns, &n.dev) else { continue };
        let hd = s.handles.h(&n.ns)?;
        let msg = hd.neighbours().add(i, IpAddr::V4(n.ip)).message_mut().clone();
        let what = format!("deleting neighbour {} dev {} in {}", n.ip, n.dev, n.ns);
        futs.push(Box::pin(async move {
            match hd.neighbours().del(msg).execute().await {
                Err(e) if !gone(&e) => Err(fail(what, nl(e))),
                _ => Ok(()),
            }
        }));
    }
    all_tried(futs).await
}
