"""XML signatures: `sign` into a slot, `verify` strictly (python-xmlsec underneath)."""

from openivan.core.xmlsig.sign import SigningKey, sign
from openivan.core.xmlsig.verify import VerifiedSignature, VerifyPolicy, verify

__all__ = ["SigningKey", "VerifiedSignature", "VerifyPolicy", "sign", "verify"]
