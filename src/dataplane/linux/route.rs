//! Routes, the kernel's own routes ECS removes, and policy rules, in that order (a rule may
//! point at a table the routes fill).

use super::netlink::{Indexes, Job, Session, all, all_tried, gone, nl};
use crate::dataplane::kernel::{ApplyError, fail};
use crate::plan::{Plan, Route, RouteKind, Rule};
use rtnetlink::packet_route::route::{RouteMessage, RouteProtocol, RouteScope, RouteType};
use rtnetlink::packet_route::rule::RuleAction;
use rtnetlink::{RouteMessageBuilder, RuleAddRequest};
use std::net::Ipv4Addr;

pub async fn apply(plan: &Plan, s: &Session) -> Result<(), ApplyError> {
    add_routes(plan, s).await?;
    delete_routes(plan, s).await?;
    rules(plan, s).await
}

fn route_msg(r: &Route, idx: &Indexes) -> Result<RouteMessage, ApplyError> {
    // RTPROT_BOOT, as the routes Docker, the CNI plugins and `ip route add` make: `ip route`
    // prints no `proto` for them (rtnetlink's default, RTPROT_STATIC, shows `proto static`).
    let mut b = RouteMessageBuilder::<Ipv4Addr>::new()
        .destination_prefix(r.dst.network(), r.dst.prefix())
        .table_id(r.table)
        .protocol(RouteProtocol::Boot);
    if let Some(gw) = r.gw {
        b = b.gateway(gw);
    }
    if let Some(dev) = &r.dev {
        b = b.output_interface(idx.get(&r.ns, dev)?);
    }
    if r.kind == RouteKind::Blackhole {
        b = b.kind(RouteType::BlackHole);
    } else if r.gw.is_none() {
        b = b.scope(RouteScope::Link);
    }
    if r.onlink {
        b = b.onlink();
    }
    if let Some(src) = r.src {
        b = b.pref_source(src);
    }
    Ok(b.build())
}

async fn add_routes(plan: &Plan, s: &Session) -> Result<(), ApplyError> {
    let mut futs: Vec<Job> = vec![];
    for r in &plan.routes {
        let hd = s.handles.h(&r.ns)?;
        let msg = route_msg(r, &s.indexes)?;
        let what = format!("route {} via {:?} dev {:?} table {} in {}", r.dst, r.gw, r.dev, r.table, r.ns);
        futs.push(Box::pin(async move { hd.route().add(msg).execute().await.map_err(|e| fail(what, nl(e))) }));
    }
    all(futs).await
}

async fn delete_routes(plan: &Plan, s: &Session) -> Result<(), ApplyError> {
    let mut futs: Vec<Job> = vec![];
    for r in &plan.route_dels {
        let hd = s.handles.h(&r.ns)?;
        let mut b = RouteMessageBuilder::<Ipv4Addr>::new()
            .destination_prefix(r.dst.network(), r.dst.prefix())
            .table_id(r.table)
            .protocol(RouteProtocol::Kernel)
            .scope(RouteScope::Link);
        if let Some(dev) = &r.dev {
            b = b.output_interface(s.indexes.get(&r.ns, dev)?);
        }
        let msg = b.build();
        let what = format!("deleting route {} dev {:?} in {}", r.dst, r.dev, r.ns);
        futs.push(Box::pin(async move { hd.route().del(msg).execute().await.map_err(|e| fail(what, nl(e))) }));
    }
    all(futs).await
}

async fn rules(plan: &Plan, s: &Session) -> Result<(), ApplyError> {
    let mut futs: Vec<Job> = vec![];
    for r in &plan.rules {
        let req = rule_request(r, s)?;
        let what = format!("rule pref {} from {:?} to {:?} table {} in {}", r.pref, r.from, r.to, r.table, r.ns);
        futs.push(Box::pin(async move { req.execute().await.map_err(|e| fail(what, nl(e))) }));
    }
    all(futs).await
}

fn rule_request(r: &Rule, s: &Session) -> Result<RuleAddRequest<Ipv4Addr>, ApplyError> {
    let hd = s.handles.h(&r.ns)?;
    let mut req = hd.rule().add().v4().priority(r.pref).table_id(r.table).action(RuleAction::ToTable);
    if let Some(f) = r.from {
        req = req.source_prefix(f.network(), f.prefix());
    }
    if let Some(t) = r.to {
        req = req.destination_prefix(t.network(), t.prefix());
    }
    if let Some(m) = r.fwmark {
        req = req.fw_mark(m);
    }
    Ok(req)
}

/// Remove routes from namespaces that stay, by the message they were added with (the kernel
/// matches its destination, table, gateway, device, protocol and scope).
pub async fn delete(list: &[Route], s: &Session) -> Result<(), ApplyError> {
    let mut futs: Vec<Job> = vec![];
    for r in list {
        if r.dev.as_ref().is_some_and(|d| s.indexes.find(&r.ns, d).is_none()) {
            continue;
        }
        let hd = s.handles.h(&r.ns)?;
        let msg = route_msg(r, &s.indexes)?;
        let what = format!("deleting route {} via {:?} dev {:?} table {} in {}", r.dst, r.gw, r.dev, r.table, r.ns);
        futs.push(Box::pin(async move {
            match hd.route().del(msg).execute().await {
                Err(e) if !gone(&e) => Err(fail(what, nl(e))),
                _ => Ok(()),
            }
        }));
    }
    all_tried(futs).await
}

/// Remove policy rules from namespaces that stay.
pub async fn delete_rules(list: &[Rule], s: &Session) -> Result<(), ApplyError> {
    let mut futs: Vec<Job> = vec![];
    for r in list {
        let hd = s.handles.h(&r.ns)?;
        let msg = rule_request(r, s)?.message_mut().clone();
        let what = format!("deleting rule pref {} table {} in {}", r.pref, r.table, r.ns);
        futs.push(Box::pin(async move {
            match hd.rule().del(msg).execute().await {
                Err(e) if !gone(&e) => Err(fail(what, nl(e))),
                _ => Ok(()),
            }
        }));
    }
    all_tried(futs).await
}
