/* Ký bằng USB Token: the prepared bytes to the local signing agent, its signed bytes back to
 * the server, which believes them only if they are the prepared dossier signed by the chosen
 * certificate. */
(function () {
  "use strict";
  var box = document.getElementById("token-signing");
  if (!box) return;
  var button = document.getElementById("token-sign");
  var progress = document.getElementById("sign-progress");
  var failure = document.getElementById("sign-error");
  var lang = document.documentElement.lang || "vi";

  function say(text) { progress.textContent = text; }
  function fail(code, text) {
    failure.hidden = false;
    failure.textContent = text + (code ? " (" + code + ")" : "");
    document.getElementById("cancel-code").value = code || "";
    button.disabled = false;
    say("");
  }
  function bytes(b64) {
    var raw = atob(b64), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  button.addEventListener("click", async function () {
    button.disabled = true;
    failure.hidden = true;
    var signer = new OpenIvanSigner({ ports: box.dataset.ports.split(",").map(Number) });
    try {
      say(lang === "en" ? "Looking for the signing agent…" : "Đang tìm chương trình ký số…");
      await signer.connect(function (code) {
        var shown = document.getElementById("pairing-code");
        shown.hidden = false;
        shown.querySelector("strong").textContent = code;
      });
      var wanted = box.dataset.certificate.toUpperCase();
      var found = (await signer.certificates()).filter(function (c) {
        return String(c.id).toUpperCase() === wanted;
      })[0];
      if (!found) {
        fail("TOKEN_CERT_ABSENT", lang === "en"
          ? "The chosen certificate is not on any plugged-in token. Plug in the right token and try again."
          : "Không thấy chứng thư số đã chọn trên USB Token đang cắm. Cắm đúng USB Token rồi thử lại.");
        return;
      }
      say(lang === "en" ? "Approve and type the PIN in the signing agent's window…"
                        : "Xác nhận và nhập mã PIN trong cửa sổ của chương trình ký số…");
      var results = await signer.sign(found.id, [{ id: "hoso", xml: bytes(box.dataset.xml) }]);
      if (!results[0].ok) throw results[0].error;
      say(lang === "en" ? "Sending…" : "Đang gửi…");
      var answer = await fetch(window.location.pathname, {
        method: "POST", body: results[0].bytes, credentials: "same-origin",
        headers: { "Content-Type": "application/xml", "X-CSRFToken": box.dataset.csrf }
      });
      var payload = await answer.json();
      if (!answer.ok) { fail(payload.code, payload.message); return; }
      window.location.assign(payload.next);
    } catch (error) {
      var code = error && error.code ? error.code : "";
      fail(code, code ? OpenIvanSigner.message(code) : String(error));
    }
  });
  // Disabled in the page until now: a click before this script ran would do nothing.
  button.disabled = false;
})();
