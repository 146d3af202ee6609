//! Teaching views of a lab, as a learner sees them on a real container instance: `docker ps`
//! ([`ps`]), `docker inspect` ([`inspect`]) and the task metadata endpoint's documents
//! ([`metadata`]). Pure functions over the model and a snapshot of the lab's processes
//! ([`Runtime`]), so they are tested with golden files and no root.
//!
//! Every container of an instance is listed as Docker would: the `ecs-agent` container first
//! created, then each placed task in file order (its pause container first for awsvpc).

pub mod inspect;
pub mod metadata;
pub mod ps;

use crate::model::{ContainerM, InstanceM, Lab, TaskM, ids};
use crate::scenario::NetworkMode;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// What is known about one of the lab's processes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcState {
    pub pid: i32,
    pub running: bool,
    /// When the process started (ns since the epoch), when known.
    pub started_ns: Option<u64>,
}

/// The lab's processes and clock, as read from its journal and /proc (or made up by a test).
#[derive(Clone, Debug, Default)]
pub struct Runtime {
    /// When `up` started (ns since the epoch): the containers' creation time.
    pub created_ns: u64,
    /// The time the view is rendered at.
    pub now_ns: u64,
    /// By journal role: `agent`, `pause task/NAME`, `command task/NAME/CONTAINER`.
    pub procs: BTreeMap<String, ProcState>,
}

pub const NS_PER_SEC: u64 = 1_000_000_000;
/// Containers are created one after the other; each gets its own creation instant so that the
/// views sort as Docker sorts them (newest first).
const CREATE_STEP_NS: u64 = 1_000_000;

/// Which container of an instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The instance's `ecs-agent` container.
    Agent,
    /// The pause container of an awsvpc task.
    Pause,
    /// The task's container at this index.
    App(usize),
}

/// A container of the lab, with where it lives.
#[derive(Clone, Copy, Debug)]
pub struct Ctr<'a> {
    pub lab: &'a Lab,
    pub instance: usize,
    pub task: Option<usize>,
    pub kind: Kind,
    /// Creation order over the whole lab.
    pub seq: u64,
}

impl<'a> Ctr<'a> {
    pub fn inst(&self) -> &'a InstanceM {
        &self.lab.instances[self.instance]
    }
    pub fn task(&self) -> Option<&'a TaskM> {
        self.task.map(|t| &self.lab.tasks[t])
    }
    pub fn model(&self) -> &'a ContainerM {
        match (self.kind, self.task()) {
            (Kind::App(i), Some(t)) => &t.containers[i],
            (Kind::Pause, Some(t)) => t.pause.as_ref().unwrap_or(&self.lab.instances[self.instance].agent),
            _ => &self.lab.instances[self.instance].agent,
        }
    }
    /// The network mode Docker sees: the task's, except the agent (host).
    pub fn mode(&self) -> NetworkMode {
        self.task().map(|t| t.mode).unwrap_or(NetworkMode::Host)
    }
    /// The journal role of the process that plays this container.
    pub fn role(&self) -> String {
        match (self.kind, self.task()) {
            (Kind::Pause, Some(t)) => format!("pause task/{}", t.name),
            (Kind::App(_), Some(t)) if self.model().command.is_some() => {
                format!("command task/{}/{}", t.name, self.model().name)
            }
            _ => "agent".into(),
        }
    }
    pub fn created_ns(&self, rt: &Runtime) -> u64 {
        rt.created_ns + self.seq * CREATE_STEP_NS
    }
    /// Pid, running, started (ns).
    pub fn state(&self, rt: &Runtime) -> (i32, bool, u64) {
        let created = self.created_ns(rt);
        match rt.procs.get(&self.role()) {
            Some(p) => (p.pid, p.running, p.started_ns.unwrap_or(created).max(created)),
            None => (0, false, created),
        }
    }
    /// `task/NAME/CONTAINER`, `task/NAME` (pause) or `instance/NAME` (agent): the node to exec into.
    pub fn node(&self) -> String {
        match (self.kind, self.task()) {
            (Kind::App(_), Some(t)) => format!("task/{}/{}", t.name, self.model().name),
            (Kind::Pause, Some(t)) => format!("task/{}", t.name),
            _ => format!("instance/{}", self.inst().name),
        }
    }
    /// The namespace the container's processes run in.
    pub fn ns(&self) -> &'a str {
        match self.kind {
            Kind::Agent => &self.inst().ns,
            _ => &self.model().ns,
        }
    }
    /// Labels as the agent sets them (the pause carries them too, with its internal name).
    pub fn labels(&self) -> BTreeMap<String, String> {
        let mut m: BTreeMap<String, String> = self.model().labels.iter().cloned().collect();
        if let (Kind::Pause, Some(t)) = (self.kind, self.task()) {
            m.insert("com.amazonaws.ecs.cluster".into(), self.lab.cluster.clone());
            m.insert("com.amazonaws.ecs.container-name".into(), self.model().name.clone());
            m.insert("com.amazonaws.ecs.task-arn".into(), t.arn.clone());
            m.insert("com.amazonaws.ecs.task-definition-family".into(), t.family.clone());
            m.insert("com.amazonaws.ecs.task-definition-version".into(), t.revision.to_string());
        }
        m
    }
}

/// Every container of the lab in creation order: the agents of all instances (they boot first),
/// then each placed task (pause, then its containers).
pub fn containers(lab: &Lab) -> Vec<Ctr<'_>> {
    let mut v = vec![];
    for i in 0..lab.instances.len() {
        v.push(Ctr { lab, instance: i, task: None, kind: Kind::Agent, seq: 0 });
    }
    for (ti, t) in lab.tasks.iter().enumerate().filter(|(_, t)| t.placement.is_ok()) {
        if t.pause.is_some() {
            v.push(Ctr { lab, instance: t.instance, task: Some(ti), kind: Kind::Pause, seq: 0 });
        }
        for ci in 0..t.containers.len() {
            v.push(Ctr { lab, instance: t.instance, task: Some(ti), kind: Kind::App(ci), seq: 0 });
        }
    }
    for (i, c) in v.iter_mut().enumerate() {
        c.seq = i as u64;
    }
    v
}

/// EC2's private DNS name of an address: `ip-10-0-1-5.ec2.internal` in us-east-1,
/// `ip-10-0-1-5.<region>.compute.internal` elsewhere.
pub fn private_dns_name(region: &str, ip: Ipv4Addr) -> String {
    let o = ip.octets();
    let domain = if region == "us-east-1" { "ec2.internal".to_string() } else { format!("{region}.compute.internal") };
    format!("ip-{}-{}-{}-{}.{domain}", o[0], o[1], o[2], o[3])
}

/// A made-up but stable image id (`sha256:` + 64 hex): nothing is pulled.
pub fn image_id(image: &str) -> String {
    format!("sha256:{}", ids::hex(&["image", image], 64))
}

/// A UUID-shaped id derived from `parts`.
pub fn uuid_like(parts: &[&str]) -> String {
    let h = ids::hex(parts, 32);
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// (year, month, day, hour, minute, second) of a Unix time, UTC (proleptic Gregorian).
pub fn civil(secs: u64) -> (i64, u32, u32, u32, u32, u32) {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, (rem / 3600) as u32, (rem % 3600 / 60) as u32, (rem % 60) as u32)
}

/// Go's RFC3339Nano: `2024-10-31T11:38:11.085430342Z`, trailing zeros of the fraction dropped.
pub fn rfc3339_nano(ns: u64) -> String {
    let (y, mo, d, h, mi, s) = civil(ns / NS_PER_SEC);
    let frac = ns % NS_PER_SEC;
    let mut out = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}");
    if frac != 0 {
        let f = format!("{frac:09}");
        out.push('.');
        out.push_str(f.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

/// RFC 3339 to the second: `2024-10-31T17:38:11Z`.
pub fn rfc3339(secs: u64) -> String {
    rfc3339_nano(secs * NS_PER_SEC)
}

/// Go's `time.Time.String()` in UTC, as `docker ps --format json` prints CreatedAt.
pub fn go_time_string(secs: u64) -> String {
    let (y, mo, d, h, mi, s) = civil(secs);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02} +0000 UTC")
}

/// Docker's `units.HumanDuration` (go-units), which `docker ps` uses for CREATED and STATUS.
pub fn human_duration(ns: u64) -> String {
    let seconds = ns / NS_PER_SEC;
    let minutes = seconds / 60;
    // go-units rounds hours to the nearest (d.Hours() + 0.5).
    let hours = (ns as f64 / 3.6e12 + 0.5) as u64;
    if seconds < 1 {
        "Less than a second".into()
    } else if seconds == 1 {
        "1 second".into()
    } else if seconds < 60 {
        format!("{seconds} seconds")
    } else if minutes == 1 {
        "About a minute".into()
    } else if minutes < 60 {
        format!("{minutes} minutes")
    } else if hours == 1 {
        "About an hour".into()
    } else if hours < 48 {
        format!("{hours} hours")
    } else if hours < 24 * 7 * 2 {
        format!("{} days", hours / 24)
    } else if hours < 24 * 30 * 2 {
        format!("{} weeks", hours / 24 / 7)
    } else if hours < 24 * 365 * 2 {
        format!("{} months", hours / 24 / 30)
    } else {
        format!("{} years", ns / 3_600 / NS_PER_SEC / 24 / 365)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_and_rfc3339() {
        assert_eq!(civil(0), (1970, 1, 1, 0, 0, 0));
        // 2024-10-31T11:38:11Z (the seed's docker inspect)
        assert_eq!(rfc3339(1_730_374_691), "2024-10-31T11:38:11Z");
        assert_eq!(rfc3339_nano(1_730_374_691 * NS_PER_SEC + 85_430_342), "2024-10-31T11:38:11.085430342Z");
        assert_eq!(rfc3339_nano(1_730_374_691 * NS_PER_SEC + 335_021_500), "2024-10-31T11:38:11.3350215Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(go_time_string(1_730_374_691), "2024-10-31 11:38:11 +0000 UTC");
    }

    #[test]
    fn human_durations_as_go_units() {
        let s = NS_PER_SEC;
        assert_eq!(human_duration(0), "Less than a second");
        assert_eq!(human_duration(s), "1 second");
        assert_eq!(human_duration(59 * s), "59 seconds");
        assert_eq!(human_duration(60 * s), "About a minute");
        assert_eq!(human_duration(25 * 60 * s), "25 minutes");
        assert_eq!(human_duration(60 * 60 * s), "About an hour");
        assert_eq!(human_duration(90 * 60 * s), "2 hours");
        assert_eq!(human_duration(3 * 86_400 * s), "3 days");
    }

    #[test]
    fn dns_names() {
        let ip = Ipv4Addr::new(10, 0, 145, 174);
        assert_eq!(private_dns_name("ap-northeast-1", ip), "ip-10-0-145-174.ap-northeast-1.compute.internal");
        assert_eq!(private_dns_name("us-east-1", ip), "ip-10-0-145-174.ec2.internal");
    }
}
