#!/usr/bin/env python3
"""Open311 GeoReport v2 interoperability: a stock client library from PyPI
(`georeport`, a maintained wrapper of the GeoReport v2 API) against a running Sidik
office.

    python3 .ci/open311_client.py ENDPOINT API_KEY JURISDICTION

Lists the services and reads a service definition with the library (JSON and XML),
posts a request, and reads it back with the library by id and in the request list.
`georeport` 0.3.1 implements every GET of the specification but not the POST ("does
not currently support the creation of new 311 service requests"), and no maintained
PyPI or npm Open311 client does; the POST is therefore made with `requests` exactly as
the specification defines it (urlencoded fields, api_key, jurisdiction_id) and its
answer is parsed as the specification's service_requests response. Prints
`posted <id>`; exits non-zero on the first failed check.
"""
import sys

import requests
from georeport import GeoReport


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def main():
    endpoint, key, jurisdiction = sys.argv[1:4]
    client = GeoReport(endpoint, jurisdiction=jurisdiction, api_key=key)
    client_xml = GeoReport(endpoint, jurisdiction=jurisdiction, api_key=key, output_format="xml")

    services = client.get_service_list()
    codes = [s["service_code"] for s in services]
    check("ktp-el" in codes, f"service list (JSON) names ktp-el: {codes}")
    services_xml = client_xml.get_service_list()
    check([s["service_code"] for s in services_xml] == codes, "service list (XML) is the same")
    definition = client.get_service_definition("ktp-el")
    check(definition["service_code"] == "ktp-el", "service definition (JSON)")
    definition_xml = client_xml.get_service_definition("ktp-el")
    check(definition_xml["service_code"] == "ktp-el", "service definition (XML)")

    form = {
        "api_key": key,
        "jurisdiction_id": jurisdiction,
        "service_code": "ktp-el",
        "lat": "-6.1381",
        "long": "106.8636",
        "address_string": "Kantor Kelurahan Koja, Jakarta Utara",
        "description": "E-KTP belum jadi sejak rekam September; mohon informasi kapan bisa diambil.",
        "first_name": "Warga",
        "last_name": "Koja",
    }
    r = requests.post(f"{endpoint}/requests.json", data=form, timeout=10)
    check(r.status_code == 200, f"POST requests.json answers 200 (got {r.status_code}: {r.text[:200]})")
    posted = r.json()
    check(isinstance(posted, list) and len(posted) == 1, "POST answers a one-element list")
    rid = posted[0]["service_request_id"]
    check(bool(rid) and "service_notice" in posted[0], "POST names the service_request_id and a notice")
    print(f"posted {rid}")

    bad = requests.post(f"{endpoint}/requests.json", data={**form, "api_key": "wrong"}, timeout=10)
    check(bad.status_code == 403 and bad.json()[0]["code"] == 403, "a wrong api_key is a 403 in the error format")

    one = client.get_service_request(rid)
    check(one["service_request_id"] == rid, "read back by id (JSON)")
    check(one["status"] == "open" and one["service_code"] == "ktp-el", "status open, service ktp-el")
    one_xml = client_xml.get_service_request(rid)
    check(one_xml["service_request_id"] == rid and one_xml["status"] == "open", "read back by id (XML)")
    listed = client.get_service_requests(service_request_id=rid)
    check(isinstance(listed, list), "request list by id (JSON) is a list")
    print("all Open311 client checks passed")


if __name__ == "__main__":
    main()
