"""A real SMTP server on loopback for Sidik's notification tests (aiosmtpd).

Usage: smtp_sink.py OUTDIR PORT HOLD_FILE

Every message accepted is written to OUTDIR as one file. While HOLD_FILE exists, a
session is held after RCPT TO (before DATA): the test kills Sidik in the middle of that
SMTP session, so the server never gets the message's end. A file `held` in OUTDIR marks
that a session is being held.
"""

import asyncio
import itertools
import os
import sys

from aiosmtpd.controller import Controller

OUT, PORT, HOLD = sys.argv[1], int(sys.argv[2]), sys.argv[3]
COUNTER = itertools.count()


class Sink:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if os.path.exists(HOLD):
            open(os.path.join(OUT, "held"), "w").close()
            while os.path.exists(HOLD):
                await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        n = next(COUNTER)
        tmp = os.path.join(OUT, f".{n}.tmp")
        with open(tmp, "wb") as f:
            f.write(b"X-Rcpt: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(envelope.original_content or envelope.content)
        os.rename(tmp, os.path.join(OUT, f"{n:04d}.eml"))
        return "250 Message accepted for delivery"


async def main():
    c = Controller(Sink(), hostname="127.0.0.1", port=PORT)
    c.start()
    print("ready", flush=True)
    await asyncio.Event().wait()


asyncio.run(main())
