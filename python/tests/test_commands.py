"""Every function against the CLI's `--format json` for the same inputs: the same fields and
the same numbers, exactly (both serialise the same view; JSON's shortest float text reads back
to the same double)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import xpuscope

from conftest import REPO


def test_catalogue_functions_match_the_cli(cli):
    assert xpuscope.chips() == cli.json("chips")
    assert xpuscope.models() == cli.json("models")
    assert xpuscope.chip("h20") == cli.json("chip", "h20")
    assert xpuscope.model("deepseek-v3") == cli.json("model", "deepseek-v3")


def test_a_config_json_loads_as_on_the_cli(cli):
    path = REPO / "testdata" / "hf-configs" / "qwen3-30b-a3b.json"
    got = xpuscope.model(path)  # an os.PathLike works as well as a str
    assert got == cli.json("model", str(path))
    assert got["id"] == "qwen3-30b-a3b"
    r = xpuscope.infer("h100-sxm", str(path), input_len=512, output_len=64)
    assert r == cli.json(
        "infer", "--chip", "h100-sxm", "--model", str(path), "--input-len", "512", "--output-len", "64"
    )


@pytest.mark.parametrize(
    "kwargs, flags",
    [
        ({}, []),
        ({"batch": 32, "weights": "fp8"}, ["--batch", "32", "--weights", "fp8"]),
        ({"batch": "max", "max_batch": 512, "tp": 2}, ["--batch", "max", "--max-batch", "512", "--tp", "2"]),
        (
            {"weights": "int4", "activations": "bf16", "kv_cache": "fp8", "memory_fraction": 0.8, "engine": "trtllm-0.5"},
            ["--weights", "int4", "--activations", "bf16", "--kv-cache", "fp8", "--memory-fraction", "0.8", "--engine", "trtllm-0.5"],
        ),
    ],
)
def test_infer_matches_the_cli(cli, kwargs, flags):
    got = xpuscope.infer("h20", "llama-3.1-70b", input_len=2048, output_len=256, **{"tp": 8, **kwargs})
    tp = [] if "tp" in kwargs else ["--tp", "8"]
    want = cli.json(
        "infer", "--chip", "h20", "--model", "llama-3.1-70b", "--input-len", "2048", "--output-len", "256", *tp, *flags
    )
    assert got == want
    assert got["tpot_s"] > 0 and "breakdown" in got


def test_infer_of_a_moe_model_with_expert_parallelism(cli):
    got = xpuscope.infer(
        "h200-sxm", "deepseek-v3", input_len=4096, output_len=1024, tp=1, dp=8, ep=8, weights="fp8", batch="max"
    )
    want = cli.json(
        "infer", "--chip", "h200-sxm", "--model", "deepseek-v3", "--input-len", "4096", "--output-len", "1024",
        "--tp", "1", "--dp", "8", "--ep", "8", "--weights", "fp8", "--batch", "max",
    )
    assert got == want


def test_serve_closed_and_open_loop_match_the_cli(cli):
    got = xpuscope.serve("h20", "llama-3.1-8b", input_len=512, output_len=64, concurrency=16, requests=200)
    want = cli.json(
        "serve", "--chip", "h20", "--model", "llama-3.1-8b", "--input-len", "512", "--output-len", "64",
        "--concurrency", "16", "--requests", "200",
    )
    assert got == want
    assert set(got["ttft_s"]) >= {"mean", "p50", "p90", "p99"}
    got = xpuscope.serve(
        "h100-sxm", "llama-3.1-8b", input_len=1000, output_len=200, request_rate=8.0, length_range=0.5,
        slo_ttft=0.5, slo_tpot=0.05, requests=150, seed=7, engine="sglang", weights="fp8",
    )
    want = cli.json(
        "serve", "--chip", "h100-sxm", "--model", "llama-3.1-8b", "--input-len", "1000", "--output-len", "200",
        "--request-rate", "8", "--length-range", "0.5", "--slo-ttft", "0.5", "--slo-tpot", "0.05",
        "--requests", "150", "--seed", "7", "--engine", "sglang", "--weights", "fp8",
    )
    assert got == want
    assert "goodput_requests_per_s" in got


def test_serve_disaggregated_and_speculative_match_the_cli(cli):
    got = xpuscope.serve(
        "h20", "llama-3.1-8b", input_len=2000, output_len=100, request_rate=4.0, requests=64,
        disaggregate=True, prefill_chips=2, decode_chips=2, speculative_tokens=2, acceptance=0.7,
    )
    want = cli.json(
        "serve", "--chip", "h20", "--model", "llama-3.1-8b", "--input-len", "2000", "--output-len", "100",
        "--request-rate", "4", "--requests", "64", "--disaggregate", "--prefill-chips", "2",
        "--decode-chips", "2", "--speculative-tokens", "2", "--acceptance", "0.7",
    )
    assert got == want


def test_serve_replays_a_trace(cli, tmp_path):
    trace = tmp_path / "azure.csv"
    trace.write_text(
        "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.68,374,44\n"
        "2023-11-16 18:15:50.99,396,109\n2023-11-16 18:15:51.10,1200,300\n"
    )
    got = xpuscope.serve("h100-sxm", "llama-3.1-8b", trace=trace)
    assert got == cli.json("serve", "--chip", "h100-sxm", "--model", "llama-3.1-8b", "--trace", str(trace))
    assert got["requests"] == 3


def test_train_one_layout_and_a_search_match_the_cli(cli):
    got = xpuscope.train(
        "h100-sxm", "llama-3.1-8b", chips=64, seq_len=4096, global_batch=256, tp=2, pp=2, zero=2,
        recompute="selective", tokens=1e12, chip_hour_price=2.5,
    )
    want = cli.json(
        "train", "--chip", "h100-sxm", "--model", "llama-3.1-8b", "--chips", "64", "--seq-len", "4096",
        "--global-batch", "256", "--tp", "2", "--pp", "2", "--zero", "2", "--recompute", "selective",
        "--tokens", "1e12", "--chip-hour-price", "2.5",
    )
    assert got == want
    got = xpuscope.train("h20", "llama-3.1-8b", chips=32, seq_len=4096, global_batch=128, search=True)
    want = cli.json(
        "train", "--chip", "h20", "--model", "llama-3.1-8b", "--chips", "32", "--seq-len", "4096",
        "--global-batch", "128", "--search",
    )
    # The search's own wall time is the one field that differs between two runs.
    assert got.pop("search_time_s") >= 0 and want.pop("search_time_s") >= 0
    assert got == want
    assert got["layouts_evaluated"] > 1 and got["best"]["fits"]


PLAN = ["--model", "llama-3.1-8b", "--input-len", "1000", "--output-len", "200", "--slo-ttft", "1", "--slo-tpot", "0.03"]


@pytest.mark.parametrize(
    "kwargs, flags",
    [
        (
            {"chip": ["h100-sxm", "l40s"], "request_rate": 5, "engine": ["vllm"]},
            ["--chip", "h100-sxm,l40s", "--request-rate", "5", "--engine", "vllm"],
        ),
        (
            {"chip": "h100-sxm", "output_tokens_per_s": 2000, "engine": "sglang", "no_disaggregate": True,
             "percentile": 99, "top": 3, "electricity": 0.2},
            ["--chip", "h100-sxm", "--output-tokens-per-s", "2000", "--engine", "sglang", "--no-disaggregate",
             "--percentile", "99", "--top", "3", "--electricity", "0.2"],
        ),
    ],
)
def test_plan_matches_the_cli(cli, kwargs, flags):
    got = xpuscope.plan("llama-3.1-8b", input_len=1000, output_len=200, slo_ttft=1, slo_tpot=0.03, **kwargs)
    assert got == cli.json("plan", *PLAN, *flags)
    assert got["best"] is not None and got["best"]["meets_slo"]
    assert got["best"] == got["candidates"][0]
    assert got["excluded"] == [] and got["buyable_in"] is None


def test_plan_under_the_export_filter_matches_the_cli(cli):
    got = xpuscope.plan(
        "llama-3.1-8b", chip=["h100-sxm", "l40s", "h20"], input_len=1000, output_len=200, request_rate=5,
        slo_ttft=1, slo_tpot=0.03, engine=["vllm"], buyable_in="CN", date="2025-08-01",
    )
    want = cli.json(
        "plan", *PLAN, "--chip", "h100-sxm,l40s,h20", "--request-rate", "5", "--engine", "vllm",
        "--buyable-in", "CN", "--date", "2025-08-01",
    )
    assert got == want
    assert [x["chip"] for x in got["excluded"]] == ["h100-sxm", "l40s"]
    assert [a["chip"] for a in got["admitted"]] == ["h20"]
    assert got["best"]["chip"] == "h20"


def test_plan_refuses_a_bad_percentile_with_the_cli_sentence(cli):
    args = dict(chip="h100-sxm", input_len=1000, output_len=200, request_rate=5, slo_ttft=1, slo_tpot=0.03)
    e = pytest.raises(xpuscope.InvalidInputError, xpuscope.plan, "llama-3.1-8b", percentile=100, **args).value
    want = cli.error("plan", *PLAN, "--chip", "h100-sxm", "--request-rate", "5", "--percentile", "100")
    assert str(e) == want == "--percentile 100 must be between 0 and 100"
    assert e.field == "percentile"
    # What the CLI's parser refuses, the report layer refuses with a sentence of its own.
    e = pytest.raises(xpuscope.InvalidInputError, xpuscope.plan, "llama-3.1-8b", output_tokens_per_s=1000, **args).value
    assert str(e) == "give --request-rate or --output-tokens-per-s, not both" and e.field == "request_rate"
    e = pytest.raises(xpuscope.InvalidInputError, xpuscope.plan, "llama-3.1-8b", buyable_in="CN", **args).value
    assert e.field == "date"
    e = pytest.raises(xpuscope.UnknownIdError, xpuscope.plan, "llama-3.1-8b", **{**args, "chip": ["h100-sxm", "h2O"]}).value
    assert "did you mean" in str(e)


def test_compare_matches_the_cli(cli):
    assert xpuscope.compare("h20", "h100-sxm") == cli.json("compare", "h20", "h100-sxm")
    got = xpuscope.compare(
        ["h100-sxm", "h20", "h800-sxm"], model="llama-3.1-8b", chips=4, train_chips=16, weights="bf16",
        engine="trtllm-0.5", electricity=0.2,
    )
    want = cli.json(
        "compare", "h100-sxm", "h20", "h800-sxm", "--model", "llama-3.1-8b", "--chips", "4",
        "--train-chips", "16", "--weights", "bf16", "--engine", "trtllm-0.5", "--electricity", "0.2",
    )
    assert got == want
    assert {r["workload"] for r in got["rows"]} and all("ratio" in r for r in got["rows"])


def test_export_matches_the_cli(cli):
    assert xpuscope.export("h20", "2025-07-01") == cli.json("export", "h20", "--date", "2025-07-01")
    assert xpuscope.export("h100-sxm", date="2023-11-17") == cli.json("export", "h100-sxm", "--date", "2023-11-17")
    assert xpuscope.export("h20", timeline=True) == cli.json("export", "h20", "--timeline")
    got = xpuscope.export("h20", "2025-07-01", set=["bf16_tflops=400", "fp8_tflops=800"])
    want = cli.json("export", "h20", "--date", "2025-07-01", "--set", "bf16_tflops=400", "--set", "fp8_tflops=800")
    assert got == want
    got = xpuscope.export(design=True, die_area_mm2=814, memory_bandwidth_gbs=4000, date="2025-07-01")
    want = cli.json(
        "export", "--design", "--die-area-mm2", "814", "--memory-bandwidth-gbs", "4000", "--date", "2025-07-01"
    )
    assert got == want


def test_export_defaults_to_today(cli):
    assert xpuscope.export("h20") == cli.json("export", "h20")


SWEEPS = [
    (
        {"chip": ["h20", "h100-sxm"], "model": "llama-3.1-8b", "tp": [1, 2], "batch": [1, 64, "max"], "weights": ["bf16", "fp8"]},
        ["--chip", "h20,h100-sxm", "--model", "llama-3.1-8b", "--tp", "1,2", "--batch", "1,64,max", "--weights", "bf16,fp8"],
    ),
    (
        {"chip": ["h20", "h100-sxm"], "model": "llama-3.1-8b", "kind": "serve", "concurrency": [1, 16], "input_len": 512, "output_len": 64},
        ["--chip", "h20,h100-sxm", "--model", "llama-3.1-8b", "--kind", "serve", "--concurrency", "1,16", "--input-len", "512", "--output-len", "64"],
    ),
    (
        {"chip": "h20", "model": ["llama-3.1-8b"], "kind": "train", "chip_count": [8, 16], "global_batch": 64},
        ["--chip", "h20", "--model", "llama-3.1-8b", "--kind", "train", "--chip-count", "8,16", "--global-batch", "64"],
    ),
    (
        # A point with no answer is a row with its error.
        {"chip": "h20", "model": "llama-3.1-70b", "tp": [2, 3]},
        ["--chip", "h20", "--model", "llama-3.1-70b", "--tp", "2,3"],
    ),
]


@pytest.mark.parametrize("grid, flags", SWEEPS)
def test_sweep_rows_match_the_cli_json_lines(cli, grid, flags):
    plan = xpuscope._sweep_plan(**grid)
    want = cli.json_lines("sweep", *flags)
    assert plan.rows() == want
    assert len(plan) == len(want)
    code, csv, err = cli.run("sweep", *flags)
    assert code == 0, err
    assert plan.columns == csv.splitlines()[0].split(",")


def test_sweep_is_a_dataframe_with_the_csv_columns(cli):
    pandas = pytest.importorskip("pandas")
    grid, flags = SWEEPS[0]
    df = xpuscope.sweep(**grid)
    assert isinstance(df, pandas.DataFrame)
    want = cli.json_lines("sweep", *flags)
    assert len(df) == len(want)
    assert list(df["output_tokens_per_s"]) == [r["output_tokens_per_s"] for r in want]
    code, csv, _ = cli.run("sweep", *flags)
    assert list(df.columns) == csv.splitlines()[0].split(",")


def test_sweep_is_a_list_of_dicts_without_pandas(cli, hide):
    hide("pandas")
    grid, flags = SWEEPS[3]
    rows = xpuscope.sweep(**grid)
    assert rows == cli.json_lines("sweep", *flags)
    assert "error" in rows[1] and "error" not in rows[0]


def test_a_user_catalogue_works_as_on_the_cli(cli, tmp_path):
    shutil.copy(REPO / "catalog" / "chips" / "h20.toml", tmp_path / "h20.toml")
    text = (tmp_path / "h20.toml").read_text()
    assert "memory_bandwidth_gbs = 4000" in text
    (tmp_path / "h20.toml").write_text(text.replace("memory_bandwidth_gbs = 4000", "memory_bandwidth_gbs = 4800"))
    d = str(tmp_path)
    got = xpuscope.chip("h20", catalog=tmp_path)
    assert got == cli.json("--catalog", d, "chip", "h20")
    assert got["memory_bandwidth_bytes_per_s"] == 4.8e12
    assert got != xpuscope.chip("h20")
    got = xpuscope.infer("h20", "llama-3.1-8b", input_len=512, output_len=64, batch=16, catalog=[d])
    assert got == cli.json(
        "--catalog", d, "infer", "--chip", "h20", "--model", "llama-3.1-8b", "--input-len", "512",
        "--output-len", "64", "--batch", "16",
    )
    assert xpuscope._sweep_plan("h20", "llama-3.1-8b", catalog=d).rows() == cli.json_lines(
        "--catalog", d, "sweep", "--chip", "h20", "--model", "llama-3.1-8b"
    )


def test_the_catalogue_environment_variable_is_read(cli, tmp_path, monkeypatch):
    shutil.copy(REPO / "catalog" / "chips" / "h20.toml", tmp_path / "h20.toml")
    text = (tmp_path / "h20.toml").read_text()
    (tmp_path / "h20.toml").write_text(text.replace("memory_bandwidth_gbs = 4000", "memory_bandwidth_gbs = 4400"))
    monkeypatch.setenv("XPUSCOPE_CATALOG", str(tmp_path))
    assert xpuscope.chip("h20")["memory_bandwidth_bytes_per_s"] == 4.4e12


@pytest.mark.parametrize(
    "call, fields",
    [
        (lambda f: xpuscope.infer("h20", "llama-3.1-70b", input_len=2048, output_len=256, tp=8, fields=f),
         ["tpot_s", "ttft_s", "breakdown"]),
        (lambda f: xpuscope.serve("h20", "llama-3.1-8b", input_len=500, output_len=50, concurrency=4, requests=40,
                                  fields=f), ["ttft_s", "output_tokens_per_s"]),
        (lambda f: xpuscope.train("h100-sxm", "llama-3.1-8b", chips=8, seq_len=4096, global_batch=64, fields=f),
         ["mfu", "step_time_s"]),
    ],
)
def test_fields_keeps_those_of_the_full_result(call, fields):
    full = call(None)
    assert call(fields) == {k: full[k] for k in fields}
    assert call(fields[0]) == {fields[0]: full[fields[0]]}  # one name, not a list of characters


def test_a_field_left_out_of_the_json_is_left_out_of_fields_too():
    # `goodput_requests_per_s` is a field, but only written with an SLO, as in the JSON.
    kw = dict(input_len=500, output_len=50, concurrency=4, requests=40)
    assert xpuscope.serve("h20", "llama-3.1-8b", fields=["goodput_requests_per_s"], **kw) == {}
    got = xpuscope.serve("h20", "llama-3.1-8b", slo_ttft=5.0, fields="goodput_requests_per_s", **kw)
    assert got["goodput_requests_per_s"] > 0


def test_a_misspelt_field_is_an_error_naming_the_closest():
    with pytest.raises(xpuscope.InvalidInputError, match=r"`tpot` is not a field of infer's result \(did you mean tpot_s\?\)") as e:
        xpuscope.infer("h20", "llama-3.1-70b", input_len=2048, output_len=256, fields=["ttft_s", "tpot"])
    assert e.value.field == "fields"
    with pytest.raises(xpuscope.InvalidInputError, match="lists no field"):
        xpuscope.infer("h20", "llama-3.1-70b", input_len=2048, output_len=256, fields=[])
