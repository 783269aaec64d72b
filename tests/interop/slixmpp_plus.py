#!/usr/bin/python3
"""Interop check of SCRAM-*-PLUS with a client nobody here wrote: slixmpp picks its own mechanism.

One slixmpp client logs in with nothing pinned but the TLS version, over STARTTLS or, with
--direct-tls, over direct TLS (XEP-0368: TLS from the first byte, ALPN xmpp-client, SNI), and
prints the mechanism it authenticated with. slixmpp 1.8.3 prefers the -PLUS mechanisms and binds
with tls-unique, which c2s offers on TLS 1.2; the script exits 0 only when the session started
with the mechanism given by --expect.

usage: slixmpp_plus.py --port 5222 --jid alice@localhost --password pw --tls-version 1.2
           --expect SCRAM-SHA-256-PLUS [--direct-tls] [--timeout 30]
Exit codes: 0 logged in with the expected mechanism, 1 failed, 3 slixmpp missing.
"""
import argparse
import asyncio
import ssl
import sys

from interop_run import log, run_main, slixmpp


class Client(slixmpp.ClientXMPP):
    def __init__(self, jid, password, tls_version, direct_tls):
        super().__init__(jid, password)  # no sasl_mech: slixmpp chooses
        self.session_started = asyncio.Event()
        self.failure = None
        self.mechanism = None
        self.ssl_context.check_hostname = False  # c2s presents a self-signed certificate
        self.ssl_context.verify_mode = ssl.CERT_NONE
        pinned = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}[tls_version]
        self.ssl_context.minimum_version = pinned
        self.ssl_context.maximum_version = pinned
        if direct_tls:
            self.ssl_context.set_alpn_protocols(["xmpp-client"])  # XEP-0368 §3
        self.add_event_handler("auth_success", self.on_auth_success)
        self.add_event_handler("failed_auth", self.on_failed_auth)
        self.add_event_handler("failed_all_auth", lambda _: self.fail("no authentication mechanism worked"))
        self.add_event_handler("connection_failed", lambda e: self.fail(f"connection failed: {e}"))
        self.add_event_handler("stream_error", lambda e: self.fail(f"stream error: {e}"))
        self.add_event_handler("session_start", self.on_session_start)

    def fail(self, why):
        if self.failure is None:
            self.failure = why
            log(f"client: {why}")
            self.session_started.set()

    def on_failed_auth(self, stanza):
        mech = self["feature_mechanisms"].mech
        log(f"client: {mech.name if mech is not None else '?'} failed: {stanza['condition']}")

    def on_auth_success(self, _):
        mech = self["feature_mechanisms"].mech
        self.mechanism = mech.name if mech is not None else "?"
        log(f"client: authenticated with {self.mechanism}")

    async def on_session_start(self, _):
        ssl_object = self.transport.get_extra_info("ssl_object") if self.transport is not None else None
        version = ssl_object.version() if ssl_object is not None else "?"
        alpn = ssl_object.selected_alpn_protocol() if ssl_object is not None else None
        log(f"client: session started as {self.boundjid.full} over {version}, ALPN {alpn}")
        self.session_started.set()


async def run(args):
    client = Client(args.jid, args.password, args.tls_version, args.direct_tls)
    client.connect((args.host, args.port), use_ssl=args.direct_tls)
    await client.session_started.wait()
    if client.failure is not None:
        raise RuntimeError(client.failure)
    if client.mechanism != args.expect:
        raise RuntimeError(f"expected {args.expect}, authenticated with {client.mechanism}")
    client.disconnect()
    log(f"LOGGED IN with {client.mechanism}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--jid", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--tls-version", choices=["1.2", "1.3"], required=True)
    p.add_argument("--expect", required=True)
    p.add_argument("--direct-tls", action="store_true")
    p.add_argument("--timeout", type=float, default=30)
    return run_main(run, p.parse_args())


if __name__ == "__main__":
    sys.exit(main())
