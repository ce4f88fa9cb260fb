#!/usr/bin/env python3
"""Golden fixtures for the engine tests, made by the reference implementations:
llama.cpp (through llama-cpp-python) for token ids and logits, gguf-py for dequantisation and
GGUF writing, Jinja2 for chat templates. Run through scripts/make-engine-fixtures (which sets up .venv).

Writes Tests/TextNLPInferenceTests/Fixtures/{tokenizer,chat,engine,quants,tiny}.json and the tiny GGUF models.
"""
import base64
import json
import os
import sys
import tempfile

import jinja2.sandbox
import numpy as np
import gguf
from gguf import GGMLQuantizationType as QT
from llama_cpp import Llama

sys.path.insert(0, os.path.dirname(__file__))
from tokenizer_corpus import corpus  # noqa: E402
from chat_templates import CONVERSATIONS, FAMILY_TEMPLATES  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
FIX = os.path.join(ROOT, "Tests", "TextNLPInferenceTests", "Fixtures")
MODEL = os.path.join(ROOT, "Models", "SmolLM2-135M-Instruct.Q4_1.gguf")
F16_TYPE = 1  # GGML_TYPE_F16: an f16 KV cache (llama.cpp's default, and textnlp's cache type)

PLAIN = [
    "The capital of France is",
    "Once upon a time, in a small village,",
    "def fibonacci(n):",
    "The three primary colors are",
    "Water boils at a temperature of",
    "1, 2, 3, 4, 5,",
    "The best way to learn a new language is",
]
CHAT = [
    "What is the capital of Japan?",
    "Write a haiku about autumn.",
    "Explain photosynthesis in one sentence.",
    "List three fruits.",
    "Translate 'good morning' to Spanish.",
    "What is 7 times 8?",
    "Give me a tip for writing clean code.",
]
GREEDY_TOKENS = 32
TOP = 8


def write_json(name, value):
    path = os.path.join(FIX, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def load(path, n_ctx=2048):
    return Llama(path, n_ctx=n_ctx, n_threads=2, n_batch=512, verbose=False, logits_all=True,
                 type_k=F16_TYPE, type_v=F16_TYPE, flash_attn=False)


def render(template, messages, bos="", eos="", add_generation_prompt=True):
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)

    def raise_exception(message):
        raise ValueError(message)

    env.globals["raise_exception"] = raise_exception
    return env.from_string(template).render(messages=messages, bos_token=bos, eos_token=eos,
                                            add_generation_prompt=add_generation_prompt)


def tokenizer_fixtures(vocab):
    cases = []
    for text in corpus():
        b = text.encode("utf-8")
        cases.append({
            "text": text,
            "ids": vocab.tokenize(b, add_bos=True, special=True),
            "ids_no_special": vocab.tokenize(b, add_bos=True, special=False),
        })
    write_json("tokenizer.json", {"model": "smollm2-135m-instruct", "reference": "llama.cpp via llama-cpp-python 0.3.36",
                                  "cases": cases})


def chat_fixtures(vocab):
    reader = gguf.GGUFReader(MODEL)
    template = reader.fields["tokenizer.chat_template"].contents()
    smol = []
    for messages in CONVERSATIONS:
        text = render(template, messages)
        smol.append({"messages": messages, "text": text,
                     "ids": vocab.tokenize(text.encode("utf-8"), add_bos=True, special=True)})
    families = []
    for family, spec in FAMILY_TEMPLATES.items():
        for messages in CONVERSATIONS:
            try:
                text = render(spec["template"], messages, bos=spec["bos"], eos=spec["eos"])
            except ValueError:
                continue  # the template rejects this conversation (e.g. a system role)
            families.append({"family": family, "template": spec["template"], "bos": spec["bos"], "eos": spec["eos"],
                             "messages": messages, "text": text})
    write_json("chat.json", {"smollm2": smol, "families": families})


def f32_copy(src, dst):
    """Every tensor dequantised to f32 with gguf-py; metadata copied."""
    reader = gguf.GGUFReader(src)
    arch = reader.fields["general.architecture"].contents()
    writer = gguf.GGUFWriter(dst, arch)
    for name, field in reader.fields.items():
        if name.startswith("GGUF.") or name == "general.architecture":
            continue
        value = field.contents()
        if name == "general.file_type":
            value = 0  # all f32
        vtype = field.types[0]
        if vtype == gguf.GGUFValueType.ARRAY:
            writer.add_key_value(name, value, vtype, sub_type=field.types[-1])
        else:
            writer.add_key_value(name, value, vtype)
    for t in reader.tensors:
        data = gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float32)
        writer.add_tensor(t.name, data)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def greedy(llm, prompt, n):
    llm.reset()
    llm.eval(prompt)
    out = []
    for _ in range(n):
        logits = np.array(llm.scores[llm.n_tokens - 1])
        token = int(np.argmax(logits))
        out.append(token)
        llm.eval([token])
    return out


def teacher_forced(llm, ids):
    llm.reset()
    llm.eval(ids)
    scores = np.array(llm.scores[: len(ids)])
    top_ids, top_logits = [], []
    for row in scores:
        order = np.argsort(-row, kind="stable")[:TOP]
        top_ids.append([int(i) for i in order])
        top_logits.append([float(row[i]) for i in order])
    return top_ids, top_logits


def engine_fixtures(vocab):
    reader = gguf.GGUFReader(MODEL)
    template = reader.fields["tokenizer.chat_template"].contents()
    prompts = [("plain", p, p) for p in PLAIN]
    prompts += [("chat", p, render(template, [{"role": "user", "content": p}])) for p in CHAT]
    with tempfile.TemporaryDirectory() as tmp:
        f32 = os.path.join(tmp, "smollm2-f32.gguf")
        f32_copy(MODEL, f32)
        ref32 = load(f32)
        rows = []
        for kind, text, rendered in prompts:
            ids = vocab.tokenize(rendered.encode("utf-8"), add_bos=True, special=True)
            g32 = greedy(ref32, ids, GREEDY_TOKENS)
            top_ids, top_logits = teacher_forced(ref32, ids + g32)
            rows.append({"kind": kind, "text": text, "prompt_ids": ids, "greedy_f32": g32,
                         "teacher_ids": ids + g32, "top_ids": top_ids, "top_logits": top_logits})
        del ref32
    refq = load(MODEL)
    for row in rows:
        row["greedy_q4_1"] = greedy(refq, row["prompt_ids"], GREEDY_TOKENS)
        # The quantized model teacher-forced on the same ids: llama.cpp's int8-activation arithmetic.
        row["q4_1_top_ids"], row["q4_1_top_logits"] = teacher_forced(refq, row["teacher_ids"])
    write_json("engine.json", {"model": "smollm2-135m-instruct", "reference": "llama.cpp on an f32 copy (gguf-py dequantised), f16 KV cache; q4_1_*: on the Q4_1 file itself",
                               "prompts": rows})


# ---- quantisation formats ----

def quant_fixtures():
    rng = np.random.default_rng(7)
    cases = []
    for qtype in (QT.F16, QT.BF16, QT.Q4_0, QT.Q4_1, QT.Q8_0, QT.Q4_K, QT.Q6_K):
        block, size = gguf.GGML_QUANT_SIZES[qtype]
        rows, cols = 3, 512
        if qtype in (QT.Q4_K, QT.Q6_K):
            raw = rng.integers(0, 256, size=(rows, cols // block * size), dtype=np.uint8)
            scales = rng.uniform(0.001, 0.05, size=(rows, cols // block, 2)).astype(np.float16).view(np.uint8)
            blocks = raw.reshape(rows, cols // block, size)
            if qtype == QT.Q4_K:
                blocks[:, :, 0:4] = scales.reshape(rows, cols // block, 4)          # d, dmin
            else:
                blocks[:, :, 208:210] = scales.reshape(rows, cols // block, 4)[:, :, 0:2]  # d
            data = blocks.reshape(rows, -1)
        else:
            values = (rng.standard_normal((rows, cols)) * 2).astype(np.float32)
            data = gguf.quants.quantize(values, qtype)
        expected = gguf.quants.dequantize(data, qtype).astype(np.float32)
        cases.append({"type": qtype.name, "rows": rows, "columns": cols,
                      "data": base64.b64encode(np.ascontiguousarray(data).tobytes()).decode(),
                      "expected": [float(x) for x in expected.reshape(-1)]})
    write_json("quants.json", {"reference": "gguf-py 0.19.0 gguf.quants.dequantize", "cases": cases})


# ---- tiny random models ----

def byte_tokens():
    # GPT-2's bytes_to_unicode: the vocabulary's texts for the 256 bytes.
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    table = dict(zip(bs, cs))
    return [chr(table[b]) for b in range(256)]


def tiny_vocab(writer):
    tokens = byte_tokens()
    merges = []
    for a, b in [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("i", "n"), ("Ġ", "a"), ("e", "r"), ("o", "n"), ("Ġ", "s")]:
        merges.append(f"{a} {b}")
        tokens.append(a + b)
    tokens += ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    types = [1] * (len(tokens) - 3) + [3, 3, 3]
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("gpt-2")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(merges)
    writer.add_bos_token_id(len(tokens) - 3)
    writer.add_eos_token_id(len(tokens) - 1)
    writer.add_add_bos_token(False)
    return len(tokens)


def tiny_llama(path, rng):
    w = gguf.GGUFWriter(path, "llama")
    n_vocab = tiny_vocab(w)
    d, ff, layers, heads, kv_heads, ctx = 128, 256, 2, 4, 2, 64
    hd = d // heads
    w.add_context_length(ctx)
    w.add_embedding_length(d)
    w.add_block_count(layers)
    w.add_feed_forward_length(ff)
    w.add_head_count(heads)
    w.add_head_count_kv(kv_heads)
    w.add_rope_freq_base(10000.0)
    w.add_rope_dimension_count(hd)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_vocab_size(n_vocab)
    w.add_file_type(0)

    def t(*shape, scale=0.08):
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    w.add_tensor("token_embd.weight", t(n_vocab, d, scale=0.5))
    w.add_tensor("output.weight", t(n_vocab, d, scale=0.3))
    w.add_tensor("output_norm.weight", (1 + t(d, scale=0.1)))
    for i in range(layers):
        p = f"blk.{i}."
        w.add_tensor(p + "attn_norm.weight", 1 + t(d, scale=0.1))
        w.add_tensor(p + "ffn_norm.weight", 1 + t(d, scale=0.1))
        w.add_tensor(p + "attn_q.weight", t(d, d, scale=0.15))
        w.add_tensor(p + "attn_k.weight", t(kv_heads * hd, d, scale=0.15))
        w.add_tensor(p + "attn_v.weight", t(kv_heads * hd, d))
        w.add_tensor(p + "attn_output.weight", t(d, d))
        w.add_tensor(p + "ffn_gate.weight", t(ff, d))
        w.add_tensor(p + "ffn_up.weight", t(ff, d))
        w.add_tensor(p + "ffn_down.weight", t(d, ff))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return n_vocab


def tiny_gpt2(path, rng):
    w = gguf.GGUFWriter(path, "gpt2")
    n_vocab = tiny_vocab(w)
    d, ff, layers, heads, ctx = 128, 512, 2, 4, 64
    w.add_context_length(ctx)
    w.add_embedding_length(d)
    w.add_block_count(layers)
    w.add_feed_forward_length(ff)
    w.add_head_count(heads)
    w.add_layer_norm_eps(1e-5)
    w.add_file_type(0)

    def t(*shape, scale=0.08):
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    w.add_tensor("token_embd.weight", t(n_vocab, d, scale=0.5))
    w.add_tensor("position_embd.weight", t(ctx, d, scale=0.2))
    w.add_tensor("output_norm.weight", 1 + t(d, scale=0.1))
    w.add_tensor("output_norm.bias", t(d, scale=0.1))
    for i in range(layers):
        p = f"blk.{i}."
        w.add_tensor(p + "attn_norm.weight", 1 + t(d, scale=0.1))
        w.add_tensor(p + "attn_norm.bias", t(d, scale=0.1))
        w.add_tensor(p + "attn_qkv.weight", t(3 * d, d, scale=0.15))
        w.add_tensor(p + "attn_qkv.bias", t(3 * d, scale=0.1))
        w.add_tensor(p + "attn_output.weight", t(d, d))
        w.add_tensor(p + "attn_output.bias", t(d, scale=0.05))
        w.add_tensor(p + "ffn_norm.weight", 1 + t(d, scale=0.1))
        w.add_tensor(p + "ffn_norm.bias", t(d, scale=0.1))
        w.add_tensor(p + "ffn_up.weight", t(ff, d, scale=0.15))
        w.add_tensor(p + "ffn_up.bias", t(ff, scale=0.1))
        w.add_tensor(p + "ffn_down.weight", t(d, ff))
        w.add_tensor(p + "ffn_down.bias", t(d, scale=0.05))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return n_vocab


def tiny_fixtures():
    rng = np.random.default_rng(11)
    out = {}
    for name, build in (("llama", tiny_llama), ("gpt2", tiny_gpt2)):
        path = os.path.join(FIX, f"tiny-{name}.gguf")
        n_vocab = build(path, rng)
        ids = [int(x) for x in rng.integers(0, n_vocab - 3, size=40)]
        llm = load(path, n_ctx=64)
        llm.reset()
        llm.eval(ids)
        logits = np.array(llm.scores[: len(ids)])
        out[name] = {"file": f"tiny-{name}.gguf", "ids": ids, "logits": [[float(x) for x in row] for row in logits]}
        del llm
    write_json("tiny.json", {"reference": "llama.cpp via llama-cpp-python 0.3.36, f16 KV cache", "models": out})


def main():
    os.makedirs(FIX, exist_ok=True)
    vocab = Llama(MODEL, vocab_only=True, verbose=False)
    steps = sys.argv[1:] or ["tokenizer", "chat", "quants", "tiny", "engine"]
    if "tokenizer" in steps:
        tokenizer_fixtures(vocab)
    if "chat" in steps:
        chat_fixtures(vocab)
    if "quants" in steps:
        quant_fixtures()
    if "tiny" in steps:
        tiny_fixtures()
    if "engine" in steps:
        engine_fixtures(vocab)


if __name__ == "__main__":
    main()
