"""Remote signing through the Cloud Signature Consortium API v1 (Viettel's remote signing
follows it): list credentials, fetch their certificates, authorize, signHash.

Only the digest travels; the key stays in the provider's HSM.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from openivan.core import bounded_http
from openivan.core.errors import OpenIvanError
from openivan.core.signers.base import ExternalKey

SIGN_ALGO_OIDS = {"sha256": "1.2.840.113549.1.1.11", "sha384": "1.2.840.113549.1.1.12",
                  "sha512": "1.2.840.113549.1.1.13"}
MAX_ANSWER_BYTES = 2**20  # a chain of certificates, or signatures: a few kilobytes
HASH_OIDS = {"sha256": "2.16.840.1.101.3.4.2.1", "sha384": "2.16.840.1.101.3.4.2.2",
             "sha512": "2.16.840.1.101.3.4.2.3"}


@dataclass(frozen=True)
class CscAccount:
    """Where someone's remote signing key is (a unit's HSM, a person's): the CSC service's
    address (before `/csc/v1`), the account and its password, as the person types them."""

    url: str
    account: str
    password: str


@dataclass(frozen=True)
class CscCredential:
    credential_id: str
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    key_length: int


class CscClient:
    """A client of one CSC service (`base_url` ends before `/csc/v1`). `timeout` bounds each
    call's whole answer, not only each read of it (core.bounded_http)."""

    def __init__(self, base_url: str, account: str | None = None, password: str | None = None,
                 *, timeout: float = 15.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._account, self._password = account, password
        self._timeout = timeout
        self._http = bounded_http.client(timeout)
        self._token: str | None = None
        self._info: dict[str, Any] | None = None

    def close(self) -> None:
        self._http.close()

    def _headers(self) -> dict[str, str]:
        if self._token:
            return {"Authorization": f"Bearer {self._token}"}
        if self._account is not None:
            raw = f"{self._account}:{self._password or ''}".encode()
            return {"Authorization": "Basic " + base64.b64encode(raw).decode()}
        return {}

    def _post(self, method: str, body: dict[str, Any], *, auth: bool = True,
              credential: str | None = None) -> dict[str, Any]:
        url = f"{self.base_url}/csc/v1/{method}"
        request = self._http.build_request("POST", url, json=body,
                                           headers=self._headers() if auth else {})
        try:
            answer = bounded_http.exchange(self._http, request, timeout=self._timeout,
                              max_bytes=MAX_ANSWER_BYTES)
        except httpx.HTTPError as exc:
            raise OpenIvanError("CSC_UNAVAILABLE", url=self.base_url,
                                reason=exc.__class__.__name__) from exc
        except bounded_http.OutOfBounds as exc:
            raise OpenIvanError("CSC_UNAVAILABLE", url=self.base_url, reason=str(exc)) from exc
        if answer.status in (401, 403):
            raise OpenIvanError("CSC_AUTH_FAILED")
        if answer.status == 404 and credential is not None:
            raise OpenIvanError("CSC_CREDENTIAL_NOT_FOUND", credential=credential)
        if answer.status != 200:
            raise OpenIvanError("CSC_ERROR", reason=f"{method}: HTTP {answer.status}")
        try:
            data = json.loads(answer.body)
        except ValueError as exc:
            raise OpenIvanError("CSC_ERROR", reason=f"{method}: not JSON") from exc
        if not isinstance(data, dict):
            raise OpenIvanError("CSC_ERROR", reason=f"{method}: not a JSON object")
        return data

    def info(self) -> dict[str, Any]:
        if self._info is None:
            self._info = self._post("info", {}, auth=False)
        return self._info

    def login(self) -> None:
        """`auth/login` where the service offers basic auth; otherwise the account and password
        go as HTTP Basic on every call (services behind an authenticating gateway)."""
        if "basic" in self.info().get("authType", []) and self._account is not None:
            self._token = str(self._post("auth/login", {"rememberMe": False})["access_token"])

    def credentials(self) -> list[str]:
        return [str(c) for c in self._post("credentials/list", {}).get("credentialIDs", [])]

    def credential(self, credential_id: str) -> CscCredential:
        data = self._post("credentials/info", {"credentialID": credential_id,
                                               "certificates": "chain"},
                          credential=credential_id)
        try:
            certs = [x509.load_der_x509_certificate(base64.b64decode(c))
                     for c in data["cert"]["certificates"]]
            key_length = int(data.get("key", {}).get("len", 0))
        except (KeyError, ValueError, TypeError) as exc:
            raise OpenIvanError("CSC_ERROR", reason="credentials/info: no certificate") from exc
        if not certs:
            raise OpenIvanError("CSC_ERROR", reason="credentials/info: no certificate")
        return CscCredential(credential_id, certs[0], tuple(certs[1:]), key_length)

    def sign_digests(self, credential_id: str, digests: list[bytes], algorithm: str,
                     pin: str | None = None) -> list[bytes]:
        hashes_b64 = [base64.b64encode(d).decode() for d in digests]
        authorize: dict[str, Any] = {"credentialID": credential_id,
                                     "numSignatures": len(digests), "hash": hashes_b64}
        if pin is not None:
            authorize["PIN"] = pin
        sad = self._post("credentials/authorize", authorize, credential=credential_id)["SAD"]
        answer = self._post("signatures/signHash", {
            "credentialID": credential_id, "SAD": sad, "hash": hashes_b64,
            "hashAlgo": HASH_OIDS[algorithm], "signAlgo": SIGN_ALGO_OIDS[algorithm],
        }, credential=credential_id)
        try:
            return [base64.b64decode(s) for s in answer["signatures"]]
        except (KeyError, ValueError) as exc:
            raise OpenIvanError("CSC_ERROR", reason="signHash: no signatures") from exc


class CscKey(ExternalKey):
    """signxml-style key object backed by a CSC credential."""

    def __init__(self, client: CscClient, credential: CscCredential,
                 pin: str | None = None) -> None:
        self._client = client
        self._credential = credential
        self._pin = pin
        self.certificate = credential.certificate
        self.chain = list(credential.chain)

    @property
    def key_size(self) -> int:
        return self._credential.key_length or self.public_key().key_size

    def sign(self, data: bytes, padding: padding.AsymmetricPadding,
             algorithm: hashes.HashAlgorithm) -> bytes:
        if algorithm.name not in SIGN_ALGO_OIDS:
            raise OpenIvanError("SIG_ALGORITHM_FORBIDDEN", algorithm=algorithm.name)
        digest = hashlib.new(algorithm.name, data).digest()
        return self._client.sign_digests(self._credential.credential_id, [digest],
                                         algorithm.name, self._pin)[0]


def account_credentials(base_url: str, account: str, password: str) -> list[CscCredential]:
    """Every credential of an account with its certificate ("Lấy dữ liệu chứng thư"): the
    provider's units and the portal's persons choose one of them. CSC_AUTH_FAILED or
    CSC_UNAVAILABLE when the account or the service fails."""
    client = CscClient(base_url, account, password)
    try:
        client.login()
        return [client.credential(c) for c in client.credentials()]
    finally:
        client.close()
