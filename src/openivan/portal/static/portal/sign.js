/* Ký bằng chứng thư số: the unsigned 01/ĐK-GD to the local signing agent (which shows it in
 * its own window and asks the PIN), signed with the certificate on the token that carries the
 * declared ID number; the signed bytes to the server, whose intake checks them all again. */
(function () {
  "use strict";
  var box = document.getElementById("token-signing");
  if (!box) return;
  var button = document.getElementById("token-sign");
  var progress = document.getElementById("sign-progress");
  var failure = document.getElementById("sign-error");
  var en = (document.documentElement.lang || "vi") === "en";

  function say(text) { progress.textContent = text; }
  function fail(code, text) {
    failure.hidden = false;
    failure.textContent = text + (code ? " (" + code + ")" : "");
    button.disabled = false;
    say("");
  }
  function bytes(b64) {
    var raw = atob(b64), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  function carries(c, number) {
    return [c.cccd, c.cmnd, c.passport].indexOf(number) >= 0;
  }

  button.addEventListener("click", async function () {
    button.disabled = true;
    failure.hidden = true;
    var signer = new OpenIvanSigner({ ports: box.dataset.ports.split(",").map(Number) });
    try {
      say(en ? "Looking for the signing agent…" : "Đang tìm chương trình ký số…");
      await signer.connect(function (code) {
        var shown = document.getElementById("pairing-code");
        shown.hidden = false;
        shown.querySelector("strong").textContent = code;
      });
      var number = box.dataset.idNumber;
      var mine = (await signer.certificates()).filter(function (c) { return carries(c, number); });
      var usable = mine.filter(function (c) { return !c.expired; });
      if (!usable.length) {
        fail(mine.length ? "CERT_EXPIRED" : "TOKEN_CERT_ABSENT", mine.length
          ? (en ? "Your certificate on the token has expired: renew it, or file at a social security office."
                : "Chứng thư số của bạn trên USB Token đã hết hạn: hãy gia hạn, hoặc nộp tại cơ quan BHXH.")
          : (en ? "No certificate on the plugged-in tokens carries document number " + number + ". Plug in your own token and try again."
                : "Không có chứng thư số nào trên USB Token đang cắm mang số giấy tờ " + number + ". Cắm USB Token của bạn rồi thử lại."));
        return;
      }
      say(en ? "Approve and type the PIN in the signing agent's window…"
             : "Xác nhận và nhập mã PIN trong cửa sổ của chương trình ký số…");
      var results = await signer.sign(usable[0].id, [{ id: "dkgd", xml: bytes(box.dataset.xml) }]);
      if (!results[0].ok) throw results[0].error;
      say(en ? "Sending…" : "Đang gửi…");
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
