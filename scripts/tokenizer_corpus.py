"""The tokenizer test corpus: hand-written cases for every script and edge case, plus seeded random mixes."""
import random

HAND = [
    "", " ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", "\r\n\r\n", " \n", "\n ", "\t\t\n  \n",
    "Hello world", "Hello, world!", "hello   world", "Hello\tworld", "Hello\nworld", "Hello\r\nworld",
    " leading space", "trailing space ", "  two leading", "many      spaces     inside",
    "don't", "DON'T", "I'm", "I'M", "you're", "we've", "she'll", "he'd", "it's", "It'S", "'s", "''", "'''", "rock 'n' roll",
    "o'clock", "y'all'd've", "l'homme", "aujourd'hui",
    "0", "1", "12", "123", "1234", "12345", "1234567890", "3.14159", "1,000,000", "-42", "+7", "1e-5", "0x1F", "2024-06-24",
    "v1.2.3", "100%", "$19.99", "€5", "£3", "¥100", "①②③", "½ ¼ ¾", "٣٤٥", "१२३", "๑๒๓", "Ⅻ", "²³",
    "Café", "naïve", "résumé", "Ångström", "Straße", "Œuvre", "façade", "ﬁnance",
    "Привет, мир!", "Съешь же ещё этих мягких французских булок", "Γειά σου Κόσμε", "Ελληνικά",
    "مرحبا بالعالم", "السلام عليكم ورحمة الله", "שלום עולם", "नमस्ते दुनिया", "हिन्दी भाषा",
    "বাংলা ভাষা", "தமிழ் மொழி", "తెలుగు", "ಕನ್ನಡ", "മലയാളം", "ગુજરાતી", "ਪੰਜਾਬੀ", "සිංහල",
    "สวัสดีชาวโลก", "ພາສາລາວ", "ភាសាខ្មែរ", "မြန်မာ", "ქართული ენა", "Հայերեն", "አማርኛ", "ᏣᎳᎩ",
    "你好，世界！", "我爱自然语言处理。", "中文分词测试", "こんにちは世界", "カタカナとひらがな", "日本語の文章です。",
    "안녕하세요 세계", "한국어 텍스트", "Tiếng Việt có dấu", "Türkçe karakterler: ğüşıöç", "Polski: zażółć gęślą jaźń",
    "Čeština", "Română", "Magyar ékezetek", "Íslenska", "Dansk æøå", "Español ¿qué? ¡sí!",
    "😀", "😀😃😄", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇫🇷🇯🇵", "❤️", "✨ sparkle ✨", "I ❤️ NLP 🚀", "🤖 robots 🤖🤖",
    "∑∫∂√∞≈≠≤≥", "→ ← ↑ ↓", "©®™", "§¶†‡", "•·…", "«quotes»", "“smart quotes”", "‘single’", "— – -",
    "\u00a0non-breaking\u00a0space", "zero\u200bwidth", "\u3000ideographic space", "e\u0301 combining",
    "a\u0300\u0301\u0302", "\u2028line separator", "tab\tseparated\tvalues",
    "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
    "text <|im_end|> more text", "no<|im_start|>space", "<|im_start|><|im_end|>", "< |im_start| >", "<|im_start",
    "<repo_name>textnlp<file_sep>main.swift", "<|endoftext|><|endoftext|>",
    "def f(x):\n    return x * 2\n", "for (int i = 0; i < n; ++i) {\n\tsum += a[i];\n}",
    "{\"key\": \"value\", \"n\": [1, 2, 3]}", "<div class=\"a\">Hi</div>", "SELECT * FROM t WHERE id = 1;",
    "import numpy as np\nnp.zeros((3, 4))", "let x: [Int] = [1, 2, 3]", "fn main() { println!(\"hi\"); }",
    "    indented code", "\n\n\n\nmany newlines", "a\n\nb\n\n\nc", "x=1;y=2;z=x+y", "http://example.com/path?q=1&r=2",
    "user@example.com", "#hashtag @mention", "C++ and C#", "snake_case_name", "camelCaseName", "kebab-case-name",
    "ALLCAPS SHOUTING", "MiXeD CaSe", "a", "Z", "!", "?!", "...", "---", "===", "~~~", "***bold***", "__init__",
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "ab" * 40, "!!!!!!!!!!!!!!!!!!!!!!!!",
    "The quick brown fox jumps over the lazy dog.",
    "In 2023, the company reported revenue of $4.5 billion, up 12% year-over-year.",
]

LONG = (
    "Natural language processing (NLP) is an interdisciplinary subfield of computer science and linguistics. "
    "It is primarily concerned with giving computers the ability to support and manipulate human language. "
    "It involves processing natural language datasets, such as text corpora or speech corpora, using either "
    "rule-based or probabilistic (i.e. statistical and, most recently, neural network-based) machine learning approaches.\n\n"
    "The goal is a computer capable of \"understanding\" the contents of documents, including the contextual nuances "
    "of the language within them. To this end, natural language processing often borrows ideas from theoretical "
    "linguistics. The technology can then accurately extract information and insights contained in the documents "
    "as well as categorize and organize the documents themselves.\n"
)

PIECES = [
    "hello", "World", " ", "  ", "\n", "\t", "\r\n", "123", "4", "don't", "'re", "é", "ß", "Ж", "ω", "中", "日本",
    "한", "ا", "ה", "क", "ก", "😀", "👍🏽", "🇯🇵", "-", "_", ".", ",", "!", "?", "(", ")", "[", "]", "{", "}",
    "<", ">", "|", "/", "\\", "\"", "'", "`", "$", "%", "&", "*", "+", "=", "~", "^", "#", "@", ":", ";",
    "<|im_start|>", "<|im_end|>", "\u00a0", "\u200b", "\u3000", "1.5", "x", "Q", "the", "The", " the", "ing",
]


def corpus():
    cases = list(HAND)
    cases += [LONG, LONG * 3, LONG.replace(" ", "  "), LONG.upper()]
    rng = random.Random(20261128)
    while len(cases) < 420:
        n = rng.randint(1, 14)
        cases.append("".join(rng.choice(PIECES) for _ in range(n)))
    return cases
