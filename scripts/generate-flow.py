#!/usr/bin/env python3
"""textnlp's own online endpoints against `textnlp serve`: POST /v1/generate (whole and as Server-Sent
Events) and GET /v1/stream (a WebSocket, with the `websockets` client).

    scripts/generate-flow.py --base-url http://127.0.0.1:8080 --api-key KEY --model smollm2-135m-instruct

A seeded request gives the same text, token ids and logprobs in all three; the ids decode to the text's
tokens; a bad request on the WebSocket is answered with an error and the connection serves the next; a
WebSocket closed mid-request cancels it (seen in /metrics). Prints a JSON summary last; exits 0 only when
every check passed.
"""
import argparse
import asyncio
import json
import sys
import time
import urllib.error
import urllib.request

import websockets

from flowcheck import cancelled_once, check, failures, metric


def post(base, key, body, stream=False):
    req = urllib.request.Request(base + "/v1/generate", data=json.dumps(body).encode(), method="POST",
                                 headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read().decode()


def sse(text):
    events = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.split("\n") if ": " in line)
        events.append((fields.get("event"), json.loads(fields["data"])))
    return events



async def socket(base, key, body):
    url = base.replace("http://", "ws://") + "/v1/stream"
    async with websockets.connect(url, additional_headers={"Authorization": f"Bearer {key}"}) as ws:
        await ws.send(json.dumps({"model": body["model"], "prompt": "x", "temperature": 9}))
        bad = json.loads(await ws.recv())
        check(bad.get("type") == "error" and bad.get("status") == 400 and bad["error"]["param"] == "temperature", f"ws: a bad request is answered ({bad})")
        await ws.send(json.dumps(body))
        texts, result = [], None
        while result is None:
            m = json.loads(await ws.recv())
            if m["type"] == "text":
                texts.append(m["text"])
            else:
                result = m
        check(result["type"] == "result" and "".join(texts) == result["choices"][0]["text"], "ws: the texts make the result")
    async with websockets.connect(url, additional_headers={"Authorization": f"Bearer {key}"}) as ws:
        await ws.send(json.dumps({**body, "max_tokens": 3000, "seed": 5}))
        for _ in range(3):
            await ws.recv()
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--api-key", required=True)
    ap.add_argument("--model", required=True)
    args = ap.parse_args()
    base, key = args.base_url, args.api_key
    body = {"model": args.model, "prompt": "The lighthouse keeper", "max_tokens": 20, "temperature": 0.9, "seed": 4, "logprobs": True, "top_logprobs": 2}

    status, ctype, text = post(base, key, body)
    check(status == 200 and ctype.startswith("application/json"), f"generate: {status} {text[:200]}")
    whole = json.loads(text)
    c = whole["choices"][0]
    check(whole["object"] == "generation" and len(c["token_ids"]) == whole["usage"]["completion_tokens"] == len(c["logprobs"]), "generate: counts")
    check(len(whole["prompt_token_ids"]) == whole["usage"]["prompt_tokens"] > 0, "generate: prompt ids")
    check(all(len(t) == 2 and t[0]["logprob"] >= t[1]["logprob"] for t in c["top_logprobs"]), "generate: top_logprobs")
    check(c["timings"]["decode_seconds"] >= 0 and whole["total_seconds"] > 0, "generate: timings")
    status, ctype, text = post(base, key, {**body, "stream": True})
    check(status == 200 and ctype.startswith("text/event-stream"), f"generate stream: {status} {ctype}")
    events = sse(text)
    check(events[-1][0] == "result" and all(name == "text" for name, _ in events[:-1]), "generate stream: text events, then the result")
    streamed = events[-1][1]["choices"][0]
    check("".join(e["text"] for _, e in events[:-1]) == c["text"] == streamed["text"], "generate stream: the same text")
    check(streamed["token_ids"] == c["token_ids"] and streamed["logprobs"] == c["logprobs"], "generate stream: the same ids and logprobs")
    status, _, text = post(base, key, {"model": args.model, "prompt": "x", "tools": []})
    check(status == 400 and json.loads(text)["error"]["param"] == "tools", f"generate: an unknown field ({status} {text})")
    status, _, text = post(base, key, {"model": args.model, "messages": [{"role": "user", "content": "hi"}], "prompt": "x"})
    check(status == 400, f"generate: prompt and messages ({status})")

    before = metric(base, "textnlp_online_requests_total", {"api": "stream", "outcome": "cancelled"})
    result = asyncio.run(socket(base, key, body))
    check(result["choices"][0]["text"] == c["text"] and result["choices"][0]["token_ids"] == c["token_ids"], "ws: the same text as /v1/generate")
    check(cancelled_once(base, "stream", before), "ws: closing cancels the request")

    print(json.dumps({"text": c["text"], "failures": failures}))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
