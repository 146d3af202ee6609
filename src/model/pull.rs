//! What the ECS agent fetches from AWS before a task's containers run (EC2 launch type), in
//! its order: the task's secrets (Secrets Manager, SSM), then each container's image from ECR
//! (an auth token from `api.ecr`, the manifest from the registry, the layers from S3's layer
//! bucket), then each container's awslogs stream when Docker creates it. Every call leaves
//! from the instance's namespace, signed with the execution role (or the instance's role).
//! Pure: the steps, the names they dial, and ECS's error text for each way a step fails.
//!
//! Images outside the lab's region's ECR (Docker Hub and others) are not pulled: the lab has no
//! such registry, and they count as already on the instance (ECS_IMAGE_PULL_BEHAVIOR=prefer-cached).

use super::Lab;
use crate::scenario::SecretSource;
use crate::scenario::aws::{Data, Image, LogGroup, Parameter, Repository, Secret};
use crate::scenario::aws_service::AwsService;
use crate::scenario::{LaunchType, NetworkMode, Scenario};
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

/// The port every step dials.
pub const HTTPS_PORT: u16 = 443;

/// What one task's start needs from AWS.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskStart {
    /// Index in `Lab::tasks`.
    pub task: usize,
    /// The role whose credentials sign the calls: the execution role, else the instance's.
    pub role_arn: String,
    /// Whether `role_arn` is the task definition's execution role.
    #[serde(default)]
    pub execution_role: bool,
    pub steps: Vec<Step>,
}

/// One call the agent (or Docker, for the registry and the log driver) makes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// A container's `secrets` entry: GetSecretValue or GetParameters, and the JSON key of the
    /// secret's value it takes (`…:secret:db:password::`).
    Secret {
        container: String,
        name: String,
        source: SecretSource,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        json_key: Option<String>,
    },
    /// ECR GetAuthorizationToken, once per task, before its first ECR image.
    Token,
    /// The manifest for `repository:reference` from the registry of account `registry`.
    Manifest { container: String, registry: String, repository: String, reference: String },
    /// The image's config and layers, redirected by the registry to S3's layer bucket.
    Layers { container: String, registry: String, repository: String, reference: String },
    /// awslogs: CreateLogStream (and CreateLogGroup first with `awslogs-create-group`).
    Logs { container: String, group: String, stream: String, create_group: bool },
}

impl Step {
    /// The AWS service it calls.
    pub fn service(&self) -> AwsService {
        match self {
            Step::Secret { source: SecretSource::SecretsManager(_), .. } => AwsService::SecretsManager,
            Step::Secret { source: SecretSource::Ssm(_), .. } => AwsService::Ssm,
            Step::Token => AwsService::EcrApi,
            Step::Manifest { .. } => AwsService::EcrDkr,
            Step::Layers { .. } => AwsService::S3,
            Step::Logs { .. } => AwsService::Logs,
        }
    }

    /// The name it dials.
    pub fn host(&self, region: &str) -> String {
        match self {
            Step::Manifest { registry, .. } => registry_host(registry, region),
            Step::Layers { .. } => format!("{}.s3.{region}.amazonaws.com", layer_bucket(region)),
            other => other.service().hostnames(region, super::ACCOUNT).swap_remove(0),
        }
    }

    /// The container it is for (none: the task's token).
    pub fn container(&self) -> Option<&str> {
        match self {
            Step::Token => None,
            Step::Secret { container, .. }
            | Step::Manifest { container, .. }
            | Step::Layers { container, .. }
            | Step::Logs { container, .. } => Some(container),
        }
    }

    /// The permissions it needs, in the order its calls are made, as the front doors name them:
    /// the IAM action and the resource's ARN. A secret is named by its ARN when `data` has it
    /// (else by the id as written); a pull's manifest and layers by the repository's, checked
    /// as the token's holder; the layer bucket's presigned download needs none of the caller.
    pub fn iam_calls(&self, data: &Data, region: &str) -> Vec<(String, String)> {
        use crate::scenario::aws::{log_arn, parameter_arn, secret_matches};
        let account = super::ACCOUNT;
        let call = |a: &str, r: String| (a.to_string(), r);
        let repo = |registry: &str, name: &str| format!("arn:aws:ecr:{region}:{registry}:repository/{name}");
        match self {
            Step::Secret { source: SecretSource::SecretsManager(id), .. } => {
                let arn = data
                    .secrets
                    .iter()
                    .map(|s| (s, s.arn_in(region, account)))
                    .find(|(s, a)| secret_matches(&s.name, a, id));
                vec![call("secretsmanager:GetSecretValue", arn.map_or_else(|| id.clone(), |(_, a)| a))]
            }
            Step::Secret { source: SecretSource::Ssm(p), .. } => {
                vec![call("ssm:GetParameters", parameter_arn(region, account, p))]
            }
            Step::Token => vec![call("ecr:GetAuthorizationToken", "*".into())],
            Step::Manifest { registry, repository, .. } => vec![call("ecr:BatchGetImage", repo(registry, repository))],
            Step::Layers { registry, repository, .. } => {
                vec![call("ecr:GetDownloadUrlForLayer", repo(registry, repository))]
            }
            Step::Logs { group, stream, create_group, .. } => {
                let mut v = vec![];
                if *create_group {
                    v.push(call("logs:CreateLogGroup", log_arn(region, account, group, "")));
                }
                v.push(call("logs:CreateLogStream", log_arn(region, account, group, stream)));
                v
            }
        }
    }

    /// In a few words, with the API call it makes.
    pub fn describe(&self) -> String {
        match self {
            Step::Secret { name, source: SecretSource::SecretsManager(id), .. } => {
                format!("secret {name}: secretsmanager:GetSecretValue {id}")
            }
            Step::Secret { name, source: SecretSource::Ssm(p), .. } => format!("secret {name}: ssm:GetParameters {p}"),
            Step::Token => "registry auth: ecr:GetAuthorizationToken".to_string(),
            Step::Manifest { repository, reference, .. } => {
                format!("image manifest {}", image_ref(repository, reference))
            }
            Step::Layers { repository, reference, .. } => {
                format!("image layers of {} (S3 layer bucket)", image_ref(repository, reference))
            }
            Step::Logs { group, stream, .. } => format!("awslogs: logs:CreateLogStream {group} {stream}"),
        }
    }
}

/// How a step failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Failure {
    /// The name did not resolve: no such name, or no answer from the resolver.
    Lookup {
        server: Ipv4Addr,
        timeout: bool,
    },
    /// Nothing came back from the address.
    Timeout {
        ip: Ipv4Addr,
    },
    Refused {
        ip: Ipv4Addr,
    },
    /// The service answered with an error.
    Api {
        status: u16,
        code: String,
        message: String,
    },
    /// TLS or HTTP went wrong (a bug, or something not AWS at that address).
    Other {
        text: String,
    },
    /// The service answered, and the agent refused the answer in these words (a secret's
    /// value without the JSON key the container asks for).
    Agent {
        text: String,
    },
}

impl Failure {
    /// The same kind of failure: the way it failed, not the wording.
    pub fn same_kind(&self, b: &Failure) -> bool {
        match (self, b) {
            (Failure::Lookup { timeout: x, .. }, Failure::Lookup { timeout: y, .. }) => x == y,
            (Failure::Timeout { ip: x }, Failure::Timeout { ip: y })
            | (Failure::Refused { ip: x }, Failure::Refused { ip: y }) => x == y,
            (Failure::Api { code: x, .. }, Failure::Api { code: y, .. }) => x == y,
            (Failure::Other { .. }, Failure::Other { .. }) | (Failure::Agent { .. }, Failure::Agent { .. }) => true,
            _ => false,
        }
    }
}

/// How a task's start ended: started, or stopped at a step with ECS's error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartResult {
    pub task: String,
    pub started: bool,
    /// The step that failed (index in `TaskStart::steps`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
    /// ECS's error name (`CannotPullContainerError`) and the full reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl StartResult {
    pub fn started(task: &str) -> StartResult {
        StartResult { task: task.to_string(), started: true, step: None, failure: None, error: None, reason: None }
    }

    /// Stopped at `step` with `failure`, worded as ECS words it.
    pub fn stopped(lab: &Lab, start: &TaskStart, step: usize, failure: Failure) -> StartResult {
        let t = &lab.tasks[start.task];
        StartResult::at(&t.name, &lab.region, (t.mode, t.launch_type()), &start.steps, step, failure)
    }

    /// Task `task` (of network mode and launch type `how`) stopped at `steps[step]` with
    /// `failure`.
    pub fn at(
        task: &str,
        region: &str,
        how: (NetworkMode, LaunchType),
        steps: &[Step],
        step: usize,
        failure: Failure,
    ) -> StartResult {
        let (error, reason) = match steps.get(step) {
            Some(s) if how.1 == LaunchType::Fargate => fargate_error(region, s, &failure),
            Some(s) => ecs_error(region, s, &failure, how.0),
            None => ("ResourceInitializationError".to_string(), format!("ResourceInitializationError: {failure:?}")),
        };
        StartResult {
            task: task.to_string(),
            started: false,
            step: Some(step),
            failure: Some(failure),
            error: Some(error),
            reason: Some(reason),
        }
    }
}

/// `repo:tag`, or `repo@sha256:...` for a digest, as Docker writes a reference.
pub fn image_ref(repository: &str, reference: &str) -> String {
    let sep = if reference.starts_with("sha256:") { '@' } else { ':' };
    format!("{repository}{sep}{reference}")
}

/// `ACCOUNT.dkr.ecr.REGION.amazonaws.com`: the registry of `account`.
pub fn registry_host(account: &str, region: &str) -> String {
    format!("{account}.dkr.ecr.{region}.amazonaws.com")
}

/// ECR's layer bucket in `region`.
pub fn layer_bucket(region: &str) -> String {
    format!("prod-{region}-starport-layer-bucket")
}

pub use crate::scenario::aws::ecr_image;

/// The option `key` of an awslogs configuration.
fn option<'a>(opts: &'a [(String, String)], key: &str) -> Option<&'a str> {
    opts.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// The start of every placed task that needs AWS, in task order.
pub fn starts(s: &Scenario, lab: &Lab) -> Vec<TaskStart> {
    let mut v = vec![];
    for (ti, t) in lab.tasks.iter().enumerate() {
        if t.placement.is_err() {
            continue;
        }
        let Some(def) = s.task_definitions.iter().find(|d| d.family.value == t.family && d.revision == t.revision)
        else {
            continue;
        };
        let mut steps = vec![];
        for c in &def.container_definitions {
            for sec in &c.secrets {
                let Some(source) = sec.source() else { continue };
                let (container, name, json_key) = (c.name.value.clone(), sec.name.clone(), sec.json_key());
                steps.push(Step::Secret { container, name, source, json_key });
            }
        }
        for c in &def.container_definitions {
            let Some((registry, repository, reference)) = ecr_image(&c.image, &lab.region) else { continue };
            if !steps.contains(&Step::Token) {
                steps.push(Step::Token);
            }
            let container = c.name.value.clone();
            steps.push(Step::Manifest {
                container: container.clone(),
                registry: registry.clone(),
                repository: repository.clone(),
                reference: reference.clone(),
            });
            steps.push(Step::Layers { container, registry, repository, reference });
        }
        for (c, mc) in def.container_definitions.iter().zip(&t.containers) {
            if c.log_driver.as_deref() != Some("awslogs") {
                continue;
            }
            let opts = &c.log_options;
            let Some(group) = option(opts, "awslogs-group") else { continue };
            if option(opts, "awslogs-region").is_some_and(|r| r != lab.region) {
                continue;
            }
            // The awslogs driver's stream name: PREFIX/CONTAINER/TASK-ID, else the container id.
            let stream = match option(opts, "awslogs-stream-prefix") {
                Some(p) => format!("{p}/{}/{}", c.name.value, t.id),
                None => mc.docker_id.clone(),
            };
            let create_group = option(opts, "awslogs-create-group") == Some("true");
            steps.push(Step::Logs { container: c.name.value.clone(), group: group.to_string(), stream, create_group });
        }
        if steps.is_empty() {
            continue;
        }
        // On EC2 the agent falls back to the instance role; Fargate has only the execution role
        // (registration requires one for ECR images and awslogs).
        let fallback = t.instance().map(|ii| &lab.instances[ii].instance_profile);
        let Some(role_arn) = def
            .execution_role_arn
            .clone()
            .or_else(|| fallback.map(|p| format!("arn:aws:iam::{}:role/{p}", super::ACCOUNT)))
        else {
            continue;
        };
        v.push(TaskStart { task: ti, role_arn, execution_role: def.execution_role_arn.is_some(), steps });
    }
    v
}

/// The scenario's `aws:` with what the tasks name added to each list the scenario leaves out:
/// a scenario that declares no repositories has every ECR image its tasks name, and likewise
/// for log groups, secrets and parameters. A declared list is the whole truth.
pub fn with_implicit(mut data: Data, starts: &[TaskStart]) -> Data {
    // Another account's repositories (`registryId`) are not the lab's list.
    let declared = (
        data.repositories.iter().any(|r| r.registry(super::ACCOUNT) == super::ACCOUNT),
        !data.log_groups.is_empty(),
        !data.secrets.is_empty(),
        !data.parameters.is_empty(),
    );
    for step in starts.iter().flat_map(|s| &s.steps) {
        match step {
            Step::Manifest { registry, repository, reference, .. } if !declared.0 && registry == super::ACCOUNT => {
                let own = |r: &Repository| r.name == *repository && r.registry(super::ACCOUNT) == super::ACCOUNT;
                let i = match data.repositories.iter().position(own) {
                    Some(i) => i,
                    None => {
                        data.repositories.push(Repository { name: repository.clone(), ..Repository::default() });
                        data.repositories.len() - 1
                    }
                };
                let r = &mut data.repositories[i];
                if !reference.starts_with("sha256:") && !r.images.iter().any(|im| im.tags.contains(reference)) {
                    r.images.push(Image { tags: vec![reference.clone()], ..Image::default() });
                }
            }
            Step::Logs { group, .. } if !declared.1 && !data.log_groups.iter().any(|g| g.name == *group) => {
                data.log_groups.push(LogGroup { name: group.clone(), streams: vec![] });
            }
            Step::Secret { source: SecretSource::SecretsManager(arn), .. }
                if !declared.2 && !data.secrets.iter().any(|s| s.arn.as_ref() == Some(arn)) =>
            {
                let name = arn.rsplit_once(":secret:").map(|(_, n)| n).unwrap_or(arn);
                data.secrets.push(Secret {
                    name: name.to_string(),
                    value: "not-a-real-secret".into(),
                    arn: Some(arn.clone()),
                    ..Secret::default()
                });
            }
            Step::Secret { source: SecretSource::Ssm(p), .. }
                if !declared.3 && !data.parameters.iter().any(|x| x.name == *p) =>
            {
                data.parameters.push(Parameter {
                    name: p.clone(),
                    value: "not-a-real-parameter".into(),
                    ..Parameter::default()
                });
            }
            _ => {}
        }
    }
    data
}

/// Go's words for a connection to `host`:443 that failed with `f` (None: the service answered).
pub fn dial_cause(host: &str, f: &Failure) -> Option<String> {
    Some(match f {
        Failure::Lookup { server, timeout: false } => format!("dial tcp: lookup {host} on {server}:53: no such host"),
        Failure::Lookup { server, timeout: true } => format!("dial tcp: lookup {host} on {server}:53: i/o timeout"),
        Failure::Timeout { ip } => format!("dial tcp {ip}:{HTTPS_PORT}: i/o timeout"),
        Failure::Refused { ip } => format!("dial tcp {ip}:{HTTPS_PORT}: connect: connection refused"),
        Failure::Other { text } => text.clone(),
        Failure::Api { .. } | Failure::Agent { .. } => return None,
    })
}

/// ECS's error name and reason for `step` failing with `f`; `mode` is the task's network mode
/// (the agent's advice names the task's network or the host's).
pub fn ecs_error(region: &str, step: &Step, f: &Failure, mode: NetworkMode) -> (String, String) {
    let host = step.host(region);
    let net = |url: &str| dial_cause(&host, f).map(|cause| format!("{url}: {cause}"));
    let api = || match f {
        Failure::Api { code, message, .. } => format!("{code}: {message}"),
        _ => String::new(),
    };
    let sdk = |url: String| net(&url).map(|n| format!("RequestError: send request failed\ncaused by: {n}"));
    let post = format!("Post \"https://{host}/\"");
    match step {
        Step::Secret { source: SecretSource::SecretsManager(arn), .. } => {
            let fetch = |cause: String| {
                format!(
                    "unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret {arn} from secrets manager: {cause}"
                )
            };
            let text = match (sdk(post), f) {
                (Some(n), _) => fetch(n),
                (None, Failure::Agent { text }) => format!(
                    "unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): {text}"
                ),
                // IAM's refusal is passed on as the SDK words it.
                (None, Failure::Api { code, .. }) if code == "AccessDeniedException" => fetch(api()),
                (None, _) => format!(
                    "The task can't retrieve the secret with ARN '{arn}' from AWS Secrets Manager. Check that the secret ARN is correct. {}",
                    api()
                ),
            };
            ("ResourceInitializationError".into(), format!("ResourceInitializationError: {text}"))
        }
        Step::Secret { source: SecretSource::Ssm(p), .. } => {
            let cause = match (sdk(post), f) {
                (Some(n), _) => n,
                (None, Failure::Api { code, .. }) if code == "InvalidParameters" => format!("invalid parameters: {p}"),
                (None, _) => api(),
            };
            let text = format!(
                "unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secrets from ssm: service call has been retried 1 time(s): {cause}"
            );
            ("ResourceInitializationError".into(), format!("ResourceInitializationError: {text}"))
        }
        Step::Token => {
            let scope = match mode {
                NetworkMode::Awsvpc => "task ",
                _ => "host ",
            };
            let text = match sdk(post) {
                Some(n) => format!("The task can’t pull the image. Check your {scope}network configuration. {n}"),
                None => api(),
            };
            ("CannotPullECRContainerError".into(), format!("CannotPullECRContainerError: {text}"))
        }
        Step::Manifest { repository, reference, .. } => {
            let text = match net(&format!("Get \"https://{host}/v2/\"")) {
                Some(n) => n,
                None => match f {
                    Failure::Api { code, message, .. } if code == "NAME_UNKNOWN" => {
                        format!("repository {host}/{repository} not found: name unknown: {message}")
                    }
                    // Docker's words for the registry's 403 (its error code in lower case).
                    Failure::Api { code, message, .. } if code == "DENIED" => format!(
                        "pull access denied for {host}/{repository}, repository does not exist or may require 'docker login': denied: {message}"
                    ),
                    Failure::Api { code, message, .. } if code == "MANIFEST_UNKNOWN" => {
                        format!(
                            "manifest for {host}/{} not found: manifest unknown: {message}",
                            image_ref(repository, reference)
                        )
                    }
                    _ => api(),
                },
            };
            ("CannotPullContainerError".into(), format!("CannotPullContainerError: Error response from daemon: {text}"))
        }
        Step::Layers { .. } => {
            let cause = match f {
                Failure::Timeout { ip } => format!("dial tcp {ip}:{HTTPS_PORT}: i/o timeout"),
                Failure::Api { code, message, .. } if code == "DENIED" => format!("denied: {message}"),
                Failure::Api { .. } => api(),
                _ => net(&format!("Get \"https://{host}/\"")).unwrap_or_default(),
            };
            (
                "CannotPullContainerError".into(),
                format!(
                    "CannotPullContainerError: error pulling image configuration: download failed after attempts=6: {cause}"
                ),
            )
        }
        Step::Logs { .. } => {
            let cause = sdk(post).unwrap_or_else(api);
            (
                "CannotStartContainerError".into(),
                format!(
                    "CannotStartContainerError: Error response from daemon: failed to initialize logging driver: failed to create Cloudwatch log stream: {cause}"
                ),
            )
        }
    }
}

/// Fargate's (platform 1.4.0) error name and reason for `step` failing with `f`: its agent
/// fetches the registry auth with the secrets (ResourceInitializationError), pulls with
/// containerd (CannotPullContainerError, `ref pull has been retried`), and validates the log
/// driver before the containers start (AWS-SERVICES.md "Errors", [S16]).
pub fn fargate_error(region: &str, step: &Step, f: &Failure) -> (String, String) {
    let host = step.host(region);
    let api = || match f {
        Failure::Api { code, message, .. } => format!("{code}: {message}"),
        _ => String::new(),
    };
    let sdk = |url: String| {
        dial_cause(&host, f)
            .map(|c| format!("RequestError: send request failed\ncaused by: {url}: {c}"))
            .unwrap_or_else(api)
    };
    let post = format!("Post \"https://{host}/\"");
    let init =
        |text: String| ("ResourceInitializationError".to_string(), format!("ResourceInitializationError: {text}"));
    let pull = |text: String| {
        (
            "CannotPullContainerError".to_string(),
            format!("CannotPullContainerError: ref pull has been retried 5 time(s): {text}"),
        )
    };
    match step {
        Step::Secret { .. } => ecs_error(region, step, f, NetworkMode::Awsvpc),
        Step::Token => init(format!(
            "unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve ecr registry auth: service call has been retried 3 time(s): {}. Please check your task network configuration.",
            sdk(post)
        )),
        Step::Manifest { repository, reference, .. } => {
            let image = format!("{host}/{}", image_ref(repository, reference));
            let url = format!("Head \"https://{host}/v2/{repository}/manifests/{reference}\"");
            let cause = dial_cause(&host, f).map(|c| format!("failed to do request: {url}: {c}")).unwrap_or_else(api);
            pull(format!("failed to resolve reference \"{image}\": {cause}"))
        }
        Step::Layers { .. } => {
            let cause = dial_cause(&host, f)
                .map(|c| format!("failed to do request: Get \"https://{host}/\": {c}"))
                .unwrap_or_else(api);
            pull(format!("failed to copy: httpReadSeeker: failed open: {cause}"))
        }
        Step::Logs { .. } => init(format!(
            "failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: {} : exit status 1",
            sdk(post)
        )),
    }
}

/// The value of `key` in a secret's value, as the ECS agent takes it (`json.Unmarshal` into
/// a map, then the key, printed with `%v`), or the agent's error in Go's words.
pub fn json_key_of(secret: &str, key: &str) -> Result<String, String> {
    let missing = || format!("retrieved secret from Secrets Manager did not contain json key {key}");
    match serde_json::from_str::<serde_json::Value>(secret) {
        Ok(serde_json::Value::Object(m)) => match m.get(key) {
            Some(serde_json::Value::String(s)) => Ok(s.clone()),
            Some(v) => Ok(v.to_string()),
            None => Err(missing()),
        },
        // `null` unmarshals into a nil map: no key in it.
        Ok(serde_json::Value::Null) => Err(missing()),
        Ok(v) => {
            let kind = match v {
                serde_json::Value::String(_) => "string",
                serde_json::Value::Array(_) => "array",
                serde_json::Value::Bool(_) => "bool",
                _ => "number",
            };
            Err(format!("json: cannot unmarshal {kind} into Go value of type map[string]interface {{}}"))
        }
        Err(_) => Err(go_json_syntax_error(secret)),
    }
}

/// Go's `encoding/json` syntax error for text that is not JSON, for the usual cases: a value
/// that cannot begin so, a misspelt `null`/`true`/`false`, text after a whole value, and text
/// that ends too soon.
fn go_json_syntax_error(text: &str) -> String {
    let t = text.trim_start_matches([' ', '\t', '\n', '\r']);
    let eof = "unexpected end of JSON input".to_string();
    let Some(c) = t.chars().next() else { return eof };
    let invalid = |c: char, what: &str| format!("invalid character '{c}' {what}");
    for lit in ["null", "true", "false"] {
        if t.starts_with(&lit[..1]) {
            for (i, want) in lit.chars().enumerate().skip(1) {
                match t.chars().nth(i) {
                    None => return eof,
                    Some(got) if got != want => return invalid(got, &format!("in literal {lit} (expecting '{want}')")),
                    _ => {}
                }
            }
            let after = t[lit.len()..].trim_start_matches([' ', '\t', '\n', '\r']);
            return after.chars().next().map_or(eof, |c| invalid(c, "after top-level value"));
        }
    }
    if !(c == '{' || c == '[' || c == '"' || c == '-' || c.is_ascii_digit()) {
        return invalid(c, "looking for beginning of value");
    }
    // A value that starts well: the first character the parser could not take, as Go says
    // it after a complete value, else the input ended inside it.
    let mut de = serde_json::Deserializer::from_str(t).into_iter::<serde_json::Value>();
    match de.next() {
        Some(Ok(_)) => {
            let rest = t[de.byte_offset()..].trim_start_matches([' ', '\t', '\n', '\r']);
            rest.chars().next().map_or(eof, |c| invalid(c, "after top-level value"))
        }
        Some(Err(e)) if !e.is_eof() => {
            // Where serde stopped: the character Go stops at too (its phrase varies with the
            // place; the usual one is said).
            let line = t.lines().nth(e.line().saturating_sub(1)).unwrap_or("");
            let c = line.chars().nth(e.column().saturating_sub(1)).unwrap_or(c);
            invalid(c, "looking for beginning of value")
        }
        _ => eof,
    }
}

/// What the lab's AWS answers a step whose request reached it: None when it succeeds. The
/// same answers as the front doors (`services::front_door`), from the same data.
pub fn data_failure(data: &Data, step: &Step) -> Option<Failure> {
    let api = |status: u16, code: &str, message: String| Some(Failure::Api { status, code: code.into(), message });
    match step {
        Step::Secret { source: SecretSource::SecretsManager(id), json_key, .. } => {
            let name = id.rsplit_once(":secret:").map_or(id.as_str(), |(_, n)| n);
            let found = data.secrets.iter().find(|s| {
                s.arn.as_deref() == Some(id)
                    || s.name == name
                    || (s.arn.is_none() && name.len() > 7 && s.name == name[..name.len() - 7])
            });
            let Some(s) = found else {
                return api(
                    400,
                    "ResourceNotFoundException",
                    "Secrets Manager can't find the specified secret.".into(),
                );
            };
            let key = json_key.as_deref()?;
            json_key_of(&s.value, key).err().map(|text| Failure::Agent { text })
        }
        Step::Secret { source: SecretSource::Ssm(p), .. } => (!data.parameters.iter().any(|x| x.name == *p))
            .then_some(())
            .and_then(|_| api(400, "InvalidParameters", p.clone())),
        Step::Token | Step::Layers { .. } => None,
        Step::Manifest { registry, repository, reference, .. } => {
            // Each registry holds its own repositories: another account's only those the
            // scenario declares with its `registryId`.
            let found =
                data.repositories.iter().find(|r| r.name == *repository && r.registry(super::ACCOUNT) == registry);
            let Some(r) = found else {
                return api(
                    404,
                    "NAME_UNKNOWN",
                    format!(
                        "The repository with name '{repository}' does not exist in the registry with id '{registry}'"
                    ),
                );
            };
            // A digest is checked by the registry itself (the model does not compute digests):
            // assumed to name one of the repository's images, when it has any.
            let found = if reference.starts_with("sha256:") {
                !r.images.is_empty()
            } else {
                r.images.iter().any(|i| i.tags.contains(reference))
            };
            (!found).then_some(()).and_then(|_| api(404, "MANIFEST_UNKNOWN", "Requested image not found".into()))
        }
        Step::Logs { group, create_group, .. } => (!create_group && !data.log_groups.iter().any(|g| g.name == *group))
            .then_some(())
            .and_then(|_| api(400, "ResourceNotFoundException", "The specified log group does not exist.".into())),
    }
}

/// Whether a reason names an ECS error: `CannotPullContainerError` matches its reasons, and a
/// longer text matches reasons that contain it.
pub fn error_matches(wanted: &str, error: &str, reason: &str) -> bool {
    wanted == error || reason.contains(wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecr_images_are_told_from_others() {
        let r = "ap-northeast-1";
        let e = |i: &str| ecr_image(i, r);
        assert_eq!(
            e("123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/app:1.0"),
            Some(("123456789012".into(), "app".into(), "1.0".into()))
        );
        assert_eq!(
            e("123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/team/app"),
            Some(("123456789012".into(), "team/app".into(), "latest".into()))
        );
        assert_eq!(
            e("123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/app@sha256:abcd"),
            Some(("123456789012".into(), "app".into(), "sha256:abcd".into()))
        );
        assert_eq!(e("123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1"), None, "another region");
        assert_eq!(e("nginx:1.27"), None);
        assert_eq!(e("public.ecr.aws/nginx/nginx:1"), None);
        assert_eq!(e("localhost:5000/app:1"), None);
    }

    #[test]
    fn errors_read_as_ecs_writes_them() {
        let r = "ap-northeast-1";
        let ip = Ipv4Addr::new(198, 18, 0, 10);
        let (name, text) = ecs_error(r, &Step::Token, &Failure::Timeout { ip }, NetworkMode::Awsvpc);
        assert_eq!(name, "CannotPullECRContainerError");
        assert_eq!(
            text,
            "CannotPullECRContainerError: The task can’t pull the image. Check your task network configuration. RequestError: send request failed\ncaused by: Post \"https://api.ecr.ap-northeast-1.amazonaws.com/\": dial tcp 198.18.0.10:443: i/o timeout"
        );
        let m = Step::Manifest {
            container: "app".into(),
            registry: "123456789012".into(),
            repository: "app".into(),
            reference: "1.0".into(),
        };
        let (name, text) = ecs_error(r, &m, &Failure::Timeout { ip }, NetworkMode::Bridge);
        assert_eq!(name, "CannotPullContainerError");
        assert_eq!(
            text,
            "CannotPullContainerError: Error response from daemon: Get \"https://123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/v2/\": dial tcp 198.18.0.10:443: i/o timeout"
        );
        let nf =
            Failure::Api { status: 404, code: "MANIFEST_UNKNOWN".into(), message: "Requested image not found".into() };
        assert!(ecs_error(r, &m, &nf, NetworkMode::Bridge).1.ends_with(
            "manifest for 123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/app:1.0 not found: manifest unknown: Requested image not found"
        ));
        let l = Step::Layers {
            container: "app".into(),
            registry: "123456789012".into(),
            repository: "app".into(),
            reference: "1.0".into(),
        };
        assert_eq!(
            ecs_error(r, &l, &Failure::Timeout { ip }, NetworkMode::Bridge).1,
            "CannotPullContainerError: error pulling image configuration: download failed after attempts=6: dial tcp 198.18.0.10:443: i/o timeout"
        );
        let logs =
            Step::Logs { container: "a".into(), group: "/ecs/a".into(), stream: "s".into(), create_group: false };
        let gone = Failure::Api {
            status: 400,
            code: "ResourceNotFoundException".into(),
            message: "The specified log group does not exist.".into(),
        };
        assert_eq!(
            ecs_error(r, &logs, &gone, NetworkMode::Awsvpc).1,
            "CannotStartContainerError: Error response from daemon: failed to initialize logging driver: failed to create Cloudwatch log stream: ResourceNotFoundException: The specified log group does not exist."
        );
        let dns = Failure::Lookup { server: Ipv4Addr::new(10, 0, 0, 2), timeout: false };
        assert!(ecs_error(r, &Step::Token, &dns, NetworkMode::Host).1.ends_with(
            "Post \"https://api.ecr.ap-northeast-1.amazonaws.com/\": dial tcp: lookup api.ecr.ap-northeast-1.amazonaws.com on 10.0.0.2:53: no such host"
        ));
        let sm = Step::Secret {
            container: "a".into(),
            name: "DB".into(),
            source: SecretSource::SecretsManager("arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:db".into()),
            json_key: None,
        };
        let (name, text) = ecs_error(r, &sm, &Failure::Timeout { ip }, NetworkMode::Awsvpc);
        assert_eq!(name, "ResourceInitializationError");
        assert!(text.starts_with("ResourceInitializationError: unable to pull secrets or registry auth: "), "{text}");
        assert!(text.ends_with(
            "Post \"https://secretsmanager.ap-northeast-1.amazonaws.com/\": dial tcp 198.18.0.10:443: i/o timeout"
        ));
        // A JSON key the secret's value lacks: the agent's words, as AWS reports them.
        let f = Failure::Agent { text: json_key_of("{\"user\":\"a\"}", "password").unwrap_err() };
        assert_eq!(
            ecs_error(r, &sm, &f, NetworkMode::Awsvpc).1,
            "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 1 time(s): retrieved secret from Secrets Manager did not contain json key password"
        );
    }

    #[test]
    fn a_json_key_is_taken_as_the_agent_takes_it() {
        assert_eq!(json_key_of(r#"{"password":"p","port":5432,"tls":true}"#, "password"), Ok("p".into()));
        assert_eq!(json_key_of(r#"{"port":5432}"#, "port"), Ok("5432".into()));
        let missing = Err("retrieved secret from Secrets Manager did not contain json key k".to_string());
        assert_eq!(json_key_of("{}", "k"), missing);
        assert_eq!(json_key_of("null", "k"), missing);
        // Go's encoding/json words for a value that is not a JSON object.
        let err = |s: &str| json_key_of(s, "k").unwrap_err();
        assert_eq!(err("not-a-real-secret"), "invalid character 'o' in literal null (expecting 'u')");
        assert_eq!(err("hunter2"), "invalid character 'h' looking for beginning of value");
        assert_eq!(err(""), "unexpected end of JSON input");
        assert_eq!(err("{\"a\":"), "unexpected end of JSON input");
        assert_eq!(err("true story"), "invalid character 's' after top-level value");
        assert_eq!(err("\"s3cret\""), "json: cannot unmarshal string into Go value of type map[string]interface {}");
        assert_eq!(err("[1]"), "json: cannot unmarshal array into Go value of type map[string]interface {}");
        assert_eq!(err("12"), "json: cannot unmarshal number into Go value of type map[string]interface {}");
    }

    #[test]
    fn another_account_s_registry_has_none_of_the_lab_s_repositories() {
        let data =
            Data { repositories: vec![Repository { name: "app".into(), ..Repository::default() }], ..Data::default() };
        let step = |registry: &str| Step::Manifest {
            container: "c".into(),
            registry: registry.into(),
            repository: "app".into(),
            reference: "1".into(),
        };
        let Some(Failure::Api { code, message, .. }) = data_failure(&data, &step("999999999999")) else { panic!() };
        assert_eq!(code, "NAME_UNKNOWN");
        assert!(message.ends_with("in the registry with id '999999999999'"), "{message}");
        let Some(Failure::Api { code, .. }) = data_failure(&data, &step(super::super::ACCOUNT)) else { panic!() };
        assert_eq!(code, "MANIFEST_UNKNOWN", "the repository is there, the tag is not");
    }

    #[test]
    fn matching_an_error_by_name_or_text() {
        assert!(error_matches("CannotPullContainerError", "CannotPullContainerError", "x"));
        assert!(error_matches("i/o timeout", "CannotPullContainerError", "dial tcp 1.2.3.4:443: i/o timeout"));
        assert!(!error_matches("ResourceInitializationError", "CannotPullContainerError", "x"));
    }
}
