"""The README is a short guide; every document in docs/ is linked from it and every link resolves."""
import re
from pathlib import Path

from tests.conftest import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"
DOCS = sorted((PROJECT_ROOT / "docs").glob("*.md"))
LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchors(path: Path) -> set:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens."""
    headings = re.findall(r"^#+ (.+)$", path.read_text(encoding="utf-8"), re.M)
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-") for heading in headings}


def test_the_readme_is_a_short_guide_linking_every_document():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 300
    assert DOCS and all(f"docs/{doc.name}" in text for doc in DOCS)


def test_every_relative_link_resolves():
    broken = []
    for document in [README] + DOCS:
        for target in LINK.findall(document.read_text(encoding="utf-8")):
            if target.startswith(("http://", "https://")):
                continue
            name, _, anchor = target.partition("#")
            path = (document.parent / name).resolve() if name else document
            if not path.exists() or (anchor and path.suffix == ".md" and anchor not in anchors(path)):
                broken.append(f"{document.name}: {target}")
    assert broken == []


def test_the_check_finds_a_broken_anchor(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Resuming a killed run\n## Bad input in prediction\n")
    assert anchors(page) == {"resuming-a-killed-run", "bad-input-in-prediction"}
