"""`openivan manage error_codes`: the catalogue of error codes, from the code itself.

    openivan manage error_codes                                   # code, layer, status, message
    openivan manage error_codes --markdown -o docs/error-codes.md # the committed catalogue
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from openivan.core.language import language
from openivan.platform.error_catalogue import load_all, markdown


class Command(BaseCommand):
    help = "List every error code with its layer, HTTP status and message"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--markdown", action="store_true",
                            help="the Markdown table of docs/error-codes.md")
        parser.add_argument("-o", "--output", type=Path, help="write to this file")

    def handle(self, *args: Any, **options: Any) -> None:
        entries = load_all()
        if options["markdown"]:
            text = markdown(entries)
        else:
            english = language() == "en"
            text = "".join(f"{e.code}\t{e.layer}\t{e.status or ''}\t"
                           f"{e.message_en if english else e.message_vi}\n" for e in entries)
        if options["output"]:
            options["output"].write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")
