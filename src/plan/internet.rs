//! The internet: one namespace holding the client address and every declared internet host on
//! its loopback (its link to the internet gateway is the gateway's). A program started as an
//! internet host (`ecsnet exec LAB internet/NAME`) has its sockets marked with the host's mark,
//! and the marked traffic takes a table whose default route sends from the host's address.

use super::{Plan, Route, Rule, default_net};
use crate::model::{IGW_INET, Lab};
use crate::scenario::aws_service::AwsService;

/// The first socket mark, routing table and rule preference of the internet hosts.
const HOST_BASE: u32 = 3000;

/// The socket mark (and routing table) of the internet host at `index` in the scenario.
pub fn host_mark(index: usize) -> u32 {
    HOST_BASE + index as u32
}

/// For each internet host: its marked traffic goes by a table of its own, out of the gateway
/// from the host's address.
pub(super) fn host_routes(p: &mut Plan, lab: &Lab) {
    let inet = lab.internet.ns.as_str();
    for (i, h) in lab.internet.hosts.iter().enumerate() {
        let mark = host_mark(i);
        let mut r = Route::main(inet, default_net(), Some(IGW_INET.0), Some("igw0"));
        (r.table, r.src) = (mark, Some(h.ip.value));
        p.routes.push(r);
        p.rules.push(Rule { ns: inet.into(), pref: mark, from: None, to: None, table: mark, fwmark: Some(mark) });
    }
}

pub(super) fn addresses(p: &mut Plan, lab: &Lab) {
    let inet = lab.internet.ns.as_str();
    p.addr(inet, "lo", lab.internet.client, 32);
    for h in &lab.internet.hosts {
        p.addr(inet, "lo", h.ip.value, 32);
    }
    for svc in AwsService::ALL {
        p.addr(inet, "lo", svc.public_ip(), 32);
    }
}
