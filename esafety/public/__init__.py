"""Policies and monitoring notices at public addresses, for the school website."""
