#!/usr/bin/env python3
"""Offline check of deploy/k8s (no cluster needed; CI runs it through tests/Gateway.Tests/DeployManifestTests.cs):

  python3 deploy/k8s/check.py [DIR]     prints one line per object and problem; exits 1 on any problem

1. Schema: every document of every *.yaml named in kustomization.yaml is validated against schema/k8s-schema.json
   (the Kubernetes API's definitions for the kinds used, trimmed and strict; see schema/generate.py): known
   apiVersion/kind, no unknown property anywhere, required properties present, types right.
2. Wiring a schema cannot see, each of which would leave the cluster broken: a Deployment's or StatefulSet's
   selector matches its pod labels; each Service selects some pod and its named targetPort exists there; a
   StatefulSet's serviceName is a Service; every $(VAR) in args is an env var of the container; every ConfigMap or
   Secret key referenced exists; every volumeMount has a volume; probe ports name container ports; the gateway's
   probes use the paths the gateway serves (src/Gateway/Hosting/Probes/HealthProbes.cs); its grace period covers
   the preStop sleep plus --drain-seconds.
"""
import json
import os
import re
import sys

try:
    import yaml
except ImportError:  # pyenv's python3 without PyYAML: Debian's python3 has python3-yaml (scripts/install-deps.sh)
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise

HERE = os.path.dirname(os.path.abspath(__file__))
TYPES = {"string": str, "integer": int, "boolean": bool, "number": (int, float), "object": dict, "array": list}


def validate(value, schema, defs, path, problems):
    if "$ref" in schema:
        schema = defs[schema["$ref"].rsplit("/", 1)[1]]
    expected = schema.get("type")
    if expected:
        ok = isinstance(value, TYPES[expected]) and not (expected in ("integer", "number") and isinstance(value, bool))
        if not ok:
            problems.append(f"{path}: expected {expected}, got {type(value).__name__} {value!r}")
            return
    if expected == "object":
        props = schema.get("properties")
        for key in schema.get("required", []):
            if key not in value:
                problems.append(f"{path}: required property '{key}' is missing")
        for key, item in value.items():
            if props is not None and key in props:
                validate(item, props[key], defs, f"{path}.{key}", problems)
            elif schema.get("additionalProperties") is False:
                problems.append(f"{path}: unknown property '{key}'")
            elif isinstance(schema.get("additionalProperties"), dict):
                validate(item, schema["additionalProperties"], defs, f"{path}.{key}", problems)
    elif expected == "array":
        for i, item in enumerate(value):
            validate(item, schema["items"], defs, f"{path}[{i}]", problems)


def pod_specs(objects):
    for o in objects:
        if o["kind"] in ("Deployment", "StatefulSet"):
            yield o, o["spec"]["template"]


def wiring(objects, problems):
    by_kind = {}
    for o in objects:
        by_kind.setdefault(o["kind"], {})[o["metadata"]["name"]] = o
    data_keys = {("ConfigMap", n): set(o.get("data", {})) | set(o.get("binaryData", {})) for n, o in by_kind.get("ConfigMap", {}).items()}
    data_keys.update({("Secret", n): set(o.get("data", {})) | set(o.get("stringData", {})) for n, o in by_kind.get("Secret", {}).items()})
    probes_source = open(os.path.join(HERE, "..", "..", "src", "Gateway", "Hosting", "Probes", "HealthProbes.cs")).read()
    served = set(re.findall(r'Path = "(/_gateway/[a-z]+)"', probes_source))
    for o, template in pod_specs(objects):
        name = f"{o['kind']}/{o['metadata']['name']}"
        labels = template.get("metadata", {}).get("labels", {})
        for k, v in o["spec"]["selector"].get("matchLabels", {}).items():
            if labels.get(k) != v:
                problems.append(f"{name}: selector {k}={v} does not match the pod template's labels")
        if o["kind"] == "StatefulSet" and o["spec"]["serviceName"] not in by_kind.get("Service", {}):
            problems.append(f"{name}: serviceName '{o['spec']['serviceName']}' is not a Service here")
        spec = template["spec"]
        volumes = {v["name"] for v in spec.get("volumes", [])} | {c["metadata"]["name"] for c in o["spec"].get("volumeClaimTemplates", [])}
        for c in spec["containers"]:
            cname = f"{name} container {c['name']}"
            env = {e["name"]: e for e in c.get("env", [])}
            ports = {p.get("name") for p in c.get("ports", [])} | {p["containerPort"] for p in c.get("ports", [])}
            for arg in c.get("args", []) + c.get("command", []):
                for var in re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", arg):
                    if var not in env:
                        problems.append(f"{cname}: $({var}) in args is not an env var of the container")
            for e in env.values():
                source = e.get("valueFrom", {})
                for kind, ref in (("ConfigMap", source.get("configMapKeyRef")), ("Secret", source.get("secretKeyRef"))):
                    if ref and not ref.get("optional") and ref["key"] not in data_keys.get((kind, ref["name"]), set()):
                        problems.append(f"{cname}: env {e['name']} needs {kind} {ref['name']} key '{ref['key']}', not defined here")
            for m in c.get("volumeMounts", []):
                if m["name"] not in volumes:
                    problems.append(f"{cname}: volumeMount '{m['name']}' has no volume")
            for probe_name in ("readinessProbe", "livenessProbe", "startupProbe"):
                probe = c.get(probe_name)
                for action in ("httpGet", "tcpSocket"):
                    if probe and action in probe and probe[action]["port"] not in ports:
                        problems.append(f"{cname}: {probe_name} port {probe[action]['port']!r} is not a container port")
                if probe and "httpGet" in probe and c["name"] == "gateway" and probe["httpGet"]["path"] not in served:
                    problems.append(f"{cname}: {probe_name} path {probe['httpGet']['path']} is not one the gateway serves unauthenticated ({', '.join(sorted(served))})")
            if c["name"] == "gateway":
                args = c.get("args", [])
                drain = float(args[args.index("--drain-seconds") + 1]) if "--drain-seconds" in args else 0
                pre = c.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
                pre_sleep = float(pre[1]) if len(pre) == 2 and pre[0] == "sleep" else 0
                grace = spec.get("terminationGracePeriodSeconds", 30)
                if not c.get("readinessProbe") or not c.get("livenessProbe"):
                    problems.append(f"{cname}: needs a readiness and a liveness probe")
                if drain <= 0:
                    problems.append(f"{cname}: no --drain-seconds: SIGTERM would end invocations in flight")
                if grace <= pre_sleep + drain:
                    problems.append(f"{cname}: terminationGracePeriodSeconds {grace} <= preStop {pre_sleep:g} s + drain {drain:g} s")
    pods = [(o, t.get("metadata", {}).get("labels", {}), t["spec"]) for o, t in pod_specs(objects)]
    for name, svc in by_kind.get("Service", {}).items():
        selector = svc["spec"].get("selector", {})
        matches = [(o, spec) for o, labels, spec in pods if selector and all(labels.get(k) == v for k, v in selector.items())]
        if selector and not matches:
            problems.append(f"Service/{name}: selector {selector} selects no pod here")
        for p in svc["spec"].get("ports", []):
            target = p.get("targetPort", p["port"])
            for o, spec in matches:
                names = {q.get("name") for c in spec["containers"] for q in c.get("ports", [])} | {q["containerPort"] for c in spec["containers"] for q in c.get("ports", [])}
                if target not in names:
                    problems.append(f"Service/{name}: targetPort {target!r} is not a port of {o['kind']}/{o['metadata']['name']}")


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else HERE
    schema = json.load(open(os.path.join(HERE, "schema", "k8s-schema.json")))
    defs = schema["definitions"]
    kustomization = yaml.safe_load(open(os.path.join(directory, "kustomization.yaml")))
    problems, objects = [], []
    for resource in kustomization.get("resources", []):
        path = os.path.join(directory, resource)
        if not os.path.exists(path):
            problems.append(f"kustomization.yaml: {resource} does not exist")
            continue
        for i, doc in enumerate(yaml.safe_load_all(open(path))):
            if doc is None:
                continue
            where = f"{resource}#{i + 1}"
            root = schema["roots"].get(f"{doc.get('apiVersion')}/{doc.get('kind')}")
            if root is None:
                problems.append(f"{where}: {doc.get('apiVersion')}/{doc.get('kind')} is not a kind this check knows")
                continue
            before = len(problems)
            validate(doc, {"$ref": root}, defs, f"{where} {doc['kind']}/{doc.get('metadata', {}).get('name', '?')}", problems)
            print(f"{where}: {doc['kind']}/{doc['metadata']['name']} {'ok' if len(problems) == before else 'INVALID'}")
            objects.append(doc)
    if not problems:
        wiring(objects, problems)
    for p in problems:
        print("problem: " + p)
    print(f"deploy/k8s: {len(objects)} objects, {len(problems)} problem(s)")
    return 1 if problems or not objects else 0


if __name__ == "__main__":
    sys.exit(main())
