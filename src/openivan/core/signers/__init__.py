"""Signing keys usable by `core.xmlsig.sign`: PKCS#12 file, PKCS#11 token, CSC remote service."""
