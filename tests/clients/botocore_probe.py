"""What botocore's own default credential chain (through boto3) and its IMDS region provider get
where this runs (an ecsnet node, through `ecsnet exec`), printed as one JSON object.

    python botocore_probe.py [region]

Nothing here speaks HTTP: the SDK does. The only addition is a wrapper around botocore's HTTP
session that writes down each request the SDK sends to a metadata endpoint (method, path,
whether it carried an IMDSv2 token) and what came of it (status, or the exception), so a test can
tell an IMDSv2 answer from an IMDSv1 fallback. Used by tests/sdk_clients.rs and
tests/metadata.rs; installed with scripts/sdk-clients.sh.
"""

import json
import sys
import time
from urllib.parse import urlsplit

import boto3
import botocore.httpsession
import botocore.session
import botocore.utils

calls = []
_send = botocore.httpsession.URLLib3Session.send


def _recording_send(self, request):
    call = {
        "method": request.method,
        "path": urlsplit(request.url).path,
        "token": "x-aws-ec2-metadata-token" in request.headers,
    }
    calls.append(call)
    started = time.monotonic()
    try:
        response = _send(self, request)
    except Exception as e:  # the SDK decides what an error means; we only note it
        call["error"] = type(e).__name__
        raise
    finally:
        call["seconds"] = round(time.monotonic() - started, 3)
    call["status"] = response.status_code
    return response


botocore.httpsession.URLLib3Session.send = _recording_send

out = {"boto3": boto3.__version__, "botocore": botocore.__version__}
started = time.monotonic()
try:
    credentials = boto3.Session().get_credentials()
except Exception as e:  # what the chain raises is part of the outcome
    credentials = None
    out["error"] = type(e).__name__
    out["message"] = str(e)
out["seconds"] = round(time.monotonic() - started, 3)
if credentials is None:
    out["method"] = None
else:
    out["method"] = credentials.method
    frozen = credentials.get_frozen_credentials()
    out["access_key"] = frozen.access_key
    out["token"] = frozen.token
out["credential_calls"] = calls
if "region" in sys.argv[1:]:
    calls = []
    out["region"] = botocore.utils.IMDSRegionProvider(botocore.session.get_session()).provide()
    out["region_calls"] = calls
print(json.dumps(out))
