"""The vendors' PKCS#11 modules are found in their usual places; one that cannot be loaded does
not hide the tokens of the others."""

from __future__ import annotations

from pathlib import Path

from openivan.signer_agent.catalogue import VENDOR_MODULES, installed_modules
from tests.conftest import SOFTHSM_MODULE
from tests.signer_agent.conftest import UNIT_MST


def test_the_catalogue_names_the_vietnamese_vendors_modules():
    names = {name for names in VENDOR_MODULES.values() for name in names}
    assert {"vnptca_p11_v8", "vnpt-ca_v6", "viettel-ca_v6", "viettel-ca_v2", "BkavCAPKCS11",
            "SignatureP11", "ShuttleCsp11_3003", "eps2003csp11", "eTPKCS11"} <= names


def test_installed_modules_are_found_by_name_and_lib_prefix_configured_first(tmp_path):
    usr, opt = tmp_path / "usr", tmp_path / "opt"
    usr.mkdir()
    opt.mkdir()
    (usr / "libvnptca_p11_v8.so").write_bytes(b"")
    (opt / "BkavCAPKCS11.so").write_bytes(b"")
    (usr / "unrelated.so").write_bytes(b"")
    configured = str(tmp_path / "vendor" / "own.so")  # kept even if absent: said when loading
    found = installed_modules([configured], places=(usr, opt))
    assert found == [("cấu hình", configured),
                     ("VNPT-CA", str(usr / "libvnptca_p11_v8.so")),
                     ("BkavCA", str(opt / "BkavCAPKCS11.so"))]


def test_a_module_that_cannot_be_loaded_does_not_hide_the_other_tokens(start_agent,
                                                                        tmp_path: Path):
    broken = tmp_path / "libbroken.so"
    broken.write_bytes(b"not a shared library")
    agent = start_agent(modules=[str(broken), SOFTHSM_MODULE])
    assert UNIT_MST in {c["tax_code"] for c in agent.certificates()}
