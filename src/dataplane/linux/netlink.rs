//! Netlink as the Linux kernel's phases use it: one rtnetlink connection per namespace, opened
//! by a thread inside that namespace, and interface indexes chosen by ecsnet so that no dump is
//! ever needed to find a link. Nothing here runs in, or changes, the root namespace.

use crate::dataplane::kernel::{ApplyError, fail};
use crate::plan::Plan;
use crate::sys::netns;
use futures::stream::{self, StreamExt, TryStreamExt};
use rtnetlink::Handle;
use std::collections::HashMap;
use std::fs::File;
use std::os::fd::AsRawFd;

/// One netlink request, boxed so that different request kinds share a queue.
pub type Job = std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), ApplyError>> + Send>>;

/// How many netlink requests are in flight at once.
const PARALLEL: usize = 256;

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
            // A branch ENI's `eth0` (ENI trunking) is the first link of its task's namespace too.
            for end in plan.vlans.iter().flat_map(|pair| pair.ends.iter()) {
                assign(&end.ns, &end.name);
            }
            for b in &plan.bridges {
                assign(&b.ns, &b.name);
            }
            for v in &plan.veths {
                assign(&v.ns, &v.name);
                assign(&v.peer_ns, &v.peer_name);
            }
            // A host's fabric link (a lab over several hosts) comes after every other.
            for x in &plan.vxlans {
                assign(&x.ns, &x.name);
            }
        }
        Indexes(map)
    }

    /// For an update of a running lab: the `fresh` namespaces' links get the indexes `up` gives
    /// them; `existing` lists the other namespaces' links as the kernel has them, and the plan's
    /// links not among them get the next free indexes of their namespace, in creation order.
    pub fn running(plan: &Plan, fresh: &[String], existing: HashMap<String, Vec<(String, u32)>>) -> Self {
        let mut map: HashMap<(String, String), u32> =
            Indexes::of(plan).0.into_iter().filter(|((ns, _), _)| fresh.contains(ns)).collect();
        let mut next: HashMap<String, u32> = HashMap::new();
        for (ns, links) in existing {
            for (name, i) in links {
                let n = next.entry(ns.clone()).or_insert(2);
                *n = (*n).max(i + 1);
                map.insert((ns.clone(), name), i);
            }
        }
        for (ns, name) in plan_links(plan) {
            if fresh.contains(&ns) || map.contains_key(&(ns.clone(), name.clone())) {
                continue;
            }
            let n = next.entry(ns.clone()).or_insert(2);
            map.insert((ns, name), *n);
            *n += 1;
        }
        Indexes(map)
    }

    /// The index of a link, if the plan or the kernel has it.
    pub fn find(&self, ns: &str, name: &str) -> Option<u32> {
        self.0.get(&(ns.to_string(), name.to_string())).copied()
    }

    pub fn get(&self, ns: &str, name: &str) -> Result<u32, ApplyError> {
        self.0
            .get(&(ns.to_string(), name.to_string()))
            .copied()
            .ok_or_else(|| fail(format!("link {name} in {ns}"), "not in the plan"))
    }

    /// Every (namespace, link name) with its index.
    pub fn iter(&self) -> impl Iterator<Item = (&(String, String), &u32)> {
        self.0.iter()
    }
}

/// Every link a plan creates, as (namespace, name), in creation order.
pub fn plan_links(plan: &Plan) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = plan.bridges.iter().map(|b| (b.ns.clone(), b.name.clone())).collect();
    for l in &plan.veths {
        v.push((l.ns.clone(), l.name.clone()));
        v.push((l.peer_ns.clone(), l.peer_name.clone()));
    }
    for end in plan.vlans.iter().flat_map(|pair| pair.ends.iter()) {
        v.push((end.ns.clone(), end.name.clone()));
    }
    v.extend(plan.vxlans.iter().map(|x| (x.ns.clone(), x.name.clone())));
    v
}

/// The links a namespace has, by name with their indexes (one dump).
pub async fn dump_links(h: &Handle, ns: &str) -> Result<Vec<(String, u32)>, ApplyError> {
    use rtnetlink::packet_route::link::LinkAttribute;
    let msgs: Vec<_> =
        h.link().get().execute().try_collect().await.map_err(|e| fail(format!("links of {ns}"), nl(e)))?;
    Ok(msgs
        .into_iter()
        .filter_map(|m| {
            m.attributes.iter().find_map(|a| match a {
                LinkAttribute::IfName(n) => Some((n.clone(), m.header.index)),
                _ => None,
            })
        })
        .collect())
}

/// What an object already gone answers to its removal: no such device, entry, process
/// (route) or address.
pub fn gone(e: &rtnetlink::Error) -> bool {
    const GONE: [i32; 4] = [2, 3, 19, 99];
    matches!(e, rtnetlink::Error::NetlinkError(m) if m.code.is_some_and(|c| GONE.contains(&-c.get())))
}

/// Run every request, `PARALLEL` at a time, even after one failed; the first error wins.
pub async fn all_tried(futs: Vec<Job>) -> Result<(), ApplyError> {
    let results: Vec<Result<(), ApplyError>> = stream::iter(futs).buffer_unordered(PARALLEL).collect().await;
    results.into_iter().collect::<Result<Vec<()>, _>>().map(|_| ())
}

pub fn parse_mac(s: &str) -> Vec<u8> {
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

    /// Open, besides the lab's, a connection in each namespace a VXLAN link of the plan is
    /// asked for from (its underlay), keyed "" for the namespace ecsnet runs in: the one
    /// connection of the Linux kernel that is not inside a lab's namespace, because the link's
    /// UDP socket must live where the host's underlay address is.
    pub async fn open_underlays(&mut self, plan: &Plan) -> Result<(), ApplyError> {
        let named: Vec<String> = plan
            .vxlans
            .iter()
            .filter_map(|x| x.underlay_ns.clone())
            .filter(|n| !self.map.contains_key(n))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let opened = Handles::open(&named).await?;
        self.map.extend(opened.map);
        self.files.extend(opened.files);
        if plan.vxlans.iter().any(|x| x.underlay_ns.is_none()) {
            let (conn, handle, _) = rtnetlink::new_connection().map_err(|e| fail("netlink socket", e))?;
            tokio::spawn(conn);
            self.map.insert(String::new(), handle);
        }
        Ok(())
    }

    pub fn h(&self, ns: &str) -> Result<Handle, ApplyError> {
        self.map.get(ns).cloned().ok_or_else(|| fail(format!("namespace {ns}"), "no netlink handle"))
    }

    pub fn fd(&self, ns: &str) -> Result<i32, ApplyError> {
        self.files.get(ns).map(|f| f.as_raw_fd()).ok_or_else(|| fail(format!("namespace {ns}"), "not open"))
    }
}

impl Session {
    /// Connections for an update (see [`Indexes::running`]).
    pub async fn running(plan: &Plan, fresh: &[String]) -> Result<Self, ApplyError> {
        let handles = Handles::open(&plan.namespaces).await?;
        let mut existing = HashMap::new();
        for ns in plan.namespaces.iter().filter(|n| !fresh.contains(n)) {
            existing.insert(ns.clone(), dump_links(&handles.h(ns)?, ns).await?);
        }
        Ok(Session { indexes: Indexes::running(plan, fresh, existing), handles })
    }
}

/// The open connections and the plan's indexes, for the phases between `links` and `neighbours`.
pub struct Session {
    pub handles: Handles,
    pub indexes: Indexes,
}

/// Run the requests, `PARALLEL` at a time; the first error wins.
pub async fn all<F>(futs: Vec<F>) -> Result<(), ApplyError>
where
    F: std::future::Future<Output = Result<(), ApplyError>>,
{
    stream::iter(futs).buffer_unordered(PARALLEL).try_collect::<Vec<()>>().await.map(|_| ())
}

/// A netlink error as `strerror (errno N)`, the way `ip` reports it.
pub fn nl(e: rtnetlink::Error) -> String {
    match &e {
        rtnetlink::Error::NetlinkError(m) => match m.code {
            Some(c) => format!("{} (errno {})", std::io::Error::from_raw_os_error(-c.get()), -c.get()),
            None => e.to_string(),
        },
        _ => e.to_string(),
    }
}
