#!/usr/bin/python3
"""Interop for XEP-0060 pubsub as a service on its own domain (xmpp-pubsub, e.g. pubsub.localhost)
with a client nobody here wrote (Debian's python3-slixmpp, plugins xep_0030 and xep_0060).

alice and bob log in (one c2s each). Then, step by step:
  1. alice creates a node on the service with xep_0060 create_node (and a title in its
     configuration form); the service's disco#items (xep_0060 get_nodes) lists it;
  2. bob subscribes with xep_0060 subscribe and is 'subscribed';
  3. alice publishes an item with xep_0060 publish; bob gets the 'pubsub_publish' event with it;
  4. alice and bob retrieve it: get_item by id and get_items with max_items;
  5. alice retracts it with xep_0060 retract (notify): bob gets the 'pubsub_retract' event, and get_items is empty.
Exit 0 only if every step happened; each step prints one line (STEP ...), failures print FAIL.

usage: slixmpp_pubsub.py --host 127.0.0.1 --service pubsub.localhost --alice-port P1 --bob-port P2 \
           --alice a@localhost --alice-password pw --bob b@localhost --bob-password pw [--timeout 60]
Exit codes: 0 all steps passed, 1 a step failed, 3 slixmpp missing.
"""
import argparse
import asyncio
import ssl
import sys
import xml.etree.ElementTree as ET

from interop_run import MECHANISM, log, run_main, slixmpp, without_channel_binding
STEP_TIMEOUT = 15
NEWS = "urn:example:news"
NODE = "slixmpp-news"


class Client(slixmpp.ClientXMPP):
    def __init__(self, name, jid, password):
        super().__init__(jid, password, sasl_mech=MECHANISM)
        without_channel_binding(self)
        self.name = name
        self.register_plugin("xep_0004")
        self.register_plugin("xep_0030")
        self.register_plugin("xep_0060")
        self.ssl_context.check_hostname = False  # c2s presents a self-signed certificate
        self.ssl_context.verify_mode = ssl.CERT_NONE
        self.started = asyncio.Event()
        self.failure = None
        self.published = asyncio.Queue()
        self.retracted = asyncio.Queue()
        self.add_event_handler("session_start", self.on_session_start)
        self.add_event_handler("failed_auth", lambda _: self.fail("authentication failed"))
        self.add_event_handler("connection_failed", lambda e: self.fail(f"connection failed: {e}"))
        self.add_event_handler("pubsub_publish", lambda m: self.published.put_nowait(m))
        self.add_event_handler("pubsub_retract", lambda m: self.retracted.put_nowait(m))

    def fail(self, why):
        if self.failure is None:
            self.failure = why
            log(f"{self.name}: {why}")

    async def on_session_start(self, _):
        self.send_presence()
        log(f"{self.name}: session started as {self.boundjid.full}")
        self.started.set()


async def login(name, jid, password, host, port):
    client = Client(name, jid, password)
    client.connect((host, port))
    try:
        await asyncio.wait_for(client.started.wait(), STEP_TIMEOUT)
    except asyncio.TimeoutError:
        raise RuntimeError(f"{name} did not log in within {STEP_TIMEOUT} s: {client.failure}") from None
    return client


def entry(title):
    payload = ET.Element(f"{{{NEWS}}}entry")
    ET.SubElement(payload, f"{{{NEWS}}}title").text = title
    return payload


def title_of(item):
    payload = item["payload"]
    found = payload.find(f"{{{NEWS}}}title") if payload is not None else None
    return found.text if found is not None else None


async def run(args):
    alice = await login("alice", args.alice, args.alice_password, args.host, args.alice_port)
    bob = await login("bob", args.bob, args.bob_password, args.host, args.bob_port)
    service = args.service

    # 1. alice creates the node with a configuration form; the service lists it
    form = alice["xep_0004"].make_form(ftype="submit")
    form.add_field(var="pubsub#title", value="Slixmpp news")
    await alice["xep_0060"].create_node(service, NODE, config=form, timeout=STEP_TIMEOUT)
    nodes = await bob["xep_0060"].get_nodes(jid=service, timeout=STEP_TIMEOUT)
    listed = {(i[1], i[2]) for i in nodes["disco_items"]["items"]}
    if (NODE, "Slixmpp news") not in listed:
        raise RuntimeError(f"the service lists {listed}, not {NODE}")
    log(f"STEP 1 create: alice created {NODE}; disco#items of {service} lists it")

    # 2. bob subscribes
    result = await bob["xep_0060"].subscribe(service, NODE, timeout=STEP_TIMEOUT)
    state = result["pubsub"]["subscription"]["subscription"]
    if state != "subscribed":
        raise RuntimeError(f"bob's subscription is '{state}'")
    log(f"STEP 2 subscribe: bob is {state} as {result['pubsub']['subscription']['jid']}")

    # 3. alice publishes; bob gets the event
    answer = await alice["xep_0060"].publish(service, NODE, id="first", payload=entry("Hello from slixmpp"), timeout=STEP_TIMEOUT)
    item_id = answer["pubsub"]["publish"]["item"]["id"]
    event = await asyncio.wait_for(bob.published.get(), STEP_TIMEOUT)
    got = event["pubsub_event"]["items"]["item"]
    if event["from"] != service or got["id"] != "first" or title_of(got) != "Hello from slixmpp":
        raise RuntimeError(f"unexpected event: {event}")
    log(f"STEP 3 publish: item {item_id} published; bob got the event from {event['from']}")

    # 4. retrieval by id and by count
    one = await alice["xep_0060"].get_item(service, NODE, "first", timeout=STEP_TIMEOUT)
    by_id = title_of(one["pubsub"]["items"]["item"])
    latest = await bob["xep_0060"].get_items(service, NODE, max_items=1, timeout=STEP_TIMEOUT)
    ids = [i["id"] for i in latest["pubsub"]["items"]]
    if by_id != "Hello from slixmpp" or ids != ["first"]:
        raise RuntimeError(f"retrieved {by_id!r} by id and {ids} by max_items")
    log(f"STEP 4 items: get_item found '{by_id}', get_items max_items=1 gave {ids}")

    # 5. retract with notify
    await alice["xep_0060"].retract(service, NODE, "first", notify=True, timeout=STEP_TIMEOUT)
    retract = await asyncio.wait_for(bob.retracted.get(), STEP_TIMEOUT)
    gone = retract["pubsub_event"]["items"]["retract"]["id"]
    after = await bob["xep_0060"].get_items(service, NODE, timeout=STEP_TIMEOUT)
    left = [i["id"] for i in after["pubsub"]["items"]]
    if gone != "first" or left:
        raise RuntimeError(f"retract event for {gone!r}, items left {left}")
    log(f"STEP 5 retract: bob was told '{gone}' is gone; the node holds no items")

    for client in (alice, bob):
        client.disconnect()
    await asyncio.sleep(0.3)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--service", required=True)
    p.add_argument("--alice-port", type=int, required=True)
    p.add_argument("--bob-port", type=int, required=True)
    for who in ("alice", "bob"):
        p.add_argument(f"--{who}", required=True)
        p.add_argument(f"--{who}-password", required=True)
    p.add_argument("--timeout", type=float, default=90)
    return run_main(run, p.parse_args())


if __name__ == "__main__":
    sys.exit(main())
