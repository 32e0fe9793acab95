"""A row of the attempts list, written in Python: the same markup the template wrote per
cell (attribute lookups, tests and escaping through Jinja were most of the page's time).
Every value from the database is escaped here."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from markupsafe import Markup, escape

from lms.quizzes.analysis import AttemptRow

NOT_STARTED = "<td>—</td><td>not started</td><td></td><td></td>"


def attempt_row_html(row: AttemptRow, result_url: Callable[[int], str], reopen_url: Callable[[int], str],
                     token: str, shown: Callable[[datetime], str]) -> Markup:
    """One ``<tr>``: the participant, their attempt's number (a link to the result), its
    state, its score and (once submitted) the form that reopens it. ``shown`` writes a
    moment in the reader's zone."""
    name = escape(row.user.name)
    a = row.attempt
    if a is None:
        return Markup(f'<tr><th scope="row">{name}</th>{NOT_STARTED}</tr>\n')
    if a.submitted_at:
        state = f"submitted {escape(shown(a.submitted_at))}{' (time ran out)' if a.submitted_by == 'timer' else ''}"
    else:
        state = f"under way{f', until {escape(shown(a.deadline_at))}' if a.deadline_at else ''}"
    score = f"{float(a.score):.2f} / {a.max_score}" if a.score is not None else ""  # as Jinja's '%.2f'|format
    reopen = ""
    if a.submitted_at:
        reopen = (f'<form method="post" class="inline" action="{escape(reopen_url(a.id))}">'
                  f'<input type="hidden" name="csrf_token" value="{escape(token)}">'
                  f'<label for="reason-{a.id}" class="visually-hidden">Reason for reopening {name}\'s attempt</label>'
                  f'<input id="reason-{a.id}" name="reason" required maxlength="500" placeholder="Reason"> '
                  f'<button type="submit" class="link-button">Reopen</button></form>')
    return Markup(f'<tr><th scope="row">{name}</th><td><a href="{escape(result_url(a.id))}">{a.number}</a></td>'
                  f'<td>{state}</td><td>{score}</td><td>{reopen}</td></tr>\n')
