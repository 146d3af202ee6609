//! Issue 4: the task metadata and credentials endpoint, reached with real HTTP (curl) from inside
//! an awsvpc task, a bridge container, a host-mode task and a `none` task of a real lab; and an
//! `x-ecsnet.command` program that finds it through its environment. Issue 12: what the ECS
//! agent answers besides (limits, log configuration, v2/v3 shapes, stats, task protection, Go's
//! HTTP keep-alive).

mod common;
use common::*;
use ecsnet::model::Lab;
use serde_json::Value;
use std::process::Output;
use std::time::{Duration, Instant};

const MODES: &str = r#"version: 1
name: LAB
region: us-east-1
vpc:
  cidr: 10.9.0.0/16
  subnets:
    - { name: a, cidr: 10.9.1.0/24, availabilityZone: us-east-1a }
  # The awslogs driver opens its stream before the task starts: without a way to logs, the
  # task would stop (CannotStartContainerError), as on AWS.
  vpcEndpoints: [{ name: logs, service: logs, subnets: [a] }]
instances:
  - { name: ecs-1, subnet: a, instanceType: c5.large }
taskDefinitions:
  - family: app
    networkMode: awsvpc
    taskRoleArn: arn:aws:iam::123456789012:role/app-role
    cpu: "0.5 vCPU"
    memory: "1024"
    containerDefinitions:
      - name: web
        image: nginx:1.27
        cpu: 256
        memory: 512
        logConfiguration:
          logDriver: awslogs
          options: { awslogs-region: us-east-1, awslogs-group: /ecs/app, awslogs-stream-prefix: ecs }
        portMappings: [{ containerPort: 80 }]
  - family: br
    networkMode: bridge
    containerDefinitions:
      - name: web
        image: nginx:1.27
        portMappings: [{ containerPort: 80, hostPort: 0 }]
  - family: hst
    networkMode: host
    taskRoleArn: arn:aws:iam::123456789012:role/host-role
    containerDefinitions:
      - name: exporter
        image: prom/node-exporter:1.8
        portMappings: [{ containerPort: 9100, hostPort: 9100 }]
  - family: nothing
    networkMode: none
    containerDefinitions:
      - name: job
        image: busybox:1.36
tasks:
  - name: aws
    taskDefinition: app
    instance: ecs-1
    networkConfiguration: { awsvpcConfiguration: { subnets: [a] } }
  - { name: br, taskDefinition: br, instance: ecs-1 }
  - { name: hst, taskDefinition: hst, instance: ecs-1 }
  - { name: job, taskDefinition: nothing, instance: ecs-1 }
"#;

fn up(lab: &str, body: &str) -> (LabGuard, Lab) {
    let file = write_scenario(lab, &body.replace("name: LAB", &format!("name: {lab}")));
    let g = LabGuard(lab.into());
    let o = ecsnet(&["up", file.to_str().unwrap()]);
    assert!(o.status.success(), "up failed: {}", text(&o));
    let model = ecsnet::dataplane::state::load_lab(lab).expect("lab state");
    (g, model)
}

/// curl inside a node: (exit status, body, HTTP code).
fn curl(lab: &str, node: &str, url: &str) -> (Output, String, String) {
    curl_with(lab, node, &[url])
}

/// curl inside a node with more arguments (the URL among them).
fn curl_with(lab: &str, node: &str, args: &[&str]) -> (Output, String, String) {
    let mut argv = vec!["exec", lab, node, "--", "curl", "-s", "-m", "2", "-w", "\n%{http_code}"];
    argv.extend_from_slice(args);
    let o = ecsnet(&argv);
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    let (body, code) = out.rsplit_once('\n').map(|(b, c)| (b.to_string(), c.to_string())).unwrap_or_default();
    (o, body, code)
}

fn get_json(lab: &str, node: &str, url: &str) -> Value {
    let (o, body, code) = curl(lab, node, url);
    assert!(o.status.success() && code == "200", "GET {url} from {node}: {code} {body} {}", text(&o));
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {url} from {node}: {e}: {body}"))
}

/// An environment variable of a container, read back with `ecsnet inspect` as a learner would.
fn env_of(lab: &str, docker_name: &str, var: &str) -> String {
    let o = ecsnet(&["inspect", lab, docker_name]);
    assert!(o.status.success(), "inspect: {}", text(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let prefix = format!("{var}=");
    v[0]["Config"]["Env"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e.as_str())
        .find_map(|e| e.strip_prefix(&prefix).map(str::to_string))
        .unwrap_or_else(|| panic!("{docker_name} has no {var}: {v}"))
}

#[test]
fn metadata_from_every_network_mode() {
    need_root!();
    let lab = "t-md-modes";
    let (_g, m) = up(lab, MODES);
    let task = |n: &str| m.task(n).unwrap();

    // awsvpc: through ecs-eth0 and the instance's DNAT; the document carries the ENI.
    let aws = task("aws");
    let v4 = env_of(lab, &aws.containers[0].docker_name, "ECS_CONTAINER_METADATA_URI_V4");
    assert!(v4.starts_with("http://169.254.170.2/v4/"), "{v4}");
    let doc = get_json(lab, "task/aws", &format!("{v4}/task"));
    assert_eq!(doc["TaskARN"], aws.arn);
    assert_eq!(doc["Family"], "app");
    assert_eq!(doc["Revision"], "1");
    assert_eq!(doc["LaunchType"], "EC2");
    assert_eq!(doc["AvailabilityZone"], "us-east-1a");
    let ctrs = doc["Containers"].as_array().unwrap();
    assert_eq!(ctrs.len(), 2, "pause + web: {doc}");
    assert_eq!(ctrs[0]["Type"], "CNI_PAUSE");
    assert_eq!(ctrs[0]["DesiredStatus"], "RESOURCES_PROVISIONED");
    let eni = &m.enis[aws.eni.unwrap()];
    for c in ctrs {
        let n = &c["Networks"][0];
        assert_eq!(n["NetworkMode"], "awsvpc");
        assert_eq!(n["IPv4Addresses"], serde_json::json!([eni.ip.to_string()]));
        assert_eq!(n["MACAddress"], eni.mac);
        assert_eq!(n["IPv4SubnetCIDRBlock"], "10.9.1.0/24");
        assert_eq!(n["SubnetGatewayIpv4Address"], "10.9.1.1/24");
        assert_eq!(n["PrivateDNSName"], format!("ip-{}.ec2.internal", eni.ip.to_string().replace('.', "-")));
    }
    let me = get_json(lab, "task/aws", &v4);
    assert_eq!(me["Name"], "web");
    assert_eq!(me["DockerId"], aws.containers[0].docker_id);
    // v3 shares the id; v2 finds the task by the request's source address (169.254.172.N).
    let v3 = env_of(lab, &aws.containers[0].docker_name, "ECS_CONTAINER_METADATA_URI");
    assert_eq!(get_json(lab, "task/aws", &format!("{v3}/task"))["TaskARN"], aws.arn);
    assert_eq!(get_json(lab, "task/aws", "http://169.254.170.2/v2/metadata")["TaskARN"], aws.arn);

    // The task role's credentials, where AWS_CONTAINER_CREDENTIALS_RELATIVE_URI points.
    let rel = env_of(lab, &aws.containers[0].docker_name, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    let creds = get_json(lab, "task/aws", &format!("http://169.254.170.2{rel}"));
    assert_eq!(creds["RoleArn"], "arn:aws:iam::123456789012:role/app-role");
    assert!(creds["AccessKeyId"].as_str().unwrap().starts_with("ASIA"), "{creds}");
    assert!(creds["Token"].as_str().unwrap().contains("ECSNET-FAKE"), "{creds}");
    assert!(creds["SecretAccessKey"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(creds["Expiration"].as_str().unwrap().ends_with('Z'), "{creds}");
    let (_, bad, code) = curl(lab, "task/aws", "http://169.254.170.2/v2/credentials/not-an-id");
    assert_eq!(code, "400", "{bad}");
    assert!(bad.contains("InvalidIdInRequest"), "{bad}");
    let (_, nf, code) = curl(lab, "task/aws", "http://169.254.170.2/v4/not-an-id/task");
    assert_eq!(code, "404", "{nf}");

    agent_answers(lab, &m);

    // bridge: docker0 -> the instance -> DNAT; Networks with the container's docker0 address.
    let br = task("br");
    let v4 = env_of(lab, &br.containers[0].docker_name, "ECS_CONTAINER_METADATA_URI_V4");
    let doc = get_json(lab, "task/br", &format!("{v4}/task"));
    assert_eq!(doc["TaskARN"], br.arn);
    assert_eq!(doc["Family"], "br");
    let n = &doc["Containers"][0]["Networks"];
    assert_eq!(*n, serde_json::json!([{"NetworkMode": "bridge", "IPv4Addresses": ["172.17.0.2"]}]));
    let ports = &doc["Containers"][0]["Ports"];
    let hp = br.containers[0].ports[0].host_port.unwrap();
    assert_eq!(ports[0]["HostPort"], hp, "the dynamic host port: {ports}");
    // v2 is awsvpc only: the agent cannot associate a docker0 address with a task.
    let (_, body, code) = curl(lab, "task/br", "http://169.254.170.2/v2/metadata");
    assert_eq!(code, "400");
    assert!(body.contains("unable to associate '172.17.0.2' with task"), "{body}");

    // host: the instance's own traffic, REDIRECTed in OUTPUT; credentials work too, as ecs-init
    // starts the agent with ECS_ENABLE_TASK_IAM_ROLE_NETWORK_HOST=true on the ECS-optimized AMI.
    let h = task("hst");
    let v4 = env_of(lab, &h.containers[0].docker_name, "ECS_CONTAINER_METADATA_URI_V4");
    let doc = get_json(lab, "task/hst", &format!("{v4}/task"));
    assert_eq!(doc["TaskARN"], h.arn);
    assert_eq!(doc["Containers"][0]["Networks"][0]["NetworkMode"], "host");
    let rel = env_of(lab, &h.containers[0].docker_name, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    let creds = get_json(lab, "task/hst", &format!("http://169.254.170.2{rel}"));
    assert_eq!(creds["RoleArn"], "arn:aws:iam::123456789012:role/host-role");

    // none: only lo, no route to 169.254.170.2: the request never gets an answer.
    let j = task("job");
    let v4 = env_of(lab, &j.containers[0].docker_name, "ECS_CONTAINER_METADATA_URI_V4");
    let (o, body, code) = curl(lab, "task/job", &format!("{v4}/task"));
    assert!(!o.status.success(), "none task reached the endpoint: {code} {body}");
    assert_eq!(code, "000", "{body}");

    // An AWS SDK finds the credentials with no configuration: botocore's default chain, from the
    // project's venv (scripts/sdk-clients.sh), with the container's environment and nothing of
    // the caller's (tests/sdk_clients.rs runs the SDKs everywhere else).
    if let Some(python) = common::sdk::python() {
        let env = common::sdk::container_env(lab, &aws.containers[0].docker_name);
        let rel = env_of(lab, &aws.containers[0].docker_name, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
        let probe = common::sdk::dir().join("botocore_probe.py");
        let v = common::sdk::run_json(lab, "task/aws", &env, &python, &[&probe.to_string_lossy()]);
        assert_eq!(v["method"], "container-role", "botocore: {v}");
        assert!(v["access_key"].as_str().unwrap().starts_with("ASIAECSNETFAKE"), "botocore: {v}");
        assert_eq!(common::sdk::calls(&v, "credential_calls"), [format!("GET {rel} -> 200")], "botocore: {v}");
    }

    // The same lab as `docker ps` shows it.
    let ps = ecsnet(&["ps", lab]);
    let t = text(&ps);
    assert!(ps.status.success(), "{t}");
    assert!(t.contains("internalecspause") && t.contains("ecs-agent") && t.contains("(healthy)"), "{t}");
    // IPv4 only: no `:::` binding, the instance has no IPv6.
    assert!(t.contains(&format!("0.0.0.0:{hp}->80/tcp")) && !t.contains(":::"), "{t}");
}

/// What the ECS agent answers besides the v4 documents, asked from the awsvpc task (and the
/// bridge one where the difference is the point).
fn agent_answers(lab: &str, m: &Lab) {
    let aws = m.task("aws").unwrap();
    let name = &aws.containers[0].docker_name;
    let v4 = env_of(lab, name, "ECS_CONTAINER_METADATA_URI_V4");
    let v3 = env_of(lab, name, "ECS_CONTAINER_METADATA_URI");

    // Limits and the log configuration from the task definition; the zone's id.
    let doc = get_json(lab, "task/aws", &format!("{v4}/task"));
    assert_eq!(doc["Limits"], serde_json::json!({"CPU": 0.5, "Memory": 1024}), "{doc}");
    assert_eq!(doc["AvailabilityZoneID"], "use1-az1");
    let web = &doc["Containers"][1];
    assert_eq!(web["Limits"], serde_json::json!({"CPU": 256, "Memory": 512}));
    assert_eq!(web["LogDriver"], "awslogs");
    assert_eq!(web["LogOptions"]["awslogs-group"], "/ecs/app");
    assert_eq!(doc["Containers"][0]["Limits"], serde_json::json!({"CPU": 2, "Memory": 0}), "the pause");

    // v3 and v2: the agent's older shape.
    let old = get_json(lab, "task/aws", &format!("{v3}/task"));
    assert_eq!(old["TaskARN"], aws.arn);
    assert_eq!(old["Limits"], doc["Limits"]);
    for k in ["LaunchType", "VPCID", "AvailabilityZoneID"] {
        assert!(old.get(k).is_none(), "{k} in v3: {old}");
    }
    assert!(old["Containers"][1].get("LogDriver").is_none() && old["Containers"][1].get("ContainerARN").is_none());
    assert!(old["Containers"][1]["Networks"][0].get("MACAddress").is_none(), "{old}");
    assert_eq!(
        get_json(lab, "task/aws", "http://169.254.170.2/v2/metadataWithTags"),
        get_json(lab, "task/aws", "http://169.254.170.2/v2/metadata")
    );
    let (_, body, code) = curl(lab, "task/aws", "http://169.254.170.2/v3/not-an-id/task");
    assert_eq!(code, "500", "{body}");
    assert!(body.contains("V3 task metadata handler: unable to get task arn from request"), "{body}");

    // Stats, in Docker's shape; v4 adds the network rates.
    let st = get_json(lab, "task/aws", &format!("{v4}/stats"));
    assert_eq!(st["id"], aws.containers[0].docker_id);
    assert!(st["cpu_stats"]["cpu_usage"]["total_usage"].as_u64().is_some(), "{st}");
    assert!(st["networks"]["eth0"]["rx_bytes"].as_u64().is_some(), "{st}");
    assert!(st["network_rate_stats"].is_object(), "{st}");
    let ts = get_json(lab, "task/aws", &format!("{v4}/task/stats"));
    assert_eq!(ts.as_object().unwrap().len(), 2, "pause and web: {ts}");
    let v2s = get_json(lab, "task/aws", "http://169.254.170.2/v2/stats");
    assert!(v2s[&aws.containers[0].docker_id]["network_rate_stats"].is_null(), "{v2s}");
    assert!(get_json(lab, "task/aws", &format!("{v3}/task/stats")).is_object());

    // Any method, as the agent's router; one connection for several requests (keep-alive).
    let (_, body, code) = curl_with(lab, "task/aws", &["-X", "POST", &format!("{v4}/task")]);
    assert_eq!(code, "200", "{body}");
    let o = ecsnet(&[
        "exec",
        lab,
        "task/aws",
        "--",
        "curl",
        "-s",
        "-m",
        "2",
        "-o",
        "/dev/null",
        "-o",
        "/dev/null",
        "-w",
        "%{num_connects} ",
        &v4,
        &format!("{v4}/task"),
    ]);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "1 0 ", "the second request reuses the connection: {}", text(&o));

    // Go's framing and headers: a task document is longer than Go buffers, so it comes chunked.
    let (_, head, _) = curl_with(lab, "task/aws", &["-s", "-D", "-", "-o", "/dev/null", &format!("{v4}/task")]);
    assert!(
        head.starts_with("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Rate-Limit-Duration: 1\r\n"),
        "{head}"
    );
    assert!(head.contains("\r\nTransfer-Encoding: chunked\r\n") && head.contains("\r\nDate: "), "{head}");
    assert!(!head.contains("Connection: close"), "{head}");

    // Task protection: ECS protects only tasks of a service; without a role the agent refuses.
    let agent = env_of(lab, name, "ECS_AGENT_URI");
    let p = get_json(lab, "task/aws", &format!("{agent}/task-protection/v1/state"));
    assert_eq!(p, serde_json::json!({"failure": {"Arn": aws.arn, "Detail": null, "Reason": "TASK_NOT_VALID"}}));
    let put = ["-X", "PUT", "-H", "Content-Type: application/json", "--data", r#"{"ProtectionEnabled":true}"#];
    let (_, body, code) =
        curl_with(lab, "task/aws", &[&put[..], &[&format!("{agent}/task-protection/v1/state")]].concat());
    assert_eq!(code, "200", "{body}");
    assert!(body.contains("TASK_NOT_VALID"), "{body}");
    let br = m.task("br").unwrap();
    let agent = env_of(lab, &br.containers[0].docker_name, "ECS_AGENT_URI");
    let (_, body, code) = curl(lab, "task/br", &format!("{agent}/task-protection/v1/state"));
    assert_eq!(code, "403", "{body}");
    assert!(body.contains("AccessDeniedException"), "{body}");
}

#[test]
fn command_container_reads_metadata_through_its_environment() {
    need_root!();
    let lab = "t-md-command";
    let script = "import os,urllib.request; print(urllib.request.urlopen(os.environ['ECS_CONTAINER_METADATA_URI_V4']+'/task').read().decode(), flush=True)";
    let body = format!(
        r#"version: 1
name: LAB
vpc:
  cidr: 10.8.0.0/16
  subnets:
    - {{ name: a, cidr: 10.8.1.0/24 }}
instances:
  - {{ name: ecs-1, subnet: a }}
taskDefinitions:
  - family: reader
    networkMode: awsvpc
    containerDefinitions:
      - name: py
        image: python:3.12
        x-ecsnet:
          command: ["python3", "-c", "{script}"]
  - family: reader-bridge
    networkMode: bridge
    containerDefinitions:
      - name: py
        image: python:3.12
        x-ecsnet:
          command: ["python3", "-c", "{script}"]
tasks:
  - name: r-aws
    taskDefinition: reader
    instance: ecs-1
    networkConfiguration: {{ awsvpcConfiguration: {{ subnets: [a] }} }}
  - {{ name: r-br, taskDefinition: reader-bridge, instance: ecs-1 }}
"#
    );
    let (_g, m) = up(lab, &body);
    for t in ["r-aws", "r-br"] {
        let log = ecsnet::dataplane::state::dir(lab).join(format!("{t}.py.log"));
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut content = String::new();
        while Instant::now() < deadline {
            content = std::fs::read_to_string(&log).unwrap_or_default();
            if content.contains('}') || content.contains("Error") {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let line = content.lines().find(|l| l.starts_with('{')).unwrap_or_else(|| panic!("{t}: {content}"));
        let doc: Value = serde_json::from_str(line).unwrap();
        assert_eq!(doc["TaskARN"], m.task(t).unwrap().arn, "{t}: {content}");
    }
    // The program is the container's process: `inspect` shows its pid.
    let o = ecsnet(&["inspect", lab, &m.task("r-aws").unwrap().containers[0].docker_name]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["Ecsnet"]["Process"], "command task/r-aws/py");
}
