"""Where settings come from: the environment, or a file named by NAME_FILE (compose secrets).

Every settings module and part imports ``env`` and ``BASE_DIR`` from here (not from base.py, so
the parts that base.py imports form no import cycle)."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent


class _SecretFiles(environ.FileAwareMapping):
    """NAME_FILE=/run/secrets/name stands for NAME (compose secrets), without the file's final newline."""

    def __getitem__(self, key: str) -> str:
        value = super().__getitem__(key)
        return value.rstrip("\r\n") if self.env.get(key + "_FILE") else value


class _Env(environ.Env):
    ENVIRON = _SecretFiles()


# Every variable may instead name a file holding its value: NAME_FILE=/run/secrets/... (compose
# secrets); see docs/configuration.md.
env = _Env()
