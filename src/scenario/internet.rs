//! The emulated internet: a client host (203.0.113.10) and the public servers a scenario
//! declares, so that egress can be asserted.

use super::builder::{Builder, MAX_OBJECTS, MAX_RULES};
use super::fields::{Shape, Table, opt, req};
use super::located::Located;
use super::primitives::PortProto;
use super::reference::INTERNET_HOST;
use super::walk::*;
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

/// The emulated internet client (SCENARIO.md).
pub(crate) const INTERNET_CLIENT: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 10);

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Internet {
    pub hosts: Vec<InternetHost>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InternetHost {
    pub name: Located<String>,
    pub ip: Located<Ipv4Addr>,
    pub listen: Vec<PortProto>,
}

pub(crate) static TABLE: Table = Table {
    id: "internet",
    doc: "The emulated internet: besides the client host `internet` (203.0.113.10), public servers.",
    strict: true,
    rules: &[],
    fields: &[opt("hosts", Shape::List(&Shape::Block(&HOST)), "Public servers, reachable as `internet/NAME`.")],
};

pub(crate) static HOST: Table = Table {
    id: "internetHost",
    doc: "A server on the emulated internet.",
    strict: true,
    rules: &[],
    fields: &[
        req("name", Shape::Name, "The host's name: `internet/NAME` in expectations."),
        req("ip", Shape::Ipv4, "Its public address (not private, not in the VPC, not 203.0.113.10)."),
        opt("listen", Shape::List(&Shape::PortProto), "Ports its responder listens on, like `443/tcp` or `53/udp`."),
    ],
};

/// The internet block: its hosts, in file order.
pub(crate) fn parse(b: &mut Builder, v: &Value<'_>) -> Vec<InternetHost> {
    let Some(m) = b.cx.map(v, "the internet block") else { return Vec::new() };
    let m = Block { what: "internet".to_string(), ..m };
    m.strict(&mut b.cx, &TABLE);
    let Some(hv) = m.get("hosts") else { return Vec::new() };
    let mut uniq = UniqueNames::default();
    b.each(&hv, MAX_OBJECTS, |b, it| host(b, it, &mut uniq))
}

fn host(b: &mut Builder, v: &Value<'_>, uniq: &mut UniqueNames) -> Option<InternetHost> {
    let hm = b.cx.entry_map(v, "an internet host", "{ name: api, ip: 198.51.100.80, listen: [443/tcp] }")?;
    hm.strict(&mut b.cx, &HOST);
    let name = b.object_name(&hm, INTERNET_HOST, "api", uniq);
    let cx = &mut b.cx;
    let ip = hm.req(cx, "ip", "198.51.100.80").and_then(|v| cx.ipv4(&v));
    let mut listen = Vec::new();
    let mut ok = true;
    if let Some(lv) = hm.get("listen") {
        match cx.items(&lv, MAX_RULES) {
            Some(items) => {
                for l in items {
                    match cx.port_proto(&l) {
                        Some(pp) if !listen.contains(&pp) => listen.push(pp),
                        Some(_) => {}
                        None => ok = false,
                    }
                }
            }
            None => ok = false,
        }
    }
    match (name, ip, ok) {
        (Some(name), Some(ip), true) => Some(InternetHost { name, ip, listen }),
        _ => None,
    }
}

impl super::Scenario {
    pub fn internet_host(&self, name: &str) -> Option<&InternetHost> {
        self.internet.hosts.iter().find(|s| s.name.value == name)
    }
}
