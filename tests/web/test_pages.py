"""The layout: light, accessible, friendly errors."""
import re

from tests.conftest import login, make_user


def test_a_page_with_its_assets_is_under_100_kb(client):
    for path in ("/", "/register", "/login"):
        page = client.get(path).get_data()
        assets = re.findall(rb'(?:href|src)="(/lms-assets/[^"]+)"', page)
        total = len(page) + sum(len(client.get(a.decode()).get_data()) for a in assets)
        assert assets, "the stylesheet is served by the app itself"
        assert total < 100 * 1024, f"{path}: {total} bytes"


def test_no_asset_comes_from_another_host(client):
    for path in ("/", "/register"):
        page = client.get(path).get_data(as_text=True)
        assert not re.search(r'(?:href|src)="(?:https?:)?//', page)


def test_layout_has_skip_link_landmarks_and_labels(app, client):
    from lms.auth.services import make_registration_token

    assert '<label for="email">' in client.get("/register").get_data(as_text=True)
    with app.app_context():
        token = make_registration_token("new.person@example.org")
    page = client.get(f"/register/{token}").get_data(as_text=True)  # the e-mailed link's form
    assert '<a class="skip-link" href="#content">' in page
    assert '<main id="content"' in page and '<nav aria-label="Main"' in page
    for field in ("name", "password", "confirm", "country", "organisation", "timezone"):
        assert f'<label for="{field}">' in page
    assert 'aria-describedby="password-hint"' in page
    assert '<html lang="en">' in page and 'name="viewport"' in page


def test_errors_are_tied_to_their_field(client):
    page = client.post("/register", data={}).get_data(as_text=True)
    assert "Form expired" in page  # no token: refused before validation
    from tests.conftest import post_form

    page = post_form(client, "/register", {"email": ""}).get_data(as_text=True)
    assert 'aria-invalid="true"' in page and 'id="email-error"' in page


def test_friendly_404(client):
    response = client.get("/nothing/here")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_dashboard_empty_state_explains_what_comes(client, ctx):
    make_user(email="pat@example.org")
    login(client, "pat@example.org")
    page = client.get("/").get_data(as_text=True)
    assert "You are not in any cohort yet" in page and "UTC" in page


def test_assets_have_fingerprinted_names_and_are_kept_a_year(client):
    import gzip

    page = client.get("/login").get_data(as_text=True)
    [css] = re.findall(r'href="(/lms-assets/[0-9a-f]{16}/lms\.css)"', page)
    [js] = re.findall(r'src="(/lms-assets/[0-9a-f]{16}/lms\.js)"', page)
    for url, kind in ((css, "text/css"), (js, "text/javascript")):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == kind
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert client.get(url, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    # An address from before the file changed still works, but is not kept.
    stale = client.get(re.sub(r"/[0-9a-f]{16}/", "/0000000000000000/", css))
    assert stale.status_code == 200 and stale.headers["Cache-Control"] == "no-cache"
    assert client.get("/lms-assets/0000000000000000/nothing.css").status_code == 404
    # Compressed for a client that accepts it, byte-identical once unpacked.
    plain = client.get(css).data
    packed = client.get(css, headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip" and gzip.decompress(packed.data) == plain
    assert "Accept-Encoding" in packed.headers["Vary"]


def test_pages_are_compressed_for_clients_that_accept_it(client, ctx):
    import gzip

    make_user("amina@example.org", "Amina Diallo")
    login(client, "amina@example.org")
    plain = client.get("/account")
    packed = client.get("/account", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert packed.headers["Content-Encoding"] in {"br", "gzip", "zstd", "deflate"}
    assert len(packed.data) < len(plain.data) / 2
    assert packed.headers["Cache-Control"] == "no-store"
    if packed.headers["Content-Encoding"] == "gzip":
        assert gzip.decompress(packed.data) == plain.data
