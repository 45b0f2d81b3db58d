"""Notfalltermin: the emergency appointment service of an immigration office."""
