"""Telephone and fax channel settings (issue 5)."""

from occ.settings.base import env

# Shared secrets of the telephone system (PBX/CTI) and of the fax gateway.
OCC_PBX_SECRET = env.str("OCC_PBX_SECRET", default="")
OCC_FAX_GATEWAY_SECRET = env.str("OCC_FAX_GATEWAY_SECRET", default="")
OCC_MACHINE_MAX_SKEW_SECONDS = env.int("OCC_MACHINE_MAX_SKEW_SECONDS", default=300)
OCC_RECORDING_MAX_BYTES = env.int("OCC_RECORDING_MAX_BYTES", default=200 * 1024 * 1024)
OCC_FAX_MAX_BYTES = env.int("OCC_FAX_MAX_BYTES", default=50 * 1024 * 1024)
OCC_UPLOAD_CHUNK_MAX_BYTES = env.int("OCC_UPLOAD_CHUNK_MAX_BYTES", default=8 * 1024 * 1024)
OCC_FAX_PREVIEW_WIDTH = env.int("OCC_FAX_PREVIEW_WIDTH", default=1000)

BEAT: dict = {}
OCC_UPLOAD_TMP_DIR = env.str("OCC_UPLOAD_TMP_DIR", default=str(__import__("pathlib").Path(__file__).resolve().parents[3] / "var" / "uploads"))
