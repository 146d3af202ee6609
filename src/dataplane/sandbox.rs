//! What a process of a lab runs in besides its network namespace, as Docker and runc give a
//! container's processes: its hostname in a UTS namespace of its own, the files Docker writes
//! for it over /etc/hostname, /etc/hosts and /etc/resolv.conf (written by `up` under the lab's
//! state directory, as Docker keeps them under /var/lib/docker/containers/ID), a cgroup named
//! after it where the machine allows one, and its environment only, never the caller's.

use super::state::{create_private_dir, write_atomic, write_private};
use crate::model::Lab;
use crate::model::docker::{
    ContainerRef, ETC_FILES, EtcFiles, ca_env, containers, exec_env, instance_etc, internet_etc,
};
use crate::model::instance::Instance;
use crate::plan::host_mark;
use crate::sys::{bpf::mark_sockets, cgroup, isolate::Isolation, netns};
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};

/// The cgroup (v2) subtree ecsnet owns: `ecsnet.slice/LAB/CONTAINER-ID`.
pub const CGROUP_SLICE: &str = "ecsnet.slice";

/// The environment variables that mark a process as a lab's (`down` stops what carries the
/// first) and name the node it was started in.
pub const LAB_MARK: &str = "ECSNET_LAB";
pub const NODE_MARK: &str = "ECSNET_NODE";

/// Said once per run: the machine gives no cgroup, processes go on without.
static NO_CGROUP_SAID: AtomicBool = AtomicBool::new(false);

/// A container's files, as Docker keeps /var/lib/docker/containers/ID.
pub fn container_dir(state_dir: &Path, docker_id: &str) -> PathBuf {
    state_dir.join("containers").join(docker_id)
}

/// An instance's own /etc files.
pub fn instance_dir(state_dir: &Path, instance: &str) -> PathBuf {
    state_dir.join("instances").join(instance)
}

/// The files of a node of the lab's internet (`internet` for the client, or a host's name).
pub fn internet_dir(state_dir: &Path, node: &str) -> PathBuf {
    state_dir.join("internet").join(node)
}

/// A new container's (or node's) files: its directory is new, and no process reads them yet.
fn write_etc(dir: &Path, etc: &EtcFiles) -> io::Result<()> {
    create_private_dir(dir)?;
    for ((name, _), text) in ETC_FILES.iter().zip(etc.contents()) {
        write_private(&dir.join(name), text.as_bytes())?;
    }
    Ok(())
}

/// The lab CA's files: its certificate and key (for the front doors), and the trust bundle
/// every sandbox sees over the system's (the machine's bundle and the lab CA).
pub fn ca_dir(state_dir: &Path) -> PathBuf {
    state_dir.join("ca")
}
pub const CA_CERT: &str = "ca.pem";

/// The trust bundle every sandbox of the lab sees over the system's.
fn ca_bundle(state_dir: &Path) -> PathBuf {
    ca_dir(state_dir).join(CA_BUNDLE)
}
pub const CA_KEY: &str = "ca-key.pem";
pub const CA_BUNDLE: &str = "ca-bundle.crt";

/// Where distributions keep the system trust bundle; each one the machine has is covered by
/// the lab's bundle inside a sandbox (Debian/Ubuntu, Fedora/Amazon Linux, Alpine/others).
const SYSTEM_BUNDLES: [&str; 3] =
    ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"];

/// Make the lab CA (a new key for every `up`) and write it with the trust bundle.
fn write_ca(state_dir: &Path, lab: &Lab) -> io::Result<()> {
    let dir = ca_dir(state_dir);
    create_private_dir(&dir)?;
    let ca = super::ca::LabCa::generate(&lab.name).map_err(|e| io::Error::other(format!("lab CA: {e}")))?;
    write_atomic(&dir.join(CA_CERT), ca.cert_pem.as_bytes())?;
    write_atomic(&dir.join(CA_KEY), ca.key_pem.as_bytes())?;
    let system = SYSTEM_BUNDLES.iter().find_map(|p| std::fs::read_to_string(p).ok()).unwrap_or_default();
    let sep = if system.is_empty() || system.ends_with('\n') { "" } else { "\n" };
    write_atomic(&dir.join(CA_BUNDLE), format!("{system}{sep}{}", ca.cert_pem).as_bytes())
}

/// Write the lab's CA and the files of every instance and internet node (`up` does, before it
/// starts any process). A container's are written when something first runs in it
/// (`Sandbox::command`): most containers of a large lab never run a program, and 4,000 small
/// files made `up` and `down` of 1,000 tasks wait on the disk.
pub fn write_files(state_dir: &Path, lab: &Lab) -> io::Result<()> {
    write_ca(state_dir, lab)?;
    for inst in &lab.instances {
        write_etc(&instance_dir(state_dir, &inst.name), &instance_etc(lab, inst))?;
    }
    let hosts = lab.internet.hosts.iter().map(|h| h.name.value.as_str());
    for node in std::iter::once("internet").chain(hosts) {
        write_etc(&internet_dir(state_dir, node), &internet_etc(node))?;
    }
    Ok(())
}

/// Where a process runs and what it sees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sandbox {
    pub ns: String,
    pub hostname: String,
    /// The directory of the files that cover /etc/hostname, /etc/hosts and /etc/resolv.conf.
    pub etc_dir: Option<PathBuf>,
    /// What those files say, when they are written on first use (a container's).
    pub etc_files: Option<EtcFiles>,
    /// The name of its cgroup under the lab's: a container's id.
    pub cgroup: Option<String>,
    /// The mark every socket it opens gets (an internet host's, so its traffic leaves from the
    /// host's address); needs its cgroup.
    pub socket_mark: Option<u32>,
    /// Where it starts: `/` in a container (Docker's when the image sets no WorkingDir); the
    /// caller's directory elsewhere.
    pub workdir: Option<PathBuf>,
    pub env: Vec<(String, String)>,
    /// The lab's trust bundle, mounted over the system's.
    pub ca_bundle: Option<PathBuf>,
}

impl Sandbox {
    /// A container of a running lab, as `docker exec` enters it (`tty`: with a terminal).
    pub fn container(state_dir: &Path, c: &ContainerRef<'_>, tty: bool) -> Sandbox {
        Sandbox {
            ns: c.ns().to_string(),
            hostname: c.hostname(),
            etc_dir: Some(container_dir(state_dir, &c.files_owner().docker_id)),
            etc_files: Some(c.etc_files()),
            cgroup: Some(c.model().docker_id.clone()),
            socket_mark: None,
            workdir: Some(PathBuf::from("/")),
            env: c.exec_env(tty),
            ca_bundle: Some(ca_bundle(state_dir)),
        }
    }

    /// The instance itself, as a login on it: its name, its files, no container's variables.
    pub fn instance(state_dir: &Path, lab: &Lab, inst: &Instance, tty: bool) -> Sandbox {
        let hostname = instance_etc(lab, inst).hostname;
        let env = exec_env(&hostname, &ca_env(), tty);
        let etc_dir = Some(instance_dir(state_dir, &inst.name));
        // A cgroup of its own, as systemd gives a login session: `down` finds what it started.
        let cgroup = Some(format!("instance.{}", inst.name));
        let ca_bundle = Some(ca_bundle(state_dir));
        Sandbox {
            ns: inst.ns.clone(),
            hostname,
            etc_dir,
            etc_files: None,
            cgroup,
            socket_mark: None,
            workdir: None,
            env,
            ca_bundle,
        }
    }

    /// Another namespace of the lab (the internet, a NAT gateway, the VPC router): a hostname
    /// of its own, the machine's files.
    pub fn plain(ns: &str, hostname: &str, tty: bool) -> Sandbox {
        Sandbox {
            ns: ns.to_string(),
            hostname: hostname.to_string(),
            etc_dir: None,
            etc_files: None,
            cgroup: Some(format!("node.{hostname}")),
            socket_mark: None,
            workdir: None,
            env: exec_env(hostname, &[], tty),
            ca_bundle: None,
        }
    }

    /// The internet's client: the internet's namespace, with the files that name the
    /// internet's resolver.
    pub fn internet(state_dir: &Path, lab: &Lab, tty: bool) -> Sandbox {
        let mut sb = Sandbox::plain(&lab.internet.ns, "internet", tty);
        sb.etc_dir = Some(internet_dir(state_dir, "internet"));
        sb.env = exec_env("internet", &ca_env(), tty);
        sb.ca_bundle = Some(ca_bundle(state_dir));
        sb
    }

    /// A host of the lab's internet: the internet's namespace, sending from the host's address
    /// (its sockets carry the host's mark, which the plan routes from that address).
    pub fn internet_host(state_dir: &Path, lab: &Lab, host: &str, tty: bool) -> Option<Sandbox> {
        let i = lab.internet.hosts.iter().position(|h| h.name.value == host)?;
        let mut sb = Sandbox::plain(&lab.internet.ns, host, tty);
        (sb.cgroup, sb.socket_mark) = (Some(format!("internet.{host}")), Some(host_mark(i)));
        sb.etc_dir = Some(internet_dir(state_dir, host));
        sb.env = exec_env(host, &ca_env(), tty);
        sb.ca_bundle = Some(ca_bundle(state_dir));
        Some(sb)
    }

    /// A container's files, written when something first runs in it (see `write_files`).
    pub fn write_files(&self) -> io::Result<()> {
        let (Some(dir), Some(etc)) = (&self.etc_dir, &self.etc_files) else { return Ok(()) };
        if ETC_FILES.iter().any(|(n, _)| !dir.join(n).exists()) {
            write_etc(dir, etc)?;
        }
        Ok(())
    }

    /// `argv` to run in this sandbox of lab `lab`, with the sandbox's environment and the lab's
    /// mark only. Its cgroup is made here; without one (no writable cgroup v2) it goes on, and
    /// says so once with -v.
    pub fn command(&self, lab: &str, argv: &[String]) -> io::Result<Command> {
        let (prog, args) = argv.split_first().ok_or_else(|| io::Error::other("empty command"))?;
        let mut iso = Isolation::new(&netns::path(&self.ns))?.hostname(&self.hostname)?;
        self.write_files()?;
        if let Some(dir) = &self.etc_dir {
            for (name, target) in ETC_FILES {
                iso = iso.bind(&dir.join(name), Path::new(target))?;
            }
            // The lab CA, trusted where the system's trust is (only the bundles that exist).
            if let Some(bundle) = self.ca_bundle.as_ref().filter(|b| b.exists()) {
                for target in SYSTEM_BUNDLES {
                    iso = iso.bind(bundle, Path::new(target))?;
                }
            }
        }
        if let Some(id) = &self.cgroup {
            match cgroup::create(&[CGROUP_SLICE, lab, id]) {
                Ok(dir) => {
                    if let Some(mark) = self.socket_mark {
                        mark_sockets(&dir, mark)?;
                    }
                    iso = iso.cgroup(&dir)?
                }
                Err(e) if !NO_CGROUP_SAID.swap(true, Ordering::Relaxed) => {
                    tracing::info!("no cgroup for containers on this machine ({e}): going on without")
                }
                Err(_) => {}
            }
        }
        let mut cmd = Command::new(prog);
        cmd.args(args).env_clear().envs(self.env.iter().map(|(k, v)| (k, v))).env(LAB_MARK, lab);
        if let Some(dir) = &self.workdir {
            cmd.current_dir(dir);
        }
        iso.apply_to(&mut cmd);
        Ok(cmd)
    }
}

/// Labs that have a cgroup on this machine (something of theirs may still run in it).
pub fn cgroup_labs() -> Vec<String> {
    let Some(root) = cgroup::v2_root() else { return vec![] };
    let Ok(rd) = std::fs::read_dir(root.join(CGROUP_SLICE)) else { return vec![] };
    rd.filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| crate::model::ids::valid_lab_name(n))
        .collect()
}

/// Remove one container's cgroup of a lab (its task was stopped while the lab runs), killing
/// anything still in it: what its program started, `exec` sessions into it.
pub fn remove_container_cgroup(lab: &str, id: &str) -> io::Result<usize> {
    cgroup::remove_tree(&[CGROUP_SLICE, lab, id])
}

/// The ids of a lab's containers (the names of their cgroups).
pub fn container_ids(lab: &Lab) -> Vec<String> {
    containers(lab).iter().map(|c| c.model().docker_id.clone()).collect()
}

/// Remove the cgroups of a lab (`down`), killing anything still in them.
pub fn remove_cgroups(lab: &str) -> io::Result<usize> {
    cgroup::remove_tree(&[CGROUP_SLICE, lab])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::docker::ContainerKind;

    fn lab() -> Lab {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let s = crate::scenario::load(&root.join("scenarios/01-bridge-vs-awsvpc.yaml")).expect("scenario");
        crate::model::build(&s).expect("model")
    }

    #[test]
    fn a_containers_files_are_written_on_first_use_and_exec_mounts_the_owners() {
        let lab = lab();
        let dir = std::env::temp_dir().join(format!("ecsnet-sandbox-test-{}", std::process::id()));
        write_files(&dir, &lab).expect("write");
        let all = containers(&lab);
        let app = all
            .iter()
            .find(|c| c.mode() == crate::scenario::NetworkMode::Awsvpc && matches!(c.kind, ContainerKind::App(_)));
        let app = app.expect("an awsvpc container");
        let sb = Sandbox::container(&dir, app, false);
        let owner = container_dir(&dir, &app.files_owner().docker_id);
        assert!(!owner.exists(), "nothing runs in it yet");
        sb.write_files().expect("first use");
        assert!(!container_dir(&dir, &app.model().docker_id).exists(), "an awsvpc container has no files of its own");
        assert_eq!(sb.etc_dir.as_deref(), Some(owner.as_path()));
        let resolv = std::fs::read_to_string(owner.join("resolv.conf")).expect("resolv.conf");
        assert_eq!(resolv, app.etc_files().resolv_conf);
        let hostname = std::fs::read_to_string(owner.join("hostname")).expect("hostname");
        assert_eq!(hostname, format!("{}\n", sb.hostname));
        assert_eq!(
            (sb.cgroup.as_deref(), sb.workdir.as_deref()),
            (Some(app.model().docker_id.as_str()), Some(Path::new("/")))
        );
        let inst = Sandbox::instance(&dir, &lab, &lab.instances[0], false);
        assert!(inst.etc_dir.as_ref().is_some_and(|d| d.join("hosts").is_file()));
        assert!(!inst.env.iter().any(|(k, _)| k.starts_with("ECS_")), "{:?}", inst.env);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
