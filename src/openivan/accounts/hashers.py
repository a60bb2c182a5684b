"""How the passwords the agency makes (Mật khẩu lần đầu) are hashed.

A person's own password may be weak, so it gets Django's full Argon2 (100 MiB, t=2, p=8:
~290 ms of CPU here). A one-time password is 12 characters drawn by the CSPRNG from 25
(~56 bits): guessing it from its hash is out of reach at OWASP's minimum Argon2id parameters
(19 MiB, t=2, p=1: ~32 ms of CPU), and the full cost spent on each one issued was 98 % of the
CPU the portal spends on an accepted declaration (docs/decisions.md). It is rehashed with the
full parameters at its first successful sign-in (Django upgrades a non-preferred hasher), and
changed at once anyway."""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher, make_password

ALGORITHM = "argon2_onetime"


class OneTimePasswordHasher(Argon2PasswordHasher):
    algorithm = ALGORITHM
    time_cost = 2
    memory_cost = 19456  # KiB: OWASP Password Storage Cheat Sheet's minimum for Argon2id
    parallelism = 1


def one_time_password_hash(password: str) -> str:
    return make_password(password, hasher=ALGORITHM)
