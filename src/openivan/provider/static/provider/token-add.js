/* Chứng thư số › Thêm mới › USB Token: the signing agent lists the plugged-in tokens'
 * certificates; the one chosen goes to the server, which checks it (MST, dates, usage). */
(function () {
  "use strict";
  var box = document.getElementById("token-add");
  if (!box) return;
  var lang = document.documentElement.lang || "vi";
  var progress = document.getElementById("token-progress");
  var failure = document.getElementById("token-error");
  var list = document.getElementById("token-certificates");

  function fail(code) {
    failure.hidden = false;
    failure.textContent = OpenIvanSigner.message(code) + " (" + code + ")";
    progress.textContent = "";
  }
  function choose(cert) {
    document.getElementById("token-der").value = cert.certificate;
    document.getElementById("token-label").value = cert.token ? cert.token.label : "";
  }

  var lister = document.getElementById("token-list");
  lister.addEventListener("click", async function () {
    failure.hidden = true;
    progress.textContent = lang === "en" ? "Looking for the signing agent…" : "Đang tìm chương trình ký số…";
    var signer = new OpenIvanSigner({ ports: box.dataset.ports.split(",").map(Number) });
    try {
      await signer.connect(function (code) {
        var shown = document.getElementById("pairing-code");
        shown.hidden = false;
        shown.querySelector("strong").textContent = code;
      });
      var found = await signer.certificates();
      list.textContent = "";
      found.forEach(function (cert, n) {
        var row = document.createElement("p");
        var input = document.createElement("input");
        input.type = "radio"; input.name = "choice"; input.id = "token-cert-" + n;
        input.addEventListener("change", function () { choose(cert); });
        var label = document.createElement("label");
        label.htmlFor = input.id;
        var mst = cert.tax_code ? " — MST " + cert.tax_code : "";
        label.textContent = cert.common_name + mst + " — " + cert.serial +
          " (" + (cert.not_after || "").slice(0, 10) + ")";
        if (cert.expired) {
          input.disabled = true;
          label.textContent += lang === "en" ? " — expired" : " — đã hết hạn";
        }
        if (cert.tax_code && cert.tax_code !== box.dataset.taxCode) {
          label.textContent += lang === "en" ? " — another unit's tax code" : " — mã số thuế của đơn vị khác";
        }
        row.appendChild(input); row.appendChild(label);
        list.appendChild(row);
      });
      if (!found.length) list.textContent = lang === "en" ? "No certificate on the plugged-in tokens." : "Không có chứng thư số nào trên USB Token đang cắm.";
      document.getElementById("token-form").hidden = false;
      progress.textContent = "";
    } catch (error) {
      fail(error && error.code ? error.code : "NETWORK");
    }
  });
  // Disabled in the page until now: a click before this script ran would do nothing.
  lister.disabled = false;
})();
