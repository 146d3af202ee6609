//! Bridges, veth pairs and VLANs. Each veth's peer, and each VLAN, is born in its own
//! namespace, and every link gets the index ecsnet chose for it, so nothing has to be looked up
//! or moved afterwards.

use super::netlink::{Job, Session, all, all_tried, gone, nl, parse_mac};
use super::sysctl::LinkParams as Params;
use crate::dataplane::kernel::{ApplyError, LinkRef, fail};
use crate::plan::{Plan, Veth, Vlan, VlanPair, Vxlan};
use futures::StreamExt;
use rtnetlink::packet_route::link::{InfoData, InfoVeth, LinkMessage};
use rtnetlink::{LinkBridge, LinkUnspec, LinkVeth, LinkVlan, LinkVxlan};
use std::os::fd::RawFd;

/// What the kernel answers for a link kind it does not have ("Unknown device type").
const EOPNOTSUPP: i32 = 95;

/// Bridges first: veths name them as their controller; VLANs next: veths are their trunks;
/// VXLAN links (a lab over several hosts) last.
pub async fn apply(plan: &Plan, s: &Session) -> Result<(), ApplyError> {
    bridges(plan, s).await?;
    let (params, _) = super::sysctl::neigh_params(&plan.link_sysctls);
    veths(plan.veths.iter(), &params, s).await?;
    vlans(plan, s).await?;
    vxlans(plan, s).await
}

/// Each VXLAN link asked for in its underlay namespace and born in its router namespace: the
/// kernel binds the UDP socket in the namespace of the request, whatever the link's own.
async fn vxlans(plan: &Plan, s: &Session) -> Result<(), ApplyError> {
    let mut futs: Vec<Job> = vec![];
    for x in &plan.vxlans {
        let hd = s.handles.h(x.underlay_ns.as_deref().unwrap_or_default())?;
        let msg = vxlan_msg(x, s.indexes.get(&x.ns, &x.name)?, s.handles.fd(&x.ns)?);
        let under = x.underlay_ns.as_deref().unwrap_or("this host");
        let what = format!("VXLAN {} (VNI {}, {}:{}) in {} over {under}", x.name, x.vni, x.local, x.port, x.ns);
        futs.push(Box::pin(async move { hd.link().add(msg).execute().await.map_err(|e| fail(what, nl(e))) }));
    }
    all(futs).await
}

/// The RTM_NEWLINK of a VXLAN link: `ip link add NAME [netns NS] address MAC mtu MTU index
/// INDEX type vxlan id VNI local LOCAL dstport PORT nolearning` (no remote, no group: every
/// destination is a static FDB entry).
fn vxlan_msg(x: &Vxlan, index: u32, ns_fd: RawFd) -> LinkMessage {
    LinkVxlan::new(&x.name, x.vni)
        .port(x.port)
        .local(x.local)
        .learning(false)
        .index(index)
        .address(parse_mac(&x.mac))
        .mtu(x.mtu)
        .setns_by_fd(ns_fd)
        .build()
}

async fn bridges(plan: &Plan, s: &Session) -> Result<(), ApplyError> {
    let mut futs: Vec<Job> = vec![];
    for b in &plan.bridges {
        let hd = s.handles.h(&b.ns)?;
        let i = s.indexes.get(&b.ns, &b.name)?;
        let mut msg = LinkBridge::new(&b.name).index(i).address(parse_mac(&b.mac));
        if let Some(q) = b.txqlen {
            msg = msg.txqueuelen(q);
        }
        let msg = msg.build();
        let what = format!("bridge {} in {}", b.name, b.ns);
        futs.push(Box::pin(async move { hd.link().add(msg).execute().await.map_err(|e| fail(what, nl(e))) }));
    }
    all(futs).await
}

/// Each veth, then its ends' neighbour parameters (the links' ARP settings) at once: the
/// kernel finds a link's parameters by walking one list of every link of every namespace,
/// newest first, so right after the link is made they are near the head. Set later, after
/// every link of a lab, each walk was half of that list: quadratic (`neightbl_set`, 3% of an
/// `up` at 5,000 tasks).
async fn veths<'a>(list: impl Iterator<Item = &'a Veth>, params: &Params, s: &Session) -> Result<(), ApplyError> {
    let mut futs: Vec<Job> = vec![];
    for v in list {
        let hd = s.handles.h(&v.ns)?;
        let msg = veth_msg(v, s)?;
        let mut ends = vec![];
        for (ns, dev) in [(&v.ns, &v.name), (&v.peer_ns, &v.peer_name)] {
            if let Some(p) = params.get(&(ns.clone(), dev.clone())) {
                ends.push((
                    s.handles.h(ns)?,
                    s.indexes.get(ns, dev)?,
                    p.clone(),
                    format!("ARP parameters of {dev} in {ns}"),
                ));
            }
        }
        let what = format!("veth {} in {} <-> {} in {}", v.name, v.ns, v.peer_name, v.peer_ns);
        futs.push(Box::pin(async move {
            hd.link().add(msg).execute().await.map_err(|e| fail(what, nl(e)))?;
            for (mut h, index, p, what) in ends {
                super::sysctl::set_link_params(&mut h, index, p).await.map_err(|e| fail(what, e))?;
            }
            Ok(())
        }));
    }
    all(futs).await
}

fn veth_msg(v: &Veth, s: &Session) -> Result<LinkMessage, ApplyError> {
    let (h, idx) = (&s.handles, &s.indexes);
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
    let mut b =
        LinkVeth::new(&v.name, &v.peer_name).set_info_data(InfoData::Veth(InfoVeth::Peer(peer.build()))).index(i).up();
    if let Some(m) = &v.mac {
        b = b.address(parse_mac(m));
    }
    if let Some(mtu) = v.mtu {
        b = b.mtu(mtu);
    }
    if let Some(master) = &v.master {
        b = b.controller(idx.get(&v.ns, master)?);
    }
    Ok(b.build())
}

/// How long `up` waits for the kernel to activate links whose carrier is on.
const ACTIVATION: std::time::Duration = std::time::Duration::from_secs(10);

/// Wait until every veth end and VLAN link whose carrier is on has been activated by the
/// kernel's link watch: until then its queue is the `noop` qdisc, which drops every packet,
/// and its state is not UP. The link watch runs later, from a work queue, under RTNL: right
/// after a thousand tasks' links it was seen seconds behind (440 links of the routers and
/// instances still `qdisc noop` 0.7 s after `up` returned, 324 at 2.5 s), and a `check`
/// started then called 4,148 connected paths timeouts. Each pending link's own RTM_GETLINK
/// says when it is done (its state UP), every 20 ms, for the links still pending.
pub async fn wait_active(plan: &Plan, s: &Session) -> Result<(), ApplyError> {
    use futures::TryStreamExt;
    use rtnetlink::packet_route::link::{LinkAttribute, LinkFlags, State};
    let mut pending: Vec<(String, String, u32)> = vec![];
    let veth_ends = plan.veths.iter().flat_map(|v| [(&v.ns, &v.name), (&v.peer_ns, &v.peer_name)]);
    // A branch ENI's two VLAN links (or the veth that stands for them without 802.1Q).
    let vlan_ends = plan.vlans.iter().flat_map(|pair| pair.ends.iter().map(|e| (&e.ns, &e.name)));
    for (ns, name) in veth_ends.chain(vlan_ends) {
        pending.push((ns.clone(), name.clone(), s.indexes.get(ns, name)?));
    }
    let start = std::time::Instant::now();
    loop {
        let mut futs = vec![];
        for (ns, name, i) in &pending {
            let hd = s.handles.h(ns)?;
            let what = format!("link {name} in {ns}");
            let i = *i;
            futs.push(async move {
                let msgs: Vec<LinkMessage> =
                    hd.link().get().match_index(i).execute().try_collect().await.map_err(|e| fail(what, nl(e)))?;
                // Carrier off: nothing for the link watch to do yet, nothing to wait for.
                let waiting = msgs.iter().any(|m| {
                    m.header.flags.contains(LinkFlags::LowerUp)
                        && !m.attributes.iter().any(|a| matches!(a, LinkAttribute::OperState(State::Up)))
                });
                Ok::<bool, ApplyError>(waiting)
            });
        }
        let waiting: Vec<bool> = futures::stream::iter(futs).buffer_unordered(256).try_collect().await?;
        pending = pending.into_iter().zip(waiting).filter(|(_, w)| *w).map(|(p, _)| p).collect();
        let Some((ns, name, _)) = pending.first() else { return Ok(()) };
        if start.elapsed() > ACTIVATION {
            let why = format!(
                "the kernel has not activated it {} s after its carrier came up ({} links so)",
                ACTIVATION.as_secs(),
                pending.len()
            );
            return Err(fail(format!("link {name} in {ns}"), why));
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Delete links by name from namespaces that stay (a veth's other end goes with it, also in
/// a namespace something still holds open). One the kernel no longer has is already gone.
pub async fn delete(list: &[LinkRef], s: &Session) -> Result<(), ApplyError> {
    let mut futs: Vec<Job> = vec![];
    for l in list {
        let Some(i) = s.indexes.find(&l.ns, &l.name) else { continue };
        let hd = s.handles.h(&l.ns)?;
        let what = format!("deleting link {} in {}", l.name, l.ns);
        futs.push(Box::pin(async move {
            match hd.link().del(i).execute().await {
                Err(e) if !gone(&e) => Err(fail(what, nl(e))),
                _ => Ok(()),
            }
        }));
    }
    all_tried(futs).await
}

/// Branch ENIs. The first VLAN link is made alone: a kernel without 802.1Q (CONFIG_VLAN_8021Q)
/// refuses it before anything exists, and then every pair becomes the veth it would be without
/// trunking, so that the lab still comes up and carries the same packets.
async fn vlans(plan: &Plan, s: &Session) -> Result<(), ApplyError> {
    let Some(first) = plan.vlans.first() else { return Ok(()) };
    match vlan_request(&first.ends[0], first.id, s)?.await {
        Err(VlanError::Unsupported) => {
            tracing::warn!(
                "this kernel has no 802.1Q VLANs (CONFIG_VLAN_8021Q): branch ENIs are veths from the VPC router, as without ENI trunking"
            );
            let fallback: Vec<Veth> = plan.vlans.iter().map(veth_instead).collect();
            // Their ARP parameters are set with the other links' (`sysctl::apply_links`).
            return veths(fallback.iter(), &Params::new(), s).await;
        }
        Err(VlanError::Failed(e)) => return Err(e),
        Ok(()) => {}
    }
    let mut futs: Vec<Job> = vec![];
    let rest = std::iter::once(&first.ends[1]).map(|end| (end, first.id));
    let others = plan.vlans[1..].iter().flat_map(|pair| pair.ends.iter().map(move |end| (end, pair.id)));
    for (end, id) in rest.chain(others) {
        let req = vlan_request(end, id, s)?;
        futs.push(Box::pin(async move {
            req.await.map_err(|e| match e {
                VlanError::Unsupported => fail("VLAN link", "802.1Q is not supported"),
                VlanError::Failed(e) => e,
            })
        }));
    }
    all(futs).await
}

enum VlanError {
    Unsupported,
    Failed(ApplyError),
}

/// VLAN `id` on `end.lower`, asked for in the lower link's namespace and born in `end.ns` with
/// its MAC and index.
fn vlan_request(
    end: &Vlan,
    id: u16,
    s: &Session,
) -> Result<impl std::future::Future<Output = Result<(), VlanError>> + Send + use<>, ApplyError> {
    let hd = s.handles.h(&end.lower_ns)?;
    let lower = s.indexes.get(&end.lower_ns, &end.lower)?;
    let index = s.indexes.get(&end.ns, &end.name)?;
    let ns_fd = if end.ns == end.lower_ns { None } else { Some(s.handles.fd(&end.ns)?) };
    let msg = vlan_msg(end, id, lower, index, ns_fd);
    let what = format!("VLAN {} ({}.{id} of {}) in {}", end.name, end.lower, end.lower_ns, end.ns);
    Ok(async move {
        hd.link().add(msg).execute().await.map_err(|e| match &e {
            rtnetlink::Error::NetlinkError(m) if m.code.is_some_and(|c| c.get() == -EOPNOTSUPP) => {
                VlanError::Unsupported
            }
            _ => VlanError::Failed(fail(what, nl(e))),
        })
    })
}

/// The RTM_NEWLINK of a VLAN link: `ip link add link LOWER name NAME [netns NS] address MAC
/// index INDEX type vlan id ID`, as `vpc-branch-eni` makes a branch (there in the instance's
/// namespace, then moved and renamed to `eth0`; here born there with its final name).
fn vlan_msg(end: &Vlan, id: u16, lower: u32, index: u32, ns_fd: Option<RawFd>) -> LinkMessage {
    let mut b = LinkVlan::new(&end.name, lower, id).index(index).address(parse_mac(&end.mac));
    if let Some(fd) = ns_fd {
        b = b.setns_by_fd(fd);
    }
    b.build()
}

/// The veth that stands for a branch ENI where there are no VLANs: between the pair's two ends.
fn veth_instead(pair: &VlanPair) -> Veth {
    let [a, b] = &pair.ends;
    Veth {
        ns: a.ns.clone(),
        name: a.name.clone(),
        mac: Some(a.mac.clone()),
        master: None,
        peer_ns: b.ns.clone(),
        peer_name: b.name.clone(),
        peer_mac: Some(b.mac.clone()),
        mtu: pair.mtu,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtnetlink::packet_route::link::{InfoKind, InfoVlan, InfoVxlan, LinkAttribute, LinkInfo};

    fn end() -> Vlan {
        Vlan {
            lower_ns: "ecsnet.l.i.a".into(),
            lower: "eth1".into(),
            ns: "ecsnet.l.t.web".into(),
            name: "eth0".into(),
            mac: "0e:01:02:03:04:05".into(),
        }
    }

    #[test]
    fn a_branch_eni_is_a_vlan_of_the_trunk_born_in_the_task_namespace() {
        let m = vlan_msg(&end(), 3, 7, 2, Some(42));
        assert_eq!(m.header.index, 2, "the index ecsnet chose");
        let a = &m.attributes;
        assert!(a.contains(&LinkAttribute::IfName("eth0".into())), "{a:?}");
        assert!(a.contains(&LinkAttribute::Link(7)), "on the trunk link: {a:?}");
        assert!(a.contains(&LinkAttribute::Address(vec![0x0e, 1, 2, 3, 4, 5])), "the branch ENI's MAC: {a:?}");
        assert!(a.contains(&LinkAttribute::NetNsFd(42)), "born in the task's namespace: {a:?}");
        let info = vec![LinkInfo::Kind(InfoKind::Vlan), LinkInfo::Data(InfoData::Vlan(vec![InfoVlan::Id(3)]))];
        assert!(a.contains(&LinkAttribute::LinkInfo(info)), "{a:?}");
    }

    #[test]
    fn a_vxlan_link_is_born_in_the_router_namespace_without_learning() {
        let x = Vxlan {
            underlay_ns: Some("vx-h1".into()),
            ns: "ecsnet.l.vpc".into(),
            name: "vx-vpc".into(),
            vni: 4242,
            port: 14789,
            local: std::net::Ipv4Addr::new(192, 0, 2, 1),
            mac: "06:00:00:00:00:07".into(),
            mtu: 1450,
        };
        let m = vxlan_msg(&x, 40, 42);
        let a = &m.attributes;
        assert_eq!(m.header.index, 40, "the index ecsnet chose");
        assert!(a.contains(&LinkAttribute::NetNsFd(42)), "born in the router's namespace: {a:?}");
        assert!(a.contains(&LinkAttribute::Mtu(1450)), "{a:?}");
        assert!(a.contains(&LinkAttribute::Address(vec![6, 0, 0, 0, 0, 7])), "{a:?}");
        let Some(LinkAttribute::LinkInfo(info)) = a.iter().find(|x| matches!(x, LinkAttribute::LinkInfo(_))) else {
            panic!("no link info: {a:?}")
        };
        assert!(info.contains(&LinkInfo::Kind(InfoKind::Vxlan)), "{info:?}");
        let Some(LinkInfo::Data(InfoData::Vxlan(d))) = info.iter().find(|i| matches!(i, LinkInfo::Data(_))) else {
            panic!("no vxlan data: {info:?}")
        };
        for want in [InfoVxlan::Id(4242), InfoVxlan::Port(14789), InfoVxlan::Learning(false)] {
            assert!(d.contains(&want), "{want:?} in {d:?}");
        }
        assert!(d.contains(&InfoVxlan::Local(x.local)), "{d:?}");
    }

    #[test]
    fn the_router_end_stays_in_its_namespace() {
        let m = vlan_msg(&Vlan { ns: "ecsnet.l.i.a".into(), ..end() }, 3, 7, 9, None);
        assert!(!m.attributes.iter().any(|a| matches!(a, LinkAttribute::NetNsFd(_))), "{:?}", m.attributes);
    }

    #[test]
    fn without_vlans_a_pair_is_the_veth_it_would_be_without_trunking() {
        let router =
            Vlan { ns: "vpc".into(), name: "eni-0123456789a".into(), mac: "06:00:00:00:00:01".into(), ..end() };
        let pair = VlanPair { id: 1, ends: [router, end()], mtu: Some(9001) };
        let v = veth_instead(&pair);
        assert_eq!(
            (v.ns.as_str(), v.name.as_str(), v.mac.as_deref()),
            ("vpc", "eni-0123456789a", Some("06:00:00:00:00:01"))
        );
        assert_eq!((v.peer_ns.as_str(), v.peer_name.as_str()), ("ecsnet.l.t.web", "eth0"));
        assert_eq!((v.peer_mac.as_deref(), v.mtu, v.master), (Some("0e:01:02:03:04:05"), Some(9001), None));
    }
}
