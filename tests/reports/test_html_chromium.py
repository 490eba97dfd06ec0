"""The HTML report in a real browser: headless Chromium renders it offline, the screenshot is not
blank, no script error is logged, and clicking a leaderboard header sorts the table.

Needs the Debian package `chromium` (`apt-get install -y chromium`); skipped without it, except
under CI=true, where `.ci/run` installs it and its absence fails (tests/needs.py).
"""

from __future__ import annotations

import re
import struct
import subprocess
import zlib
from pathlib import Path

from needs import need_program

CHROMIUM = need_program(
    "chromium", "apt-get install -y chromium (Debian/Ubuntu)", module_level=True
)


def chromium(profile: Path, *args: str) -> subprocess.CompletedProcess:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
    ]
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=120)


def png_pixels(path: Path) -> tuple[int, int, list[list[bytes]]]:
    """Width, height and the rows of an 8-bit RGB(A) PNG (what Chromium writes), every 4th pixel
    of each row as RGB bytes: enough to tell a drawn page from a blank one."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and color in (2, 6), (depth, color)
            bpp = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        line = raw[y * (stride + 1) : (y + 1) * (stride + 1)]
        kind, cur = line[0], bytearray(line[1:])
        for i in range(stride):  # undo the PNG row filter
            a = cur[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                cur[i] = (cur[i] + a) & 255
            elif kind == 2:
                cur[i] = (cur[i] + b) & 255
            elif kind == 3:
                cur[i] = (cur[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                cur[i] = (cur[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(cur))
        prev = cur
    return width, height, [[r[i : i + 3] for i in range(0, stride, bpp * 4)] for r in rows]


def test_report_renders_in_chromium(results: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    proc = chromium(
        tmp_path / "profile",
        "--window-size=1280,2200",
        "--hide-scrollbars",
        f"--screenshot={shot}",
        (results / "report.html").resolve().as_uri(),
    )
    assert shot.is_file(), proc.stderr[-2000:]
    assert "Uncaught" not in proc.stderr, proc.stderr[-2000:]
    width, height, rows = png_pixels(shot)
    assert (width, height) == (1280, 2200)
    pixels = [p for row in rows for p in row]
    colours = set(pixels)
    white = sum(p == b"\xff\xff\xff" for p in pixels)
    assert len(colours) > 50, f"only {len(colours)} colours: blank page?"
    assert white / len(pixels) < 0.9, "page is almost all white"
    header = rows[10]  # a line through the dark title band
    dark = sum(sum(p) < 200 for p in header)
    assert dark / len(header) > 0.5, "the report header was not drawn"


def test_leaderboard_sorts_on_click(results: Path, tmp_path: Path) -> None:
    """Click the 'params' header twice in the real browser; read the row order from the DOM."""
    page = (results / "report.html").read_text()
    probe = (
        "<script>(function(){var t=document.getElementById('leaderboard-table');"
        "var ths=[].slice.call(t.querySelectorAll('th'));"
        "var th=ths.filter(function(h){return h.textContent==='params';})[0];"
        "function order(){return [].map.call(t.tBodies[0].rows,function(r){"
        "return r.cells[ths.indexOf(th)].getAttribute('data-v');}).join(',');}"
        "th.click();var up=order();th.click();"
        "document.body.setAttribute('data-up',up);document.body.setAttribute('data-down',order());"
        "})();</script></body>"
    )
    probed = tmp_path / "probed.html"
    probed.write_text(page.replace("</body>", probe))
    proc = chromium(tmp_path / "profile", "--dump-dom", probed.resolve().as_uri())
    up = re.search(r'data-up="([^"]*)"', proc.stdout)
    down = re.search(r'data-down="([^"]*)"', proc.stdout)
    assert up and down, proc.stderr[-2000:]
    up_vals = [float(v) for v in up.group(1).split(",")]
    down_vals = [float(v) for v in down.group(1).split(",")]
    # the PEFT methods sort; the baseline (frozen) stays in its reference block below
    assert len(up_vals) == 2 and up_vals == sorted(up_vals) and down_vals == sorted(up_vals)[::-1]
