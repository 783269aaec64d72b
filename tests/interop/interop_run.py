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
