"""The DfE filtering and monitoring standards, kept as records."""
