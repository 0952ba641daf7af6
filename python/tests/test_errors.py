"""Errors raise XpuscopeError (a ValueError) subclasses with the CLI's one sentence."""

from __future__ import annotations

import pytest

import xpuscope

from conftest import REPO

CASES = [
    # (call, CLI arguments, exception class, field)
    (lambda: xpuscope.chip("h2O"), ["chip", "h2O"], xpuscope.UnknownIdError, None),
    (lambda: xpuscope.model("llama-3.1-8"), ["model", "llama-3.1-8"], xpuscope.UnknownIdError, None),
    (
        lambda: xpuscope.infer("h20", "llama-3.1-8b", input_len=512, output_len=64, batch="lots"),
        ["infer", "--chip", "h20", "--model", "llama-3.1-8b", "--input-len", "512", "--output-len", "64", "--batch", "lots"],
        xpuscope.InvalidInputError,
        "batch",
    ),
    (
        lambda: xpuscope.infer("h20", "llama-3.1-8b", input_len=512, output_len=64, batch=0),
        ["infer", "--chip", "h20", "--model", "llama-3.1-8b", "--input-len", "512", "--output-len", "64", "--batch", "0"],
        xpuscope.InvalidInputError,
        "batch",
    ),
    (
        lambda: xpuscope.infer("h20", "llama-3.1-8b", input_len=512, output_len=64, weights="fp7"),
        None,  # clap refuses an unknown format itself; the report layer's sentence is the check
        xpuscope.InvalidInputError,
        "weights",
    ),
    (
        lambda: xpuscope.infer("h20", "llama-3.1-8b", input_len=512, output_len=64, tp=3),
        ["infer", "--chip", "h20", "--model", "llama-3.1-8b", "--input-len", "512", "--output-len", "64", "--tp", "3"],
        xpuscope.NoAnswerError,
        None,
    ),
    (
        lambda: xpuscope.infer("rtx-4090d", "llama-3.1-405b", input_len=512, output_len=64),
        ["infer", "--chip", "rtx-4090d", "--model", "llama-3.1-405b", "--input-len", "512", "--output-len", "64"],
        None,
        None,
    ),
    (
        lambda: xpuscope.infer("h20", "llama-3.1-8b", input_len=512, output_len=64, memory_fraction=1.5),
        ["infer", "--chip", "h20", "--model", "llama-3.1-8b", "--input-len", "512", "--output-len", "64", "--memory-fraction", "1.5"],
        xpuscope.InvalidInputError,
        "memory_fraction",
    ),
    (
        lambda: xpuscope.train("h20", "llama-3.1-8b", chips=12, seq_len=4096, global_batch=64, tp=8),
        ["train", "--chip", "h20", "--model", "llama-3.1-8b", "--chips", "12", "--seq-len", "4096", "--global-batch", "64", "--tp", "8"],
        xpuscope.InvalidInputError,
        "tp",
    ),
    (
        lambda: xpuscope.serve("h20", "llama-3.1-8b", input_len=512, output_len=64, concurrency=8, max_num_seqs=0),
        ["serve", "--chip", "h20", "--model", "llama-3.1-8b", "--input-len", "512", "--output-len", "64", "--concurrency", "8", "--max-num-seqs", "0"],
        xpuscope.InvalidInputError,
        "max_num_seqs",
    ),
    (
        lambda: xpuscope.serve("h20", "llama-3.1-8b", concurrency=8),
        None,  # clap asks for --input-len itself
        xpuscope.InvalidInputError,
        "input_len",
    ),
    (
        lambda: xpuscope.export("h20", "2025-13-01"),
        ["export", "h20", "--date", "2025-13-01"],
        xpuscope.NoAnswerError,
        None,
    ),
    (
        lambda: xpuscope.export("h20", "2025-07-01", set=["bf16_tflops=1", "bf16_tflops=2"]),
        ["export", "h20", "--date", "2025-07-01", "--set", "bf16_tflops=1", "--set", "bf16_tflops=2"],
        xpuscope.InvalidInputError,
        "set",
    ),
    (
        lambda: xpuscope.compare("h20", "h100-sxm", chips=0),
        ["compare", "h20", "h100-sxm", "--chips", "0"],
        xpuscope.InvalidInputError,
        "chips",
    ),
    (
        lambda: xpuscope.compare("h20", "h100-sxm", electricity=-1.0),
        ["compare", "h20", "h100-sxm", "--electricity", "-1"],
        xpuscope.NoAnswerError,
        None,
    ),
    (
        lambda: xpuscope.chips(catalog="/nonexistent"),
        ["--catalog", "/nonexistent", "chips"],
        xpuscope.CatalogError,
        None,
    ),
    (
        lambda: xpuscope.model("/nonexistent/config.json"),
        ["model", "/nonexistent/config.json"],
        xpuscope.CatalogError,
        None,
    ),
    (
        lambda: xpuscope.model(REPO / "testdata" / "bad" / "files" / "config-unknown-arch.json"),
        ["model", str(REPO / "testdata" / "bad" / "files" / "config-unknown-arch.json")],
        xpuscope.CatalogError,
        None,
    ),
    (
        lambda: xpuscope.chips(catalog=REPO / "testdata" / "bad" / "files" / "catalog-negative"),
        ["--catalog", str(REPO / "testdata" / "bad" / "files" / "catalog-negative"), "chips"],
        xpuscope.CatalogError,
        None,
    ),
    (
        lambda: xpuscope.sweep("h20", "llama-3.1-8b", kind="serve", concurrency=[0]),
        ["sweep", "--chip", "h20", "--model", "llama-3.1-8b", "--kind", "serve", "--concurrency", "0"],
        xpuscope.InvalidInputError,
        "concurrency",
    ),
    (
        lambda: xpuscope.sweep(["h20", "h2000"], "llama-3.1-8b"),
        ["sweep", "--chip", "h20,h2000", "--model", "llama-3.1-8b"],
        xpuscope.UnknownIdError,
        None,
    ),
    (
        lambda: xpuscope.export(None),
        ["export"],  # clap's wording differs; the library's own sentence is checked below
        xpuscope.InvalidInputError,
        "chip",
    ),
]


@pytest.mark.parametrize("call, args, cls, field", CASES)
def test_errors_carry_the_cli_sentence(cli, call, args, cls, field):
    with pytest.raises(xpuscope.XpuscopeError) as info:
        call()
    e = info.value
    assert isinstance(e, ValueError)
    if cls is not None:
        assert type(e) is cls, (type(e), str(e))
    assert e.field == field
    message = str(e)
    assert message and "panicked" not in message
    if args is not None and args != ["export"]:
        assert message == cli.error(*args)


def test_a_model_that_does_not_fit_says_so(cli):
    e = pytest.raises(xpuscope.XpuscopeError, xpuscope.infer, "rtx-4090d", "llama-3.1-405b", input_len=512, output_len=64)
    # Either a well-formed question with no answer or an input to change; never a crash.
    assert isinstance(e.value, (xpuscope.NoAnswerError, xpuscope.InvalidInputError))


def test_python_only_usage_errors_are_sentences():
    e = pytest.raises(xpuscope.InvalidInputError, xpuscope.export, None).value
    assert str(e) == "give a chip id, or --design with --die-area-mm2"
    e = pytest.raises(xpuscope.InvalidInputError, xpuscope.export, "h20", "2025-07-01", timeline=True).value
    assert e.field == "timeline"
    e = pytest.raises(xpuscope.InvalidInputError, xpuscope.compare, "h20").value
    assert "at least two chip ids" in str(e)
    e = pytest.raises(xpuscope.InvalidInputError, xpuscope.sweep, "h20", "llama-3.1-8b", kind="inference").value
    assert str(e) == "--kind `inference` is not one of infer, train, serve"


def test_wrong_types_are_type_errors():
    with pytest.raises(TypeError):
        xpuscope.infer("h20", "llama-3.1-8b", input_len="long", output_len=64)
    with pytest.raises(TypeError):
        xpuscope.infer("h20", "llama-3.1-8b", input_len=512, output_len=64, batch=1.5)
    with pytest.raises(TypeError):
        xpuscope.infer("h20", "llama-3.1-8b", input_len=512, output_len=64, tpp=2)
    with pytest.raises(TypeError):
        xpuscope.infer("h20", "llama-3.1-8b")  # input_len and output_len are required
