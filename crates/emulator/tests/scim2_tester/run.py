"""Runs scim2-tester (RFC 7643/7644 conformance checks) against one SCIM server.

Usage: python run.py BASE_URL   (the bearer token in the SCIM_TOKEN environment variable)

Prints one JSON object per check on standard output: status, title, resource type,
reason. The Rust test that starts the emulator reads them and judges; this script only
runs the checks, so that what passes is decided in one place.
"""

import json
import os
import sys

import httpx2
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import check_server


def main() -> int:
    base_url = sys.argv[1]
    token = os.environ["SCIM_TOKEN"]
    http = httpx2.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    client = SyncSCIMClient(http)
    for result in check_server(client):
        print(
            json.dumps(
                {
                    "status": result.status.name,
                    "title": result.title,
                    "resourceType": result.resource_type,
                    "reason": None if result.reason is None else str(result.reason)[:500],
                }
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
