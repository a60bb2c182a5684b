/*
 * openivan-signer.js — the page-side client of the OpenIVAN local signing agent.
 *
 * No build step, no dependency, no CDN: include it with <script src=".../openivan-signer.js">
 * and use window.OpenIvanSigner. The HTTP API it speaks is documented in docs/signer-agent.md.
 *
 *   const signer = new OpenIvanSigner();
 *   await signer.connect(code => show(code));       // pairs once; the user approves in the agent
 *   const certificates = await signer.certificates();
 *   const results = await signer.sign(certificates[0].id, [{id: "a", xml: unsignedXml}]);
 *
 * Every failure is an OpenIvanSigner.Error with a stable `code` and a Vietnamese `message` that
 * says what to do (OpenIvanSigner.message(code, details) gives the same text).
 */
(function (global) {
  "use strict";

  var PORTS = [47251, 47252, 47253];

  var MESSAGES = {
    AGENT_NOT_RUNNING:
      "Không kết nối được trình ký số OpenIVAN trên máy này. Hãy mở chương trình " +
      "\u201copenivan-signer\u201d (nếu chưa cài, tải và cài theo hướng dẫn của nhà cung cấp " +
      "dịch vụ), cắm USB token rồi thử lại.",
    LOCAL_ACCESS_DENIED:
      "Trình duyệt đang chặn trang này kết nối tới trình ký số trên máy của bạn. Bấm biểu " +
      "tượng bên trái thanh địa chỉ, chọn \u201cCho phép\u201d ở mục truy cập mạng cục bộ " +
      "(thiết bị trên mạng cục bộ), rồi tải lại trang.",
    ORIGIN_NOT_APPROVED:
      "Trang này chưa được phép dùng trình ký số. Bấm \u201cKết nối trình ký số\u201d, kiểm " +
      "tra mã hiển thị trên trang trùng với mã trong cửa sổ của trình ký rồi bấm \u201cCho " +
      "phép\u201d.",
    PAIRING_REFUSED:
      "Bạn đã từ chối cho trang này dùng trình ký số. Nếu đó là nhầm lẫn, hãy kết nối lại.",
    AGENT_BUSY:
      "Trình ký số đang mở một cửa sổ khác. Hãy hoàn tất hoặc đóng cửa sổ đó rồi thử lại.",
    AGENT_NO_WINDOW:
      "Trình ký số không mở được cửa sổ xác nhận (máy không có màn hình), nên không thể ký.",
    TOKEN_ABSENT:
      "Không tìm thấy USB token. Hãy cắm token vào máy (và cài trình điều khiển của nhà " +
      "cung cấp chứng thư số) rồi thử lại.",
    TOKEN_NOT_FOUND:
      "USB token đã bị rút ra trong lúc ký. Hãy cắm lại token rồi ký lại.",
    CERT_NOT_ON_TOKEN:
      "Chứng thư số đã chọn không có trên token đang cắm. Hãy cắm đúng token hoặc chọn " +
      "chứng thư khác.",
    PIN_WRONG:
      "Mã PIN không đúng (số lần thử còn lại: {tries_left}). Hãy ký lại và nhập đúng PIN; " +
      "nhập sai nhiều lần token sẽ bị khóa.",
    TOKEN_PIN_LOCKED:
      "Token đã bị khóa vì nhập sai PIN quá số lần cho phép. Hãy liên hệ nhà cung cấp " +
      "chứng thư số để mở khóa.",
    USER_CANCELLED: "Bạn đã hủy ký số. Tài liệu chưa được ký.",
    WINDOW_TIMEOUT:
      "Cửa sổ của trình ký số đã chờ quá lâu và tự đóng. Tài liệu chưa được ký; hãy ký lại.",
    TIMEOUT: "Trình ký số không trả lời kịp. Hãy kiểm tra chương trình trình ký rồi thử lại.",
    DOC_MST_MISMATCH:
      "Mã số thuế trên tờ khai ({document}) khác mã số thuế trên chứng thư số " +
      "({certificate}). Hãy chọn chứng thư số của đúng đơn vị.",
    DOC_ID_MISMATCH:
      "Số giấy tờ trên tờ khai ({document}) khác số trên chứng thư số ({certificate}). " +
      "Hãy chọn đúng chứng thư số của người khai.",
    CERT_EXPIRED:
      "Chứng thư số đã hết hạn ({not_after}). Hãy gia hạn hoặc chọn chứng thư số khác.",
    CERT_NOT_YET_VALID: "Chứng thư số chưa có hiệu lực (từ {not_before}).",
    AGENT_ERROR: "Trình ký số báo lỗi: {message}",
  };

  function format(template, details) {
    return template.replace(/\{(\w+)\}/g, function (whole, name) {
      return details && details[name] != null ? String(details[name]) : whole;
    });
  }

  function message(code, details) {
    var template = MESSAGES[code];
    if (!template) {
      return format(MESSAGES.AGENT_ERROR, { message: (details && details.message) || code });
    }
    return format(template, details || {});
  }

  function SignerError(code, details) {
    this.name = "OpenIvanSignerError";
    this.code = code;
    this.details = details || {};
    this.message = message(code, this.details);
  }
  SignerError.prototype = Object.create(Error.prototype);
  SignerError.prototype.constructor = SignerError;

  function fromAgent(error) {
    // The agent's own Vietnamese message is kept when this client knows no better one.
    var details = Object.assign({ message: error.message }, error.details || {});
    return new SignerError(error.code, details);
  }

  function toBase64(data) {
    var bytes = typeof data === "string" ? new TextEncoder().encode(data)
      : data instanceof ArrayBuffer ? new Uint8Array(data) : data;
    var text = "";
    for (var i = 0; i < bytes.length; i += 0x8000) {
      text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(text);
  }

  function fromBase64(text) {
    var raw = atob(text);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  async function localAccessDenied() {
    // Chromium asks the user before a public page reaches 127.0.0.1; a refusal looks like the
    // agent not running, so ask the browser which it was.
    if (!global.navigator || !navigator.permissions) return false;
    var names = ["local-network-access", "loopback-network"];
    for (var i = 0; i < names.length; i++) {
      try {
        var status = await navigator.permissions.query({ name: names[i] });
        if (status.state === "denied") return true;
      } catch (ignored) { /* this browser has no such permission */ }
    }
    return false;
  }

  function OpenIvanSigner(options) {
    options = options || {};
    this.ports = options.ports || PORTS;
    this.host = options.host || "127.0.0.1";
    this.timeoutMs = options.timeoutMs || 10000; // for calls that wait on no window
    this.windowTimeoutMs = options.windowTimeoutMs || 600000; // the user reads and types
    this.base = null;
  }

  OpenIvanSigner.prototype._fetch = async function (base, method, path, body, timeoutMs) {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, timeoutMs);
    var init = { method: method, signal: controller.signal, cache: "no-store" };
    if (body !== undefined) {
      init.headers = { "Content-Type": "application/json" };
      init.body = JSON.stringify(body);
    }
    try {
      var response = await fetch(base + path, init);
      var payload = await response.json();
      if (payload && payload.error) throw fromAgent(payload.error);
      return payload;
    } catch (error) {
      if (error instanceof SignerError) throw error;
      if (error && error.name === "AbortError") throw new SignerError("TIMEOUT");
      throw new SignerError("NETWORK", { message: String(error) });
    } finally {
      clearTimeout(timer);
    }
  };

  /** Find the agent on its documented ports; resolves to its status. */
  OpenIvanSigner.prototype.find = async function () {
    for (var i = 0; i < this.ports.length; i++) {
      var base = "http://" + this.host + ":" + this.ports[i];
      try {
        var status = await this._fetch(base, "GET", "/v1/status", undefined, 3000);
        if (status && status.agent === "openivan-signer") {
          this.base = base;
          return status;
        }
      } catch (error) {
        if (error instanceof SignerError && error.code !== "NETWORK" &&
            error.code !== "TIMEOUT") throw error;
      }
    }
    if (await localAccessDenied()) throw new SignerError("LOCAL_ACCESS_DENIED");
    throw new SignerError("AGENT_NOT_RUNNING");
  };

  OpenIvanSigner.prototype._call = async function (method, path, body, timeoutMs) {
    if (!this.base) await this.find();
    try {
      return await this._fetch(this.base, method, path, body, timeoutMs || this.timeoutMs);
    } catch (error) {
      if (error.code === "NETWORK") {
        this.base = null; // the agent stopped, or moved to a fallback port
        if (await localAccessDenied()) throw new SignerError("LOCAL_ACCESS_DENIED");
        throw new SignerError("AGENT_NOT_RUNNING");
      }
      throw error;
    }
  };

  /**
   * Make sure this page is approved. When it is not, the agent opens its window with a code;
   * `onCode(code)` must show that code on the page so the user can compare.
   */
  OpenIvanSigner.prototype.connect = async function (onCode) {
    var status = await this.find();
    if (status.approved) return true;
    var started = await this._call("POST", "/v1/pair");
    if (started.state === "approved") return true;
    if (onCode) onCode(started.code);
    var deadline = Date.now() + this.windowTimeoutMs;
    while (Date.now() < deadline) {
      // The agent holds each poll open until the user answers (at most ~20 s).
      var state = await this._call("GET", "/v1/pair/" + started.pairing, undefined, 30000);
      if (state.state === "approved") return true;
    }
    throw new SignerError("WINDOW_TIMEOUT");
  };

  OpenIvanSigner.prototype.certificates = async function () {
    return (await this._call("GET", "/v1/certificates")).certificates;
  };

  /**
   * Sign documents ({id, xml}: xml as text, ArrayBuffer or Uint8Array) with one certificate.
   * Resolves to one result per document: {id, ok, bytes, xml} or {id, ok: false, error}.
   * Keep `bytes` as they are: a signed document must never be re-serialised.
   */
  OpenIvanSigner.prototype.sign = async function (certificate, documents) {
    var body = { certificate: certificate, documents: documents.map(function (d, n) {
      return { id: String(d.id != null ? d.id : n), xml: toBase64(d.xml) };
    }) };
    var answer = await this._call("POST", "/v1/sign", body, this.windowTimeoutMs);
    return answer.results.map(function (result) {
      if (!result.ok) {
        var error = result.error ? fromAgent(result.error) : new SignerError("AGENT_ERROR");
        return { id: result.id, ok: false, error: error };
      }
      var bytes = fromBase64(result.xml);
      return { id: result.id, ok: true, bytes: bytes, xml: new TextDecoder().decode(bytes) };
    });
  };

  /** Withdraw this page's approval (the user can also do it in the agent). */
  OpenIvanSigner.prototype.disconnect = async function () {
    return this._call("DELETE", "/v1/approval");
  };

  OpenIvanSigner.Error = SignerError;
  OpenIvanSigner.message = message;
  OpenIvanSigner.MESSAGES = MESSAGES;
  OpenIvanSigner.PORTS = PORTS;
  global.OpenIvanSigner = OpenIvanSigner;
})(typeof window !== "undefined" ? window : globalThis);
