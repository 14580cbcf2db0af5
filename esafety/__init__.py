"""esafety: a school's online safety policies, made real."""

__version__ = "0.1.0"
