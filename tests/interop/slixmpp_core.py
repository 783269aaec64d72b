#!/usr/bin/python3
"""Interop for issue 19's server and account queries with a client nobody here wrote (Debian's
python3-slixmpp, its own plugins): alice logs in on one c2s, bob on another (STARTTLS,
SCRAM-SHA-256, no subscription between them). Then, step by step:
  1. XEP-0030 disco#info of the server: identity server/im and the features below; disco#items answers;
  2. XEP-0030 disco#info of alice's own account (to her bare JID): identity account/registered;
  3. XEP-0199 ping to the server and to her own bare JID, each answered with a result;
  4. XEP-0092 version of the server: a name and a version, no os; XEP-0202 time: UTC now, offset 0;
  5. XEP-0012 last activity: the server's uptime; bob's, asked by alice who is not his contact: forbidden.
Exit 0 only if every step happened; each step prints one line (STEP ...), failures print FAIL.

usage: slixmpp_core.py --host 127.0.0.1 --alice-port P1 --bob-port P2 --domain localhost \
           --alice a@localhost --alice-password pw --bob b@localhost --bob-password pw [--timeout 60]
Exit codes: 0 all steps passed, 1 a step failed, 3 slixmpp missing.
"""
import argparse
import asyncio
import datetime
import ssl
import sys

from interop_run import MECHANISM, log, run_main, slixmpp, without_channel_binding
from slixmpp.exceptions import IqError

SERVER_FEATURES = ["http://jabber.org/protocol/disco#info", "http://jabber.org/protocol/disco#items",
                   "urn:xmpp:ping", "jabber:iq:version", "urn:xmpp:time", "jabber:iq:last"]


class Client(slixmpp.ClientXMPP):
    def __init__(self, name, jid, password):
        super().__init__(jid, password, sasl_mech=MECHANISM)
        without_channel_binding(self)
        self.name = name
        for plugin in ("xep_0030", "xep_0199", "xep_0092", "xep_0202", "xep_0012"):
            self.register_plugin(plugin)
        self.ssl_context.check_hostname = False  # c2s presents a self-signed certificate
        self.ssl_context.verify_mode = ssl.CERT_NONE
        self.started = asyncio.Event()
        self.failure = None
        self.add_event_handler("session_start", self.on_session_start)
        self.add_event_handler("failed_auth", lambda _: self.fail("authentication failed"))
        self.add_event_handler("connection_failed", lambda e: self.fail(f"connection failed: {e}"))

    def fail(self, why):
        if self.failure is None:
            self.failure = why
            log(f"{self.name}: {why}")

    async def on_session_start(self, _):
        self.send_presence()
        self.started.set()


async def login(name, jid, password, host, port):
    client = Client(name, jid, password)
    client.connect((host, port))
    await asyncio.wait_for(client.started.wait(), 20)
    if client.failure:
        raise RuntimeError(client.failure)
    return client


def check(condition, what):
    if not condition:
        raise RuntimeError(what)


async def error_of(request):
    try:
        await request
    except IqError as e:
        return e.iq["error"]["condition"]
    return None


async def run(args):
    alice = await login("alice", args.alice, args.alice_password, args.host, args.alice_port)
    bob = await login("bob", args.bob, args.bob_password, args.host, args.bob_port)
    domain = args.domain
    try:
        info = (await alice["xep_0030"].get_info(jid=domain, local=False))["disco_info"]
        identities = {(i[0], i[1]) for i in info["identities"]}
        check(("server", "im") in identities, f"server identities {identities}")
        missing = [f for f in SERVER_FEATURES if f not in info["features"]]
        check(not missing, f"server features missing: {missing}")
        await alice["xep_0030"].get_items(jid=domain, local=False)
        log(f"STEP 1 server disco: {sorted(identities)} with {len(info['features'])} features")

        own = (await alice["xep_0030"].get_info(jid=alice.boundjid.bare, local=False))["disco_info"]
        own_identities = {(i[0], i[1]) for i in own["identities"]}
        check(("account", "registered") in own_identities and not any(c == "server" for c, _ in own_identities),
              f"account identities {own_identities}")
        log("STEP 2 account disco: account/registered")

        for target in (domain, alice.boundjid.bare):
            result = await alice["xep_0199"].send_ping(target)
            check(result["type"] == "result", f"ping {target}: {result}")
        log("STEP 3 ping: server and own account answered")

        version = (await alice["xep_0092"].get_version(domain))["software_version"]
        check(version["name"] and version["version"] and not version["os"], f"version {version}")
        entity_time = (await alice["xep_0202"].get_entity_time(domain))["entity_time"]
        # slixmpp 1.8's EntityTime cannot read XEP-0202 answers (get_utc appends a second 'Z',
        # get_tzo parses "00:00:00+00:00" as a datetime; its own answers fail the same way), so the
        # texts are read here, as XEP-0202 and XEP-0082 write them
        utc_text = entity_time.xml.find("{urn:xmpp:time}utc").text
        tzo_text = entity_time.xml.find("{urn:xmpp:time}tzo").text
        utc = datetime.datetime.strptime(utc_text.replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S.%f%z")
        skew = abs((utc - datetime.datetime.now(datetime.timezone.utc)).total_seconds())
        check(skew < 30 and tzo_text in ("+00:00", "Z"), f"time {entity_time}")
        log(f"STEP 4 version and time: {version['name']} {version['version']}, skew {skew:.1f} s")

        uptime = (await alice["xep_0012"].get_last_activity(domain))["last_activity"]["seconds"]
        check(uptime >= 0, f"uptime {uptime}")
        condition = await error_of(alice["xep_0012"].get_last_activity(bob.boundjid.bare))
        check(condition == "forbidden", f"bob's last activity for a stranger: {condition}")
        log(f"STEP 5 last activity: uptime {uptime} s, a stranger is forbidden")
    finally:
        for client in (alice, bob):
            client.disconnect()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--alice-port", type=int, required=True)
    parser.add_argument("--bob-port", type=int, required=True)
    parser.add_argument("--domain", default="localhost")
    parser.add_argument("--alice", required=True)
    parser.add_argument("--alice-password", required=True)
    parser.add_argument("--bob", required=True)
    parser.add_argument("--bob-password", required=True)
    parser.add_argument("--timeout", type=float, default=60)
    sys.exit(run_main(run, parser.parse_args()))


if __name__ == "__main__":
    main()
