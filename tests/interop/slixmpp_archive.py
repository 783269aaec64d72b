#!/usr/bin/python3
"""Interop check with a client nobody here wrote: slixmpp's own XEP-0280 and XEP-0313 plugins.

Three clients log in (STARTTLS, SCRAM-SHA-256): alice twice (resources 'one' and 'two') and bob.

--xep 0280: alice/two enables carbons with slixmpp's xep_0280 plugin; bob sends a chat message to
  alice/one, and alice/two must get it as a carbon_received event; alice/one sends bob a message,
  and alice/two must get it as a carbon_sent event.
--xep 0313: alice and bob exchange three messages; alice then reads her archive of bob with
  slixmpp's xep_0313 plugin: once with retrieve() (all three, in order) and once with iterate()
  over pages of one message (XEP-0059 paging through the plugin's own RSM iterator), and asks for
  the archive metadata.
The script prints one STEP line per check and exits 0 only when every check held.

usage: slixmpp_archive.py --xep 0280|0313 --host 127.0.0.1 --alice-port P --bob-port P \
           --alice a@localhost --alice-password pw --bob b@localhost --bob-password pw [--timeout 60]
Exit codes: 0 passed, 1 failed, 3 slixmpp missing.
"""
import argparse
import asyncio
import ssl
import sys
import uuid

from interop_run import MECHANISM, log, run_main, slixmpp, without_channel_binding


class Client(slixmpp.ClientXMPP):
    def __init__(self, name, jid, password):
        super().__init__(jid, password, sasl_mech=MECHANISM)
        without_channel_binding(self)
        self.name = name
        self.session_started = asyncio.Event()
        self.messages = asyncio.Queue()
        self.carbons_received = asyncio.Queue()
        self.carbons_sent = asyncio.Queue()
        self.failure = None
        self.ssl_context.check_hostname = False  # c2s presents a self-signed certificate
        self.ssl_context.verify_mode = ssl.CERT_NONE
        for plugin in ("xep_0030", "xep_0059", "xep_0280", "xep_0297", "xep_0313"):
            self.register_plugin(plugin)
        self.add_event_handler("session_start", self.on_session_start)
        self.add_event_handler("failed_all_auth", lambda _: self.fail("authentication failed"))
        self.add_event_handler("connection_failed", lambda e: self.fail(f"connection failed: {e}"))
        self.add_event_handler("stream_error", lambda e: self.fail(f"stream error: {e}"))
        self.add_event_handler("message", self.on_message)
        self.add_event_handler("carbon_received", lambda m: self.carbons_received.put_nowait(m))
        self.add_event_handler("carbon_sent", lambda m: self.carbons_sent.put_nowait(m))

    def fail(self, why):
        if self.failure is None:
            self.failure = why
            log(f"{self.name}: {why}")

    async def on_session_start(self, _):
        self.send_presence()
        await self.get_roster()
        log(f"{self.name}: session started as {self.boundjid.full}")
        self.session_started.set()

    def on_message(self, msg):
        if msg["type"] in ("chat", "normal") and msg["body"]:
            self.messages.put_nowait(msg)


async def expect(queue, what, test=lambda _: True, timeout=15):
    while True:
        item = await asyncio.wait_for(queue.get(), timeout)
        if test(item):
            return item
        log(f"(skipped while waiting for {what})")


async def carbons(alice1, alice2, bob):
    await alice2.plugin["xep_0280"].enable()
    log("STEP 1 alice/two enabled carbons")
    body = f"to alice/one {uuid.uuid4().hex[:6]}"
    bob.send_message(mto=alice1.boundjid.full, mbody=body, mtype="chat")
    await expect(alice1.messages, "bob's message at alice/one", lambda m: m["body"] == body)
    carbon = await expect(alice2.carbons_received, "a received carbon",
                          lambda m: m["carbon_received"]["body"] == body)
    inner = carbon["carbon_received"]
    if inner["from"].bare != bob.boundjid.bare:
        raise RuntimeError(f"the received carbon's message is from {inner['from']}, not bob")
    log(f"STEP 2 received carbon at alice/two: '{inner['body']}' from {inner['from'].bare}")

    body = f"from alice/one {uuid.uuid4().hex[:6]}"
    alice1.send_message(mto=bob.boundjid.bare, mbody=body, mtype="chat")
    await expect(bob.messages, "alice's message at bob", lambda m: m["body"] == body)
    carbon = await expect(alice2.carbons_sent, "a sent carbon", lambda m: m["carbon_sent"]["body"] == body)
    inner = carbon["carbon_sent"]
    if inner["to"].bare != bob.boundjid.bare:
        raise RuntimeError(f"the sent carbon's message is to {inner['to']}, not bob")
    log(f"STEP 3 sent carbon at alice/two: '{inner['body']}' to {inner['to'].bare}")


async def archive(alice1, alice2, bob):
    tag = uuid.uuid4().hex[:6]
    bodies = [f"archived {i} {tag}" for i in range(1, 4)]
    for i, body in enumerate(bodies):
        sender, receiver = (alice1, bob) if i % 2 == 0 else (bob, alice1)
        sender.send_message(mto=receiver.boundjid.bare, mbody=body, mtype="chat")
        await expect(receiver.messages, f"'{body}'", lambda m, b=body: m["body"] == b)
    log("STEP 1 three messages exchanged")

    result = await alice2.plugin["xep_0313"].retrieve(with_jid=slixmpp.JID(bob.boundjid.bare), timeout=15)
    got = [m["mam_result"]["forwarded"]["stanza"]["body"] for m in result["mam"]["results"]]
    if got != bodies:
        raise RuntimeError(f"retrieve() returned {got}, expected {bodies}")
    fin = result["mam_fin"]
    log(f"STEP 2 retrieve: {len(got)} messages, complete={fin['complete']}, count={fin['rsm']['count']}")

    paged = []
    async for message in alice2.plugin["xep_0313"].iterate(with_jid=slixmpp.JID(bob.boundjid.bare), rsm={"max": 1}):
        paged.append(message["mam_result"]["forwarded"]["stanza"]["body"])
    if paged != bodies:
        raise RuntimeError(f"iterate() in pages of 1 returned {paged}, expected {bodies}")
    log(f"STEP 3 iterate in pages of one: {len(paged)} messages in order")

    metadata = await alice2.plugin["xep_0313"].get_archive_metadata(timeout=15)
    end = metadata["mam_metadata"]["end"]
    if not end["id"]:
        raise RuntimeError(f"metadata names no last message: {metadata}")
    log(f"STEP 4 metadata: last message {end['id']}")


async def run(args):
    alice1 = Client("alice/one", f"{args.alice}/one", args.alice_password)
    alice2 = Client("alice/two", f"{args.alice}/two", args.alice_password)
    bob = Client("bob", f"{args.bob}/slix", args.bob_password)
    for client, port in ((alice1, args.alice_port), (alice2, args.bob_port), (bob, args.bob_port)):
        client.connect((args.host, port))
    for client in (alice1, alice2, bob):
        await client.session_started.wait()
    try:
        await (carbons if args.xep == "0280" else archive)(alice1, alice2, bob)
    finally:
        for client in (alice1, alice2, bob):
            client.disconnect()
    failures = [c.failure for c in (alice1, alice2, bob) if c.failure]
    if failures:
        raise RuntimeError("; ".join(failures))
    log(f"PASSED XEP-{args.xep}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--xep", choices=["0280", "0313"], required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--alice-port", type=int, required=True)
    p.add_argument("--bob-port", type=int, required=True)
    p.add_argument("--alice", required=True)
    p.add_argument("--alice-password", required=True)
    p.add_argument("--bob", required=True)
    p.add_argument("--bob-password", required=True)
    p.add_argument("--timeout", type=float, default=60)
    return run_main(run, p.parse_args())


if __name__ == "__main__":
    sys.exit(main())
