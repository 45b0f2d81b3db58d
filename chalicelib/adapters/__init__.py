"""Adapters from the service's ports to AWS."""
