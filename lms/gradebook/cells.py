"""A gradebook row's HTML, written in Python: four labelled inputs per participant through
Jinja (attribute lookups, tests and escaping per cell) were two thirds of the page's time.
The markup is what ``templates/lms/gradebook/gradebook.html`` showed before; every value
from the database is escaped here."""
from __future__ import annotations

import functools

from markupsafe import Markup, escape

from lms.courses.spec import ComponentSpec, GradingSpec
from lms.gradebook.services import Row
from lms.grading import format_total

SELECTED = {True: " selected", False: ""}
STANDINGS = {
    "passes": '<span class="st st-present">passes</span>',
    "cannot": '<span class="st st-absent">can no longer pass</span>',
    "risk": '<span class="st st-late">at risk</span>',
    "track": '<span class="st st-excused">on track</span>',
}


@functools.lru_cache(maxsize=1024)
def _options(component: ComponentSpec, missing: bool, level: str | None, zero: bool, from_project: bool) -> str:
    """A levelled component's choices with one selected: the same few for every row. A level
    that comes from the group's project grade is shown in the first choice, not selected, so
    saving the form does not turn it into a hand-entered mark."""
    first = f"— group project: {escape(level)} —" if from_project else "— missing —"
    chosen = None if from_project else level
    return "".join([f'<option value=""{SELECTED[missing or from_project]}>{first}</option>',
                    *(f'<option value="{escape(name)}"{SELECTED[chosen == name]}>{escape(name)} ({points})</option>'
                      for name, points in component.levels),
                    f'<option value="0"{SELECTED[zero and not from_project]}>none (0)</option>'])


def _mark_cell(row: Row, component: ComponentSpec, index: int, name: str, disabled: str) -> str:
    score = row.result.components[index]
    field = f"mark-{row.user.id}-{escape(component.key)}"
    parts = [f'<td class="{"missing" if score.missing else ""}">'
             f'<label class="visually-hidden" for="{field}">{escape(component.title)} for {name}</label>']
    if component.policy == "levels":
        from_project = component.key in row.computed
        options = _options(component, score.missing, row.levels.get(component.key), score.earned == 0, from_project)
        parts.append(f'<select id="{field}" name="{field}"{disabled}>{options}</select>')
        if from_project:
            parts.append('<span class="muted small">from the group\'s grade; choose a level to override</span>')
    elif component.key in row.computed:
        source = ("attendance" if component.policy == "attendance" else
                  "participation marks" if component.key == "participation" else "the quiz")
        parts.append(f'<input id="{field}" name="{field}" class="narrow" inputmode="decimal" value="" '
                     f'placeholder="{float(score.earned or 0):.2f}" title="From {source}; type a value to override"'
                     f'{disabled}> <span class="muted small">computed</span>')
    else:
        value = "" if score.missing else f"{float(score.earned or 0):.2f}"
        parts.append(f'<input id="{field}" name="{field}" class="narrow" inputmode="decimal" value="{value}"'
                     f'{disabled}>')
    if score.missing:
        parts.append('<span class="visually-hidden">missing</span>')
    parts.append("</td>")
    return "".join(parts)


def row_html(row: Row, scheme: GradingSpec, finalised: bool) -> Markup:
    """One ``<tr>``: the name, a labelled input (or level choice) per component, the total,
    the best still reachable and the standing."""
    name = escape(row.user.name)
    disabled = " disabled" if finalised else ""
    result = row.result
    if result.passed:
        standing = STANDINGS["passes"]
    elif row.cannot_pass:
        standing = STANDINGS["cannot"]
    else:
        standing = STANDINGS["risk" if row.at_risk else "track"]
    if result.missing:
        standing += f'<br><span class="muted small">missing: {escape(", ".join(result.missing))}</span>'
    cells = "".join(_mark_cell(row, c, i, name, disabled) for i, c in enumerate(scheme.components))
    return Markup(f'<tr><th scope="row">{name}</th>{cells}'
                  f"<td><strong>{format_total(result.total, result.threshold)}</strong></td>"
                  f"<td>{format_total(row.best, result.threshold)}</td><td>{standing}</td></tr>")
