"""The HTTP interface: Chalice blueprints, request/response models, problem+json errors."""
