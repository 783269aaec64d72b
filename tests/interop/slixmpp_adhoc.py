#!/usr/bin/python3
"""Interop check for XEP-0050/XEP-0133 with a client nobody here wrote: an admin logs in with
slixmpp, lists the server's commands with xep_0050's get_commands, and runs
http://jabber.org/protocol/admin#get-online-users-num with send_command (execute, then complete
with the filled form); a non-admin's send_command of the same command must come back <forbidden/>.

usage: slixmpp_adhoc.py --host 127.0.0.1 --port 5222 --admin a@localhost --admin-password pw
           --user u@localhost --user-password pw [--timeout 30]
Exit codes: 0 as expected, 1 failed, 3 slixmpp missing.
"""
import argparse
import asyncio
import ssl
import sys

from interop_run import MECHANISM, log, run_main, slixmpp, without_channel_binding

NODE = "http://jabber.org/protocol/admin#get-online-users-num"


class Client(slixmpp.ClientXMPP):
    def __init__(self, name, jid, password):
        super().__init__(jid, password, sasl_mech=MECHANISM)
        without_channel_binding(self)
        self.name = name
        self.started = asyncio.Event()
        self.failure = None
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        self.register_plugin("xep_0030")
        self.register_plugin("xep_0004")
        self.register_plugin("xep_0050")
        self.add_event_handler("session_start", self.on_session_start)
        self.add_event_handler("failed_all_auth", lambda _: self.fail("authentication failed"))
        self.add_event_handler("connection_failed", lambda e: self.fail(f"connection failed: {e}"))

    def fail(self, why):
        if self.failure is None:
            self.failure = why
            log(f"{self.name}: {why}")
            self.started.set()

    async def on_session_start(self, _):
        self.send_presence()
        log(f"{self.name}: session started as {self.boundjid.full}")
        self.started.set()


async def login(name, jid, password, args):
    client = Client(name, jid, password)
    client.connect((args.host, args.port))
    await client.started.wait()
    if client.failure:
        raise RuntimeError(client.failure)
    return client


async def run(args):
    server = slixmpp.JID(args.admin).domain
    admin = await login("admin", args.admin, args.admin_password, args)
    items = await admin["xep_0050"].get_commands(jid=server)
    nodes = [item[1] for item in items["disco_items"]["items"]]
    log(f"admin: COMMANDS {' '.join(sorted(nodes))}")
    if NODE not in nodes:
        raise RuntimeError(f"{NODE} not listed")

    started = await admin["xep_0050"].send_command(server, NODE, action="execute")
    command = started["command"]
    log(f"admin: {command['status']} session {command['sessionid']}")
    form = command["form"]
    form["type"] = "submit"
    done = await admin["xep_0050"].send_command(server, NODE, action="complete", sessionid=command["sessionid"], payload=form)
    result = done["command"]
    values = result["form"].get_values()
    log(f"admin: {result['status']} ONLINE {values.get('onlineusersnum')}")
    if result["status"] != "completed":
        raise RuntimeError(f"status {result['status']}")

    user = await login("user", args.user, args.user_password, args)
    user_items = await user["xep_0050"].get_commands(jid=server)
    log(f"user: {len(user_items['disco_items']['items'])} commands listed")
    try:
        await user["xep_0050"].send_command(server, NODE, action="execute")
        raise RuntimeError("a non-admin ran an admin command")
    except slixmpp.exceptions.IqError as e:
        log(f"user: REFUSED {e.iq['error']['condition']}")
    admin.disconnect()
    user.disconnect()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--admin", required=True)
    p.add_argument("--admin-password", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--user-password", required=True)
    p.add_argument("--timeout", type=float, default=30)
    return run_main(run, p.parse_args())


if __name__ == "__main__":
    sys.exit(main())
