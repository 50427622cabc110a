"""Every HMAC in and out of the centre, and the keys derived from ``SECRET_KEY``.

- ``occ.signing.inbound``: requests from the centre's machine clients (the mail gateway, the
  telephone system, the fax gateway). One check for all of them: several keys at once, each with
  an id (rotation without downtime), a timestamp window and a replay guard (every accepted
  signature is stored once, ``SignedRequestNonce``, purged by beat).
- ``occ.signing.webhooks``: what the centre sends to agencies, signed as the Standard Webhooks
  specification says (``webhook-id``, ``webhook-timestamp``, ``webhook-signature: v1,<base64>``),
  so an agency verifies with any of that specification's libraries (docs/agency-webhooks.md).
- ``occ.signing.keys``: key rings read from settings, key ids, and the one derivation of
  encryption keys from ``SECRET_KEY`` (``sealing_fernet``; ``SECRET_KEY_FALLBACKS`` still open).

``inbound`` uses this app's model, so it is imported by its callers, not from here."""
