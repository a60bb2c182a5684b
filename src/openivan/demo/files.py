"""Where the demo keeps its material: under $OPENIVAN_HOME/demo (default ./var/demo)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# Fixed, so links in emails and URLs in certificates stay valid across restarts; overridable
# so a second demo (or the demo's own test) can run beside the first.
PKI_PORT = int(os.environ.get("OPENIVAN_DEMO_PKI_PORT", "8001"))
SMTP_PORT = int(os.environ.get("OPENIVAN_DEMO_SMTP_PORT", "8025"))
SMS_PORT = int(os.environ.get("OPENIVAN_DEMO_SMS_PORT", "2775"))
# The SMS the demo's SMSC took, one JSON line each (openivan.devsmsc), in the mailbox folder
# beside the Maildir's new/cur/tmp: the mailbox page shows them with the emails.
SMS_KEPT = "sms.jsonl"
WEB_ADDRESS = f"127.0.0.1:{os.environ.get('OPENIVAN_DEMO_WEB_PORT', '8000')}"
CSC_PORT = int(os.environ.get("OPENIVAN_DEMO_CSC_PORT", "8002"))
# The signing agent's ports, the same the provider's pages try (settings.OPENIVAN_SIGNER_PORTS).
SIGNER_PORTS = [int(p) for p in os.environ.get("OPENIVAN_SIGNER_PORTS",
                                               "47251,47252,47253").split(",")]
AGENCY_P12_PASSWORD = "demo-agency"  # a demo secret, printed in the README on purpose
OFFICER = ("canbo", "canbo-demo-2026")
# The demo unit's own account at the provider (signed in with its tax code), and an
# accounting firm's account that manages two units.
UNIT_PASSWORD = "donvi-demo-2026"
FIRM = ("ketoan.mo", "ketoan-demo-2026")
PROVIDER_P12_PASSWORD = "demo-provider"
UNIT_P12_PASSWORD = "demo-unit"
# The demo unit's USB token (SoftHSM2): its label and PIN, printed on the banner on purpose.
TOKEN_LABEL, TOKEN_PIN = "openivan-demo", "1234"


@dataclass(frozen=True)
class DemoFiles:
    root: Path

    @classmethod
    def here(cls) -> DemoFiles:
        home = Path(os.environ.get("OPENIVAN_HOME", Path.cwd() / "var"))
        return cls(home / "demo")

    @property
    def pki(self) -> Path:
        return self.root / "pki"

    @property
    def trust(self) -> Path:
        return self.root / "trust"

    @property
    def agency_p12(self) -> Path:
        return self.root / "agency.p12"

    @property
    def provider_key(self) -> Path:
        return self.root / "provider.key"

    @property
    def agency_pem(self) -> Path:
        """The agency's certificate the provider believes its answers by."""
        return self.root / "agency.pem"

    @property
    def provider_p12(self) -> Path:
        """The provider's key, to countersign where the agency asks for it."""
        return self.root / "provider.p12"

    @property
    def mailbox(self) -> Path:
        return self.root / "mailbox"

    @property
    def sms(self) -> Path:
        return self.mailbox / SMS_KEPT
