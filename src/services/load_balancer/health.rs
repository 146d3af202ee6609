//! A node's health checks: every registered target in use is asked for the group's path on its
//! health check port every interval, from the node's address, through the fabric (security
//! groups and network ACLs included). States and reason codes are DescribeTargetHealth's: a new
//! target is `initial` (Elb.InitialHealthChecking) until its first success makes it `healthy`
//! or `unhealthyThresholdCount` failures make it `unhealthy` (Target.ResponseCodeMismatch,
//! Target.Timeout, Target.FailedHealthChecks); an unhealthy target needs
//! `healthyThresholdCount` successes in a row; a target in a zone the load balancer is not
//! enabled in is `unused` (Target.NotInUse) and never checked (target-group-health-checks.html,
//! API_TargetHealth.html). A target registered while the node runs is `initial` with
//! Elb.RegistrationInProgress until its first check; a deregistered one (`draining`) is no
//! longer checked (`targets.rs`). The node writes what it sees to its health file after each
//! check and each change of its registrations.

use super::{GroupTarget, NodeState};
use crate::scenario::HealthCheck;
use serde::{Deserialize, Serialize};
use std::net::SocketAddrV4;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One target's health as one node sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetHealth {
    pub group: String,
    /// `task/web` or `instance/ecs-1`.
    pub target: String,
    pub id: String,
    pub port: u16,
    /// initial, healthy, unhealthy, unused, unavailable.
    pub state: String,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    successes: u32,
    #[serde(default)]
    failures: u32,
}

/// What a node writes: its view of every target of its groups.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthReport {
    pub lb: String,
    pub az: String,
    pub targets: Vec<TargetHealth>,
}

pub(crate) fn first(group: &str, hc: &HealthCheck, t: &GroupTarget) -> TargetHealth {
    let (state, reason, description) = if !t.in_use {
        ("unused", "Target.NotInUse", "Target is in an Availability Zone that is not enabled for the load balancer")
    } else if !hc.enabled {
        ("unavailable", "Target.HealthCheckDisabled", "Health checks are disabled")
    } else {
        ("initial", "Elb.InitialHealthChecking", "Initial health checks in progress")
    };
    TargetHealth {
        group: group.to_string(),
        target: t.node.clone(),
        id: t.id.clone(),
        port: t.port,
        state: state.to_string(),
        reason: Some(reason.to_string()),
        description: Some(description.to_string()),
        successes: 0,
        failures: 0,
    }
}

/// A target registered while the node runs: `initial` with `Elb.RegistrationInProgress` until
/// its first check (then `Elb.InitialHealthChecking`, as [`step`] says), unless unused or not
/// checked.
pub(crate) fn registering(group: &str, hc: &HealthCheck, t: &GroupTarget) -> TargetHealth {
    let mut h = first(group, hc, t);
    if h.state == "initial" {
        h.reason = Some("Elb.RegistrationInProgress".to_string());
        h.description = Some("Target registration is in progress".to_string());
    }
    h
}

/// What one check got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Success,
    /// An answer with a status the matcher refuses.
    Mismatch(u16),
    Timeout,
    /// Refused, reset, or not HTTP.
    Failed,
}

/// The state machine of one target.
pub fn step(h: &mut TargetHealth, hc: &HealthCheck, o: Outcome) {
    if o == Outcome::Success {
        h.successes += 1;
        h.failures = 0;
        let enough = h.state == "initial" || h.successes >= hc.healthy_threshold;
        if enough || h.state == "healthy" {
            (h.state, h.reason, h.description) = ("healthy".to_string(), None, None);
        }
        return;
    }
    h.failures += 1;
    h.successes = 0;
    if h.state == "initial" {
        // Registered: the checks have begun.
        h.reason = Some("Elb.InitialHealthChecking".to_string());
        h.description = Some("Initial health checks in progress".to_string());
    }
    if h.state == "unhealthy" || h.failures >= hc.unhealthy_threshold {
        let (reason, description) = match o {
            Outcome::Mismatch(code) => {
                ("Target.ResponseCodeMismatch", format!("Health checks failed with these codes: [{code}]"))
            }
            Outcome::Timeout => ("Target.Timeout", "Request timed out".to_string()),
            _ => ("Target.FailedHealthChecks", "Health checks failed".to_string()),
        };
        (h.state, h.reason, h.description) = ("unhealthy".to_string(), Some(reason.to_string()), Some(description));
    }
}

/// One checker per target in use, when health checks are on.
pub(crate) fn spawn_all(state: Arc<NodeState>) {
    write(&state);
    let serials = state.targets.lock().map(|t| t.checkers()).unwrap_or_default();
    for serial in serials {
        spawn_checker(state.clone(), serial);
    }
}

/// The checker of target `serial`: every interval of its group, until the target is
/// deregistered (draining, gone, or registered anew under another serial).
pub(crate) fn spawn_checker(state: Arc<NodeState>, serial: u64) {
    let checked = move |state: &NodeState| state.targets.lock().ok().and_then(|t| t.checked(serial));
    let Some((_, hc)) = checked(&state) else { return };
    let rt = state.rt.clone();
    rt.spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(u64::from(hc.interval_seconds.max(1))));
        loop {
            every.tick().await;
            let Some((t, hc)) = checked(&state) else { return };
            let conn = super::connect(&state.spec.ns, state.spec.ip, SocketAddrV4::new(t.ip, t.health_check_port));
            let o = match hc.protocol {
                crate::scenario::ElbProtocol::Tcp => check_tcp(&hc, conn).await,
                _ => check(&hc, conn, t.ip).await,
            };
            if let Ok(mut table) = state.targets.lock() {
                table.update(serial, &hc, o);
            }
            changed(&state);
        }
    });
}

/// After the table changed: write the health file, and a network node's NAT table.
pub(crate) fn changed(state: &Arc<NodeState>) {
    write(state);
    if state.spec.network {
        super::network::refresh(state.clone());
    }
}

/// What the node sees now (a finished drain dropped first).
pub(crate) fn report(state: &NodeState) -> HealthReport {
    let targets = match state.targets.lock() {
        Ok(mut t) => {
            t.purge(std::time::Instant::now());
            t.all()
        }
        Err(_) => vec![],
    };
    HealthReport { lb: state.spec.lb.clone(), az: state.spec.az.clone(), targets }
}

fn write(state: &NodeState) {
    let Some(path) = &state.spec.health_file else { return };
    if let Ok(data) = serde_json::to_vec_pretty(&report(state)) {
        let _ = crate::dataplane::state::write_atomic(path, &data);
    }
}

/// A TCP health check (a network load balancer's default): the connection opens within the
/// timeout. A refusal fails at once; silence times out.
pub async fn check_tcp(
    hc: &HealthCheck,
    conn: impl std::future::Future<Output = std::io::Result<TcpStream>>,
) -> Outcome {
    match tokio::time::timeout(Duration::from_secs(u64::from(hc.timeout_seconds)), conn).await {
        Err(_) => Outcome::Timeout,
        Ok(Err(_)) => Outcome::Failed,
        Ok(Ok(_)) => Outcome::Success,
    }
}

/// One health check: GET the path, within the timeout.
pub async fn check(
    hc: &HealthCheck,
    conn: impl std::future::Future<Output = std::io::Result<TcpStream>>,
    host: std::net::Ipv4Addr,
) -> Outcome {
    let req = format!(
        "GET {} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: ELB-HealthChecker/2.0\r\nAccept-Encoding: gzip, compressed\r\nConnection: close\r\n\r\n",
        hc.path
    );
    let exchange = async {
        let mut s = conn.await.map_err(|_| Outcome::Failed)?;
        s.write_all(req.as_bytes()).await.map_err(|_| Outcome::Failed)?;
        let mut buf = Vec::new();
        let mut chunk = [0u8; 1024];
        while !buf.contains(&b'\n') && buf.len() < 4096 {
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        super::http::status_of(&buf).ok_or(Outcome::Failed)
    };
    match tokio::time::timeout(Duration::from_secs(u64::from(hc.timeout_seconds)), exchange).await {
        Err(_) => Outcome::Timeout,
        Ok(Err(o)) => o,
        Ok(Ok(code)) if hc.matches(code) => Outcome::Success,
        Ok(Ok(code)) => Outcome::Mismatch(code),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> TargetHealth {
        let t = GroupTarget {
            node: "task/a".into(),
            id: "10.0.1.5".into(),
            ip: "10.0.1.5".parse().unwrap(),
            port: 80,
            health_check_port: 80,
            in_use: true,
            in_rotation: true,
            by_service: false,
        };
        first("web", &HealthCheck::default(), &t)
    }

    #[test]
    fn states_and_reasons_follow_the_thresholds() {
        let hc = HealthCheck::default();
        let mut h = target();
        assert_eq!((h.state.as_str(), h.reason.as_deref()), ("initial", Some("Elb.InitialHealthChecking")));
        step(&mut h, &hc, Outcome::Success);
        assert_eq!((h.state.as_str(), h.reason.as_deref()), ("healthy", None), "one success leaves initial");
        step(&mut h, &hc, Outcome::Mismatch(404));
        assert_eq!(h.state, "healthy", "one failure is under the unhealthy threshold (2)");
        step(&mut h, &hc, Outcome::Mismatch(404));
        assert_eq!(h.state, "unhealthy");
        assert_eq!(h.reason.as_deref(), Some("Target.ResponseCodeMismatch"));
        assert_eq!(h.description.as_deref(), Some("Health checks failed with these codes: [404]"));
        for _ in 0..4 {
            step(&mut h, &hc, Outcome::Success);
        }
        assert_eq!(h.state, "unhealthy", "four successes are under the healthy threshold (5)");
        step(&mut h, &hc, Outcome::Success);
        assert_eq!(h.state, "healthy");
        let mut h = target();
        step(&mut h, &hc, Outcome::Timeout);
        step(&mut h, &hc, Outcome::Timeout);
        assert_eq!((h.state.as_str(), h.reason.as_deref()), ("unhealthy", Some("Target.Timeout")));
    }
}
