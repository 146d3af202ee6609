"""Drives ecsnet's front doors with the real boto3 and prints what came back as one JSON object.

    python front_door_probe.py ENDPOINT ACCOUNT REGION

ENDPOINT is https://localhost:PORT; the caller sets AWS_CA_BUNDLE to the lab CA, static
credentials and the region. Every SDK call goes to ENDPOINT (endpoint_url), so the door routes
it by its SigV4 scope. The registry pull is done with urllib, as a container runtime would:
the Host header names the registry (or, after the redirect, the layer bucket) while the
connection goes to ENDPOINT, since no DNS points the AWS names here. Errors are recorded as
{"code", "message", "status"} so the test compares AWS's exact words. Used by
tests/front_door.rs.
"""

import base64
import hashlib
import json
import ssl
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint, account, region = sys.argv[1:4]
out = {}


def error(e):
    err = e.response.get("Error", {})
    return {
        "code": err.get("Code"),
        "message": err.get("Message"),
        "status": e.response.get("ResponseMetadata", {}).get("HTTPStatusCode"),
    }


def expect_error(name, call):
    try:
        call()
        out[name] = {"code": None}
    except ClientError as e:
        out[name] = error(e)


def client(service, **kw):
    return boto3.client(service, endpoint_url=endpoint, config=Config(retries={"max_attempts": 1}, **kw))


# STS
sts = client("sts")
who = sts.get_caller_identity()
out["sts"] = {k: who[k] for k in ("Arn", "UserId", "Account")}
out["sts_request_id"] = who["ResponseMetadata"]["RequestId"]
stranger = boto3.client(
    "sts",
    endpoint_url=endpoint,
    aws_access_key_id="AKIAUNKNOWNKEY000000",
    aws_secret_access_key="x",
    config=Config(retries={"max_attempts": 1}),
)
expect_error("sts_unknown_key", stranger.get_caller_identity)

# ECR API
ecr = client("ecr")
auth = ecr.get_authorization_token()["authorizationData"][0]
token = auth["authorizationToken"]
out["ecr_token"] = {
    "user": base64.b64decode(token).decode().split(":", 1)[0],
    "proxyEndpoint": auth["proxyEndpoint"],
    "hours": round((auth["expiresAt"].timestamp() - time.time()) / 3600),
}
repos = ecr.describe_repositories()["repositories"]
out["ecr_repositories"] = [(r["repositoryName"], r["repositoryUri"], r["repositoryArn"]) for r in repos]
expect_error("ecr_no_repo", lambda: ecr.describe_repositories(repositoryNames=["nope"]))
images = ecr.describe_images(repositoryName="web")["imageDetails"]
out["ecr_images"] = [
    {"digest": i["imageDigest"], "tags": i["imageTags"], "size": i["imageSizeInBytes"], "type": i["imageManifestMediaType"]}
    for i in images
]
expect_error(
    "ecr_no_image", lambda: ecr.describe_images(repositoryName="web", imageIds=[{"imageTag": "missing"}])
)
got = ecr.batch_get_image(repositoryName="web", imageIds=[{"imageTag": "latest"}, {"imageTag": "missing"}])
manifest = got["images"][0]["imageManifest"]
out["ecr_batch"] = {
    "digest": got["images"][0]["imageId"]["imageDigest"],
    "manifest_sha256": "sha256:" + hashlib.sha256(manifest.encode()).hexdigest(),
    "failures": [(f["imageId"].get("imageTag"), f["failureCode"], f["failureReason"]) for f in got["failures"]],
}

# Registry v2, as a runtime pulls: /v2/ challenge, Basic auth, manifest, blob via S3.
ctx = ssl.create_default_context(cafile=__import__("os").environ["AWS_CA_BUNDLE"])
registry = f"{account}.dkr.ecr.{region}.amazonaws.com"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPSHandler(context=ctx))


def fetch(path, host, headers=None, method="GET"):
    """(status, headers (case-insensitive), body) of a request to ENDPOINT with this Host."""
    req = urllib.request.Request(endpoint + path, headers={"Host": host, **(headers or {})}, method=method)
    try:
        with opener.open(req, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


status, headers, _ = fetch("/v2/", registry)
out["registry_challenge"] = {"status": status, "www_authenticate": headers.get("WWW-Authenticate")}
basic = {"Authorization": "Basic " + token}
out["registry_base"] = fetch("/v2/", registry, basic)[0]
out["registry_bad_token"] = fetch("/v2/", registry, {"Authorization": "Basic " + base64.b64encode(b"AWS:wrong").decode()})[0]
accept = {"Accept": "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json"}
status, headers, body = fetch("/v2/web/manifests/latest", registry, {**basic, **accept})
out["registry_manifest"] = {
    "status": status,
    "content_type": headers.get("Content-Type"),
    "digest": headers.get("Docker-Content-Digest"),
    "body_sha256": "sha256:" + hashlib.sha256(body).hexdigest(),
}
head = fetch("/v2/web/manifests/latest", registry, {**basic, **accept}, method="HEAD")
out["registry_manifest_head"] = {"status": head[0], "digest": head[1].get("Docker-Content-Digest")}
out["registry_missing"] = json.loads(fetch("/v2/web/manifests/missing", registry, basic)[2])
layers = []
for layer in json.loads(body)["layers"]:
    status, headers, _ = fetch("/v2/web/blobs/" + layer["digest"], registry, basic)
    location = urlsplit(headers.get("Location", ""))
    s3_status, s3_headers, blob = fetch(location.path + "?" + location.query, location.hostname)
    layers.append(
        {
            "redirect": status,
            "host": location.hostname,
            "s3_status": s3_status,
            "s3_request_id": bool(s3_headers.get("x-amz-request-id")),
            "ok": "sha256:" + hashlib.sha256(blob).hexdigest() == layer["digest"] and len(blob) == layer["size"],
        }
    )
out["registry_layers"] = layers


def pull_blob(digest):
    status, headers, _ = fetch("/v2/web/blobs/" + digest, registry, basic)
    location = urlsplit(headers.get("Location", ""))
    return fetch(location.path + "?" + location.query, location.hostname)[2]


# A layer declared as files is a real tar.gz: Python's own gzip and tarfile unpack it, and its
# diff id in the image config is the digest of the archive inside.
import gzip
import io
import tarfile

manifest = json.loads(fetch("/v2/web/manifests/files", registry, {**basic, **accept})[2])
config = json.loads(pull_blob(manifest["config"]["digest"]))
archive = gzip.decompress(pull_blob(manifest["layers"][0]["digest"]))
with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
    out["tar_files"] = {m.name: tar.extractfile(m).read().decode() for m in tar.getmembers()}
out["tar_diff_id_ok"] = config["rootfs"]["diff_ids"] == ["sha256:" + hashlib.sha256(archive).hexdigest()]

# S3, path style (virtual hosts need DNS)
s3 = client("s3", s3={"addressing_style": "path"})
put = s3.put_object(Bucket="data", Key="dir/hello.txt", Body=b"hello front door", ContentType="text/plain")
obj = s3.get_object(Bucket="data", Key="dir/hello.txt")
head = s3.head_object(Bucket="data", Key="dir/hello.txt")
ranged = s3.get_object(Bucket="data", Key="dir/hello.txt", Range="bytes=6-10")
listed = s3.list_objects_v2(Bucket="data", Prefix="dir/")
top = s3.list_objects_v2(Bucket="data", Delimiter="/")
out["s3"] = {
    "put_etag": put["ETag"],
    "body": obj["Body"].read().decode(),
    "content_type": obj["ContentType"],
    "head_length": head["ContentLength"],
    "head_etag": head["ETag"],
    "range": ranged["Body"].read().decode(),
    "keys": [o["Key"] for o in listed.get("Contents", [])],
    "top_keys": [o["Key"] for o in top.get("Contents", [])],
    "top_prefixes": [p["Prefix"] for p in top.get("CommonPrefixes", [])],
    "head_bucket": s3.head_bucket(Bucket="data")["ResponseMetadata"]["HTTPStatusCode"],
    "request_id": bool(obj["ResponseMetadata"]["HTTPHeaders"].get("x-amz-request-id")),
    "declared": s3.get_object(Bucket="data", Key="seed.txt")["Body"].read().decode(),
}
odd = "dir/a b+c é%?#.txt"
s3.put_object(Bucket="data", Key=odd, Body=b"odd")
out["s3_odd_key"] = {
    "body": s3.get_object(Bucket="data", Key=odd)["Body"].read().decode(),
    "listed": odd in [o["Key"] for o in s3.list_objects_v2(Bucket="data", Prefix="dir/a")["Contents"]],
}
expect_error("s3_no_key", lambda: s3.get_object(Bucket="data", Key="nope"))
expect_error("s3_no_bucket", lambda: s3.get_object(Bucket="nobucket", Key="x"))
expect_error("s3_head_no_bucket", lambda: s3.head_bucket(Bucket="nobucket"))

# CloudWatch Logs
logs = client("logs")
logs.create_log_stream(logGroupName="/ecs/web", logStreamName="web/app/1")
now = int(time.time() * 1000)
put = logs.put_log_events(
    logGroupName="/ecs/web",
    logStreamName="web/app/1",
    logEvents=[{"timestamp": now, "message": "one"}, {"timestamp": now + 1, "message": "two"}],
)
events = logs.get_log_events(logGroupName="/ecs/web", logStreamName="web/app/1")["events"]
out["logs"] = {
    "token": bool(put.get("nextSequenceToken")),
    "rejected": put.get("rejectedLogEventsInfo"),
    "messages": [e["message"] for e in events],
}
expect_error("logs_no_group", lambda: logs.create_log_stream(logGroupName="/ecs/none", logStreamName="s"))
expect_error("logs_exists", lambda: logs.create_log_stream(logGroupName="/ecs/web", logStreamName="web/app/1"))

# Secrets Manager
sm = client("secretsmanager")
secret = sm.get_secret_value(SecretId="db/password")
out["secret"] = {k: secret[k] for k in ("ARN", "Name", "SecretString", "VersionStages")}
out["secret_by_arn"] = sm.get_secret_value(SecretId=secret["ARN"])["SecretString"]
out["secret_version_id"] = len(secret["VersionId"])
out["secret_created"] = secret["CreatedDate"].year > 2000
expect_error("secret_missing", lambda: sm.get_secret_value(SecretId="nope"))

# SSM
ssm = client("ssm")
params = ssm.get_parameters(Names=["/app/key", "/app/plain", "/app/missing"], WithDecryption=True)
out["ssm"] = {
    "parameters": [(p["Name"], p["Type"], p["Value"], p["ARN"]) for p in params["Parameters"]],
    "invalid": params["InvalidParameters"],
}

# Robustness: what no SDK sends. Each answer must be AWS's error, and the door must live on.
import http.client
import socket

port = int(urlsplit(endpoint).port)


def raw(request_bytes):
    """The first line of the answer to bytes sent over TLS as they are."""
    with socket.create_connection(("localhost", port), timeout=10) as sock:
        with ctx.wrap_socket(sock, server_hostname="localhost") as tls:
            tls.sendall(request_bytes)
            data = b""
            while b"\r\n" not in data:
                chunk = tls.recv(4096)
                if not chunk:
                    break
                data += chunk
            return data.split(b"\r\n", 1)[0].decode(errors="replace")


def call(method, path, host, headers, body=None):
    conn = http.client.HTTPSConnection("localhost", port, context=ctx, timeout=10)
    conn.putrequest(method, path, skip_host=True)
    conn.putheader("Host", host)
    for k, v in headers.items():
        conn.putheader(k, v)
    conn.endheaders()
    if body is not None:
        conn.send(body)
    r = conn.getresponse()
    answer = {"status": r.status, "body": r.read().decode(errors="replace")}
    conn.close()
    return answer


out["raw_garbage"] = raw(b"GARBAGE\r\n\r\n")
out["raw_bad_header"] = raw(b"GET / HTTP/1.1\r\nHost x\r\n\r\n")
ecr_host = f"api.ecr.{region}.amazonaws.com"
target = {"X-Amz-Target": "AmazonEC2ContainerRegistry_V20150921.DescribeRepositories", "Content-Type": "application/x-amz-json-1.1"}
out["bad_json"] = call("POST", "/", ecr_host, {**target, "Content-Length": "1"}, b"{")
out["unknown_op"] = call("POST", "/", ecr_host, {**target, "X-Amz-Target": "AmazonEC2ContainerRegistry_V20150921.Nope", "Content-Length": "2"}, b"{}")
# Declared over the cap: answered at once, without the body being sent.
out["too_large"] = call("PUT", "/data/big", f"s3.{region}.amazonaws.com", {"Content-Length": str(17 * 1024 * 1024)})
out["sts_unknown_action"] = call("POST", "/", "sts.amazonaws.com", {"Content-Type": "application/x-www-form-urlencoded", "Content-Length": "34"}, b"Action=Nope&Version=2011-06-15&X=1")
out["alive"] = sts.get_caller_identity()["Account"]

print(json.dumps(out))
