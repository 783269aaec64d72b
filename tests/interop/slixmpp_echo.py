#!/usr/bin/python3
"""A slixmpp client that answers one message: it logs in (STARTTLS, SCRAM-SHA-256, self-signed
certificate accepted), sends presence, prints READY, waits for a chat message from --peer and sends
"echo: <body>" back to the peer's bare JID. Used by tools/images/test-runc.sh, where the peer is
another client (go-sendxmpp) on the other c2s of the container topology.

usage: slixmpp_echo.py --host H --port P --jid alice@localhost --password pw --peer bob@localhost [--timeout 60]
Prints READY, RECEIVED <body>, REPLIED echo: <body>; exit 0 after replying, 1 on failure or timeout,
3 slixmpp missing.
"""
import argparse
import asyncio
import ssl
import sys

from interop_run import MECHANISM, log, run_main, slixmpp, without_channel_binding


class Echo(slixmpp.ClientXMPP):
    def __init__(self, jid, password, peer):
        super().__init__(jid, password, sasl_mech=MECHANISM)
        without_channel_binding(self)
        self.peer = slixmpp.JID(peer).bare
        self.ssl_context.check_hostname = False  # c2s presents a self-signed certificate
        self.ssl_context.verify_mode = ssl.CERT_NONE
        self.started = asyncio.Event()
        self.received = asyncio.Queue()
        self.failure = None
        self.add_event_handler("session_start", self.on_session_start)
        self.add_event_handler("failed_auth", lambda _: self.fail("authentication failed"))
        self.add_event_handler("connection_failed", lambda e: self.fail(f"connection failed: {e}"))
        self.add_event_handler("stream_error", lambda e: self.fail(f"stream error: {e}"))
        self.add_event_handler("message", self.on_message)

    def fail(self, why):
        if self.failure is None:
            self.failure = why
            log(f"FAIL {why}")
            self.started.set()

    async def on_session_start(self, _):
        self.send_presence()
        log(f"READY {self.boundjid.full}")
        self.started.set()

    def on_message(self, msg):
        if msg["type"] in ("chat", "normal") and slixmpp.JID(str(msg["from"])).bare == self.peer:
            self.received.put_nowait(msg)


async def run(args):
    client = Echo(args.jid, args.password, args.peer)
    client.connect((args.host, args.port))
    await client.started.wait()
    if client.failure:
        raise RuntimeError(client.failure)
    msg = await client.received.get()
    log(f"RECEIVED {msg['body']} (from {msg['from']})")
    reply = f"echo: {msg['body']}"
    client.send_message(mto=client.peer, mbody=reply, mtype="chat")
    log(f"REPLIED {reply}")
    # sends what is queued (the reply), then closes the stream and waits for the server's close
    await client.disconnect()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int, default=5222)
    p.add_argument("--jid", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--peer", required=True)
    p.add_argument("--timeout", type=float, default=60)
    return run_main(run, p.parse_args())


if __name__ == "__main__":
    sys.exit(main())
