"""What the client flows (scripts/*-flow.py) share: checks that record their failures instead of stopping at
the first, and the counters of the server's /metrics."""
import sys
import time
import urllib.request

failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print(f"FAILED: {what}", file=sys.stderr)
    return condition


def metric(root, name, labels):
    """The sum of the samples of `name` whose labels include `labels`, from `root`/metrics."""
    text = urllib.request.urlopen(root + "/metrics", timeout=10).read().decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()))


def cancelled_once(root, api, before, seconds=10):
    """Waits until the server counts one more cancelled online request of `api` than `before`; whether it did."""
    labels = {"api": api, "outcome": "cancelled"}
    deadline = time.time() + seconds
    while time.time() < deadline and metric(root, "textnlp_online_requests_total", labels) <= before:
        time.sleep(0.05)
    return metric(root, "textnlp_online_requests_total", labels) == before + 1
