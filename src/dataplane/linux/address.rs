//! The addresses phase: `lo` up everywhere, every link up with the lab's ownership alias, then
//! the addresses. All in one parallel batch: none of these depends on another.

use super::netlink::{Job, Session, all, nl};
use crate::dataplane::kernel::{ApplyError, fail};
use crate::model::ids;
use crate::plan::Plan;
use rtnetlink::LinkUnspec;
use rtnetlink::packet_route::address::AddressAttribute;
use std::net::IpAddr;

pub async fn apply(plan: &Plan, s: &Session) -> Result<(), ApplyError> {
    let mut futs: Vec<Job> = vec![];
    links_up(plan, s, &mut futs)?;
    addresses(plan, s, &mut futs)?;
    all(futs).await
}

fn links_up(plan: &Plan, s: &Session, futs: &mut Vec<Job>) -> Result<(), ApplyError> {
    let alias = ids::link_alias(&plan.lab);
    for ns in &plan.lo_up {
        let hd = s.handles.h(ns)?;
        let what = format!("link lo up in {ns}");
        futs.push(Box::pin(async move {
            hd.link().set(LinkUnspec::new_with_index(1).up().build()).execute().await.map_err(|e| fail(what, nl(e)))
        }));
    }
    for ((ns, name), i) in s.indexes.iter() {
        if name == "lo" {
            continue;
        }
        let hd = s.handles.h(ns)?;
        let what = format!("link {name} up in {ns}");
        let msg = LinkUnspec::new_with_index(*i).up().alias(alias.clone()).build();
        futs.push(Box::pin(async move { hd.link().set(msg).execute().await.map_err(|e| fail(what, nl(e))) }));
    }
    Ok(())
}

fn addresses(plan: &Plan, s: &Session, futs: &mut Vec<Job>) -> Result<(), ApplyError> {
    for a in &plan.addrs {
        let hd = s.handles.h(&a.ns)?;
        let i = s.indexes.get(&a.ns, &a.dev)?;
        let (ip, prefix) = (a.ip, a.prefix);
        let what = format!("address {}/{} on {} in {}", a.ip, a.prefix, a.dev, a.ns);
        let mut req = hd.address().add(i, IpAddr::V4(ip), prefix);
        if a.no_broadcast {
            // rtnetlink adds the prefix's broadcast address by itself.
            req.message_mut().attributes.retain(|attr| !matches!(attr, AddressAttribute::Broadcast(_)));
        }
        futs.push(Box::pin(async move { req.execute().await.map_err(|e| fail(what, nl(e))) }));
    }
    Ok(())
}
