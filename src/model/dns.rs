//! The VPC's DNS as data (AWS-SERVICES §1): the VPC's attributes and DHCP options, what each
//! resolver address is, and the names the Amazon-provided resolver knows, in zones. The
//! resolver the agent serves (`services::dns`) and the analyzer (`analyze::dns`) both answer
//! from [`Zones::answer`], so what a query gets and what `explain` says cannot disagree.
//!
//! Two views, as AWS answers by where a query comes from: inside the VPC (the resolver at the
//! VPC's base+2 and 169.254.169.253) and outside it (the lab internet's resolver, and any
//! resolver outside the VPC that the DHCP options name, served in the lab's internet).

use super::ids;
use super::{EniOwner, Lab};
use crate::scenario::Scenario;
use crate::scenario::aws_service::{AwsService, in_aws_public, name_matches};
use crate::scenario::dhcp_options::DnsServer;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::Ipv4Addr;

/// The resolver's link-local address, answered on every ENI of the VPC.
pub const RESOLVER_LINK_LOCAL: Ipv4Addr = Ipv4Addr::new(169, 254, 169, 253);
pub use crate::scenario::dhcp_options::{DNS_PORT, INTERNET_RESOLVER};

/// The VPC's DNS settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsSettings {
    /// `enableDnsSupport`.
    pub support: bool,
    /// `enableDnsHostnames`.
    pub hostnames: bool,
    /// AmazonProvidedDNS: the VPC's primary CIDR base+2.
    pub resolver: Ipv4Addr,
    /// The DHCP options' servers, in order (AmazonProvidedDNS as `resolver`).
    pub servers: Vec<Ipv4Addr>,
    /// The DHCP options' domain name(s): the search list.
    pub search: Vec<String>,
    /// The zone of Amazon-provided private names: `ec2.internal` in us-east-1, else
    /// `REGION.compute.internal`.
    pub private_domain: String,
    /// The domain of public names: `compute-1.amazonaws.com` in us-east-1, else
    /// `REGION.compute.amazonaws.com`.
    pub public_domain: String,
}

impl DnsSettings {
    /// Whether `ip` is an address the VPC's resolver answers at.
    pub fn is_resolver(&self, ip: Ipv4Addr) -> bool {
        ip == self.resolver || ip == RESOLVER_LINK_LOCAL
    }
    /// Whether a task or instance asks the Amazon-provided resolver (the DHCP options name it).
    pub fn amazon_provided(&self) -> bool {
        self.servers.contains(&self.resolver)
    }
}

pub use super::ids::private_domain;

/// The zone of public names of `region`.
pub fn public_domain(region: &str) -> String {
    if region == "us-east-1" {
        "compute-1.amazonaws.com".to_string()
    } else {
        format!("{region}.compute.amazonaws.com")
    }
}

/// `ec2-203-0-113-25.<public domain>`: EC2's public DNS name of a public address.
pub fn public_dns_name(region: &str, ip: Ipv4Addr) -> String {
    let o = ip.octets();
    format!("ec2-{}-{}-{}-{}.{}", o[0], o[1], o[2], o[3], public_domain(region))
}

pub(super) fn settings(s: &Scenario) -> DnsSettings {
    let resolver = Ipv4Addr::from(u32::from(s.vpc.cidr.value.network()) + 2);
    let private_domain = private_domain(&s.region);
    let d = &s.vpc.dhcp_options;
    let mut servers: Vec<Ipv4Addr> = d
        .domain_name_servers
        .iter()
        .map(|x| match x.value {
            DnsServer::AmazonProvided => resolver,
            DnsServer::Ip(ip) => ip,
        })
        .collect();
    if servers.is_empty() {
        servers.push(resolver);
    }
    let search = match &d.domain_name {
        Some(n) => n.value.split_whitespace().map(|x| x.trim_end_matches('.').to_ascii_lowercase()).collect(),
        None => vec![private_domain.clone()],
    };
    DnsSettings {
        support: s.vpc.enable_dns_support,
        hostnames: s.vpc.enable_dns_hostnames && s.vpc.enable_dns_support,
        resolver,
        servers,
        search,
        private_domain,
        public_domain: public_domain(&s.region),
    }
}

/// Who asks: from inside the VPC (its resolver) or from outside (the internet's).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum View {
    Vpc,
    Internet,
}

/// The zones names come from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Zone {
    /// `ip-a-b-c-d.REGION.compute.internal`: Amazon-provided private hostnames, inside the VPC.
    #[default]
    PrivateHostnames,
    /// `ec2-a-b-c-d.REGION.compute.amazonaws.com`: public hostnames, split horizon.
    PublicHostnames,
    /// AWS's public service names (`api.ecr.REGION.amazonaws.com`): public addresses, the same
    /// inside the VPC and out.
    AwsPublic,
    /// An interface endpoint's private DNS: the service's public names, answered with the
    /// endpoint's ENIs inside the VPC (a private hosted zone attached to the VPC).
    EndpointPrivate,
    /// An interface endpoint's own names (`vpce-….vpce.amazonaws.com`): its ENIs, everywhere.
    EndpointVpce,
    /// A load balancer's DNS name (`NAME-ID.REGION.elb.amazonaws.com`): ELB's public zone,
    /// the same answer inside the VPC and out (public node addresses, or private ones when
    /// internal).
    LoadBalancer,
    /// A Cloud Map private DNS namespace's hosted zone: its apex (`corp.local`), each service's
    /// name (`backend.corp.local`: the registered tasks) and each SRV target's name
    /// (`TASKID.backend.corp.local`). Only the VPC's resolver answers it.
    CloudMap,
    /// The apex of a Cloud Map namespace: every name under it is the namespace's to answer.
    CloudMapNamespace,
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Zone::PrivateHostnames => "Amazon-provided private hostnames",
            Zone::PublicHostnames => "Amazon-provided public hostnames",
            Zone::AwsPublic => "AWS's public service names",
            Zone::EndpointPrivate => "a VPC endpoint's private DNS",
            Zone::EndpointVpce => "a VPC endpoint's vpce- names",
            Zone::LoadBalancer => "a load balancer's DNS name",
            Zone::CloudMap => "a Cloud Map service's records",
            Zone::CloudMapNamespace => "a Cloud Map namespace's private hosted zone",
        })
    }
}

/// One name the resolver knows: what it answers inside the VPC and outside, and whose it is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Lower case, no trailing dot.
    pub name: String,
    pub zone: Zone,
    /// The addresses inside the VPC (empty: the name does not exist there).
    pub vpc: Vec<Ipv4Addr>,
    /// The addresses outside (empty: the name does not exist there).
    pub internet: Vec<Ipv4Addr>,
    /// What it names (`instance/ecs-1`, `task/web`).
    pub owner: String,
    /// An endpoint's private DNS: whether `privateDnsEnabled` is on.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub private_dns: bool,
    /// SRV records (a Cloud Map service's), inside the VPC.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub srv: Vec<Srv>,
    /// At most this many of the A or SRV records per answer, chosen at random (Cloud Map's
    /// MULTIVALUE: 8; WEIGHTED: 1); none: all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
    /// The records' TTL when it is not the resolver's 60 s (a Cloud Map service's `ttl`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<u32>,
    /// Why a name of a Cloud Map service has no record now (no task registered).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// An SRV record's data (priority and weight are Cloud Map's 1 and 1).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Srv {
    pub port: u16,
    /// A name with an A record of its own (`TASKID.backend.corp.local`).
    pub target: String,
}

/// Every name of the lab, with the attributes that decide whether they are answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Zones {
    pub settings: DnsSettings,
    pub records: Vec<Record>,
}

/// What a resolver answers for a name, and why.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Answer {
    /// The A records (empty with NXDOMAIN, or when the name has no IPv4 address).
    pub addrs: Vec<Ipv4Addr>,
    /// The SRV records, with the address each target resolves to.
    pub srv: Vec<(Srv, Option<Ipv4Addr>)>,
    /// At most this many records per answer, chosen at random among them.
    pub limit: Option<usize>,
    pub ttl: Option<u32>,
    pub nxdomain: bool,
    /// The zone that answered.
    pub zone: Option<Zone>,
    /// What it names, when a record answered.
    pub owner: Option<String>,
    /// Why, in a sentence.
    pub why: String,
}

impl Answer {
    fn nx(why: String) -> Self {
        Answer { nxdomain: true, why, ..Default::default() }
    }
}

/// A name as the resolver compares it: lower case, without the root's dot.
pub fn normalize(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

impl Zones {
    /// What a resolver of `view` answers for `name` (type A).
    pub fn answer(&self, name: &str, view: View) -> Answer {
        let name = normalize(name);
        let s = &self.settings;
        if let Some(a) = self.cloud_map(&name, view) {
            return a;
        }
        // An exact name before a wildcard, within the records `keep` lets through.
        let find = |keep: &dyn Fn(&Record) -> bool| {
            let exact = self.records.iter().filter(|r| keep(r)).find(|r| r.name == name);
            exact.or_else(|| self.records.iter().filter(|r| keep(r)).find(|r| name_matches(&r.name, &name)))
        };
        // Inside the VPC an endpoint's private zone wins over the public name, when it applies.
        let mut note = String::new();
        if let Some(r) = find(&|r| r.zone == Zone::EndpointPrivate).filter(|_| view == View::Vpc) {
            if r.private_dns && s.hostnames {
                let why = format!(
                    "private DNS of {}: inside the VPC the service's name resolves to the endpoint's ENIs",
                    r.owner
                );
                return Answer {
                    addrs: r.vpc.clone(),
                    nxdomain: false,
                    zone: Some(r.zone),
                    owner: Some(r.owner.clone()),
                    why,
                    ..Default::default()
                };
            }
            note = if r.private_dns {
                format!(" ({} has private DNS, which needs both enableDnsSupport and enableDnsHostnames)", r.owner)
            } else {
                format!(" ({} has privateDnsEnabled: false: only its vpce- names reach it)", r.owner)
            };
        }
        let Some(r) = find(&|r| r.zone != Zone::EndpointPrivate) else {
            return Answer::nx(format!("no zone the lab serves holds {name} (the lab has no other DNS)"));
        };
        let found = |addrs: &[Ipv4Addr], why: String| Answer {
            addrs: addrs.to_vec(),
            nxdomain: addrs.is_empty(),
            zone: Some(r.zone),
            owner: Some(r.owner.clone()),
            why,
            ..Default::default()
        };
        match (r.zone, view) {
            (Zone::PrivateHostnames, View::Internet) => Answer::nx(format!(
                "{} is a private zone: only the VPC's resolver answers it, never the internet",
                s.private_domain
            )),
            (Zone::PrivateHostnames, View::Vpc) if !s.hostnames => Answer::nx(
                "the VPC's enableDnsHostnames is off: the resolver does not answer Amazon-provided hostnames"
                    .to_string(),
            ),
            (Zone::PrivateHostnames, View::Vpc) => {
                found(&r.vpc, format!("the private hostname of {}, answered inside the VPC", r.owner))
            }
            (Zone::PublicHostnames, _) if !s.hostnames => {
                Answer::nx("the VPC's enableDnsHostnames is off: public addresses get no public DNS name".to_string())
            }
            (Zone::PublicHostnames, View::Vpc) => found(
                &r.vpc,
                format!(
                    "the public hostname of {}: inside the VPC it resolves to the private address (split horizon)",
                    r.owner
                ),
            ),
            (Zone::PublicHostnames, View::Internet) => {
                found(&r.internet, format!("the public hostname of {}: outside the VPC, its public address", r.owner))
            }
            (Zone::AwsPublic, View::Vpc) => found(
                &r.vpc,
                format!(
                    "{}'s public endpoint ({}): a public address, reached through an internet gateway or a NAT gateway{note}",
                    r.owner, r.name
                ),
            ),
            (Zone::AwsPublic, View::Internet) => {
                found(&r.internet, format!("{}'s public endpoint ({})", r.owner, r.name))
            }
            (Zone::EndpointVpce, _) => {
                found(&r.vpc, format!("the endpoint name of {}: its ENIs' private addresses", r.owner))
            }
            (Zone::LoadBalancer, _) => found(
                &r.vpc,
                format!("the DNS name of {}: its nodes' addresses, the same inside the VPC and out", r.owner),
            ),
            // Filtered out above, or answered by `cloud_map`.
            (Zone::EndpointPrivate | Zone::CloudMap | Zone::CloudMapNamespace, _) => Answer::nx(String::new()),
        }
    }
}

impl Zones {
    /// The answer of a Cloud Map namespace's private hosted zone, when `name` is in one: inside
    /// the VPC it holds every name under it (what it does not have is NXDOMAIN); outside, and
    /// without enableDnsHostnames, nothing answers it.
    fn cloud_map(&self, name: &str, view: View) -> Option<Answer> {
        let in_zone = |apex: &str| name == apex || name.ends_with(&format!(".{apex}"));
        let ns = self.records.iter().find(|r| r.zone == Zone::CloudMapNamespace && in_zone(&r.name))?;
        let zone = &ns.name;
        if view == View::Internet {
            return Some(Answer::nx(format!(
                "{zone} is a Cloud Map namespace's private hosted zone: only the VPC's resolver answers it"
            )));
        }
        if !self.settings.hostnames {
            return Some(Answer::nx(format!(
                "the private hosted zone {zone} needs the VPC's enableDnsSupport and enableDnsHostnames: hostnames are off"
            )));
        }
        let Some(r) = self.records.iter().find(|r| r.zone != Zone::CloudMapNamespace && r.name == name) else {
            let why = if name == zone {
                format!("the apex of the private hosted zone {zone} ({}): no A record", ns.owner)
            } else {
                format!("the private hosted zone {zone} ({}) has no record of that name", ns.owner)
            };
            return Some(Answer {
                nxdomain: name != zone,
                zone: Some(Zone::CloudMapNamespace),
                why,
                ..Default::default()
            });
        };
        if r.vpc.is_empty() && r.srv.is_empty() {
            return Some(Answer {
                zone: Some(Zone::CloudMap),
                owner: Some(r.owner.clone()),
                ..Answer::nx(r.note.clone())
            });
        }
        let srv = r.srv.iter().map(|x| (x.clone(), self.cloud_map_target(&x.target))).collect();
        Some(Answer {
            addrs: r.vpc.clone(),
            srv,
            limit: r.limit,
            ttl: r.ttl,
            nxdomain: false,
            zone: Some(Zone::CloudMap),
            owner: Some(r.owner.clone()),
            why: r.note.clone(),
        })
    }

    /// The address an SRV target of a Cloud Map service resolves to.
    fn cloud_map_target(&self, target: &str) -> Option<Ipv4Addr> {
        self.records.iter().find(|r| r.zone == Zone::CloudMap && r.name == target).and_then(|r| r.vpc.first().copied())
    }
}

/// The lab's names: every ENI's private hostname, the public hostname of every instance's and
/// task's public address (a NAT gateway's Elastic IP gets none), and AWS's public service
/// names of the region. (The Cloud Map namespaces' records depend on which tasks started:
/// the analyzer adds them, `analyze::dns::zones`.)
pub fn zones(lab: &Lab) -> Zones {
    let s = &lab.vpc.dns;
    let mut records = vec![];
    for e in lab.live_enis() {
        let owner = lab.owner_node(e).to_string();
        records.push(Record {
            name: ids::private_dns_name(&lab.region, e.ip),
            zone: Zone::PrivateHostnames,
            vpc: vec![e.ip],
            internet: vec![],
            owner: owner.clone(),
            private_dns: false,
            ..Default::default()
        });
        let no_public_name = matches!(e.owner, EniOwner::Nat(_) | EniOwner::LoadBalancer(_));
        if let (Some(public), false) = (e.public_ip, no_public_name) {
            records.push(Record {
                name: public_dns_name(&lab.region, public),
                zone: Zone::PublicHostnames,
                vpc: vec![e.ip],
                internet: vec![public],
                owner,
                private_dns: false,
                ..Default::default()
            });
        }
    }
    for svc in AwsService::ALL {
        for name in svc.hostnames(&lab.region, super::ACCOUNT) {
            let ip = vec![svc.public_ip()];
            let owner = svc.to_string();
            records.push(Record {
                name,
                zone: Zone::AwsPublic,
                vpc: ip.clone(),
                internet: ip,
                owner,
                private_dns: false,
                ..Default::default()
            });
        }
    }
    for e in lab.endpoints.iter().filter(|e| !e.enis.is_empty()) {
        let owner = format!("endpoint/{}", e.name);
        let all: Vec<Ipv4Addr> = e.enis.iter().map(|i| lab.enis[*i].ip).collect();
        for name in e.service.hostnames(&lab.region, super::ACCOUNT) {
            let (vpc, internet, private_dns) = (all.clone(), vec![], e.private_dns);
            records.push(Record {
                name,
                zone: Zone::EndpointPrivate,
                vpc,
                internet,
                owner: owner.clone(),
                private_dns,
                ..Default::default()
            });
        }
        for (name, eni) in &e.dns_names {
            let ips = eni.map(|i| vec![lab.enis[i].ip]).unwrap_or_else(|| all.clone());
            let (vpc, internet) = (ips.clone(), ips);
            records.push(Record {
                name: name.clone(),
                zone: Zone::EndpointVpce,
                vpc,
                internet,
                owner: owner.clone(),
                private_dns: false,
                ..Default::default()
            });
        }
    }
    for lb in &lab.load_balancers {
        let addrs = super::load_balancer::addresses(lab, lb);
        records.push(Record {
            name: lb.dns_name.clone(),
            zone: Zone::LoadBalancer,
            vpc: addrs.clone(),
            internet: addrs,
            owner: lb.node_name(),
            private_dns: false,
            ..Default::default()
        });
    }
    Zones { settings: s.clone(), records }
}

/// The resolvers outside the VPC that ecsnet serves in the lab's internet: the internet's own,
/// and every address outside the VPC that the DHCP options name (`8.8.8.8` answers as a public
/// resolver would, without the VPC's private names), unless something of the lab already has
/// that address (an internet host, the client, a public IP: then that is what answers).
pub fn internet_resolvers(lab: &Lab) -> Vec<Ipv4Addr> {
    let taken = |ip: &Ipv4Addr| {
        lab.vpc.cidr.contains(*ip)
            || is_link_local(*ip)
            || *ip == lab.internet.client
            || lab.internet.hosts.iter().any(|h| h.ip.value == *ip)
            || lab.enis.iter().any(|e| e.public_ip == Some(*ip))
            || lab.nats.iter().any(|n| n.eip == *ip)
            || in_aws_public(*ip)
    };
    let mut v = vec![INTERNET_RESOLVER];
    for ip in &lab.vpc.dns.servers {
        if !taken(ip) && !v.contains(ip) {
            v.push(*ip);
        }
    }
    v
}

/// Whether `ip` is one of [`internet_resolvers`], without listing them: the analyzer asks this
/// of every flow that reaches the internet.
pub fn is_internet_resolver(lab: &Lab, ip: Ipv4Addr) -> bool {
    ip == INTERNET_RESOLVER || (lab.vpc.dns.servers.contains(&ip) && internet_resolvers(lab).contains(&ip))
}

fn is_link_local(ip: Ipv4Addr) -> bool {
    ip.octets()[..2] == [super::LINK_LOCAL.0.octets()[0], super::LINK_LOCAL.0.octets()[1]]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab(yaml_vpc_extra: &str, region: &str) -> Lab {
        let y = format!(
            "version: 1\nname: d1\nregion: {region}\nvpc:\n  cidr: 10.0.0.0/16\n  internetGateway: true\n{yaml_vpc_extra}  subnets:\n    - {{ name: a, cidr: 10.0.1.0/24, routeTable: public }}\n  routeTables:\n    - {{ name: public, routes: [{{ destinationCidrBlock: 0.0.0.0/0, gateway: internet-gateway }}] }}\ninstances:\n  - {{ name: i1, subnet: a, publicIp: true }}\n"
        );
        let s = crate::scenario::load_str(std::path::Path::new("t.yaml"), &y).expect("scenario");
        crate::model::build(&s).expect("model")
    }

    #[test]
    fn private_and_public_names_with_split_horizon() {
        let l = lab("", "ap-northeast-1");
        let z = zones(&l);
        let ip = l.instance_ip(&l.instances[0]);
        let public = l.enis[l.instances[0].eni].public_ip.expect("public ip");
        let private = ids::private_dns_name("ap-northeast-1", ip);
        assert!(private.ends_with(".ap-northeast-1.compute.internal"));
        assert_eq!(z.answer(&private, View::Vpc).addrs, vec![ip]);
        assert!(z.answer(&private.to_uppercase(), View::Vpc).addrs == vec![ip], "names are case-insensitive");
        assert!(z.answer(&format!("{private}."), View::Internet).nxdomain, "compute.internal is private");
        let pn = public_dns_name("ap-northeast-1", public);
        assert!(pn.starts_with("ec2-") && pn.ends_with(".ap-northeast-1.compute.amazonaws.com"), "{pn}");
        assert_eq!(z.answer(&pn, View::Vpc).addrs, vec![ip], "inside: the private address");
        assert_eq!(z.answer(&pn, View::Internet).addrs, vec![public], "outside: the public address");
        assert!(z.answer("example.com", View::Vpc).nxdomain);
        assert_eq!(l.vpc.dns.resolver, Ipv4Addr::new(10, 0, 0, 2), "the VPC's base+2, not the subnet's");
    }

    #[test]
    fn us_east_1_names_its_zones_differently() {
        let l = lab("", "us-east-1");
        assert_eq!(l.vpc.dns.private_domain, "ec2.internal");
        assert_eq!(
            public_dns_name("us-east-1", Ipv4Addr::new(198, 51, 100, 7)),
            "ec2-198-51-100-7.compute-1.amazonaws.com"
        );
        assert_eq!(l.vpc.dns.search, vec!["ec2.internal".to_string()]);
    }

    #[test]
    fn hostnames_off_hides_amazon_names_and_support_off_implies_it() {
        let l = lab("  enableDnsHostnames: false\n", "eu-west-1");
        let z = zones(&l);
        let r = &z.records[0];
        let a = z.answer(&r.name, View::Vpc);
        assert!(a.nxdomain && a.why.contains("enableDnsHostnames"), "{a:?}");
        let l = lab("  enableDnsSupport: false\n", "eu-west-1");
        assert!(!l.vpc.dns.support && !l.vpc.dns.hostnames);
    }

    #[test]
    fn dhcp_options_set_servers_and_search() {
        let l = lab(
            "  dhcpOptions: { domainName: corp.example.com, domainNameServers: [8.8.8.8, AmazonProvidedDNS] }\n",
            "eu-west-1",
        );
        let s = &l.vpc.dns;
        assert_eq!(s.servers, vec![Ipv4Addr::new(8, 8, 8, 8), Ipv4Addr::new(10, 0, 0, 2)]);
        assert_eq!(s.search, vec!["corp.example.com".to_string()]);
        assert_eq!(internet_resolvers(&l), vec![INTERNET_RESOLVER, Ipv4Addr::new(8, 8, 8, 8)]);
    }
}
