"""Stored files: read only with the signed URL or the owner's key, and always served as a safe download."""

from __future__ import annotations

import requests

from .conftest import API_KEY


def _upload(client, content: bytes, filename: str) -> str:
    return client.upload_data(content, filename=filename)


def test_signed_url_reads_and_the_signature_is_checked(fake):
    url = _upload(fake.client(), b"hello", "h.txt")
    assert "sig=" in url
    assert requests.get(url, timeout=5).content == b"hello"
    bare = url.split("?")[0]
    assert requests.get(bare, timeout=5).status_code == 403
    assert requests.get(bare + "?sig=" + "0" * 32, timeout=5).status_code == 403
    assert requests.get(bare, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=5).content == b"hello"


def test_another_organizations_key_cannot_read_a_file(fake):
    url = _upload(fake.client(), b"secret", "s.txt")
    other = fake.create_organization("other")
    r = requests.get(url.split("?")[0], headers={"Authorization": f"Bearer {other['api_key']}"}, timeout=5)
    assert r.status_code == 403


def test_uploaded_html_is_a_download_that_does_not_run(fake):
    url = _upload(fake.client(), b"<script>fetch('/_fake/keys')</script>", "page.html")
    r = requests.get(url, timeout=5)
    assert r.status_code == 200
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Content-Disposition"].startswith("attachment")
    assert "sandbox" in r.headers["Content-Security-Policy"]


def test_organizations_made_with_the_same_seed_never_share_ids(fake):
    a = fake.create_organization("a", seed=7)
    b = fake.create_organization("b", seed=7)
    ca, cb = fake.client(api_key=a["api_key"]), fake.client(api_key=b["api_key"])
    ds_a, ds_b = ca.create_dataset(name="a"), cb.create_dataset(name="b")
    assert ds_a.uid != ds_b.uid
    url_a, url_b = _upload(ca, b"from a", "a.txt"), _upload(cb, b"from b", "b.txt")
    assert url_a.split("?")[0] != url_b.split("?")[0]
    assert requests.get(url_b, timeout=5).content == b"from b"
