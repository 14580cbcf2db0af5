"""The termly governors' pack."""
