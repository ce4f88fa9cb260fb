#!/usr/bin/env python3
"""OpenAI's online API (chat and completions, streamed and not), driven by the official `openai` package
against `textnlp serve`.

    scripts/openai-online-flow.py --base-url http://127.0.0.1:8080/v1 --api-key KEY --model smollm2-135m-instruct

It checks what a client relies on: the SDK's types parse every answer and chunk; a seeded request gives
the same text twice, streamed and not, alone and beside other streams; stop strings end the text and are
not in it; n > 1 gives choice k the text of seed + k; logprobs and top_logprobs are consistent; a stream
the client closes is cancelled in the engine (seen in /metrics); bad requests are the SDK's exceptions
with the field named. It prints one JSON summary as its last line and exits 0 only when every check passed.
"""
import argparse
import json
import re
import sys
import threading
import time
import urllib.request

import openai

from flowcheck import cancelled_once, check, failures, metric


def expect_error(kind, call, what, param=None, code=None):
    try:
        call()
    except kind as e:
        body = e.body if isinstance(e.body, dict) else {}
        if param is not None:
            check(body.get("param") == param, f"{what}: param {body.get('param')!r}, expected {param!r}")
        if code is not None:
            check(body.get("code") == code, f"{what}: code {body.get('code')!r}, expected {code!r}")
        return
    except Exception as e:  # noqa: BLE001
        check(False, f"{what}: raised {type(e).__name__} instead of {kind.__name__}: {e}")
        return
    check(False, f"{what}: no error")



def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--api-key", required=True)
    ap.add_argument("--model", required=True)
    args = ap.parse_args()
    client = openai.OpenAI(base_url=args.base_url, api_key=args.api_key, max_retries=0, timeout=120)
    model = args.model
    root = args.base_url.rsplit("/v1", 1)[0]
    messages = [{"role": "system", "content": "You answer briefly."}, {"role": "user", "content": "Describe the sea in one sentence."}]
    seeded = dict(model=model, messages=messages, max_tokens=24, temperature=0.8, seed=11)
    summary = {}

    # Non-streaming, twice: the same text.
    first = client.chat.completions.create(**seeded)
    check(isinstance(first, openai.types.chat.ChatCompletion), "chat: a ChatCompletion")
    check(first.object == "chat.completion" and len(first.choices) == 1, "chat: one choice")
    text = first.choices[0].message.content
    check(first.choices[0].message.role == "assistant" and text, "chat: assistant text")
    check(first.choices[0].finish_reason in ("stop", "length"), f"chat: finish_reason {first.choices[0].finish_reason}")
    u = first.usage
    check(u.prompt_tokens > 0 and 0 < u.completion_tokens <= 24 and u.total_tokens == u.prompt_tokens + u.completion_tokens, f"chat: usage {u}")
    again = client.chat.completions.create(**seeded)
    check(again.choices[0].message.content == text, "chat: the same seed gives the same text")
    summary["chat"] = text

    # Streaming: the same text, chunk by chunk, with usage last.
    def streamed(**kw):
        pieces, finish, usage, roles, objects = [], None, None, 0, set()
        for chunk in client.chat.completions.create(stream=True, stream_options={"include_usage": True}, **kw):
            objects.add(type(chunk).__name__)
            check(chunk.object == "chat.completion.chunk", f"stream: object {chunk.object}")
            if chunk.usage is not None:
                usage = chunk.usage
            for c in chunk.choices:
                if c.delta.role:
                    roles += 1
                if c.delta.content:
                    pieces.append(c.delta.content)
                if c.finish_reason:
                    finish = c.finish_reason
        check(objects == {"ChatCompletionChunk"}, f"stream: chunk types {objects}")
        check(roles == 1, f"stream: the role comes once ({roles})")
        return "".join(pieces), finish, usage

    s_text, s_finish, s_usage = streamed(**seeded)
    check(s_text == text, f"stream: {s_text!r} differs from {text!r}")
    check(s_finish == first.choices[0].finish_reason, "stream: the same finish_reason")
    check(s_usage is not None and s_usage.completion_tokens == u.completion_tokens and s_usage.prompt_tokens == u.prompt_tokens,
          f"stream: include_usage gives the usage ({s_usage})")

    # Under load: eight streams at once, the seeded one among others; it still gives the same text.
    results = {}

    def worker(i):
        kw = dict(seeded) if i % 2 == 0 else dict(model=model, messages=[{"role": "user", "content": f"Tell me about the number {i}."}],
                                                  max_tokens=40, temperature=1.0, seed=i)
        results[i] = streamed(**kw)[0]

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(all(results[i] == text for i in range(0, 8, 2)), f"load: the seeded stream changed beside others: {results}")

    # Stop strings: cut before the first occurrence, never included.
    greedy = dict(model=model, prompt="The days of the week are Monday, Tuesday,", max_tokens=24, temperature=0)
    full = client.completions.create(**greedy)
    check(isinstance(full, openai.types.Completion) and full.object == "text_completion", "completions: a Completion")
    full_text = full.choices[0].text
    words = [w for w in re.findall(r"[A-Za-z]{4,}", full_text)]
    if check(len(words) >= 2, f"completions: enough text to pick a stop string from: {full_text!r}"):
        stop = words[1]
        cut = client.completions.create(stop=[stop, "zzzz"], **greedy)
        check(cut.choices[0].text == full_text[: full_text.index(stop)], f"stop: {cut.choices[0].text!r} is not the text up to {stop!r}")
        check(cut.choices[0].finish_reason == "stop", "stop: finish_reason stop")
        s = "".join(c.choices[0].text for c in client.completions.create(stop=[stop, "zzzz"], stream=True, **greedy) if c.choices)
        check(s == cut.choices[0].text, "stop: streamed the same")
    summary["completion"] = full_text

    # n > 1: choice k is the text of seed + k.
    many = client.chat.completions.create(n=3, **seeded)
    check([c.index for c in many.choices] == [0, 1, 2], "n: three choices in order")
    check(many.choices[0].message.content == text, "n: choice 0 is the seed's text")
    one = client.chat.completions.create(**{**seeded, "seed": 12})
    check(many.choices[1].message.content == one.choices[0].message.content, "n: choice 1 is seed + 1's text")
    check(many.usage.prompt_tokens == u.prompt_tokens, "n: the prompt is counted once")
    streamed_many = {}
    for chunk in client.chat.completions.create(n=3, stream=True, **seeded):
        for c in chunk.choices:
            streamed_many[c.index] = streamed_many.get(c.index, "") + (c.delta.content or "")
    check([streamed_many.get(i) for i in range(3)] == [c.message.content for c in many.choices], "n: streamed choices are the same")

    # Logprobs: the chosen token's and the most likely ones.
    lp = client.chat.completions.create(model=model, messages=messages, max_tokens=8, temperature=0, logprobs=True, top_logprobs=3)
    content = lp.choices[0].logprobs.content
    check(len(content) == lp.usage.completion_tokens, "logprobs: one per token")
    check(all(len(t.top_logprobs) == 3 and t.top_logprobs[0].logprob == t.logprob and t.top_logprobs[0].token == t.token for t in content),
          "logprobs: greedy picks the first of top_logprobs")
    check(all(t.logprob <= 0 and bytes(t.bytes).decode("utf-8", "replace") == t.token for t in content), "logprobs: values and bytes")
    check("".join(t.token for t in content) == lp.choices[0].message.content, "logprobs: the tokens make the text")
    clp = client.completions.create(logprobs=2, **greedy).choices[0].logprobs
    check(len(clp.tokens) == len(clp.token_logprobs) == len(clp.top_logprobs) == len(clp.text_offset) and all(len(t) <= 2 for t in clp.top_logprobs),
          "completions logprobs: parallel arrays")

    # Cancellation: a stream closed after a few chunks stops in the engine.
    before = metric(root, "textnlp_online_requests_total", {"api": "chat", "outcome": "cancelled"})
    stream = client.chat.completions.create(model=model, messages=messages, max_tokens=3000, temperature=1.0, seed=3, stream=True)
    got = 0
    for _ in stream:
        got += 1
        if got == 3:
            break
    stream.close()
    check(cancelled_once(root, "chat", before), "disconnect: the request was cancelled")
    tokens = metric(root, "textnlp_online_completion_tokens_total", {"api": "chat", "outcome": "cancelled"})
    check(tokens < 200, f"disconnect: the engine stopped soon ({tokens} tokens)")

    # Bad requests: the SDK's exceptions, the field named.
    expect_error(openai.NotFoundError, lambda: client.chat.completions.create(model="no-such-model", messages=messages), "unknown model",
                 param="model", code="model_not_found")
    expect_error(openai.BadRequestError, lambda: client.chat.completions.create(model=model, messages=messages, extra_body={"logit_bias_x": 1}),
                 "an unsupported field", param="logit_bias_x")
    expect_error(openai.BadRequestError, lambda: client.chat.completions.create(model=model, messages=[{"role": "robot", "content": "hi"}]),
                 "an unknown role", param="messages[0]")
    expect_error(openai.BadRequestError, lambda: client.completions.create(model=model, prompt=""), "an empty prompt", param="prompt")
    expect_error(openai.BadRequestError, lambda: client.completions.create(model=model, prompt="word " * 9000), "a prompt past the context",
                 code="context_length_exceeded")
    expect_error(openai.BadRequestError, lambda: client.completions.create(model=model, prompt="hi", max_tokens=9000), "max_tokens past the context",
                 param="max_tokens")
    expect_error(openai.BadRequestError, lambda: client.chat.completions.create(model=model, messages=messages, temperature=3), "temperature 3",
                 param="temperature")
    listed = [m for m in client.models.list() if m.id == model]
    check(len(listed) == 1 and getattr(listed[0], "available", None) is True and getattr(listed[0], "loaded", None) is True,
          f"models: the model is listed, available and loaded ({listed})")

    summary["failures"] = failures
    print(json.dumps(summary))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
