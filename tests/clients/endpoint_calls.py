"""The calls tests/aws_endpoints.rs makes through interface endpoints, with the real boto3 and
nothing but the region set (plus, for one call, an endpoint's own vpce- name as endpoint_url).
Prints one JSON object: each call's result or its error."""
import json
import sys

import boto3

from calls import call, cfg, out

REGION, STS_VPCE = sys.argv[1], sys.argv[2]

ecr = boto3.client("ecr", region_name=REGION, config=cfg)
# Private DNS on: the usual name resolves to the endpoint's ENIs.
call("token", lambda: ecr.get_authorization_token()["authorizationData"][0]["proxyEndpoint"])
call("images", lambda: [t for d in ecr.describe_images(repositoryName="app")["imageDetails"] for t in d["imageTags"]])
# Private DNS off: the usual name stays public (no NAT: a timeout); the vpce- name works.
call("sts_public", lambda: boto3.client("sts", region_name=REGION, config=cfg).get_caller_identity()["Arn"])
sts = boto3.client("sts", region_name=REGION, config=cfg, endpoint_url=f"https://{STS_VPCE}")
call("sts_vpce", lambda: sts.get_caller_identity()["Arn"])
# The logs endpoint keeps the VPC's default group, which the task is not a member of.
call("logs", lambda: boto3.client("logs", region_name=REGION, config=cfg).describe_log_groups() and "ok")
print(json.dumps(out))
