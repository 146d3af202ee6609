//! Address pools: each subnet's private addresses and the lab's public IP pool, handed out in
//! order. Addresses written in the file are taken first, so allocation never hands them out.

use super::INTERNET_CLIENT;
use super::subnet::{self, Subnet};
use crate::scenario::Scenario;
use ipnetwork::Ipv4Network;
use std::collections::HashSet;
use std::net::Ipv4Addr;

/// AWS reserves a subnet's network address, +1 (router), +2 (DNS) and +3 (future use).
const SUBNET_FIRST_FREE: u32 = 4;
/// The public pool hands out everything but its network and broadcast addresses.
const PUBLIC_FIRST_FREE: u32 = 1;

/// Hands out addresses of a block in order, skipping those already taken. A subnet's first
/// address is base + 4 (AWS reserves the network address, +1 router, +2 DNS, +3 future use);
/// the broadcast address is never given out.
pub(super) struct AddrPool {
    last: u32,
    used: HashSet<Ipv4Addr>,
    next: u32,
    /// Addresses given back (an ENI deleted while the lab runs), handed out again, oldest
    /// first, once the block's never-used ones are gone: a lab whose service keeps replacing
    /// tasks does not run out of addresses, and recent ones are not reused at once.
    freed: std::collections::VecDeque<Ipv4Addr>,
}

impl AddrPool {
    pub(super) fn new(net: Ipv4Network, skip: u32) -> Self {
        AddrPool {
            last: u32::from(net.broadcast()),
            used: HashSet::new(),
            next: u32::from(net.network()) + skip,
            freed: Default::default(),
        }
    }
    pub(super) fn take(&mut self, ip: Ipv4Addr) {
        self.used.insert(ip);
    }
    pub(super) fn alloc(&mut self) -> Option<Ipv4Addr> {
        while self.next < self.last {
            let ip = Ipv4Addr::from(self.next);
            self.next += 1;
            if self.used.insert(ip) {
                return Some(ip);
            }
        }
        let ip = self.freed.pop_front()?;
        self.used.insert(ip);
        Some(ip)
    }
    /// `ip` is free again.
    pub(super) fn release(&mut self, ip: Ipv4Addr) {
        if self.used.remove(&ip) {
            self.freed.push_back(ip);
        }
    }
}

/// Every pool of the lab.
pub(super) struct AddressPools {
    /// One per subnet, in the order of `Vpc::subnets`.
    subnets: Vec<AddrPool>,
    /// Auto-assigned public IPs and Elastic IPs.
    public: AddrPool,
}

impl AddressPools {
    /// The pools with every address the file writes already taken: instances' private IPs, the
    /// internet client and hosts, and the Elastic IPs of instances and NAT gateways.
    pub(super) fn new(s: &Scenario, subnets: &[Subnet]) -> Self {
        let mut private: Vec<AddrPool> = subnets.iter().map(|sn| AddrPool::new(sn.cidr, SUBNET_FIRST_FREE)).collect();
        for inst in &s.instances {
            if let (Some(ip), Some(si)) = (&inst.private_ip, subnet::index(subnets, &inst.subnet.value)) {
                private[si].take(ip.value);
            }
        }
        let mut public = AddrPool::new(s.vpc.public_ip_pool.value, PUBLIC_FIRST_FREE);
        public.take(INTERNET_CLIENT);
        for h in &s.internet.hosts {
            public.take(h.ip.value);
        }
        for e in s.instances.iter().filter_map(|i| i.elastic_ip.as_ref()) {
            public.take(e.value);
        }
        for e in s.vpc.nat_gateways.iter().filter_map(|n| n.elastic_ip.as_ref()) {
            public.take(e.value);
        }
        AddressPools { subnets: private, public }
    }

    /// The next free private address of subnet `subnet` (an index into `Vpc::subnets`).
    pub(super) fn private_ip(&mut self, subnet: usize) -> Option<Ipv4Addr> {
        self.subnets[subnet].alloc()
    }

    /// Address `ip` of subnet `subnet` is free again (its ENI was deleted).
    pub(super) fn release_private(&mut self, subnet: usize, ip: Ipv4Addr) {
        if let Some(p) = self.subnets.get_mut(subnet) {
            p.release(ip);
        }
    }

    /// A public address is free again.
    pub(super) fn release_public(&mut self, ip: Ipv4Addr) {
        self.public.release(ip);
    }

    /// The next free address of the public IP pool.
    pub(super) fn public_ip(&mut self) -> Option<Ipv4Addr> {
        self.public.alloc()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> Ipv4Network {
        s.parse().unwrap()
    }

    #[test]
    fn a_subnet_pool_starts_after_the_aws_reserves_and_stops_before_broadcast() {
        let mut p = AddrPool::new(net("10.0.1.0/29"), SUBNET_FIRST_FREE);
        let got: Vec<String> = std::iter::from_fn(|| p.alloc()).map(|ip| ip.to_string()).collect();
        assert_eq!(got, ["10.0.1.4", "10.0.1.5", "10.0.1.6"]);
        assert_eq!(p.alloc(), None, "an exhausted pool stays exhausted");
    }

    #[test]
    fn taken_addresses_are_skipped_and_never_handed_out_twice() {
        let mut p = AddrPool::new(net("198.51.100.0/29"), PUBLIC_FIRST_FREE);
        p.take(Ipv4Addr::new(198, 51, 100, 2));
        assert_eq!(p.alloc(), Some(Ipv4Addr::new(198, 51, 100, 1)));
        assert_eq!(p.alloc(), Some(Ipv4Addr::new(198, 51, 100, 3)));
        // Taking an address already handed out changes nothing.
        p.take(Ipv4Addr::new(198, 51, 100, 1));
        assert_eq!(p.alloc(), Some(Ipv4Addr::new(198, 51, 100, 4)));
    }

    #[test]
    fn released_addresses_come_back_only_once_the_block_is_used_up() {
        let mut p = AddrPool::new(net("10.0.1.0/29"), SUBNET_FIRST_FREE);
        let a = p.alloc().unwrap();
        p.release(a);
        p.release(a);
        assert_eq!(p.alloc(), Some(Ipv4Addr::new(10, 0, 1, 5)), "never-used ones first");
        assert_eq!(p.alloc(), Some(Ipv4Addr::new(10, 0, 1, 6)));
        assert_eq!(p.alloc(), Some(a), "then the freed one, once");
        assert_eq!(p.alloc(), None);
    }
}
