//! The internet: one namespace holding the client address and every declared internet host on
//! its loopback (its link to the internet gateway is the gateway's).

use super::Plan;
use crate::model::Lab;

pub(super) fn addresses(p: &mut Plan, lab: &Lab) {
    let inet = lab.internet.ns.as_str();
    p.addr(inet, "lo", lab.internet.client, 32);
    for h in &lab.internet.hosts {
        p.addr(inet, "lo", h.ip.value, 32);
    }
}
