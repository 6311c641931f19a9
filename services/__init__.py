"""Business rules; never imports tornado. Raises `services.errors.ServiceError` for refusals."""
