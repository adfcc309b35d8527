"""The lexer behind fingerprints: the fast findall path gives exactly the tokens of the exact
lexer, and the token hash ignores layout but not code."""

from __future__ import annotations

import random

import pytest

from unsafe_audit import samples
from unsafe_audit.extract.fingerprint import code_digests
from unsafe_audit.extract.tokens import token_texts, tokenize

PIECES = [
    "unsafe", "fn", "b", "c", "r", "br", "cr", "bx", "rx", "cx", "_x", "Été", "x1",
    'b"by\\"te"', 'c"cstr"', 'r"raw"', 'r#"ra"w"#', 'br##"x"##', '"s\\n"', '"a{b}"',
    "b'x'", "'x'", "'\\n'", "'\\u{1F980}'", "'a", "'static", "r#type",
    "1", "1.0", "0x1F", "1e5", "a.b", "..", "..=", "...", "::", "->", "=>", "==", "!=",
    "<=", ">=", "&&", "||", "+=", "<", ">", "(", ")", "{", "}", "[", "]", ";", ",", "?",
    "@", "~", "$", "#", "!", "&", "*", "/", "%", "^", "|", "=", ".", "-", "+", ":",
    "// line comment\n", "\n", " ", "\t",
]  # fmt: skip


def _exact(code: str) -> list[str]:
    return [t.text for t in tokenize(code)]


@pytest.mark.parametrize("seed", range(40))
def test_fast_path_gives_the_exact_lexers_tokens_on_random_code(seed: int) -> None:
    rng = random.Random(seed)
    code = "".join(rng.choice(PIECES) + rng.choice(["", " ", "", "\n"]) for _ in range(300))
    assert token_texts(code) == _exact(code)


def _sample_sources() -> list[str]:
    texts = []
    for name in samples.available():
        for path in sorted((samples.sample_dir(name) / "releases").rglob("*.rs")):
            texts.append(path.read_text(encoding="utf-8"))
    return texts


def test_fast_path_gives_the_exact_lexers_tokens_on_every_sample_file() -> None:
    sources = _sample_sources()
    assert len(sources) > 10
    for code in sources:
        assert token_texts(code) == _exact(code)


@pytest.mark.parametrize(
    ("code", "tokens"),
    [
        ('br"x" b\'y\' c"z" r#"q"#', ['br"x"', "b'y'", 'c"z"', 'r#"q"#']),
        ("r#type rx bx cx", ["r#type", "rx", "bx", "cx"]),
        ("'a 'b' x", ["'a", "'b'", "x"]),
        ("1.0 a.b x..=y", ["1.0", "a", ".", "b", "x", "..=", "y"]),
        ("Vec<Vec<u8>>", ["Vec", "<", "Vec", "<", "u8", ">", ">"]),
        ("#[unsafe(no_mangle)]", ["#", "[", "unsafe", "(", "no_mangle", ")", "]"]),
        ("a // c\n/* d */ b", ["a", "b"]),
    ],
)
def test_tokens_of_tricky_code(code: str, tokens: list[str]) -> None:
    assert token_texts(code) == tokens
    assert _exact(code) == tokens


def test_token_hash_ignores_layout_comments_and_trailing_commas_but_not_code() -> None:
    base = code_digests("unsafe_block", "unsafe_block", "unsafe { f(a, b) }")
    same = code_digests("unsafe_block", "unsafe_block", "unsafe {\n  // why\n  f(\n a,\n b,\n )\n}")
    other = code_digests("unsafe_block", "unsafe_block", "unsafe { f(a, c) }")
    assert same == base
    assert other[0] != base[0]
