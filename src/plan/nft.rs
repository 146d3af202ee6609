//! Small constructors over the `nftables` crate's typed JSON schema, so that rulesets read like
//! the nft rules they stand for. Pure: the dataplane only hands the result to `nft -j -f -`.

use nftables::batch::Batch;
use nftables::expr::{CT, Expression as E, Fib, FibFlag, FibResult, Meta, MetaKey, NamedExpression as N};
use nftables::expr::{Payload, PayloadField, Prefix};
use nftables::schema::{Chain, NfListObject, Nftables, Rule, Table};
use nftables::stmt::{Counter, JumpTarget, Log, Match, NAT, NATFamily, Operator, Statement as St};
use nftables::types::{NfChainPolicy, NfChainType, NfFamily, NfHook};
use std::borrow::Cow;
use std::collections::HashSet;
use std::net::Ipv4Addr;

/// Every namespace's own table: owning a whole table lets teardown and rebuilds be one atomic
/// delete, and nothing else in a namespace is ever touched.
pub const TABLE: &str = "ecsnet";

pub type Stmt = St<'static>;
pub type Expr = E<'static>;

fn s(v: impl Into<String>) -> Expr {
    E::String(Cow::Owned(v.into()))
}

fn payload(proto: &str, field: &str) -> Expr {
    E::Named(N::Payload(Payload::PayloadField(PayloadField {
        protocol: Cow::Owned(proto.into()),
        field: Cow::Owned(field.into()),
    })))
}

fn meta(key: MetaKey) -> Expr {
    E::Named(N::Meta(Meta { key }))
}

fn m(left: Expr, op: Operator, right: Expr) -> Stmt {
    St::Match(Match { left, right, op })
}

pub fn prefix(net: ipnetwork::Ipv4Network) -> Expr {
    if net.prefix() == 32 {
        return s(net.ip().to_string());
    }
    E::Named(N::Prefix(Prefix { addr: Box::new(s(net.network().to_string())), len: u32::from(net.prefix()) }))
}

pub fn ip_saddr(v: Expr) -> Stmt {
    m(payload("ip", "saddr"), Operator::EQ, v)
}
pub fn ip_saddr_ne(v: Expr) -> Stmt {
    m(payload("ip", "saddr"), Operator::NEQ, v)
}
pub fn ip_daddr(v: Expr) -> Stmt {
    m(payload("ip", "daddr"), Operator::EQ, v)
}
pub fn ip_daddr_ne(v: Expr) -> Stmt {
    m(payload("ip", "daddr"), Operator::NEQ, v)
}
/// Which address of a packet a match looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Source,
    Destination,
}
/// `ip saddr V` / `ip daddr V`.
pub fn ip_addr(side: Side, v: Expr) -> Stmt {
    match side {
        Side::Source => ip_saddr(v),
        Side::Destination => ip_daddr(v),
    }
}
pub fn ip(a: Ipv4Addr) -> Expr {
    s(a.to_string())
}
pub fn addr_set(v: &[Ipv4Addr]) -> Expr {
    E::Named(N::Set(v.iter().map(|a| nftables::expr::SetItem::Element(ip(*a))).collect()))
}
/// `@NAME`: a named set of the table (see [`TableBuilder::addr_set`]).
pub fn set_ref(name: &str) -> Expr {
    s(format!("@{name}"))
}
/// `tcp dport N` / `udp dport N`.
pub fn dport(proto: &str, port: u16) -> Stmt {
    m(payload(proto, "dport"), Operator::EQ, E::Number(u32::from(port)))
}
/// `tcp dport A-B`.
pub fn dport_range(proto: &str, from: u16, to: u16) -> Stmt {
    if from == to {
        return dport(proto, from);
    }
    m(
        payload(proto, "dport"),
        Operator::EQ,
        E::Range(Box::new(nftables::expr::Range { range: [E::Number(from.into()), E::Number(to.into())] })),
    )
}
/// The protocol and destination-port part of a security group or ACL rule.
pub fn proto_ports(p: crate::scenario::RuleProto, ports: Option<crate::scenario::PortRange>) -> Option<Stmt> {
    use crate::scenario::RuleProto;
    let proto = match p {
        RuleProto::Tcp => "tcp",
        RuleProto::Udp => "udp",
        RuleProto::Icmp => return Some(l4proto("icmp")),
        RuleProto::All => return None,
    };
    Some(match ports {
        Some(pr) => dport_range(proto, pr.from, pr.to),
        None => l4proto(proto),
    })
}

/// `meta l4proto tcp`.
pub fn l4proto(proto: &str) -> Stmt {
    m(meta(MetaKey::L4proto), Operator::EQ, s(proto))
}
pub fn iifname(n: &str) -> Stmt {
    m(meta(MetaKey::Iifname), Operator::EQ, s(n))
}
pub fn iifname_ne(n: &str) -> Stmt {
    m(meta(MetaKey::Iifname), Operator::NEQ, s(n))
}
pub fn oifname(n: &str) -> Stmt {
    m(meta(MetaKey::Oifname), Operator::EQ, s(n))
}
/// `iifname != { a, b }` / `oifname != { a, b }`.
pub fn ifname_not_in(out: bool, names: &[String]) -> Stmt {
    let key = if out { MetaKey::Oifname } else { MetaKey::Iifname };
    let set = E::Named(N::Set(names.iter().map(|n| nftables::expr::SetItem::Element(s(n.clone()))).collect()));
    m(meta(key), Operator::NEQ, set)
}
/// `iifname vmap { A : jump CA, B : jump CB }` (`oifname` when `out`): one hash lookup where a
/// rule per link was a linear scan for every forwarded packet (1,000 rules at 500 ENIs). No
/// element matching continues with the next rule, as a list of `iifname A jump CA` rules does.
pub fn ifname_jump_vmap(out: bool, jumps: &[(String, String)]) -> Stmt {
    let key = if out { MetaKey::Oifname } else { MetaKey::Iifname };
    let items = jumps
        .iter()
        .map(|(link, chain)| {
            let verdict = nftables::expr::Verdict::Jump(JumpTarget { target: Cow::Owned(chain.clone()) });
            nftables::expr::SetItem::Mapping(s(link.clone()), E::Verdict(verdict))
        })
        .collect();
    St::VerdictMap(nftables::stmt::VerdictMap { key: meta(key), data: E::Named(N::Set(items)) })
}
pub fn oifname_ne(n: &str) -> Stmt {
    m(meta(MetaKey::Oifname), Operator::NEQ, s(n))
}
/// `meta mark set jhash ip saddr . th sport mod n offset first`: a flow's hash, the same for
/// every packet of the flow.
pub fn mark_flow_hash(n: u32, first: u32) -> Stmt {
    let flow = E::Named(N::Concat(vec![payload("ip", "saddr"), payload("th", "sport")]));
    let hash = E::Named(N::JHash(nftables::expr::JHash {
        hash_mod: n,
        offset: Some(first),
        expr: Box::new(flow),
        seed: Some(0x4e4c42),
    }));
    St::Mangle(nftables::stmt::Mangle { key: meta(MetaKey::Mark), value: hash })
}
/// `meta mark N`.
pub fn mark_is(n: u32) -> Stmt {
    m(meta(MetaKey::Mark), Operator::EQ, E::Number(n))
}
/// `meta mark FROM-TO`.
pub fn mark_in(from: u32, to: u32) -> Stmt {
    let range = E::Range(Box::new(nftables::expr::Range { range: [E::Number(from), E::Number(to)] }));
    m(meta(MetaKey::Mark), Operator::EQ, range)
}
/// `meta mark set ct mark`.
pub fn mark_from_ct() -> Stmt {
    let ct = E::Named(N::CT(CT { key: Cow::Borrowed("mark"), family: None, dir: None }));
    St::Mangle(nftables::stmt::Mangle { key: meta(MetaKey::Mark), value: ct })
}
/// `ct mark set N`.
pub fn ct_mark_set(n: u32) -> Stmt {
    let ct = E::Named(N::CT(CT { key: Cow::Borrowed("mark"), family: None, dir: None }));
    St::Mangle(nftables::stmt::Mangle { key: ct, value: E::Number(n) })
}
/// `ct direction reply`.
pub fn ct_reply() -> Stmt {
    let ct = E::Named(N::CT(CT { key: Cow::Borrowed("direction"), family: None, dir: None }));
    m(ct, Operator::EQ, s("reply"))
}
/// `ct state { a, b }`.
pub fn ct_state(states: &[&str]) -> Stmt {
    let ct = E::Named(N::CT(CT { key: Cow::Borrowed("state"), family: None, dir: None }));
    m(ct, Operator::IN, E::List(states.iter().map(|x| s(*x)).collect()))
}
/// `ct status dnat`.
pub fn ct_status_dnat() -> Stmt {
    let ct = E::Named(N::CT(CT { key: Cow::Borrowed("status"), family: None, dir: None }));
    m(ct, Operator::IN, s("dnat"))
}
/// `fib daddr type local`.
pub fn fib_daddr_local() -> Stmt {
    let fib = E::Named(N::Fib(Fib { result: FibResult::Type, flags: HashSet::from([FibFlag::Daddr]) }));
    m(fib, Operator::EQ, s("local"))
}
pub fn counter() -> Stmt {
    St::Counter(Counter::Anonymous(None))
}
/// `log prefix "PREFIX" group GROUP`: a copy of the packet to whoever listens on the NFLOG
/// group (nobody, mostly), ahead of the drop it names.
pub fn log(prefix: String, group: u16) -> Stmt {
    St::Log(Some(Log {
        prefix: Some(Cow::Owned(prefix)),
        group: Some(u32::from(group)),
        snaplen: None,
        queue_threshold: None,
        level: None,
        flags: None,
    }))
}
pub fn accept() -> Stmt {
    St::Accept(None)
}
pub fn drop() -> Stmt {
    St::Drop(None)
}
pub fn ret() -> Stmt {
    St::Return(None)
}
pub fn jump(chain: &str) -> Stmt {
    St::Jump(JumpTarget { target: Cow::Owned(chain.into()) })
}
pub fn dnat(to: Ipv4Addr, port: Option<u16>) -> Stmt {
    St::DNAT(Some(NAT {
        addr: Some(ip(to)),
        family: Some(NATFamily::IP),
        port: port.map(|p| E::Number(u32::from(p))),
        flags: None,
    }))
}
pub fn snat(to: Ipv4Addr) -> Stmt {
    St::SNAT(Some(NAT { addr: Some(ip(to)), family: Some(NATFamily::IP), port: None, flags: None }))
}
pub fn masquerade() -> Stmt {
    St::Masquerade(None)
}
pub fn redirect(port: u16) -> Stmt {
    St::Redirect(Some(NAT { addr: None, family: None, port: Some(E::Number(u32::from(port))), flags: None }))
}

/// A table under construction: base chains and rules in order.
pub struct TableBuilder {
    objs: Vec<NfListObject<'static>>,
    table: &'static str,
    /// Delete the table first (a rebuild in one batch).
    replace: bool,
}

impl Default for TableBuilder {
    fn default() -> Self {
        TableBuilder { objs: vec![], table: TABLE, replace: false }
    }
}

impl TableBuilder {
    pub fn new() -> Self {
        Self::named(TABLE, false)
    }

    /// Another table than `ecsnet` (one a service rewrites while the lab runs); `replace`:
    /// the batch deletes the table's old contents first, atomically.
    pub fn named(table: &'static str, replace: bool) -> Self {
        let mut t = TableBuilder { objs: vec![], table, replace };
        t.objs.push(NfListObject::Table(Table {
            family: NfFamily::INet,
            name: Cow::Borrowed(table),
            ..Default::default()
        }));
        t
    }

    /// A base chain hooked at `hook`.
    pub fn base(&mut self, name: &str, ty: NfChainType, hook: NfHook, prio: i32, policy: NfChainPolicy) {
        self.objs.push(NfListObject::Chain(Chain {
            family: NfFamily::INet,
            table: Cow::Borrowed(self.table),
            name: Cow::Owned(name.into()),
            _type: Some(ty),
            hook: Some(hook),
            prio: Some(prio),
            policy: Some(policy),
            ..Default::default()
        }));
    }

    /// A regular chain (jump target).
    pub fn chain(&mut self, name: &str) {
        self.objs.push(NfListObject::Chain(Chain {
            family: NfFamily::INet,
            table: Cow::Borrowed(self.table),
            name: Cow::Owned(name.into()),
            ..Default::default()
        }));
    }

    /// A named set of IPv4 addresses, for rules to match with [`set_ref`]: written once
    /// however many rules name it (an anonymous set is copied into every rule).
    pub fn addr_set(&mut self, name: &str, elements: &[Ipv4Addr]) {
        self.objs.push(NfListObject::Set(Box::new(nftables::schema::Set {
            family: NfFamily::INet,
            table: Cow::Borrowed(self.table),
            name: Cow::Owned(name.into()),
            elem: (!elements.is_empty()).then(|| Cow::Owned(elements.iter().map(|a| ip(*a)).collect())),
            ..Default::default()
        })));
    }

    pub fn rule(&mut self, chain: &str, stmts: Vec<Stmt>, comment: Option<&str>) {
        self.objs.push(NfListObject::Rule(Rule {
            family: NfFamily::INet,
            table: Cow::Borrowed(self.table),
            chain: Cow::Owned(chain.into()),
            expr: Cow::Owned(stmts),
            comment: comment.map(|c| Cow::Owned(c.chars().take(120).collect())),
            ..Default::default()
        }));
    }

    pub fn is_empty(&self) -> bool {
        // The table object alone means no chain was added.
        self.objs.len() <= 1
    }

    pub fn build(self) -> Nftables<'static> {
        let mut b = Batch::new();
        let mut objs = self.objs.into_iter();
        if self.replace {
            // add (a no-op when it exists), delete, add again: the old chains go in the batch.
            if let Some(table) = objs.next() {
                b.add(table.clone());
                b.delete(table.clone());
                b.add(table);
            }
        }
        for o in objs {
            b.add(o);
        }
        b.to_nftables()
    }
}

/// The tables a ruleset adds (each namespace's ruleset owns whole tables).
fn tables(ruleset: &Nftables<'static>) -> Vec<Table<'static>> {
    use nftables::schema::{NfCmd, NfObject};
    ruleset
        .objects
        .iter()
        .filter_map(|o| match o {
            NfObject::CmdObject(NfCmd::Add(NfListObject::Table(t))) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

/// A namespace's rulesets `before` swapped for `after` in one batch, so that there is no
/// moment without rules (established connections keep their conntrack entries): each table
/// `after` adds is emptied first (add, delete, add again), each table only `before` had is
/// deleted.
pub fn swap(before: &[Nftables<'static>], after: &[Nftables<'static>]) -> Nftables<'static> {
    use nftables::schema::{NfCmd, NfObject};
    let kept: Vec<Table<'static>> = after.iter().flat_map(tables).collect();
    let same = |a: &Table<'static>, b: &Table<'static>| a.family == b.family && a.name == b.name;
    let mut out: Vec<NfObject<'static>> = vec![];
    for t in before.iter().flat_map(tables).filter(|t| !kept.iter().any(|k| same(k, t))) {
        out.push(NfObject::CmdObject(NfCmd::Add(NfListObject::Table(t.clone()))));
        out.push(NfObject::CmdObject(NfCmd::Delete(NfListObject::Table(t))));
    }
    for o in after.iter().flat_map(|r| r.objects.iter()) {
        if let NfObject::CmdObject(NfCmd::Add(NfListObject::Table(t))) = o {
            out.push(NfObject::CmdObject(NfCmd::Add(NfListObject::Table(t.clone()))));
            out.push(NfObject::CmdObject(NfCmd::Delete(NfListObject::Table(t.clone()))));
        }
        out.push(o.clone());
    }
    Nftables { objects: Cow::Owned(out) }
}
