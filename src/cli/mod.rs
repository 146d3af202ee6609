//! Layer 5: the command line. One file per verb; this file holds the argument definitions,
//! the shared environment checks and the exit codes of SCENARIO.md.

mod check;
mod down;
mod exec;
mod explain;
mod graph;
mod iam;
mod import;
mod inspect;
mod logs;
mod ls;
mod probe;
mod ps;
mod schema;
mod stop;
mod suite;
mod test;
mod up;
mod validate;

use crate::i18n::tr;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// How a command ends (SCENARIO.md's exit codes, and the shell's for signals and exec).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    Ok = 0,
    /// An expectation failed, a lab could not be built, found or removed.
    Failed = 1,
    /// The scenario file or the command line is invalid.
    Invalid = 2,
    /// The environment is broken, not the verdict: this machine cannot run labs (not root, no
    /// `nft`, no network namespaces), or the lab was damaged from outside (no verdict given).
    Environment = 3,
    /// A bug in ecsnet (a panic): whatever it was building was removed.
    Internal = 4,
    /// `exec` could not start the command.
    NotExecuted = 127,
    /// Interrupted (Ctrl-C, SIGTERM).
    Interrupted = 130,
}

impl Exit {
    pub fn code(self) -> i32 {
        self as i32
    }
}

/// What stops a command: what the user reads, and the exit code it gives.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The scenario file or the command line is wrong.
    #[error("{0}")]
    Invalid(String),
    /// A lab could not be found, built or used.
    #[error("{0}")]
    Failed(String),
    /// This machine cannot run labs; the message says how to fix it.
    #[error("{0}")]
    Environment(String),
    /// The lab is not as `up` built it; the message says what changed.
    #[error("{0}")]
    Damaged(String),
    /// A bug in ecsnet; what it was building was removed.
    #[error("{0}")]
    Internal(String),
}

impl CliError {
    pub fn exit(&self) -> Exit {
        match self {
            CliError::Invalid(_) => Exit::Invalid,
            CliError::Failed(_) => Exit::Failed,
            CliError::Environment(_) => Exit::Environment,
            CliError::Damaged(_) => Exit::Environment,
            CliError::Internal(_) => Exit::Internal,
        }
    }
}

impl From<crate::dataplane::UpError> for CliError {
    /// A lab already up is the environment's state, not a failed verdict (CI tells them
    /// apart); a panic is a bug; anything else is `up` failing.
    fn from(e: crate::dataplane::UpError) -> Self {
        use crate::dataplane::UpError;
        match e {
            UpError::AlreadyUp(_) => CliError::Environment(tr!("up-failed", "up failed: { $error }", error = e)),
            UpError::Panicked(_) => CliError::Internal(tr!("up-failed", "up failed: { $error }", error = e)),
            e => CliError::Failed(tr!("up-failed", "up failed: { $error }", error = e)),
        }
    }
}

/// What every verb returns.
pub type Outcome = Result<Exit, CliError>;

#[derive(Parser, Debug)]
#[command(
    name = "ecsnet",
    version,
    about = "Emulate Amazon ECS container networking (bridge, awsvpc, host, none) with network namespaces"
)]
pub struct Cli {
    /// More logging (-v: per-phase timings and info, -vv: debug).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    #[command(subcommand)]
    pub cmd: Cmd,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Parse and check scenario files; nothing touches the kernel.
    Validate {
        files: Vec<PathBuf>,
        /// Add the expectations of FILE (a YAML file with an `expect:` list) to the scenario's
        /// own: one scenario only. Repeatable.
        #[arg(long, value_name = "FILE")]
        expect: Vec<PathBuf>,
    },
    /// Build a lab and start its processes; returns when everything is ready.
    Up {
        file: PathBuf,
        /// Name the lab NAME instead of the scenario's `name:`.
        #[arg(long, conflicts_with = "prefix")]
        name: Option<String>,
        /// Name the lab PREFIX-NAME (NAME: the scenario's `name:`), e.g. one prefix per user.
        #[arg(long)]
        prefix: Option<String>,
        #[arg(long, hide = true)]
        stop_after: Option<usize>,
    },
    /// Remove everything a lab made (idempotent; works after a crash).
    Down {
        labs: Vec<String>,
        /// Every lab of yours (the user behind sudo), and leftovers whose owner is unknown
        /// (their state was lost).
        #[arg(long)]
        all: bool,
        /// With --all: every user's labs too.
        #[arg(long, requires = "all")]
        everyone: bool,
        /// Only the lab this process (PID:START) built: how an interrupted run hands its labs
        /// to a background `down` that must not remove a newer lab of the same name.
        #[arg(long, hide = true)]
        owner: Option<String>,
    },
    /// For each scenario: up, probe every expectation, down (always), report.
    Test {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Write JUnit XML here.
        #[arg(long)]
        junit: Option<PathBuf>,
        /// Print the results as JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Write a Markdown summary here (a table per scenario and its picture in Mermaid); in
        /// GitHub Actions it is also appended to the job summary.
        #[arg(long)]
        markdown: Option<PathBuf>,
        /// Name the lab NAME instead of the scenario's `name:` (one scenario only).
        #[arg(long, conflicts_with = "prefix")]
        name: Option<String>,
        /// Name each lab PREFIX-NAME (NAME: its scenario's `name:`), e.g. one prefix per CI job.
        #[arg(long)]
        prefix: Option<String>,
        /// Add the expectations of FILE (a YAML file with an `expect:` list) to the scenario's
        /// own, e.g. next to a scenario made by `ecsnet import`: one scenario only. Repeatable.
        #[arg(long, value_name = "FILE")]
        expect: Vec<PathBuf>,
        /// Run only shard I of N (1 <= I <= N) of the scenarios: round robin over the sorted
        /// files, so that N CI runners share a suite (GitLab: $CI_NODE_INDEX/$CI_NODE_TOTAL).
        #[arg(long, value_name = "I/N")]
        shard: Option<String>,
        /// Run up to N scenarios at once, each in a process of its own (distinct labs; one
        /// report, in the order of the files).
        #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
        jobs: u16,
        /// Run the one scenario given and print its report as one JSON line: how `--jobs` runs
        /// each scenario (the parent checked the machine, and prints the tables and files).
        #[arg(long, hide = true)]
        one_report: bool,
    },
    /// Probe the expectations of a running lab.
    Check {
        lab: String,
        #[arg(long)]
        json: bool,
    },
    /// One ad-hoc probe: ecsnet probe LAB FROM TO:PORT
    Probe {
        lab: String,
        from: String,
        to: String,
        #[arg(long, default_value = "tcp")]
        protocol: String,
        /// How long the probe waits, 1-60000 ms.
        #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(
            crate::scenario::MIN_TIMEOUT_MS..=crate::scenario::MAX_TIMEOUT_MS))]
        timeout_ms: u64,
        /// hostPort or publicHostPort
        #[arg(long)]
        via: Option<String>,
    },
    /// Running labs (and leftovers with --orphans); `ecsnet ls LAB` reprints one lab's addresses.
    Ls {
        /// One lab: its nodes and addresses again, as `up` printed them.
        lab: Option<String>,
        #[arg(long)]
        orphans: bool,
        #[arg(long)]
        json: bool,
    },
    /// Why a packet gets through or not, hop by hop, on the model: ecsnet explain LAB|FILE FROM TO:PORT
    Explain {
        /// A running lab's name, or a scenario file (nothing is built).
        target: String,
        from: String,
        #[arg(required_unless_present_any = ["dns", "start", "call", "placement"])]
        to: Option<String>,
        /// tcp, udp, http, icmp, or https (HTTP over TLS, to a load balancer's HTTPS listener)
        #[arg(long, default_value = "tcp")]
        protocol: String,
        /// hostPort or publicHostPort
        #[arg(long)]
        via: Option<String>,
        /// Explain a DNS name instead: what FROM's resolver answers for it, and why
        #[arg(long, conflicts_with = "to")]
        dns: Option<String>,
        /// With --dns: the resolver to ask (default: the first nameserver of FROM's resolv.conf)
        #[arg(long, requires = "dns")]
        server: Option<std::net::Ipv4Addr>,
        /// Explain FROM's start instead. task/NAME: each call the ECS agent makes to AWS before
        /// the containers run (secrets, image pull, log stream), its path from the instance,
        /// and the first that fails, with ECS's error. instance/NAME: its agent joining the
        /// cluster (ecs, ACS, TCS), with what the agent logs
        #[arg(long, conflicts_with_all = ["to", "dns"])]
        start: bool,
        /// Explain an AWS API call instead (ecr:DescribeImages, s3:GetObject, ...): the
        /// credentials FROM signs with, the path to the service, and IAM's evaluation with the
        /// keys that path brings (which policy and statement decided, which condition failed)
        #[arg(long, conflicts_with_all = ["to", "dns", "start"])]
        call: Option<String>,
        /// With --call: what it is called on (repository/NAME, bucket/NAME[/KEY], secret/NAME,
        /// parameter/NAME, log-group/NAME, cloudmap/NAME.NAMESPACE)
        #[arg(long, requires = "call")]
        resource: Option<String>,
        /// Explain a service's placement instead (FROM: service/NAME, or task/NAME-N for one of
        /// its tasks): per task, the instances that met every requirement, each strategy's
        /// narrowing, the instance chosen; for a task not placed, the closest matching instance
        /// and the check it failed, with ECS's event
        #[arg(long, conflicts_with_all = ["to", "dns", "start", "call"])]
        placement: bool,
        #[arg(long)]
        json: bool,
    },
    /// Topology picture (expectations coloured by verdict with --results from `test --json`).
    Graph {
        /// A scenario file or a running lab's name.
        target: String,
        /// mermaid, dot, svg, png, or html (one self-contained page: click a box for what it
        /// is, a verdict arrow for its explain).
        #[arg(long, default_value = "mermaid")]
        format: String,
        /// The output of `ecsnet test --json`.
        #[arg(long)]
        results: Option<PathBuf>,
        /// Write here instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// PNG only: the picture fitted into WIDTHxHEIGHT pixels (a projector: 1280x720).
        #[arg(long, default_value = "1920x1080")]
        size: String,
    },
    /// What `docker ps` shows on each instance of a running lab: ecsnet ps LAB [--instance NAME]
    Ps {
        lab: String,
        /// Only this instance (no header line).
        #[arg(long)]
        instance: Option<String>,
        /// table or json (one object per line, as `docker ps --format json`).
        #[arg(long, default_value = "table")]
        format: String,
    },
    /// `docker inspect` of containers of a running lab, by docker name, id prefix (>= 3 chars) or node name; `service/NAME`, `alb/NAME`, `cloudmap/NAME`
    Inspect {
        lab: String,
        #[arg(required = true)]
        containers: Vec<String>,
        /// Only look on this instance (every instance has an `ecs-agent`).
        #[arg(long)]
        instance: Option<String>,
    },
    /// The JSON Schema of the scenario file (for editors: `ecsnet schema > ecsnet.schema.json`).
    Schema {
        /// The schema of an expectations file (`ecsnet test SCENARIO --expect FILE`) instead.
        #[arg(long)]
        expect: bool,
    },
    /// What a container's program wrote (`docker logs`), or the lab's agent: ecsnet logs LAB task/web [-f]
    Logs {
        lab: String,
        /// task/NAME[/CONTAINER], a container id or name, `agent` or instance/NAME.
        node: String,
        /// Follow the log until Ctrl-C.
        #[arg(short, long)]
        follow: bool,
    },
    /// Run a command in a node's namespace: ecsnet exec LAB task/web -- ip addr
    Exec {
        lab: String,
        node: String,
        #[arg(last = true)]
        cmd: Vec<String>,
    },
    /// StopTask on a running lab: ecsnet stop LAB task/web [--reason TEXT] [--wait]. A task in
    /// target groups drains first; a service's task is replaced by the service scheduler.
    Stop {
        lab: String,
        /// task/NAME
        task: String,
        /// The reason DescribeTasks shows (stoppedReason); default "Task stopped by user".
        #[arg(long)]
        reason: Option<String>,
        /// Wait until the task is STOPPED (its targets drained, its ENI deleted).
        #[arg(long)]
        wait: bool,
    },
    /// IAM's policy simulator, without packets: ecsnet iam simulate-custom-policy ...
    Iam {
        #[command(subcommand)]
        cmd: IamCmd,
    },
    /// A scenario from infrastructure code: ecsnet import cloudformation TEMPLATE... | terraform PLAN.json
    Import {
        #[command(subcommand)]
        what: ImportCmd,
    },
}

/// `ecsnet import ...`: what the scenario is made from.
#[derive(Debug, clap::Subcommand)]
pub enum ImportCmd {
    /// CloudFormation templates (JSON or YAML, `cdk synth` output too), deployed in the order
    /// given: each stack's exports resolve the Fn::ImportValue of the stacks after it.
    Cloudformation {
        /// `TEMPLATE` or `STACK=TEMPLATE` (the stack's name, as AWS::StackName and its export
        /// names see it; default: the file's name without extension).
        #[arg(required = true, value_name = "[STACK=]TEMPLATE")]
        templates: Vec<String>,
        /// A parameter's value (or an Fn::ImportValue's, for an export of a stack not given).
        #[arg(long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
        /// The region the stacks are deployed in (AWS::Region, availability zones).
        #[arg(long)]
        region: Option<String>,
        /// The lab's name (default: the last stack's name).
        #[arg(long)]
        name: Option<String>,
        /// Write the scenario here instead of stdout.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// `terraform show -json` of a plan (`terraform plan -out tfplan`) or of a state.
    Terraform {
        #[arg(value_name = "PLAN.json")]
        plan: String,
        /// The region, when the provider's configuration does not say it.
        #[arg(long)]
        region: Option<String>,
        /// The lab's name (default: the file's name).
        #[arg(long)]
        name: Option<String>,
        /// Write the scenario here instead of stdout.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
}

/// `ecsnet iam ...`, named as the AWS CLI names them.
#[derive(Debug, clap::Subcommand)]
pub enum IamCmd {
    /// Evaluate a lab's caller as IAM would (aws iam simulate-principal-policy): a task's or an
    /// instance's role session, the policies aws.roles attaches to its role, an endpoint's policy
    Simulate {
        /// A scenario file or a running lab's name.
        target: String,
        /// task/NAME (its task role) or instance/NAME (its instance role).
        #[arg(long)]
        principal: String,
        /// With task/NAME: its execution role instead (the agent's calls for it).
        #[arg(long)]
        execution_role: bool,
        /// Actions to evaluate (ecr:DescribeImages).
        #[arg(long = "action-names", required = true, num_args = 1..)]
        action_names: Vec<String>,
        /// Resources: ARNs, or repository/NAME, bucket/NAME[/KEY], secret/NAME, parameter/NAME, log-group/NAME.
        #[arg(long = "resource-arns", num_args = 1..)]
        resource_arns: Vec<String>,
        /// The call goes through this interface endpoint: its policy applies, with aws:SourceVpce and aws:SourceVpc.
        #[arg(long)]
        via: Option<String>,
        /// More condition keys: KEY=VALUE[,VALUE] or AWS's ContextKeyName=...,ContextKeyValues=...
        #[arg(long = "context-entries", num_args = 1..)]
        context_entries: Vec<String>,
        /// EvaluationResults as JSON, in the simulator's shape.
        #[arg(long)]
        json: bool,
    },
    /// Evaluate policies given here as IAM does (aws iam simulate-custom-policy): which
    /// statement allows or denies each action on each resource, and AWS's denial message
    SimulateCustomPolicy {
        /// Identity-based policies: file://PATH, a path, or the JSON itself (repeatable).
        #[arg(long = "policy-input-list", required = true, num_args = 1..)]
        policy_input_list: Vec<String>,
        /// Actions to evaluate (ecr:DescribeImages).
        #[arg(long = "action-names", required = true, num_args = 1..)]
        action_names: Vec<String>,
        /// Resource ARNs (default *).
        #[arg(long = "resource-arns", num_args = 1..)]
        resource_arns: Vec<String>,
        /// The resource's policy (a bucket, repository or secret policy).
        #[arg(long = "resource-policy")]
        resource_policy: Option<String>,
        /// A permissions boundary.
        #[arg(long = "permissions-boundary-policy-input-list", num_args = 1..)]
        permissions_boundary_policy_input_list: Vec<String>,
        /// The caller (default: a role session of the lab's account).
        #[arg(long = "caller-arn")]
        caller_arn: Option<String>,
        /// Condition keys of the request: KEY=VALUE[,VALUE] or AWS's ContextKeyName=...,ContextKeyValues=...
        #[arg(long = "context-entries", num_args = 1..)]
        context_entries: Vec<String>,
        /// EvaluationResults as JSON, in the simulator's shape.
        #[arg(long)]
        json: bool,
    },
}

impl Cmd {
    /// The lab names given to this verb (a graph or explain target that is not a file is one).
    fn lab_names(&self) -> Vec<&str> {
        // As `graph` and `explain` decide: anything at the path but a directory is a file (a
        // FIFO too, which they then refuse by name).
        let not_file = |t: &str| std::fs::metadata(t).map(|m| m.is_dir()).unwrap_or(true);
        match self {
            Cmd::Down { labs, .. } => labs.iter().map(String::as_str).collect(),
            Cmd::Check { lab, .. }
            | Cmd::Probe { lab, .. }
            | Cmd::Ps { lab, .. }
            | Cmd::Inspect { lab, .. }
            | Cmd::Exec { lab, .. }
            | Cmd::Stop { lab, .. }
            | Cmd::Logs { lab, .. } => vec![lab.as_str()],
            Cmd::Ls { lab: Some(lab), .. } => vec![lab.as_str()],
            Cmd::Explain { target, .. } | Cmd::Graph { target, .. } if not_file(target) => vec![target.as_str()],
            _ => vec![],
        }
    }
}

/// The one check of every lab name given on the command line, for every verb, before any file
/// or namespace is touched: the scenario's rule (`check_lab_name`), exit 2.
pub fn check_lab_args(cmd: &Cmd) -> Result<(), CliError> {
    for n in cmd.lab_names() {
        crate::scenario::check_lab_name(n).map_err(|e| {
            CliError::Invalid(tr!(
                "lab-name-rule",
                "{ $error } (a lab name is 1-20 lowercase letters, digits and '-', not starting or ending with '-')",
                error = e
            ))
        })?;
    }
    Ok(())
}

static INTERRUPTS: AtomicUsize = AtomicUsize::new(0);
static WATCHING: AtomicBool = AtomicBool::new(false);

/// The labs this process is building or testing, which an interrupt must not leave behind.
static BUSY_LABS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// `lab` is being built (or tested) by this process until [`done_with`].
pub fn working_on(lab: &str) {
    if let Ok(mut v) = BUSY_LABS.lock() {
        v.push(lab.to_string());
    }
}

pub fn done_with(lab: &str) {
    if let Ok(mut v) = BUSY_LABS.lock() {
        v.retain(|l| l != lab);
    }
}

/// A line on stderr that never panics (a closed terminal or pipe must not abort a cleanup).
pub(crate) fn say(msg: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{msg}");
}

/// Ctrl-C, SIGTERM, SIGHUP (a closed terminal), and every other signal whose default would
/// kill the run where it stands (Ctrl-\\ SIGQUIT, SIGUSR1/2, SIGALRM): the first asks the
/// running operation to stop and clean up; the second only says it is still cleaning up; the
/// third leaves the cleanup to a background `ecsnet down` of this run's own labs, then exits.
pub fn watch_signals() {
    if WATCHING.swap(true, Ordering::SeqCst) {
        return;
    }
    use signal_hook::consts::signal::{SIGALRM, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2};
    // signal-hook, not tokio::signal: tokio installs each handler before it subscribes to it,
    // and a signal in between is dropped (a Ctrl-C 13 ms into `test`, under load, was lost and
    // the run went on to exit 0). signal-hook's handler records into its own pipe from the
    // moment it is installed. Registered on the thread that reads them, and waited for: the
    // handlers are in place when this returns, before anything is built; and if no thread can
    // be made, none is installed and each signal keeps its default action.
    // A signal ignored when ecsnet started stays ignored, as a shell's own jobs do: `nohup`
    // (SIGHUP), a job in the background of a script (SIGINT, SIGQUIT).
    let wanted: Vec<i32> = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM]
        .into_iter()
        .filter(|s| !crate::sys::signal::ignored(*s))
        .collect();
    let (ready, installed) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new().name("ecsnet-signals".into()).spawn(move || {
        let signals = signal_hook::iterator::Signals::new(wanted);
        let Ok(mut signals) = signals else {
            let _ = ready.send(());
            return;
        };
        let _ = ready.send(());
        for _ in signals.forever() {
            on_signal();
        }
    });
    if spawned.is_ok() {
        let _ = installed.recv();
    }
}

/// One signal: the first asks the operation to stop, the second says so, the third exits.
fn on_signal() {
    // Each scenario `--jobs` runs in a child process is interrupted as a serial run's
    // would be, and counts the signals as this process does.
    forward_to_children();
    match INTERRUPTS.fetch_add(1, Ordering::SeqCst) {
        // A child of `test --jobs` leaves these lines to its parent (said once).
        0 | 1 if QUIET_INTERRUPTS.load(Ordering::SeqCst) => {}
        0 => say(&tr!(
            "interrupt-first",
            "ecsnet: interrupted, cleaning up (Ctrl-C twice more to leave it to the background)"
        )),
        1 => say(&tr!(
            "interrupt-second",
            "ecsnet: still cleaning up (Ctrl-C again to leave it to a background `ecsnet down`)"
        )),
        _ => {
            let labs = BUSY_LABS.lock().map(|v| v.clone()).unwrap_or_default();
            for lab in &labs {
                background_down(lab);
            }
            say(&tr!(
                "interrupt-exiting",
                "ecsnet: exiting; `ecsnet down` finishes in the background: { $labs }",
                labs = labs.join(", ")
            ));
            std::process::exit(130);
        }
    }
}

/// The processes `test --jobs` started, each testing one scenario in a process group of its
/// own (a Ctrl-C on the terminal reaches this process only, which passes each signal on).
static CHILDREN: std::sync::Mutex<Vec<u32>> = std::sync::Mutex::new(Vec::new());

/// `pid` tests a scenario for this process until [`child_done`]; it gets this process's signals.
pub fn child_started(pid: u32) {
    if let Ok(mut v) = CHILDREN.lock() {
        v.push(pid);
    }
}

pub fn child_done(pid: u32) {
    if let Ok(mut v) = CHILDREN.lock() {
        v.retain(|p| *p != pid);
    }
}

/// Set in a child of `test --jobs`: its parent says what an interrupt does.
static QUIET_INTERRUPTS: AtomicBool = AtomicBool::new(false);

/// This process tests a scenario for a `test --jobs` parent.
pub fn as_child() {
    QUIET_INTERRUPTS.store(true, Ordering::SeqCst);
}

/// SIGINT to every child: each cleans up its own lab (its third leaves it to a background
/// `down`, as this process's third does).
fn forward_to_children() {
    use nix::sys::signal::{Signal, kill};
    let pids = CHILDREN.lock().map(|v| v.clone()).unwrap_or_default();
    for pid in pids {
        if let Ok(pid) = i32::try_from(pid) {
            let _ = kill(nix::unistd::Pid::from_raw(pid), Signal::SIGINT);
        }
    }
}

/// After a panic: remove the labs this process was building or testing, here (no thread or
/// process is needed, and the machine may refuse both).
fn remove_busy_labs() {
    let labs = BUSY_LABS.lock().map(|v| v.clone()).unwrap_or_else(|e| e.into_inner().clone());
    for lab in labs {
        let rep = crate::dataplane::down(&lab);
        if BROKEN_PIPE.load(Ordering::SeqCst) {
            continue; // not a bug; and nobody reads
        }
        if rep.errors.is_empty() {
            say(&tr!(
                "internal-error-removed",
                "ecsnet: internal error (a bug in ecsnet, please report it); lab { $lab } was removed",
                lab = lab
            ));
        } else {
            say(&tr!(
                "internal-error-remove-failed",
                "ecsnet: internal error; removing lab { $lab } failed: { $errors }",
                lab = lab,
                errors = rep.errors.join("; ")
            ));
        }
    }
}

/// `ecsnet down LAB` in a session of its own, so that it outlives this process and its terminal.
fn background_down(lab: &str) {
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};
    let Ok(me) = std::env::current_exe() else { return };
    let mut cmd = Command::new(me);
    let owner = crate::dataplane::state::this_process();
    cmd.args(["down", lab, "--owner", &owner]).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
    // SAFETY: setsid is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| nix::unistd::setsid().map(|_| ()).map_err(std::io::Error::from));
    }
    let _ = cmd.spawn();
}

pub fn interrupted() -> bool {
    INTERRUPTS.load(Ordering::SeqCst) > 0
}

/// Resolves once the run is interrupted (SIGINT or SIGTERM, after `watch_signals`).
pub async fn interruption() {
    while !interrupted() {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Run `f` unless interrupted first: then `f` is dropped (a probe batch's tasks are aborted
/// with it) and the caller gets `None` at once instead of waiting for every probe's timeout.
pub async fn until_interrupted<F: std::future::Future>(f: F) -> Option<F::Output> {
    tokio::select! {
        r = f => Some(r),
        _ = interruption() => None,
    }
}

pub fn cancel_flag() -> crate::dataplane::Cancel {
    Arc::new(|_| interrupted())
}

/// Exit 3 with the fix when this machine cannot run labs.
pub fn check_environment() -> Result<(), CliError> {
    check_machine(true)
}

/// [`check_environment`] for `down`, which removes namespaces and processes and needs no `nft`
/// (running `nft --version` was a fifth of a small lab's `down`).
pub fn check_environment_to_remove() -> Result<(), CliError> {
    check_machine(false)
}

fn check_machine(nft_needed: bool) -> Result<(), CliError> {
    let env = |m: String| Err(CliError::Environment(m));
    if !nix::unistd::Uid::effective().is_root() {
        return env(tr!(
            "env-not-root",
            "ecsnet needs root to create network namespaces: run it with sudo (e.g. `sudo ecsnet up FILE`)"
        ));
    }
    let nft = || std::process::Command::new(crate::sys::nft::program()).arg("--version").output();
    if nft_needed && !nft().is_ok_and(|o| o.status.success()) {
        return env(tr!(
            "env-nft-missing",
            "the `nft` program (package nftables) is missing: install it with `sudo scripts/setup.sh` or `sudo apt-get install -y nftables`"
        ));
    }
    if !std::path::Path::new("/proc/self/ns/net").exists() {
        return env(tr!("env-no-netns", "this kernel has no network namespaces (CONFIG_NET_NS)"));
    }
    // Root in a container started without --privileged: every lab would fail half way.
    use crate::sys::caps;
    let missing = caps::missing(&[caps::CAP_SYS_ADMIN, caps::CAP_NET_ADMIN]);
    if !missing.is_empty() {
        let names: Vec<&str> =
            missing.iter().map(|c| if *c == caps::CAP_SYS_ADMIN { "CAP_SYS_ADMIN" } else { "CAP_NET_ADMIN" }).collect();
        return env(tr!(
            "env-missing-caps",
            "ecsnet runs as root but without { $caps } (namespaces, mounts and links need them): in a container, start it with `docker run --privileged ...`",
            caps = names.join(&tr!("list-and", " and "))
        ));
    }
    if caps::proc_sys_read_only() {
        return env(tr!(
            "env-proc-sys-read-only",
            "/proc/sys is read-only here (a container started without --privileged?): each lab namespace's sysctls are written there; start the container with `docker run --privileged ...`"
        ));
    }
    Ok(())
}

fn init_tracing(v: u8) {
    let level = match v {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("ECSNET_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("ecsnet={level}")));
    // Colour only on a terminal, and never when NO_COLOR is set (no-color.org): CI logs and
    // files get plain text.
    use std::io::IsTerminal;
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(colour)
        .try_init();
}

/// Raise the open-file limit: a lab holds a socket per namespace while it is built, and a
/// probe matrix a socket per probe.
pub fn raise_nofile() {
    if let Ok((_, hard)) = nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE) {
        let _ = nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE, hard, hard);
    }
}

/// Set when a write to a closed stdout or stderr (`ecsnet ps LAB | head -1`) ended the run.
static BROKEN_PIPE: AtomicBool = AtomicBool::new(false);

/// `print!` panics when its reader went away. That is the reader's choice, not a bug: no
/// panic message, and `main` exits 141 (128 + SIGPIPE) as a tool killed by SIGPIPE would,
/// after removing any lab it was building. Any other panic is reported as the bug it is.
fn quiet_broken_pipes() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let p = info.payload();
        let msg = p.downcast_ref::<String>().map(String::as_str).or_else(|| p.downcast_ref::<&str>().copied());
        if msg.is_some_and(|m| m.starts_with("failed printing to std") && m.contains("os error 32")) {
            BROKEN_PIPE.store(true, Ordering::SeqCst);
            return;
        }
        default(info)
    }));
}

/// Each option's help of `cmd` in `lang`: message `help-CMD-ID` (`help-arg-ID` for the global
/// ones), English (the doc comment) where the catalog has none.
fn localize_args(cmd: clap::Command, lang: crate::i18n::Lang, name: &str) -> clap::Command {
    // mut_args keeps the arguments in place; mut_arg would move one to the end, and with it a
    // positional argument's place on the command line.
    cmd.mut_args(|a| match a.get_help().map(|h| h.to_string()) {
        Some(en) => {
            let text = crate::i18n::text(lang, &format!("help-{name}-{}", a.get_id()), &en);
            a.help(text)
        }
        None => a,
    })
}

/// The command line, with `--help` in the user's language (each command's summary from the
/// i18n catalog; English, the doc comments, where it has none).
fn parse_localized() -> Cli {
    use clap::{CommandFactory, FromArgMatches};
    let lang = crate::i18n::lang();
    let mut cmd = Cli::command();
    if lang != crate::i18n::Lang::En {
        let about = cmd.get_about().map(|a| a.to_string()).unwrap_or_default();
        cmd = cmd.about(crate::i18n::text(lang, "help-about", &about));
        cmd = localize_args(cmd, lang, "arg");
        let names: Vec<String> = cmd.get_subcommands().map(|c| c.get_name().to_string()).collect();
        for n in names {
            cmd = cmd.mut_subcommand(&n, |c| {
                let about = c.get_about().map(|a| a.to_string()).unwrap_or_default();
                let mut c = localize_args(c.about(crate::i18n::text(lang, &format!("help-{n}"), &about)), lang, &n);
                // One level deeper (`iam simulate-custom-policy`): help-iam-simulate-custom-policy.
                let subs: Vec<String> = c.get_subcommands().map(|s| s.get_name().to_string()).collect();
                for sub in subs {
                    let id = format!("{n}-{sub}");
                    c = c.mut_subcommand(&sub, |x| {
                        let about = x.get_about().map(|a| a.to_string()).unwrap_or_default();
                        localize_args(x.about(crate::i18n::text(lang, &format!("help-{id}"), &about)), lang, &id)
                    });
                }
                c
            });
        }
    }
    let matches = cmd.get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

pub fn main() -> i32 {
    quiet_broken_pipes();
    let cli = parse_localized();
    init_tracing(cli.verbose);
    if let Err(e) = check_lab_args(&cli.cmd) {
        return fail(e);
    }
    raise_nofile();
    let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{}", tr!("runtime-failed", "ecsnet: cannot start the runtime: { $error }", error = e));
            return Exit::Environment.code();
        }
    };
    let v = cli.verbose;
    // A panic anywhere in a verb (a bug) must not leave the labs it was building or testing:
    // they are removed here, after the unwinding released their locks, then exit 101.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async move {
            match cli.cmd {
                Cmd::Validate { files, expect } => validate::run(&files, &expect),
                Cmd::Up { file, name, prefix, stop_after } => {
                    up::run(&file, &Naming { name, prefix, expect: vec![] }, stop_after, v).await
                }
                Cmd::Down { labs, all, everyone, owner } => down::run(&labs, all, everyone, owner.as_deref()).await,
                Cmd::Test { paths, junit, json, markdown, name, prefix, expect, shard, jobs, one_report } => {
                    let out = test::Outputs { junit: junit.as_deref(), json, markdown: markdown.as_deref() };
                    let suite = suite::Suite { shard: shard.as_deref(), jobs: usize::from(jobs), one_report };
                    suite::run(&paths, out, &Naming { name, prefix, expect }, &suite, v).await
                }
                Cmd::Check { lab, json } => check::run(&lab, json).await,
                Cmd::Probe { lab, from, to, protocol, timeout_ms, via } => {
                    probe::run(&lab, &from, &to, &protocol, timeout_ms, via.as_deref()).await
                }
                Cmd::Ls { lab: Some(lab), json, .. } => ls::one(&lab, json),
                Cmd::Ls { lab: None, orphans, json } => ls::run(orphans, json),
                Cmd::Schema { expect } => schema::run(expect),
                Cmd::Import { what } => import::run(&import_args(&what)),
                Cmd::Exec { lab, node, cmd } => exec::run(&lab, &node, &cmd),
                Cmd::Stop { lab, task, reason, wait } => stop::run(&lab, &task, reason, wait).await,
                Cmd::Iam {
                    cmd:
                        IamCmd::Simulate {
                            target,
                            principal,
                            execution_role,
                            action_names,
                            resource_arns,
                            via,
                            context_entries,
                            json,
                        },
                } => iam::simulate(&iam::LabSimulation {
                    target: &target,
                    principal: &principal,
                    execution: execution_role,
                    actions: &action_names,
                    resources: &resource_arns,
                    via: via.as_deref(),
                    context: &context_entries,
                    json,
                }),
                Cmd::Iam {
                    cmd:
                        IamCmd::SimulateCustomPolicy {
                            policy_input_list,
                            action_names,
                            resource_arns,
                            resource_policy,
                            permissions_boundary_policy_input_list,
                            caller_arn,
                            context_entries,
                            json,
                        },
                } => iam::simulate_custom_policy(&iam::Simulation {
                    policies: &policy_input_list,
                    actions: &action_names,
                    resources: &resource_arns,
                    resource_policy: resource_policy.as_deref(),
                    boundaries: &permissions_boundary_policy_input_list,
                    caller: caller_arn.as_deref().unwrap_or(iam::DEFAULT_CALLER),
                    context: &context_entries,
                    json,
                }),
                Cmd::Logs { lab, node, follow } => logs::run(&lab, &node, follow).await,
                Cmd::Ps { lab, instance, format } => ps::run(&lab, instance.as_deref(), &format),
                Cmd::Inspect { lab, containers, instance } => inspect::run(&lab, &containers, instance.as_deref()),
                Cmd::Graph { target, format, results, output, size } => {
                    graph::run(&target, &format, results.as_deref(), output.as_deref(), &size)
                }
                cmd @ Cmd::Explain { .. } => explain_cmd(cmd),
            }
        })
    }));
    let Ok(outcome) = outcome else {
        remove_busy_labs();
        return if BROKEN_PIPE.load(Ordering::SeqCst) { 141 } else { Exit::Internal.code() };
    };
    match outcome {
        Ok(exit) => exit.code(),
        Err(e) => fail(e),
    }
}

/// The arguments of `ecsnet import`, whichever source.
fn import_args(what: &ImportCmd) -> import::Import<'_> {
    match what {
        ImportCmd::Cloudformation { templates, params, region, name, output } => import::Import {
            kind: import::Kind::CloudFormation,
            files: templates,
            params,
            region: region.as_deref(),
            name: name.as_deref(),
            output: output.as_deref(),
        },
        ImportCmd::Terraform { plan, region, name, output } => import::Import {
            kind: import::Kind::Terraform,
            files: std::slice::from_ref(plan),
            params: &[],
            region: region.as_deref(),
            name: name.as_deref(),
            output: output.as_deref(),
        },
    }
}

/// How a run names its labs: the scenario's `name:`, or `--name NAME` (one scenario), or
/// `--prefix P` (`P-NAME`), so that twenty people on one machine, or parallel CI jobs, run the
/// same files without editing them; and the expectation files (`--expect`) it adds to the
/// scenario's own.
#[derive(Clone, Debug, Default)]
pub struct Naming {
    pub name: Option<String>,
    pub prefix: Option<String>,
    pub expect: Vec<PathBuf>,
}

impl Naming {
    /// The lab name for a scenario named `scenario` (checked as a scenario's would be: exit 2).
    pub fn lab_name(&self, scenario: &str) -> Result<String, CliError> {
        let (n, how) = match (&self.name, &self.prefix) {
            (Some(n), _) => (n.clone(), "--name"),
            (None, Some(p)) => (format!("{p}-{scenario}"), "--prefix"),
            (None, None) => return Ok(scenario.to_string()),
        };
        crate::scenario::check_lab_name(&n).map_err(|e| {
            CliError::Invalid(tr!(
                "lab-name-rule-option",
                "{ $option }: { $error } (a lab name is 1-20 lowercase letters, digits and '-', not starting or ending with '-')",
                option = how,
                error = e
            ))
        })?;
        Ok(n)
    }
}

/// Load, model and plan a scenario; a scenario problem gives exit 2.
pub fn prepare(
    file: &std::path::Path,
) -> Result<(crate::scenario::Scenario, crate::model::Lab, crate::plan::Plan), CliError> {
    prepare_as(file, &Naming::default())
}

/// `prepare`, naming the lab as `naming` says.
pub fn prepare_as(
    file: &std::path::Path,
    naming: &Naming,
) -> Result<(crate::scenario::Scenario, crate::model::Lab, crate::plan::Plan), CliError> {
    let s = crate::scenario::load_with_expect(file, &naming.expect).map_err(|d| CliError::Invalid(d.to_string()))?;
    let (s, lab) = lab_of(s, naming)?;
    crate::check::budget(&lab, &s.expect)
        .map_err(|d| CliError::Invalid(crate::scenario::Diagnostics(d).to_string()))?;
    let plan = crate::plan::plan(&lab);
    Ok((s, lab, plan))
}

/// The lab of a scenario, named as `naming` says.
fn lab_of(
    mut s: crate::scenario::Scenario,
    naming: &Naming,
) -> Result<(crate::scenario::Scenario, crate::model::Lab), CliError> {
    s.name.value = naming.lab_name(&s.name.value)?;
    let mut lab = crate::model::build(&s).map_err(|e| CliError::Invalid(e.to_string()))?;
    if s.control_plane_strict {
        // Instances that would never register on AWS get no task.
        let unregistered = crate::analyze::control_plane::unregistered(&lab);
        if !unregistered.is_empty() {
            lab = crate::model::build_with(&s, &unregistered).map_err(|e| CliError::Invalid(e.to_string()))?;
        }
    }
    Ok((s, lab))
}

/// The expectations of a file `up` builds while they are checked ([`prepare_up`]).
pub type PendingExpect = std::thread::JoinHandle<Result<crate::scenario::Scenario, crate::scenario::Diagnostics>>;

/// [`prepare_as`] for `up`: a large `expect:` block, which the lab does not need, is parsed
/// and checked on a thread of its own while the lab is built (at 100 tasks, 9,900 expectations
/// took 100-150 ms of a 450 ms `up`); `up` waits for it before it reports, and removes the lab
/// when it fails. Anything else is read whole first, as `prepare_as` does.
pub fn prepare_up(
    file: &std::path::Path,
    naming: &Naming,
) -> Result<(crate::scenario::Scenario, crate::model::Lab, crate::plan::Plan, Option<PendingExpect>), CliError> {
    let split = if naming.expect.is_empty() { crate::scenario::load_topology(file) } else { None };
    let Some((topology, text)) = split else {
        let (s, lab, plan) = prepare_as(file, naming)?;
        return Ok((s, lab, plan, None));
    };
    let path = file.to_path_buf();
    let whole = std::thread::Builder::new()
        .name("ecsnet-expect".into())
        .spawn(move || crate::scenario::load_str(&path, &text))
        .map_err(|e| CliError::Invalid(format!("{}: {e}", file.display())))?;
    let (s, lab) = lab_of(topology, naming)?;
    let plan = crate::plan::plan(&lab);
    Ok((s, lab, plan, Some(whole)))
}

/// The expectations of a file `up` built while they were checked: the whole file's, within the
/// budget of the lab.
pub fn finish_expect(
    lab: &crate::model::Lab,
    pending: PendingExpect,
) -> Result<Vec<crate::scenario::Expectation>, CliError> {
    let s = pending
        .join()
        .map_err(|_| CliError::Invalid("reading the expectations panicked".into()))?
        .map_err(|d| CliError::Invalid(d.to_string()))?;
    crate::check::budget(lab, &s.expect).map_err(|d| CliError::Invalid(crate::scenario::Diagnostics(d).to_string()))?;
    Ok(s.expect)
}

/// The instances that could not reach the ECS control plane, one warning each in the agent's
/// words (`validate`, `up` print them on stderr).
pub fn control_plane_warnings(lab: &crate::model::Lab, strict: bool) -> Vec<String> {
    let all = crate::analyze::control_plane::check(lab);
    let mut out = vec![];
    let mut more = vec![];
    for (ii, inst) in lab.instances.iter().enumerate() {
        let mine: Vec<_> = all.iter().filter(|u| u.instance == ii).collect();
        let Some(first) = mine.first() else { continue };
        // A large lab gets three full warnings and the names of the others.
        if out.len() == MAX_CONTROL_PLANE_WARNINGS {
            more.push(inst.name.as_str());
            continue;
        }
        let services: Vec<&str> = mine.iter().map(|u| u.service.id()).collect();
        let consequence = match (mine.iter().any(|u| u.keeps_tasks_off()), strict) {
            (false, _) => tr!("control-plane-metrics", "On AWS its tasks run, but its metrics do not reach CloudWatch"),
            (true, true) => {
                tr!("control-plane-strict", "On AWS it would run no task; nor does ecsnet here (controlPlane: strict)")
            }
            (true, false) => tr!(
                "control-plane-warn",
                "On AWS it would run no task; ecsnet places its tasks all the same (`controlPlane: strict` would not)"
            ),
        };
        // IAM refused it: the network is not the problem, the instance's role is.
        let denied = matches!(first.dial.failure, Some(crate::model::pull::Failure::Api { .. }));
        // A private address: the endpoint is there and something in front of it drops the call.
        let fix = match first.dial.ip {
            _ if denied => tr!(
                "control-plane-fix-iam",
                "Attach AmazonEC2ContainerServiceforEC2Role to its role { $role }, or allow what the message names",
                role = inst.instance_profile.as_str()
            ),
            Some(ip) if !crate::scenario::aws_service::in_aws_public(ip) => tr!(
                "control-plane-fix-endpoint",
                "The endpoint at { $ip } is there: admit 443 from the instance in its security group (and the network ACLs)",
                ip = ip.to_string()
            ),
            _ => tr!(
                "control-plane-fix-public",
                "Give it a public IP, a NAT gateway, or the ecs, ecs-agent and ecs-telemetry endpoints"
            ),
        };
        let (instance, services, log) = (inst.name.as_str(), services.join(", "), first.agent_log().replace('\n', " "));
        out.push(if denied {
            tr!(
                "control-plane-warning-denied",
                "warning: instance/{ $instance } is refused by the ECS control plane ({ $services }): its agent logs \"{ $log }\". { $consequence }. { $fix }",
                instance = instance,
                services = services,
                log = log,
                consequence = consequence,
                fix = fix
            )
        } else {
            tr!(
                "control-plane-warning",
                "warning: instance/{ $instance } cannot reach the ECS control plane ({ $services }): its agent logs \"{ $log }\". { $consequence }. { $fix }",
                instance = instance,
                services = services,
                log = log,
                consequence = consequence,
                fix = fix
            )
        });
    }
    if !more.is_empty() {
        out.push(tr!(
            "control-plane-more",
            "warning: { $count } more instances cannot reach the ECS control plane either: { $names }",
            count = more.len(),
            names = more.join(", ")
        ));
    }
    out
}

/// Full control-plane warnings printed before the rest are only named.
const MAX_CONTROL_PLANE_WARNINGS: usize = 3;

/// A node written on the command line names something of the lab: a typo is a mistake of the
/// command (exit 2, with the closest name), never a verdict such as TASK_NOT_PLACED.
pub fn check_node_names(lab: &crate::model::Lab, node: &crate::scenario::Node) -> Result<(), CliError> {
    use crate::scenario::Node;
    // `what` says what is missing, naming it; the hint follows.
    let unknown = |what: String, name: &str, names: Vec<&str>| {
        let hint = crate::scenario::suggest(name, &names)
            .map(|s| tr!("node-did-you-mean", ": did you mean `{ $name }`?", name = s))
            .unwrap_or_else(|| {
                let mut some: Vec<&str> = names.iter().take(8).copied().collect();
                if names.len() > 8 {
                    some.push("...");
                }
                if some.is_empty() {
                    String::new()
                } else {
                    tr!("node-it-has", " (it has { $names })", names = some.join(", "))
                }
            });
        Err(CliError::Invalid(format!("{what}{hint}")))
    };
    let lab_name = &lab.name;
    match node {
        Node::Instance(n) | Node::InstancePublic(n) if lab.instance(n).is_none() => unknown(
            tr!("node-unknown-instance", "lab { $lab } has no instance `{ $name }`", lab = lab_name, name = n),
            n,
            lab.instances.iter().map(|i| i.name.as_str()).collect(),
        ),
        Node::Task { task, container } => match lab.tasks.iter().find(|t| t.name == *task) {
            None => unknown(
                tr!("node-unknown-task", "lab { $lab } has no task `{ $name }`", lab = lab_name, name = task),
                task,
                lab.tasks.iter().map(|t| t.name.as_str()).collect(),
            ),
            Some(t) => match container {
                Some(c) if !t.containers.iter().any(|x| x.name == *c) => unknown(
                    tr!("node-unknown-container", "task { $task } has no container `{ $name }`", task = task, name = c),
                    c,
                    t.containers.iter().map(|x| x.name.as_str()).collect(),
                ),
                _ => Ok(()),
            },
        },
        Node::TaskPublic(n) if lab.task(n).is_none() => unknown(
            tr!("node-unknown-task", "lab { $lab } has no task `{ $name }`", lab = lab_name, name = n),
            n,
            lab.tasks.iter().map(|t| t.name.as_str()).collect(),
        ),
        Node::Nat(n) if lab.nat(n).is_none() => unknown(
            tr!("node-unknown-nat", "lab { $lab } has no NAT gateway `{ $name }`", lab = lab_name, name = n),
            n,
            lab.nats.iter().map(|x| x.name.as_str()).collect(),
        ),
        Node::InternetHost(n) if !lab.internet.hosts.iter().any(|h| h.name.value == *n) => {
            let hosts = lab.internet.hosts.iter().map(|h| h.name.value.as_str()).collect();
            let what = tr!(
                "node-unknown-internet-host",
                "lab { $lab } has no internet host `{ $name }`",
                lab = lab_name,
                name = n
            );
            unknown(what, n, hosts)
        }
        _ => Ok(()),
    }
}

/// `--protocol` values.
pub fn parse_protocol(p: &str) -> Result<crate::scenario::ProbeProto, CliError> {
    use crate::scenario::ProbeProto;
    match p {
        "tcp" => Ok(ProbeProto::Tcp),
        "udp" => Ok(ProbeProto::Udp),
        "http" => Ok(ProbeProto::Http),
        "icmp" => Ok(ProbeProto::Icmp),
        p => Err(CliError::Invalid(tr!(
            "cli-unknown-protocol",
            "unknown protocol `{ $value }` (tcp, udp, http, icmp)",
            value = p
        ))),
    }
}

/// `--via` values.
pub fn parse_via(v: Option<&str>) -> Result<Option<crate::scenario::Via>, CliError> {
    use crate::scenario::Via;
    match v {
        None => Ok(None),
        Some("hostPort") => Ok(Some(Via::HostPort)),
        Some("publicHostPort") => Ok(Some(Via::PublicHostPort)),
        Some(v) => Err(CliError::Invalid(tr!(
            "cli-unknown-via",
            "unknown via `{ $value }` (hostPort, publicHostPort)",
            value = v
        ))),
    }
}

/// A running lab's model.
pub fn running_lab(lab: &str) -> Result<crate::model::Lab, CliError> {
    crate::dataplane::state::load_lab(lab).map_err(|e| CliError::Failed(e.to_string()))
}

/// The model of a scenario file (nothing is built), or of a running lab.
pub fn lab_or_file(target: &str) -> Result<crate::model::Lab, CliError> {
    let p = std::path::Path::new(target);
    // Anything there but a directory is read as a file: a FIFO or a device gets its located
    // error from the reader instead of "no such lab".
    if p.exists() && !p.is_dir() {
        return prepare(p).map(|(_, lab, _)| lab);
    }
    running_lab(target)
        .map_err(|e| CliError::Failed(tr!("cli-or-give-file", "{ $error } (or give a scenario file)", error = e)))
}

/// A user's login name, or the uid when the machine has none for it.
pub(crate) fn user_name(uid: u32) -> String {
    nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
        .ok()
        .flatten()
        .map(|u| u.name)
        .unwrap_or_else(|| uid.to_string())
}

/// Print an error the way every verb does and return its exit code.
pub fn fail(e: CliError) -> i32 {
    let msg = e.to_string();
    if msg.contains(": error: ") {
        eprintln!("{msg}"); // located scenario diagnostics speak for themselves
    } else {
        eprintln!("ecsnet: {msg}");
    }
    e.exit().code()
}

/// `explain`: the form its flags choose.
fn explain_cmd(cmd: Cmd) -> Outcome {
    let Cmd::Explain { target, from, to, protocol, via, dns, server, start, call, resource, placement, json } = cmd
    else {
        return Ok(Exit::Ok);
    };
    match (dns, to) {
        _ if start => explain::start(&target, &from, json),
        _ if placement => explain::placement(&target, &from, json),
        _ if call.is_some() => {
            explain::call(&target, &from, call.as_deref().unwrap_or_default(), resource.as_deref(), json)
        }
        (Some(name), _) => explain::name(&target, &from, &name, server, json),
        (None, Some(to)) => explain::run(&target, &from, &to, &protocol, via.as_deref(), json),
        (None, None) => Err(CliError::Invalid("explain needs TO or --dns NAME".into())),
    }
}

#[cfg(test)]
mod tests {
    /// Localizing the help keeps every positional argument in its place on the command line.
    #[test]
    fn japanese_help_keeps_the_arguments_in_order() {
        use clap::CommandFactory;
        let (en, ja) =
            (super::Cli::command(), super::localize_args(super::Cli::command(), crate::i18n::Lang::Ja, "arg"));
        let ja = ja.mut_subcommand("explain", |c| super::localize_args(c, crate::i18n::Lang::Ja, "explain"));
        let order = |c: &clap::Command| -> Vec<String> {
            let e = c.find_subcommand("explain").unwrap();
            e.get_arguments().map(|a| a.get_id().to_string()).collect()
        };
        assert_eq!(order(&en), order(&ja));
        let help = |c: &clap::Command| {
            c.find_subcommand("explain")
                .unwrap()
                .get_arguments()
                .find(|a| a.get_id() == "via")
                .and_then(|a| a.get_help())
                .map(|h| h.to_string())
        };
        assert_eq!(help(&ja).as_deref(), Some("hostPort または publicHostPort"));
    }

    #[test]
    fn every_command_has_its_summary_in_japanese() {
        use clap::CommandFactory;
        let lang = crate::i18n::Lang::Ja;
        assert_ne!(crate::i18n::text(lang, "help-about", ""), "");
        for c in super::Cli::command().get_subcommands() {
            let id = format!("help-{}", c.get_name());
            assert_ne!(crate::i18n::text(lang, &id, ""), "", "no {id} in src/i18n/ja.ftl");
            // And every option that has a help text (the global ones are help-arg-ID).
            for a in c.get_arguments().filter(|a| a.get_help().is_some() && !a.is_global_set()) {
                let id = format!("help-{}-{}", c.get_name(), a.get_id());
                assert_ne!(crate::i18n::text(lang, &id, ""), "", "no {id} in src/i18n/ja.ftl");
            }
            for sub in c.get_subcommands() {
                let name = format!("{}-{}", c.get_name(), sub.get_name());
                assert_ne!(
                    crate::i18n::text(lang, &format!("help-{name}"), ""),
                    "",
                    "no help-{name} in src/i18n/ja.ftl"
                );
                for a in sub.get_arguments().filter(|a| a.get_help().is_some() && !a.is_global_set()) {
                    let id = format!("help-{name}-{}", a.get_id());
                    assert_ne!(crate::i18n::text(lang, &id, ""), "", "no {id} in src/i18n/ja.ftl");
                }
            }
        }
        for a in super::Cli::command().get_arguments().filter(|a| a.get_help().is_some()) {
            let id = format!("help-arg-{}", a.get_id());
            assert_ne!(crate::i18n::text(lang, &id, ""), "", "no {id} in src/i18n/ja.ftl");
        }
    }
}
