#!/usr/bin/python3
"""Interop check for XEP-0077 with a client nobody here wrote: slixmpp's xep_0077 plugin
registers a new account in-band (STARTTLS, the <register/> stream feature, the form, the set),
then the same client logs in with it (SCRAM-SHA-256) and changes its password with
xep_0077's change_password; a second client then logs in with the new password.

usage: slixmpp_register.py --host 127.0.0.1 --port 5222 --jid new@localhost --password pw --new-password pw2 [--timeout 30]
Exit codes: 0 registered and logged in, 1 failed, 3 slixmpp missing.
"""
import argparse
import logging
import os
import asyncio
import ssl
import sys

from interop_run import MECHANISM, log, run_main, slixmpp, without_channel_binding


class Registrant(slixmpp.ClientXMPP):
    def __init__(self, name, jid, password, register):
        super().__init__(jid, password, sasl_mech=MECHANISM)
        without_channel_binding(self)
        self.name = name
        self.started = asyncio.Event()
        self.failure = None
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        self.register_plugin("xep_0004")
        self.register_plugin("xep_0066")
        self.register_plugin("xep_0077")
        self["xep_0077"].force_registration = False
        if register:
            self.add_event_handler("register", self.on_register)
            # slixmpp 1.8.3 holds back every stanza sent before session start except bind and
            # session iqs (XMLStream.send), its own xep_0077 registration iqs included, so they
            # would never leave; let them through until the session starts.
            self._always_send_everything = True
        self.add_event_handler("session_start", self.on_session_start)
        self.add_event_handler("failed_all_auth", lambda _: self.fail("authentication failed"))
        self.add_event_handler("stream_error", lambda e: self.fail(f"stream error: {e}"))
        self.add_event_handler("connection_failed", lambda e: self.fail(f"connection failed: {e}"))

    def fail(self, why):
        if self.failure is None:
            self.failure = why
            log(f"{self.name}: {why}")
            self.started.set()

    async def on_register(self, form):
        fields = [c.tag.split("}")[-1] for c in form["register"].xml]
        log(f"{self.name}: registration form fields {fields}")
        iq = self.Iq()
        iq["type"] = "set"
        iq["register"]["username"] = self.boundjid.user
        iq["register"]["password"] = self.password
        try:
            await iq.send()
            log(f"{self.name}: REGISTERED {self.boundjid.bare}")
        except slixmpp.exceptions.IqError as e:
            self.fail(f"registration refused: {e.iq['error']['condition']}")

    async def on_session_start(self, _):
        self._always_send_everything = False
        log(f"{self.name}: session started as {self.boundjid.full}")
        self.started.set()


async def run(args):
    first = Registrant("registrant", args.jid, args.password, register=True)
    first.connect((args.host, args.port))
    await first.started.wait()
    if first.failure:
        raise RuntimeError(first.failure)
    await first["xep_0077"].change_password(args.new_password)
    log("registrant: PASSWORD CHANGED")
    first.disconnect()

    second = Registrant("again", args.jid, args.new_password, register=False)
    second.connect((args.host, args.port))
    await second.started.wait()
    if second.failure:
        raise RuntimeError(second.failure)
    log("again: LOGGED IN WITH THE NEW PASSWORD")
    second.disconnect()


def main():
    if os.environ.get("INTEROP_DEBUG"):
        logging.basicConfig(level=logging.DEBUG, stream=sys.stdout)
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--jid", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--new-password", required=True)
    p.add_argument("--timeout", type=float, default=30)
    return run_main(run, p.parse_args())


if __name__ == "__main__":
    sys.exit(main())
