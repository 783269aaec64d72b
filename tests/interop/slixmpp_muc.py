#!/usr/bin/python3
"""Interop check with a client nobody here wrote: slixmpp's XEP-0045 plugin in a room of our muc.

Two clients log in (STARTTLS, SCRAM-SHA-256), the owner on one c2s and the guest on another:
1. the owner enters a new room with join_muc_wait() (status 201: created, locked), reads the
   configuration form with get_room_config(), names the room and submits it with set_room_config();
2. the owner invites the guest with invite() (a mediated invitation), and the guest gets it as a
   groupchat_invite event from the room (slixmpp ignores invitations to rooms it is in);
3. the guest enters with join_muc_wait() and sees the owner among the occupants;
4. both send a groupchat message and each gets the other's as a groupchat_message event from the
   sender's occupant JID, carrying a XEP-0421 occupant id (slixmpp's xep_0421 plugin);
5. the guest pings its own occupant JID (XEP-0410) with xep_0199's ping();
6. the owner takes the guest's voice with set_role(visitor), the guest's groupchat is refused;
7. the guest reads the room's archive with xep_0313's retrieve() at the room's JID.
The script prints one STEP line per check and exits 0 only when every check held.

usage: slixmpp_muc.py --host 127.0.0.1 --owner-port P --guest-port P --room room@conference.localhost \
           --owner a@localhost --owner-password pw --guest b@localhost --guest-password pw [--timeout 60]
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
        self.groupchat = asyncio.Queue()
        self.invites = asyncio.Queue()
        self.errors = asyncio.Queue()
        self.failure = None
        self.ssl_context.check_hostname = False  # c2s presents a self-signed certificate
        self.ssl_context.verify_mode = ssl.CERT_NONE
        for plugin in ("xep_0004", "xep_0030", "xep_0045", "xep_0059", "xep_0199", "xep_0297", "xep_0313", "xep_0421"):
            self.register_plugin(plugin)
        self.add_event_handler("session_start", self.on_session_start)
        self.add_event_handler("failed_all_auth", lambda _: self.fail("authentication failed"))
        self.add_event_handler("connection_failed", lambda e: self.fail(f"connection failed: {e}"))
        self.add_event_handler("stream_error", lambda e: self.fail(f"stream error: {e}"))
        self.add_event_handler("groupchat_message", lambda m: self.groupchat.put_nowait(m))
        self.add_event_handler("groupchat_invite", lambda m: self.invites.put_nowait(m))
        self.add_event_handler("message_error", lambda m: self.errors.put_nowait(m))

    def fail(self, why):
        if self.failure is None:
            self.failure = why
            log(f"{self.name}: {why}")

    async def on_session_start(self, _):
        self.send_presence()
        log(f"{self.name}: session started as {self.boundjid.full}")
        self.session_started.set()


async def expect(queue, what, test=lambda _: True, timeout=15):
    while True:
        item = await asyncio.wait_for(queue.get(), timeout)
        if test(item):
            return item
        log(f"(skipped while waiting for {what})")


async def muc(owner, guest, room):
    room = slixmpp.JID(room)
    muc_o, muc_g = owner.plugin["xep_0045"], guest.plugin["xep_0045"]

    presence, _, _, _ = await muc_o.join_muc_wait(room, "owner", maxstanzas=0, timeout=15)
    codes = {int(s) for s in presence["muc"]["status_codes"]}
    if 110 not in codes or 201 not in codes:
        raise RuntimeError(f"the owner's own presence has status codes {sorted(codes)}, expected 110 and 201")
    form = await muc_o.get_room_config(room, timeout=15)
    fields = form.get_fields()
    if "muc#roomconfig_roomname" not in fields or "muc#roomconfig_persistentroom" not in fields:
        raise RuntimeError(f"the configuration form lacks fields: {sorted(fields)}")
    form.set_values({"muc#roomconfig_roomname": "Interop room", "muc#roomconfig_persistentroom": True})
    await muc_o.set_room_config(room, form, timeout=15)
    log(f"STEP 1 owner created {room} (codes {sorted(codes)}) and configured it with a {len(fields)}-field form")

    muc_o.invite(room, guest.boundjid.bare, reason="join us")
    invite = await expect(guest.invites, "the invitation")
    if invite["from"].bare != room.bare:
        raise RuntimeError(f"the invitation came from {invite['from']}, not the room")
    log(f"STEP 2 mediated invitation from {invite['from']}: '{invite['muc']['invite']['reason']}'")

    _, _, occupants, _ = await muc_g.join_muc_wait(room, "guest", maxstanzas=0, timeout=15)
    nicks = [p["from"].resource for p in occupants]
    if "owner" not in nicks:
        raise RuntimeError(f"the guest saw occupants {nicks}, not the owner")
    log(f"STEP 3 guest entered and saw {nicks}")

    tag = uuid.uuid4().hex[:6]
    for sender, receiver, nick in ((owner, guest, "owner"), (guest, owner, "guest")):
        body = f"hello from {nick} {tag}"
        sender.send_message(mto=room, mbody=body, mtype="groupchat")
        msg = await expect(receiver.groupchat, f"'{body}'", lambda m, b=body: m["body"] == b)
        if msg["from"] != slixmpp.JID(f"{room}/{nick}"):
            raise RuntimeError(f"'{body}' came from {msg['from']}, not {room}/{nick}")
        if not msg["occupant-id"]["id"]:
            raise RuntimeError(f"'{body}' carries no occupant id")
    log(f"STEP 4 groupchat both ways, from the occupant JIDs, with occupant ids")

    rtt = await guest.plugin["xep_0199"].ping(slixmpp.JID(f"{room}/guest"), timeout=15)
    log(f"STEP 5 self-ping answered in {rtt:.3f} s")

    await muc_o.set_role(room, "guest", "visitor", timeout=15)
    guest.send_message(mto=room, mbody="may I?", mtype="groupchat")
    error = await expect(guest.errors, "the refusal of a visitor's message")
    if error["error"]["condition"] != "forbidden":
        raise RuntimeError(f"a visitor's message got {error['error']['condition']}, not forbidden")
    log("STEP 6 voice taken: the guest's message is forbidden")

    result = await guest.plugin["xep_0313"].retrieve(jid=room, timeout=15)
    got = [m["mam_result"]["forwarded"]["stanza"]["body"] for m in result["mam"]["results"]]
    expected = [f"hello from owner {tag}", f"hello from guest {tag}"]
    if got != expected:
        raise RuntimeError(f"the room's archive returned {got}, expected {expected}")
    log(f"STEP 7 the room's archive: {len(got)} messages in order")


async def run(args):
    owner = Client("owner", f"{args.owner}/slix", args.owner_password)
    guest = Client("guest", f"{args.guest}/slix", args.guest_password)
    owner.connect((args.host, args.owner_port))
    guest.connect((args.host, args.guest_port))
    for client in (owner, guest):
        await client.session_started.wait()
    try:
        await muc(owner, guest, args.room)
    finally:
        for client in (owner, guest):
            client.disconnect()
    failures = [c.failure for c in (owner, guest) if c.failure]
    if failures:
        raise RuntimeError("; ".join(failures))
    log("PASSED XEP-0045")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--owner-port", type=int, required=True)
    p.add_argument("--guest-port", type=int, required=True)
    p.add_argument("--room", required=True)
    p.add_argument("--owner", required=True)
    p.add_argument("--owner-password", required=True)
    p.add_argument("--guest", required=True)
    p.add_argument("--guest-password", required=True)
    p.add_argument("--timeout", type=float, default=60)
    return run_main(run, p.parse_args())


if __name__ == "__main__":
    sys.exit(main())
