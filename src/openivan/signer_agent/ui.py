"""The agent's own windows (tkinter): approving an origin, and confirming what will be signed.

Tk lives in the main thread; HTTP request threads hand it work through a queue and wait for the
answer. One window at a time (`busy`): a second request while a window is open is refused, so
two pages' documents are never shown, or signed, together.
"""

from __future__ import annotations

import queue
import threading
import tkinter as tk
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from tkinter import ttk
from typing import Any

from openivan.core.errors import OpenIvanError
from openivan.signer_agent.documents import Prepared
from openivan.signer_agent.errors import AgentError
from openivan.signer_agent.tokens import TokenCertificate

# Window classes, stable names the tests (xdotool --class) and screen readers can find.
APPROVE_CLASS = "OpenIvanApprove"
SIGN_CLASS = "OpenIvanSign"


@dataclass
class SigningRequest:
    origin: str
    certificate: TokenCertificate
    documents: list[Prepared]
    needs_pin: bool
    # Tries the PIN on the token (raises on a wrong one); None: checks the session is still open.
    login: Callable[[str | None], None]


class Ui:
    def __init__(self, window_timeout: float) -> None:
        self.window_timeout = window_timeout
        self.busy = threading.Lock()
        self._work: queue.Queue[tuple[Callable[..., Any], tuple[Any, ...], Future[Any]]] = (
            queue.Queue())
        self.root: tk.Tk | None = None

    def start(self) -> bool:
        """Open the display; False when there is none (then nothing can be signed)."""
        try:
            self.root = tk.Tk(className="openivan-signer")
        except tk.TclError:
            return False
        self.root.withdraw()  # only dialogs are shown
        return True

    def run(self, stopping: threading.Event) -> None:
        assert self.root is not None
        root = self.root

        def poll() -> None:
            if stopping.is_set():
                root.quit()
                return
            while True:
                try:
                    function, args, future = self._work.get_nowait()
                except queue.Empty:
                    break
                try:
                    function(*args, future)
                except Exception as exc:  # handed to the waiting request
                    if not future.done():
                        future.set_exception(exc)
            root.after(20, poll)

        root.after(20, poll)
        root.mainloop()

    def _ask(self, function: Callable[..., Any], *args: Any) -> Any:
        if self.root is None:
            raise AgentError("AGENT_NO_WINDOW")
        future: Future[Any] = Future()
        self._work.put((function, args, future))
        return future.result()

    # ------------------------------------------------------------ approving an origin

    def approve_origin(self, origin: str, code: str) -> bool:
        return bool(self._ask(self._approve_window, origin, code))

    def _approve_window(self, origin: str, code: str, future: Future[bool]) -> None:
        window = self._window(APPROVE_CLASS, f"OpenIVAN – Cho phép trang web? (mã {code})")
        body = ttk.Frame(window, padding=16)
        body.pack(fill="both", expand=True)
        ttk.Label(body, text="Trang web sau muốn dùng USB token (chữ ký số) trên máy này:",
                  wraplength=460).pack(anchor="w")
        ttk.Label(body, text=origin, font=("DejaVu Sans", 13, "bold")).pack(anchor="w", pady=6)
        ttk.Label(body, text="Mã ghép đôi (trang web phải hiển thị đúng mã này):",
                  wraplength=460).pack(anchor="w")
        ttk.Label(body, text=code, font=("DejaVu Sans Mono", 22, "bold")).pack(pady=8)
        ttk.Label(body, wraplength=460, text=(
            "Chỉ cho phép khi bạn đang mở trang này và mã trên trang trùng với mã ở đây. "
            "Mỗi lần ký, bạn vẫn sẽ xem tài liệu và nhập PIN trong cửa sổ của trình ký.")
        ).pack(anchor="w")
        buttons = ttk.Frame(body)
        buttons.pack(fill="x", pady=(12, 0))

        def answer(value: bool) -> None:
            if not future.done():
                future.set_result(value)
            window.destroy()

        allow = ttk.Button(buttons, text="Cho phép", command=lambda: answer(True))
        allow.pack(side="right")
        refuse = ttk.Button(buttons, text="Từ chối", command=lambda: answer(False))
        refuse.pack(side="right", padx=8)
        allow.bind("<Return>", lambda _e: answer(True))
        refuse.bind("<Return>", lambda _e: answer(False))
        window.protocol("WM_DELETE_WINDOW", lambda: answer(False))

        def destroyed() -> None:
            if not future.done():
                future.set_result(False)

        self._on_destroyed(window, destroyed)
        window.bind("<Escape>", lambda _e: answer(False))
        self._expire(window, future, lambda: answer(False))
        # The window comes up in front of whatever the user is typing: an Enter meant for the
        # page must refuse, not approve. Approving takes a click, or Tab then Enter.
        self._show(window, refuse)

    # ------------------------------------------------------------ confirming a signing

    def confirm_signing(self, request: SigningRequest) -> None:
        """Returns once the user approved (and the token is logged in); raises otherwise."""
        self._ask(self._sign_window, request)

    def _sign_window(self, request: SigningRequest, future: Future[None]) -> None:
        count = len(request.documents)
        window = self._window(SIGN_CLASS, f"OpenIVAN – Xác nhận ký số ({count} tài liệu)")
        body = ttk.Frame(window, padding=16)
        body.pack(fill="both", expand=True)
        ttk.Label(body, text=f"Trang {request.origin} yêu cầu ký {count} tài liệu:",
                  font=("DejaVu Sans", 11, "bold"), wraplength=640).pack(anchor="w")
        table = ttk.Treeview(body, columns=("form", "party", "id"), show="headings",
                             height=min(max(count, 1), 8))
        for column, title, width in (("form", "Tờ khai", 170), ("party", "Đơn vị / người khai",
                                     330), ("id", "MST / số giấy tờ", 150)):
            table.heading(column, text=title)
            table.column(column, width=width, anchor="w")
        for each in request.documents:
            table.insert("", "end", values=(each.form, each.party,
                                            f"{each.id_kind} {each.id_number}"))
        table.pack(fill="x", pady=8)
        info = request.certificate.facts
        ident = " ".join(f"{k} {v}" for k, v in (("MST", info.ids.tax_code),
                         ("CCCD", info.ids.cccd), ("CMND", info.ids.cmnd)) if v)
        certificate = (f"Chứng thư số: {info.common_name} ({ident})\n"
                       f"Số hiệu: {info.serial} — hiệu lực đến "
                       f"{info.not_after.date().isoformat()}\n"
                       f"Token: {request.certificate.token_label}")
        ttk.Label(body, text=certificate, wraplength=640, justify="left").pack(anchor="w")
        problem = ttk.Label(body, text="", foreground="#b00020", wraplength=640)
        pin = tk.StringVar(window)
        row = ttk.Frame(body)
        ttk.Label(row, text="Mã PIN của token:").pack(side="left")
        entry = ttk.Entry(row, textvariable=pin, show="•", width=20)
        entry.pack(side="left", padx=8)
        in_session = ttk.Label(body, text="Token đang trong phiên ký: không cần nhập lại PIN.")
        asking_pin = [request.needs_pin]
        (row if request.needs_pin else in_session).pack(anchor="w", fill="x", pady=(12, 0))
        problem.pack(anchor="w", pady=(6, 0))
        buttons = ttk.Frame(body)
        buttons.pack(fill="x", pady=(12, 0))
        last_error: list[OpenIvanError] = []

        def cancel() -> None:
            if not future.done():
                future.set_exception(last_error[-1] if last_error else AgentError("USER_CANCELLED"))
            window.destroy()

        def fail(exc: OpenIvanError) -> None:
            if not future.done():
                future.set_exception(exc)
            window.destroy()

        def submit() -> None:
            typed: str | None = None
            if asking_pin[0]:
                typed = pin.get()
                pin.set("")  # the PIN leaves the window only to the token
                if not typed:
                    problem.configure(text="Hãy nhập mã PIN của token.")
                    return
            try:
                request.login(typed)
            except OpenIvanError as exc:
                if exc.code == "PIN_WRONG":  # the user may type it again, or cancel
                    last_error.append(exc)
                    problem.configure(text=exc.message_vi)
                    return
                if exc.code == "SESSION_ENDED":  # the session ran out while the user read
                    in_session.pack_forget()
                    row.pack(anchor="w", fill="x", pady=(12, 0), before=problem)
                    asking_pin[0] = True
                    problem.configure(text=exc.message_vi)
                    entry.focus_force()
                    return
                fail(exc)
                return
            if not future.done():
                future.set_result(None)
            window.destroy()

        sign_button = ttk.Button(buttons, text=f"Ký {count} tài liệu", command=submit)
        sign_button.pack(side="right")
        ttk.Button(buttons, text="Hủy", command=cancel).pack(side="right", padx=8)
        window.protocol("WM_DELETE_WINDOW", cancel)

        def destroyed() -> None:
            if not future.done():
                future.set_exception(last_error[-1] if last_error else AgentError("USER_CANCELLED"))

        self._on_destroyed(window, destroyed)
        window.bind("<Escape>", lambda _e: cancel())
        for widget in (entry, sign_button):
            widget.bind("<Return>", lambda _e: submit())

        def timeout() -> None:
            if not future.done():
                future.set_exception(AgentError("WINDOW_TIMEOUT"))
            window.destroy()

        self._expire(window, future, timeout)
        self._show(window, entry if request.needs_pin else sign_button)

    # ------------------------------------------------------------ shared

    def _window(self, class_: str, title: str) -> tk.Toplevel:
        window = tk.Toplevel(self.root, class_=class_)
        window.title(title)
        window.resizable(False, False)
        window.attributes("-topmost", True)  # above the browser that asked
        return window

    def _show(self, window: tk.Toplevel, focus: tk.Widget) -> None:
        window.update_idletasks()
        window.deiconify()
        window.lift()
        window.focus_force()
        focus.focus_force()

    def _on_destroyed(self, window: tk.Toplevel, action: Callable[[], None]) -> None:
        """However the window goes (closed by the window manager, destroyed under us), the
        waiting request gets an answer: never a request left hanging on a vanished window."""
        window.bind("<Destroy>", lambda event: action() if event.widget is window else None)

    def _expire(self, window: tk.Toplevel, future: Future[Any],
                action: Callable[[], None]) -> None:
        def check() -> None:
            if not future.done() and window.winfo_exists():
                action()

        window.after(int(self.window_timeout * 1000), check)
