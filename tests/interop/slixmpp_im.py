#!/usr/bin/python3
"""Interop for RFC 6121 with a client nobody here wrote (Debian's python3-slixmpp).

alice logs in on one c2s and bob on another (STARTTLS, SCRAM-SHA-256). Then, step by step:
  1. the whole subscription handshake, answered by hand (slixmpp's automatic answers are off):
     alice subscribes, bob approves and subscribes back, alice approves; until both rosters,
     as the server pushed them to slixmpp, say 'both';
  2. each sees the other's presence come and go: a status change, unavailable, available again;
  3. they exchange chat messages both ways (bare JIDs);
  4. alice and bob send messages to carol, who is offline; carol logs in later and receives them,
     each with a XEP-0203 delay stamp;
  5. bob drops his TCP connection without closing the stream; alice sees him unavailable.
Exit 0 only if every step happened; each step prints one line (STEP ...), failures print FAIL.

usage: slixmpp_im.py --host 127.0.0.1 --alice-port P1 --bob-port P2 --carol-port P1 \
           --alice a@localhost --alice-password pw --bob b@localhost --bob-password pw \
           --carol c@localhost --carol-password pw [--timeout 60]
Exit codes: 0 all steps passed, 1 a step failed, 3 slixmpp missing.
"""
import argparse
import asyncio
import ssl
import sys
import uuid

from interop_run import MECHANISM, log, run_main, slixmpp, without_channel_binding
STEP_TIMEOUT = 15


class Client(slixmpp.ClientXMPP):
    """A slixmpp client that queues what arrives, so that the script can wait for it."""

    def __init__(self, name, jid, password):
        super().__init__(jid, password, sasl_mech=MECHANISM)
        without_channel_binding(self)
        self.name = name
        self.register_plugin("xep_0203")  # delayed delivery
        self.auto_authorize = None  # answer subscription requests by hand
        self.auto_subscribe = False
        self.ssl_context.check_hostname = False  # c2s presents a self-signed certificate
        self.ssl_context.verify_mode = ssl.CERT_NONE
        self.started = asyncio.Event()
        self.failure = None
        self.requests = asyncio.Queue()
        self.presences = asyncio.Queue()
        self.messages = asyncio.Queue()
        self.add_event_handler("session_start", self.on_session_start)
        self.add_event_handler("failed_auth", lambda _: self.fail("authentication failed"))
        self.add_event_handler("connection_failed", lambda e: self.fail(f"connection failed: {e}"))
        self.add_event_handler("stream_error", lambda e: self.fail(f"stream error: {e}"))
        self.add_event_handler("presence_subscribe", lambda p: self.requests.put_nowait(p))
        self.add_event_handler("presence", self.on_presence)
        self.add_event_handler("message", self.on_message)

    def fail(self, why):
        if self.failure is None:
            self.failure = why
            log(f"{self.name}: {why}")

    async def on_session_start(self, _):
        await self.get_roster()  # an interested resource: it gets roster pushes
        self.send_presence()
        log(f"{self.name}: session started as {self.boundjid.full}")
        self.started.set()

    def on_presence(self, presence):
        # slixmpp gives an available presence the type of its <show/> ('away', 'chat', ...)
        if presence["type"] not in ("subscribe", "subscribed", "unsubscribe", "unsubscribed", "probe", "error"):
            self.presences.put_nowait(presence)

    def on_message(self, msg):
        if msg["type"] in ("chat", "normal"):
            self.messages.put_nowait(msg)

    def subscription(self, contact):
        return self.client_roster[contact]["subscription"]


async def expect(queue, match, what):
    """The first item of the queue that matches (others are dropped), or a failure after STEP_TIMEOUT."""
    async def find():
        while True:
            item = await queue.get()
            if match(item):
                return item
    try:
        return await asyncio.wait_for(find(), STEP_TIMEOUT)
    except asyncio.TimeoutError:
        raise RuntimeError(f"no {what} within {STEP_TIMEOUT} s") from None


async def until(condition, what):
    for _ in range(STEP_TIMEOUT * 10):
        if condition():
            return
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{what} did not happen within {STEP_TIMEOUT} s")


def presence_of(client, show=None, available=True):
    def match(p):
        if p["from"].bare != client.boundjid.bare:
            return False
        if not available:
            return p["type"] == "unavailable"
        return p["type"] != "unavailable" and (show is None or p["show"] == show)
    return match


async def login(name, jid, password, host, port):
    client = Client(name, jid, password)
    client.connect((host, port))
    try:
        await asyncio.wait_for(client.started.wait(), STEP_TIMEOUT)
    except asyncio.TimeoutError:
        raise RuntimeError(f"{name} did not log in within {STEP_TIMEOUT} s: {client.failure}") from None
    return client


async def run(args):
    alice = await login("alice", args.alice, args.alice_password, args.host, args.alice_port)
    bob = await login("bob", args.bob, args.bob_password, args.host, args.bob_port)
    a, b = alice.boundjid.bare, bob.boundjid.bare

    # 1. the subscription handshake (RFC 6121 §3.1), both ways
    alice.send_presence_subscription(pto=b)
    request = await expect(bob.requests, lambda p: p["from"].bare == a, "subscription request from alice at bob")
    bob.send_presence(pto=a, ptype="subscribed")
    bob.send_presence_subscription(pto=a)
    await expect(alice.requests, lambda p: p["from"].bare == b, "subscription request from bob at alice")
    alice.send_presence(pto=b, ptype="subscribed")
    await until(lambda: alice.subscription(b) == "both" and bob.subscription(a) == "both", "both rosters saying 'both'")
    log(f"STEP 1 handshake: alice's roster says {b}={alice.subscription(b)}, bob's says {a}={bob.subscription(a)} (request came from {request['from']})")

    # 2. presence comes and goes, both ways
    alice.send_presence(pshow="away", pstatus="out for lunch")
    got = await expect(bob.presences, presence_of(alice, show="away"), "alice's 'away' at bob")
    bob.send_presence(ptype="unavailable")
    await expect(alice.presences, presence_of(bob, available=False), "bob's unavailable at alice")
    bob.send_presence(pshow="chat")
    await expect(alice.presences, presence_of(bob, show="chat"), "bob's return at alice")
    alice.send_presence(ptype="unavailable")
    await expect(bob.presences, presence_of(alice, available=False), "alice's unavailable at bob")
    alice.send_presence()
    await expect(bob.presences, presence_of(alice), "alice's return at bob")
    log(f"STEP 2 presence: bob saw alice away ('{got['status']}'), unavailable and back; alice saw bob unavailable and back")

    # 3. messages both ways
    for sender, receiver in ((alice, bob), (bob, alice)):
        body = f"hello from {sender.name} {uuid.uuid4().hex[:6]}"
        sender.send_message(mto=receiver.boundjid.bare, mbody=body, mtype="chat")
        msg = await expect(receiver.messages, lambda m, body=body: m["body"] == body, f"the message from {sender.name} at {receiver.name}")
        if msg["from"].bare != sender.boundjid.bare:
            raise RuntimeError(f"the message came from {msg['from']}, not {sender.boundjid.bare}")
    log("STEP 3 messages: alice -> bob and bob -> alice delivered")

    # 4. offline messages for carol, delivered with delay stamps at her login
    bodies = {f"while you were away ({s.name}) {uuid.uuid4().hex[:6]}" for s in (alice, bob)}
    for sender, body in zip((alice, bob), sorted(bodies)):
        sender.send_message(mto=args.carol, mbody=body, mtype="chat")
    await asyncio.sleep(0.5)  # let sm store them before carol exists as a session
    carol = await login("carol", args.carol, args.carol_password, args.host, args.carol_port)
    received = []
    while len(received) < len(bodies):
        msg = await expect(carol.messages, lambda m: m["body"] in bodies, "an offline message at carol")
        stamp = msg["delay"]["stamp"]
        if stamp is None:
            raise RuntimeError(f"offline message without a delay stamp: {msg}")
        received.append((msg["body"], stamp))
    log("STEP 4 offline: carol got " + "; ".join(f"'{body}' stamped {stamp.isoformat()}" for body, stamp in sorted(received)))

    # 5. bob's connection drops without a closing stream: alice sees him unavailable
    bob.abort()
    await expect(alice.presences, presence_of(bob, available=False), "bob's unavailable at alice after his connection dropped")
    log("STEP 5 drop: alice saw bob unavailable after his TCP connection was aborted")

    alice.disconnect()
    carol.disconnect()
    await asyncio.sleep(0.3)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--alice-port", type=int, required=True)
    p.add_argument("--bob-port", type=int, required=True)
    p.add_argument("--carol-port", type=int, required=True)
    for who in ("alice", "bob", "carol"):
        p.add_argument(f"--{who}", required=True)
        p.add_argument(f"--{who}-password", required=True)
    p.add_argument("--timeout", type=float, default=90)
    return run_main(run, p.parse_args())


if __name__ == "__main__":
    sys.exit(main())
