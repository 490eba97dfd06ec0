"""The HTML report's style sheet and its one script, inlined into every report (no files, no
network): plain CSS, and a dozen lines of JavaScript that sort a table by a clicked header."""

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d232a;
background:#f6f7f9}
header{background:#14324a;color:#fff;padding:18px 28px}
header h1{margin:0 0 4px;font-size:22px}
header p{margin:0;opacity:.85}
nav{padding:8px 28px;background:#e9edf1;font-size:13px}
nav a{margin-right:14px;color:#14324a;text-decoration:none}
main{padding:8px 28px 40px;max-width:1400px}
section{background:#fff;border:1px solid #dde2e7;border-radius:8px;padding:14px 18px;margin:16px 0}
h2{font-size:17px;margin:2px 0 10px;color:#14324a}
h3{font-size:14px;margin:12px 0 6px}
.note{color:#5b6670;font-size:12.5px;margin:6px 0}
.warn{color:#8a3b00;background:#fff4e5;border-left:3px solid #e69f00;padding:6px 10px;margin:8px 0}
.bad{color:#8b1a1a;background:#fdecea;border-left:3px solid #c0392b;padding:6px 10px;margin:8px 0}
table{border-collapse:collapse;font-size:13px;margin:6px 0}
th,td{padding:4px 9px;border-bottom:1px solid #e6e9ec;text-align:right;white-space:nowrap}
th{background:#f0f3f6;position:sticky;top:0}
th.text,td.text{text-align:left}
table.sortable th{cursor:pointer;user-select:none}
table.sortable th:after{content:" \\2195";color:#9aa5b1;font-size:11px}
table.sortable th.asc:after{content:" \\2191";color:#14324a}
table.sortable th.desc:after{content:" \\2193";color:#14324a}
tr.failed td{color:#8b1a1a}
td.best{font-weight:700;color:#0b5d1e}
tbody.reference td{background:#f4f5f7;color:#44505c}
tr.divider td{font-weight:600;font-style:italic;border-top:2px solid #9aa5b1;background:#e9edf1}
.scroll{overflow-x:auto}
#environment td{white-space:normal;word-break:break-all}
.grid2{display:flex;flex-wrap:wrap;gap:18px}
.grid2>div{flex:1 1 420px;min-width:320px}
svg.chart{width:100%;height:auto;display:block}
svg .grid{stroke:#e6e9ec;stroke-width:1}
svg .plotarea{fill:none;stroke:#aab4be}
svg .tick{font-size:11px;fill:#44505c}
svg .axis{font-size:12px;fill:#1d232a}
svg .pt{stroke:#fff;stroke-width:1.2}
svg .pt-label{font-size:11px;fill:#1d232a}
svg .front{fill:none;stroke:#c0392b;stroke-width:2;stroke-dasharray:5 3}
svg .front-ring{fill:none;stroke:#c0392b;stroke-width:2}
svg .val{font-size:11px;fill:#1d232a}
svg .cell{font-size:11px;fill:#1d232a}
svg .cell.dark{fill:#fff}
svg .empty{fill:#eceff1}
svg .ci{stroke:#44505c;stroke-width:2}
svg .mean{stroke:#1d232a;stroke-width:2.5}
svg .seed{stroke:#fff;stroke-width:.8;opacity:.9}
details{margin:6px 0}
summary{cursor:pointer;color:#14324a}
code{font-size:12px;background:#f0f3f6;padding:1px 4px;border-radius:3px}
"""

# Click a header: sort by that column (numbers by their data-v value), click again: reverse.
SORT_JS = """
document.querySelectorAll("table.sortable").forEach(function(table){
  table.querySelectorAll("th").forEach(function(th, col){
    th.addEventListener("click", function(){
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      var asc = !th.classList.contains("asc");
      table.querySelectorAll("th").forEach(function(h){h.classList.remove("asc","desc");});
      th.classList.add(asc ? "asc" : "desc");
      rows.sort(function(a, b){
        var x = a.cells[col].getAttribute("data-v"), y = b.cells[col].getAttribute("data-v");
        var nx = parseFloat(x), ny = parseFloat(y), r;
        if (!isNaN(nx) && !isNaN(ny)) { r = nx - ny; }
        else { r = String(x).localeCompare(String(y)); }
        return asc ? r : -r;
      });
      rows.forEach(function(row){ body.appendChild(row); });
    });
  });
});
"""
