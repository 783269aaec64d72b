#!/usr/bin/python3
"""Interop for the profile XEPs with a client nobody here wrote (Debian's python3-slixmpp plugins).

alice and bob log in (STARTTLS, SCRAM-SHA-256), on two c2s instances, then one XEP is exercised
through slixmpp's own plugin (--xep):
  0054  xep_0054: alice publishes a vCard; bob fetches it from her bare JID, alice fetches her own.
  0191  xep_0191: alice and bob subscribe to each other; alice blocks bob (her second resource
        gets the 'blocked' push), bob's message gets service-unavailable, alice's message to bob
        gets not-acceptable; the blocklist names bob; alice unblocks him and messages flow again.
  0049  xep_0049 (through xep_0048 bookmarks): alice stores bookmarks, a second resource reads them.
  0352  xep_0352: the server offers CSI; alice goes inactive, bob changes presence twice; after
        alice goes active she has exactly the latest of the two.
Each step prints one line (STEP ...); failures print FAIL. Exit 0 only if every step happened.

usage: slixmpp_profile.py --xep 0054 --host 127.0.0.1 --alice-port P1 --bob-port P2 \
           --alice a@localhost --alice-password pw --bob b@localhost --bob-password pw [--timeout 60]
Exit codes: 0 all steps passed, 1 a step failed, 3 slixmpp missing.
"""
import argparse
import asyncio
import ssl
import sys
import uuid

from interop_run import MECHANISM, log, run_main, slixmpp, without_channel_binding
from slixmpp.exceptions import IqError
STEP_TIMEOUT = 15


class Client(slixmpp.ClientXMPP):
    def __init__(self, name, jid, password):
        super().__init__(jid, password, sasl_mech=MECHANISM)
        without_channel_binding(self)
        self.name = name
        for plugin in ("xep_0030", "xep_0054", "xep_0191", "xep_0049", "xep_0048", "xep_0352", "xep_0199"):
            self.register_plugin(plugin)
        self.auto_authorize = True
        self.auto_subscribe = True
        self.ssl_context.check_hostname = False  # c2s presents a self-signed certificate
        self.ssl_context.verify_mode = ssl.CERT_NONE
        self.started = asyncio.Event()
        self.failure = None
        self.csi = False
        self.presences = asyncio.Queue()
        self.messages = asyncio.Queue()
        self.pushes = asyncio.Queue()
        self.add_event_handler("session_start", self.on_session_start)
        self.add_event_handler("csi_enabled", self.on_csi)
        self.add_event_handler("failed_auth", lambda _: self.fail("authentication failed"))
        self.add_event_handler("stream_error", lambda e: self.fail(f"stream error: {e}"))
        self.add_event_handler("presence", self.on_presence)
        self.add_event_handler("message", lambda m: self.messages.put_nowait(m))
        self.add_event_handler("blocked", lambda iq: self.pushes.put_nowait(("blocked", iq)))
        self.add_event_handler("unblocked", lambda iq: self.pushes.put_nowait(("unblocked", iq)))

    def fail(self, why):
        if self.failure is None:
            self.failure = why
            log(f"{self.name}: {why}")

    def on_csi(self, _):
        self.csi = True

    async def on_session_start(self, _):
        await self.get_roster()
        self.send_presence()
        self.started.set()

    def on_presence(self, presence):
        if presence["type"] not in ("subscribe", "subscribed", "unsubscribe", "unsubscribed", "probe", "error"):
            self.presences.put_nowait(presence)


async def expect(queue, match, what):
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


async def login(name, jid, password, host, port, resource=None):
    client = Client(name, jid + ("/" + resource if resource else ""), password)
    client.connect((host, port))
    try:
        await asyncio.wait_for(client.started.wait(), STEP_TIMEOUT)
    except asyncio.TimeoutError:
        raise RuntimeError(f"{name} did not log in within {STEP_TIMEOUT} s: {client.failure}") from None
    return client


async def error_of(coroutine):
    """The stanza error condition of an iq that should fail."""
    try:
        await coroutine
    except IqError as e:
        return e.iq["error"]["condition"]
    raise RuntimeError("the request succeeded where an error was expected")


async def mutual(alice, bob):
    alice.send_presence_subscription(pto=bob.boundjid.bare)
    await until(lambda: alice.client_roster[bob.boundjid.bare]["subscription"] == "both"
                and bob.client_roster[alice.boundjid.bare]["subscription"] == "both", "a mutual subscription")


async def xep0054(args, alice, bob):
    vcard = alice["xep_0054"].make_vcard()
    vcard["FN"] = "Alice Liddell"
    vcard["NICKNAME"] = "alice-" + uuid.uuid4().hex[:6]
    await alice["xep_0054"].publish_vcard(vcard)
    log("STEP 1 alice published her vCard")
    got = await bob["xep_0054"].get_vcard(alice.boundjid.bare, local=False)
    if got["vcard_temp"]["NICKNAME"] != vcard["NICKNAME"] or got["vcard_temp"]["FN"] != "Alice Liddell":
        raise RuntimeError(f"bob got another vCard: {got}")
    log(f"STEP 2 bob fetched alice's vCard: FN={got['vcard_temp']['FN']} NICKNAME={got['vcard_temp']['NICKNAME']}")
    own = await alice["xep_0054"].get_vcard(alice.boundjid.bare, local=False)
    if own["vcard_temp"]["NICKNAME"] != vcard["NICKNAME"]:
        raise RuntimeError(f"alice got another vCard: {own}")
    log("STEP 3 alice fetched her own vCard")


async def xep0191(args, alice, bob):
    await mutual(alice, bob)
    second = await login("alice2", args.alice, args.alice_password, args.host, args.bob_port, "second")
    await second["xep_0191"].get_blocked()  # an interested resource: it gets the pushes
    b = bob.boundjid.bare
    await alice["xep_0191"].block(b)
    kind, push = await expect(second.pushes, lambda p: p[0] == "blocked", "the block push at alice's second resource")
    if b not in {str(j) for j in push["block"]["items"]}:
        raise RuntimeError(f"the push does not name bob: {push}")
    await expect(bob.presences, lambda p: p["from"].bare == alice.boundjid.bare and p["type"] == "unavailable", "alice's unavailable at bob")
    log("STEP 1 alice blocked bob: her other resource got the push, bob saw her go offline")

    bob.send_message(mto=alice.boundjid.bare, mbody="let me in", mtype="chat")
    bounce = await expect(bob.messages, lambda m: m["type"] == "error", "the error for bob's message")
    if bounce["error"]["condition"] != "service-unavailable":
        raise RuntimeError(f"bob's message got {bounce['error']['condition']}")
    alice.send_message(mto=b, mbody="go away", mtype="chat")
    refused = await expect(alice.messages, lambda m: m["type"] == "error", "the error for alice's message")
    if refused["error"]["condition"] != "not-acceptable" or refused.xml.find(".//{urn:xmpp:blocking:errors}blocked") is None:
        raise RuntimeError(f"alice's message got {refused}")
    log("STEP 2 bob's message got service-unavailable, alice's got not-acceptable with <blocked/>")

    listed = await alice["xep_0191"].get_blocked()
    if {str(j) for j in listed["blocklist"]["items"]} != {b}:
        raise RuntimeError(f"the blocklist is {listed['blocklist']['items']}")
    await alice["xep_0191"].unblock(b)
    await expect(second.pushes, lambda p: p[0] == "unblocked", "the unblock push")
    await expect(bob.presences, lambda p: p["from"].bare == alice.boundjid.bare and p["type"] != "unavailable", "alice's presence at bob after the unblock")
    body = "welcome back " + uuid.uuid4().hex[:6]
    bob.send_message(mto=alice.boundjid.bare, mbody=body, mtype="chat")
    await expect(alice.messages, lambda m: m["body"] == body, "bob's message after the unblock")
    log("STEP 3 the blocklist named bob; after unblocking he saw her presence and his message arrived")
    second.disconnect()


async def xep0049(args, alice, bob):
    from slixmpp.plugins.xep_0048 import Bookmarks
    bookmarks = Bookmarks()
    room = f"room-{uuid.uuid4().hex[:6]}@conference.localhost"
    bookmarks.add_conference(room, "alice", name="Tea party", autojoin=False)
    await alice["xep_0048"].set_bookmarks(bookmarks, method="xep_0049")
    log("STEP 1 alice stored bookmarks in private storage")
    second = await login("alice2", args.alice, args.alice_password, args.host, args.bob_port, "second")
    got = await second["xep_0048"].get_bookmarks(method="xep_0049")
    rooms = [str(c["jid"]) for c in got["private"]["bookmarks"]["conferences"]]
    if rooms != [room]:
        raise RuntimeError(f"the second resource read {rooms}")
    log(f"STEP 2 her second resource read them back: {rooms[0]}")
    foreign = bob.make_iq_get(ito=alice.boundjid.bare)
    foreign["private"].enable("bookmarks")
    condition = await error_of(foreign.send())
    if condition != "forbidden":
        raise RuntimeError(f"bob reading alice's private storage got {condition}, expected forbidden")
    log("STEP 3 bob reading her private storage got forbidden")
    second.disconnect()


async def xep0352(args, alice, bob):
    if not alice.csi:
        raise RuntimeError("the server did not offer CSI (no csi_enabled)")
    await mutual(alice, bob)
    await expect(alice.presences, lambda p: p["from"] == bob.boundjid and p["type"] != "unavailable", "bob's presence at alice")
    alice["xep_0352"].send_inactive()
    await alice["xep_0199"].ping(alice.boundjid.domain)  # the server has read the nonza
    while not alice.presences.empty():
        alice.presences.get_nowait()
    bob.send_presence(pshow="away")
    bob.send_presence(pshow="dnd")
    await bob["xep_0199"].ping(bob.boundjid.domain)  # sm has sent both to alice's c2s
    alice["xep_0352"].send_active()
    await alice["xep_0199"].ping(alice.boundjid.domain)  # the held presence came before this answer
    shows = []
    while not alice.presences.empty():
        p = alice.presences.get_nowait()
        if p["from"] == bob.boundjid:
            shows.append(p["show"])
    if shows != ["dnd"]:
        raise RuntimeError(f"after <active/> alice had bob's presences {shows}, expected only the latest ['dnd']")
    log("STEP 1 CSI offered; while alice was inactive bob's two presence changes were held, and <active/> brought only the latest (dnd)")


STEPS = {"0054": xep0054, "0191": xep0191, "0049": xep0049, "0352": xep0352}


async def run(args):
    alice = await login("alice", args.alice, args.alice_password, args.host, args.alice_port)
    bob = await login("bob", args.bob, args.bob_password, args.host, args.bob_port)
    await STEPS[args.xep](args, alice, bob)
    alice.disconnect()
    bob.disconnect()
    await asyncio.sleep(0.3)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--xep", choices=sorted(STEPS), required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--alice-port", type=int, required=True)
    p.add_argument("--bob-port", type=int, required=True)
    for who in ("alice", "bob"):
        p.add_argument(f"--{who}", required=True)
        p.add_argument(f"--{who}-password", required=True)
    p.add_argument("--timeout", type=float, default=90)
    return run_main(run, p.parse_args())


if __name__ == "__main__":
    sys.exit(main())
