"""`openivan-signer`: run the agent, or manage the origins it trusts.

    openivan-signer [run] [--config FILE] [--port N ...] [--module PATH ...]
    openivan-signer approvals list|revoke ORIGIN [--config FILE]
    openivan-signer certificates [--config FILE]
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from openivan.signer_agent import VERSION
from openivan.signer_agent.approvals import ApprovalStore
from openivan.signer_agent.catalogue import installed_modules
from openivan.signer_agent.config import Config
from openivan.signer_agent.server import Agent, bind
from openivan.signer_agent.tokens import Tokens
from openivan.signer_agent.ui import Ui


def _config(args: argparse.Namespace) -> Config:
    config = Config.load(Path(args.config) if args.config else None)
    if getattr(args, "port", None):
        config.ports = tuple(args.port)
    if getattr(args, "module", None):
        config.modules = [*args.module, *config.modules]
    return config


def _tokens(config: Config) -> Tokens:
    modules = (installed_modules(config.modules) if config.search_catalogue
               else [("cấu hình", m) for m in config.modules])
    return Tokens(modules, config.session_minutes * 60)


def run(config: Config) -> int:
    tokens = _tokens(config)
    ui = Ui(config.window_timeout_seconds)
    agent = Agent(config, tokens, ui)
    agent.has_window = ui.start()
    server = bind(agent, config.ports)
    port = server.server_address[1]
    config.state_dir.mkdir(parents=True, exist_ok=True)
    (config.state_dir / "agent.json").write_text(json.dumps({"port": port}), encoding="utf-8")
    threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
    stopping = threading.Event()

    def stop(_signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    window = "có cửa sổ" if agent.has_window else "KHÔNG có màn hình: sẽ không ký được"
    print(f"openivan-signer {VERSION} listening on http://127.0.0.1:{port} ({window})",
          flush=True)
    try:
        if agent.has_window:
            ui.run(stopping)
        else:
            while not stopping.wait(0.5):
                pass
    finally:
        server.shutdown()
        server.server_close()
        tokens.close()  # logs every token out
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="openivan-signer", description=(
        "Trình ký số cục bộ OpenIVAN: ký tài liệu BHXH bằng USB token khi trang web được phép "
        "yêu cầu. Local signing agent."))
    parser.add_argument("--config", help="TOML configuration file")
    commands = parser.add_subparsers(dest="command")
    run_parser = commands.add_parser("run", help="run the agent (default)")
    for each in (parser, run_parser):
        each.add_argument("--port", type=int, action="append", help="port (repeat: fallbacks)")
        each.add_argument("--module", action="append", help="a PKCS#11 module to load")
    approvals = commands.add_parser("approvals", help="list or withdraw approved origins")
    approvals.add_argument("action", choices=("list", "revoke"))
    approvals.add_argument("origin", nargs="?")
    commands.add_parser("certificates", help="list the certificates on the plugged-in tokens")
    args = parser.parse_args(argv)
    config = _config(args)
    if args.command == "approvals":
        store = ApprovalStore(config.state_dir / "approvals.json", config.preapproved_origins)
        if args.action == "list":
            for origin, how in sorted(store.listing().items()):
                print(f"{origin}\t{how}")
            return 0
        if not args.origin:
            parser.error("revoke needs an ORIGIN")
        if not store.withdraw(args.origin):
            print(f"{args.origin}: không có trong danh sách người dùng cho phép", file=sys.stderr)
            return 1
        print(f"{args.origin}: đã rút quyền")
        return 0
    if args.command == "certificates":
        tokens = _tokens(config)
        print(json.dumps([c.as_dict() for c in tokens.certificates()], ensure_ascii=False,
                         indent=2))
        tokens.close()
        return 0
    return run(config)


if __name__ == "__main__":
    sys.exit(main())
