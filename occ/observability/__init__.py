"""What operators see: JSON logs with a request id (``logs``), Prometheus metrics (``metrics``)."""
