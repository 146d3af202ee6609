"""ECR DescribeImages from inside a task with the real boto3 and nothing but the region, for each
repository named on the command line (the seed's exercise). Prints one JSON object: repository
-> image tags, or the error's code and message."""
import json
import sys

import boto3

from calls import call, cfg, out

region, repositories = sys.argv[1], sys.argv[2:]
ecr = boto3.client("ecr", region_name=region, config=cfg)
for name in repositories:
    call(name, lambda n=name: [t for d in ecr.describe_images(repositoryName=n)["imageDetails"] for t in d.get("imageTags", [])])
print(json.dumps(out))
