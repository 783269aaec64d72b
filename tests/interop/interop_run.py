"""What the slixmpp interop scripts share: slixmpp itself (a clear exit 3 when it is missing),
the mechanism they insist on, their log line, and how a script's run(args) is driven to one exit code."""
import asyncio
import sys

try:
    import slixmpp  # noqa: F401 - re-exported for the scripts
except ImportError as e:  # CI installs python3-slixmpp; make the cause obvious
    print(f"FAIL slixmpp is not installed for {sys.executable} ({e}); apt-get install python3-slixmpp", flush=True)
    sys.exit(3)

MECHANISM = "SCRAM-SHA-256"


def without_channel_binding(client):
    """Makes a slixmpp client that is pinned to MECHANISM say it has no channel binding ('n').

    c2s offers SCRAM-*-PLUS on TLS, so RFC 5802 makes it refuse the gs2 flag 'y' ("I could bind,
    the server seems not to") as a downgrade. slixmpp 1.8.3 sends 'y' with every non-PLUS SCRAM
    mechanism once it has TLS, and for -PLUS only knows tls-unique, which TLS 1.3 does not define.
    Scripts that test something other than SASL pin MECHANISM and call this after
    ClientXMPP.__init__ (slixmpp_plus.py tests the -PLUS mechanisms themselves)."""
    plugin = client["feature_mechanisms"]
    default = plugin.sasl_callback

    def credentials(required_values, optional_values):
        values = default(required_values, optional_values)
        if "channel_binding" in values:
            values["channel_binding"] = None
        return values

    plugin.sasl_callback = credentials


def log(text):
    print(text, flush=True)


def run_main(run, args):
    """Runs run(args) within args.timeout seconds: 0 when it returned, 1 (after a FAIL line) otherwise."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(asyncio.wait_for(run(args), args.timeout))
    except asyncio.TimeoutError:
        log(f"FAIL timed out after {args.timeout} s")
        return 1
    except Exception as e:  # noqa: BLE001 - every failure is reported the same way
        log(f"FAIL {e}")
        return 1
    log("OK")
    return 0
