"""The AWS calls tests/aws_endpoints.rs makes from inside a task with the real boto3, with
nothing but the region set: credentials come from the SDK's default chain (the task role
through the task metadata endpoint), names from the lab's DNS, trust from the lab CA. Prints
one JSON object: each call's result or its error (code and message, or the exception)."""
import json
import sys
import urllib.request
import base64

import boto3

from calls import call, cfg, out

REGION = sys.argv[1]
# `sts-only`: one call, for a task that is expected to time out.
ONLY_STS = len(sys.argv) > 2 and sys.argv[2] == "sts-only"
ACCOUNT = "123456789012"


def client(svc):
    return boto3.client(svc, region_name=REGION, config=cfg)


call("sts", lambda: client("sts").get_caller_identity()["Arn"])
if ONLY_STS:
    print(json.dumps(out))
    sys.exit(0)
ecr = client("ecr")
call("token", lambda: ecr.get_authorization_token()["authorizationData"][0]["proxyEndpoint"])
call("repositories", lambda: [r["repositoryName"] for r in ecr.describe_repositories()["repositories"]])
call("images", lambda: sorted(t for i in ecr.describe_images(repositoryName="app")["imageDetails"] for t in i.get("imageTags", [])))
call("missing_repository", lambda: ecr.describe_repositories(repositoryNames=["nope"]))


def registry():
    tok = ecr.get_authorization_token()["authorizationData"][0]
    auth = tok["authorizationToken"]
    host = tok["proxyEndpoint"]
    req = urllib.request.Request(
        f"{host}/v2/app/manifests/1.0",
        headers={"Authorization": f"Basic {auth}", "Accept": "application/vnd.docker.distribution.manifest.v2+json"},
    )
    manifest = json.load(urllib.request.urlopen(req, timeout=5))
    layer = manifest["layers"][0]["digest"]
    blob = urllib.request.urlopen(
        urllib.request.Request(f"{host}/v2/app/blobs/{layer}", headers={"Authorization": f"Basic {auth}"}), timeout=5
    )
    return {"layers": len(manifest["layers"]), "blob_from": blob.geturl().split("/")[2], "bytes": len(blob.read())}


call("registry", registry)
# The ECS API an instance's agent calls to join its cluster (the task's own cluster, from its
# metadata), and the error for a cluster that does not exist.
ecs = client("ecs")


def cluster():
    import os

    with urllib.request.urlopen(os.environ["ECS_CONTAINER_METADATA_URI_V4"] + "/task", timeout=5) as r:
        return json.load(r)["Cluster"]


call("ecs_poll", lambda: ecs.discover_poll_endpoint(cluster=cluster())["endpoint"])
call("ecs_no_cluster", lambda: ecs.discover_poll_endpoint(cluster="nope"))
s3 = client("s3")
call("s3_get", lambda: s3.get_object(Bucket="app-config", Key="settings.json")["Body"].read().decode())
call("s3_put", lambda: s3.put_object(Bucket="app-config", Key="from-task.txt", Body=b"written")["ETag"])
call("s3_list", lambda: [o["Key"] for o in s3.list_objects_v2(Bucket="app-config")["Contents"]])
call("s3_missing", lambda: s3.get_object(Bucket="app-config", Key="nope"))
logs = client("logs")
call("logs_stream", lambda: logs.create_log_stream(logGroupName="/ecs/app", logStreamName="t1")["ResponseMetadata"]["HTTPStatusCode"])
call(
    "logs_put",
    lambda: logs.put_log_events(
        logGroupName="/ecs/app", logStreamName="t1", logEvents=[{"timestamp": 1700000000000, "message": "hi"}]
    )["ResponseMetadata"]["HTTPStatusCode"],
)
call("secret", lambda: client("secretsmanager").get_secret_value(SecretId="prod/db-password")["SecretString"])
call("missing_secret", lambda: client("secretsmanager").get_secret_value(SecretId="nope"))
call("parameter", lambda: [p["Value"] for p in client("ssm").get_parameters(Names=["/app/url"])["Parameters"]])
print(json.dumps(out))
