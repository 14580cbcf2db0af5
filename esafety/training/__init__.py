"""Courses, the training matrix and training-needs surveys."""
