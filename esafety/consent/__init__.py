"""Photo and publication consent, published items and the school's own accounts."""
