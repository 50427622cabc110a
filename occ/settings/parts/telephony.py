"""Telephone and fax channel settings (issue 5). See docs/telephony.md."""

from datetime import timedelta

from occ.settings.environment import env

# Shared secrets of the telephone system (PBX/CTI) and of the fax gateway. Several may be given,
# comma-separated (new first), so a secret can be rotated without downtime.
OCC_PBX_SECRETS = env.list("OCC_PBX_SECRETS", default=[])
OCC_FAX_GATEWAY_SECRETS = env.list("OCC_FAX_GATEWAY_SECRETS", default=[])
# A signed request whose timestamp is further than this from the server's clock is refused.
OCC_MACHINE_MAX_SKEW_SECONDS = env.int("OCC_MACHINE_MAX_SKEW_SECONDS", default=300)

# Recordings (OCC-5): the largest accepted file, and the resumable-upload protocol.
OCC_RECORDING_MAX_BYTES = env.int("OCC_RECORDING_MAX_BYTES", default=200 * 1024 * 1024)
OCC_UPLOAD_CHUNK_MAX_BYTES = env.int("OCC_UPLOAD_CHUNK_MAX_BYTES", default=16 * 1024 * 1024)
OCC_UPLOAD_SESSION_HOURS = env.int("OCC_UPLOAD_SESSION_HOURS", default=24)

# Faxes: the largest file, most pages and most pixels per page (decompression bombs), and the
# width of the PNG previews agents read.
OCC_FAX_MAX_BYTES = env.int("OCC_FAX_MAX_BYTES", default=50 * 1024 * 1024)
OCC_FAX_MAX_PAGES = env.int("OCC_FAX_MAX_PAGES", default=200)
OCC_FAX_MAX_PAGE_PIXELS = env.int("OCC_FAX_MAX_PAGE_PIXELS", default=40_000_000)
OCC_FAX_PREVIEW_WIDTH = env.int("OCC_FAX_PREVIEW_WIDTH", default=1000)

# Object storage for evidence in production (django-storages; used when occ.settings.production
# sees AWS_STORAGE_BUCKET_NAME). Evidence is private, encrypted at rest, and never overwritten:
# names are content-addressed and a name that exists is never written again.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="") or None
AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default="") or None
AWS_LOCATION = env.str("AWS_LOCATION", default="occ")
AWS_DEFAULT_ACL = None  # the bucket's own (private) policy; never public-read
AWS_S3_FILE_OVERWRITE = False
AWS_QUERYSTRING_AUTH = True
AWS_QUERYSTRING_EXPIRE = env.int("AWS_QUERYSTRING_EXPIRE", default=60)
AWS_S3_SIGNATURE_VERSION = "s3v4"
AWS_S3_OBJECT_PARAMETERS = {"ServerSideEncryption": env.str("AWS_S3_SSE", default="AES256")}
AWS_S3_MAX_MEMORY_SIZE = env.int(
    "AWS_S3_MAX_MEMORY_SIZE", default=2 * 1024 * 1024
)  # larger reads spill to disk

BEAT = {
    "telephony-fax-previews-retry-due": {
        "task": "channels_intake.telephony.tasks.fax_previews_retry_due",
        "schedule": timedelta(minutes=10),
    },
    "telephony-uploads-purge-expired": {
        "task": "channels_intake.telephony.tasks.uploads_purge_expired",
        "schedule": timedelta(hours=1),
    },
    # the blob store's partial files of writes killed mid-way (occ.blobstore.blob_parts_purge)
    "blob-parts-purge": {
        "task": "channels_intake.tasks.blob_parts_purge",
        "schedule": timedelta(days=1),
    },
}
