"""A page served from a test origin signs through the agent in headless Chromium, with the
page-side client openivan-signer.js: pairing with the code the page shows, the PIN typed in the
agent's window; the signed document verifies. Errors reach the user in Vietnamese."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import expect

from openivan.core.xml.envelope import UNIT_SLOT
from tests import vendor
from tests.conftest import ARGS, CHROMIUM
from tests.processes import free_port
from tests.signer_agent.conftest import ORIGIN, PIN, UNIT2_MST, UNIT_MST, unsigned

CLIENT = (Path(__file__).resolve().parents[2] / "src" / "openivan" / "platform" / "static"
          / "openivan" / "openivan-signer.js")

PAGE = """<!doctype html><html lang="vi"><head><meta charset="utf-8">
<title>Ký hồ sơ</title><script src="/openivan-signer.js"></script></head><body>
<button id="connect">Kết nối trình ký số</button> <span id="code"></span>
<label for="certificates">Chứng thư số</label> <select id="certificates"></select>
<button id="sign">Ký hồ sơ</button>
<p id="error" role="alert"></p>
<label for="signed">Hồ sơ đã ký</label> <textarea id="signed"></textarea>
<script>
const ports = new URLSearchParams(location.search).get("ports").split(",").map(Number);
const signer = new OpenIvanSigner({ports});
const show = (error) => { document.getElementById("error").textContent = error.message; };
document.getElementById("connect").onclick = async () => {
  try {
    await signer.connect((code) => { document.getElementById("code").textContent = code; });
    const select = document.getElementById("certificates");
    for (const c of await signer.certificates()) {
      if (c.expired) continue;
      select.add(new Option(c.common_name + " — MST " + c.tax_code, c.id));
    }
    document.body.dataset.connected = "yes";
  } catch (error) { show(error); }
};
document.getElementById("sign").onclick = async () => {
  try {
    const unsigned = await (await fetch("/unsigned.xml")).arrayBuffer();
    const select = document.getElementById("certificates");
    const [result] = await signer.sign(select.value, [{id: "hoso-1", xml: unsigned}]);
    if (!result.ok) { show(result.error); return; }
    document.getElementById("signed").value = result.xml;
    document.body.dataset.signed = btoa(String.fromCharCode(...result.bytes));
  } catch (error) { show(error); }
};
</script></body></html>"""


@pytest.fixture
def site() -> Iterator[str]:
    """The web page's own origin (not the agent's): http://localhost:PORT."""
    files = {"/openivan-signer.js": (CLIENT.read_bytes(), "text/javascript"),
             "/unsigned.xml": (unsigned(), "application/xml")}

    class Page(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            body, kind = files.get(path, (PAGE.encode(), "text/html; charset=utf-8"))
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://localhost:{server.server_address[1]}"
    server.shutdown()


def test_a_page_pairs_lists_and_signs_through_the_agent_in_chromium(agent, screen, site, page,
                                                                    verifier, pki, tmp_path):
    page.goto(f"{site}/?ports={free_port()},{agent.port}")  # the first port: a fallback
    page.get_by_role("button", name="Kết nối trình ký số").click()
    page.wait_for_function("document.getElementById('code').textContent.length > 0")
    code = page.locator("#code").inner_text()
    assert len(code.replace(" ", "")) == 6
    approve = screen.window("OpenIvanApprove")
    assert screen.xdotool("getwindowname", approve).endswith(f"(mã {code})")  # the same code
    screen.screenshot("signer-agent-browser-pairing.png")
    screen.key(approve, "Tab")  # "Từ chối" has the focus: an Enter meant for the page refuses
    screen.key(approve, "Return")
    page.wait_for_function("document.body.dataset.connected === 'yes'")
    expect(page.locator("#certificates")).to_contain_text(f"MST {UNIT_MST}", use_inner_text=True)
    page.locator("#certificates").select_option(agent.certificate_id(UNIT_MST))
    page.get_by_role("button", name="Ký hồ sơ").click()
    window = screen.window("OpenIvanSign")
    screen.type(window, PIN)
    screen.screenshot("signer-agent-browser-signing.png")
    screen.key(window, "Return")
    page.wait_for_function("document.body.dataset.signed !== undefined")
    data = base64.b64decode(page.evaluate("document.body.dataset.signed"))
    checked = verifier.verify_envelope(data, require_provider=False)
    assert checked.signatures[UNIT_SLOT].certificate.facts.tax_code == UNIT_MST
    assert vendor.xmlsec1_verifies(pki, data, tmp_path)


def test_the_page_says_in_vietnamese_when_the_mst_differs(start_agent, screen, site, page):
    agent = start_agent(preapproved_origins=[ORIGIN, site])
    page.goto(f"{site}/?ports={agent.port}")
    page.get_by_role("button", name="Kết nối trình ký số").click()
    page.wait_for_function("document.body.dataset.connected === 'yes'")
    page.locator("#certificates").select_option(agent.certificate_id(UNIT2_MST))
    page.get_by_role("button", name="Ký hồ sơ").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    page.wait_for_function("document.getElementById('error').textContent.length > 0")
    assert "Mã số thuế trên tờ khai (0101300842) khác mã số thuế trên chứng thư số" in (
        alert.inner_text())
    assert not screen.shown("OpenIvanSign")


def test_the_page_explains_how_to_start_the_agent_when_it_is_not_running(site, page):
    page.goto(f"{site}/?ports={free_port()}")
    page.get_by_role("button", name="Kết nối trình ký số").click()
    page.wait_for_function("document.getElementById('error').textContent.length > 0")
    expect(page.get_by_role("alert")).to_contain_text(
        "Không kết nối được trình ký số OpenIVAN", use_inner_text=True)


@pytest.fixture
def public_site_browser(browser, site):
    """Chromium treating the test site as a public web site: reaching 127.0.0.1 from it needs
    the user's local network access permission (Chromium's LNA), as for a real provider."""
    port = site.rsplit(":", 1)[1]
    public = browser.browser_type.launch(executable_path=CHROMIUM, args=[
        *ARGS, f"--ip-address-space-overrides=127.0.0.1:{port}=public"])
    yield public
    public.close()


def test_a_public_page_refused_local_network_access_is_told_how_to_allow_it(
        public_site_browser, agent, site):
    context = public_site_browser.new_context(locale="vi-VN")
    page = context.new_page()
    page.goto(f"{site.replace('localhost', '127.0.0.1')}/?ports={agent.port}")
    page.get_by_role("button", name="Kết nối trình ký số").click()
    page.wait_for_function("document.getElementById('error').textContent.length > 0")
    expect(page.get_by_role("alert")).to_contain_text(
        "Trình duyệt đang chặn trang này", use_inner_text=True)
    context.close()


def test_a_public_page_allowed_local_network_access_reaches_the_agent(
        public_site_browser, start_agent, site, screen):
    origin = site.replace("localhost", "127.0.0.1")
    agent = start_agent(preapproved_origins=[ORIGIN, origin])
    context = public_site_browser.new_context(locale="vi-VN")
    context.grant_permissions(["local-network-access"])
    page = context.new_page()
    page.goto(f"{origin}/?ports={agent.port}")
    page.get_by_role("button", name="Kết nối trình ký số").click()
    page.wait_for_function("document.body.dataset.connected === 'yes'")
    # A JSON POST (a CORS preflight) crosses too: refused on its merits, in Vietnamese.
    page.locator("#certificates").select_option(agent.certificate_id(UNIT2_MST))
    page.get_by_role("button", name="Ký hồ sơ").click()
    page.wait_for_function("document.getElementById('error').textContent.length > 0")
    expect(page.get_by_role("alert")).to_contain_text(
        "Mã số thuế trên tờ khai", use_inner_text=True)
    assert not screen.shown("OpenIvanSign")
    context.close()
