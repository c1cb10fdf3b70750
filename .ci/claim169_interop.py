#!/usr/bin/env python3
"""Interoperability check of Sidik's Suket QR with the PyPI `claim169` package.

Usage:
    cargo run -p sidik-suket --example interop_fixture -- DIR
    python3 .ci/claim169_interop.py DIR

DIR holds valid.txt, tampered.txt, expired.txt, public_key.hex and
expected.json (written by the example). Exits non-zero on any failure.
"""

import hashlib
import json
import sys
import time
from pathlib import Path

import claim169

failures = 0


def check(ok, what):
    global failures
    print(("PASS " if ok else "FAIL ") + what)
    if not ok:
        failures += 1


def read(directory, name):
    return (directory / name).read_text().strip()


def check_valid(directory, public_key, expected):
    result = claim169.decode_with_ed25519(read(directory, "valid.txt"), public_key)
    claim, meta = result.claim169, result.cwt_meta
    check(result.is_verified(), "valid.txt: Ed25519 signature verifies with public_key.hex")
    check(claim.id == expected["nik"], f"valid.txt: id (NIK) = {claim.id!r}")
    check(claim.full_name == expected["nama"], f"valid.txt: fullName = {claim.full_name!r}")
    check(claim.date_of_birth == expected["date_of_birth"],
          f"valid.txt: dateOfBirth = {claim.date_of_birth!r}")
    check(int(claim.gender) == expected["gender"], f"valid.txt: gender = {claim.gender!r}")
    check(claim.language == "ind", f"valid.txt: language = {claim.language!r}")
    check(claim.nationality == "IDN", f"valid.txt: nationality = {claim.nationality!r}")
    check(meta.issuer == expected["iss"], f"valid.txt: iss = {meta.issuer!r}")
    check(meta.subject == expected["sub"], f"valid.txt: sub = {meta.subject!r}")
    check(meta.expires_at == expected["exp"], f"valid.txt: exp = {meta.expires_at}")
    check(meta.issued_at == expected["iat"] and meta.not_before == expected["iat"],
          f"valid.txt: iat = nbf = {meta.issued_at}")
    kid = bytes(result.key_id or b"").hex()
    check(kid == expected["kid"] == hashlib.sha256(public_key).digest()[:8].hex(),
          f"valid.txt: kid = {kid} = SHA-256(public key)[:8]")
    check(str(result.algorithm) == "EdDSA", f"valid.txt: algorithm = {result.algorithm}")
    check(str(result.detected_compression).lower() == "zlib",
          f"valid.txt: compression = {result.detected_compression}")
    inspected = claim169.inspect(read(directory, "valid.txt"))
    check(bytes(inspected.key_id or b"").hex() == expected["kid"],
          "valid.txt: inspect() reports the same kid")


def check_tampered(directory, public_key, expected):
    text = read(directory, "tampered.txt")
    try:
        result = claim169.decode_with_ed25519(text, public_key)
        check(not result.is_verified(),
              f"tampered.txt: verification fails (status {result.verification_status})")
    except claim169.SignatureError as e:
        check(True, f"tampered.txt: verification fails with SignatureError ({e})")
    except claim169.Claim169Exception as e:
        check(False, f"tampered.txt: failed for a reason other than the signature: {e!r}")
    unverified = claim169.decode_unverified(text)
    check(unverified.claim169.id == expected["nik"],
          "tampered.txt: still well-formed (decodes unverified, same NIK)")


def check_expired(directory, public_key, expected):
    text = read(directory, "expired.txt")
    now = int(time.time())
    try:
        claim169.decode_with_ed25519(text, public_key)
        check(False, "expired.txt: refused by default timestamp validation")
    except claim169.Claim169Exception as e:
        check(True, f"expired.txt: refused by default timestamp validation ({e})")
    result = claim169.decode_with_ed25519(text, public_key, validate_timestamps=False)
    exp = result.cwt_meta.expires_at
    check(result.is_verified(), "expired.txt: signature verifies without timestamp validation")
    check(exp == expected["expired_exp"] and exp < now,
          f"expired.txt: exp {exp} is in the past (now {now})")


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    directory = Path(sys.argv[1])
    print(f"claim169 Python package {claim169.version()}")
    public_key = bytes.fromhex(read(directory, "public_key.hex"))
    expected = json.loads(read(directory, "expected.json"))
    for step in (check_valid, check_tampered, check_expired):
        try:
            step(directory, public_key, expected)
        except Exception as e:  # any unexpected error is a failure, not a crash
            check(False, f"{step.__name__}: unexpected {e!r}")
    print(f"{failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
