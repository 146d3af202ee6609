//! The front doors against the real boto3: the server runs in this process on 127.0.0.1 (an
//! ephemeral port, no namespaces, no root), and tests/clients/front_door_probe.py calls every
//! emulated API through it with the lab CA as its only trust, then prints what it got.

mod common;

use ecsnet::services::bind::Socket;
use ecsnet::services::front_door::{self, Data, Door, LabCa, Principal, Spec};
use serde_json::{Value, json};
use std::net::Ipv4Addr;
use std::process::Command;

const ACCOUNT: &str = "123456789012";
const REGION: &str = "ap-northeast-1";
const KEY: &str = "ASIAFRONTDOORTEST000";
/// What boto3 signs with: the doors verify every signature with them.
const SECRET: &str = "front-door-secret";
const TOKEN: &str = "front-door-session-token";
const ROLE_ARN: &str = "arn:aws:sts::123456789012:assumed-role/ecsTaskRole/0123456789abcdef";

fn spec(ca: &LabCa) -> Spec {
    let data: Data = serde_json::from_value(json!({
        "repositories": [{"name": "web", "images": [
            {"tags": ["latest", "v1"], "layers": [{"content": "layer one"}, {"size": 100000}]},
            {"tags": ["files"], "layers": [{"files": {"/etc/motd": "welcome\n", "app/run.sh": "#!/bin/sh\necho hi\n"}}]}
        ]}],
        "buckets": [{"name": "data", "objects": {"seed.txt": "declared"}}],
        "log_groups": [{"name": "/ecs/web"}],
        "secrets": [{"name": "db/password", "value": "s3cret"}],
        "parameters": [
            {"name": "/app/key", "type": "SecureString", "value": "k3y"},
            {"name": "/app/plain", "value": "plain"}
        ]
    }))
    .unwrap();
    Spec {
        listen: vec![Door { ns: String::new(), addr: Ipv4Addr::LOCALHOST, port: 0, endpoint: None }],
        region: REGION.into(),
        account: ACCOUNT.into(),
        ca_cert_pem: ca.cert_pem.clone(),
        ca_key_pem: ca.key_pem.clone(),
        names: vec![
            "localhost".into(),
            format!("api.ecr.{REGION}.amazonaws.com"),
            format!("*.dkr.ecr.{REGION}.amazonaws.com"),
            format!("*.s3.{REGION}.amazonaws.com"),
        ],
        credentials: vec![Principal {
            access_key_id: KEY.into(),
            secret_access_key: SECRET.into(),
            session_token: Some(TOKEN.into()),
            arn: ROLE_ARN.into(),
            user_id: None,
            credentials_id: None,
        }],
        data,
        clusters: vec![],
        container_instances: vec![],
        endpoints: vec![],
        vpc_id: String::new(),
        cloud_map: Default::default(),
    }
}

/// Serve `spec` on 127.0.0.1 from a thread with its own current_thread runtime (as the agent
/// does); the thread lives as long as the test process. Returns the port.
fn serve(spec: Spec) -> u16 {
    let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async move {
            let started = front_door::start(&spec, "front-door-test".into(), vec![Socket::Tcp(listener)]);
            tx.send(started.map_err(|e| e.to_string())).unwrap();
            std::future::pending::<()>().await
        });
    });
    rx.recv().unwrap().expect("front door starts");
    port
}

fn probe(python: &std::path::Path, port: u16, ca_file: &std::path::Path) -> Value {
    let script = common::sdk::dir().join("front_door_probe.py");
    let mut cmd = Command::new(python);
    cmd.env_clear();
    for kv in common::sdk::CLEAN_ENV {
        let (k, v) = kv.split_once('=').unwrap();
        cmd.env(k, v);
    }
    let o = cmd
        .env("AWS_CA_BUNDLE", ca_file)
        .env("AWS_ACCESS_KEY_ID", KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("AWS_SESSION_TOKEN", TOKEN)
        .env("AWS_DEFAULT_REGION", REGION)
        .env("AWS_REGION", REGION)
        .arg(&script)
        .args([&format!("https://localhost:{port}"), ACCOUNT, REGION])
        .output()
        .expect("run python");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "probe failed:\n{stdout}\n{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_str(stdout.lines().last().unwrap_or_default()).expect("probe JSON")
}

#[test]
fn boto3_works_against_the_front_doors() {
    let Some(python) = common::sdk::python() else { return };
    let ca = LabCa::generate("front-door-test").unwrap();
    let dir = std::env::temp_dir().join(format!("ecsnet-front-door-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, &ca.cert_pem).unwrap();
    let port = serve(spec(&ca));
    let v = probe(&python, port, &ca_file);
    let _ = std::fs::remove_dir_all(&dir);

    // STS
    assert_eq!(v["sts"]["Arn"], ROLE_ARN);
    assert_eq!(v["sts"]["Account"], ACCOUNT);
    let user_id = v["sts"]["UserId"].as_str().unwrap();
    assert!(user_id.starts_with("AROA") && user_id.ends_with(":0123456789abcdef"), "{user_id}");
    assert_eq!(v["sts_request_id"].as_str().unwrap().len(), 36);
    assert_eq!(
        v["sts_unknown_key"],
        json!({"code": "InvalidClientTokenId", "message": "The security token included in the request is invalid.", "status": 403})
    );

    // ECR API
    let registry = format!("{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com");
    assert_eq!(v["ecr_token"], json!({"user": "AWS", "proxyEndpoint": format!("https://{registry}"), "hours": 12}));
    assert_eq!(
        v["ecr_repositories"],
        json!([["web", format!("{registry}/web"), format!("arn:aws:ecr:{REGION}:{ACCOUNT}:repository/web")]])
    );
    assert_eq!(
        v["ecr_no_repo"],
        json!({"code": "RepositoryNotFoundException", "status": 400,
               "message": "The repository with name 'nope' does not exist in the registry with id '123456789012'"})
    );
    let image = &v["ecr_images"][0];
    assert_eq!(image["tags"], json!(["latest", "v1"]));
    assert_eq!(image["size"], 100_009);
    assert_eq!(image["type"], "application/vnd.docker.distribution.manifest.v2+json");
    let digest = image["digest"].as_str().unwrap();
    assert_eq!(v["ecr_no_image"]["code"], "ImageNotFoundException");
    assert_eq!(
        v["ecr_no_image"]["message"],
        "The image with imageId {imageDigest:'null', imageTag:'missing'} does not exist within the repository \
         with name 'web' in the registry with id '123456789012'"
    );
    assert_eq!(v["ecr_batch"]["digest"], digest);
    assert_eq!(v["ecr_batch"]["manifest_sha256"], digest);
    assert_eq!(v["ecr_batch"]["failures"], json!([["missing", "ImageNotFound", "Requested image not found"]]));

    // Registry v2 and the layer bucket
    assert_eq!(
        v["registry_challenge"],
        json!({"status": 401, "www_authenticate":
            format!("Basic realm=\"https://{registry}/\",service=\"ecr.amazonaws.com\"")})
    );
    assert_eq!(v["registry_base"], 200);
    assert_eq!(v["registry_bad_token"], 401);
    assert_eq!(
        v["registry_manifest"],
        json!({"status": 200, "content_type": "application/vnd.docker.distribution.manifest.v2+json",
               "digest": digest, "body_sha256": digest})
    );
    assert_eq!(v["registry_manifest_head"], json!({"status": 200, "digest": digest}));
    assert_eq!(v["registry_missing"]["errors"][0]["code"], "MANIFEST_UNKNOWN");
    let layer = json!({"redirect": 307, "host": format!("prod-{REGION}-starport-layer-bucket.s3.{REGION}.amazonaws.com"),
                       "s3_status": 200, "s3_request_id": true, "ok": true});
    assert_eq!(v["registry_layers"], json!([layer, layer]));
    assert_eq!(v["tar_files"], json!({"app/run.sh": "#!/bin/sh\necho hi\n", "etc/motd": "welcome\n"}));
    assert_eq!(v["tar_diff_id_ok"], true);

    // S3
    let s3 = &v["s3"];
    assert_eq!(s3["put_etag"], format!("\"{:x}\"", md5_hex(b"hello front door")));
    assert_eq!(s3["head_etag"], s3["put_etag"]);
    assert_eq!(s3["body"], "hello front door");
    assert_eq!(s3["content_type"], "text/plain");
    assert_eq!(s3["head_length"], 16);
    assert_eq!(s3["range"], "front");
    assert_eq!(s3["keys"], json!(["dir/hello.txt"]), "listed before the odd key is put");
    assert_eq!(s3["top_keys"], json!(["seed.txt"]));
    assert_eq!(s3["top_prefixes"], json!(["dir/"]));
    assert_eq!(s3["head_bucket"], 200);
    assert_eq!(s3["request_id"], true);
    assert_eq!(s3["declared"], "declared");
    assert_eq!(
        v["s3_no_key"],
        json!({"code": "NoSuchKey", "message": "The specified key does not exist.", "status": 404})
    );
    assert_eq!(
        v["s3_no_bucket"],
        json!({"code": "NoSuchBucket", "message": "The specified bucket does not exist", "status": 404})
    );
    assert_eq!(v["s3_head_no_bucket"]["code"], "404");

    // CloudWatch Logs
    assert_eq!(v["logs"], json!({"token": true, "rejected": null, "messages": ["one", "two"]}));
    assert_eq!(
        v["logs_no_group"],
        json!({"code": "ResourceNotFoundException", "message": "The specified log group does not exist.", "status": 400})
    );
    assert_eq!(v["logs_exists"]["code"], "ResourceAlreadyExistsException");

    // Secrets Manager
    let arn = v["secret"]["ARN"].as_str().unwrap();
    let suffix = arn.strip_prefix(&format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:db/password-")).unwrap();
    assert_eq!(suffix.len(), 6, "{arn}");
    assert_eq!(v["secret"]["Name"], "db/password");
    assert_eq!(v["secret"]["SecretString"], "s3cret");
    assert_eq!(v["secret"]["VersionStages"], json!(["AWSCURRENT"]));
    assert_eq!(v["secret_by_arn"], "s3cret");
    assert_eq!(v["secret_version_id"], 36);
    assert_eq!(v["secret_created"], true);
    assert_eq!(
        v["secret_missing"],
        json!({"code": "ResourceNotFoundException", "message": "Secrets Manager can't find the specified secret.", "status": 400})
    );

    // SSM
    assert_eq!(
        v["ssm"],
        json!({"parameters": [
            ["/app/key", "SecureString", "k3y", format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/app/key")],
            ["/app/plain", "String", "plain", format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/app/plain")]
        ], "invalid": ["/app/missing"]})
    );

    // What no SDK sends: AWS's errors, and the door still answers afterwards.
    assert_eq!(v["raw_garbage"], "HTTP/1.1 400 Bad Request");
    assert_eq!(v["raw_bad_header"], "HTTP/1.1 400 Bad Request");
    assert_eq!(v["bad_json"]["status"], 400);
    assert_eq!(
        serde_json::from_str::<Value>(v["bad_json"]["body"].as_str().unwrap()).unwrap()["__type"],
        "SerializationException"
    );
    assert_eq!(v["unknown_op"]["status"], 400);
    assert!(v["unknown_op"]["body"].as_str().unwrap().contains("UnknownOperationException"));
    assert_eq!(v["too_large"]["status"], 400);
    assert!(v["too_large"]["body"].as_str().unwrap().contains("<Code>EntityTooLarge</Code>"), "{}", v["too_large"]);
    assert_eq!(v["sts_unknown_action"]["status"], 400);
    assert!(v["sts_unknown_action"]["body"].as_str().unwrap().contains(
        "<Code>InvalidAction</Code>\n    <Message>Could not find operation Nope for version 2011-06-15</Message>"
    ));
    assert_eq!(v["alive"], ACCOUNT);
}

/// MD5, for the ETag S3 gives an object (computed here independently of the server's).
fn md5_hex(b: &[u8]) -> u128 {
    use md5::Digest;
    u128::from_be_bytes(md5::Md5::digest(b).into())
}
