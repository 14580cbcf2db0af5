"""Web filtering engine: category lists, compiled snapshots, the decision, the Squid helper.

Pure Python; never imports Django.
"""
