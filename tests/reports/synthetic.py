"""Results folders written by hand (no model runs): records from the template of a real run
(data/run_template.json) with scores and per-item predictions set by a grid file (data/*.json),
so the statistics they must show are known in advance."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"


def load_grid(name: str) -> dict[str, Any]:
    return json.loads((DATA / name).read_text())


def write_results(
    root: Path, grid: dict[str, Any], changes: dict[str, int] | None = None, seed: int = 1
) -> Path:
    """A results folder with one run per method of `grid`; `changes[method]` overrides `right`.
    A cell is right on its first `right` items, or on the items of its `right_ranges`
    ([start, end) pairs, `right` items in all) when it has them."""
    template = json.loads((DATA / "run_template.json").read_text())
    n, model, dataset = grid["items"], grid["model"], grid["dataset"]
    for method, cell in grid["cells"].items():
        right = (changes or {}).get(method, cell["right"])
        ranges = cell.get("right_ranges") or [[0, right]]
        hits = {i for a, b in ranges for i in range(a, b)}
        assert len(hits) == right, f"{method}: right_ranges hold {len(hits)} items, not {right}"
        run_id = f"{model}__{dataset}__{method}__s{seed}__synthetic"
        run = root / "runs" / run_id
        run.mkdir(parents=True)
        parts = json.loads(json.dumps(template))
        score = 100.0 * right / n
        parts["config"].update(
            run_id=run_id, model=model, dataset=dataset, method=method, seed=seed
        )
        parts["status"].update(run_id=run_id, score=score)
        parts["metrics"] = {
            "score": score,
            "metric": "accuracy",
            "accuracy": score,
            "invalid_rate": 0.0,
            "eval_examples": n,
        }
        eff = parts["efficiency"]
        eff.update({k: v for k, v in cell.items() if k not in ("right", "right_ranges")})
        eff["trainable_pct"] = 100.0 * cell["trainable_params"] / eff["base_params"]
        eff["slowdown_pct"] = 100.0 * (cell["latency_ms_per_token"] / 10.0 - 1.0)
        eff["extra_tflops"] = 0.0
        for name in ("config", "metrics", "efficiency", "provenance", "status"):
            (run / f"{name}.json").write_text(json.dumps(parts[name], indent=1))
        lines = [
            {
                "id": f"eval-{i}",
                "parsed": "positive" if i in hits else "negative",
                "gold": "positive",
                "scores": {"accuracy": 100.0 if i in hits else 0.0},
            }
            for i in range(n)
        ]
        (run / "predictions.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    return root
