"""Use cases of the service: each takes its ports and the current time explicitly."""
