//! Each service's answers as bytes: requests built by hand as the SDKs send them, through the
//! same routing the server uses, with a fixed clock.

use super::*;
use serde_json::{Value, json};

const NOW: u64 = 1_730_374_691;
const ACCOUNT: &str = "123456789012";
const REGION: &str = "ap-northeast-1";
const KEY: &str = "ASIATESTKEY";
const SECRET: &str = "test-secret";
const TOKEN: &str = "test-session-token";

fn spec() -> Spec {
    Spec {
        listen: vec![Door {
            ns: "ecsnet.l.router".into(),
            addr: Ipv4Addr::new(10, 0, 0, 5),
            port: 443,
            endpoint: None,
        }],
        region: REGION.into(),
        account: ACCOUNT.into(),
        ca_cert_pem: String::new(),
        ca_key_pem: String::new(),
        names: vec![],
        credentials: vec![Principal {
            access_key_id: KEY.into(),
            secret_access_key: SECRET.into(),
            session_token: Some(TOKEN.into()),
            arn: "arn:aws:sts::123456789012:assumed-role/ecsTaskRole/abc".into(),
            user_id: None,
            credentials_id: None,
        }],
        data: serde_json::from_value(json!({
            "repositories": [{"name": "team/web", "images": [{"tags": ["latest"], "layers": [{"content": "a"}]}]},
                             {"name": "empty"}],
            "buckets": [{"name": "b", "objects": {"a/1": "one", "a/2": "two", "b/3": "three", "c": "four"}}],
            "log_groups": [{"name": "/ecs/web", "streams": ["s"]}],
            "secrets": [{"name": "db", "value": "pw"}],
            "parameters": [{"name": "/p/secure", "type": "SecureString", "value": "v"}]
        }))
        .unwrap(),
        clusters: vec!["c".into()],
        container_instances: vec![(
            "i-0abc".into(),
            "arn:aws:ecs:ap-northeast-1:123456789012:container-instance/c/1".into(),
        )],
        endpoints: vec![],
        vpc_id: String::new(),
        cloud_map: serde_json::from_value(json!({ "services": [{
            "namespace": "corp.local", "service": "api", "revision": 2,
            "instances": [{ "id": "t1", "attributes": { "AWS_INSTANCE_IPV4": "10.0.1.5" } }]
        }] }))
        .unwrap(),
    }
}

fn door() -> FrontDoor {
    FrontDoor::new(&spec(), "lab".into(), Some(NOW))
}

fn send(d: &FrontDoor, req: Req) -> Resp {
    d.handle(&d.route(&req), &req)
}

fn keys() -> sigv4::Keys {
    sigv4::Keys { access_key_id: KEY.into(), secret_access_key: SECRET.into(), session_token: Some(TOKEN.into()) }
}

/// `req` with `host`, signed as an SDK signs it (every header it has so far, its body) with the
/// test principal's key, at the door's clock; headers added afterwards are not signed.
fn signed(service: &str, host: &str, req: Req) -> Req {
    signed_with(&keys(), (REGION, service), NOW, host, req)
}

fn signed_with(keys: &sigv4::Keys, scope: (&str, &str), at: u64, host: &str, req: Req) -> Req {
    let mut req = req.with_header("Host", host);
    let query = if req.query.is_empty() { String::new() } else { format!("?{}", req.query) };
    let url = format!("https://{host}{}{query}", req.path);
    let headers: Vec<(&str, &str)> = req.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(at);
    let added = sigv4::sign(keys, scope, (&req.method, &url), &headers, &req.body, time).unwrap();
    for (k, v) in added {
        req = req.with_header(&k, &v);
    }
    req
}

fn json_call(d: &FrontDoor, service: &str, target: &str, body: Value) -> (u16, Value) {
    let host = format!("{service}.{REGION}.amazonaws.com");
    let req = Req::new("POST", "/")
        .with_header("X-Amz-Target", target)
        .with_header("Content-Type", http::AMZ_JSON)
        .with_body(body.to_string());
    let req = signed(service, &host, req);
    let r = send(d, req);
    assert!(r.header("x-amzn-RequestId").is_some(), "{r:?}");
    (r.status, serde_json::from_slice(&r.body).unwrap_or(Value::Null))
}

#[test]
fn hosts_route_to_their_service() {
    let s3 = |b: Option<&str>| Some(Service::S3 { bucket: b.map(String::from) });
    let cases = [
        ("sts.amazonaws.com", Some(Service::Sts)),
        ("sts.ap-northeast-1.amazonaws.com:443", Some(Service::Sts)),
        ("api.ecr.ap-northeast-1.amazonaws.com", Some(Service::Ecr)),
        ("ecr.ap-northeast-1.amazonaws.com", Some(Service::Ecr)),
        ("123456789012.dkr.ecr.ap-northeast-1.amazonaws.com", Some(Service::Registry)),
        ("123456789012.DKR.ECR.ap-northeast-1.amazonaws.com.", Some(Service::Registry)),
        ("logs.ap-northeast-1.amazonaws.com", Some(Service::Logs)),
        ("secretsmanager.ap-northeast-1.amazonaws.com", Some(Service::SecretsManager)),
        ("ssm.ap-northeast-1.amazonaws.com", Some(Service::Ssm)),
        ("data-servicediscovery.ap-northeast-1.amazonaws.com", Some(Service::CloudMap)),
        ("s3.amazonaws.com", s3(None)),
        ("s3.ap-northeast-1.amazonaws.com", s3(None)),
        ("s3-ap-northeast-1.amazonaws.com", s3(None)),
        ("my.bucket.s3.ap-northeast-1.amazonaws.com", s3(Some("my.bucket"))),
        ("bucket.s3.amazonaws.com", s3(Some("bucket"))),
        ("bucket.s3-ap-northeast-1.amazonaws.com", s3(Some("bucket"))),
        (
            "prod-ap-northeast-1-starport-layer-bucket.s3.ap-northeast-1.amazonaws.com",
            s3(Some("prod-ap-northeast-1-starport-layer-bucket")),
        ),
        ("cn-bucket.s3.cn-north-1.amazonaws.com.cn", s3(Some("cn-bucket"))),
        // VPC endpoint names, regional and zonal.
        ("vpce-0a1b2c3d4e5f-abcdefgh.api.ecr.ap-northeast-1.vpce.amazonaws.com", Some(Service::Ecr)),
        ("vpce-0a1b2c3d4e5f-abcdefgh-ap-northeast-1a.api.ecr.ap-northeast-1.vpce.amazonaws.com", Some(Service::Ecr)),
        ("vpce-0a1b2c3d4e5f-abcdefgh.dkr.ecr.ap-northeast-1.vpce.amazonaws.com", Some(Service::Registry)),
        ("vpce-0a1b2c3d4e5f-abcdefgh.logs.ap-northeast-1.vpce.amazonaws.com", Some(Service::Logs)),
        ("bucket.vpce-0a1b2c3d4e5f-abcdefgh.s3.ap-northeast-1.vpce.amazonaws.com", s3(Some("bucket"))),
        ("vpce-0a1b2c3d4e5f-abcdefgh.s3.ap-northeast-1.vpce.amazonaws.com", s3(None)),
        ("ecs.ap-northeast-1.amazonaws.com", Some(Service::Ecs)),
        ("ecs-a.ap-northeast-1.amazonaws.com", Some(Service::Acs)),
        ("ecs-a-3.ap-northeast-1.amazonaws.com", Some(Service::Acs)),
        ("vpce-0a1b2c3d4e5f-abcdefgh.ecs-a.ap-northeast-1.vpce.amazonaws.com", Some(Service::Acs)),
        ("ecs-t.ap-northeast-1.amazonaws.com", Some(Service::Tcs)),
        ("ecs-t-1.ap-northeast-1.amazonaws.com", Some(Service::Tcs)),
        // Not ours.
        ("localhost", None),
        ("ecs-x.ap-northeast-1.amazonaws.com", None),
        ("api.ecr.notaregion.amazonaws.com", None),
        ("12345.dkr.ecr.ap-northeast-1.amazonaws.com", None),
        ("s3.example.com", None),
        ("amazonaws.com", None),
        ("", None),
    ];
    for (host, want) in cases {
        assert_eq!(route_for_host(host), want, "{host}");
    }
}

/// DiscoverInstances as boto3 sends it: to `data-servicediscovery`, signed for `servicediscovery`.
fn discover(d: &FrontDoor, body: Value) -> (u16, Value) {
    let host = format!("data-servicediscovery.{REGION}.amazonaws.com");
    let req = Req::new("POST", "/")
        .with_header("X-Amz-Target", "Route53AutoNaming_v20170314.DiscoverInstances")
        .with_header("Content-Type", http::AMZ_JSON)
        .with_body(body.to_string());
    let r = send(d, signed("servicediscovery", &host, req));
    (r.status, serde_json::from_slice(&r.body).unwrap_or(Value::Null))
}

#[test]
fn cloud_map_discovers_instances_after_iam_and_follows_admitted_changes() {
    use crate::scenario::role::{InlinePolicy, Role};
    let body = json!({ "NamespaceName": "corp.local", "ServiceName": "api" });
    let (st, v) = discover(&door(), body.clone());
    assert_eq!((st, &v["Instances"][0]["Attributes"]["AWS_INSTANCE_IPV4"]), (200, &json!("10.0.1.5")), "{v}");
    assert_eq!(v["InstancesRevision"], 2);
    let mut sp = spec();
    let s3_only = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
    sp.data.roles = vec![Role {
        name: "ecsTaskRole".into(),
        policies: vec![InlinePolicy { name: "p".into(), document: s3_only.into() }],
        ..Role::default()
    }];
    let (st, v) = discover(&FrontDoor::new(&sp, "lab".into(), Some(NOW)), body.clone());
    assert_eq!((st, &v["__type"]), (400, &json!("AccessDeniedException")), "{v}");
    assert_eq!(
        v["Message"],
        "User: arn:aws:sts::123456789012:assumed-role/ecsTaskRole/abc is not authorized to perform: servicediscovery:DiscoverInstances on resource: * because no identity-based policy allows the servicediscovery:DiscoverInstances action"
    );
    // The controller replaces the directory: the door answers what is registered now.
    let d = door();
    if let Ok(mut dir) = d.cloud_map.write() {
        *dir = dir.updated(service_discovery::Directory::default());
    }
    let (st, v) = discover(&d, body);
    assert_eq!((st, &v["__type"]), (400, &json!("NamespaceNotFound")), "{v}");
}

#[test]
fn ecr_answers_iams_denial_for_a_declared_role_that_does_not_allow_the_call() {
    use crate::scenario::role::{InlinePolicy, Role};
    let with = |doc: &str| {
        let mut sp = spec();
        sp.data.roles = vec![Role {
            name: "ecsTaskRole".into(),
            policies: vec![InlinePolicy { name: "p".into(), document: doc.into() }],
            ..Role::default()
        }];
        FrontDoor::new(&sp, "lab".into(), Some(NOW))
    };
    let target = "AmazonEC2ContainerRegistry_V20150921.DescribeImages";
    let s3_only = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
    let (st, v) = json_call(&with(s3_only), "ecr", target, json!({ "repositoryName": "team/web" }));
    assert_eq!((st, &v["__type"]), (400, &json!("AccessDeniedException")), "{v}");
    assert_eq!(
        v["message"],
        "User: arn:aws:sts::123456789012:assumed-role/ecsTaskRole/abc is not authorized to perform: ecr:DescribeImages on resource: arn:aws:ecr:ap-northeast-1:123456789012:repository/team/web because no identity-based policy allows the ecr:DescribeImages action"
    );
    let read = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:Describe*","Resource":"*"}]}"#;
    let (st, v) = json_call(&with(read), "ecr", target, json!({ "repositoryName": "team/web" }));
    assert_eq!(st, 200, "{v}");
    // A role the scenario does not declare is not restricted.
    let (st, _) = json_call(&door(), "ecr", target, json!({ "repositoryName": "team/web" }));
    assert_eq!(st, 200);
}

#[test]
fn an_instances_agent_registers_and_is_told_where_to_poll() {
    let d = door();
    let t = |op: &str| format!("AmazonEC2ContainerServiceV20141113.{op}");
    let doc = json!({ "instanceId": "i-0abc", "region": REGION }).to_string();
    let (st, v) = json_call(
        &d,
        "ecs",
        &t("RegisterContainerInstance"),
        json!({ "cluster": "c", "instanceIdentityDocument": doc }),
    );
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        v["containerInstance"]["containerInstanceArn"],
        "arn:aws:ecs:ap-northeast-1:123456789012:container-instance/c/1"
    );
    assert_eq!(
        (&v["containerInstance"]["ec2InstanceId"], &v["containerInstance"]["status"]),
        (&json!("i-0abc"), &json!("ACTIVE"))
    );
    let arn = "arn:aws:ecs:ap-northeast-1:123456789012:cluster/c";
    let (st, v) = json_call(&d, "ecs", &t("DiscoverPollEndpoint"), json!({ "cluster": arn }));
    assert_eq!((st, &v["endpoint"]), (200, &json!("https://ecs-a.ap-northeast-1.amazonaws.com/")), "{v}");
    assert_eq!(v["telemetryEndpoint"], "https://ecs-t.ap-northeast-1.amazonaws.com/");
    // ECS's answer for a cluster it does not have (the agent's default is `default`).
    let (st, v) = json_call(&d, "ecs", &t("DiscoverPollEndpoint"), json!({}));
    assert_eq!(
        (st, &v["__type"], &v["message"]),
        (400, &json!("ClusterNotFoundException"), &json!("Cluster not found."))
    );
    let (st, v) = json_call(&d, "ecs", &t("RegisterContainerInstance"), json!({ "cluster": "c" }));
    assert_eq!((st, &v["__type"]), (400, &json!("InvalidParameterException")), "{v}");
    // ACS: the agent's websocket, signed with ECS's scope, is accepted on ecs-a's name.
    let ws = Req::new("GET", "/ws")
        .with_header("Upgrade", "websocket")
        .with_header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
    let ws = signed("ecs", "ecs-a.ap-northeast-1.amazonaws.com", ws);
    assert_eq!(d.route(&ws).service, Some(Service::Acs));
    assert_eq!(send(&d, ws).status, 101);
}

#[test]
fn the_signature_scope_wins_over_the_host() {
    let d = door();
    let r = signed("ecr", "localhost:8443", Req::new("POST", "/"));
    assert_eq!(d.route(&r).service, Some(Service::Ecr));
    // Virtual-hosted S3: the scope says S3, the host gives the bucket.
    let r = signed("s3", "b.s3.ap-northeast-1.amazonaws.com", Req::new("GET", "/a/1"));
    assert_eq!(d.route(&r).service, Some(Service::S3 { bucket: Some("b".into()) }));
    // Unsigned registry paths on a name that is not AWS's still reach the registry.
    assert_eq!(d.route(&Req::new("GET", "/v2/").with_header("Host", "localhost")).service, Some(Service::Registry));
    assert_eq!(d.route(&Req::new("GET", "/").with_header("Host", "localhost")).service, None);
    let r = send(&d, Req::new("GET", "/").with_header("Host", "localhost"));
    assert_eq!(r.status, 404);
    // A signature that cannot be read gets the service's own error.
    let bad = Req::new("POST", "/")
        .with_header("Host", "api.ecr.ap-northeast-1.amazonaws.com")
        .with_header("Authorization", "AWS4-HMAC-SHA256 Credential=x");
    let r = send(&d, bad);
    assert_eq!(r.status, 400);
    assert!(r.text().contains("IncompleteSignatureException"), "{}", r.text());
}

/// An ECR call signed with `keys` for `scope` at `at`.
fn ecr_call_as(keys: &sigv4::Keys, scope: (&str, &str), at: u64) -> Req {
    let req = Req::new("POST", "/")
        .with_header("X-Amz-Target", "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken")
        .with_header("Content-Type", http::AMZ_JSON)
        .with_body("{}");
    signed_with(keys, scope, at, "api.ecr.ap-northeast-1.amazonaws.com", req)
}

fn json_of(r: &Resp) -> Value {
    serde_json::from_slice(&r.body).unwrap_or(Value::Null)
}

#[test]
fn json_services_refuse_signatures_in_corals_words() {
    let d = door();
    let refused = |req: Req| {
        let r = send(&d, req);
        assert!(r.header("x-amzn-RequestId").is_some(), "{r:?}");
        (r.status, json_of(&r))
    };
    let invalid_token = json!({"__type": "UnrecognizedClientException",
                               "message": "The security token included in the request is invalid."});
    // A key no one issued; a key without its session token.
    let stranger = sigv4::Keys { access_key_id: "AKIAUNKNOWNKEY000000".into(), ..keys() };
    assert_eq!(refused(ecr_call_as(&stranger, (REGION, "ecr"), NOW)), (400, invalid_token.clone()));
    let bare = sigv4::Keys { session_token: None, ..keys() };
    assert_eq!(refused(ecr_call_as(&bare, (REGION, "ecr"), NOW)), (400, invalid_token));
    // Another secret: Coral shows what it signed.
    let wrong = sigv4::Keys { secret_access_key: "not-the-secret".into(), ..keys() };
    let (st, v) = refused(ecr_call_as(&wrong, (REGION, "ecr"), NOW));
    assert_eq!((st, &v["__type"]), (400, &json!("InvalidSignatureException")));
    let m = v["message"].as_str().unwrap();
    assert!(
        m.starts_with(
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\nThe Canonical String for this request should have been\n'POST\n/\n\ncontent-type:application/x-amz-json-1.1\nhost:api.ecr.ap-northeast-1.amazonaws.com\n"
        ),
        "{m}"
    );
    assert!(
        m.contains("'\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n20241031T113811Z\n20241031/ap-northeast-1/ecr/aws4_request\n")
            && m.ends_with("'\n"),
        "{m}"
    );
    let message = |req: Req| {
        let (st, v) = refused(req);
        assert_eq!((st, &v["__type"]), (400, &json!("InvalidSignatureException")), "{v}");
        v["message"].as_str().unwrap().to_string()
    };
    // Sixteen minutes late, and early.
    assert_eq!(
        message(ecr_call_as(&keys(), (REGION, "ecr"), NOW - 16 * 60)),
        "Signature expired: 20241031T112211Z is now earlier than 20241031T112311Z (20241031T113811Z - 15 min.)"
    );
    assert_eq!(
        message(ecr_call_as(&keys(), (REGION, "ecr"), NOW + 16 * 60)),
        "Signature not yet current: 20241031T115411Z is still later than 20241031T115311Z (20241031T113811Z + 15 min.)"
    );
    // Logs, SSM, Secrets Manager and ECS allow five minutes, not fifteen.
    let logs = |at: u64| {
        let req = Req::new("POST", "/").with_header("X-Amz-Target", "Logs_20140328.CreateLogStream").with_body("{}");
        signed_with(&keys(), (REGION, "logs"), at, "logs.ap-northeast-1.amazonaws.com", req)
    };
    assert_eq!(
        message(logs(NOW - 6 * 60)),
        "Signature expired: 20241031T113211Z is now earlier than 20241031T113311Z (20241031T113811Z - 5 min.)"
    );
    let poll =
        Req::new("POST", "/").with_header("X-Amz-Target", "AmazonEC2ContainerServiceV20141113.DiscoverPollEndpoint");
    let poll =
        signed_with(&keys(), (REGION, "ecs"), NOW + 6 * 60, "ecs.ap-northeast-1.amazonaws.com", poll.with_body("{}"));
    assert_eq!(
        message(poll),
        "Signature not yet current: 20241031T114411Z is still later than 20241031T114311Z (20241031T113811Z + 5 min.)"
    );
    // Another region; another service on ECR's endpoint (AWS answers by endpoint).
    assert_eq!(
        message(ecr_call_as(&keys(), ("us-east-1", "ecr"), NOW)),
        "Credential should be scoped to a valid region, not 'us-east-1'. "
    );
    let r = ecr_call_as(&keys(), (REGION, "logs"), NOW);
    assert_eq!(d.route(&r).service, Some(Service::Ecr));
    assert_eq!(message(r), "Credential should be scoped to correct service: 'ecr'. ");
    assert_eq!(
        message(ecr_call_as(&keys(), ("us-west-2", "ssm"), NOW)),
        "Credential should be scoped to a valid region, not 'us-west-2'. Credential should be scoped to correct service: 'ecr'. "
    );
    // Every JSON door checks, each in the same words.
    for (service, target) in [
        ("logs", "Logs_20140328.CreateLogStream"),
        ("secretsmanager", "secretsmanager.GetSecretValue"),
        ("ssm", "AmazonSSM.GetParameters"),
        ("ecs", "AmazonEC2ContainerServiceV20141113.DiscoverPollEndpoint"),
    ] {
        let req = Req::new("POST", "/").with_header("X-Amz-Target", target).with_body("{}");
        let r = signed_with(&wrong, (REGION, service), NOW, &format!("{service}.{REGION}.amazonaws.com"), req);
        let (st, v) = refused(r);
        assert_eq!((st, &v["__type"]), (400, &json!("InvalidSignatureException")), "{service}: {v}");
    }
    // The agent's websocket on ACS.
    let ws = Req::new("GET", "/ws").with_header("Upgrade", "websocket");
    let ws = signed_with(&wrong, (REGION, "ecs"), NOW, "ecs-a.ap-northeast-1.amazonaws.com", ws);
    assert_eq!(refused(ws).0, 400);
}

#[test]
fn sts_refuses_signatures_as_a_query_service() {
    let d = door();
    let call = |keys: &sigv4::Keys, region: &str, at: u64| {
        let req = Req::new("POST", "/").with_body("Action=GetCallerIdentity&Version=2011-06-15");
        let r = send(&d, signed_with(keys, (region, "sts"), at, "sts.amazonaws.com", req));
        (r.status, r.text())
    };
    let error = |code: &str, message: &str| {
        format!(
            "<Error>\n    <Type>Sender</Type>\n    <Code>{code}</Code>\n    <Message>{message}</Message>\n  </Error>"
        )
    };
    // The global endpoint is signed for us-east-1; the lab's region is accepted too.
    assert_eq!(call(&keys(), "us-east-1", NOW).0, 200);
    assert_eq!(call(&keys(), REGION, NOW).0, 200);
    let stranger = sigv4::Keys { access_key_id: "AKIAUNKNOWNKEY000000".into(), ..keys() };
    let (st, t) = call(&stranger, "us-east-1", NOW);
    assert_eq!(st, 403);
    assert!(
        t.contains(&error("InvalidClientTokenId", "The security token included in the request is invalid.")),
        "{t}"
    );
    let (st, t) = call(&sigv4::Keys { session_token: None, ..keys() }, "us-east-1", NOW);
    assert!(st == 403 && t.contains("<Code>InvalidClientTokenId</Code>"), "{t}");
    let (st, t) = call(&sigv4::Keys { secret_access_key: "x".into(), ..keys() }, "us-east-1", NOW);
    assert_eq!(st, 403);
    assert!(t.contains("<Code>SignatureDoesNotMatch</Code>\n    <Message>The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\nThe Canonical String for this request should have been\n&apos;POST\n/\n"), "{t}");
    let (st, t) = call(&keys(), "us-east-1", NOW - 3600);
    assert_eq!(st, 403);
    assert!(
        t.contains(&error(
            "SignatureDoesNotMatch",
            "Signature expired: 20241031T103811Z is now earlier than 20241031T112311Z (20241031T113811Z - 15 min.)"
        )),
        "{t}"
    );
    let (st, t) = call(&keys(), "eu-west-1", NOW);
    assert_eq!(st, 403);
    assert!(
        t.contains(&error(
            "SignatureDoesNotMatch",
            "Credential should be scoped to a valid region, not &apos;eu-west-1&apos;. "
        )),
        "{t}"
    );
}

#[test]
fn s3_refuses_signatures_in_its_own_xml() {
    let d = door();
    let get = |keys: &sigv4::Keys, region: &str, at: u64, method: &str| {
        let r = send(
            &d,
            signed_with(keys, (region, "s3"), at, "b.s3.ap-northeast-1.amazonaws.com", Req::new(method, "/a/1")),
        );
        let body = r.text();
        (r.status, body)
    };
    let head = |code: &str, message: &str| {
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message>")
    };
    assert_eq!(get(&keys(), REGION, NOW, "GET"), (200, "one".to_string()));
    // A key S3 does not know, or a temporary one without its token.
    let stranger = sigv4::Keys { access_key_id: "AKIAUNKNOWNKEY000000".into(), ..keys() };
    let (st, t) = get(&stranger, REGION, NOW, "GET");
    assert_eq!(st, 403);
    let unknown = head("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.");
    assert!(
        t.starts_with(&format!("{unknown}<AWSAccessKeyId>AKIAUNKNOWNKEY000000</AWSAccessKeyId><RequestId>")),
        "{t}"
    );
    let (st, t) = get(&sigv4::Keys { session_token: None, ..keys() }, REGION, NOW, "GET");
    assert!(st == 403 && t.starts_with(&unknown), "{t}");
    // A token that is not the key's.
    let (st, t) = get(&sigv4::Keys { session_token: Some("forged".into()), ..keys() }, REGION, NOW, "GET");
    assert_eq!(st, 400);
    assert!(
        t.starts_with(&format!(
            "{}<Token-0>forged</Token-0>",
            head("InvalidToken", "The provided token is malformed or otherwise invalid.")
        )),
        "{t}"
    );
    // Another secret: S3 shows what it signed, and its bytes.
    let (st, t) = get(&sigv4::Keys { secret_access_key: "x".into(), ..keys() }, REGION, NOW, "GET");
    assert_eq!(st, 403);
    let mismatch = head(
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
    );
    assert!(
        t.starts_with(&format!(
            "{mismatch}<AWSAccessKeyId>{KEY}</AWSAccessKeyId><StringToSign>AWS4-HMAC-SHA256\n20241031T113811Z\n20241031/ap-northeast-1/s3/aws4_request\n"
        )),
        "{t}"
    );
    for e in [
        "<SignatureProvided>",
        "<StringToSignBytes>41 57 53 34 2d 48 4d 41 43",
        "<CanonicalRequest>GET\n/a/1\n\nhost:b.s3.",
        "<CanonicalRequestBytes>47 45 54 0a",
    ] {
        assert!(t.contains(e), "{e}: {t}");
    }
    // An hour late.
    let (st, t) = get(&keys(), REGION, NOW - 3600, "GET");
    assert_eq!(st, 403);
    assert!(
        t.starts_with(&format!(
            "{}<RequestTime>20241031T103811Z</RequestTime><ServerTime>2024-10-31T11:38:11Z</ServerTime><MaxAllowedSkewMilliseconds>900000</MaxAllowedSkewMilliseconds><RequestId>",
            head("RequestTimeTooSkewed", "The difference between the request time and the current time is too large.")
        )),
        "{t}"
    );
    // Signed for us-east-1 (the global endpoint's region): S3 names the bucket's.
    let (st, t) = get(&keys(), "us-east-1", NOW, "GET");
    assert_eq!(st, 400);
    assert!(
        t.starts_with(&format!(
            "{}<Region>ap-northeast-1</Region>",
            head(
                "AuthorizationHeaderMalformed",
                "The authorization header is malformed; the region &apos;us-east-1&apos; is wrong; expecting &apos;ap-northeast-1&apos;"
            )
        )),
        "{t}"
    );
    // HEAD: the status alone.
    assert_eq!(get(&stranger, REGION, NOW, "HEAD"), (403, String::new()));
    // Unsigned requests are S3's anonymous ones, as before.
    let anon = send(&d, Req::new("GET", "/a/1").with_header("Host", "b.s3.ap-northeast-1.amazonaws.com"));
    assert_eq!(anon.status, 200);
}

#[test]
fn the_registrys_layer_urls_are_presigned_and_expire() {
    let d = door();
    let url = ecr::layer_url(&d, "team/web", &format!("sha256:{}", "a".repeat(64)));
    let rest = url.strip_prefix("https://").unwrap();
    let (host, target) = rest.split_at(rest.find('/').unwrap());
    assert!(target.contains("X-Amz-Security-Token=") && target.contains("X-Amz-Expires=3600"), "{url}");
    let get = |d: &FrontDoor, target: &str| send(d, Req::new("GET", target).with_header("Host", host));
    // A blob the store does not have: the signature passed, S3 looked.
    assert_eq!(get(&d, target).status, 404);
    let tampered = target.replacen("/aaaa", "/bbbb", 1);
    let t = get(&d, &tampered).text();
    assert!(t.contains("<Code>SignatureDoesNotMatch</Code>"), "{t}");
    // A presigned URL that says it lives longer than a week.
    let long = target.replace("X-Amz-Expires=3600", "X-Amz-Expires=604801");
    let t = get(&d, &long).text();
    assert!(
        t.contains("<Code>AuthorizationQueryParametersError</Code><Message>X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds</Message>"),
        "{t}"
    );
    // An hour and a second later.
    let later = FrontDoor::new(&spec(), "lab".into(), Some(NOW + 3601));
    let r = get(&later, target);
    assert_eq!(r.status, 403);
    assert!(
        r.text().contains(
            "<Code>AccessDenied</Code><Message>Request has expired</Message><X-Amz-Expires>3600</X-Amz-Expires><Expires>2024-10-31T12:38:11Z</Expires><ServerTime>2024-10-31T12:38:12Z</ServerTime>"
        ),
        "{}",
        r.text()
    );
}

#[test]
fn listens_one_tcp_socket_per_door() {
    let l = spec().listens();
    assert_eq!(l.len(), 1);
    assert_eq!(l[0].addr, SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 5), 443));
    assert_eq!(l[0].proto, Proto::Tcp);
    assert_eq!(l[0].ns, "ecsnet.l.router");
    let d: Door = serde_json::from_value(json!({"ns": "", "addr": "10.0.0.5"})).unwrap();
    assert_eq!(d.port, 443);
}

#[test]
fn sts_names_the_caller() {
    let d = door();
    let body = "Action=GetCallerIdentity&Version=2011-06-15";
    let r = send(&d, signed("sts", "sts.amazonaws.com", Req::new("POST", "/").with_body(body)));
    assert_eq!(r.status, 200);
    let t = r.text();
    assert!(t.contains("<Arn>arn:aws:sts::123456789012:assumed-role/ecsTaskRole/abc</Arn>"), "{t}");
    assert!(t.contains("<Account>123456789012</Account>"));
    assert!(t.contains("<UserId>AROA"));
    assert!(t.contains(":abc</UserId>"));
    assert_eq!(r.header("content-type"), Some("text/xml"));
    // Unsigned: STS wants a signature.
    let r = send(&d, Req::new("POST", "/").with_header("Host", "sts.amazonaws.com").with_body(body));
    assert_eq!(r.status, 403);
    assert!(r.text().contains("<Code>MissingAuthenticationToken</Code>"));
    // GET with the query works too.
    let r = send(&d, signed("sts", "sts.amazonaws.com", Req::new("GET", "/?Action=GetCallerIdentity")));
    assert_eq!(r.status, 200);
    let r = send(&d, signed("sts", "sts.amazonaws.com", Req::new("POST", "/").with_body("Version=2011-06-15")));
    assert!(r.text().contains("<Code>MissingAction</Code>"));
}

#[test]
fn sts_user_ids_follow_the_arn() {
    assert_eq!(sts::user_id("arn:aws:iam::123456789012:root", "123456789012"), "123456789012");
    let u = sts::user_id("arn:aws:iam::123456789012:user/path/alice", "123456789012");
    assert!(u.starts_with("AIDA") && u.len() == 21, "{u}");
    let r = sts::user_id("arn:aws:sts::123456789012:assumed-role/r/s", "123456789012");
    assert_eq!(r.len(), 21 + 2);
    assert_eq!(r, sts::user_id("arn:aws:sts::123456789012:assumed-role/r/s", "123456789012"));
}

#[test]
fn ecr_api_answers() {
    let d = door();
    let t = |op: &str| format!("{}.{op}", ecr::TARGET_PREFIX);
    let call = |op: &str, body: Value| json_call(&d, "ecr", &t(op), body);
    let (s, v) = call("GetAuthorizationToken", json!({}));
    assert_eq!(s, 200);
    let a = &v["authorizationData"][0];
    assert_eq!(a["expiresAt"], NOW + 12 * 3600);
    assert_eq!(a["proxyEndpoint"], "https://123456789012.dkr.ecr.ap-northeast-1.amazonaws.com");
    use base64::Engine;
    let token = base64::engine::general_purpose::STANDARD.decode(a["authorizationToken"].as_str().unwrap()).unwrap();
    // The signer's own token: the registry evaluates IAM as its holder.
    let holder = "arn:aws:sts::123456789012:assumed-role/ecsTaskRole/abc";
    assert_eq!(String::from_utf8(token).unwrap(), format!("AWS:{}", ecr::holder_password(&d, holder)));
    assert_ne!(ecr::holder_password(&d, holder), d.registry_password);

    let (_, v) = call("DescribeRepositories", json!({}));
    assert_eq!(v["repositories"].as_array().unwrap().len(), 2);
    assert_eq!(v["repositories"][0]["repositoryUri"], "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/team/web");
    assert_eq!(v["repositories"][0]["createdAt"], NOW);
    let (s, v) = call("DescribeRepositories", json!({"repositoryNames": ["team/web", "x"]}));
    assert_eq!(s, 400);
    assert_eq!(v["__type"], "RepositoryNotFoundException");
    assert_eq!(v["message"], "The repository with name 'x' does not exist in the registry with id '123456789012'");
    let (s, v) = call("DescribeRepositories", json!({"registryId": "999999999999", "repositoryNames": ["team/web"]}));
    assert_eq!((s, v["message"].as_str().unwrap().ends_with("'999999999999'")), (400, true));

    let (_, v) = call("DescribeImages", json!({"repositoryName": "team/web"}));
    let digest = v["imageDetails"][0]["imageDigest"].as_str().unwrap().to_string();
    assert_eq!(v["imageDetails"][0]["imageSizeInBytes"], 1);
    let (_, v) = call("DescribeImages", json!({"repositoryName": "team/web", "imageIds": [{"imageDigest": digest}]}));
    assert_eq!(v["imageDetails"][0]["imageTags"], json!(["latest"]));
    let (s, v) =
        call("DescribeImages", json!({"repositoryName": "team/web", "imageIds": [{"imageDigest": "sha256:00"}]}));
    assert_eq!((s, v["__type"].as_str()), (400, Some("ImageNotFoundException")));
    assert!(v["message"].as_str().unwrap().contains("{imageDigest:'sha256:00', imageTag:'null'}"));
    let (_, v) = call("DescribeImages", json!({}));
    assert_eq!(v["__type"], "InvalidParameterException");

    let ids =
        json!([{"imageTag": "latest"}, {"imageTag": "nope"}, {}, {"imageTag": "latest", "imageDigest": "sha256:1"}]);
    let (s, v) = call("BatchGetImage", json!({"repositoryName": "team/web", "imageIds": ids}));
    assert_eq!(s, 200);
    assert_eq!(v["images"][0]["imageId"], json!({"imageDigest": digest, "imageTag": "latest"}));
    let codes: Vec<&str> =
        v["failures"].as_array().unwrap().iter().map(|f| f["failureCode"].as_str().unwrap()).collect();
    assert_eq!(codes, ["ImageNotFound", "MissingDigestAndTag", "ImageNotFound"]);

    let (s, v) = call("PutImage", json!({}));
    assert_eq!((s, v["__type"].as_str()), (400, Some("com.amazon.coral.service#UnknownOperationException")));
}

#[test]
fn registry_paths() {
    use ecr::RegistryPath as P;
    let m = |n: &str, r: &str| P::Manifest { name: n.into(), reference: r.into() };
    assert_eq!(ecr::registry_path("/v2/"), P::Base);
    assert_eq!(ecr::registry_path("/v2"), P::Base);
    assert_eq!(ecr::registry_path("/v2/team/web/manifests/latest"), m("team/web", "latest"));
    assert_eq!(ecr::registry_path("/v2/a/manifests/b/manifests/sha256:1"), m("a/manifests/b", "sha256:1"));
    assert_eq!(
        ecr::registry_path("/v2/web/blobs/sha256%3Aab"),
        P::Blob { name: "web".into(), digest: "sha256:ab".into() }
    );
    assert_eq!(ecr::registry_path("/v2/web/tags/list"), P::Tags { name: "web".into() });
    assert_eq!(ecr::registry_path("/v2/web/manifests/"), P::Other);
    assert_eq!(ecr::registry_path("/v2/manifests/x"), P::Other);
    assert_eq!(ecr::registry_path("/v3/"), P::Other);
    assert_eq!(
        ecr::digest_of_layer_key(&format!("x-1-y/{}", "A".repeat(64))),
        Some(format!("sha256:{}", "a".repeat(64)))
    );
    assert_eq!(ecr::digest_of_layer_key("x/abc"), None);
}

#[test]
fn registry_pull() {
    let d = door();
    let host = d.registry_host();
    use base64::Engine;
    let basic =
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("AWS:{}", d.registry_password)));
    let get = |path: &str, auth: Option<&str>| {
        let mut r = Req::new("GET", path).with_header("Host", &host);
        if let Some(a) = auth {
            r = r.with_header("Authorization", a);
        }
        send(&d, r)
    };
    let r = get("/v2/", None);
    assert_eq!(r.status, 401);
    assert_eq!(
        r.header("www-authenticate"),
        Some(
            "Basic realm=\"https://123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/\",service=\"ecr.amazonaws.com\""
        )
    );
    assert_eq!(get("/v2/", Some("Basic !!!")).status, 401);
    assert_eq!(get("/v2/", Some("Basic QVdTOng=")).status, 401);
    assert_eq!(get("/v2/", Some(&basic)).status, 200);
    let m = get("/v2/team/web/manifests/latest", Some(&basic));
    assert_eq!(m.status, 200);
    let digest = m.header("docker-content-digest").unwrap().to_string();
    assert_eq!(digest, http::sha256_digest(&m.body));
    assert_eq!(get(&format!("/v2/team/web/manifests/{digest}"), Some(&basic)).body, m.body);
    let manifest: Value = serde_json::from_slice(&m.body).unwrap();
    let layer = manifest["layers"][0]["digest"].as_str().unwrap();
    let b = get(&format!("/v2/team/web/blobs/{layer}"), Some(&basic));
    assert_eq!(b.status, 307);
    let loc = b.header("location").unwrap();
    let rest =
        loc.strip_prefix("https://prod-ap-northeast-1-starport-layer-bucket.s3.ap-northeast-1.amazonaws.com/").unwrap();
    let (path, query) = rest.split_once('?').unwrap();
    assert!(path.ends_with(layer.trim_start_matches("sha256:")));
    assert!(query.contains("X-Amz-Credential=") && query.contains("X-Amz-Signature="));
    // The layer bucket serves it, unsigned in headers (presigned query).
    let host_l = loc.trim_start_matches("https://").split('/').next().unwrap();
    let s = send(&d, Req::new("GET", &format!("/{path}?{query}")).with_header("Host", host_l));
    assert_eq!((s.status, &s.body[..]), (200, &b"a"[..]));
    assert!(s.header("x-amz-request-id").is_some());
    // Errors as the registry words them.
    let e: Value = serde_json::from_slice(&get("/v2/none/manifests/latest", Some(&basic)).body).unwrap();
    assert_eq!(e["errors"][0]["code"], "NAME_UNKNOWN");
    assert_eq!(get("/v2/team/web/blobs/sha256:00", Some(&basic)).status, 404);
    assert_eq!(get("/v2/empty/manifests/latest", Some(&basic)).status, 404);
    let head = send(
        &d,
        Req::new("HEAD", &format!("/v2/team/web/blobs/{layer}"))
            .with_header("Host", &host)
            .with_header("Authorization", &basic),
    );
    assert_eq!((head.status, head.header("content-length"), head.body.len()), (200, Some("1"), 0));
    let push = send(
        &d,
        Req::new("PUT", "/v2/team/web/manifests/x").with_header("Host", &host).with_header("Authorization", &basic),
    );
    assert_eq!(push.status, 405);
    let other = Req::new("GET", "/v2/team/web/manifests/latest")
        .with_header("Host", "999999999999.dkr.ecr.ap-northeast-1.amazonaws.com")
        .with_header("Authorization", &basic);
    let e: Value = serde_json::from_slice(&send(&d, other).body).unwrap();
    assert_eq!(
        e["errors"][0]["message"],
        "The repository with name 'team/web' does not exist in the registry with id '999999999999'"
    );
    let tags: Value = serde_json::from_slice(&get("/v2/team/web/tags/list", Some(&basic)).body).unwrap();
    assert_eq!(tags, json!({"name": "team/web", "tags": ["latest"]}));
}

fn s3_req(method: &str, target: &str) -> Req {
    signed("s3", "s3.ap-northeast-1.amazonaws.com", Req::new(method, target))
}

#[test]
fn s3_objects() {
    let d = door();
    let r = send(&d, s3_req("GET", "/b/a/1"));
    assert_eq!((r.status, r.text().as_str()), (200, "one"));
    assert_eq!(r.header("last-modified"), Some("Thu, 31 Oct 2024 11:38:11 GMT"));
    assert!(r.header("x-amz-request-id").is_some() && r.header("x-amz-id-2").is_some());
    // Virtual-hosted, with an aws-chunked body as botocore sends it over HTTPS.
    let put = Req::new("PUT", "/new%20key")
        .with_header("Content-Encoding", "aws-chunked")
        .with_header("Content-Type", "text/plain")
        .with_body("3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\n");
    let put = signed("s3", "b.s3.ap-northeast-1.amazonaws.com", put);
    let r = send(&d, put);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("etag"), Some("\"900150983cd24fb0d6963f7d28e17f72\""));
    let r = send(&d, s3_req("GET", "/b/new%20key"));
    assert_eq!((r.text().as_str(), r.header("content-type")), ("abc", Some("text/plain")));
    let r = send(&d, s3_req("GET", "/b/new%20key").with_header("Range", "bytes=1-"));
    assert_eq!((r.status, r.text().as_str(), r.header("content-range")), (206, "bc", Some("bytes 1-2/3")));
    let r = send(&d, s3_req("GET", "/b/new%20key").with_header("Range", "bytes=5-"));
    assert_eq!(r.status, 416);
    let r = send(&d, s3_req("GET", "/b/missing"));
    assert_eq!(r.status, 404);
    let id = r.header("x-amz-request-id").unwrap().to_string();
    assert!(r.text().starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>missing</Key>"));
    assert!(r.text().contains(&format!("<RequestId>{id}</RequestId>")), "one id in the body and the header");
    let r = send(&d, s3_req("HEAD", "/b/missing"));
    assert_eq!((r.status, r.body.len()), (404, 0));
    let r = send(&d, s3_req("GET", "/nob/x"));
    assert!(r.text().contains(
        "<Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><BucketName>nob</BucketName>"
    ));
    assert_eq!(send(&d, s3_req("DELETE", "/b/c")).status, 204);
    assert_eq!(send(&d, s3_req("GET", "/b/c")).status, 404);
    assert_eq!(send(&d, s3_req("HEAD", "/b")).header("x-amz-bucket-region"), Some(REGION));
    assert_eq!(send(&d, s3_req("HEAD", "/nob")).status, 404);
    assert!(send(&d, s3_req("GET", "/b?location")).text().contains(">ap-northeast-1</LocationConstraint>"));
    assert_eq!(send(&d, s3_req("GET", "/b/a/1?acl")).status, 501);
    let list = send(&d, s3_req("GET", "/"));
    assert_eq!(list.status, 200);
    assert!(
        list.text().contains(
            "<Buckets><Bucket><Name>b</Name><CreationDate>2024-10-31T11:38:11.000Z</CreationDate></Bucket></Buckets>"
        ),
        "{}",
        list.text()
    );
    assert_eq!(send(&d, s3_req("PUT", "/")).status, 501);
    // The layer bucket is read-only.
    assert_eq!(send(&d, s3_req("PUT", "/prod-ap-northeast-1-starport-layer-bucket/x")).status, 403);
}

#[test]
fn s3_lists() {
    let d = door();
    let list = |q: &str| send(&d, s3_req("GET", &format!("/b?list-type=2{q}"))).text();
    let all = list("");
    assert!(all.contains("<KeyCount>4</KeyCount>") && all.contains("<IsTruncated>false</IsTruncated>"), "{all}");
    assert!(all.contains("<Key>a/1</Key><LastModified>2024-10-31T11:38:11.000Z</LastModified><ETag>&quot;"));
    let top = list("&delimiter=%2F&encoding-type=url");
    assert!(
        top.contains(
            "<CommonPrefixes><Prefix>a/</Prefix></CommonPrefixes><CommonPrefixes><Prefix>b/</Prefix></CommonPrefixes>"
        ),
        "{top}"
    );
    assert!(
        top.contains("<Key>c</Key>")
            && top.contains("<EncodingType>url</EncodingType>")
            && top.contains("<KeyCount>3</KeyCount>")
    );
    // Two pages of two, then the rest.
    let p1 = list("&max-keys=2");
    assert!(
        p1.contains("<IsTruncated>true</IsTruncated>")
            && p1.contains("<Key>a/2</Key>")
            && !p1.contains("<Key>b/3</Key>")
    );
    let token = p1.split("<NextContinuationToken>").nth(1).unwrap().split('<').next().unwrap();
    let p2 = list(&format!("&max-keys=2&continuation-token={}", http::url_encode(token)));
    assert!(p2.contains("<Key>b/3</Key><") && p2.contains("<Key>c</Key>") && !p2.contains("<Key>a/"), "{p2}");
    assert!(list("&prefix=b").contains("<KeyCount>1</KeyCount>"));
    assert!(list("&start-after=b%2F3").contains("<Key>c</Key>"));
    assert!(list("&continuation-token=%25%25").contains("<Code>InvalidArgument</Code>"));
    // Paging through common prefixes does not repeat one.
    let p = list("&delimiter=/&max-keys=1");
    let t = p.split("<NextContinuationToken>").nth(1).unwrap().split('<').next().unwrap().to_string();
    let p = list(&format!("&delimiter=/&max-keys=1&continuation-token={}", http::url_encode(&t)));
    assert!(p.contains("<Prefix>b/</Prefix>") && !p.contains("<Prefix>a/</Prefix></CommonPrefixes>"), "{p}");
}

#[test]
fn byte_ranges() {
    use s3::{Range, byte_range};
    assert_eq!(byte_range(None, 10), Range::Whole);
    assert_eq!(byte_range(Some("bytes=0-4"), 10), Range::Part(0, 4));
    assert_eq!(byte_range(Some("bytes=5-100"), 10), Range::Part(5, 9));
    assert_eq!(byte_range(Some("bytes=-3"), 10), Range::Part(7, 9));
    assert_eq!(byte_range(Some("bytes=-30"), 10), Range::Part(0, 9));
    assert_eq!(byte_range(Some("bytes=0-1,3-4"), 10), Range::Whole);
    for bad in ["bytes=10-", "bytes=5-2", "bytes=-0", "bytes=x-1", "bytes=1", "bytes=0-"] {
        let len = if bad == "bytes=0-" { 0 } else { 10 };
        assert_eq!(byte_range(Some(bad), len), Range::Unsatisfiable, "{bad}");
    }
}

#[test]
fn logs_streams_and_events() {
    let d = door();
    let t = |op: &str| format!("{}.{op}", logs::TARGET_PREFIX);
    let call = |op: &str, body: Value| json_call(&d, "logs", &t(op), body);
    let (s, _) = call("CreateLogStream", json!({"logGroupName": "/ecs/web", "logStreamName": "new"}));
    assert_eq!(s, 200);
    let (s, v) = call("CreateLogStream", json!({"logGroupName": "/ecs/web", "logStreamName": "new"}));
    assert_eq!((s, v["__type"].as_str()), (400, Some("ResourceAlreadyExistsException")));
    let (_, v) = call("CreateLogStream", json!({"logGroupName": "/none", "logStreamName": "x"}));
    assert_eq!(v, json!({"__type": "ResourceNotFoundException", "message": "The specified log group does not exist."}));
    let now_ms = (NOW * 1000) as i64;
    let events = json!([
        {"timestamp": now_ms - 15 * 86_400_000, "message": "old"},
        {"timestamp": now_ms, "message": "now"},
        {"timestamp": now_ms + 3 * 3_600_000, "message": "future"}
    ]);
    let (s, v) = call("PutLogEvents", json!({"logGroupName": "/ecs/web", "logStreamName": "new", "logEvents": events}));
    assert_eq!(s, 200);
    assert_eq!(v["rejectedLogEventsInfo"], json!({"tooOldLogEventEndIndex": 0, "tooNewLogEventStartIndex": 2}));
    assert_eq!(v["nextSequenceToken"].as_str().unwrap().len(), 56);
    let (_, v) = call("GetLogEvents", json!({"logGroupName": "/ecs/web", "logStreamName": "new"}));
    assert_eq!(v["events"][0]["message"], "now");
    assert_eq!(v["events"].as_array().unwrap().len(), 1);
    let (_, v) = call("PutLogEvents", json!({"logGroupName": "/ecs/web", "logStreamName": "gone", "logEvents": []}));
    assert_eq!(v["message"], "The specified log stream does not exist.");
    let (_, v) =
        call("PutLogEvents", json!({"logGroupName": "/ecs/web", "logStreamName": "s", "logEvents": [{"message": 1}]}));
    assert_eq!(v["__type"], "InvalidParameterException");
    let (_, v) = call("PutLogEvents", json!({"logGroupName": "/ecs/web"}));
    assert_eq!(v["__type"], "InvalidParameterException");
}

#[test]
fn logs_keep_a_bounded_tail() {
    let d = door();
    let now_ms = (NOW * 1000) as i64;
    let batch: Vec<Value> =
        (0..data::MAX_EVENTS + 5).map(|i| json!({"timestamp": now_ms, "message": i.to_string()})).collect();
    let target = format!("{}.PutLogEvents", logs::TARGET_PREFIX);
    json_call(&d, "logs", &target, json!({"logGroupName": "/ecs/web", "logStreamName": "s", "logEvents": batch}));
    let store = d.store.lock().unwrap();
    let s = &store.log_groups["/ecs/web"]["s"];
    assert_eq!(s.events.len(), data::MAX_EVENTS);
    assert_eq!(s.events[0].1, "5");
}

#[test]
fn secrets_by_name_and_arn() {
    let d = door();
    let t = format!("{}.GetSecretValue", secrets_manager::TARGET_PREFIX);
    let call = |body: Value| json_call(&d, "secretsmanager", &t, body);
    let (s, v) = call(json!({"SecretId": "db"}));
    assert_eq!(s, 200);
    let arn = v["ARN"].as_str().unwrap().to_string();
    assert_eq!(v["CreatedDate"], NOW);
    assert_eq!(v["VersionStages"], json!(["AWSCURRENT"]));
    assert_eq!(call(json!({"SecretId": arn})).1["SecretString"], "pw");
    let partial = arn.rsplit_once('-').unwrap().0.to_string();
    assert_eq!(call(json!({"SecretId": partial})).1["SecretString"], "pw");
    let (s, v) = call(json!({"SecretId": "nope"}));
    assert_eq!(
        (s, v),
        (
            400,
            json!({"__type": "ResourceNotFoundException", "Message": "Secrets Manager can't find the specified secret."})
        )
    );
    let (_, v) = call(json!({"SecretId": "db", "VersionStage": "AWSPREVIOUS"}));
    assert_eq!(v["Message"], "Secrets Manager can't find the specified secret value for staging label: AWSPREVIOUS");
    let (_, v) = call(json!({}));
    assert_eq!(v["__type"], "InvalidParameterException");
}

#[test]
fn ssm_parameters() {
    let d = door();
    let t = |op: &str| format!("{}.{op}", ssm::TARGET_PREFIX);
    let (_, v) =
        json_call(&d, "ssm", &t("GetParameters"), json!({"Names": ["/p/secure", "x"], "WithDecryption": true}));
    assert_eq!(v["Parameters"][0]["Value"], "v");
    assert_eq!(v["Parameters"][0]["ARN"], "arn:aws:ssm:ap-northeast-1:123456789012:parameter/p/secure");
    assert_eq!(v["InvalidParameters"], json!(["x"]));
    let (_, v) = json_call(&d, "ssm", &t("GetParameters"), json!({"Names": ["/p/secure"]}));
    assert_ne!(v["Parameters"][0]["Value"], "v", "no plaintext without WithDecryption");
    let (_, v) = json_call(
        &d,
        "ssm",
        &t("GetParameter"),
        json!({"Name": "arn:aws:ssm:ap-northeast-1:123456789012:parameter/p/secure", "WithDecryption": true}),
    );
    assert_eq!(v["Parameter"]["Value"], "v");
    let (s, v) = json_call(&d, "ssm", &t("GetParameter"), json!({"Name": "nope"}));
    assert_eq!((s, v["__type"].as_str()), (400, Some("ParameterNotFound")));
}

#[test]
fn bodies_over_the_cap_get_each_services_error() {
    let d = door();
    let over = |req: Req| {
        let r = d.too_large(&d.route(&req));
        (r.status, r.text())
    };
    let (s, t) = over(s3_req("PUT", "/b/k"));
    assert_eq!(s, 400);
    assert!(t.contains("<Code>EntityTooLarge</Code>") && t.contains("<MaxSizeAllowed>16777216</MaxSizeAllowed>"));
    let (s, t) = over(signed("logs", "logs.ap-northeast-1.amazonaws.com", Req::new("POST", "/")));
    assert_eq!(s, 413);
    assert!(t.contains("RequestEntityTooLargeException"));
    assert_eq!(over(signed("sts", "sts.amazonaws.com", Req::new("POST", "/"))).0, 413);
}

/// A tiny deterministic generator, so the no-panic sweep is the same on every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

#[test]
fn no_input_makes_a_handler_panic() {
    let d = door();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let hosts = [
        "sts.amazonaws.com",
        "api.ecr.ap-northeast-1.amazonaws.com",
        "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com",
        "b.s3.ap-northeast-1.amazonaws.com",
        "s3.amazonaws.com",
        "prod-ap-northeast-1-starport-layer-bucket.s3.ap-northeast-1.amazonaws.com",
        "logs.ap-northeast-1.amazonaws.com",
        "secretsmanager.ap-northeast-1.amazonaws.com",
        "ssm.ap-northeast-1.amazonaws.com",
        "localhost",
        "",
        "[::1",
        ":::",
    ];
    let targets = [
        "AmazonEC2ContainerRegistry_V20150921.DescribeImages",
        "AmazonEC2ContainerRegistry_V20150921.BatchGetImage",
        "AmazonEC2ContainerRegistry_V20150921.DescribeRepositories",
        "Logs_20140328.PutLogEvents",
        "Logs_20140328.CreateLogStream",
        "secretsmanager.GetSecretValue",
        "AmazonSSM.GetParameters",
        "AmazonSSM.GetParameter",
        "",
        ".",
        "AmazonSSM.",
    ];
    let paths = [
        "/",
        "/v2/",
        "/v2/team/web/manifests/latest",
        "/v2/team/web/blobs/sha256:",
        "/v2/%ff%fe/manifests/%00",
        "/b",
        "/b/",
        "/b/a/1",
        "/b?list-type=2&max-keys=-1",
        "/b?list-type=2&continuation-token=",
        "/b?list-type=2&delimiter=",
        "/%",
        "//",
        "/?Action=GetCallerIdentity",
        "/x-1-y/0000",
        "/b/k?x-id=PutObject",
        "/b/a/1?X-Amz-Credential=ASIATESTKEY%2F20241031%2Fap-northeast-1%2Fs3%2Faws4_request&X-Amz-SignedHeaders=host&X-Amz-Signature=0&X-Amz-Date=20241031T113811Z&X-Amz-Expires=x",
        "/b/a/1?X-Amz-Credential=A%2F20241031%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-SignedHeaders=&X-Amz-Signature=%zz&X-Amz-Date=99999999T999999Z&X-Amz-Expires=18446744073709551615",
        "/./../%2e%2E//a?%=%&&=",
    ];
    let bodies = [
        "",
        "{",
        "[]",
        "null",
        "{\"repositoryName\":1}",
        "{\"repositoryName\":\"team/web\",\"imageIds\":[1,null,{}]}",
        "{\"logGroupName\":\"/ecs/web\",\"logStreamName\":\"s\",\"logEvents\":[{\"timestamp\":-9223372036854775808,\"message\":\"x\"}]}",
        "{\"logGroupName\":\"/ecs/web\",\"logStreamName\":\"s\",\"logEvents\":[{\"timestamp\":9223372036854775807,\"message\":\"x\"}]}",
        "{\"Names\":[1,2]}",
        "{\"SecretId\":\"arn:\"}",
        "Action=GetCallerIdentity",
        "Action=",
        "a=%zz&&=",
        "ffffffffffffffff\r\n",
        "\u{0}\u{1}",
    ];
    let auths = [
        None,
        Some(
            "AWS4-HMAC-SHA256 Credential=ASIATESTKEY/20241031/ap-northeast-1/s3/aws4_request, SignedHeaders=host, Signature=0",
        ),
        Some("AWS4-HMAC-SHA256 Credential=/////, SignedHeaders=, Signature="),
        Some("AWS4-HMAC-SHA256 ,,,=,="),
        Some(
            "AWS4-HMAC-SHA256 Credential=ASIATESTKEY/20241031/ap-northeast-1/ecr/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=00",
        ),
        Some(
            "AWS4-HMAC-SHA256 Credential=ASIATESTKEY/99991399/us-east-1/sts/aws4_request, SignedHeaders=;;;, Signature=zz",
        ),
        Some("Basic"),
        Some("Basic =="),
        Some("Bearer x"),
    ];
    let methods = ["GET", "HEAD", "PUT", "POST", "DELETE", "PATCH"];
    let ranges = ["bytes=", "bytes=-", "bytes=18446744073709551615-", "bytes=0-18446744073709551615", "x"];
    let dates = [
        "20241031T113811Z",
        "20241031T000000Z",
        "99991231T235959Z",
        "00000101T000000Z",
        "Thu, 31 Oct 2024 11:38:11 GMT",
        "x",
        "",
    ];
    for _ in 0..4000 {
        let mut r = Req::new(rng.pick(&methods), rng.pick(&paths))
            .with_header("Host", rng.pick(&hosts))
            .with_header("X-Amz-Target", rng.pick(&targets))
            .with_body(rng.pick(&bodies));
        if let Some(a) = auths[(rng.next() % auths.len() as u64) as usize] {
            r = r.with_header("Authorization", a);
        }
        if rng.next() % 3 == 0 {
            r = r.with_header("Range", rng.pick(&ranges)).with_header("Content-Encoding", "aws-chunked");
        }
        if rng.next() % 2 == 0 {
            r = r.with_header(if rng.next() % 4 == 0 { "Date" } else { "X-Amz-Date" }, rng.pick(&dates));
        }
        if rng.next() % 3 == 0 {
            r = r.with_header("X-Amz-Security-Token", TOKEN).with_header("X-Amz-Content-Sha256", rng.pick(&dates));
        }
        let routed = d.route(&r);
        let a = d.handle(&routed, &r);
        assert!((200..600).contains(&a.status), "{r:?} -> {a:?}");
        let _ = d.too_large(&routed);
    }
}

#[test]
fn the_agent_hosts_a_front_door() {
    use crate::services::{AgentConfig, ServiceSpec, serve};
    let ca = LabCa::generate("agent-test").unwrap();
    let j = json!({"lab": "l", "services": [{
        "kind": "front_door",
        "listen": [{"ns": "", "addr": "127.0.0.1", "port": 0}],
        "region": REGION, "account": ACCOUNT,
        "ca_cert_pem": ca.cert_pem, "ca_key_pem": ca.key_pem,
        "names": ["localhost"]
    }]});
    let c: AgentConfig = serde_json::from_value(j).unwrap();
    let ServiceSpec::FrontDoor(s) = &c.services[0] else { panic!("{c:?}") };
    assert_eq!((s.credentials.len(), s.data.clone()), (0, Data::default()));
    assert_eq!(serde_json::from_value::<AgentConfig>(serde_json::to_value(&c).unwrap()).unwrap(), c);
    // Bound on loopback in this namespace, started, and stopped at once.
    let mut ready = false;
    serve(&c, || ready = true, || async {}).unwrap();
    assert!(ready);
    // A CA that cannot be read fails the start, not the first handshake.
    let mut bad = c.clone();
    if let ServiceSpec::FrontDoor(s) = &mut bad.services[0] {
        s.ca_key_pem = "junk".into();
    }
    assert!(serve(&bad, || panic!("not ready"), || async {}).is_err());
}

/// A door whose caller (`ecsTaskRole`, key KEY) is declared with `policy` as its only policy,
/// and whose data has `extra` merged in (resource policies).
fn door_with(policy: &str, extra: Value) -> FrontDoor {
    use crate::scenario::role::{InlinePolicy, Role};
    let mut sp = spec();
    sp.data.roles = vec![Role {
        name: "ecsTaskRole".into(),
        policies: vec![InlinePolicy { name: "p".into(), document: policy.into() }],
        ..Role::default()
    }];
    let mut data = serde_json::to_value(&sp.data).unwrap();
    for (k, v) in extra.as_object().unwrap() {
        data[k] = v.clone();
    }
    sp.data = serde_json::from_value(data).unwrap();
    FrontDoor::new(&sp, "lab".into(), Some(NOW))
}

const CALLER: &str = "arn:aws:sts::123456789012:assumed-role/ecsTaskRole/abc";

fn allow(action: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"*"}}]}}"#)
}

#[test]
fn s3_answers_iams_denial_with_the_same_account_message() {
    let d = door_with(&allow("s3:ListBucket"), json!({}));
    let r = send(&d, s3_req("GET", "/b/a/1"));
    assert_eq!(r.status, 403);
    let body = r.text();
    let want = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>User: {CALLER} is not authorized to perform: s3:GetObject on resource: &quot;arn:aws:s3:::b/a/1&quot; because no identity-based policy allows the s3:GetObject action</Message><RequestId>"
    );
    assert!(body.starts_with(&want), "{body}");
    let id = r.header("x-amz-request-id").unwrap();
    assert!(
        body.contains(&format!("<RequestId>{id}</RequestId><HostId>")) && body.ends_with("</HostId></Error>"),
        "{body}"
    );
    // HEAD: the status alone.
    let h = send(&d, s3_req("HEAD", "/b/a/1"));
    assert_eq!((h.status, h.body.len()), (403, 0));
    // Listing is allowed; a put and ListBuckets are not, each with its own action.
    assert_eq!(send(&d, s3_req("GET", "/b?list-type=2")).status, 200);
    assert!(
        send(&d, s3_req("PUT", "/b/k"))
            .text()
            .contains("perform: s3:PutObject on resource: &quot;arn:aws:s3:::b/k&quot;")
    );
    assert!(send(&d, s3_req("GET", "/")).text().contains(&format!(
        "User: {CALLER} is not authorized to perform: s3:ListAllMyBuckets because no identity-based policy allows the s3:ListAllMyBuckets action"
    )));
    // IAM before the bucket: a bucket that does not exist is denied the same.
    assert_eq!(send(&d, s3_req("GET", "/nob/x")).status, 403);
    // A bucket policy naming the role's session allows alone; its Deny wins over the role's s3:*.
    let bp = json!([{"name": "b", "objects": {"k": "v", "private/k": "p"}, "policy":
        r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:sts::123456789012:assumed-role/ecsTaskRole/abc"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},
                        {"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/private/*"}]}"#}]);
    let d = door_with(&allow("sqs:*"), json!({ "buckets": bp }));
    assert_eq!(send(&d, s3_req("GET", "/b/k")).status, 200);
    let r = send(&d, s3_req("GET", "/b/private/k"));
    assert!(
        r.text().contains(
            "on resource: &quot;arn:aws:s3:::b/private/k&quot; with an explicit deny in a resource-based policy"
        ),
        "{}",
        r.text()
    );
    let d = door_with(&allow("s3:*"), json!({ "buckets": bp }));
    assert_eq!(send(&d, s3_req("GET", "/b/private/k")).status, 403);
    // The layer bucket is not the caller's to authorize: ECR presigns its URLs.
    assert_eq!(
        s3::iam_request(Some("prod-ap-northeast-1-starport-layer-bucket"), REGION, &Req::new("GET", "/x")),
        None
    );
}

#[test]
fn s3_calls_name_the_actions_of_s3s_authorization_reference() {
    let call = |m: &str, t: &str| s3::iam_request(None, REGION, &Req::new(m, t)).map(|(a, r)| format!("{a} {r}"));
    assert_eq!(call("GET", "/b/k/x").as_deref(), Some("s3:GetObject arn:aws:s3:::b/k/x"));
    assert_eq!(call("HEAD", "/b/k").as_deref(), Some("s3:GetObject arn:aws:s3:::b/k"));
    assert_eq!(call("GET", "/b/k?versionId=1").as_deref(), Some("s3:GetObjectVersion arn:aws:s3:::b/k"));
    assert_eq!(call("PUT", "/b/k?x-id=PutObject").as_deref(), Some("s3:PutObject arn:aws:s3:::b/k"));
    assert_eq!(call("DELETE", "/b/k").as_deref(), Some("s3:DeleteObject arn:aws:s3:::b/k"));
    assert_eq!(call("GET", "/b?list-type=2&prefix=a").as_deref(), Some("s3:ListBucket arn:aws:s3:::b"));
    assert_eq!(call("HEAD", "/b").as_deref(), Some("s3:ListBucket arn:aws:s3:::b"));
    assert_eq!(call("GET", "/b?location").as_deref(), Some("s3:GetBucketLocation arn:aws:s3:::b"));
    assert_eq!(call("GET", "/").as_deref(), Some("s3:ListAllMyBuckets *"));
    assert_eq!(call("GET", "/b/k?acl"), None, "not emulated: NotImplemented answers it");
    let vh = s3::iam_request(Some("my.bucket"), REGION, &Req::new("GET", "/a%20b")).unwrap();
    assert_eq!(vh.1, "arn:aws:s3:::my.bucket/a b");
}

#[test]
fn json_services_answer_access_denied_in_their_own_shape() {
    let d = door_with(&allow("ecr:*"), json!({}));
    // CloudWatch Logs: `message`, on the stream's ARN (the group's with an empty stream).
    let (st, v) = json_call(
        &d,
        "logs",
        "Logs_20140328.CreateLogStream",
        json!({"logGroupName": "/ecs/web", "logStreamName": "s2"}),
    );
    assert_eq!((st, &v["__type"]), (400, &json!("AccessDeniedException")));
    assert_eq!(
        v["message"],
        format!(
            "User: {CALLER} is not authorized to perform: logs:CreateLogStream on resource: arn:aws:logs:ap-northeast-1:123456789012:log-group:/ecs/web:log-stream:s2 because no identity-based policy allows the logs:CreateLogStream action"
        )
    );
    let (_, v) = json_call(&d, "logs", "Logs_20140328.CreateLogGroup", json!({"logGroupName": "/ecs/new"}));
    assert!(v["message"].as_str().unwrap().contains("logs:CreateLogGroup on resource: arn:aws:logs:ap-northeast-1:123456789012:log-group:/ecs/new:log-stream: because"), "{v}");
    // Secrets Manager: `Message`, on the secret's full ARN; on the id as given for a secret it does not have.
    let (st, v) = json_call(&d, "secretsmanager", "secretsmanager.GetSecretValue", json!({"SecretId": "db"}));
    assert_eq!((st, &v["__type"]), (400, &json!("AccessDeniedException")));
    let arn = data::secret_arn(REGION, ACCOUNT, "db");
    assert_eq!(
        v["Message"],
        format!(
            "User: {CALLER} is not authorized to perform: secretsmanager:GetSecretValue on resource: {arn} because no identity-based policy allows the secretsmanager:GetSecretValue action"
        )
    );
    let (_, v) = json_call(&d, "secretsmanager", "secretsmanager.GetSecretValue", json!({"SecretId": "nope"}));
    assert!(v["Message"].as_str().unwrap().contains("secretsmanager:GetSecretValue on resource: nope because"), "{v}");
    // SSM: `message`, each parameter of GetParameters on its own ARN.
    let (st, v) =
        json_call(&d, "ssm", "AmazonSSM.GetParameters", json!({"Names": ["/p/secure"], "WithDecryption": true}));
    assert_eq!((st, &v["__type"]), (400, &json!("AccessDeniedException")));
    assert_eq!(
        v["message"],
        format!(
            "User: {CALLER} is not authorized to perform: ssm:GetParameters on resource: arn:aws:ssm:ap-northeast-1:123456789012:parameter/p/secure because no identity-based policy allows the ssm:GetParameters action"
        )
    );
    // STS needs no permission: GetCallerIdentity answers anyone.
    let body = Req::new("POST", "/").with_body("Action=GetCallerIdentity&Version=2011-06-15");
    let sts = signed("sts", "sts.ap-northeast-1.amazonaws.com", body);
    let r = send(&d, sts);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    // Allowed where the role allows, and a secret's own policy may allow alone.
    let d = door_with(
        &allow("logs:*"),
        json!({ "secrets": [{"name": "db", "value": "pw", "resource_policy":
        r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:sts::123456789012:assumed-role/ecsTaskRole/abc"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#}] }),
    );
    let (st, _) = json_call(
        &d,
        "logs",
        "Logs_20140328.CreateLogStream",
        json!({"logGroupName": "/ecs/web", "logStreamName": "s2"}),
    );
    assert_eq!(st, 200);
    let (st, v) = json_call(&d, "secretsmanager", "secretsmanager.GetSecretValue", json!({"SecretId": "db"}));
    assert_eq!((st, &v["SecretString"]), (200, &json!("pw")));
    let (st, v) = json_call(&d, "logs", "Logs_20140328.DescribeLogStreams", json!({"logGroupName": "/ecs/web"}));
    assert_eq!((st, &v["logStreams"][1]["logStreamName"]), (200, &json!("s2")), "{v}");
    assert_eq!(v["logStreams"][0]["arn"], "arn:aws:logs:ap-northeast-1:123456789012:log-group:/ecs/web:log-stream:s");
}

#[test]
fn the_registry_evaluates_iam_as_the_tokens_holder_with_the_repositorys_policy() {
    let repo = json!([{"name": "team/web", "images": [{"tags": ["latest"], "layers": [{"content": "a"}]}], "policy":
        r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/ecsTaskRole"},"Action":"ecr:BatchGetImage"}]}"#},
        {"name": "empty"}]);
    let d = door_with(&allow("ecr:GetAuthorizationToken"), json!({ "repositories": repo }));
    let t = format!("{}.GetAuthorizationToken", ecr::TARGET_PREFIX);
    let (_, v) = json_call(&d, "ecr", &t, json!({}));
    let basic = format!("Basic {}", v["authorizationData"][0]["authorizationToken"].as_str().unwrap());
    let get = |path: &str| {
        send(&d, Req::new("GET", path).with_header("Host", &d.registry_host()).with_header("Authorization", &basic))
    };
    // The repository's policy names the role: the manifest is served.
    let m = get("/v2/team/web/manifests/latest");
    assert_eq!(m.status, 200);
    // Nothing allows the layers: ECR's 403 DENIED with IAM's message, as Docker shows it.
    let manifest: Value = serde_json::from_slice(&m.body).unwrap();
    let layer = manifest["layers"][0]["digest"].as_str().unwrap();
    let b = get(&format!("/v2/team/web/blobs/{layer}"));
    assert_eq!(b.status, 403);
    let v: Value = serde_json::from_slice(&b.body).unwrap();
    assert_eq!(
        v,
        json!({"errors": [{"code": "DENIED", "message": format!("User: {CALLER} is not authorized to perform: ecr:GetDownloadUrlForLayer on resource: arn:aws:ecr:ap-northeast-1:123456789012:repository/team/web because no identity-based policy allows the ecr:GetDownloadUrlForLayer action")}]})
    );
    // Another repository, without a policy: denied before it is looked for.
    assert_eq!(get("/v2/empty/manifests/latest").status, 403);
    assert_eq!(get("/v2/").status, 200);
    // ECR's API meets the repository's policy too.
    let (st, _) = json_call(
        &d,
        "ecr",
        &format!("{}.BatchGetImage", ecr::TARGET_PREFIX),
        json!({"repositoryName": "team/web", "imageIds": [{"imageTag": "latest"}]}),
    );
    assert_eq!(st, 200);
    let (st, v) =
        json_call(&d, "ecr", &format!("{}.DescribeImages", ecr::TARGET_PREFIX), json!({"repositoryName": "team/web"}));
    assert_eq!((st, &v["__type"]), (400, &json!("AccessDeniedException")));
}

/// The analyzer's calls for a task's start (`Step::iam_calls`) are the ones the doors name for
/// the requests the agent sends (`services::pull`): the prediction and the packets meet the same
/// evaluation.
#[test]
fn a_starts_steps_name_the_calls_the_doors_authorize() {
    use crate::model::pull::Step;
    use crate::scenario::SecretSource;
    let d = door();
    let store = d.store.lock().unwrap();
    let data = spec().data;
    let json_req = |service: &str, target: &str, body: Value| {
        let host = format!("{service}.{REGION}.amazonaws.com");
        Req::new("POST", "/").with_header("Host", &host).with_header("X-Amz-Target", target).with_body(body.to_string())
    };
    let partial = data::secret_arn(REGION, ACCOUNT, "db").rsplit_once('-').unwrap().0.to_string();
    for id in ["db".to_string(), partial, "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:gone".into()] {
        let source = SecretSource::SecretsManager(id.clone());
        let step = Step::Secret { container: "c".into(), name: "X".into(), source, json_key: None };
        let req = json_req("secretsmanager", "secretsmanager.GetSecretValue", json!({ "SecretId": id }));
        assert_eq!(d.calls(&Service::SecretsManager, &store, &req), step.iam_calls(&data, REGION), "{id}");
    }
    for p in ["/p/secure", "plain"] {
        let source = SecretSource::Ssm(p.into());
        let step = Step::Secret { container: "c".into(), name: "X".into(), source, json_key: None };
        let req = json_req("ssm", "AmazonSSM.GetParameters", json!({ "Names": [p], "WithDecryption": true }));
        assert_eq!(d.calls(&Service::Ssm, &store, &req), step.iam_calls(&data, REGION), "{p}");
    }
    let logs =
        Step::Logs { container: "c".into(), group: "/ecs/web".into(), stream: "ecs/c/1".into(), create_group: true };
    let group = json_req("logs", "Logs_20140328.CreateLogGroup", json!({ "logGroupName": "/ecs/web" }));
    let stream = json_req(
        "logs",
        "Logs_20140328.CreateLogStream",
        json!({ "logGroupName": "/ecs/web", "logStreamName": "ecs/c/1" }),
    );
    let mut door_calls = d.calls(&Service::Logs, &store, &group);
    door_calls.extend(d.calls(&Service::Logs, &store, &stream));
    assert_eq!(door_calls, logs.iam_calls(&data, REGION));
    let token = json_req("ecr", "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken", json!({}));
    assert_eq!(d.calls(&Service::Ecr, &store, &token), Step::Token.iam_calls(&data, REGION));
    let image = |manifest: bool| {
        let (container, registry, repository, reference) =
            ("c".into(), ACCOUNT.into(), "team/web".into(), "latest".into());
        if manifest {
            Step::Manifest { container, registry, repository, reference }
        } else {
            Step::Layers { container, registry, repository, reference }
        }
    };
    let m = ecr::RegistryPath::Manifest { name: "team/web".into(), reference: "latest".into() };
    assert_eq!(
        ecr::registry_call(&d, ACCOUNT, &m).into_iter().collect::<Vec<_>>(),
        image(true).iam_calls(&data, REGION)
    );
    let b = ecr::RegistryPath::Blob { name: "team/web".into(), digest: "sha256:00".into() };
    assert_eq!(
        ecr::registry_call(&d, ACCOUNT, &b).into_iter().collect::<Vec<_>>(),
        image(false).iam_calls(&data, REGION)
    );
}

/// A role session's keys renew every hour and each set is valid six hours from its issue, as
/// ECS and EC2 hand them out: the doors take every set still valid, answer an expired one with
/// each service's ExpiredToken, and do not know one older than they keep.
#[test]
fn rotated_keys_are_valid_six_hours_then_expired() {
    use crate::services::task_metadata::{credentials_of, generation};
    let mut sp = spec();
    sp.credentials[0].credentials_id = Some("cred-1".into());
    let d = FrontDoor::new(&sp, "lab".into(), Some(NOW));
    let at = |issued: u64| {
        let c = credentials_of("lab", "cred-1", "", issued);
        sigv4::Keys {
            access_key_id: c.access_key_id,
            secret_access_key: c.secret_access_key,
            session_token: Some(c.token),
        }
    };
    let identity = |k: &sigv4::Keys| {
        let body = Req::new("POST", "/").with_body("Action=GetCallerIdentity&Version=2011-06-15");
        send(&d, signed_with(k, (REGION, "sts"), NOW, "sts.ap-northeast-1.amazonaws.com", body))
    };
    let now = generation(NOW);
    assert_ne!(at(now).access_key_id, at(now - 1).access_key_id, "a new set every hour");
    for issued in [now, now - 1, now - 5] {
        let r = identity(&at(issued));
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    }
    // Issued six hours ago (or more): expired, in STS's, the JSON services' and S3's words.
    let old = at(now - 6);
    let r = identity(&old);
    assert_eq!(r.status, 403);
    assert!(String::from_utf8_lossy(&r.body).contains("<Code>ExpiredToken</Code>"), "{r:?}");
    let req = Req::new("POST", "/")
        .with_header("content-type", "application/x-amz-json-1.1")
        .with_header("x-amz-target", "AmazonEC2ContainerRegistry_V20150921.DescribeRepositories")
        .with_body("{}");
    let r = send(&d, signed_with(&old, (REGION, "ecr"), NOW, "api.ecr.ap-northeast-1.amazonaws.com", req));
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!((r.status, &v["__type"]), (400, &json!("ExpiredTokenException")));
    assert_eq!(v["message"], "The security token included in the request is expired");
    let r =
        send(&d, signed_with(&old, (REGION, "s3"), NOW, "b.s3.ap-northeast-1.amazonaws.com", Req::new("GET", "/a/1")));
    assert_eq!(r.status, 400);
    assert!(String::from_utf8_lossy(&r.body).contains("<Message>The provided token has expired.</Message>"), "{r:?}");
    // Older than the doors keep: a key they do not know.
    let r = identity(&at(now - 20));
    assert!(String::from_utf8_lossy(&r.body).contains("InvalidClientTokenId"), "{r:?}");
}
