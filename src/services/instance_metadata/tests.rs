//! The metadata service's answers, as EC2 gives them, for the instances of scenario 14.

use super::routes::Tokens;
use super::*;
use crate::model::Lab;
use std::path::Path;

fn lab(file: &str) -> Lab {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let s = crate::scenario::load_str(&p, &std::fs::read_to_string(&p).unwrap()).unwrap();
    crate::model::build(&s).unwrap()
}

/// 2024-10-31T11:38:11Z.
const NOW: u64 = 1_730_374_691;

fn cfg() -> ImdsConfig {
    imds_config(&lab("scenarios/14-instance-metadata.yaml"), NOW - 600)
}

fn ip_of(cfg: &ImdsConfig, node: &str) -> Ipv4Addr {
    cfg.instances.iter().find(|i| i.node == node).unwrap().sources[0]
}

struct Client<'a> {
    cfg: &'a ImdsConfig,
    tokens: Tokens,
    minted: u32,
}

impl Client<'_> {
    fn new(cfg: &ImdsConfig) -> Client<'_> {
        Client { cfg, tokens: Tokens::default(), minted: 0 }
    }

    fn send(&mut self, req: Request) -> Answer {
        let minted = &mut self.minted;
        let mut mint = || {
            *minted += 1;
            format!("AQAE-token-{minted}==")
        };
        answer(self.cfg, "instance-metadata", &mut self.tokens, &req, NOW, &mut mint)
    }

    fn get(&mut self, from: Ipv4Addr, path: &str, token: Option<&str>) -> Answer {
        self.send(Request {
            method: "GET".into(),
            path: path.into(),
            peer: Some(from),
            token: token.map(str::to_string),
            ..Request::default()
        })
    }

    fn put_token(&mut self, from: Ipv4Addr, ttl: &str) -> Answer {
        self.send(Request {
            method: "PUT".into(),
            path: "/latest/api/token".into(),
            peer: Some(from),
            token_ttl: Some(ttl.into()),
            ..Request::default()
        })
    }
}

#[test]
fn v1_answers_where_tokens_are_optional_and_401_where_required() {
    let cfg = cfg();
    let mut c = Client::new(&cfg);
    let open = ip_of(&cfg, "instance/open");
    let hard = ip_of(&cfg, "instance/hardened");
    let a = c.get(open, "/latest/meta-data/local-ipv4", None);
    assert_eq!((a.status, a.body.as_str()), (200, open.to_string().as_str()));
    assert_eq!(a.token_ttl, None);
    assert_eq!(c.get(hard, "/latest/meta-data/local-ipv4", None).status, 401);
}

#[test]
fn token_flow_with_ttl_and_hop_limit() {
    let cfg = cfg();
    let mut c = Client::new(&cfg);
    let hard = ip_of(&cfg, "instance/hardened");
    let open = ip_of(&cfg, "instance/open");
    let t = c.put_token(hard, "21600");
    assert_eq!(t.status, 200);
    assert_eq!(t.token_ttl, Some(21600));
    assert_eq!(t.ip_ttl, Some(2), "hardened has httpPutResponseHopLimit: 2");
    assert_eq!(c.put_token(open, "60").ip_ttl, Some(1), "EC2's default hop limit is 1");
    let a = c.get(hard, "/latest/meta-data/instance-id", Some(&t.body));
    assert_eq!(a.status, 200);
    assert!(a.body.starts_with("i-"), "{}", a.body);
    assert_eq!(a.token_ttl, Some(21600));
    // A token is the instance's own, and a made-up one is refused even where v1 is allowed.
    assert_eq!(c.get(open, "/latest/meta-data/instance-id", Some(&t.body)).status, 401);
    assert_eq!(c.get(open, "/latest/meta-data/instance-id", Some("forged")).status, 401);
}

#[test]
fn token_requests_ec2_refuses() {
    let cfg = cfg();
    let mut c = Client::new(&cfg);
    let open = ip_of(&cfg, "instance/open");
    assert_eq!(c.put_token(open, "0").status, 400);
    assert_eq!(c.put_token(open, "21601").status, 400);
    assert_eq!(c.put_token(open, "soon").status, 400);
    let missing =
        Request { method: "PUT".into(), path: "/latest/api/token".into(), peer: Some(open), ..Request::default() };
    assert_eq!(c.send(missing).status, 400);
    assert_eq!(c.get(open, "/latest/api/token", None).status, 405);
    let proxied = Request {
        method: "PUT".into(),
        path: "/latest/api/token".into(),
        peer: Some(open),
        token_ttl: Some("60".into()),
        forwarded: true,
        ..Request::default()
    };
    assert_eq!(c.send(proxied).status, 403);
    let post =
        Request { method: "POST".into(), path: "/latest/meta-data/".into(), peer: Some(open), ..Request::default() };
    assert_eq!(c.send(post).status, 405);
    assert_eq!(c.get("10.99.0.1".parse().unwrap(), "/latest/meta-data/", None).status, 403);
}

#[test]
fn listings_and_documents() {
    let cfg = cfg();
    let mut c = Client::new(&cfg);
    let open = ip_of(&cfg, "instance/open");
    let root = c.get(open, "/", None);
    assert!(root.body.lines().any(|l| l == "latest") && root.body.lines().any(|l| l == "2021-07-15"));
    assert_eq!(c.get(open, "/latest", None).body, "dynamic\nmeta-data");
    let md = c.get(open, "/latest/meta-data/", None).body;
    for k in ["ami-id", "iam/", "instance-id", "local-ipv4", "mac", "network/", "placement/", "security-groups"] {
        assert!(md.lines().any(|l| l == k), "meta-data/ lists {k}: {md}");
    }
    assert_eq!(c.get(open, "/latest/meta-data/placement/availability-zone", None).body, "us-east-1a");
    assert_eq!(c.get(open, "/latest/meta-data/placement/region", None).body, "us-east-1");
    assert_eq!(c.get(open, "/latest/meta-data/iam/security-credentials/", None).body, "ecsInstanceRole");
    assert_eq!(c.get(open, "/latest/meta-data/nothing-here", None).status, 404);
    assert_eq!(c.get(open, "/1999-01-01/meta-data/", None).status, 404);
    // The instance and its awsvpc task's ENI both show under macs/.
    let macs = c.get(open, "/latest/meta-data/network/interfaces/macs/", None).body;
    assert_eq!(macs.lines().count(), 2, "{macs}");
    let doc = c.get(open, "/latest/dynamic/instance-identity/document", None);
    let v: serde_json::Value = serde_json::from_str(&doc.body).unwrap();
    assert_eq!(v["privateIp"], open.to_string());
    assert_eq!(v["availabilityZone"], "us-east-1a");
    assert_eq!(v["accountId"], crate::model::ACCOUNT);
    assert!(v["kernelId"].is_null());
    assert!(doc.body.contains("\"region\" : \"us-east-1\""), "EC2's ` : `: {}", doc.body);
}

#[test]
fn instance_role_credentials() {
    let cfg = cfg();
    let mut c = Client::new(&cfg);
    let open = ip_of(&cfg, "instance/open");
    let a = c.get(open, "/latest/meta-data/iam/security-credentials/ecsInstanceRole", None);
    let v: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(v["Code"], "Success");
    assert_eq!(v["Type"], "AWS-HMAC");
    assert!(v["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    assert!(v["Expiration"].as_str().unwrap().ends_with('Z'));
    let info: serde_json::Value = serde_json::from_str(&c.get(open, "/latest/meta-data/iam/info", None).body).unwrap();
    assert!(info["InstanceProfileArn"].as_str().unwrap().ends_with(":instance-profile/ecsInstanceRole"));
}

#[test]
fn awsvpc_task_is_answered_as_its_instance() {
    let l = lab("scenarios/14-instance-metadata.yaml");
    let cfg = imds_config(&l, NOW);
    let t = l.tasks.iter().find(|t| t.name == "vpc-open").unwrap();
    let task_ip = l.enis[t.eni.unwrap()].ip;
    let mut c = Client::new(&cfg);
    let a = c.get(task_ip, "/latest/meta-data/local-ipv4", None);
    assert_eq!(a.body, ip_of(&cfg, "instance/open").to_string());
}

#[test]
fn error_pages_are_ec2s() {
    let a = Answer::error(401);
    assert_eq!(a.content_type, "text/html");
    assert!(a.body.contains("<title>401 - Unauthorized</title>"));
    assert!(Answer::error(404).body.contains("iso-8859-1"));
}

#[test]
fn with_trunking_the_trunk_eni_is_attached_not_the_branches() {
    let text = "version: 1\nname: m\nvpc:\n  cidr: 10.0.0.0/16\n  subnets: [{name: a, cidr: 10.0.1.0/24}]\ninstances:\n  - {name: i1, subnet: a, eniTrunking: true}\ntaskDefinitions:\n  - {family: v, networkMode: awsvpc, containerDefinitions: [{name: c, image: x}]}\ntasks:\n  - {name: v1, taskDefinition: v, instance: i1, networkConfiguration: {awsvpcConfiguration: {subnets: [a]}}}\n  - {name: v2, taskDefinition: v, instance: i1, networkConfiguration: {awsvpcConfiguration: {subnets: [a]}}}\n";
    let s = crate::scenario::load_str(Path::new("t.yaml"), text).unwrap();
    let l = crate::model::build(&s).unwrap();
    let cfg = imds_config(&l, NOW);
    let trunk = l.instances[0].trunk.as_ref().unwrap();
    let mut c = Client::new(&cfg);
    let ip = cfg.instances[0].sources[0];
    let macs = c.get(ip, "/latest/meta-data/network/interfaces/macs/", None).body;
    assert_eq!(macs.lines().count(), 2, "primary and trunk: {macs}");
    let id = c.get(ip, &format!("/latest/meta-data/network/interfaces/macs/{}/interface-id", trunk.mac), None);
    assert_eq!(id.body, trunk.id);
    // Branch ENIs still reach IMDS as their instance.
    assert_eq!(cfg.instances[0].sources.len(), 3);
}
