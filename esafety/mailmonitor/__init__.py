"""Monitoring copies of the school's mail, checked and kept only where something was found."""
