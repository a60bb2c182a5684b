"""Roles and configuration come from the environment; bad values stop the start."""

import os
import socket
import subprocess
import sys


def run_settings(**env: str) -> subprocess.CompletedProcess:
    code = ("import django; django.setup(); from django.conf import settings; "
            "print(settings.INSTALLED_APPS)")
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**clean, "DJANGO_SETTINGS_MODULE": "openivan.conf.settings", **env},
                          timeout=60)


def test_roles_select_the_apps(tmp_path):
    result = run_settings(OPENIVAN_ROLES="agency", DEBUG="1", OPENIVAN_HOME=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "openivan.agency" in result.stdout and "openivan.provider" not in result.stdout


def test_unknown_role_is_refused(tmp_path):
    result = run_settings(OPENIVAN_ROLES="bank", DEBUG="1", OPENIVAN_HOME=str(tmp_path))
    assert result.returncode != 0 and "OPENIVAN_ROLES" in result.stderr


def test_a_one_time_password_shorter_than_12_is_refused(tmp_path):
    result = run_settings(OPENIVAN_ONE_TIME_PASSWORD_LENGTH="8", DEBUG="1",
                          OPENIVAN_HOME=str(tmp_path))
    assert result.returncode != 0
    assert "OPENIVAN_ONE_TIME_PASSWORD_LENGTH must be at least 12" in result.stderr
    longer = run_settings(OPENIVAN_ONE_TIME_PASSWORD_LENGTH="16", DEBUG="1",
                          OPENIVAN_HOME=str(tmp_path))
    assert longer.returncode == 0, longer.stderr


def test_production_without_secret_key_is_refused(tmp_path):
    result = run_settings(OPENIVAN_HOME=str(tmp_path))
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def deploy_check(tmp_path, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")}
    result = subprocess.run(
        [sys.executable, "-m", "openivan.cli", "manage", "check", "--deploy"],
        capture_output=True, text=True, timeout=120,
        env={**clean, "DJANGO_SETTINGS_MODULE": "openivan.conf.settings",
             "OPENIVAN_HOME": str(tmp_path), "SECRET_KEY": "k" * 60 + "-production-like",
             "ALLOWED_HOSTS": "bhxh.example.vn", **env})
    return result.stdout + result.stderr


def test_a_portal_published_over_https_keeps_its_cookies_to_https(tmp_path):
    report = deploy_check(tmp_path, OPENIVAN_PUBLIC_URL="https://bhxh.example.vn")
    for warning in ("security.W004", "security.W012", "security.W016"):  # HSTS, cookies
        assert warning not in report, report
    plain = deploy_check(tmp_path, OPENIVAN_PUBLIC_URL="http://127.0.0.1:8000")
    assert "security.W012" in plain  # a local demo over HTTP must still be able to sign in


def data_key_fallbacks(tmp_path, **env: str) -> str:
    code = ("import django; django.setup(); from django.conf import settings; "
            "print(settings.SECRET_KEY_FALLBACKS, settings.OPENIVAN_DATA_KEY_FALLBACKS)")
    clean = {k: v for k, v in os.environ.items() if not k.endswith(("_KEY", "_FALLBACKS"))}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**clean, "DJANGO_SETTINGS_MODULE": "openivan.conf.settings",
                                 "OPENIVAN_HOME": str(tmp_path), "SECRET_KEY": "new", **env},
                            timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_a_rotated_secret_key_stays_a_fallback_for_the_data_it_sealed(tmp_path):
    assert data_key_fallbacks(tmp_path, SECRET_KEY_FALLBACKS="old") == "['old'] ['old']"


def test_a_data_key_of_its_own_has_fallbacks_of_its_own(tmp_path):
    assert data_key_fallbacks(tmp_path, SECRET_KEY_FALLBACKS="old", OPENIVAN_DATA_KEY="d2",
                              OPENIVAN_DATA_KEY_FALLBACKS="d1") == "['old'] ['d1']"
    assert data_key_fallbacks(tmp_path, SECRET_KEY_FALLBACKS="old",
                              OPENIVAN_DATA_KEY="d2") == "['old'] []"


def manage(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("DEBUG", "SECRET_KEY", "DATABASE_URL", "LANG")}
    return subprocess.run(
        [sys.executable, "-m", "openivan.cli", "manage", *args], capture_output=True,
        text=True, timeout=120,
        env={**clean, "OPENIVAN_HOME": str(tmp_path), "LANG": "en_US.UTF-8", **env})


def test_a_missing_secret_key_is_one_line_with_its_code_not_a_traceback(tmp_path):
    result = manage(tmp_path, "check")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "CONFIG_INVALID: The configuration (environment) is wrong: Set SECRET_KEY (or DEBUG=1 "
        "for a local demo)."]


def test_a_value_that_does_not_parse_names_its_variable(tmp_path):
    result = manage(tmp_path, "check", DEBUG="1", OPENIVAN_WEB_CPU_SLOTS="two")
    assert result.returncode == 2
    assert result.stderr.startswith("CONFIG_INVALID: ")
    assert "OPENIVAN_WEB_CPU_SLOTS" in result.stderr and "Traceback" not in result.stderr


def test_a_database_out_of_reach_says_so_in_vietnamese_by_default(tmp_path):
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    url = f"postgres://u:p@127.0.0.1:{port}/x"
    result = manage(tmp_path, "migrate", DEBUG="1", DATABASE_URL=url, LANG="vi_VN.UTF-8")
    assert result.returncode == 2
    assert result.stderr.startswith(
        "DATABASE_ERROR: Cơ sở dữ liệu (DATABASE_URL) không kết nối được hoặc báo lỗi: ")
    assert "Traceback" not in result.stderr
    asked = manage(tmp_path, "migrate", "--traceback", DEBUG="1", DATABASE_URL=url)
    assert asked.returncode != 0 and "Traceback" in asked.stderr  # for whoever debugs it
