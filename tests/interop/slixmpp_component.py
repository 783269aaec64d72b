"""Issue 21: an external component nobody here wrote, slixmpp's ComponentXMPP (Debian's
python3-slixmpp), attached to the server over XEP-0114 through the gateway.

serve (default): attaches as --domain with --secret, prints ATTACHED once the gateway accepted the
handshake, then answers disco#info for its domain (identity conference/text "Interop Service",
feature urn:example:interop) and echoes every chat message sent to a JID of its domain back from
that JID ("echo: <body>"), printing GOT <from> <to> <body> for each; it runs until killed or
--timeout seconds passed, and prints DISCONNECTED when the stream ends.
--expect-refused: attaches and must be refused: prints REFUSED <stream error condition> and exits 0,
or FAIL if the gateway accepted it."""
import argparse
import asyncio
import sys

from interop_run import log  # noqa: F401 - exits 3 when slixmpp is missing
from slixmpp.componentxmpp import ComponentXMPP

FEATURE = "urn:example:interop"


class Service(ComponentXMPP):
    def __init__(self, domain, secret, host, port):
        super().__init__(domain, secret, host, port)
        self.register_plugin("xep_0030")
        self["xep_0030"].add_identity(category="conference", itype="text", name="Interop Service")
        self["xep_0030"].add_feature(FEATURE)
        self.attached = asyncio.get_event_loop().create_future()
        self.ended = asyncio.get_event_loop().create_future()
        self.add_event_handler("session_start", self.on_start)
        self.add_event_handler("stream_error", self.on_stream_error)
        self.add_event_handler("disconnected", self.on_disconnected)
        self.add_event_handler("message", self.on_message)

    def incoming_filter(self, xml):
        # Seen as it is parsed: slixmpp runs stanza handlers later, possibly after 'disconnected'.
        if xml.tag == "{http://etherx.jabber.org/streams}error" and not self.attached.done():
            conditions = [c.tag.split("}", 1)[-1] for c in xml if c.tag.startswith("{urn:ietf:params:xml:ns:xmpp-streams}") and not c.tag.endswith("}text")]
            self.attached.set_result("refused " + (conditions[0] if conditions else "?"))
        return super().incoming_filter(xml)

    def on_start(self, _):
        if not self.attached.done():
            self.attached.set_result("attached")

    def on_stream_error(self, error):
        condition = error["condition"]
        if not self.attached.done():
            self.attached.set_result("refused " + condition)

    def on_disconnected(self, _):
        if not self.attached.done():
            self.attached.set_result("disconnected")
        if not self.ended.done():
            self.ended.set_result(True)

    def on_message(self, msg):
        if msg["type"] in ("chat", "normal") and msg["body"]:
            log(f"GOT {msg['from']} {msg['to']} {msg['body']}")
            msg.reply("echo: " + msg["body"]).send()


async def run(args):
    service = Service(args.domain, args.secret, args.host, args.port)
    service.connect()
    outcome = await asyncio.wait_for(service.attached, args.timeout)
    if args.expect_refused:
        if outcome.startswith("refused "):
            log("REFUSED " + outcome[len("refused "):])
            service.disconnect()
            return 0
        log(f"FAIL expected a refusal, got: {outcome}")
        return 1
    if outcome != "attached":
        log(f"FAIL not attached: {outcome}")
        return 1
    log("ATTACHED")
    try:
        await asyncio.wait_for(service.ended, args.timeout)
        log("DISCONNECTED")
    except asyncio.TimeoutError:
        pass
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--domain", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--expect-refused", action="store_true")
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        return loop.run_until_complete(run(args))
    except asyncio.TimeoutError:
        log(f"FAIL timed out after {args.timeout} s")
        return 1
    except Exception as e:  # noqa: BLE001
        log(f"FAIL {e}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
