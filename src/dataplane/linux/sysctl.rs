//! Sysctls: a link's neighbour parameters through netlink (`ip ntable change`), the others
//! written by a thread inside the namespace (/proc/sys shows the namespace of the thread that
//! reads it).
//!
//! /proc/sys is slow with many namespaces: every namespace's `net/ipv4` (and `net/ipv6`)
//! directory entry has the same name under the same parent, so each path lookup walks a
//! dcache chain as long as the namespaces that looked it up, comparing each (perf at 1,000
//! tasks: `proc_sys_compare` was the kernel's busiest function; at 5,000 the namespaces took
//! 30 s). Netlink has no such lookup; the writes of one namespace share one lookup of each
//! such directory, made through a procfs instance of the thread's own (`sys::procfs`) that
//! has seen only a few namespaces.

use super::netlink::{Job, Session, all, nl};
use crate::dataplane::kernel::{ApplyError, fail};
use crate::plan::{Plan, Sysctl};
use crate::sys::netns;
use crate::sys::procfs::Procfs;
use futures::StreamExt;
use rtnetlink::packet_core::{NLM_F_ACK, NLM_F_REQUEST, NetlinkMessage, NetlinkPayload};
use rtnetlink::packet_route::neighbour_table::{
    NeighbourTableAttribute, NeighbourTableMessage, NeighbourTableParameter as P,
};
use rtnetlink::packet_route::{AddressFamily, RouteNetlinkMessage};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

/// Keys that may be missing from a kernel.
const OPTIONAL: &str = "net.bridge.";

pub async fn apply(plan: &Plan, list: &[Sysctl]) -> Result<(), ApplyError> {
    let by_ns = Arc::new(by_namespace(list));
    let names: Vec<String> = plan.namespaces.iter().filter(|n| by_ns.contains_key(*n)).cloned().collect();
    tokio::task::spawn_blocking(move || {
        netns::run_each(names, move |ns| write_here(ns, by_ns.get(ns).map(|v| v.as_slice()).unwrap_or(&[])))
    })
    .await
    .map_err(|e| fail("sysctls", e))?
    .map_err(|e| fail("sysctls", e))?;
    Ok(())
}

/// The per-link sysctls: the neighbour parameters of each link in one netlink request (the
/// ARP table's parameters of that link, as `ip ntable change name arp_cache dev DEV` sets
/// them), the others through /proc/sys.
pub async fn apply_links(s: &Session, plan: &Plan, list: &[Sysctl]) -> Result<(), ApplyError> {
    // One request per link (a map: 3,800 keys over 1,800 links at 1,000 tasks).
    let (mut params, rest) = neigh_params(list);
    // A veth end's were set as the veth was made (`link::apply`).
    for v in &plan.veths {
        params.remove(&(v.ns.clone(), v.name.clone()));
        params.remove(&(v.peer_ns.clone(), v.peer_name.clone()));
    }
    let mut futs: Vec<Job> = vec![];
    for ((ns, dev), mut p) in params {
        let mut hd = s.handles.h(&ns)?;
        p.insert(0, P::Ifindex(s.indexes.get(&ns, &dev)?));
        let what = format!("ARP parameters of {dev} in {ns}");
        futs.push(Box::pin(async move { set_neigh_table(&mut hd, p).await.map_err(|e| fail(what, e)) }));
    }
    all(futs).await?;
    if !rest.is_empty() {
        apply(plan, &rest).await?;
    }
    Ok(())
}

/// Each link's neighbour parameters, by (namespace, device).
pub type LinkParams = HashMap<(String, String), Vec<P>>;

/// The neighbour parameters of each link, and the other keys.
pub fn neigh_params(list: &[Sysctl]) -> (LinkParams, Vec<Sysctl>) {
    let mut params = LinkParams::new();
    let mut rest = vec![];
    for x in list {
        match neigh_param(&x.key, &x.value) {
            Some((dev, p)) => params.entry((x.ns.clone(), dev.to_string())).or_default().push(p),
            None => rest.push(x.clone()),
        }
    }
    (params, rest)
}

/// Set link `index`'s neighbour parameters `p` through `hd` (its namespace's connection).
pub async fn set_link_params(hd: &mut rtnetlink::Handle, index: u32, mut p: Vec<P>) -> Result<(), String> {
    p.insert(0, P::Ifindex(index));
    set_neigh_table(hd, p).await
}

/// `net.ipv4.neigh.DEV.KEY = VALUE` as a parameter of DEV's ARP table, for the keys ecsnet
/// sets (proxy_delay is in 1/100 s in /proc, in ms over netlink).
fn neigh_param<'a>(key: &'a str, value: &str) -> Option<(&'a str, P)> {
    let rest = key.strip_prefix("net.ipv4.neigh.")?;
    let (dev, name) = rest.rsplit_once('.')?;
    let v: u32 = value.parse().ok()?;
    let p = match name {
        "mcast_solicit" => P::McastProbes(v),
        "ucast_solicit" => P::UcastProbes(v),
        "app_solicit" => P::AppProbes(v),
        "proxy_delay" => P::ProxyDelay(u64::from(v) * 10),
        _ => return None,
    };
    (dev != "default" && dev != "all").then_some((dev, p))
}

/// RTM_SETNEIGHTBL for table `arp_cache`, and its answer.
async fn set_neigh_table(hd: &mut rtnetlink::Handle, params: Vec<P>) -> Result<(), String> {
    let mut msg = NeighbourTableMessage::default();
    msg.header.family = AddressFamily::Inet;
    msg.attributes = vec![NeighbourTableAttribute::Name("arp_cache".into()), NeighbourTableAttribute::Parms(params)];
    let mut req = NetlinkMessage::from(RouteNetlinkMessage::SetNeighbourTable(msg));
    req.header.flags = NLM_F_REQUEST | NLM_F_ACK;
    let mut answers = hd.request(req).map_err(nl)?;
    while let Some(m) = answers.next().await {
        if let NetlinkPayload::Error(e) = m.payload
            && e.code.is_some()
        {
            return Err(nl(rtnetlink::Error::NetlinkError(e)));
        }
    }
    Ok(())
}

/// Each namespace's keys and values, in the plan's order.
pub fn by_namespace(list: &[Sysctl]) -> HashMap<String, Vec<(String, String)>> {
    let mut by_ns: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for s in list {
        by_ns.entry(s.ns.clone()).or_default().push((s.key.clone(), s.value.clone()));
    }
    by_ns
}

/// Write `list` on this thread, which is inside namespace `ns`: each `net/X` directory looked
/// up once, each key opened relative to it.
pub fn write_here(ns: &str, list: &[(String, String)]) -> std::io::Result<()> {
    next_namespace();
    let mut dirs: HashMap<String, std::fs::File> = HashMap::new();
    for (k, v) in list {
        match write_one(&mut dirs, k, v) {
            // Bridge netfilter's keys exist only where br_netfilter is loaded; where it
            // is not, bridged packets skip netfilter anyway, which is what 0 asks for.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && k.starts_with(OPTIONAL) => {}
            r => r.map_err(|e| std::io::Error::new(e.kind(), format!("sysctl {k}={v} in {ns}: {e}")))?,
        }
    }
    Ok(())
}

fn write_one(dirs: &mut HashMap<String, std::fs::File>, key: &str, value: &str) -> std::io::Result<()> {
    use nix::fcntl::{OFlag, openat};
    use std::io::Write;
    let path = key.replace('.', "/");
    let mut parts = path.splitn(3, '/');
    let (Some(a), Some(b), Some(rest)) = (parts.next(), parts.next(), parts.next()) else {
        return std::fs::write(format!("/proc/sys/{path}"), value);
    };
    let dir = format!("sys/{a}/{b}");
    let d = match dirs.entry(dir) {
        std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
        std::collections::hash_map::Entry::Vacant(v) => {
            let f = open_dir(v.key())?;
            v.insert(f)
        }
    };
    let fd = openat(&*d, rest, OFlag::O_WRONLY | OFlag::O_CLOEXEC, nix::sys::stat::Mode::empty())?;
    std::fs::File::from(fd).write_all(value.as_bytes())
}

/// Namespaces looked up through one procfs instance before the thread makes a new one: the
/// dcache chain of `sys/net/ipv4` stays this short (a compare costs ~1.3 us at 5,000
/// namespaces, an instance ~80 us to make and drop).
const NAMESPACES_PER_PROCFS: usize = 8;

thread_local! {
    /// This thread's procfs instance and the namespaces looked up through it.
    static PROCFS: RefCell<Option<(Procfs, usize)>> = const { RefCell::new(None) };
}

/// The calling thread is about to look up a namespace's sysctls: a new procfs instance every
/// [`NAMESPACES_PER_PROCFS`] namespaces (none where the kernel cannot make one: /proc then).
fn next_namespace() {
    PROCFS.with(|p| {
        let mut p = p.borrow_mut();
        let renew = match &mut *p {
            Some((_, n)) => {
                *n += 1;
                *n >= NAMESPACES_PER_PROCFS
            }
            None => true,
        };
        if renew {
            *p = Procfs::new().ok().map(|f| (f, 0));
        }
    })
}

/// `sys/net/ipv4` from this thread's procfs instance, or from /proc where there is none.
fn open_dir(rel: &str) -> std::io::Result<std::fs::File> {
    match PROCFS.with(|p| p.borrow().as_ref().map(|(f, _)| f.dir(rel))) {
        Some(r) => r,
        None => std::fs::File::open(format!("/proc/{rel}")),
    }
}
