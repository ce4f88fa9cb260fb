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

from flowcheck import cancelled_once, check, failures, metric


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



def wait(client, batch_id, seconds=300):
    deadline = time.time() + seconds
    while True:
        b = client.messages.batches.retrieve(batch_id)
        if b.processing_status == "ended" or time.time() > deadline:
            return b
        time.sleep(0.3)


def batches(client, args, model):
    """The Message Batches flow: create, poll, results (the same text as /v1/messages), list, cancel, delete."""
    questions = ["Name a color.", "What is two plus two?", "Say hello in French."]
    params = [dict(model=model, max_tokens=20, messages=[{"role": "user", "content": q}], temperature=0.7, seed=40 + i)
              for i, q in enumerate(questions)]
    fruits = dict(model=model, max_tokens=30, messages=[{"role": "user", "content": "List five fruits, separated by commas."}])
    full = client.messages.create(**fruits, extra_body={"temperature": 0}).content[0].text
    words = re.findall(r"[A-Za-z]{4,}", full)
    stop = words[1] if len(words) > 1 else "zzzz"
    params.append(dict(fruits, temperature=0, stop_sequences=["zzzz", stop]))
    requests = [{"custom_id": f"req-{i}", "params": p} for i, p in enumerate(params)]
    created = client.messages.batches.create(requests=requests)
    check(isinstance(created, anthropic.types.messages.MessageBatch) and created.type == "message_batch", "batches: a MessageBatch")
    check(created.id.startswith("msgbatch_") and created.processing_status in ("in_progress", "ended"), f"batches: {created}")
    check(created.results_url is None or created.processing_status == "ended", "batches: no results_url before the end")
    ended = wait(client, created.id)
    check(ended.processing_status == "ended" and ended.ended_at is not None and ended.results_url, f"batches: ended ({ended})")
    check(ended.request_counts.succeeded == 4 and ended.request_counts.errored == 0 and ended.request_counts.processing == 0,
          f"batches: counts {ended.request_counts}")
    results = list(client.messages.batches.results(created.id))
    check([r.custom_id for r in results] == [f"req-{i}" for i in range(4)], "batches: results in request order")
    texts = {}
    for r, p in zip(results, params):
        if not check(r.result.type == "succeeded", f"batches: {r.custom_id} {r.result.type}"):
            continue
        message = r.result.message
        texts[r.custom_id] = message.content[0].text
        online = client.messages.create(**{k: v for k, v in p.items() if k not in ("temperature", "seed")},
                                        extra_body={k: p[k] for k in ("temperature", "seed") if k in p})
        check(message.content[0].text == online.content[0].text, f"batches: {r.custom_id} differs from /v1/messages")
        check(message.stop_reason == online.stop_reason and message.stop_sequence == online.stop_sequence
              and message.usage.output_tokens == online.usage.output_tokens and message.usage.input_tokens == online.usage.input_tokens,
              f"batches: {r.custom_id} stop and usage ({message.stop_reason} {message.stop_sequence!r} vs {online.stop_reason} {online.stop_sequence!r})")
    check(results[3].result.type == "succeeded" and results[3].result.message.stop_reason == "stop_sequence"
          and results[3].result.message.stop_sequence == stop, f"batches: the stop sequence {stop!r} is named")
    # The same batch through OpenAI's door.
    req = urllib.request.Request(args.base_url + f"/v1/batches/{created.id}", headers={"Authorization": f"Bearer {args.api_key}"})
    openai_view = json.loads(urllib.request.urlopen(req, timeout=10).read())
    check(openai_view["id"] == created.id and openai_view["status"] == "completed" and openai_view["request_counts"]["completed"] == 4,
          f"batches: /v1/batches shows it ({openai_view.get('status')})")
    # A long batch, cancelled: what did not run is canceled.
    long = client.messages.batches.create(requests=[{"custom_id": f"long-{i}", "params": dict(
        model=model, max_tokens=200, messages=[{"role": "user", "content": f"Write a long story about a robot named R{i}."}])} for i in range(48)])
    cancelling = client.messages.batches.cancel(long.id)
    check(cancelling.processing_status in ("canceling", "ended") and cancelling.cancel_initiated_at is not None, f"cancel: {cancelling}")
    if client.messages.batches.retrieve(long.id).processing_status != "ended":
        expect_error(anthropic.BadRequestError, lambda: client.messages.batches.delete(long.id), "delete: a batch still processing")
    cancelled = wait(client, long.id)
    counts = cancelled.request_counts
    check(cancelled.processing_status == "ended" and counts.canceled > 0 and counts.succeeded + counts.errored + counts.canceled == 48,
          f"cancel: counts {counts}")
    kinds = [r.result.type for r in client.messages.batches.results(long.id)]
    check(len(kinds) == 48 and kinds.count("canceled") == counts.canceled, f"cancel: results {kinds}")
    listed = [b.id for b in client.messages.batches.list(limit=1)]
    check(long.id in listed and created.id in listed, "list: both batches, page after page")
    deleted = client.messages.batches.delete(created.id)
    check(deleted.id == created.id and deleted.type == "message_batch_deleted", f"delete: {deleted}")
    expect_error(anthropic.NotFoundError, lambda: client.messages.batches.retrieve(created.id), "delete: the batch is gone", "not_found_error")
    expect_error(anthropic.BadRequestError, lambda: client.messages.batches.create(requests=[{"custom_id": "a", "params": params[0]}] * 2),
                 "create: duplicate custom ids", "invalid_request_error")
    expect_error(anthropic.BadRequestError, lambda: client.messages.batches.create(requests=[{"custom_id": "a", "params": {"model": model}}]),
                 "create: a request without max_tokens", "invalid_request_error")
    return texts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--api-key", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--batches", action="store_true", help="also run the Message Batches flow")
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
    check(cancelled_once(args.base_url, "messages", before), "disconnect: the request was cancelled")

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

    if args.batches:
        summary["batches"] = batches(client, args, model)

    summary["failures"] = failures
    print(json.dumps(summary))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
