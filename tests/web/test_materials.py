"""Session materials: links and checked uploads (SECURITY-CHECKS rows 15–17)."""
import io

import sqlalchemy as sa

from lms.cohorts.models import Role
from lms.core.db import db
from lms.sessions.models import Material
from tests.conftest import csrf_token, enrol, login, make_cohort, make_session, make_user

C = "/cohorts/itu-dpg-oss-2024"
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def _setup(app):
    cohort = make_cohort()
    make_session(cohort, 1)
    enrol(make_user("ines@example.org", "Ines"), cohort, Role.INSTRUCTOR)
    enrol(make_user("pat@example.org", "Pat"), cohort, Role.PARTICIPANT)
    make_user("olive@example.org", "Olive Outsider")


def _upload(client, filename, data, **fields):
    form = {"csrf_token": csrf_token(client, f"{C}/sessions/1/materials/new"), "title": "Session slides",
            "kind": "slides", "licence": "CC BY 4.0", "attribution": "ITU Academy", "url": "",
            "upload": (io.BytesIO(data), filename), **fields}
    return client.post(f"{C}/sessions/1/materials/new", data=form, content_type="multipart/form-data")


def test_upload_then_members_download_it_as_an_attachment(app, client, ctx):
    _setup(app)
    login(client, "ines@example.org")
    assert _upload(client, "Session 1 slides.pdf", PDF).status_code == 302
    material = db.session.execute(sa.select(Material)).scalar_one()
    assert material.original_name == "Session_1_slides.pdf" and material.stored_name != material.original_name
    assert len(material.sha256) == 64 and material.size_bytes == len(PDF)
    page = client.get(f"{C}/sessions/1").get_data(as_text=True)
    assert "Session slides" in page and "By ITU Academy · Licence: CC BY 4.0" in page
    member = client.application.test_client()
    login(member, "pat@example.org")
    response = member.get(f"/materials/{material.id}/download")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    outsider = client.application.test_client()
    login(outsider, "olive@example.org")
    assert outsider.get(f"/materials/{material.id}/download").status_code == 403


def test_html_renamed_pdf_is_refused(app, client, ctx):
    _setup(app)
    login(client, "ines@example.org")
    page = _upload(client, "slides.pdf", b"<html><script>alert(1)</script></html>").get_data(as_text=True)
    assert "does not look like a .pdf file" in page
    assert db.session.execute(sa.select(sa.func.count(Material.id))).scalar() == 0


def test_unknown_extensions_are_refused(app, client, ctx):
    _setup(app)
    login(client, "ines@example.org")
    for name in ("page.html", "run.exe", "noextension", "slides.svg"):
        page = _upload(client, name, b"whatever").get_data(as_text=True)
        assert "are not accepted" in page, name
    assert db.session.execute(sa.select(sa.func.count(Material.id))).scalar() == 0


def test_traversal_names_are_harmless(app, client, ctx):
    from pathlib import Path

    _setup(app)
    login(client, "ines@example.org")
    assert _upload(client, "../../../../etc/passwd.pdf", PDF).status_code == 302
    material = db.session.execute(sa.select(Material)).scalar_one()
    assert material.original_name == "etc_passwd.pdf"
    stored = Path(app.config["LMS_UPLOAD_DIR"]) / material.stored_name
    assert stored.is_file() and stored.parent == Path(app.config["LMS_UPLOAD_DIR"])


def test_link_material_must_be_https_and_not_both(app, client, ctx):
    _setup(app)
    login(client, "ines@example.org")
    token = csrf_token(client, f"{C}/sessions/1/materials/new")
    base = {"csrf_token": token, "title": "Reading", "kind": "reading", "licence": "", "attribution": ""}
    page = client.post(f"{C}/sessions/1/materials/new", data={**base, "url": "http://example.org/r"})
    assert "must be an https:// address" in page.get_data(as_text=True)
    page = _upload(client, "r.pdf", PDF, url="https://example.org/r")
    assert "either a link or a file" in page.get_data(as_text=True)
    ok = client.post(f"{C}/sessions/1/materials/new", data={**base, "url": "https://example.org/r"})
    assert ok.status_code == 302
    assert db.session.execute(sa.select(Material.url)).scalar_one() == "https://example.org/r"


def test_removing_a_file_material_deletes_the_file(app, client, ctx):
    from pathlib import Path

    _setup(app)
    login(client, "ines@example.org")
    _upload(client, "s.pdf", PDF)
    material = db.session.execute(sa.select(Material)).scalar_one()
    stored = Path(app.config["LMS_UPLOAD_DIR"]) / material.stored_name
    client.post(f"/materials/{material.id}/delete", data={"csrf_token": csrf_token(client, f"{C}/sessions/1")})
    assert not stored.exists()
    assert db.session.execute(sa.select(sa.func.count(Material.id))).scalar() == 0
