//! The OpenAPI 3.1 document served at `/api/v1/openapi.json`.

use serde_json::{json, Value};

fn err_responses() -> Value {
    json!({
        "400": {"$ref": "#/components/responses/Error"},
        "401": {"$ref": "#/components/responses/Error"},
        "403": {"$ref": "#/components/responses/Error"},
        "404": {"$ref": "#/components/responses/Error"},
        "409": {"$ref": "#/components/responses/Error"},
        "413": {"$ref": "#/components/responses/Error"},
        "422": {"$ref": "#/components/responses/Error"}
    })
}

fn op(summary: &str, ok: &str, extra: Value) -> Value {
    let mut responses = err_responses();
    responses[ok] = json!({"description": "success", "content": {"application/json": {}}});
    let mut o = json!({"summary": summary, "responses": responses});
    if let (Value::Object(m), Value::Object(e)) = (&mut o, extra) {
        m.extend(e);
    }
    o
}

fn path_param(name: &str, desc: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "description": desc, "schema": {"type": "string"}})
}

fn query(name: &str, desc: &str) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": desc, "schema": {"type": "string"}})
}

/// `POST /login`, with what a refused login is told.
fn login_op() -> Value {
    let mut o = op(
        "Log in; returns a bearer token and sets the session cookie. Five failed logins for a username lock it for five minutes (the lock survives a restart); attempts are counted before the password is checked, and at most a few passwords (the server's cores) are checked at once",
        "200",
        json!({
            "security": [],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
                "type": "object", "required": ["username", "password"],
                "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}}}}
        }),
    );
    let error = |description: &str| json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let retry = |description: &str| {
        let mut r = error(description);
        r["headers"] = json!({"Retry-After": {"$ref": "#/components/headers/RetryAfter"}});
        r
    };
    let responses = &mut o["responses"];
    responses["401"] = error("code unauthorized: wrong username or password; also any username that is not 3-32 characters of a-z, 0-9, '.', '_', '-' (never counted)");
    responses["413"] = error("code too_large: the body is larger than 16 KiB");
    responses["429"] = retry("code too_many_attempts: the username is locked (five failed logins, for five minutes), or five attempts are already counted or being checked; a right password is refused too");
    responses["503"] = retry("code busy: every seat for a password check is taken; nothing was counted, try again after Retry-After");
    o
}

/// Sync and centre endpoints (offices: `/sync/status`; the central node: the rest).
fn sync_paths() -> Value {
    json!({
            "/sync/status": {"get": op("Office node: the centre's state as this office sees it (up/down since, waiting packets, oldest waiting, refused packets, decisions applied, and findings_on_issued_cards: printed or handed-over cards whose latest centre decision is ganda or ditolak)", "200", json!({}))},
            "/sync/packets/{id}": {"put": op("Central node: receive a sealed enrollment packet (body: packet bytes, application/octet-stream). The packet's Ed25519 signature authenticates it. 201 accepted, 200 replay (harmless), 422 refused and quarantined with {code, message}", "201", json!({
                "security": [],
                "parameters": [path_param("id", "packet id: office code, '-', 10-digit sequence")],
                "requestBody": {"required": true, "content": {"application/octet-stream": {}}}
            }))},
            "/sync/decisions": {"get": op("Central node: the calling office's decision feed (seq > after). Authenticated by headers X-Sidik-Office, X-Sidik-Time (Unix seconds) and X-Sidik-Signature (hex Ed25519 over 'GET /api/v1/sync/decisions?after=N&limit=L&sampai=T', or without '&sampai=T' when absent, with the office's certified key)", "200", json!({
                "security": [],
                "parameters": [query("after", "feed cursor (default 0)"), query("limit", "page size (default 1000, max 5000)"), query("sampai", "the office's watermark, Unix nanoseconds: every packet it enrolled before this instant has been delivered; the centre decides other offices' later enrollments only after it (see ARCHITECTURE.md, hold policy)"), query("wait", "long poll, milliseconds (max 25000): with nothing new, the centre holds the request until it publishes a decision or the wait ends; signed as '&wait=MS' after the other parameters")]
            }))},
            "/sync/uploads/{id}": {
                "get": op("Central node: how much of a resumable packet upload by the calling office has arrived: {offset, total}; 404 when none is in progress (start at 0). Signed like the feed, over 'GET /api/v1/sync/uploads/{id}'", "200", json!({
                    "security": [],
                    "parameters": [path_param("id", "packet id")]
                })),
                "put": op("Central node: one chunk of a resumable packet upload (body: the chunk, at most 512 KiB). Signed like the feed, over 'PUT /api/v1/sync/uploads/{id}?offset=O&total=T&sha256=<hex of the chunk>'. 202 {offset}: send the next chunk from there; 409 {code: offset_mismatch, offset}: resume from offset; the last chunk is answered like a whole packet (201 accepted, 200 replay, 422 refused and quarantined). Nothing is recorded before the packet is complete", "202", json!({
                    "security": [],
                    "parameters": [path_param("id", "packet id"), query("offset", "byte offset of this chunk in the packet"), query("total", "the packet's size in bytes")],
                    "requestBody": {"required": true, "content": {"application/octet-stream": {}}}
                }))
            },
            "/centre/status": {"get": op("Central node: packets received, decided, waiting, quarantined; decisions by result", "200", json!({}))},
            "/centre/quarantine": {"get": op("Central node: quarantined packets with code and reason (admin)", "200", json!({}))},
            "/centre/duplicates": {"get": op("Central node: packets flagged ganda awaiting adjudication (verifikator, admin)", "200", json!({}))},
            "/centre/offices": {
                "get": op("Central node: registered office keys (admin)", "200", json!({})),
                "post": op("Central node: certify and register an office key (admin)", "201", json!({
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {
                        "type": "object", "required": ["office", "public_key"],
                        "properties": {"office": {"type": "string"}, "name": {"type": "string"}, "public_key": {"type": "string", "description": "32-byte Ed25519 key, hex"}}}}}}
                }))
            },
            "/centre/applications/{nomor}/adjudication": {"post": op("Central node: adjudicate a ganda case; the decision is published to the office (verifikator, admin). Renamed from /pusat/permohonan/{nomor}/adjudikasi (which answers 308 to here; the former fields hasil/alasan are still accepted). Every former /pusat/... path redirects to its /centre/... name", "200", json!({
                "parameters": [path_param("nomor", "27-digit registration number")],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["result", "reason"],
                    "properties": {"result": {"type": "string", "enum": ["tunggal", "tolak"]}, "reason": {"type": "string"}}}}}}
            }))}
    })
}

/// The document.
pub fn document() -> Value {
    let mut doc = core_document();
    if let (Some(Value::Object(paths)), Value::Object(extra)) = (doc.get_mut("paths"), sync_paths())
    {
        paths.extend(extra);
    }
    doc
}

fn core_document() -> Value {
    let nomor = path_param("nomor", "27-digit registration number");
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Sidik API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "e-KTP issuance: perekaman, verifikasi ketunggalan, cetak, serah. Errors are {code, message}. Every call except login, health and this document needs `Authorization: Bearer <token>` (or the session cookie)."
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/health": {"get": op("Liveness", "200", json!({"security": []}))},
            "/login": {"post": login_op()},
            "/logout": {"post": op("End the current session", "204", json!({}))},
            "/me": {"get": op("The logged-in officer", "200", json!({}))},
            "/users": {"post": op("Create an officer account (admin)", "201", json!({
                "requestBody": {"required": true, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["username", "peran", "password"],
                    "properties": {"username": {"type": "string"},
                        "peran": {"enum": ["operator", "verifikator", "pencetak", "admin"]},
                        "password": {"type": "string", "minLength": 10}}}}}}
            }))},
            "/residents/{nik}": {"get": op("Resident biodata by NIK (officers)", "200", json!({
                "parameters": [path_param("nik", "16-digit NIK")]
            }))},
            "/applications": {
                "post": op("Perekaman: record an application with biometrics (operator, admin)", "201", json!({
                    "parameters": [{"name": "Idempotency-Key", "in": "header", "required": false, "schema": {"type": "string"},
                        "description": "Retrying with the same key returns the first application (200) instead of a second one"}],
                    "requestBody": {"required": true, "content": {"multipart/form-data": {"schema": {
                        "type": "object", "required": ["nik", "kelurahan", "foto", "tanda_tangan"],
                        "properties": {
                            "nik": {"type": "string", "pattern": "^[0-9]{16}$"},
                            "kelurahan": {"type": "string", "description": "kode wilayah of the kelurahan, e.g. 31.72.01.1005; must match the registry"},
                            "nama": {"type": "string", "description": "optional; must match the registry"},
                            "jari_1": {"type": "string", "format": "binary", "description": "ISO/IEC 19794-2:2005 record; jari_1..jari_10 (ISO finger positions); jari_2 and jari_7 (index fingers) required unless excepted"},
                            "pengecualian_1": {"enum": ["amputasi", "cedera", "tidak_terbaca"], "description": "pengecualian_1..pengecualian_10: why a finger is missing"},
                            "foto": {"type": "string", "format": "binary", "description": "JPEG or PNG, at most 512 KiB"},
                            "tanda_tangan": {"type": "string", "format": "binary", "description": "JPEG or PNG, at most 128 KiB"}
                        }}}}}
                })),
                "get": op("List applications with counts per state", "200", json!({
                    "parameters": [
                        query("status", "direkam|dikirim|tunggal|ganda|siap_cetak|dicetak|diserahkan|ditolak"),
                        query("kecamatan", "kode wilayah, e.g. 31.72.01"),
                        query("kelurahan", "kode wilayah, e.g. 31.72.01.1005"),
                        query("nik", "16-digit NIK"),
                        query("dari", "created on or after (YYYY-MM-DD, WIB)"),
                        query("sampai", "created on or before (YYYY-MM-DD, WIB)"),
                        query("limit", "1-1000, default 50"),
                        query("offset", "default 0")
                    ]
                }))
            },
            "/applications/{nomor}": {"get": op("One application with its timeline", "200", json!({"parameters": [nomor]}))},
            "/applications/{nomor}/check": {"post": op(
                "Verifikasi ketunggalan: send for and run the uniqueness check (operator, verifikator, admin)", "200",
                json!({"parameters": [nomor]}))},
            "/applications/{nomor}/actions/{aksi}": {"post": op(
                "Transition: adjudikasi_tunggal | tolak (verifikator) | setujui | cetak | serahkan (pencetak)", "200",
                json!({
                    "parameters": [nomor, path_param("aksi", "adjudikasi_tunggal, tolak, setujui, cetak, serahkan")],
                    "requestBody": {"required": false, "content": {"application/json": {"schema": {
                        "type": "object", "properties": {"alasan": {"type": "string", "description": "required for tolak"}}}}}}
                }))},
            "/applications/{nomor}/audit": {"get": op("Audit entries of an application", "200", json!({"parameters": [nomor]}))}
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": {
                "type": "object", "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}},
            "headers": {"RetryAfter": {"description": "seconds to wait before trying again", "schema": {"type": "integer", "minimum": 1}}},
            "responses": {"Error": {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}
        }
    })
}
