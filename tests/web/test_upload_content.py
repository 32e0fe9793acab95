"""Materials upload in the browser: a zip bomb named .docx and a PDF/HTML polyglot are
refused with the reason on the form, and nothing is kept; a real .docx is accepted."""
import sqlalchemy as sa

from lms.core.db import db
from lms.sessions.models import Material
from tests.conftest import login
from tests.unit.test_uploads import declaring, docx
from tests.web.test_materials import _setup, _upload

POLYGLOT = b"%PDF-1.7\n<html><body><script>alert(document.cookie)</script></body></html>\n%%EOF\n"


def test_zip_bomb_and_polyglot_are_refused_on_the_form_and_a_real_docx_passes(app, client, ctx):
    _setup(app)
    login(client, "ines@example.org")
    page = _upload(client, "notes.docx", declaring(docx(), "word/document.xml", 4_000_000_000)).get_data(as_text=True)
    assert "does not look like a .docx file: it would unpack to 3,815 MB (at most 100 MB is accepted)" in page
    page = _upload(client, "slides.pdf", POLYGLOT).get_data(as_text=True)
    assert "does not look like a .pdf file: it contains an HTML document" in page
    assert db.session.execute(sa.select(sa.func.count(Material.id))).scalar() == 0
    assert _upload(client, "notes.docx", docx()).status_code == 302
    assert db.session.execute(sa.select(Material.content_type)).scalar_one().endswith("wordprocessingml.document")


def test_archive_limits_come_from_the_configuration(app, client, ctx, monkeypatch):
    _setup(app)
    login(client, "ines@example.org")
    monkeypatch.setitem(app.config, "LMS_UPLOAD_MAX_MEMBERS", 1)
    page = _upload(client, "notes.docx", docx()).get_data(as_text=True)
    assert "it holds 2 files (at most 1 are accepted)" in page
