#!/usr/bin/env python3
"""k8s_job_check.py -- structural check of examples/k8s/chunks-job.yaml.

No Kubernetes OpenAPI schema is available offline (kubectl needs a server
to validate), so this holds the manifest against a JSON Schema of the
batch/v1 Job fields it uses, written from the Kubernetes API reference:
unknown fields are refused where the API refuses them.  With "command",
prints the per-index shell script (the container's command) for a local
run.
"""
import sys

import jsonschema
import yaml

ENV = {"type": "object", "additionalProperties": False,
       "required": ["name"],
       "properties": {"name": {"type": "string",
                               "pattern": "^[-._a-zA-Z][-._a-zA-Z0-9]*$"},
                      "value": {"type": "string"},
                      "valueFrom": {"type": "object"}}}
CONTAINER = {
    "type": "object", "additionalProperties": False,
    "required": ["name", "image"],
    "properties": {
        "name": {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"},
        "image": {"type": "string", "minLength": 1},
        "command": {"type": "array", "items": {"type": "string"}},
        "args": {"type": "array", "items": {"type": "string"}},
        "env": {"type": "array", "items": ENV},
        "envFrom": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "properties": {"secretRef": {"type": "object"},
                           "configMapRef": {"type": "object"},
                           "prefix": {"type": "string"}}}},
        "resources": {"type": "object", "additionalProperties": False,
                      "properties": {"requests": {"type": "object"},
                                     "limits": {"type": "object"}}},
        "workingDir": {"type": "string"},
        "volumeMounts": {"type": "array"},
    }}
SCHEMA = {
    "type": "object", "additionalProperties": False,
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "batch/v1"},
        "kind": {"const": "Job"},
        "metadata": {"type": "object", "required": ["name"],
                     "properties": {"name": {"type": "string",
                                             "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"},
                                    "labels": {"type": "object"}}},
        "spec": {
            "type": "object", "additionalProperties": False,
            "required": ["completionMode", "completions", "template"],
            "properties": {
                "completionMode": {"const": "Indexed"},
                "completions": {"type": "integer", "minimum": 1},
                "parallelism": {"type": "integer", "minimum": 1},
                "backoffLimit": {"type": "integer", "minimum": 0},
                "backoffLimitPerIndex": {"type": "integer", "minimum": 0},
                "maxFailedIndexes": {"type": "integer", "minimum": 0},
                "activeDeadlineSeconds": {"type": "integer", "minimum": 1},
                "ttlSecondsAfterFinished": {"type": "integer", "minimum": 0},
                "template": {
                    "type": "object", "additionalProperties": False,
                    "required": ["spec"],
                    "properties": {
                        "metadata": {"type": "object"},
                        "spec": {
                            "type": "object", "additionalProperties": False,
                            "required": ["containers", "restartPolicy"],
                            "properties": {
                                # a Job's pods may not restart Always
                                "restartPolicy": {"enum": ["Never", "OnFailure"]},
                                "containers": {"type": "array", "minItems": 1,
                                               "items": CONTAINER},
                                "volumes": {"type": "array"},
                                "serviceAccountName": {"type": "string"},
                            }}}}}}}}


def main():
    path = sys.argv[1]
    with open(path) as f:
        doc = yaml.safe_load(f)
    jsonschema.validate(doc, SCHEMA)
    spec = doc["spec"]
    c = spec["template"]["spec"]["containers"][0]
    env = {e["name"]: e.get("value") for e in c.get("env", [])}
    # the chunk count the command uses is the Job's
    if env.get("CHUNKS") != str(spec["completions"]):
        sys.exit("%s: CHUNKS %s is not completions %d"
                 % (path, env.get("CHUNKS"), spec["completions"]))
    if backoff_per_index_needs_indexed(spec):
        sys.exit("%s: backoffLimitPerIndex needs completionMode Indexed" % path)
    if len(sys.argv) > 2 and sys.argv[2] == "command":
        print(c["command"][-1], end="")
    else:
        print("ok")


def backoff_per_index_needs_indexed(spec):
    return "backoffLimitPerIndex" in spec and spec["completionMode"] != "Indexed"


if __name__ == "__main__":
    main()
