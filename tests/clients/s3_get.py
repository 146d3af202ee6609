"""S3 GetObject from inside a task with the real boto3 and nothing but the region, for each
bucket/key named on the command line (a bucket policy's aws:SourceVpce). Prints one JSON
object: bucket/key -> the object's text, or the error's code and message."""
import json
import sys

import boto3

from calls import call, cfg, out

region, objects = sys.argv[1], sys.argv[2:]
s3 = boto3.client("s3", region_name=region, config=cfg)
for name in objects:
    bucket, key = name.split("/", 1)
    call(name, lambda b=bucket, k=key: s3.get_object(Bucket=b, Key=k)["Body"].read().decode())
print(json.dumps(out))
