#!/usr/bin/env python3
"""The OpenAI Batch API flow, driven by the official `openai` Python package against `textnlp serve`.

    scripts/openai-batch-flow.py --base-url http://127.0.0.1:8080/v1 --api-key KEY --other-key KEY2 --model smollm2-135m-instruct

It uploads input files, creates batches on both endpoints, polls them, downloads their output and error
files, cancels one, lists them page by page, and checks what a client of OpenAI's API relies on: the
SDK's own types parse every answer, errors come as the SDK's exception classes, another tenant's batch
is not found. It prints one JSON object (the outputs by custom_id, the figures) as its last line and
exits 0 only when every check passed; each failed check is printed on standard error.
"""
import argparse
import json
import sys
import time

import openai

from flowcheck import check, failures


def lines_file(requests):
    return "".join(json.dumps(r) + "\n" for r in requests).encode()


def wait(client, batch_id, until, seconds=300):
    deadline = time.time() + seconds
    while True:
        batch = client.batches.retrieve(batch_id)
        if batch.status in until or time.time() > deadline:
            return batch
        time.sleep(0.3)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--base-url", required=True)
    p.add_argument("--api-key", required=True)
    p.add_argument("--other-key", required=True)
    p.add_argument("--model", required=True)
    a = p.parse_args()
    client = openai.OpenAI(base_url=a.base_url, api_key=a.api_key, max_retries=0)
    other = openai.OpenAI(base_url=a.base_url, api_key=a.other_key, max_retries=0)
    summary = {}
    models = [m.id for m in client.models.list()]
    check(a.model in models and client.models.retrieve(a.model).owned_by == "textnlp", f"models.list: {models}")

    # Chat: seeded requests (the Swift test runs the same through `textnlp generate`), one too long to answer.
    chat = [
        {"custom_id": f"chat-{i}", "method": "POST", "url": "/v1/chat/completions",
         "body": {"model": a.model, "messages": [{"role": "system", "content": "You answer briefly."},
                                                  {"role": "user", "content": q}],
                  "max_tokens": 24, "seed": 100 + i, "temperature": 0.7}}
        for i, q in enumerate(["Name a color.", "What is two plus two?", "Say hello in French."])
    ]
    chat.append({"custom_id": "chat-n", "method": "POST", "url": "/v1/chat/completions",
                 "body": {"model": a.model, "messages": [{"role": "user", "content": "Name an animal."}], "max_tokens": 12,
                          "seed": 5, "n": 2, "logprobs": True}})
    chat.append({"custom_id": "chat-too-long", "method": "POST", "url": "/v1/chat/completions",
                 "body": {"model": a.model, "messages": [{"role": "user", "content": "word " * 12000}], "max_tokens": 4}})
    upload = client.files.create(file=("chat.jsonl", lines_file(chat)), purpose="batch")
    check(upload.purpose == "batch" and upload.bytes == len(lines_file(chat)), f"upload: {upload}")
    check(client.files.retrieve(upload.id).id == upload.id, "files.retrieve")
    check(client.files.content(upload.id).content == lines_file(chat), "files.content returns the uploaded bytes")
    batch = client.batches.create(input_file_id=upload.id, endpoint="/v1/chat/completions", completion_window="24h",
                                  metadata={"suite": "openai-flow"})
    check(batch.object == "batch" and batch.status in ("validating", "in_progress"), f"created batch: {batch.status}")
    check(batch.metadata == {"suite": "openai-flow"}, f"metadata kept: {batch.metadata}")
    done = wait(client, batch.id, ("completed", "failed", "cancelled", "expired"))
    check(done.status == "completed", f"chat batch ended {done.status}: {done}")
    check(done.request_counts.total == 5 and done.request_counts.completed == 4 and done.request_counts.failed == 1,
          f"request counts: {done.request_counts}")
    check(done.usage is not None and done.usage.output_tokens > 0, f"usage: {done.usage}")
    check(all(getattr(done, t) for t in ("created_at", "in_progress_at", "completed_at", "expires_at")), "timestamps")
    outputs = {}
    if check(done.output_file_id is not None, "output file"):
        for line in client.files.content(done.output_file_id).text.splitlines():
            o = json.loads(line)
            body = o["response"]["body"]
            completion = openai.types.chat.ChatCompletion.model_validate(body)
            check(o["response"]["status_code"] == 200 and completion.object == "chat.completion", f"output line {o['custom_id']}")
            check(completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens, "usage adds up")
            if o["custom_id"] == "chat-n":
                # n samples as n choices, each with its tokens' log-probabilities, which spell its text.
                check([c.index for c in completion.choices] == [0, 1], f"n=2 choices: {completion.choices}")
                for c in completion.choices:
                    spelled = b"".join(bytes(t.bytes) for t in c.logprobs.content).decode("utf-8", "replace")
                    check(c.logprobs.content and all(t.logprob <= 0 for t in c.logprobs.content), "logprobs are log-probabilities")
                    check(spelled == c.message.content, f"the tokens spell the text: {spelled!r} / {c.message.content!r}")
                summary["n_choices"] = [c.message.content for c in completion.choices]
                continue
            outputs[o["custom_id"]] = completion.choices[0].message.content
    check(sorted(outputs) == ["chat-0", "chat-1", "chat-2"], f"outputs: {sorted(outputs)}")
    if check(done.error_file_id is not None, "error file"):
        errors = [json.loads(l) for l in client.files.content(done.error_file_id).text.splitlines()]
        check([e["custom_id"] for e in errors] == ["chat-too-long"], f"error lines: {errors}")
        check(errors and errors[0]["response"]["status_code"] == 400, "error line status")
    summary["chat"] = outputs

    # Completions.
    comp = [{"custom_id": f"c-{i}", "method": "POST", "url": "/v1/completions",
             "body": {"model": a.model, "prompt": p, "max_tokens": 16, "seed": 7, "temperature": 0.9}}
            for i, p in enumerate(["Once upon a time", "The capital of France is"])]
    f2 = client.files.create(file=("comp.jsonl", lines_file(comp)), purpose="batch")
    b2 = wait(client, client.batches.create(input_file_id=f2.id, endpoint="/v1/completions", completion_window="24h").id,
              ("completed", "failed", "cancelled"))
    completions = {}
    if check(b2.status == "completed" and b2.output_file_id, f"completions batch: {b2.status}"):
        for line in client.files.content(b2.output_file_id).text.splitlines():
            o = json.loads(line)
            c = openai.types.Completion.model_validate(o["response"]["body"])
            check(c.object == "text_completion", "text_completion")
            completions[o["custom_id"]] = c.choices[0].text
    summary["completions"] = completions

    # Validation: every bad line is named with its line number; the batch fails at once.
    bad = [
        chat[0],
        "not json",
        dict(chat[1], url="/v1/embeddings"),
        dict(chat[0]),
        {"custom_id": "x", "method": "POST", "url": "/v1/chat/completions", "body": {"model": "no-such-model", "messages": [{"role": "user", "content": "hi"}]}},
        {"custom_id": "y", "method": "POST", "url": "/v1/chat/completions", "body": {"model": a.model, "messages": [{"role": "user", "content": "hi"}], "tools": []}},
    ]
    raw = "".join((l if isinstance(l, str) else json.dumps(l)) + "\n" for l in bad).encode()
    f3 = client.files.create(file=("bad.jsonl", raw), purpose="batch")
    b3 = client.batches.create(input_file_id=f3.id, endpoint="/v1/chat/completions", completion_window="24h")
    b3 = wait(client, b3.id, ("failed", "completed"))
    got = sorted((e.line, e.code, e.param) for e in (b3.errors.data if b3.errors else []))
    check(b3.status == "failed", f"a bad input fails the batch: {b3.status}")
    check(got == [(2, "invalid_json_line", None), (3, "mismatched_endpoint", "url"), (4, "duplicate_custom_id", "custom_id"),
                  (5, "model_not_found", "body.model"), (6, "unsupported_parameter", "body.tools")], f"validation errors: {got}")
    summary["validation_errors"] = len(got)

    # Cancel: a batch of long requests, cancelled at once; it ends cancelled and says so.
    long = [{"custom_id": f"l-{i}", "method": "POST", "url": "/v1/completions",
             "body": {"model": a.model, "prompt": f"Chapter {i}. It was a dark night and", "max_tokens": 400, "seed": i}} for i in range(40)]
    f4 = client.files.create(file=("long.jsonl", lines_file(long)), purpose="batch")
    b4 = client.batches.create(input_file_id=f4.id, endpoint="/v1/completions", completion_window="24h")
    cancelling = client.batches.cancel(b4.id)
    check(cancelling.status in ("cancelling", "cancelled"), f"cancel answers {cancelling.status}")
    b4 = wait(client, b4.id, ("cancelled", "completed", "failed"), seconds=60)
    check(b4.status == "cancelled" and b4.cancelled_at and b4.cancelling_at, f"cancelled batch: {b4.status}")
    try:
        client.batches.cancel(done.id)
        check(False, "cancelling a completed batch is refused")
    except openai.APIStatusError as e:
        check(e.status_code == 409, f"cancel of a completed batch: {e.status_code}")
    summary["cancelled_completed"] = b4.request_counts.completed

    # Cancelled after some requests were answered: those answers stay, in the output file.
    short = [{"custom_id": f"s-{i}", "method": "POST", "url": "/v1/completions",
              "body": {"model": a.model, "prompt": f"Fact {i}:", "max_tokens": 16, "seed": i}} for i in range(48)]
    f5 = client.files.create(file=("short.jsonl", lines_file(short)), purpose="batch")
    b5 = client.batches.create(input_file_id=f5.id, endpoint="/v1/completions", completion_window="24h")
    deadline = time.time() + 120
    while (b5 := client.batches.retrieve(b5.id)).request_counts.completed == 0 and time.time() < deadline:
        time.sleep(0.05)
    client.batches.cancel(b5.id) if b5.status in ("validating", "in_progress", "finalizing") else None
    b5 = wait(client, b5.id, ("cancelled", "completed", "failed"), seconds=60)
    kept = client.files.content(b5.output_file_id).text.splitlines() if b5.output_file_id else []
    check(b5.request_counts.completed > 0 and len(kept) == b5.request_counts.completed,
          f"a cancelled batch keeps its answers: {b5.status}, {b5.request_counts.completed} completed, {len(kept)} output lines")
    summary["partial_kept"] = len(kept)

    # Lists, page by page, show the tenant's batches only.
    seen = [b.id for b in client.batches.list(limit=2)]
    check({batch.id, b2.id, b3.id, b4.id} <= set(seen) and len(seen) == len(set(seen)), f"batches.list pages: {seen}")
    check([b.id for b in other.batches.list()] == [], "another tenant's list is empty")
    files = [f.id for f in client.files.list()]
    check(upload.id in files, "files.list")

    # Errors as the SDK's exception classes.
    for call, cls, what in [
        (lambda: other.batches.retrieve(batch.id), openai.NotFoundError, "another tenant's batch is 404"),
        (lambda: other.files.content(upload.id), openai.NotFoundError, "another tenant's file is 404"),
        (lambda: openai.OpenAI(base_url=a.base_url, api_key="wrong", max_retries=0).batches.list(), openai.AuthenticationError, "a wrong key is 401"),
        (lambda: client.batches.create(input_file_id="file-nope", endpoint="/v1/chat/completions", completion_window="24h"), openai.NotFoundError, "an unknown file is 404"),
        (lambda: client.batches.retrieve("batch_nope"), openai.NotFoundError, "an unknown batch is 404"),
    ]:
        try:
            call()
            check(False, what)
        except cls as e:
            check(isinstance(e.body, dict) and "message" in e.body, f"{what}: error body {e.body}")
        except Exception as e:
            check(False, f"{what}: got {type(e).__name__} {e}")
    deleted = client.files.delete(f3.id)
    check(deleted.deleted and deleted.id == f3.id, "files.delete")
    try:
        client.files.retrieve(f3.id)
        check(False, "a deleted file is gone")
    except openai.NotFoundError:
        pass

    summary["failures"] = failures
    print(json.dumps(summary))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
