//! The addresses phase: `lo` up everywhere, every link up with the lab's ownership alias, then
//! the addresses. All in one parallel batch: none of these depends on another.

use super::netlink::{Job, Session, all, all_tried, gone, nl};
use crate::dataplane::kernel::{ApplyError, fail};
use crate::model::ids;
use crate::plan::{Addr, Plan};
use crate::sys::link;
use rtnetlink::AddressAddRequest;
use rtnetlink::LinkUnspec;
use rtnetlink::packet_route::address::AddressAttribute;
use std::net::IpAddr;
use std::time::Duration;

pub async fn apply(plan: &Plan, s: &Session) -> Result<(), ApplyError> {
    let mut futs: Vec<Job> = vec![];
    links_up(plan, s, &mut futs)?;
    addresses(plan, s, &mut futs)?;
    all(futs).await?;
    bridges_settled(plan).await
}

/// A bridge gets its carrier a moment after its first port is up (the kernel's link watch):
/// wait for it, so that `ip link` after `up` shows docker0 as it stays (UP with containers,
/// NO-CARRIER without).
async fn bridges_settled(plan: &Plan) -> Result<(), ApplyError> {
    let with_ports =
        plan.bridges.iter().filter(|b| plan.veths.iter().any(|v| v.ns == b.ns && v.master.as_ref() == Some(&b.name)));
    for b in with_ports {
        let (ns, name) = (b.ns.clone(), b.name.clone());
        let what = format!("bridge {name} in {ns}");
        let wait = move || crate::sys::netns::run_in(&ns, move || link::wait_running(&name, Duration::from_secs(2)));
        let running = tokio::task::spawn_blocking(wait)
            .await
            .map_err(|e| fail(what.clone(), e))?
            .map_err(|e| fail(what.clone(), e))?;
        if !running {
            tracing::warn!("{what} has no carrier yet");
        }
    }
    Ok(())
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
    for (ns, name) in super::netlink::plan_links(plan) {
        let i = s.indexes.get(&ns, &name)?;
        let hd = s.handles.h(&ns)?;
        let what = format!("link {name} up in {ns}");
        let msg = LinkUnspec::new_with_index(i).up().alias(alias.clone()).build();
        futs.push(Box::pin(async move { hd.link().set(msg).execute().await.map_err(|e| fail(what, nl(e))) }));
    }
    Ok(())
}

fn addresses(plan: &Plan, s: &Session, futs: &mut Vec<Job>) -> Result<(), ApplyError> {
    for a in &plan.addrs {
        let req = add_request(a, s)?;
        let what = format!("address {}/{} on {} in {}", a.ip, a.prefix, a.dev, a.ns);
        futs.push(Box::pin(async move { req.execute().await.map_err(|e| fail(what, nl(e))) }));
    }
    Ok(())
}

fn add_request(a: &Addr, s: &Session) -> Result<AddressAddRequest, ApplyError> {
    let hd = s.handles.h(&a.ns)?;
    let i = s.indexes.get(&a.ns, &a.dev)?;
    let mut req = hd.address().add(i, IpAddr::V4(a.ip), a.prefix);
    if a.no_broadcast {
        // rtnetlink adds the prefix's broadcast address by itself.
        req.message_mut().attributes.retain(|attr| !matches!(attr, AddressAttribute::Broadcast(_)));
    }
    Ok(req)
}

/// Remove addresses from links that stay (the message the address was added with).
pub async fn delete(list: &[Addr], s: &Session) -> Result<(), ApplyError> {
    let mut futs: Vec<Job> = vec![];
    for a in list {
        if s.indexes.find(&a.ns, &a.dev).is_none() {
            continue;
        }
        let msg = add_request(a, s)?.message_mut().clone();
        let hd = s.handles.h(&a.ns)?;
        let what = format!("deleting address {}/{} on {} in {}", a.ip, a.prefix, a.dev, a.ns);
        futs.push(Box::pin(async move {
            match hd.address().del(msg).execute().await {
                Err(e) if !gone(&e) => Err(fail(what, nl(e))),
                _ => Ok(()),
            }
        }));
    }
    all_tried(futs).await
}
