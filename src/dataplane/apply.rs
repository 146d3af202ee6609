//! Applies a plan to the kernel, phase by phase, and times each phase. Every link, address, route
//! and rule goes through netlink (rtnetlink) on a socket opened inside its namespace; sysctls are
//! written from a thread inside the namespace; rulesets go to `nft -j -f -` started from such a
//! thread. Nothing here runs in, or changes, the root namespace.

use crate::model::ids;
use crate::plan::{Plan, RouteKind};
use crate::sys::netns;
use futures::stream::{self, StreamExt, TryStreamExt};
use rtnetlink::packet_route::link::{InfoBridgePort, InfoData, InfoPortData, InfoPortKind, InfoVeth};
use rtnetlink::packet_route::route::{RouteProtocol, RouteScope, RouteType};
use rtnetlink::packet_route::rule::RuleAction;
use rtnetlink::{Handle, LinkBridge, LinkUnspec, LinkVeth, RouteMessageBuilder};
use std::collections::HashMap;
use std::fs::File;
use std::net::{IpAddr, Ipv4Addr};
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::time::Duration;

/// One netlink request, boxed so that different request kinds share a queue.
type Job = std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), ApplyError>> + Send>>;

/// How many netlink requests are in flight at once.
const PARALLEL: usize = 256;

#[derive(Debug, thiserror::Error)]
#[error("{object}: {reason}")]
pub struct ApplyError {
    /// Which kernel object failed, with its namespace.
    pub object: String,
    pub reason: String,
}

fn fail(object: impl Into<String>, reason: impl std::fmt::Display) -> ApplyError {
    ApplyError { object: object.into(), reason: reason.to_string() }
}

/// Wall time of each phase, for `-v` and the benchmark.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Timings(pub Vec<(String, Duration)>);

/// Called between phases; returning `true` aborts (Ctrl-C, test hooks).
pub type Cancel = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// Per-namespace interface indexes: assigned by ecsnet when links are created, so that no
/// dump is needed to find them (lo is always 1).
pub struct Indexes(HashMap<(String, String), u32>);

impl Indexes {
    pub fn of(plan: &Plan) -> Self {
        let mut next: HashMap<String, u32> = HashMap::new();
        let mut map: HashMap<(String, String), u32> = HashMap::new();
        for ns in &plan.namespaces {
            map.insert((ns.clone(), "lo".to_string()), 1);
        }
        {
            let mut assign = |ns: &str, name: &str| {
                let key = (ns.to_string(), name.to_string());
                if map.contains_key(&key) {
                    return;
                }
                let n = next.entry(ns.to_string()).or_insert(2);
                map.insert(key, *n);
                *n += 1;
            };
            // Creation order decides the numbers: ENIs first, so `eth0` is 2 wherever it
            // exists, as on an EC2 instance; then docker0 (3) and ecs-bridge (4).
            for v in plan.veths.iter().filter(|v| v.peer_name == "eth0" && v.master.is_none()) {
                assign(&v.peer_ns, &v.peer_name);
                assign(&v.ns, &v.name);
            }
            for b in &plan.bridges {
                assign(&b.ns, &b.name);
            }
            for v in &plan.veths {
                assign(&v.ns, &v.name);
                assign(&v.peer_ns, &v.peer_name);
            }
        }
        Indexes(map)
    }

    pub fn get(&self, ns: &str, name: &str) -> Result<u32, ApplyError> {
        self.0
            .get(&(ns.to_string(), name.to_string()))
            .copied()
            .ok_or_else(|| fail(format!("link {name} in {ns}"), "not in the plan"))
    }
}

fn parse_mac(s: &str) -> Vec<u8> {
    s.split(':').filter_map(|b| u8::from_str_radix(b, 16).ok()).collect()
}

/// One netlink connection per namespace, each opened by a thread inside that namespace.
pub struct Handles {
    map: HashMap<String, Handle>,
    files: HashMap<String, File>,
}

impl Handles {
    pub async fn open(names: &[String]) -> Result<Self, ApplyError> {
        let rt = tokio::runtime::Handle::current();
        let list = names.to_vec();
        let conns = tokio::task::spawn_blocking(move || {
            netns::run_each(list, move |n| {
                // TokioSocket registers with the reactor when it is created (RUST-NOTES §1.3).
                let _g = rt.enter();
                let (conn, handle, _) = rtnetlink::new_connection()?;
                let file = File::open(netns::path(n))?;
                Ok((conn, handle, file))
            })
        })
        .await
        .map_err(|e| fail("netlink sockets", e))?
        .map_err(|e| fail("netlink sockets", e))?;
        let mut map = HashMap::new();
        let mut files = HashMap::new();
        for (n, (conn, handle, file)) in names.iter().zip(conns) {
            tokio::spawn(conn);
            map.insert(n.clone(), handle);
            files.insert(n.clone(), file);
        }
        Ok(Handles { map, files })
    }

    fn h(&self, ns: &str) -> Result<Handle, ApplyError> {
        self.map.get(ns).cloned().ok_or_else(|| fail(format!("namespace {ns}"), "no netlink handle"))
    }
    fn fd(&self, ns: &str) -> Result<i32, ApplyError> {
        self.files.get(ns).map(|f| f.as_raw_fd()).ok_or_else(|| fail(format!("namespace {ns}"), "not open"))
    }
}

async fn all<F>(futs: Vec<F>) -> Result<(), ApplyError>
where
    F: std::future::Future<Output = Result<(), ApplyError>>,
{
    stream::iter(futs).buffer_unordered(PARALLEL).try_collect::<Vec<()>>().await.map(|_| ())
}

fn nl(e: rtnetlink::Error) -> String {
    match &e {
        rtnetlink::Error::NetlinkError(m) => match m.code {
            Some(c) => format!("{} (errno {})", std::io::Error::from_raw_os_error(-c.get()), -c.get()),
            None => e.to_string(),
        },
        _ => e.to_string(),
    }
}

fn lab_of(ns: &str) -> &str {
    ns.strip_prefix(ids::NS_PREFIX).and_then(|r| r.split('.').next()).unwrap_or(ns)
}

/// Create the namespaces (several threads at once). Returns the ones created, even on error,
/// through `created`.
pub async fn create_namespaces(names: &[String], created: &mut Vec<String>) -> Result<(), ApplyError> {
    tokio::task::spawn_blocking(netns::ensure_dir)
        .await
        .map_err(|e| fail(netns::NETNS_DIR, e))?
        .map_err(|e| fail(netns::NETNS_DIR, e))?;
    let chunks: Vec<Vec<String>> = names.chunks(64).map(|c| c.to_vec()).collect();
    let mut first_err = None;
    for chunk in chunks {
        let jobs: Vec<_> = chunk
            .into_iter()
            .map(|n| tokio::task::spawn_blocking(move || (netns::create(&n).map_err(|e| e.to_string()), n)))
            .collect();
        for j in jobs {
            match j.await {
                Ok((Ok(()), n)) => created.push(n),
                Ok((Err(e), n)) => {
                    let e = if e.contains("File exists") {
                        format!(
                            "{e}: a leftover of an earlier run of this lab? remove it with `ecsnet down {}`",
                            lab_of(&n)
                        )
                    } else {
                        e
                    };
                    first_err.get_or_insert(fail(format!("namespace {n}"), e));
                }
                Err(e) => {
                    first_err.get_or_insert(fail("namespace", e));
                }
            }
        }
        if first_err.is_some() {
            break;
        }
    }
    match first_err {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

pub async fn sysctls(plan: &Plan, list: &[crate::plan::Sysctl]) -> Result<(), ApplyError> {
    let mut by_ns: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for s in list {
        by_ns.entry(s.ns.clone()).or_default().push((s.key.clone(), s.value.clone()));
    }
    let names: Vec<String> = plan.namespaces.iter().filter(|n| by_ns.contains_key(*n)).cloned().collect();
    let by_ns = Arc::new(by_ns);
    tokio::task::spawn_blocking(move || {
        netns::run_each(names, move |ns| {
            for (k, v) in by_ns.get(ns).map(|v| v.as_slice()).unwrap_or(&[]) {
                let path = format!("/proc/sys/{}", k.replace('.', "/"));
                std::fs::write(&path, v)
                    .map_err(|e| std::io::Error::new(e.kind(), format!("sysctl {k}={v} in {ns}: {e}")))?;
            }
            Ok(())
        })
    })
    .await
    .map_err(|e| fail("sysctls", e))?
    .map_err(|e| fail("sysctls", e))?;
    Ok(())
}

pub async fn links(plan: &Plan, h: &Handles, idx: &Indexes) -> Result<(), ApplyError> {
    let mut futs: Vec<Job> = vec![];
    for b in &plan.bridges {
        let hd = h.h(&b.ns)?;
        let i = idx.get(&b.ns, &b.name)?;
        let msg = LinkBridge::new(&b.name).index(i).address(parse_mac(&b.mac)).build();
        let what = format!("bridge {} in {}", b.name, b.ns);
        futs.push(Box::pin(async move { hd.link().add(msg).execute().await.map_err(|e| fail(what, nl(e))) }));
    }
    all(futs).await?;
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

/// `lo` up everywhere, every link up with the lab's ownership alias, addresses.
pub async fn addresses(plan: &Plan, h: &Handles, idx: &Indexes) -> Result<(), ApplyError> {
    let alias = ids::link_alias(&plan.lab);
    let mut futs: Vec<Job> = vec![];
    for ns in &plan.lo_up {
        let hd = h.h(ns)?;
        let what = format!("link lo up in {ns}");
        futs.push(Box::pin(async move {
            hd.link().set(LinkUnspec::new_with_index(1).up().build()).execute().await.map_err(|e| fail(what, nl(e)))
        }));
    }
    for ((ns, name), i) in &idx.0 {
        if name == "lo" {
            continue;
        }
        let hd = h.h(ns)?;
        let what = format!("link {name} up in {ns}");
        let msg = LinkUnspec::new_with_index(*i).up().alias(alias.clone()).build();
        futs.push(Box::pin(async move { hd.link().set(msg).execute().await.map_err(|e| fail(what, nl(e))) }));
    }
    for v in plan.veths.iter().filter(|v| v.hairpin) {
        let hd = h.h(&v.ns)?;
        let i = idx.get(&v.ns, &v.name)?;
        let what = format!("hairpin mode on bridge port {} in {}", v.name, v.ns);
        let msg = LinkUnspec::new_with_index(i)
            .set_port_kind(InfoPortKind::Bridge)
            .set_port_data(InfoPortData::BridgePort(vec![InfoBridgePort::HairpinMode(true)]))
            .build();
        // Port data is only taken by RTM_NEWLINK on an existing link (`ip link set ... type bridge_slave`).
        futs.push(Box::pin(async move { hd.link().set_port(msg).execute().await.map_err(|e| fail(what, nl(e))) }));
    }
    for a in &plan.addrs {
        let hd = h.h(&a.ns)?;
        let i = idx.get(&a.ns, &a.dev)?;
        let (ip, prefix) = (a.ip, a.prefix);
        let what = format!("address {}/{} on {} in {}", a.ip, a.prefix, a.dev, a.ns);
        futs.push(Box::pin(async move {
            hd.address().add(i, IpAddr::V4(ip), prefix).execute().await.map_err(|e| fail(what, nl(e)))
        }));
    }
    all(futs).await
}

fn route_msg(
    r: &crate::plan::Route,
    idx: &Indexes,
) -> Result<rtnetlink::packet_route::route::RouteMessage, ApplyError> {
    let mut b =
        RouteMessageBuilder::<Ipv4Addr>::new().destination_prefix(r.dst.network(), r.dst.prefix()).table_id(r.table);
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
    Ok(b.build())
}

pub async fn routes(plan: &Plan, h: &Handles, idx: &Indexes) -> Result<(), ApplyError> {
    let mut futs: Vec<Job> = vec![];
    for r in &plan.routes {
        let hd = h.h(&r.ns)?;
        let msg = route_msg(r, idx)?;
        let what = format!("route {} via {:?} dev {:?} table {} in {}", r.dst, r.gw, r.dev, r.table, r.ns);
        futs.push(Box::pin(async move { hd.route().add(msg).execute().await.map_err(|e| fail(what, nl(e))) }));
    }
    all(futs).await?;
    let mut futs: Vec<Job> = vec![];
    for r in &plan.route_dels {
        let hd = h.h(&r.ns)?;
        let mut b = RouteMessageBuilder::<Ipv4Addr>::new()
            .destination_prefix(r.dst.network(), r.dst.prefix())
            .table_id(r.table)
            .protocol(RouteProtocol::Kernel)
            .scope(RouteScope::Link);
        if let Some(dev) = &r.dev {
            b = b.output_interface(idx.get(&r.ns, dev)?);
        }
        let msg = b.build();
        let what = format!("deleting route {} dev {:?} in {}", r.dst, r.dev, r.ns);
        futs.push(Box::pin(async move { hd.route().del(msg).execute().await.map_err(|e| fail(what, nl(e))) }));
    }
    all(futs).await?;
    let mut futs: Vec<Job> = vec![];
    for r in &plan.rules {
        let hd = h.h(&r.ns)?;
        let mut req = hd.rule().add().v4().priority(r.pref).table_id(r.table).action(RuleAction::ToTable);
        if let Some(f) = r.from {
            req = req.source_prefix(f.network(), f.prefix());
        }
        if let Some(t) = r.to {
            req = req.destination_prefix(t.network(), t.prefix());
        }
        let what = format!("rule pref {} from {:?} to {:?} table {} in {}", r.pref, r.from, r.to, r.table, r.ns);
        futs.push(Box::pin(async move { req.execute().await.map_err(|e| fail(what, nl(e))) }));
    }
    all(futs).await
}

/// Permanent neighbour entries (the fabric's static address resolution).
pub async fn neighbours(plan: &Plan, h: &Handles, idx: &Indexes) -> Result<(), ApplyError> {
    use rtnetlink::packet_route::neighbour::NeighbourState;
    let mut futs: Vec<Job> = vec![];
    for n in &plan.neighbours {
        let hd = h.h(&n.ns)?;
        let i = idx.get(&n.ns, &n.dev)?;
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

/// Load each namespace's `inet ecsnet` table with `nft -j -f -`, started from a thread inside
/// the namespace (the child inherits the thread's namespace).
pub async fn firewalls(plan: &Plan) -> Result<(), ApplyError> {
    let jobs: Vec<_> = plan
        .firewalls
        .iter()
        .cloned()
        .map(|fw| {
            tokio::task::spawn_blocking(move || {
                let ns = fw.ns.clone();
                netns::run_in(&ns, move || {
                    nftables::helper::apply_ruleset(&fw.ruleset).map_err(|e| std::io::Error::other(e.to_string()))
                })
                .map_err(|e| fail(format!("nftables table inet ecsnet in {ns}"), e))
            })
        })
        .collect();
    for j in jobs {
        j.await.map_err(|e| fail("nftables", e))??;
    }
    Ok(())
}
