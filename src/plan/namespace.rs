//! The sysctls of the lab's namespaces: every namespace is quiet and IPv4-only, and every
//! namespace that forwards (the VPC router, the internet gateway, NAT gateways, instances) is a
//! plain router.

use super::Plan;
use crate::model::Lab;

/// Every namespace's sysctls, then every forwarder's.
pub(super) fn sysctls(p: &mut Plan, lab: &Lab) {
    for ns in &p.namespaces.clone() {
        quiet_ipv4_only(p, ns);
    }
    for ns in forwarders(lab) {
        forwarding(p, ns);
    }
}

/// Quiet, IPv4-only namespaces: no IPv6 link-local noise in `ip addr`, no DAD, no RS.
fn quiet_ipv4_only(p: &mut Plan, ns: &str) {
    p.sysctl(ns, "net.ipv6.conf.all.disable_ipv6", "1");
    p.sysctl(ns, "net.ipv6.conf.default.disable_ipv6", "1");
    // ICMP errors are what make a closed UDP port "refused"; the default per-destination
    // rate limit would turn many of them into timeouts when probes run at once.
    p.sysctl(ns, "net.ipv4.icmp_ratemask", "0");
}

/// The namespaces that route packets between their links.
fn forwarders(lab: &Lab) -> Vec<&str> {
    let mut v = vec![lab.vpc.router_ns.as_str()];
    v.extend(lab.vpc.igw_ns.as_deref());
    v.extend(lab.nats.iter().map(|n| n.ns.as_str()));
    v.extend(lab.instances.iter().map(|i| i.ns.as_str()));
    v.extend(super::load_balancer::forwarding_nodes(lab));
    v
}

/// rp_filter is set explicitly because new namespaces inherit the host's IPv4 defaults.
fn forwarding(p: &mut Plan, ns: &str) {
    p.sysctl(ns, "net.ipv4.ip_forward", "1");
    p.sysctl(ns, "net.ipv4.conf.all.rp_filter", "0");
    p.sysctl(ns, "net.ipv4.conf.default.rp_filter", "0");
    // Routers that send a packet back out of the interface it came in on must not tell the
    // sender to go direct (the NAT gateway does exactly that).
    p.sysctl(ns, "net.ipv4.conf.all.send_redirects", "0");
    p.sysctl(ns, "net.ipv4.conf.default.send_redirects", "0");
}
