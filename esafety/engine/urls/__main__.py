"""``python -m esafety.engine.urls helper|whois ...``: the helpers without the esafety CLI.

``helper`` (the default) is Squid's url_rewrite helper (helper.py); ``whois`` is its
external ACL helper for client addresses (whois.py).
"""

import sys

if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "whois":
        from esafety.engine.urls.whois import main as whois_main

        sys.exit(whois_main(args[1:]))
    from esafety.engine.urls.helper import main

    if args and args[0] == "helper":
        args = args[1:]
    sys.exit(main(args))
