"""The community site in a real browser: headless Chromium opens the index and every board from
file://, no page logs anything to the console (no script error, no resource it cannot load),
and the index's sort and filters work (read back from the DOM).

Needs the Debian package `chromium`; skipped without it, except under CI=true, where `.ci/run`
installs it and its absence fails (tests/needs.py).
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest
from community_util import DATA, merge, pack, smoke_copy, synthetic_results

# the browser runner of the HTML report's test (one way to start Chromium in the tests)
_spec = importlib.util.spec_from_file_location(
    "report_chromium", DATA.parent / "reports" / "test_html_chromium.py"
)
assert _spec and _spec.loader
_report_chromium = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_report_chromium)  # skips this module when Chromium is missing
chromium = _report_chromium.chromium


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("community_site")
    alice = synthetic_results(tmp / "alice", seed=1)
    bob = synthetic_results(tmp / "bob", seed=2, changes={"lora": 9, "ia3": 14})
    smoke = smoke_copy(tmp / "smoke", ("frozen", "lora", "ia3"))
    for name, folder in (("a", alice), ("b", bob), ("s", smoke)):
        assert pack(folder, tmp / f"{name}.tar.gz") == 0
    assert merge(tmp / "site", *(tmp / f"{n}.tar.gz" for n in "abs")) == 0
    return tmp / "site"


def _console(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]


def test_every_page_loads_without_a_console_message(site: Path, tmp_path: Path) -> None:
    pages = [site / "index.html", *sorted((site / "boards").iterdir())]
    assert len(pages) == 3
    for page in pages:
        proc = chromium(tmp_path / "profile", "--dump-dom", page.resolve().as_uri())
        assert "</html>" in proc.stdout, proc.stderr[-2000:]
        assert _console(proc.stderr) == [], (page.name, _console(proc.stderr))


# Runs in the page after its own scripts: filters set as a user would (then an input/change
# event), the visible rows counted; the score header clicked twice; results as body attributes.
PROBE = """<script>(function(){
var t=document.getElementById('rows-table'), out={};
function visible(){return [].filter.call(t.tBodies[0].rows,function(r){
  return r.style.display!=='none';}).map(function(r){
  return [r.getAttribute('data-model'),r.getAttribute('data-task'),
          r.getAttribute('data-method'),r.getAttribute('data-best')].join('|');});}
function set(id,v,ev){var el=document.getElementById(id);
  if(el.type==='checkbox'){el.checked=v;}else{el.value=v;}
  el.dispatchEvent(new Event(ev));}
out.all=visible();
set('f-task',TASK,'change'); out.task=visible(); set('f-task','','change');
set('f-method','lor','input'); out.method=visible(); set('f-method','','input');
set('f-best',true,'change'); out.best=visible();
out.shown=document.getElementById('shown').textContent;
set('f-best',false,'change');
var ths=[].slice.call(t.querySelectorAll('th'));
var th=ths.filter(function(h){return h.textContent==='score';})[0], col=ths.indexOf(th);
function order(){return [].map.call(t.tBodies[0].rows,function(r){
  return parseFloat(r.cells[col].getAttribute('data-v'));});}
th.click(); out.up=order(); th.click(); out.down=order();
document.body.setAttribute('data-probe',JSON.stringify(out));
})();</script></body>"""


def test_filters_and_sort_work_in_the_browser(site: Path, tmp_path: Path) -> None:
    rows = json.loads((site / "merge.json").read_text())["rows"]
    task = "toy-addition"
    page = (site / "index.html").read_text()
    probed = site / "probed.html"  # beside the index, so its links resolve the same
    probed.write_text(page.replace("</body>", PROBE.replace("TASK", json.dumps(task)), 1))
    try:
        proc = chromium(tmp_path / "profile", "--dump-dom", probed.resolve().as_uri())
    finally:
        probed.unlink()
    found = re.search(r'data-probe="([^"]*)"', proc.stdout)
    assert found, proc.stderr[-2000:]
    out = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert _console(proc.stderr) == []
    assert len(out["all"]) == len(rows)
    assert len(out["task"]) == sum(r["dataset"] == task for r in rows) > 0
    assert all(v.split("|")[1] == task for v in out["task"])
    assert sorted(out["method"]) == sorted(
        "|".join([r["model"], r["dataset"], r["method"], "1" if r["best"] else "0"])
        for r in rows
        if "lor" in r["method"]
    )
    assert 0 < len(out["best"]) < len(rows) and all(v.endswith("|1") for v in out["best"])
    assert out["shown"] == str(len(out["best"]))
    assert out["up"] == sorted(out["up"]) and out["down"] == sorted(out["up"], reverse=True)
    assert out["up"][0] < out["up"][-1]
