//! The internet every lab has: one namespace holding the client host and the declared hosts
//! (SCENARIO.md "The internet").

use super::{INTERNET_CLIENT, ids};
use crate::scenario::{self, Scenario};
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Internet {
    pub ns: String,
    pub client: Ipv4Addr,
    pub hosts: Vec<scenario::InternetHost>,
}

pub(super) fn resolve(lab: &str, s: &Scenario) -> Internet {
    Internet { ns: ids::ns_name(lab, "internet", ""), client: INTERNET_CLIENT, hosts: s.internet.hosts.clone() }
}
