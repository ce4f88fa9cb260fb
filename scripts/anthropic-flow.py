#!/usr/bin/env python3
"""Anthropic's Messages API, driven by the official `anthropic` package against `textnlp serve`.

    scripts/anthropic-flow.py --base-url http://127.0.0.1:8080 --api-key KEY --model smollm2-135m-instruct

It checks what a client relies on: the SDK's types parse every message and event; the key goes as
x-api-key; a seeded request (this SDK sends sampling parameters and the seed through extra_body) gives the same text twice, streamed and not; stop
sequences end the text with stop_reason "stop_sequence"; a stream the client closes is cancelled in the
engine (seen in /metrics); bad requests are the SDK's exceptions. With --batches it also runs the Message
Batches flow. It prints one JSON summary as its last line and exits 0 only when every check passed.
"""
import argparse
import json
import re
import sys
import time
import urllib.request

import anthropic

failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print(f"FAILED: {what}", file=sys.stderr)
    return condition


def expect_error(kind, call, what, type_=None):
    try:
        call()
    except kind as e:
        body = e.body if isinstance(e.body, dict) else {}
        check(body.get("type") == "error", f"{what}: Anthropic's error shape ({body})")
        if type_ is not None:
            check(body.get("error", {}).get("type") == type_, f"{what}: error type {body.get('error')}, expected {type_}")
        return
    except Exception as e:  # noqa: BLE001
        check(False, f"{what}: raised {type(e).__name__} instead of {kind.__name__}: {e}")
        return
    check(False, f"{what}: no error")


def metric(base, name, labels):
    text = urllib.request.urlopen(base + "/metrics", timeout=10).read().decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--api-key", required=True)
    ap.add_argument("--model", required=True)
    args = ap.parse_args()
    client = anthropic.Anthropic(base_url=args.base_url, api_key=args.api_key, max_retries=0, timeout=120)
    model = args.model
    summary = {}
    messages = [{"role": "user", "content": "Describe a forest in one sentence."}]
    seeded = dict(model=model, max_tokens=24, system="You answer briefly.", messages=messages, extra_body={"seed": 21, "temperature": 0.8})

    m = client.messages.create(**seeded)
    check(isinstance(m, anthropic.types.Message) and m.type == "message" and m.role == "assistant", "messages: a Message")
    check(len(m.content) == 1 and m.content[0].type == "text" and m.content[0].text, "messages: one text block")
    text = m.content[0].text
    check(m.stop_reason in ("end_turn", "max_tokens"), f"messages: stop_reason {m.stop_reason}")
    check(m.usage.input_tokens > 0 and 0 < m.usage.output_tokens <= 24, f"messages: usage {m.usage}")
    check(client.messages.create(**seeded).content[0].text == text, "messages: the same seed gives the same text")
    summary["message"] = text

    with client.messages.stream(**seeded) as stream:
        s_text = "".join(stream.text_stream)
        final = stream.get_final_message()
    check(s_text == text, f"stream: {s_text!r} differs from {text!r}")
    check(final.content[0].text == text and final.stop_reason == m.stop_reason and final.usage.output_tokens == m.usage.output_tokens,
          f"stream: the final message ({final})")
    kinds = [e.type for e in client.messages.create(stream=True, **seeded)]
    check(kinds[0] == "message_start" and kinds[-1] == "message_stop" and "content_block_delta" in kinds
          and kinds.index("content_block_start") < kinds.index("content_block_delta") < kinds.index("content_block_stop") < kinds.index("message_delta"),
          f"stream: event order {kinds}")

    greedy = dict(model=model, max_tokens=30, messages=[{"role": "user", "content": "List five fruits, separated by commas."}], extra_body={"temperature": 0})
    full = client.messages.create(**greedy).content[0].text
    words = re.findall(r"[A-Za-z]{4,}", full)
    if check(len(words) >= 2, f"stop: enough text ({full!r})"):
        stop = words[1]
        cut = client.messages.create(stop_sequences=[stop], **greedy)
        check(cut.stop_reason == "stop_sequence" and cut.stop_sequence == stop, f"stop: stop_reason {cut.stop_reason} {cut.stop_sequence!r}")
        check(cut.content[0].text == full[: full.index(stop)], f"stop: {cut.content[0].text!r} is not the text up to {stop!r}")

    before = metric(args.base_url, "textnlp_online_requests_total", {"api": "messages", "outcome": "cancelled"})
    with client.messages.stream(model=model, max_tokens=3000, messages=messages, extra_body={"temperature": 1.0}) as stream:
        for i, _ in enumerate(stream.text_stream):
            if i == 2:
                break
    deadline = time.time() + 10
    while time.time() < deadline and metric(args.base_url, "textnlp_online_requests_total", {"api": "messages", "outcome": "cancelled"}) <= before:
        time.sleep(0.05)
    check(metric(args.base_url, "textnlp_online_requests_total", {"api": "messages", "outcome": "cancelled"}) == before + 1,
          "disconnect: the request was cancelled")

    expect_error(anthropic.NotFoundError, lambda: client.messages.create(model="no-such-model", max_tokens=5, messages=messages), "unknown model",
                 "not_found_error")
    expect_error(anthropic.BadRequestError, lambda: client.messages.create(model=model, max_tokens=5, messages=[{"role": "robot", "content": "x"}]),
                 "an unknown role", "invalid_request_error")
    expect_error(anthropic.BadRequestError, lambda: client.messages.create(model=model, max_tokens=5, messages=messages,
                                                                           tools=[{"name": "t", "input_schema": {"type": "object"}}]),
                 "tools", "invalid_request_error")
    expect_error(anthropic.BadRequestError, lambda: client.messages.create(model=model, max_tokens=9000, messages=messages), "max_tokens past the context")
    bad = anthropic.Anthropic(base_url=args.base_url, api_key="wrong", max_retries=0)
    expect_error(anthropic.AuthenticationError, lambda: bad.messages.create(model=model, max_tokens=5, messages=messages), "a wrong key",
                 "authentication_error")

    summary["failures"] = failures
    print(json.dumps(summary))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
