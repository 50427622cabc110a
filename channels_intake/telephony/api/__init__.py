"""Telephone and fax endpoints: machines (``machine``, ``uploads``; HMAC-signed) and agents."""
