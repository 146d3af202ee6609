"""Cloud Map's DiscoverInstances and DiscoverInstancesRevision as an app calls them with the
real boto3 from inside a task (tests/cloud_map_api.rs): the SDK sends them to
data-servicediscovery.REGION.amazonaws.com, signed with the task role. Prints one JSON object:
each call's result or its error (code and message)."""
import json
import sys

import boto3

from calls import call, cfg, out

REGION, NAMESPACE, SERVICE = sys.argv[1], sys.argv[2], sys.argv[3]
sd = boto3.client("servicediscovery", region_name=REGION, config=cfg)


def discover(**extra):
    r = sd.discover_instances(NamespaceName=NAMESPACE, ServiceName=SERVICE, **extra)
    return {
        "instances": {i["InstanceId"]: i["Attributes"] for i in r["Instances"]},
        "health": sorted({i["HealthStatus"] for i in r["Instances"]}),
        "revision": r["InstancesRevision"],
    }


call("discover", discover)
call("revision", lambda: sd.discover_instances_revision(NamespaceName=NAMESPACE, ServiceName=SERVICE)["InstancesRevision"])
call("missing_service", lambda: sd.discover_instances(NamespaceName=NAMESPACE, ServiceName="nope"))
call("missing_namespace", lambda: sd.discover_instances(NamespaceName="nope.local", ServiceName=SERVICE))
print(json.dumps(out))
