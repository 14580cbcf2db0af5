"""The check API for mail clients."""
