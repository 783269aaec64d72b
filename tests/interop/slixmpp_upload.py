#!/usr/bin/python3
"""Interop for XEP-0363 HTTP File Upload with a client nobody here wrote (Debian's python3-slixmpp,
plugin xep_0363, which PUTs with aiohttp).

alice logs in; slixmpp finds the upload service itself (disco#items of the server, disco#info of
each item: identity store/file and the feature), reads max-file-size from the form, asks for a slot
and PUTs the file over HTTPS. The script then GETs the URL slixmpp returned and compares the bytes.
The HTTPS certificate is checked: the caller points SSL_CERT_FILE at the service's certificate.
Exit 0 only if every step happened; each step prints one line (STEP ...), failures print FAIL.

usage: slixmpp_upload.py --host 127.0.0.1 --port P --jid a@localhost --password pw \
           --service upload.localhost --size 300000 [--timeout 60]
Exit codes: 0 uploaded and downloaded identical, 1 a step failed, 3 slixmpp missing.
"""
import argparse
import asyncio
import hashlib
import io
import os
import ssl
import sys

from interop_run import MECHANISM, log, run_main, slixmpp, without_channel_binding

try:
    import aiohttp
except ImportError as e:
    print(f"FAIL aiohttp is not installed for {sys.executable} ({e}); apt-get install python3-aiohttp", flush=True)
    sys.exit(3)

STEP_TIMEOUT = 20


class Client(slixmpp.ClientXMPP):
    def __init__(self, jid, password):
        super().__init__(jid, password, sasl_mech=MECHANISM)
        without_channel_binding(self)
        self.register_plugin("xep_0030")
        self.register_plugin("xep_0363")
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
            log(f"alice: {why}")

    async def on_session_start(self, _):
        self.send_presence()
        log(f"alice: session started as {self.boundjid.full}")
        self.started.set()


async def run(args):
    client = Client(args.jid, args.password)
    client.connect((args.host, args.port))
    try:
        await asyncio.wait_for(client.started.wait(), STEP_TIMEOUT)
    except asyncio.TimeoutError:
        raise RuntimeError(f"alice did not log in within {STEP_TIMEOUT} s: {client.failure}") from None

    # 1. slixmpp's own discovery: disco#items of the server, disco#info of each item
    info = await client["xep_0363"].find_upload_service(timeout=STEP_TIMEOUT)
    if info is None or info["from"].bare != args.service:
        raise RuntimeError(f"slixmpp found no upload service (or another one): {info}")
    log(f"STEP 1 discovered: {info['from']}")

    # 2. upload: slot request, then the PUT over HTTPS (aiohttp, certificate checked)
    data = os.urandom(args.size)
    url = await client["xep_0363"].upload_file("interop test.bin", size=len(data), content_type="application/octet-stream",
                                               input_file=io.BytesIO(data), timeout=STEP_TIMEOUT)
    log(f"STEP 2 uploaded: {len(data)} bytes, max-file-size {client['xep_0363'].max_file_size}")

    # 3. download through the URL slixmpp got back
    async with aiohttp.ClientSession() as session:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=STEP_TIMEOUT)) as response:
            if response.status != 200:
                raise RuntimeError(f"GET {url}: {response.status}")
            fetched = await response.read()
    if hashlib.sha256(fetched).digest() != hashlib.sha256(data).digest():
        raise RuntimeError(f"the download differs: {len(fetched)} bytes")
    log(f"STEP 3 downloaded: {len(fetched)} identical bytes")

    client.disconnect()
    await asyncio.sleep(0.3)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--jid", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--service", required=True)
    p.add_argument("--size", type=int, default=300000)
    p.add_argument("--timeout", type=float, default=60)
    return run_main(run, p.parse_args())


if __name__ == "__main__":
    sys.exit(main())
