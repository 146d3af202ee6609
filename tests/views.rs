//! Golden tests of the teaching views (`ecsnet ps`, `ecsnet inspect`, the task metadata
//! documents) on the seed scenario, with a fixed clock and made-up processes. No root needed.
//! Regenerate the files under tests/golden with `UPDATE_GOLDEN=1 cargo test --test views`.

use ecsnet::model::Lab;
use ecsnet::views::{self, NS_PER_SEC, ProcState, Runtime};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// 2024-10-31T11:38:11Z, the seed's `docker inspect` Created.
const CREATED: u64 = 1_730_374_691;

fn lab() -> Lab {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let s = ecsnet::scenario::load(&root.join("scenarios/01-bridge-vs-awsvpc.yaml")).expect("scenario");
    ecsnet::model::build(&s).expect("model")
}

/// Every process `up` would have started, running, started a little after `up` began;
/// the view is rendered 25 minutes and a half later.
fn runtime(lab: &Lab) -> Runtime {
    let mut procs = BTreeMap::new();
    let t0 = CREATED * NS_PER_SEC;
    procs.insert("agent".to_string(), ProcState { pid: 4242, running: true, started_ns: Some(t0 + 2 * NS_PER_SEC) });
    for (i, t) in lab.tasks.iter().filter(|t| t.placement.is_ok() && t.pause.is_some()).enumerate() {
        procs.insert(
            format!("pause task/{}", t.name),
            ProcState { pid: 4767 + i as i32, running: true, started_ns: Some(t0 + NS_PER_SEC + 335_021_500) },
        );
    }
    Runtime { created_ns: t0, now_ns: t0 + (25 * 60 + 30) * NS_PER_SEC, procs, ..Runtime::default() }
}

/// Timestamps are compared masked, so that the goldens pin the shape, not the clock arithmetic.
fn mask(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        // YYYY-MM-DDTHH:MM:SS[.fraction]Z
        let is_ts = i + 20 <= b.len()
            && b[i..i + 4].iter().all(u8::is_ascii_digit)
            && b[i + 4] == b'-'
            && b[i + 7] == b'-'
            && b[i + 10] == b'T'
            && b[i + 13] == b':'
            && b[i + 16] == b':';
        if is_ts {
            let mut j = i + 19;
            while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'.') {
                j += 1;
            }
            if j < b.len() && b[j] == b'Z' {
                out.push_str("<TIME>");
                i = j + 1;
                continue;
            }
        }
        let ch = s[i..].chars().next().unwrap();
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

fn golden(name: &str, actual: &str) {
    let p: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, actual).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&p)
        .unwrap_or_else(|e| panic!("{}: {e} (create it with UPDATE_GOLDEN=1 cargo test --test views)", p.display()));
    let (w, a) = (mask(&want), mask(actual));
    if w != a {
        let line =
            w.lines().zip(a.lines()).position(|(x, y)| x != y).unwrap_or(w.lines().count().min(a.lines().count()));
        panic!(
            "{} differs at line {}:\n  golden: {:?}\n  actual: {:?}\n(accept with UPDATE_GOLDEN=1 cargo test --test views)\n--- actual ---\n{actual}",
            p.display(),
            line + 1,
            w.lines().nth(line),
            a.lines().nth(line)
        );
    }
}

#[test]
fn ps_table_of_every_instance() {
    let lab = lab();
    let out = views::ps::table(&lab, &runtime(&lab), None).unwrap();
    golden("ps-01.txt", &out);
    // The seed's `docker ps`: an empty PORTS column for awsvpc, Docker's binding for bridge; the
    // seed's instance had IPv6 and showed `:::3000->3000/tcp` too, ecsnet's instances have none.
    let ecs1: Vec<&str> = out.lines().skip(1).take_while(|l| !l.is_empty()).collect();
    assert!(ecs1[0].starts_with("CONTAINER ID   IMAGE"), "{out}");
    let bridge = ecs1.iter().find(|l| l.contains("-10-DVA-EC-site-")).unwrap();
    assert!(bridge.contains("   0.0.0.0:3000->3000/tcp   ecs-"), "{bridge}");
    assert!(bridge.contains("\"docker-entrypoint.s…\""), "{bridge}");
    let pause = ecs1.iter().find(|l| l.contains("internalecspause")).unwrap();
    assert!(pause.contains("amazon/amazon-ecs-pause:0.1.0") && pause.contains("\"/pause\""), "{pause}");
    let agent = ecs1.last().unwrap();
    assert!(agent.contains("Up 25 minutes (healthy)") && agent.ends_with("ecs-agent"), "{agent}");
}

#[test]
fn ps_json_of_one_instance() {
    let lab = lab();
    let rt = runtime(&lab);
    let out = views::ps::json_lines(&lab, &rt, Some("ecs-1")).unwrap();
    golden("ps-01-ecs-1.jsonl", &out);
    for line in out.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["Instance"], "ecs-1");
    }
    assert!(views::ps::table(&lab, &rt, Some("nope")).unwrap_err().contains("no instance `nope`"));
}

fn inspect_one(lab: &Lab, what: &str) -> (String, serde_json::Value) {
    let c = views::inspect::find(lab, what, None).unwrap();
    let out = views::inspect::render(&[views::inspect::inspect(&c, &runtime(lab))]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    (out, v[0].clone())
}

#[test]
fn inspect_awsvpc_app_pause_and_bridge() {
    let lab = lab();
    let t = lab.task("web-awsvpc").unwrap();
    let pause = t.pause.as_ref().unwrap();
    let app = &t.containers[0];

    let (out, v) = inspect_one(&lab, &app.docker_name);
    golden("inspect-01-web-awsvpc.json", &out);
    assert_eq!(v["HostConfig"]["NetworkMode"], format!("container:{}", pause.docker_id));
    assert_eq!(v["NetworkSettings"]["Networks"], serde_json::json!({}));
    assert_eq!(v["State"]["Pid"], 4242, "a responder is played by the agent");
    assert_eq!(v["Config"]["Hostname"], "ip-10-0-128-4.ap-northeast-1.compute.internal");
    assert_eq!(v["Config"]["ExposedPorts"], serde_json::json!({"3000/tcp": {}}));
    let env: Vec<&str> = v["Config"]["Env"].as_array().unwrap().iter().map(|e| e.as_str().unwrap()).collect();
    assert!(env.iter().any(|e| e.starts_with("ECS_CONTAINER_METADATA_URI_V4=http://169.254.170.2/v4/")), "{env:?}");
    assert!(env.contains(&"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
    // Docker's key order, as in the seed's output.
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    assert!(keys.contains(&"NetworkSettings"));
    assert!(out.find("\"Id\"").unwrap() < out.find("\"Created\"").unwrap());
    assert!(out.find("\"HostConfig\"").unwrap() < out.find("\"Config\"").unwrap());

    let (out, v) = inspect_one(&lab, &pause.docker_id[..8]);
    golden("inspect-01-web-awsvpc-pause.json", &out);
    assert_eq!(v["HostConfig"]["NetworkMode"], "none");
    assert_eq!(v["State"]["Pid"], 4767);
    assert_eq!(v["Config"]["Env"], serde_json::Value::Null);
    assert_eq!(v["Config"]["Labels"]["com.amazonaws.ecs.container-name"], "~internal~ecs~pause");
    assert!(v["NetworkSettings"]["Networks"]["none"].is_object());
    assert_eq!(v["NetworkSettings"]["SandboxKey"], "/run/netns/ecsnet.bridge-vs-awsvpc.t.web-awsvpc");

    let b = &lab.task("web-bridge").unwrap().containers[0];
    let (out, v) = inspect_one(&lab, &format!("/{}", b.docker_name));
    golden("inspect-01-web-bridge.json", &out);
    assert_eq!(v["HostConfig"]["NetworkMode"], "bridge");
    assert_eq!(v["HostConfig"]["PortBindings"], serde_json::json!({"3000/tcp": [{"HostIp": "", "HostPort": "3000"}]}));
    let net = &v["NetworkSettings"]["Networks"]["bridge"];
    assert_eq!(net["IPAddress"], "172.17.0.2");
    assert_eq!(net["Gateway"], "172.17.0.1");
    assert_eq!(net["IPPrefixLen"], 16);
    assert_eq!(net["MacAddress"], "02:42:ac:11:00:02");
    // No `::` binding: the instance has no IPv6 (docker-proxy would listen on [::]:3000 too).
    assert_eq!(
        v["NetworkSettings"]["Ports"]["3000/tcp"],
        serde_json::json!([{"HostIp": "0.0.0.0", "HostPort": "3000"}])
    );
}

#[test]
fn inspect_lookup_rules() {
    let lab = lab();
    let e = views::inspect::find(&lab, "ecs-agent", None).unwrap_err();
    assert!(e.contains("matches 3 containers") && e.contains("instance/ecs-2"), "{e}");
    let a = views::inspect::find(&lab, "ecs-agent", Some("ecs-2")).unwrap();
    assert_eq!(a.host_name(), "ecs-2");
    let (out, v) = {
        let rt = runtime(&lab);
        let out = views::inspect::render(&[views::inspect::inspect(&a, &rt)]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        (out, v[0].clone())
    };
    golden("inspect-01-ecs-agent.json", &out);
    assert_eq!(v["HostConfig"]["NetworkMode"], "host");
    assert!(views::inspect::find(&lab, "ab", None).unwrap_err().contains("at least 3"));
    assert!(views::inspect::find(&lab, "no-such", None).unwrap_err().contains("no such container"));
}

#[test]
fn metadata_documents() {
    let lab = lab();
    let t0 = CREATED * NS_PER_SEC;
    for (task, file) in [("web-awsvpc", "tmds-01-web-awsvpc-task.json"), ("web-bridge", "tmds-01-web-bridge-task.json")]
    {
        let doc = ecsnet::services::task_metadata::documents::task_doc(&lab, lab.task(task).unwrap(), t0);
        golden(file, &(serde_json::to_string_pretty(&doc).unwrap() + "\n"));
    }

    // The agent's compact form assembles to the same document, and to the v2/v3 one.
    let cfg = ecsnet::services::task_metadata::documents::tmds_config(&lab, t0);
    assert_eq!(cfg.len(), 3);
    let ecs1 = &cfg[0];
    assert_eq!(ecs1.tasks.len(), 2);
    for (i, task, file) in
        [(0, "web-awsvpc", "tmds-01-web-awsvpc-task-v3.json"), (1, "web-bridge", "tmds-01-web-bridge-task-v3.json")]
    {
        let v4 = ecsnet::services::task_metadata::documents::task_doc(&lab, lab.task(task).unwrap(), t0);
        let doc = ecsnet::services::task_metadata::documents::v2::task_doc(&v4);
        golden(file, &(serde_json::to_string_pretty(&doc).unwrap() + "\n"));
        assert_eq!(ecs1.tasks[i].document_v3(), serde_json::to_string(&doc).unwrap());
        let v3: serde_json::Value = serde_json::from_str(&ecs1.tasks[i].document_v3()).unwrap();
        // includeV4Metadata=false: none of v4's own fields.
        for k in ["LaunchType", "VPCID", "AvailabilityZoneID", "FaultInjectionEnabled"] {
            assert!(v3.get(k).is_none(), "{k} in v3: {v3}");
        }
        let text = v3.to_string();
        for k in ["ContainerARN", "LogDriver", "HostIp", "AttachmentIndex", "MACAddress", "IPv4SubnetCIDRBlock"] {
            assert!(!text.contains(k), "{k} in v3: {text}");
        }
    }
    let t = lab.task("web-awsvpc").unwrap();
    let whole: serde_json::Value = serde_json::from_str(&ecs1.tasks[0].document()).unwrap();
    let direct = serde_json::to_value(ecsnet::services::task_metadata::documents::task_doc(&lab, t, t0)).unwrap();
    assert_eq!(whole, direct);
    assert_eq!(whole["AvailabilityZoneID"], "apne1-az1");
    assert_eq!(whole["Containers"][1]["Limits"], serde_json::json!({"CPU": 2, "Memory": 0}), "the agent's CPU minimum");
    assert!(whole.get("Limits").is_none(), "no task-level limits in the seed");
    assert_eq!(ecs1.tasks[0].bridge_ip, t.bridge_ip);
    assert_eq!(whole["Containers"][0]["Type"], "CNI_PAUSE");
    assert_eq!(whole["Containers"][0]["DesiredStatus"], "RESOURCES_PROVISIONED");
    let net = &whole["Containers"][1]["Networks"][0];
    let eni = &lab.enis[t.eni.unwrap()];
    assert_eq!(net["NetworkMode"], "awsvpc");
    assert_eq!(net["IPv4Addresses"], serde_json::json!([eni.ip.to_string()]));
    assert_eq!(net["MACAddress"], eni.mac);
    assert_eq!(net["IPv4SubnetCIDRBlock"], "10.0.128.0/18");
    assert_eq!(net["SubnetGatewayIpv4Address"], "10.0.128.1/18");
    assert_eq!(net["AttachmentIndex"], 0);
    // The endpoint id is the one in the container's ECS_CONTAINER_METADATA_URI_V4.
    let uri = ecsnet::services::task_metadata::documents::metadata_uri_v4(&t.containers[0]).unwrap();
    assert!(uri.ends_with(&ecs1.tasks[0].containers[1].endpoint_id));
    let bridge: serde_json::Value = serde_json::from_str(&ecs1.tasks[1].document()).unwrap();
    assert_eq!(
        bridge["Containers"][0]["Networks"],
        serde_json::json!([{"NetworkMode": "bridge", "IPv4Addresses": ["172.17.0.2"]}])
    );
    // No task role in the seed: no credentials.
    assert!(ecs1.tasks.iter().all(|t| t.credentials.is_none()));
}

/// Limits and the log configuration from the task definition, as the agent reports them.
#[test]
fn metadata_limits_and_log_driver() {
    let yaml = "version: 1\nname: lim\nregion: us-east-1\nvpc:\n  cidr: 10.9.0.0/16\n  subnets: [{ name: a, cidr: 10.9.1.0/24, availabilityZone: us-east-1b }]\n\
                instances: [{ name: ecs-1, subnet: a }]\ntaskDefinitions:\n  - family: app\n    networkMode: awsvpc\n    cpu: 512\n    memory: 1 GB\n\
                \x20   containerDefinitions:\n      - name: web\n        image: nginx\n        cpu: 256\n        memory: 300\n\
                \x20       logConfiguration: { logDriver: awslogs, options: { awslogs-stream-prefix: ecs, awslogs-group: /ecs/app } }\n\
                \x20     - { name: side, image: busybox, cpu: 1 }\n\
                tasks:\n  - { name: t, taskDefinition: app, instance: ecs-1, networkConfiguration: { awsvpcConfiguration: { subnets: [a] } } }\n";
    let s = ecsnet::scenario::load_str(Path::new("lim.yaml"), yaml).unwrap_or_else(|d| panic!("{d}"));
    let lab = ecsnet::model::build(&s).unwrap();
    let t0 = CREATED * NS_PER_SEC;
    let cfg = ecsnet::services::task_metadata::documents::tmds_config(&lab, t0);
    let task = &cfg[0].tasks[0];
    let v4: serde_json::Value = serde_json::from_str(&task.document()).unwrap();
    assert_eq!(v4["Limits"], serde_json::json!({"CPU": 0.5, "Memory": 1024}));
    assert_eq!(v4["AvailabilityZoneID"], "use1-az2");
    let web = &v4["Containers"][1];
    assert_eq!(web["Limits"], serde_json::json!({"CPU": 256, "Memory": 300}));
    assert_eq!(web["LogDriver"], "awslogs");
    assert_eq!(web["LogOptions"], serde_json::json!({"awslogs-group": "/ecs/app", "awslogs-stream-prefix": "ecs"}));
    // Go's order: LogDriver and LogOptions between Type and ContainerARN, options sorted.
    let text = &task.containers[1].doc;
    assert!(text.contains(r#""Type":"NORMAL","LogDriver":"awslogs","LogOptions":{"awslogs-group":"/ecs/app","awslogs-stream-prefix":"ecs"},"ContainerARN""#), "{text}");
    assert!(
        task.head.contains(r#""KnownStatus":"RUNNING","Limits":{"CPU":0.5,"Memory":1024},"PullStartedAt""#),
        "{}",
        task.head
    );
    let side = &v4["Containers"][2];
    assert_eq!(side["Limits"], serde_json::json!({"CPU": 2, "Memory": 0}));
    assert!(side.get("LogDriver").is_none() && side.get("LogOptions").is_none());
    // v2/v3: limits too, in the older shape; no log configuration.
    let v3: serde_json::Value = serde_json::from_str(&task.document_v3()).unwrap();
    assert_eq!(v3["Limits"], v4["Limits"]);
    assert_eq!(v3["Containers"][1]["Limits"], web["Limits"]);
    assert!(v3["Containers"][1].get("LogDriver").is_none());
    assert!(task.document_v3().contains(r#"}],"Limits":{"CPU":0.5,"Memory":1024},"PullStartedAt""#));
}

#[test]
fn inspect_host_and_none_modes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (file, task, mode, hostname_prefix) in
        [("scenarios/04-host.yaml", "exporter", "host", "ip-10-3-1-"), ("scenarios/05-none.yaml", "job", "none", "")]
    {
        let s = ecsnet::scenario::load(&root.join(file)).unwrap();
        let lab = ecsnet::model::build(&s).unwrap();
        let rt = runtime(&lab);
        let ctr = &lab.task(task).unwrap().containers[0];
        let c = views::inspect::find(&lab, &ctr.docker_id[..6], None).unwrap();
        let v = serde_json::to_value(views::inspect::inspect(&c, &rt)).unwrap();
        assert_eq!(v["HostConfig"]["NetworkMode"], mode, "{file}");
        let nets = v["NetworkSettings"]["Networks"].as_object().unwrap();
        assert_eq!(nets.keys().collect::<Vec<_>>(), vec![mode], "{file}");
        assert_eq!(v["NetworkSettings"]["IPAddress"], "", "{file}");
        assert_eq!(v["HostConfig"]["PortBindings"], serde_json::json!({}), "{file}");
        assert!(v["Config"]["Hostname"].as_str().unwrap().starts_with(hostname_prefix), "{file}: {v}");
        let ps = views::ps::table(&lab, &rt, None).unwrap();
        let row = ps.lines().find(|l| l.contains(&ctr.docker_name)).unwrap();
        assert!(!row.contains("->"), "{mode} publishes nothing: {row}");
        let doc = ecsnet::services::task_metadata::documents::task_doc(&lab, lab.task(task).unwrap(), rt.created_ns);
        let d = serde_json::to_value(doc).unwrap();
        assert_eq!(d["Containers"][0]["Networks"][0]["NetworkMode"], mode, "{file}");
    }
}
