"""The documentation holds together: the README stays short, docs/index.md lists every page, every relative
link of the README and of docs/ resolves (file and #anchor), and the README's test command is .ci/run's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = sorted([README, *DOCS.glob("*.md")])
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)
TEST_COMMAND = re.compile(r"^pip install -e \S+ && python -m pytest.*$", re.M)


def prose(page: Path) -> str:
    """The page without its fenced code blocks (a `# comment` there is no heading, a [x](y) no link)."""
    return FENCE.sub("", page.read_text("utf-8"))


def anchors(page: Path) -> set[str]:
    """The #anchors GitHub gives a page: each heading's slug (duplicates numbered) and every <a id="...">."""
    found, seen = set(), {}
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*$", prose(page), re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.replace("`", "").lower()).replace(" ", "-")
        found.add(slug if slug not in seen else f"{slug}-{seen[slug]}")
        seen[slug] = seen.get(slug, 0) + 1
    return found | set(re.findall(r'<a id="([^"]+)"', page.read_text("utf-8")))


def relative_links(page: Path) -> list[str]:
    return [target for target in LINK.findall(prose(page)) if not re.match(r"[a-z]+:", target)]


def test_the_readme_is_short():
    assert len(README.read_text("utf-8").splitlines()) <= 300


def test_the_index_links_every_page():
    linked = {(DOCS / target.partition("#")[0]).resolve() for target in relative_links(DOCS / "index.md")}
    missing = [page.name for page in DOCS.glob("*.md") if page.name != "index.md" and page.resolve() not in linked]
    assert not missing, f"docs/index.md does not list {missing}"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_relative_link_resolves(page):
    broken = []
    for target in relative_links(page):
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(f"{target}: no file {file.relative_to(ROOT) if file.is_relative_to(ROOT) else file}")
        elif anchor and file.suffix == ".md" and anchor not in anchors(file):
            broken.append(f"{target}: no heading #{anchor} in {file.name}")
    assert not broken, f"{page.name}: " + "; ".join(broken)


def test_the_readme_gives_the_test_command_that_ci_runs():
    readme = TEST_COMMAND.findall(README.read_text("utf-8"))
    ci = TEST_COMMAND.findall((ROOT / ".ci" / "run").read_text("utf-8"))
    assert readme and ci and set(readme) == set(ci), (readme, ci)
