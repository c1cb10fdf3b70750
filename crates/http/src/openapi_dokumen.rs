//! The OpenAPI paths and schemas of the document desk (Suket, printing, ETA) and of the
//! public trust endpoints and verifier; merged into the document by `openapi`.

use serde_json::{json, Value};

use crate::openapi::{op, path_param};

fn body(required: &[&str], properties: Value) -> Value {
    json!({"requestBody": {"required": true, "content": {"application/json": {"schema": {
        "type": "object", "required": required, "properties": properties}}}}})
}

fn with(mut extra: Value, params: Vec<Value>) -> Value {
    extra["parameters"] = Value::Array(params);
    extra
}

/// Office roles: Suket, the print desk, the ETA.
pub fn dokumen_paths() -> Value {
    let nomor = path_param("nomor", "27-digit registration number");
    let nomor_suket = path_param("nomor_suket", "Suket number SKT-{registration}-{n}");
    let batch = path_param("nomor_batch", "print batch number");
    let count = json!({"type": "integer", "minimum": 1, "maximum": 1000000});
    json!({
        "/applications/{nomor}/suket": {
            "get": op("The Sukets of an application (officers)", "200", Some("SuketList"), with(json!({}), vec![nomor.clone()])),
            "post": op("Issue a Suket to an application that may hold one and has none active (operator, verifikator, admin); 409 if one is active or the state allows none", "200", Some("Suket"), with(json!({}), vec![nomor.clone()]))
        },
        "/applications/{nomor}/eta": {"get": op("The honest ETA of the card: from the queue position, the printers' capacity, blank stock and deliveries, the working-day calendar and the centre's state", "200", Some("Eta"), with(json!({}), vec![nomor]))},
        "/suket/{nomor_suket}/revoke": {"post": op("Revoke a Suket with a written reason (verifikator, admin)", "200", Some("Suket"),
            with(body(&["alasan"], json!({"alasan": {"type": "string", "minLength": 1, "maxLength": 500}})), vec![nomor_suket]))},
        "/print/status": {"get": op("Printers (capacity, printed today), the blank ledger, scheduled deliveries, the queue length and Suket counts", "200", Some("PrintStatus"), json!({}))},
        "/print/queue": {"get": op("The print queue in order: urgent need (by date needed), elderly or disabled, then first come first served", "200", Some("PrintQueue"), json!({"parameters": [
            {"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
            {"name": "offset", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 0, "maximum": 10000000}}]}))},
        "/print/printers": {"post": op("Add or change a printer (admin)", "200", Some("Id"),
            body(&["nama", "kapasitas_harian"], json!({"nama": {"type": "string", "minLength": 1, "maxLength": 64},
                "kapasitas_harian": {"type": "integer", "minimum": 1, "maximum": 100000}, "aktif": {"type": "boolean"}})))},
        "/print/blanko/receive": {"post": op("Book a delivery of blank cards (pencetak, admin); a scheduled one by id", "200", Some("Ledger"),
            body(&["jumlah"], json!({"jumlah": count, "kiriman": {"type": ["integer", "null"]}})))},
        "/print/blanko/schedule": {"post": op("Schedule a delivery of blank cards (it counts in every ETA from its date on)", "200", Some("Id"),
            body(&["tanggal", "jumlah"], json!({"tanggal": {"type": "string", "format": "date"}, "jumlah": count})))},
        "/print/blanko/spoil": {"post": op("Blank cards found damaged in stock (never more than on hand: 409)", "200", Some("Ledger"),
            body(&["jumlah"], json!({"jumlah": count})))},
        "/print/batches": {
            "post": op("Print the next batch on a printer, in one transaction: at most `maks` cards, the printer's capacity left today and the blanks on hand; nomor_batch null when nothing could be printed", "200", Some("Batch"),
                body(&["printer_id", "maks"], json!({"printer_id": {"type": "integer"}, "maks": {"type": "integer", "minimum": 1, "maximum": 500}}))),
            "get": op("The latest print batches", "200", Some("BatchList"), json!({}))
        },
        "/print/batches/{nomor_batch}": {"get": op("One print batch", "200", Some("Batch"), with(json!({}), vec![batch.clone()]))},
        "/print/batches/{nomor_batch}/spoil/{nomor}": {"post": op("A spoiled print: the blank is booked as spoiled and the application goes back to its place in the queue", "200", Some("Spoiled"),
            with(json!({}), vec![batch, path_param("nomor", "27-digit registration number")]))}
    })
}

/// Every role: the signed trust lists and the public verifier.
pub fn trust_paths() -> Value {
    let cose = |what: &str| {
        let mut o = op(what, "200", None, json!({"security": []}));
        o["responses"]["200"] = json!({"description": "COSE_Sign1 (EdDSA) over CBOR", "content": {"application/cose": {"schema": {"type": "string", "format": "binary"}}}});
        o
    };
    let mut verify = op(
        "Verify a Suket QR (MOSIP Claim 169) against this node's trust: valid, expired, revoked, forged, unknown_key or malformed, with the claims and the age of the revocation lists. No login; rate limited per client address (429 with Retry-After)",
        "200",
        Some("Verification"),
        body(&["qr"], json!({"qr": {"type": "string", "maxLength": 4096}})),
    );
    verify["security"] = json!([]);
    verify["responses"]["429"] = json!({"$ref": "#/components/responses/Error"});
    verify["responses"]["503"] = json!({"$ref": "#/components/responses/Error"});
    let mut own =
        cose("This office's own list of the Sukets it revoked, signed by its key, current at once");
    own["parameters"] = json!([path_param("kantor", "6-digit office code")]);
    json!({
        "/trust/keys": {"get": cose("The office keys the centre certified (on an office: its copy, kept while the centre is down; a standalone office: its own key), signed by the root key")},
        "/trust/revocations": {"get": cose("The centre's Suket revocation list (registrations decided ganda or ditolak), signed by the centre key; an office serves its copy")},
        "/trust/revocations/{kantor}": {"get": own},
        "/verify": {"post": verify}
    })
}

pub fn dokumen_schemas() -> Value {
    let s = json!({"type": "string"});
    let opt_s = json!({"type": ["string", "null"]});
    let int = json!({"type": "integer"});
    let suket = json!({"type": "object", "required": ["nomor_suket", "nomor", "status", "berlaku_hingga", "qr"], "properties": {
        "nomor_suket": s, "nomor": s, "ke": int, "kid": s, "diterbitkan": s, "berlaku_hingga": s,
        "status": {"enum": ["aktif", "dicabut", "diganti"]}, "dicabut": opt_s, "alasan": opt_s, "keterangan": opt_s, "qr": s}});
    let batch = json!({"type": "object", "required": ["nomor_batch", "items"], "properties": {
        "nomor_batch": opt_s, "printer_id": int, "printer": s, "waktu": s, "tanggal": s, "aktor": s,
        "items": {"type": "array", "items": {"type": "object", "required": ["nomor", "hasil"], "properties": {"nomor": s, "hasil": s}}}}});
    let ledger = json!({"type": "object", "required": ["diterima", "dipakai", "rusak", "ada"], "properties": {
        "diterima": int, "dipakai": int, "rusak": int, "ada": int}});
    json!({
        "Suket": suket,
        "SuketList": {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Suket"}}}},
        "Eta": {"type": "object", "required": ["jenis", "kalimat", "status"], "properties": {
            "jenis": {"enum": ["tanggal", "setelah_pusat_pulih", "menunggu_blanko", "tanpa_kapasitas", "tidak_berlaku"]},
            "tanggal": opt_s, "hari_kerja": {"type": ["integer", "null"]}, "kalimat": s, "status": s}},
        "PrintStatus": {"type": "object", "required": ["printers", "blanko", "kiriman", "antrean", "suket"], "properties": {
            "printers": {"type": "array"}, "blanko": ledger.clone(), "kiriman": {"type": "array"}, "antrean": int, "suket": {"type": "object"}}},
        "PrintQueue": {"type": "object", "required": ["items", "total"], "properties": {"items": {"type": "array"}, "total": int}},
        "Id": {"type": "object", "required": ["id"], "properties": {"id": int}},
        "Ledger": ledger,
        "Batch": batch,
        "BatchList": {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Batch"}}}},
        "Spoiled": {"type": "object", "required": ["nomor", "status"], "properties": {"nomor": s, "status": s}},
        "Verification": {"type": "object", "required": ["verdict", "label"], "properties": {
            "verdict": {"enum": ["valid", "expired", "revoked", "forged", "unknown_key", "malformed"]},
            "label": s, "detail": s, "kantor": opt_s, "kid": opt_s, "revocation_reason": opt_s,
            "revoked_at": {"type": ["integer", "null"]}, "list_age_seconds": {"type": ["integer", "null"]},
            "checked_at": int, "claims": {"type": ["object", "null"]}}}
    })
}
