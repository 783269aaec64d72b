#!/usr/bin/python3
"""Interop for XEP-0363 HTTP File Upload with a client nobody here wrote (Debian's python3-slixmpp,
plugin xep_0363, which PUTs with aiohttp).

alice logs in and finds the upload service as slixmpp's plugin would (disco#items of the server,
disco#info of each item: identity store/file and the feature, max-file-size from the form); then
the plugin's upload_file asks for a slot and PUTs the file over HTTPS. The script then GETs the URL slixmpp returned and compares the bytes.
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
NS = "urn:xmpp:http:upload:0"


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

    # 1. discovery as slixmpp's find_upload_service does it (disco#items of the server, disco#info of
    # each item: identity store/file with the feature), step by step: Debian's slixmpp 1.8.3 passes
    # coroutines to asyncio.wait there, which Python 3.11 refuses. The plugin then uses what we found.
    upload = client["xep_0363"]
    items = await client["xep_0030"].get_items(jid=client.boundjid.domain, timeout=STEP_TIMEOUT)
    found = None
    for item in items["disco_items"]["items"]:
        info = await client["xep_0030"].get_info(jid=item[0], timeout=STEP_TIMEOUT)
        identities = [(i[0], i[1]) for i in info["disco_info"]["identities"]]
        if ("store", "file") in identities and NS in info["disco_info"]["features"]:
            found = info
    if found is None or found["from"].bare != args.service:
        raise RuntimeError(f"no upload service among the server's items (or another one): {found}")
    upload.upload_service = found["from"]
    for form in found["disco_info"].iterables:
        values = form["values"]
        if values.get("FORM_TYPE") == [NS]:
            upload.max_file_size = int(values["max-file-size"])
    log(f"STEP 1 discovered: {found['from']}")

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
