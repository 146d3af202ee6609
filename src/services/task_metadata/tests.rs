//! The endpoint's routes, answers and HTTP on a hand-made instance: two tasks (an awsvpc one
//! with a role, a bridge one without), no namespaces needed.

use super::http::{Head, response};
use super::stats::{NetworkSource, StatsSource};
use super::*;
use std::net::SocketAddrV4;

/// 2024-10-31T11:38:11Z.
const NOW: u64 = 1_730_374_691 * 1_000_000_000;

fn stats(name: &str, network: bool) -> StatsSource {
    StatsSource {
        name: format!("/{name}"),
        created_ns: NOW - 600 * 1_000_000_000,
        online_cpus: 2,
        memory_limit: 512 << 20,
        pause: false,
        network: network.then(|| NetworkSource { interface: "eth0".into(), seed: name.into(), since_ns: 0 }),
    }
}

fn container(endpoint_id: &str, docker_id: &str, name: &str, v2: Option<&str>) -> TmdsContainer {
    TmdsContainer {
        endpoint_id: endpoint_id.into(),
        docker_id: docker_id.into(),
        doc: format!(r#"{{"Name":"{name}","v":4}}"#),
        doc_v3: format!(r#"{{"Name":"{name}"}}"#),
        doc_v2: v2.map(str::to_string),
        stats: stats(name, true),
    }
}

fn inst() -> TmdsInstance {
    TmdsInstance {
        node: "instance/ecs-1".into(),
        ns: String::new(),
        tasks: vec![
            TmdsTask {
                bridge_ip: Some(Ipv4Addr::new(169, 254, 172, 2)),
                arn: "arn:a".into(),
                head: r#"{"TaskARN":"arn:a","Containers":["#.into(),
                tail: r#"],"FaultInjectionEnabled":false}"#.into(),
                head_v3: r#"{"TaskARN":"arn:a","Containers":["#.into(),
                tail_v3: "]}".into(),
                containers: vec![container("", "p1", "p", None), container("e-1", "d1", "app", None)],
                credentials: Some(TmdsCredentials { id: "cred-1".into(), role_arn: "arn:aws:iam::1:role/r".into() }),
                introspection: r#"{"Arn":"arn:a"}"#.into(),
            },
            TmdsTask {
                bridge_ip: None,
                arn: "arn:b".into(),
                head: r#"{"TaskARN":"arn:b","Containers":["#.into(),
                tail: "]}".into(),
                head_v3: r#"{"TaskARN":"arn:b","Containers":["#.into(),
                tail_v3: "]}".into(),
                containers: vec![container("e-2", "d2", "web", Some(r#"{"Name":"web","v":2}"#))],
                credentials: None,
                introspection: r#"{"Arn":"arn:b"}"#.into(),
            },
        ],
        agent: introspection::AgentIdentity { metadata: r#"{"Cluster":"c"}"#.into() },
        fargate: false,
    }
}

fn call(method: &str, path: &str, peer: [u8; 4], body: &str) -> Answer {
    let req = Request {
        method: method.into(),
        target: path.into(),
        body: body.as_bytes().to_vec(),
        peer: Some(SocketAddrV4::new(Ipv4Addr::from(peer), 40000)),
    };
    answer("lab", &inst(), &req, NOW)
}

fn get(path: &str, peer: [u8; 4]) -> Answer {
    call("GET", path, peer, "")
}

#[test]
fn v4_documents() {
    let a = get("/v4/e-1/task", [172, 17, 0, 2]);
    assert_eq!(a.status, 200);
    assert_eq!(a.content_type, Some("application/json"));
    assert_eq!(
        a.body,
        r#"{"TaskARN":"arn:a","Containers":[{"Name":"p","v":4},{"Name":"app","v":4}],"FaultInjectionEnabled":false}"#
    );
    assert_eq!(get("/v4/e-1", [1, 2, 3, 4]).body, r#"{"Name":"app","v":4}"#);
    assert_eq!(
        get("/v4/e-2/taskWithTags", [1, 2, 3, 4]).body,
        r#"{"TaskARN":"arn:b","Containers":[{"Name":"web","v":4}]}"#
    );
    let nf = get("/v4/nope/task", [1, 2, 3, 4]);
    assert_eq!(nf.status, 404);
    assert_eq!(
        nf.body,
        r#""V4 task metadata handler: unable to get task arn from request: unable to get task Arn from v3 endpoint ID: nope""#
    );
    let nf = get("/v4/nope", [1, 2, 3, 4]);
    assert_eq!(nf.status, 404);
    assert!(nf.body.contains("V4 container metadata handler: unable to get container ID"), "{}", nf.body);
    // the pause container has no endpoint of its own
    assert_eq!(get("/v4/", [1, 2, 3, 4]).status, 404);
    assert_eq!(get("/", [1, 2, 3, 4]), Answer::not_found());
    assert_eq!(get("/v4/e-1/task/", [1, 2, 3, 4]), Answer::not_found());
    assert_eq!(get("/v4/e-1/tasks", [1, 2, 3, 4]), Answer::not_found());
}

#[test]
fn v3_documents_and_its_500() {
    assert_eq!(get("/v3/e-2/task", [1, 2, 3, 4]).body, r#"{"TaskARN":"arn:b","Containers":[{"Name":"web"}]}"#);
    assert_eq!(
        get("/v3/e-1/taskWithTags", [1, 2, 3, 4]).body,
        r#"{"TaskARN":"arn:a","Containers":[{"Name":"p"},{"Name":"app"}]}"#
    );
    assert_eq!(get("/v3/e-1", [1, 2, 3, 4]).body, r#"{"Name":"app"}"#);
    let nf = get("/v3/nope/task", [1, 2, 3, 4]);
    assert_eq!(nf.status, 500);
    assert_eq!(
        nf.body,
        r#""V3 task metadata handler: unable to get task arn from request: unable to get task Arn from v3 endpoint ID: nope""#
    );
    let nf = get("/v3/nope", [1, 2, 3, 4]);
    assert_eq!(nf.status, 500);
    assert_eq!(
        nf.body,
        r#""V3 container metadata handler: unable to get container ID from request: unable to get docker ID from v3 endpoint ID: nope""#
    );
}

#[test]
fn v2_by_source_address() {
    let a = get("/v2/metadata", [169, 254, 172, 2]);
    assert_eq!(a.status, 200);
    assert_eq!(a.body, r#"{"TaskARN":"arn:a","Containers":[{"Name":"p"},{"Name":"app"}]}"#);
    assert_eq!(get("/v2/metadata/", [169, 254, 172, 2]).body, a.body);
    assert_eq!(get("/v2/metadataWithTags", [169, 254, 172, 2]).body, a.body);
    assert_eq!(get("/v2/metadata/d1", [169, 254, 172, 2]).body, r#"{"Name":"app"}"#);
    // Any container of the instance, in v2's own shape.
    assert_eq!(get("/v2/metadata/d2", [169, 254, 172, 2]).body, r#"{"Name":"web","v":2}"#);
    let nf = get("/v2/metadata/zz", [169, 254, 172, 2]);
    assert_eq!((nf.status, nf.body.as_str()), (400, r#""Unable to generate metadata for container 'zz'""#));
    let b = get("/v2/metadata", [172, 17, 0, 5]);
    assert_eq!(b.status, 400);
    assert_eq!(b.body, r#""Unable to get task arn from request: unable to associate '172.17.0.5' with task""#);
    assert_eq!(get("/v2/metadataWithTags/d1", [169, 254, 172, 2]), Answer::not_found());
}

#[test]
fn credentials() {
    let a = get("/v2/credentials/cred-1", [172, 17, 0, 2]);
    assert_eq!(a.status, 200);
    let v: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    for k in ["RoleArn", "AccessKeyId", "SecretAccessKey", "Token", "Expiration"] {
        assert!(v.get(k).is_some(), "{k} in {}", a.body);
    }
    // key order as the agent marshals IAMRoleCredentials
    assert!(a.body.starts_with(r#"{"RoleArn":"arn:aws:iam::1:role/r","AccessKeyId":"ASIAECSNETFAKE"#), "{}", a.body);
    assert_eq!(v["AccessKeyId"].as_str().unwrap().len(), 20);
    assert!(v["Token"].as_str().unwrap().contains("ECSNET-FAKE"));
    // Issued on the hour (keys renew hourly), valid six hours from then.
    assert_eq!(v["Expiration"], "2024-10-31T17:00:00Z");
    assert_eq!(get("/v1/credentials?id=cred-1", [1, 1, 1, 1]).body, a.body);
    let bad = get("/v2/credentials/other", [1, 1, 1, 1]);
    assert_eq!(bad.status, 400);
    assert_eq!(
        bad.body,
        r#"{"code":"InvalidIdInRequest","message":"CredentialsV2Request: Credentials not found","HTTPErrorCode":400}"#
    );
    assert!(get("/v2/credentials/", [1, 1, 1, 1]).body.contains("NoIdInRequest"));
    assert_eq!(get("/v2/credentials", [1, 1, 1, 1]), Answer::not_found());
}

#[test]
fn any_method_and_clean_paths() {
    assert_eq!(call("POST", "/v4/e-1/task", [1, 2, 3, 4], "x").body, get("/v4/e-1/task", [1, 2, 3, 4]).body);
    assert_eq!(call("DELETE", "/v3/e-1", [1, 2, 3, 4], "").status, 200);
    let r = get("/v4//task", [1, 2, 3, 4]);
    assert_eq!((r.status, r.before_limiter), (301, true));
    assert_eq!(r.headers, vec![("Location", "/v4/task".to_string())]);
    let r = get("/v3/e-1/./task/../task?x=1", [1, 2, 3, 4]);
    assert_eq!(r.headers, vec![("Location", "/v3/e-1/task?x=1".to_string())]);
    assert_eq!(get("http://169.254.170.2/v4/e-1", [1, 2, 3, 4]).body, r#"{"Name":"app","v":4}"#);
}

#[test]
fn stats_routes() {
    let v4: serde_json::Value = serde_json::from_str(&get("/v4/e-1/stats", [1, 2, 3, 4]).body).unwrap();
    assert_eq!(v4["id"], "d1");
    assert_eq!(v4["name"], "/app");
    assert!(v4["network_rate_stats"]["rx_bytes_per_sec"].as_u64().is_some(), "{v4}");
    assert!(v4["networks"]["eth0"]["rx_bytes"].as_u64().unwrap() > 0, "{v4}");
    let v3 = get("/v3/e-1/stats", [1, 2, 3, 4]);
    assert!(!v3.body.contains("network_rate_stats"), "{}", v3.body);
    let task: serde_json::Value = serde_json::from_str(&get("/v4/e-1/task/stats", [1, 2, 3, 4]).body).unwrap();
    let ids: Vec<&String> = task.as_object().unwrap().keys().collect();
    assert_eq!(ids, ["d1", "p1"]);
    assert!(task["p1"]["network_rate_stats"].is_object());
    assert!(!get("/v3/e-1/task/stats", [1, 2, 3, 4]).body.contains("network_rate_stats"));
    let v2 = get("/v2/stats", [169, 254, 172, 2]);
    assert_eq!(v2.body, get("/v3/e-1/task/stats", [1, 2, 3, 4]).body);
    assert_eq!(get("/v2/stats/d1", [169, 254, 172, 2]).body, v3.body);
    let other = get("/v2/stats/d2", [169, 254, 172, 2]);
    assert_eq!((other.status, other.body.as_str()), (400, r#""Unable to get container stats for: d2""#));
    let nf = get("/v3/nope/task/stats", [1, 2, 3, 4]);
    assert_eq!(nf.status, 400);
    assert!(nf.body.starts_with(r#""V3 task stats handler: unable to get task arn"#), "{}", nf.body);
    let nf = get("/v4/nope/stats", [1, 2, 3, 4]);
    assert_eq!(nf.status, 404);
    assert!(nf.body.starts_with(r#""V4 container stats handler: unable to get task arn"#), "{}", nf.body);
}

#[test]
fn stats_document_shape() {
    let s = stats("app", false);
    let doc = stats::document(&s, "d1", NOW, true);
    let v: serde_json::Value = serde_json::from_str(&doc).unwrap();
    let keys: Vec<&str> = [
        "\"read\"",
        "\"preread\"",
        "\"pids_stats\"",
        "\"blkio_stats\"",
        "\"num_procs\"",
        "\"storage_stats\"",
        "\"cpu_stats\"",
        "\"precpu_stats\"",
        "\"memory_stats\"",
        "\"name\"",
        "\"id\"",
    ]
    .to_vec();
    let at: Vec<usize> = keys.iter().map(|k| doc.find(k).unwrap_or_else(|| panic!("{k} in {doc}"))).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "Docker's field order: {doc}");
    assert_eq!(v["read"], "2024-10-31T11:38:11Z");
    assert_eq!(v["preread"], "2024-10-31T11:38:10Z");
    assert!(v.get("networks").is_none() && v.get("network_rate_stats").is_none(), "host mode: {doc}");
    let cpu = &v["cpu_stats"];
    let total = cpu["cpu_usage"]["total_usage"].as_u64().unwrap();
    assert!(total > v["precpu_stats"]["cpu_usage"]["total_usage"].as_u64().unwrap());
    assert_eq!(
        total,
        cpu["cpu_usage"]["usage_in_kernelmode"].as_u64().unwrap()
            + cpu["cpu_usage"]["usage_in_usermode"].as_u64().unwrap()
    );
    assert_eq!(cpu["online_cpus"], 2);
    assert_eq!(v["memory_stats"]["limit"], 512u64 << 20);
    assert!(v["blkio_stats"]["io_service_bytes_recursive"].is_null());
    // An agent configuration written before stats existed still gets a document.
    assert!(stats::document(&StatsSource::default(), "x", NOW, true).starts_with(r#"{"read":"#));
}

#[test]
fn task_protection() {
    let path = "/api/e-1/task-protection/v1/state";
    let a = get(path, [1, 2, 3, 4]);
    assert_eq!(
        (a.status, a.body.as_str()),
        (200, r#"{"failure":{"Arn":"arn:a","Detail":null,"Reason":"TASK_NOT_VALID"}}"#)
    );
    let put = call("PUT", path, [1, 2, 3, 4], r#"{"ProtectionEnabled":true,"ExpiresInMinutes":60}"#);
    assert_eq!(put.body, a.body);
    let no_role = get("/api/e-2/task-protection/v1/state", [1, 2, 3, 4]);
    assert_eq!(no_role.status, 403);
    assert_eq!(
        no_role.body,
        r#"{"error":{"Arn":"arn:b","Code":"AccessDeniedException","Message":"Invalid Request: no task IAM role credentials available for task"}}"#
    );
    let nf = get("/api/nope/task-protection/v1/state", [1, 2, 3, 4]);
    assert_eq!(nf.status, 404);
    assert_eq!(
        nf.body,
        r#"{"error":{"Code":"ResourceNotFoundException","Message":"Failed to find a task for the request"}}"#
    );
    let bad = call("PUT", path, [1, 2, 3, 4], r#"{"Protection":true}"#);
    assert_eq!(bad.status, 400);
    assert_eq!(
        bad.body,
        r#"{"error":{"Code":"InvalidParameterException","Message":"UpdateTaskProtection: failed to decode request"}}"#
    );
    assert_eq!(call("PUT", path, [1, 2, 3, 4], "").status, 400);
    let missing = call("PUT", path, [1, 2, 3, 4], r#"{"expiresinminutes":5}"#);
    assert_eq!(missing.status, 400);
    assert!(missing.body.contains("does not contain 'ProtectionEnabled' field"), "{}", missing.body);
    assert_eq!(call("POST", path, [1, 2, 3, 4], ""), Answer::method_not_allowed());
}

fn head(req: &str) -> Head {
    match super::http::parse_head(req.as_bytes()) {
        Ok(h) => h,
        Err(raw) => panic!("{req:?}: {raw}"),
    }
}

#[test]
fn http_requests_as_go_reads_them() {
    assert_eq!(request_line(b"GET /v4/x/task HTTP/1.1\r\nHost: a\r\n\r\n"), Some(("GET", "/v4/x/task")));
    assert_eq!(request_line(b"ECSNET-PROBE\n"), None);
    assert_eq!(request_line(b"GET /x HTTP/x.y\r\n"), None);
    let h = head("PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\n");
    assert_eq!((h.method.as_str(), h.minor, h.close), ("PUT", 1, true));
    assert_eq!(h.body, super::http::BodyLength::Fixed(3));
    let h = head("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assert!(h.keep_alive_10 && !h.close);
    assert!(head("GET / HTTP/1.0\r\n\r\n").close);
    let missing = super::http::parse_head(b"GET / HTTP/1.1\r\n\r\n").unwrap_err();
    assert_eq!(
        missing,
        "HTTP/1.1 400 Bad Request: missing required Host header\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request: missing required Host header"
    );
    let v2 = super::http::parse_head(b"GET / HTTP/2.0\r\nHost: x\r\n\r\n").unwrap_err();
    assert!(v2.starts_with("HTTP/1.1 505 HTTP Version Not Supported: unsupported protocol version\r\n"), "{v2}");
}

#[test]
fn http_responses_as_go_writes_them() {
    let h = head("GET /v4/x HTTP/1.1\r\nHost: 169.254.170.2\r\n\r\n");
    let (bytes, close) = response(&Answer::json(200, "{}".into()), &h, "169.254.172.2:40000", 1_730_374_691);
    assert!(!close, "kept alive");
    assert_eq!(
        String::from_utf8(bytes).unwrap(),
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Rate-Limit-Duration: 1\r\nX-Rate-Limit-Limit: 40.00\r\n\
         X-Rate-Limit-Request-Forwarded-For: \r\nX-Rate-Limit-Request-Remote-Addr: 169.254.172.2:40000\r\n\
         Date: Thu, 31 Oct 2024 11:38:11 GMT\r\nContent-Length: 2\r\n\r\n{}"
    );
    // Over 2048 bytes: chunked, as Go sends a handler's output it did not buffer whole.
    let big = Answer::json(200, "x".repeat(3000));
    let s = String::from_utf8(response(&big, &h, "a:1", 0).0).unwrap();
    assert!(s.contains("\r\nTransfer-Encoding: chunked\r\n\r\nbb8\r\nxxx") && s.ends_with("x\r\n0\r\n\r\n"), "{s}");
    assert!(!s.contains("Content-Length"));
    // HEAD: the length when small, no body.
    let hh = head("HEAD /v4/x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    let (bytes, close) = response(&Answer::json(200, "{}".into()), &hh, "a:1", 0);
    let s = String::from_utf8(bytes).unwrap();
    assert!(close && s.ends_with("Content-Length: 2\r\nConnection: close\r\n\r\n"), "{s}");
    // HTTP/1.0: closed unless kept alive; a 404 as http.NotFound writes it.
    let h10 = head("GET / HTTP/1.0\r\n\r\n");
    let (bytes, close) = response(&Answer::not_found(), &h10, "a:1", 0);
    let s = String::from_utf8(bytes).unwrap();
    assert!(close && s.starts_with("HTTP/1.0 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n"), "{s}");
    assert!(s.ends_with("Content-Length: 19\r\n\r\n404 page not found\n"), "{s}");
    // The path-cleaning redirect comes before the rate limiter.
    let r = get("/v4//task", [1, 2, 3, 4]);
    let s = String::from_utf8(response(&r, &h, "a:1", 0).0).unwrap();
    assert_eq!(
        s,
        "HTTP/1.1 301 Moved Permanently\r\nLocation: /v4/task\r\nDate: Thu, 01 Jan 1970 00:00:00 GMT\r\nContent-Length: 0\r\n\r\n"
    );
}

#[test]
fn go_floats() {
    let s = |f: f64| serde_json::to_string(&GoFloat(f)).unwrap();
    assert_eq!((s(2.0), s(0.25), s(1.5), s(0.0)), ("2".into(), "0.25".into(), "1.5".into(), "0".into()));
}

#[test]
fn availability_zone_ids() {
    use super::documents::availability_zone_id as id;
    assert_eq!(id("ap-northeast-1a"), "apne1-az1");
    assert_eq!(id("us-east-1c"), "use1-az3");
    assert_eq!(id("eu-central-1b"), "euc1-az2");
    assert_eq!(id("ap-southeast-2a"), "apse2-az1");
    assert_eq!(id("us-gov-west-1a"), "usgw1-az1");
    assert_eq!(id("zone"), "");
}

/// The server on a real socket (loopback of the test's own namespace): two requests on one
/// connection, then one that asks to close.
#[test]
fn keep_alive_on_a_real_connection() {
    use std::io::{Read, Write};
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let client = std::thread::spawn(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(5))).unwrap();
        let req = "GET /v4/e-1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /v4/e-1 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}\
                   GET /v4/e-2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        s.write_all(req.as_bytes()).unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    });
    let out = rt.block_on(async {
        let ep = Arc::new(super::http::Endpoint {
            lab: Arc::from("lab"),
            inst: super::live(inst()),
            api: super::http::Api::TaskMetadata,
        });
        tokio::spawn(super::http::serve(tokio::net::TcpListener::from_std(listener).unwrap(), ep));
        tokio::task::spawn_blocking(move || client.join().unwrap()).await.unwrap()
    });
    assert_eq!(out.matches("HTTP/1.1 200 OK\r\n").count(), 3, "{out}");
    assert_eq!(out.matches("Connection: close").count(), 1, "{out}");
    assert!(out.ends_with(r#"{"Name":"web","v":4}"#), "{out}");
}

#[test]
fn introspection_api() {
    let i = inst();
    let get = |target: &str| introspection::answer(&i, target);
    assert_eq!(get("/v1/metadata").body, r#"{"Cluster":"c"}"#);
    assert_eq!(get("/v1/tasks").body, r#"{"Tasks":[{"Arn":"arn:a"},{"Arn":"arn:b"}]}"#);
    assert_eq!(get("/v1/tasks?taskarn=arn%3Ab").body, r#"{"Arn":"arn:b"}"#);
    assert_eq!(get("/v1/tasks?dockerid=d2").body, r#"{"Arn":"arn:b"}"#, "a short id is a prefix");
    assert_eq!(get("/v1/tasks?dockerid=d").status, 400, "two tasks have such a container");
    assert_eq!(get("/v1/tasks?dockerid=zz").status, 404);
    assert_eq!(get("/v1/tasks?taskarn=arn:c").status, 404);
    assert_eq!(get("/v1/tasks?taskarn=arn:a&dockerid=d1").status, 400);
    assert!(get("/license").body.contains("Apache License"));
    assert_eq!(get("/anything").body, r#"{"AvailableCommands":["/v1/metadata","/v1/tasks","/license"]}"#);
    assert!(get("/v1/metadata").before_limiter, "no rate limit headers on introspection");
}
