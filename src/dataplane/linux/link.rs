//! Bridges and veth pairs. Each veth's peer is born in its own namespace, and every link gets
//! the index ecsnet chose for it, so nothing has to be looked up or moved afterwards.

use super::netlink::{Job, Session, all, nl, parse_mac};
use crate::dataplane::kernel::{ApplyError, fail};
use crate::plan::Plan;
use rtnetlink::packet_route::link::{InfoData, InfoVeth};
use rtnetlink::{LinkBridge, LinkUnspec, LinkVeth};

/// Bridges first: veths name them as their controller.
pub async fn apply(plan: &Plan, s: &Session) -> Result<(), ApplyError> {
    bridges(plan, s).await?;
    veths(plan, s).await
}

async fn bridges(plan: &Plan, s: &Session) -> Result<(), ApplyError> {
    let mut futs: Vec<Job> = vec![];
    for b in &plan.bridges {
        let hd = s.handles.h(&b.ns)?;
        let i = s.indexes.get(&b.ns, &b.name)?;
        let msg = LinkBridge::new(&b.name).index(i).address(parse_mac(&b.mac)).build();
        let what = format!("bridge {} in {}", b.name, b.ns);
        futs.push(Box::pin(async move { hd.link().add(msg).execute().await.map_err(|e| fail(what, nl(e))) }));
    }
    all(futs).await
}

async fn veths(plan: &Plan, s: &Session) -> Result<(), ApplyError> {
    let (h, idx) = (&s.handles, &s.indexes);
    let mut futs: Vec<Job> = vec![];
    for v in &plan.veths {
        let hd = h.h(&v.ns)?;
        let i = idx.get(&v.ns, &v.name)?;
        let pi = idx.get(&v.peer_ns, &v.peer_name)?;
        // The peer is born in its namespace (IFLA_NET_NS_FD inside the peer message). It is set
        // up in the next phase: the kernel configures the peer before pairing it, so IFF_UP
        // here fails with ENOTCONN.
        let mut peer = LinkUnspec::new_with_name(&v.peer_name).index(pi).setns_by_fd(h.fd(&v.peer_ns)?);
        if let Some(m) = &v.peer_mac {
            peer = peer.address(parse_mac(m));
        }
        if let Some(mtu) = v.mtu {
            peer = peer.mtu(mtu);
        }
        let mut b = LinkVeth::new(&v.name, &v.peer_name)
            .set_info_data(InfoData::Veth(InfoVeth::Peer(peer.build())))
            .index(i)
            .up();
        if let Some(m) = &v.mac {
            b = b.address(parse_mac(m));
        }
        if let Some(mtu) = v.mtu {
            b = b.mtu(mtu);
        }
        if let Some(master) = &v.master {
            b = b.controller(idx.get(&v.ns, master)?);
        }
        let msg = b.build();
        let what = format!("veth {} in {} <-> {} in {}", v.name, v.ns, v.peer_name, v.peer_ns);
        futs.push(Box::pin(async move { hd.link().add(msg).execute().await.map_err(|e| fail(what, nl(e))) }));
    }
    all(futs).await
}
