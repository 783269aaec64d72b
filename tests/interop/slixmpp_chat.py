#!/usr/bin/python3
"""Interop check with a client nobody here wrote: two slixmpp clients exchange one message.

The sender logs in on one c2s, the receiver on another (STARTTLS, SCRAM-SHA-256, self-signed
certificate accepted). The sender sends one chat message to the receiver's bare JID; the script
exits 0 only when the receiver got exactly that body, and prints what happened on the way.

usage: slixmpp_chat.py --host 127.0.0.1 --sender-port 5222 --receiver-port 5223 \
           --sender alice@localhost --sender-password pw --receiver bob@localhost --receiver-password pw \
           [--timeout 30] [--tls-version 1.2|1.3]
--tls-version pins both clients to that TLS version (default: whatever both ends prefer) and the
script checks that it was negotiated.
Exit codes: 0 received, 1 failed (auth, timeout, wrong message), 3 slixmpp missing.
"""
import argparse
import asyncio
import ssl
import sys
import uuid

from interop_run import MECHANISM, log, run_main, slixmpp, without_channel_binding


class Client(slixmpp.ClientXMPP):
    def __init__(self, name, jid, password, loop_events, tls_version=None):
        super().__init__(jid, password, sasl_mech=MECHANISM)
        without_channel_binding(self)
        self.tls_version = tls_version
        self.name = name
        self.loop_events = loop_events
        self.session_started = asyncio.Event()
        self.received = asyncio.Queue()
        self.failure = None
        # c2s presents a self-signed certificate.
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        if tls_version is not None:
            pinned = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}[tls_version]
            self.ssl_context.minimum_version = pinned
            self.ssl_context.maximum_version = pinned
        self.add_event_handler("session_start", self.on_session_start)
        self.add_event_handler("auth_success", self.on_auth_success)
        self.add_event_handler("failed_auth", lambda _: self.fail("authentication failed"))
        self.add_event_handler("failed_all_auth", lambda _: self.fail("no authentication mechanism worked"))
        self.add_event_handler("connection_failed", lambda e: self.fail(f"connection failed: {e}"))
        self.add_event_handler("stream_error", lambda e: self.fail(f"stream error: {e}"))
        self.add_event_handler("tls_success", self.on_tls_success)
        self.add_event_handler("message", self.on_message)

    def fail(self, why):
        if self.failure is None:
            self.failure = why
            log(f"{self.name}: {why}")
            self.loop_events.set()

    def on_tls_success(self, _):
        # slixmpp raises tls_success before it switches self.transport to the TLS one: the
        # version is read at session start.
        log(f"{self.name}: TLS established")

    def tls_version_ok(self):
        ssl_object = self.transport.get_extra_info("ssl_object") if self.transport is not None else None
        version = ssl_object.version() if ssl_object is not None else "?"
        log(f"{self.name}: TLS version {version}")
        if self.tls_version is not None and version != f"TLSv{self.tls_version}":
            self.fail(f"expected TLSv{self.tls_version}, negotiated {version}")
            return False
        return True

    def on_auth_success(self, _):
        mech = self["feature_mechanisms"].mech
        name = mech.name if mech is not None else "?"
        log(f"{self.name}: authenticated with {name}")
        if name != MECHANISM:
            self.fail(f"expected {MECHANISM}, server negotiated {name}")

    async def on_session_start(self, _):
        if not self.tls_version_ok():
            return
        self.send_presence()
        log(f"{self.name}: session started as {self.boundjid.full}")
        self.session_started.set()

    def on_message(self, msg):
        if msg["type"] in ("chat", "normal"):
            self.received.put_nowait(msg)


async def run(args):
    failed = asyncio.Event()
    sender = Client("sender", args.sender, args.sender_password, failed, args.tls_version)
    receiver = Client("receiver", args.receiver, args.receiver_password, failed, args.tls_version)
    receiver.connect((args.host, args.receiver_port))
    sender.connect((args.host, args.sender_port))

    async def wait_or_fail(awaitable, what):
        failure = asyncio.ensure_future(failed.wait())
        task = asyncio.ensure_future(awaitable)
        done, _ = await asyncio.wait({task, failure}, return_when=asyncio.FIRST_COMPLETED)
        failure.cancel()
        if task not in done:
            task.cancel()
            raise RuntimeError(f"while waiting for {what}: {sender.failure or receiver.failure}")
        return task.result()

    await wait_or_fail(receiver.session_started.wait(), "the receiver's session")
    await wait_or_fail(sender.session_started.wait(), "the sender's session")

    body = f"hello from slixmpp {uuid.uuid4().hex[:8]}"
    sender.send_message(mto=slixmpp.JID(args.receiver).bare, mbody=body, mtype="chat")
    log(f"sender: sent '{body}'")
    msg = await wait_or_fail(receiver.received.get(), "the message")
    got_from = slixmpp.JID(str(msg["from"]))
    log(f"receiver: got '{msg['body']}' from {got_from.full}")
    if msg["body"] != body:
        raise RuntimeError(f"expected body '{body}', got '{msg['body']}'")
    if got_from.bare != slixmpp.JID(args.sender).bare:
        raise RuntimeError(f"expected the message from {args.sender}, got it from {got_from.full}")

    sender.disconnect()
    receiver.disconnect()
    log(f"RECEIVED {body}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--sender-port", type=int, required=True)
    p.add_argument("--receiver-port", type=int, required=True)
    p.add_argument("--sender", required=True)
    p.add_argument("--sender-password", required=True)
    p.add_argument("--receiver", required=True)
    p.add_argument("--receiver-password", required=True)
    p.add_argument("--timeout", type=float, default=30)
    p.add_argument("--tls-version", choices=["1.2", "1.3"], default=None)
    return run_main(run, p.parse_args())


if __name__ == "__main__":
    sys.exit(main())
