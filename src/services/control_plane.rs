//! Each EC2 instance's ECS agent joining its cluster, on real packets from the instance's
//! namespace, as the agent does at boot: `RegisterContainerInstance` and
//! `DiscoverPollEndpoint` on `ecs`, then the ACS and TCS websockets at the names
//! DiscoverPollEndpoint gave. The agent dials ACS and TCS even when `ecs` could not be
//! reached (at their usual names), so that one `up` says every endpoint an instance lacks.
//! The analyzer predicts the same ([`crate::analyze::control_plane::predicted`]).

use super::pull::{Caller, Client, api_failure, connector};
use crate::model::control_plane::{Miss, Registration, host};
use crate::model::pull::Failure;
use crate::scenario::aws_service::AwsService;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// One instance's registration, as its agent makes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spec {
    pub instance: String,
    /// IMDS's instance identity document (the agent sends it as a string).
    pub identity: String,
    pub cluster: String,
    #[serde(flatten)]
    pub caller: Caller,
}

/// Register every instance at once; results in the order of `specs`.
pub async fn run_all(specs: &[Spec], ca_pem: &str) -> Vec<Registration> {
    let tls = match connector(ca_pem) {
        Ok(t) => t,
        Err(e) => {
            let f = Failure::Other { text: format!("the lab CA: {e}") };
            return specs.iter().map(|s| failed(s, &f)).collect();
        }
    };
    let mut set = tokio::task::JoinSet::new();
    for (i, s) in specs.iter().enumerate() {
        let (s, tls) = (s.clone(), tls.clone());
        set.spawn(async move { (i, register(&s, &Client { caller: &s.caller, tls }).await) });
    }
    let mut out: Vec<Option<Registration>> = vec![None; specs.len()];
    while let Some(done) = set.join_next().await {
        if let Ok((i, r)) = done {
            out[i] = Some(r);
        }
    }
    out.into_iter()
        .zip(specs)
        .map(|(r, s)| r.unwrap_or_else(|| failed(s, &Failure::Other { text: "the registration panicked".into() })))
        .collect()
}

/// Every service missed the same way.
fn failed(s: &Spec, f: &Failure) -> Registration {
    let misses = crate::model::control_plane::SERVICES
        .iter()
        .map(|&service| Miss { service, host: host(service, &s.caller.region), failure: f.clone() })
        .collect();
    Registration { instance: s.instance.clone(), misses, container_instance_arn: None }
}

async fn register(s: &Spec, c: &Client<'_>) -> Registration {
    let region = &s.caller.region;
    let mut r = Registration { instance: s.instance.clone(), ..Registration::default() };
    let ecs = host(AwsService::Ecs, region);
    let target = |op: &str| format!("{}.{op}", super::front_door::ecs::TARGET_PREFIX);
    let body = json!({
        "cluster": s.cluster,
        "instanceIdentityDocument": s.identity,
        "instanceIdentityDocumentSignature": "",
        "versionInfo": { "agentVersion": AGENT_VERSION, "agentHash": AGENT_HASH, "dockerVersion": "DockerVersion: 25.0.8" },
        "totalResources": [],
    });
    // (ACS, TCS) where DiscoverPollEndpoint says, else at their usual names.
    let mut poll = (host(AwsService::EcsAgent, region), host(AwsService::EcsTelemetry, region));
    let registered = async {
        let v = c.api(&ecs, "ecs", &target("RegisterContainerInstance"), body).await?;
        let arn = v["containerInstance"]["containerInstanceArn"].as_str().map(str::to_string);
        let body = json!({ "cluster": s.cluster, "containerInstance": arn });
        let p = c.api(&ecs, "ecs", &target("DiscoverPollEndpoint"), body).await?;
        Ok::<_, Failure>((arn, p))
    };
    match registered.await {
        Ok((arn, p)) => {
            r.container_instance_arn = arn;
            let name =
                |k: &str| p[k].as_str().map(|u| u.trim_start_matches("https://").trim_end_matches('/').to_string());
            poll = (name("endpoint").unwrap_or(poll.0), name("telemetryEndpoint").unwrap_or(poll.1));
        }
        Err(failure) => r.misses.push(Miss { service: AwsService::Ecs, host: ecs, failure }),
    }
    let arn = r.container_instance_arn.clone().unwrap_or_default();
    let acs = format!("/ws?clusterArn={}&containerInstanceArn={arn}&protocolVersion=2&seqNum=1", s.cluster);
    let tcs = format!("/ws?cluster={}&containerInstance={arn}", s.cluster);
    let (a, t) = tokio::join!(c.websocket(&poll.0, &acs, "ecs"), c.websocket(&poll.1, &tcs, "ecs"));
    for (service, host, answer) in [(AwsService::EcsAgent, poll.0, a), (AwsService::EcsTelemetry, poll.1, t)] {
        let failure = match answer {
            Ok(a) if a.status == 101 => continue,
            Ok(a) => api_failure(&a),
            Err(f) => f,
        };
        r.misses.push(Miss { service, host, failure });
    }
    r
}

/// The agent's version as it reports it (`AGENT_VERSION` of the introspection API, split).
const AGENT_VERSION: &str = "1.105.1";
const AGENT_HASH: &str = "8dfceca6";
