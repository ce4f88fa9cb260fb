#!/usr/bin/env python3
"""Golden fixtures for TextNLPMetrics, made with the reference implementations from PyPI:
sacrebleu 2.6.0 (BLEU, chrF, chrF++, TER) and rouge-score 0.1.2 (ROUGE-1/2/L/Lsum).
Writes Tests/TextNLPMetricsTests/Fixtures/metrics.json. Run through scripts/make-metrics-fixtures.
"""
import json
import os
import random

from sacrebleu.metrics import BLEU, CHRF, TER
from rouge_score import rouge_scorer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
OUT = os.path.join(ROOT, "Tests", "TextNLPMetricsTests", "Fixtures", "metrics.json")

SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "In 2023, the company reported revenue of $4.5 billion, up 12% year-over-year.",
    "She sells sea shells by the sea shore, doesn't she?",
    "The committee will meet on Tuesday to discuss the new budget proposal.",
    "Running, jumping and swimming are the activities that generalized fitness requires.",
    "Our customers' satisfaction is the company's highest priority.",
    "He said: \"I'll be there at 3:30 p.m.\" but he never came.",
    "The U.S.A. and the U.K. signed the agreement in Geneva, Switzerland.",
    "Machine translation quality is often measured with BLEU, chrF and TER.",
    "A well-known example: 1,000,000 people visited the 3.5 km long exhibition.",
    "Photosynthesis converts light energy into chemical energy stored in glucose.",
    "The cats were sitting quietly on the warm windowsills of the old houses.",
    "Connectivity issues were observed; engineers are investigating the root cause.",
    "Please return the completed forms (signed and dated) by Friday.",
    "This product is lightweight, durable & easy to clean -- perfect for travel!",
    "Der schnelle braune Fuchs springt über den faulen Hund.",
    "Le renard brun rapide saute par-dessus le chien paresseux.",
    "El rápido zorro marrón salta sobre el perro perezoso.",
    "Быстрая коричневая лиса прыгает через ленивую собаку.",
    "Η γρήγορη καφέ αλεπού πηδάει πάνω από το τεμπέλικο σκυλί. ΟΔΟΣ ΣΟΦΙΑΣ.",
    "الثعلب البني السريع يقفز فوق الكلب الكسول.",
    "השועל החום המהיר קופץ מעל הכלב העצלן.",
    "तेज़ भूरी लोमड़ी आलसी कुत्ते के ऊपर कूदती है।",
    "敏捷的棕色狐狸跳过了那只懒狗。",
    "我们今天下午三点在会议室开会，请准时参加。",
    "素早い茶色の狐がのろまな犬を飛び越える。",
    "빠른 갈색 여우가 게으른 개를 뛰어넘는다.",
    "สุนัขจิ้งจอกสีน้ำตาลกระโดดข้ามสุนัขขี้เกียจ",
    "Great job 👍🏽 — the launch 🚀 went perfectly ✨!",
    "I ❤️ NLP; emoji like 👨‍👩‍👧‍👦 and 🇯🇵 should be handled.",
    "Prices: €5, £3, ¥100 and ₹250 — all plus 20% VAT.",
    "def f(x): return x * 2  # doubles the input",
    "SELECT name, age FROM users WHERE age >= 18 ORDER BY name;",
    "Visit https://example.com/path?q=1&r=2 for details &amp; more.",
    "The patient's temperature was 38.5°C at 10:45, rising to 39.1°C later.",
    "Generalizations, relational databases and conditional probabilities were discussed.",
    "Hopefully, the hopelessness of the situation will be temporarily relieved.",
    "Agreed: the agreement was agreeably reached after agreeing on the terms.",
    "Organization, organizational and organizing skills were emphasized.",
    "Ｆｕｌｌｗｉｄｔｈ ｔｅｘｔ　ａｎｄ　ideographic spaces.",
    "Combining: e\u0301 versus \u00e9, and the Kelvin sign \u212a.",
    "İstanbul is the largest city in Türkiye.",
    "Tabs\tand  multiple   spaces   should   collapse.",
    "Numbers 3.14, 2,718 and -42 appear; so does 5-10 and A-B.",
]

LONG = " ".join(SENTENCES[:15]) * 4


def perturb(s, rng):
    words = s.split()
    op = rng.choice(["drop", "swap", "case", "punct", "dup", "replace", "truncate", "none", "lower", "spaces"])
    if op == "drop" and len(words) > 2:
        del words[rng.randrange(len(words))]
    elif op == "swap" and len(words) > 2:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    elif op == "case":
        i = rng.randrange(len(words))
        words[i] = words[i].upper() if rng.random() < 0.5 else words[i].capitalize()
    elif op == "punct":
        return s.replace(",", "").replace(".", "!") if rng.random() < 0.5 else s + "..."
    elif op == "dup":
        i = rng.randrange(len(words))
        words.insert(i, words[i])
    elif op == "replace":
        i = rng.randrange(len(words))
        words[i] = rng.choice(["thing", "stuff", "and", "the", "它", "что", "run", "ran", "running"])
    elif op == "truncate" and len(words) > 3:
        words = words[: rng.randrange(1, len(words))]
    elif op == "lower":
        return s.lower()
    elif op == "spaces":
        return "  " + "   ".join(words) + " \n"
    return " ".join(words)


def make_pairs():
    rng = random.Random(2026)
    pairs = []
    # Fixed edge cases.
    pairs += [
        {"hyp": "", "refs": ["The cat sat on the mat."]},
        {"hyp": "The cat sat on the mat.", "refs": [""]},
        {"hyp": "", "refs": [""]},
        {"hyp": "The cat sat on the mat.", "refs": ["The cat sat on the mat."]},
        {"hyp": "cat", "refs": ["cat"]},
        {"hyp": "a b c d e f", "refs": ["f e d c b a"]},
        {"hyp": LONG, "refs": [perturb(LONG, rng)]},
        {"hyp": "First line.\nSecond line here.\nThird.", "refs": ["First line.\nThe second line.\n\nThird one."]},
        {"hyp": "Line one\nline two", "refs": ["line two\nLine one", "Line one"]},
    ]
    for s in SENTENCES:
        pairs.append({"hyp": s, "refs": [s]})
    while len(pairs) < 2100:
        base = rng.choice(SENTENCES) if rng.random() < 0.9 else LONG[: rng.randrange(50, len(LONG))]
        hyp = perturb(base, rng)
        if rng.random() < 0.3:
            hyp = perturb(hyp, rng)
        nrefs = rng.choice([1, 1, 1, 2, 3])
        refs = [base] + [perturb(base, rng) for _ in range(nrefs - 1)]
        if rng.random() < 0.1:
            hyp = hyp.replace(". ", ".\n")
            refs = [r.replace(". ", ".\n") for r in refs]
        pairs.append({"hyp": hyp, "refs": refs})
    return pairs


def streams(pairs):
    n = max(len(p["refs"]) for p in pairs)
    return [[p["refs"][k] if k < len(p["refs"]) else None for p in pairs] for k in range(n)]


def main():
    pairs = make_pairs()
    hyps = [p["hyp"] for p in pairs]
    refs = streams(pairs)
    corpus = []
    sentence = {}
    for tok in ["13a", "intl", "char", "none", "zh"]:
        for smooth in ["exp", "floor", "add-k", "none"]:
            for lc in [False, True]:
                m = BLEU(tokenize=tok, smooth_method=smooth, lowercase=lc)
                s = m.corpus_score(hyps, refs)
                corpus.append({"metric": "bleu", "tokenize": tok, "smooth": smooth, "lowercase": lc, "score": s.score,
                               "precisions": s.precisions, "bp": s.bp, "sys_len": s.sys_len, "ref_len": s.ref_len,
                               "signature": str(m.get_signature())})
        m = BLEU(tokenize=tok, effective_order=True)
        sentence[f"bleu-{tok}"] = [m.sentence_score(p["hyp"], p["refs"]).score for p in pairs]
    for smooth in ["floor", "add-k", "none"]:
        m = BLEU(smooth_method=smooth, effective_order=True)
        sentence[f"bleu-13a-{smooth}"] = [m.sentence_score(p["hyp"], p["refs"]).score for p in pairs]
    for name, m in [("chrf", CHRF()), ("chrf++", CHRF(word_order=2)), ("chrf-lc", CHRF(lowercase=True)), ("ter", TER())]:
        s = m.corpus_score(hyps, refs)
        corpus.append({"metric": name, "score": s.score, "signature": str(m.get_signature())})
        sentence[name] = [m.sentence_score(p["hyp"], p["refs"]).score for p in pairs]
    rouge = {}
    for stem in [False, True]:
        scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"], use_stemmer=stem)
        rows = []
        for p in pairs:
            r = scorer.score_multi(p["refs"], p["hyp"]) if len(p["refs"]) > 1 else scorer.score(p["refs"][0], p["hyp"])
            rows.append({k: [v.precision, v.recall, v.fmeasure] for k, v in r.items()})
        rouge["stem" if stem else "plain"] = rows
    from nltk.stem import porter
    stemmer = porter.PorterStemmer()
    words = sorted({w for s in SENTENCES + [LONG] for w in __import__("re").findall(r"[a-z0-9]+", s.lower())} | {
        "generalizations", "relational", "conditional", "hopefully", "agreed", "agreement", "skies", "dying",
        "caresses", "ponies", "ties", "cats", "feed", "agreed", "plastered", "bled", "motoring", "sing", "conflated",
        "troubled", "sized", "hopping", "tanned", "falling", "hissing", "fizzed", "failing", "filing", "happy", "sky",
        "relational", "conditional", "rational", "valenci", "hesitanci", "digitizer", "conformabli", "radicalli",
        "differentli", "vileli", "analogousli", "vietnamization", "predication", "operator", "feudalism",
        "decisiveness", "hopefulness", "callousness", "formaliti", "sensitiviti", "sensibiliti", "triplicate",
        "formative", "formalize", "electriciti", "electrical", "hopeful", "goodness", "revival", "allowance",
        "inference", "airliner", "gyroscopic", "adjustable", "defensible", "irritant", "replacement", "adjustment",
        "dependent", "adoption", "homologou", "communism", "activate", "angulariti", "homologous", "effective",
        "bowdlerize", "probate", "rate", "cease", "controll", "roll", "generously", "lying", "news", "innings",
        "proceed", "exceed", "succeed", "yelling", "syzygy", "apology", "analogy", "fully", "enjoy", "crying"})
    stems = {w: stemmer.stem(w) for w in words if len(w) > 3}
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump({"reference": "sacrebleu 2.6.0, rouge-score 0.1.2 (nltk PorterStemmer)", "pairs": pairs,
                   "corpus": corpus, "sentence": sentence, "rouge": rouge, "stems": stems},
                  f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes, {len(pairs)} pairs)")


if __name__ == "__main__":
    main()
