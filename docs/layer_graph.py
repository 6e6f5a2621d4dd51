"""Print the picture of docs/architecture.md: which parts of restart_desktop import which,
read from the code itself (grimp, the graph import-linter checks), as a Mermaid flowchart.

    python docs/layer_graph.py            # prints the diagram
    python docs/layer_graph.py --write    # puts it into docs/architecture.md

tests/unit/test_architecture_doc.py fails when the diagram in the document is not the one the
code gives, so the picture cannot drift from the imports.
"""

from __future__ import annotations

import sys
from pathlib import Path

import grimp

DOC = Path(__file__).with_name("architecture.md")
BEGIN, END = "<!-- layer graph: begin -->", "<!-- layer graph: end -->"
#: The parts, top to bottom, as the layers contract in pyproject.toml orders them.
PARTS = (
    "cli",
    "cli_intake",
    "cli_documents",
    "ui",
    "documents",
    "app",
    "sync",
    "store",
    "security",
    "domain",
    "paths",
    "atomic",
    "crash",
)


def _part(module: str) -> str | None:
    name = module.split(".")[1] if module.count(".") >= 1 else ""
    return name if name in PARTS else None


def edges() -> list[tuple[str, str]]:
    """(importer, imported) for every two parts with at least one direct import between them."""
    graph = grimp.build_graph("restart_desktop", cache_dir=None)
    found: set[tuple[str, str]] = set()
    for module in graph.modules:
        source = _part(module)
        if source is None:
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            target = _part(imported)
            if target is not None and target != source:
                found.add((source, target))
    return sorted(found, key=lambda e: (PARTS.index(e[0]), PARTS.index(e[1])))


def mermaid() -> str:
    lines = ["```mermaid", "flowchart TD"]
    lines += [f"    {a} --> {b}" for a, b in edges()]
    lines.append("```")
    return "\n".join(lines)


def with_diagram(document: str) -> str:
    start, end = document.index(BEGIN) + len(BEGIN), document.index(END)
    return document[:start] + "\n" + mermaid() + "\n" + document[end:]


if __name__ == "__main__":
    if "--write" in sys.argv:
        DOC.write_text(with_diagram(DOC.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        print(mermaid())
