#!/usr/bin/env python3
"""llama-batched-bench's measurement, through llama-cpp-python's C API, on the same GGUF and settings as
`textnlp bench`: B sequences of PP random prompt tokens, then TG decode steps of one token per sequence.
Prints one JSON object per batch size and line: {"batch", "pp", "tg", "t_pp", "s_pp", "t_tg", "s_tg"}.
"""
import argparse
import ctypes
import json
import random
import time

import llama_cpp as C


def run(model, batch_size, pp, tg, threads, n_batch):
    params = C.llama_context_default_params()
    params.n_ctx = batch_size * (pp + tg) + 16
    params.n_batch = n_batch
    params.n_ubatch = n_batch
    params.n_seq_max = batch_size
    params.n_threads = threads
    params.n_threads_batch = threads
    ctx = C.llama_init_from_model(model, params)
    vocab = C.llama_model_get_vocab(model)
    n_vocab = C.llama_vocab_n_tokens(vocab)
    rng = random.Random(42)
    prompts = [[rng.randrange(n_vocab) for _ in range(pp)] for _ in range(batch_size)]
    batch = C.llama_batch_init(max(n_batch, batch_size), 0, batch_size)

    def decode(items):
        batch.n_tokens = len(items)
        for i, (tok, pos, seq, want) in enumerate(items):
            batch.token[i] = tok
            batch.pos[i] = pos
            batch.n_seq_id[i] = 1
            batch.seq_id[i][0] = seq
            batch.logits[i] = want
        if C.llama_decode(ctx, batch) != 0:
            raise RuntimeError("llama_decode failed")

    items = [(t, p, s, p == pp - 1) for s in range(batch_size) for p, t in enumerate(prompts[s])]
    start = time.perf_counter()
    for i in range(0, len(items), n_batch):
        decode(items[i:i + n_batch])
    t_pp = time.perf_counter() - start
    start = time.perf_counter()
    for step in range(tg):
        decode([(rng.randrange(n_vocab), pp + step, s, True) for s in range(batch_size)])
    t_tg = time.perf_counter() - start
    C.llama_batch_free(batch)
    C.llama_free(ctx)
    return {"batch": batch_size, "pp": pp, "tg": tg, "t_pp": t_pp, "s_pp": batch_size * pp / t_pp,
            "t_tg": t_tg, "s_tg": batch_size * tg / t_tg}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--pp", type=int, default=128)
    ap.add_argument("--tg", type=int, default=128)
    ap.add_argument("--batch", default="1,8,32,64")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--n-batch", type=int, default=512)
    a = ap.parse_args()
    C.llama_backend_init()
    mparams = C.llama_model_default_params()
    model = C.llama_model_load_from_file(a.model.encode(), mparams)
    for b in [int(x) for x in a.batch.split(",")]:
        print(json.dumps(run(model, b, a.pp, a.tg, a.threads, a.n_batch)), flush=True)
    C.llama_model_free(model)


if __name__ == "__main__":
    main()
