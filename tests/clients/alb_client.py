"""A plain Python HTTP client (the standard library's urllib, as an application in a task would
use) sending N GETs to a load balancer's DNS name, printing one JSON list: per request the status,
the Server header, and what the target's responder says it saw (its task, the peer address,
the X-Forwarded-* headers).

    python3 alb_client.py URL N

Used by tests/load_balancer.rs, run inside a task with `ecsnet exec`.
"""

import json
import sys
import urllib.error
import urllib.request


def one(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            body, status, server = r.read(), r.status, r.headers.get("Server")
    except urllib.error.HTTPError as e:
        body, status, server = e.read(), e.code, e.headers.get("Server")
    try:
        seen = json.loads(body)
    except ValueError:
        seen = {}
    return {
        "status": status,
        "server": server,
        "task": seen.get("task"),
        "peer": seen.get("peer"),
        "forwarded": seen.get("forwarded", {}),
    }


def main():
    url, n = sys.argv[1], int(sys.argv[2])
    print(json.dumps([one(url) for _ in range(n)]))


if __name__ == "__main__":
    main()
