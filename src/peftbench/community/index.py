"""The site's index page (community/site.py): rendered from the site data with the Jinja2
template `templates/index.html.j2`, autoescaped, so a method or task name from a bundle is text,
never markup; the style sheet and scripts are ours, inlined (the page loads nothing)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from peftbench.reports import escape, tables
from peftbench.reports.assets import CSS, SORT_JS

if TYPE_CHECKING:  # types only: site.py imports this module when it renders
    from peftbench.community.site import RowCells, SiteData

    class IndexRow(RowCells):
        """A row with its cells as the table shows them."""

        score_text: str
        ci_text: str
        ci_v: float  # the interval's half-width (the sort key), -1 without one
        pscp_text: str
        params_text: str
        method_text: str


# Filters: every row whose model, task and method match the selects and the text, and (when
# ticked) is in its task's best set, stays; the others are hidden. Runs on change and on load.
FILTER_JS = """
(function(){
  var table = document.getElementById("rows-table");
  var model = document.getElementById("f-model"), task = document.getElementById("f-task");
  var text = document.getElementById("f-method"), best = document.getElementById("f-best");
  var count = document.getElementById("shown");
  function apply(){
    var q = text.value.toLowerCase(), n = 0;
    [].forEach.call(table.tBodies[0].rows, function(r){
      var ok = (!model.value || r.getAttribute("data-model") === model.value)
        && (!task.value || r.getAttribute("data-task") === task.value)
        && r.getAttribute("data-method").toLowerCase().indexOf(q) >= 0
        && (!best.checked || r.getAttribute("data-best") === "1");
      r.style.display = ok ? "" : "none";
      if (ok) { n++; }
    });
    count.textContent = String(n);
  }
  [model, task, text, best].forEach(function(el){
    el.addEventListener("input", apply); el.addEventListener("change", apply);
  });
  apply();
})();
"""


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _row(r: RowCells) -> IndexRow:
    ci = r["score_ci"]
    return {
        **r,
        "score_text": _fmt(r["score"]) + (" *" if r["best"] else ""),
        "ci_text": tables.interval(list(ci)) if ci else "-",
        "ci_v": (ci[1] - ci[0]) / 2 if ci else -1,
        "pscp_text": _fmt(r["pscp"], 3) + (" (best set)" if r["pscp_best"] else ""),
        "params_text": tables.params(r["trainable_params"]),
        "method_text": r["method"] + (" (baseline)" if r["baseline"] else ""),
    }


def render_index(data: SiteData) -> str:
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
    from markupsafe import Markup

    from peftbench.reports.html import defang

    env = Environment(
        loader=PackageLoader("peftbench.community", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True, default_for_string=True),
        undefined=StrictUndefined,
        finalize=lambda v: (
            escape.terminal(v) if isinstance(v, str) and not isinstance(v, Markup) else v
        ),
    )
    rows = [_row(r) for r in data["rows"]]
    page = env.get_template("index.html.j2").render(
        data=data,
        rows=rows,
        models=sorted({r["model"] for r in rows}),
        tasks=sorted({r["dataset"] for r in rows}),
        css=Markup(CSS),
        script=Markup(SORT_JS + FILTER_JS),
    )
    return defang(page + "\n")
