import pytest


@pytest.mark.django_db
def test_the_home_page_links_the_admin_and_the_api_docs(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b'href="/admin/"' in response.content and b'href="/api/docs/"' in response.content


@pytest.mark.django_db
def test_the_api_docs_and_schema_are_served_without_a_cdn(client):
    docs = client.get("/api/docs/")
    schema = client.get("/api/schema/")
    assert docs.status_code == 200 and schema.status_code == 200
    # Not a bare "cdn" substring: the page's random CSRF token may contain one.
    page = docs.content.lower()
    assert b"https://" not in page and b"http://" not in page and b"//cdn" not in page
    assert b"jsdelivr" not in page and b"unpkg" not in page
    assert b"/ims/oneroster/rostering/v1p2/users" in schema.content


@pytest.mark.django_db
def test_the_home_page_describes_what_the_product_does_today(client):
    page = client.get("/").content.decode()
    assert "soon" not in page.lower()
    for role in ("Students", "Guides", "Parents", "App developers"):
        assert f"<strong>{role}</strong>" in page
