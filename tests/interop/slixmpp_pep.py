#!/usr/bin/python3
"""Interop for XEP-0163 PEP (with XEP-0115 caps and XEP-0084 avatars) with a client nobody here
wrote (Debian's python3-slixmpp, plugins xep_0163, xep_0060, xep_0084, xep_0115).

alice and bob log in (one c2s each) with the xep_0084 plugin, which announces
'urn:xmpp:avatar:metadata+notify' in their caps (XEP-0115, answered by slixmpp when the server asks).
carol logs in without it: her caps do not ask. Then, step by step:
  1. alice and bob subscribe to each other (slixmpp's automatic answers); carol and bob too;
  2. alice publishes an avatar with xep_0084 (data, then metadata) through xep_0163;
     bob receives the metadata notification ('avatar_metadata_publish');
  3. bob retrieves the avatar data with xep_0084 (xep_0060 get_item) and finds alice's bytes;
  4. alice reads her own metadata node with xep_0060 get_items;
  5. carol (subscribed to bob, no +notify in her caps) got no notification of bob's avatar,
     which bob publishes while she is online.
Exit 0 only if every step happened; each step prints one line (STEP ...), failures print FAIL.

usage: slixmpp_pep.py --host 127.0.0.1 --alice-port P1 --bob-port P2 --carol-port P1 \
           --alice a@localhost --alice-password pw --bob b@localhost --bob-password pw \
           --carol c@localhost --carol-password pw [--timeout 60]
Exit codes: 0 all steps passed, 1 a step failed, 3 slixmpp missing.
"""
import argparse
import asyncio
import hashlib
import ssl
import sys

from interop_run import MECHANISM, log, run_main, slixmpp, without_channel_binding
STEP_TIMEOUT = 15
METADATA = "urn:xmpp:avatar:metadata"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201ab1c9d680000000049454e44ae426082")


class Client(slixmpp.ClientXMPP):
    def __init__(self, name, jid, password, avatars):
        super().__init__(jid, password, sasl_mech=MECHANISM)
        without_channel_binding(self)
        self.name = name
        self.register_plugin("xep_0030")
        self.register_plugin("xep_0115")
        self.register_plugin("xep_0060")
        self.register_plugin("xep_0163")
        if avatars:
            self.register_plugin("xep_0084")  # announces urn:xmpp:avatar:metadata+notify
        self.auto_authorize = True
        self.auto_subscribe = True
        self.ssl_context.check_hostname = False  # c2s presents a self-signed certificate
        self.ssl_context.verify_mode = ssl.CERT_NONE
        self.started = asyncio.Event()
        self.failure = None
        self.metadata = asyncio.Queue()
        self.events = []
        self.add_event_handler("session_start", self.on_session_start)
        self.add_event_handler("failed_auth", lambda _: self.fail("authentication failed"))
        self.add_event_handler("connection_failed", lambda e: self.fail(f"connection failed: {e}"))
        self.add_event_handler("avatar_metadata_publish", lambda m: self.metadata.put_nowait(m))
        self.add_event_handler("pubsub_publish", lambda m: self.events.append(m))

    def fail(self, why):
        if self.failure is None:
            self.failure = why
            log(f"{self.name}: {why}")

    async def on_session_start(self, _):
        await self.get_roster()
        await asyncio.sleep(0)  # let xep_0163's caps update (scheduled at bind) run first
        await self['xep_0115'].update_caps()
        self.send_presence()
        log(f"{self.name}: session started as {self.boundjid.full}")
        self.started.set()

    def subscription(self, contact):
        return self.client_roster[contact]["subscription"]


async def until(condition, what):
    for _ in range(STEP_TIMEOUT * 10):
        if condition():
            return
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{what} did not happen within {STEP_TIMEOUT} s")


async def login(name, jid, password, host, port, avatars=True):
    client = Client(name, jid, password, avatars)
    client.connect((host, port))
    try:
        await asyncio.wait_for(client.started.wait(), STEP_TIMEOUT)
    except asyncio.TimeoutError:
        raise RuntimeError(f"{name} did not log in within {STEP_TIMEOUT} s: {client.failure}") from None
    return client


async def publish_avatar(client):
    await client["xep_0084"].publish_avatar(PNG, timeout=STEP_TIMEOUT)
    avatar_id = hashlib.sha1(PNG).hexdigest()
    await client["xep_0084"].publish_avatar_metadata(
        [{"id": avatar_id, "type": "image/png", "bytes": str(len(PNG)), "height": "1", "width": "1"}], timeout=STEP_TIMEOUT)
    return avatar_id


async def run(args):
    alice = await login("alice", args.alice, args.alice_password, args.host, args.alice_port)
    bob = await login("bob", args.bob, args.bob_password, args.host, args.bob_port)
    carol = await login("carol", args.carol, args.carol_password, args.host, args.carol_port, avatars=False)
    a, b, c = alice.boundjid.bare, bob.boundjid.bare, carol.boundjid.bare

    # 1. mutual subscriptions (slixmpp answers and subscribes back by itself)
    alice.send_presence_subscription(pto=b)
    carol.send_presence_subscription(pto=b)
    await until(lambda: alice.subscription(b) == "both" and bob.subscription(a) == "both"
                and carol.subscription(b) == "both" and bob.subscription(c) == "both", "both rosters saying 'both'")
    log(f"STEP 1 subscriptions: alice-bob {alice.subscription(b)}, carol-bob {carol.subscription(b)}")

    # 2. alice publishes her avatar; bob gets the metadata notification
    avatar_id = await publish_avatar(alice)
    async def metadata_from(client, owner):
        while True:
            msg = await client.metadata.get()
            if msg["from"].bare == owner:
                return msg
    msg = await asyncio.wait_for(metadata_from(bob, a), STEP_TIMEOUT)
    item = msg["pubsub_event"]["items"]["item"]
    info = item["avatar_metadata"]["items"][0]
    if item["id"] != avatar_id or info["id"] != avatar_id or int(info["bytes"]) != len(PNG):
        raise RuntimeError(f"unexpected metadata notification: {msg}")
    log(f"STEP 2 notification: bob got alice's avatar metadata {avatar_id} ({info['type']}, {info['bytes']} bytes)")

    # 3. bob fetches the data
    result = await bob["xep_0084"].retrieve_avatar(a, avatar_id, timeout=STEP_TIMEOUT)
    data = result["pubsub"]["items"]["item"]["avatar_data"]["value"]
    if data != PNG:
        raise RuntimeError(f"the avatar data differs: {data!r}")
    log(f"STEP 3 data: bob retrieved alice's {len(data)} avatar bytes")

    # 4. alice reads her own node
    own = await alice["xep_0060"].get_items(None, METADATA, timeout=STEP_TIMEOUT)
    ids = [i["id"] for i in own["pubsub"]["items"]]
    if ids != [avatar_id]:
        raise RuntimeError(f"alice's metadata node holds {ids}")
    log(f"STEP 4 items: alice's metadata node holds {ids}")

    # 5. carol's caps do not ask for avatar metadata: bob's avatar reaches alice, not carol
    bob_avatar = await publish_avatar(bob)
    await asyncio.wait_for(metadata_from(alice, b), STEP_TIMEOUT)
    await carol["xep_0030"].get_info(jid=c, timeout=STEP_TIMEOUT)  # a round trip through sm after bob's publish was handled
    got = [m for m in carol.events if m["from"].bare == b]
    if got:
        raise RuntimeError(f"carol got notifications she did not ask for: {got}")
    log(f"STEP 5 filtered: alice got bob's avatar {bob_avatar}, carol (no +notify) got nothing")

    for client in (alice, bob, carol):
        client.disconnect()
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
