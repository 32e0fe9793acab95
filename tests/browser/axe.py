"""axe-core checks for the browser tests: ``assert_accessible(page)`` after every page load.

axe-core comes from npm (``tests/browser/package.json``, installed by ``make setup`` with
``npm ci --prefix tests/browser``). Where it is missing the browser tests skip and say why;
``.ci/run`` installs it, so in CI they always run.

Why ``page.evaluate`` and not ``page.add_script_tag(content=…)``: the LMS sends
``script-src 'self'``, which blocks an inline ``<script>`` tag. Code that Playwright
evaluates through the DevTools protocol is not subject to the page's CSP, so axe runs on
the page exactly as it is served, with the production CSP still enforced for the page's own
scripts. (``bypass_csp=True`` would also work but switches the CSP off for the whole
context, so a test would no longer notice a page that needs an inline script.)
"""
from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

AXE_JS = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
#: Impacts that fail a test; "moderate" and "minor" findings are written to test-artifacts/axe/.
BLOCKING = ("serious", "critical")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "axe"


@cache
def axe_source() -> str:
    if not AXE_JS.exists():
        pytest.skip(f"axe-core is not installed at {AXE_JS} (npm ci --prefix tests/browser; make setup runs it "
                    "where npm is present)")
    return AXE_JS.read_text(encoding="utf-8")


def require_axe() -> None:
    """Skip (with the reason) where axe-core has not been installed."""
    axe_source()


def run_axe(page: Any) -> list[dict[str, Any]]:
    """All of axe's violations on the page as it is now: axe's default rules (WCAG 2.0–2.2 A and
    AA, and best practices) plus ``target-size`` (WCAG 2.2 AA 2.5.8, off by default in axe)."""
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations'], rules: {'target-size': {enabled: true}}});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
            nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary}))}));
    }""")
    return list(result)


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"][:20]:
            lines.append(f"    {' '.join(map(str, node['target']))}")
        if len(v["nodes"]) > 20:
            lines.append(f"    … and {len(v['nodes']) - 20} more")
    return "\n".join(lines)


def _slug(url: str, width: int) -> str:
    path = re.sub(r"^https?://[^/]+", "", url) or "/"
    return (re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-") or "home") + f"-{width}px"


def assert_accessible(page: Any) -> None:
    """Fail with every serious or critical axe violation on the page (id, impact, help and the
    failing elements); keep the lesser ones in ``test-artifacts/axe/`` for a human to read."""
    violations = run_axe(page)
    width = (page.viewport_size or {}).get("width", 0)
    visits = getattr(page, "lms_visits", None)
    if visits is not None:
        visits.checked.add(len(visits.loads) - 1)
    minor = [v for v in violations if v["impact"] not in BLOCKING]
    if minor:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / f"{_slug(page.url, width)}.json").write_text(json.dumps(minor, indent=2), encoding="utf-8")
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"axe-core: serious or critical violations on {page.url} at {width} px:\n{describe(blocking)}"
