"""Requests no kiosk screen can send (a NUL typed into a form by a script, `%00` in an address):
each gets the page a shopper's mistake would get, never the out-of-service page, and the kiosk
goes on serving."""

from __future__ import annotations

import httpx

from tests.kiosk.support import KioskServer

OUT_OF_SERVICE = "out of service"


def _no_outage(response: httpx.Response) -> None:
    assert response.status_code < 500, (response.request.url, response.status_code)
    assert OUT_OF_SERVICE not in response.text.lower(), response.request.url


def test_a_nul_in_a_form_is_dropped_not_sent_to_the_hub(kiosk: KioskServer) -> None:
    with httpx.Client(base_url=kiosk.url, follow_redirects=True, timeout=30) as client:
        empty = client.post("/identify", data={"identifier": "\x00", "kind": "EMAIL"})
        _no_outage(empty)
        assert empty.status_code == 422 and "Please scan your card" in empty.text
        code = client.post("/mailing-code", data={"code": "AB\x00CD-1234"})
        _no_outage(code)
        assert code.status_code == 422 and "recognise that code" in code.text
        client.post("/browse")  # an anonymous visit, so the visit's forms run their code
        for path, data in [
            ("/continue", {"code": "12\x0034"}),
            ("/registry/start", {"name": "Ann\x00a"}),
            ("/survey", {"occasion": "birth\x00day"}),
            ("/preferences/toggle", {"key": "category\x00", "value": "x\x00", "checked": "on"}),
        ]:
            _no_outage(client.post(path, data=data))
        assert client.get("/home").status_code == 200


def test_a_nul_in_an_address_is_not_found_not_an_outage(kiosk: KioskServer) -> None:
    with httpx.Client(base_url=kiosk.url, timeout=30) as client:
        client.post("/browse")
        for path in [
            "/search?q=jumbo%00bag",
            "/p/%00",
            "/c/%00x",
            "/registry?q=%00",
            "/registry/%00",
        ]:
            response = client.get(path)
            _no_outage(response)
            assert response.status_code == 400, path
            assert "find that" in response.text, path
        assert client.get("/search?q=jumbo").status_code == 200


def test_a_nul_in_an_address_outside_a_visit_gets_the_page_too(kiosk: KioskServer) -> None:
    response = httpx.get(kiosk.url + "/p/%00", timeout=30)
    assert response.status_code == 400 and "find that" in response.text


def test_an_address_the_kiosk_does_not_serve_gets_the_store_page(kiosk: KioskServer) -> None:
    """A mistyped address, or a form's address opened as a link, shows the store's "couldn't
    find that" page with its way back, inside a visit and outside one, with the page's
    security headers; not a plain-text "Not Found" on a shared screen."""
    with httpx.Client(base_url=kiosk.url, timeout=30) as client:
        for visiting in (False, True):
            if visiting:
                client.post("/browse")
            for path, status in [("/no-such-page", 404), ("/p/1/2/3", 404), ("/identify", 405)]:
                response = client.get(path)
                assert response.status_code == status, (path, visiting)
                assert "find that" in response.text and 'href="/home"' in response.text, path
                assert response.headers["content-type"].startswith("text/html"), path
                assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
