"""Where the secret key for customer hashes and staff pseudonyms comes from. The key is never written to any output.

Order: the file named by ``deid.key_file`` when the policy sets one, then the environment variable named by
``deid.key_env`` (default SVCSHEET_KEY), then a per-user key file created once (``~/.config/svcsheet/hash.key``, mode 0600), so that the same
machine gives the same hashes across runs without any set-up.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

from ..errors import PolicyError


def default_key_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "svcsheet" / "hash.key"


def resolve_key(policy: Any) -> bytes:
    """The hashing key as bytes, from the policy's chosen source."""
    key_file = policy.deid.key_file
    if key_file:
        path = Path(key_file).expanduser()
        if not path.is_file():
            raise PolicyError(f"deid.key_file: 密钥文件不存在：{path}")
        return path.read_bytes().strip()
    env_name = policy.deid.key_env or "SVCSHEET_KEY"
    if os.environ.get(env_name):
        return os.environ[env_name].encode("utf-8")
    path = default_key_file()
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".hash.key.")  # mode 0600
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)  # atomic, and never replaces a key another run created a moment ago
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return path.read_bytes().strip()
