"""The example notebook runs from top to bottom, draws its Pareto plot and prints its plan."""

from __future__ import annotations

import pytest

from conftest import REPO

NOTEBOOK = REPO / "examples" / "notebooks" / "h20.ipynb"


def test_the_h20_notebook_executes(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("matplotlib")
    pytest.importorskip("pandas")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    # A cell that raises fails here with its traceback.
    nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1, "the Pareto plot"
    text = "".join(str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    assert "decode bs1 (TPOT)" in text and "3A090.a" in text
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "best: " in printed and "excluded h100-sxm: " in printed, printed
