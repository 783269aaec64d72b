#!/usr/bin/python3
"""Interop check of XEP-0198 with a client nobody here wrote: slixmpp's xep_0198 plugin enables
stream management, gets its stanzas acknowledged, loses its connection without closing the stream,
reconnects and resumes the same session, and receives what was sent meanwhile exactly once.

A plain slixmpp sender and a receiver with xep_0198 (STARTTLS, SCRAM-SHA-256, self-signed
certificate accepted), each on its own port (two c2s: the receiver may resume on another one
with --resume-port). The script exits 0 only when every check holds, printing each step.

usage: slixmpp_resume.py --host 127.0.0.1 --sender-port 5222 --receiver-port 5223 [--resume-port 5224] \
           --sender alice@localhost --sender-password pw --receiver bob@localhost --receiver-password pw [--timeout 60]
SLIXMPP_DEBUG=1 in the environment logs every stanza to stderr.
Exit codes: 0 resumed and received, 1 failed, 3 slixmpp missing.
"""
import argparse
import asyncio
import collections
import logging
import os
import ssl
import sys

from interop_run import MECHANISM, log, run_main, slixmpp, without_channel_binding


class Client(slixmpp.ClientXMPP):
    def __init__(self, name, jid, password, failed, stream_management):
        super().__init__(jid, password, sasl_mech=MECHANISM)
        without_channel_binding(self)
        self.name = name
        self.failed = failed
        self.failure = None
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        self.session_started = asyncio.Event()
        self.sessions = 0
        self.bodies = collections.Counter()
        self.arrived = asyncio.Queue()
        if stream_management:
            self.register_plugin("xep_0198", {"window": 1})  # ask the server for an ack after every stanza
        self.add_event_handler("session_start", self.on_session_start)
        self.add_event_handler("failed_auth", lambda _: self.fail("authentication failed"))
        self.add_event_handler("connection_failed", lambda e: self.fail(f"connection failed: {e}"))
        self.add_event_handler("message", self.on_message)

    def fail(self, why):
        if self.failure is None:
            self.failure = why
            log(f"{self.name}: {why}")
            self.failed.set()

    def on_session_start(self, _):
        self.sessions += 1
        self.send_presence()
        log(f"{self.name}: session started as {self.boundjid.full}")
        self.session_started.set()

    def on_message(self, msg):
        if msg["type"] in ("chat", "normal") and msg["body"]:
            self.bodies[msg["body"]] += 1
            self.arrived.put_nowait(msg["body"])


async def run(args):
    failed = asyncio.Event()
    sender = Client("sender", args.sender, args.sender_password, failed, stream_management=False)
    receiver = Client("receiver", args.receiver, args.receiver_password, failed, stream_management=True)
    enabled = asyncio.Event()
    resumed = asyncio.Event()
    disconnected = asyncio.Event()
    acked = asyncio.Queue()
    receiver.add_event_handler("sm_enabled", lambda s: (log(f"receiver: stream management enabled, id={s['id']!r}, resume={s['resume']}"), enabled.set()))
    receiver.add_event_handler("session_resumed", lambda s: (log(f"receiver: session resumed (server h={s['h']})"), resumed.set()))
    receiver.add_event_handler("sm_failed", lambda s: receiver.fail(f"stream management failed: {s}"))
    receiver.add_event_handler("stanza_acked", lambda s: acked.put_nowait(s))
    receiver.add_event_handler("disconnected", lambda _: disconnected.set())

    async def wait(awaitable, what, timeout=20):
        failure = asyncio.ensure_future(failed.wait())
        task = asyncio.ensure_future(asyncio.wait_for(awaitable, timeout))
        done, _ = await asyncio.wait({task, failure}, return_when=asyncio.FIRST_COMPLETED)
        failure.cancel()
        if task not in done:
            task.cancel()
            raise RuntimeError(f"while waiting for {what}: {sender.failure or receiver.failure}")
        try:
            return task.result()
        except asyncio.TimeoutError:
            raise RuntimeError(f"no {what} within {timeout} s") from None

    async def expect(body):
        while True:
            got = await wait(receiver.arrived.get(), f"the message '{body}'")
            if got == body:
                return

    receiver.connect((args.host, args.receiver_port))
    sender.connect((args.host, args.sender_port))
    await wait(receiver.session_started.wait(), "the receiver's session")
    await wait(enabled.wait(), "<enabled/>")
    await wait(sender.session_started.wait(), "the sender's session")
    sm = receiver["xep_0198"]
    if not sm.sm_id:
        raise RuntimeError("the server gave no resumption id")
    full_jid = receiver.boundjid.full

    receiver.send_message(mto=slixmpp.JID(args.sender).bare, mbody="ack-me", mtype="chat")
    while await wait(sender.arrived.get(), "ack-me at the sender") != "ack-me":
        pass
    sm.request_ack()  # slixmpp 1.8's own <r/> (window) goes out before the stanza it counts (it is queued), so ask once it is through
    stanza = await wait(acked.get(), "the server's <a/> for the receiver's message")
    log(f"receiver: the server acknowledged its {stanza.name} (h={sm.last_ack})")

    sender.send_message(mto=full_jid, mbody="before-1", mtype="chat")
    await expect("before-1")
    log(f"receiver: got before-1; handled {sm.handled} stanzas")

    receiver.abort()  # the connection goes, no </stream:stream>
    await wait(disconnected.wait(), "the disconnection")
    log("receiver: connection dropped without closing the stream")
    for i in range(1, 4):
        sender.send_message(mto=full_jid, mbody=f"during-{i}", mtype="chat")
    log("sender: sent during-1..3 while the receiver was away")

    receiver.connect((args.host, args.resume_port or args.receiver_port))
    await wait(resumed.wait(), "<resumed/>")
    if receiver.sessions != 1:
        raise RuntimeError(f"the receiver started {receiver.sessions} sessions: it bound anew instead of resuming")
    if receiver.boundjid.full != full_jid:
        raise RuntimeError(f"resumed as {receiver.boundjid.full}, the session was {full_jid}")
    for i in range(1, 4):
        await expect(f"during-{i}")
    sender.send_message(mto=full_jid, mbody="end", mtype="chat")
    await expect("end")
    twice = [body for body, count in receiver.bodies.items() if count > 1]
    if twice:
        raise RuntimeError(f"received more than once: {twice}")
    log(f"RESUMED and received during-1..3 once each; handled {sm.handled} stanzas")
    sender.disconnect()
    receiver.disconnect()


def main():
    if os.environ.get("SLIXMPP_DEBUG"):
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--sender-port", type=int, required=True)
    p.add_argument("--receiver-port", type=int, required=True)
    p.add_argument("--resume-port", type=int, default=0)
    p.add_argument("--sender", required=True)
    p.add_argument("--sender-password", required=True)
    p.add_argument("--receiver", required=True)
    p.add_argument("--receiver-password", required=True)
    p.add_argument("--timeout", type=float, default=60)
    return run_main(run, p.parse_args())


if __name__ == "__main__":
    sys.exit(main())
