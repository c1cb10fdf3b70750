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

/// An operation whose success (`ok`) answers JSON of the component schema `schema`
/// (`None`: no body, e.g. 204).
pub(crate) fn op(summary: &str, ok: &str, schema: Option<&str>, extra: Value) -> Value {
    let mut responses = err_responses();
    responses[ok] = match schema {
        Some(name) => json!({"description": "success", "content": {"application/json": {
            "schema": {"$ref": format!("#/components/schemas/{name}")}}}}),
        None => json!({"description": "success, no content"}),
    };
    let mut o = json!({"summary": summary, "responses": responses});
    if let (Value::Object(m), Value::Object(e)) = (&mut o, extra) {
        if let Some(Value::Object(more)) = e.get("responses") {
            if let Some(Value::Object(r)) = m.get_mut("responses") {
                r.extend(more.clone());
            }
        }
        m.extend(e.into_iter().filter(|(k, _)| k != "responses"));
    }
    o
}

/// Which node serves the document: each documents only the paths it serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Node {
    Standalone,
    Office,
    Centre,
}

pub(crate) fn path_param(name: &str, desc: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "description": desc, "schema": {"type": "string"}})
}

fn query_schema(name: &str, desc: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": desc, "schema": schema})
}

/// `POST /login`, with what a refused login is told.
fn login_op() -> Value {
    let mut o = op(
        "Log in; returns a bearer token and sets the session cookie. Five failed logins for a username lock it for five minutes (the lock survives a restart); attempts are counted before the password is checked, and at most a few passwords (the server's cores) are checked at once",
        "200",
        Some("Session"),
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
            "/sync/status": {"get": op("Office node: the centre's state as this office sees it (up/down since, waiting packets, oldest waiting, refused packets, decisions applied, and findings_on_issued_cards: printed or handed-over cards whose latest centre decision is ganda or ditolak)", "200", Some("SyncStatus"), json!({}))},
            "/sync/packets/{id}": {"put": op("Central node: receive a sealed enrollment packet (body: packet bytes, application/octet-stream). The packet's Ed25519 signature authenticates it. 201 accepted, 200 replay (harmless), 422 refused and quarantined with {code, message}", "201", Some("PacketReceipt"), json!({
                "security": [],
                "parameters": [path_param("id", "packet id: office code, '-', 10-digit sequence")],
                "requestBody": {"required": true, "content": {"application/octet-stream": {}}}
            }))},
            "/sync/decisions": {"get": op("Central node: the calling office's decision feed (seq > after). Authenticated by headers X-Sidik-Office, X-Sidik-Time (Unix seconds) and X-Sidik-Signature (hex Ed25519 over 'GET /api/v1/sync/decisions?after=N&limit=L&sampai=T', or without '&sampai=T' when absent, with the office's certified key)", "200", Some("FeedPage"), json!({
                "security": [],
                "parameters": [query_schema("after", "feed cursor (default 0)", json!({"type": "integer", "minimum": 0, "maximum": i64::MAX})), query_schema("limit", "page size (default 1000, max 5000)", json!({"type": "integer", "minimum": 0, "maximum": u32::MAX})), query_schema("sampai", "the office's watermark, Unix nanoseconds: every packet it enrolled before this instant has been delivered; the centre decides other offices' later enrollments only after it (see ARCHITECTURE.md, hold policy)", json!({"type": "integer", "minimum": i64::MIN, "maximum": i64::MAX})), query_schema("wait", "long poll, milliseconds (max 25000): with nothing new, the centre holds the request until it publishes a decision or the wait ends; signed as '&wait=MS' after the other parameters", json!({"type": "integer", "minimum": 0, "maximum": u64::MAX}))]
            }))},
            "/sync/uploads/{id}": {
                "get": op("Central node: how much of a resumable packet upload by the calling office has arrived: {offset, total}; 404 when none is in progress (start at 0). Signed like the feed, over 'GET /api/v1/sync/uploads/{id}'", "200", Some("UploadOffset"), json!({
                    "security": [],
                    "parameters": [path_param("id", "packet id")]
                })),
                "put": op("Central node: one chunk of a resumable packet upload (body: the chunk, at most 512 KiB). Signed like the feed, over 'PUT /api/v1/sync/uploads/{id}?offset=O&total=T&sha256=<hex of the chunk>'. 202 {offset}: send the next chunk from there; 409 {code: offset_mismatch, offset}: resume from offset; the last chunk is answered like a whole packet (201 accepted, 200 replay, 422 refused and quarantined). Nothing is recorded before the packet is complete", "202", Some("UploadOffset"), json!({
                    "security": [],
                    "parameters": [path_param("id", "packet id"), query_schema("offset", "byte offset of this chunk in the packet", json!({"type": "integer", "minimum": 0, "maximum": u64::MAX})), query_schema("total", "the packet's size in bytes", json!({"type": "integer", "minimum": 0, "maximum": u64::MAX}))],
                    "requestBody": {"required": true, "content": {"application/octet-stream": {}}}
                }))
            },
            "/centre/status": {"get": op("Central node: packets received, decided, waiting, quarantined; decisions by result", "200", Some("CentreStatus"), json!({}))},
            "/centre/quarantine": {"get": op("Central node: quarantined packets with code and reason (admin)", "200", Some("QuarantineList"), json!({}))},
            "/centre/duplicates": {"get": op("Central node: packets flagged ganda awaiting adjudication (verifikator, admin)", "200", Some("DuplicateList"), json!({}))},
            "/centre/offices": {
                "get": op("Central node: registered office keys (admin)", "200", Some("OfficeList"), json!({})),
                "post": op("Central node: certify and register an office key (admin)", "201", Some("OfficeRegistered"), json!({
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {
                        "type": "object", "required": ["office", "public_key"],
                        "properties": {"office": {"type": "string", "pattern": "^[0-9]{6}$"}, "name": {"type": "string"}, "public_key": {"type": "string", "pattern": "^[0-9a-fA-F]{64}$", "description": "32-byte Ed25519 key, hex"}}}}}}
                }))
            },
            "/centre/applications/{nomor}/adjudication": {"post": op("Central node: adjudicate a ganda case; the decision is published to the office (verifikator, admin). Renamed from /pusat/permohonan/{nomor}/adjudikasi (which answers 308 to here; the former fields hasil/alasan are still accepted). Every former /pusat/... path redirects to its /centre/... name", "200", Some("Adjudicated"), json!({
                "parameters": [path_param("nomor", "27-digit registration number")],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["result", "reason"],
                    "properties": {"result": {"type": "string", "enum": ["tunggal", "tolak"]}, "reason": {"type": "string", "pattern": "\\S", "description": "required, not blank"}}}}}}
            }))}
    })
}

/// The document of a node: each role documents only the paths it serves (an office
/// has no centre endpoints, the centre no applications; only an office that answers
/// to a centre has `/sync/status`).
pub fn document(node: Node) -> Value {
    let mut doc = core_document();
    let sync = sync_paths();
    let paths = doc["paths"].as_object_mut().expect("paths");
    let account = ["/health", "/login", "/logout", "/me", "/users"];
    match node {
        Node::Centre => {
            paths.retain(|k, _| account.contains(&k.as_str()));
            for (k, v) in sync.as_object().expect("paths") {
                if k != "/sync/status" {
                    paths.insert(k.clone(), v.clone());
                }
            }
        }
        Node::Office => {
            paths.insert("/sync/status".into(), sync["/sync/status"].clone());
        }
        Node::Standalone => {}
    }
    if node != Node::Centre {
        let extra = crate::openapi_dokumen::dokumen_paths();
        paths.extend(extra.as_object().expect("paths").clone());
    }
    let trust = crate::openapi_dokumen::trust_paths();
    paths.extend(trust.as_object().expect("paths").clone());
    let more = crate::openapi_dokumen::dokumen_schemas();
    doc["components"]["schemas"]
        .as_object_mut()
        .expect("schemas")
        .extend(more.as_object().expect("schemas").clone());
    doc
}

fn core_document() -> Value {
    let nomor = path_param("nomor", "27-digit registration number");
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Sidik API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "e-KTP issuance: perekaman, verifikasi ketunggalan, cetak, serah. Errors are {code, message}. Every call except login, health and this document needs `Authorization: Bearer <token>` (or the session cookie). A write (POST/PUT/DELETE) authenticated by the session cookie alone needs an Origin (or Referer) of this server, otherwise 403 {code: cross_origin}; bearer calls are not affected."
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/health": {"get": op("Liveness", "200", Some("Health"), json!({"security": []}))},
            "/login": {"post": login_op()},
            "/logout": {"post": op("End the current session", "204", None, json!({}))},
            "/me": {"get": op("The logged-in officer", "200", Some("Officer"), json!({}))},
            "/users": {"post": op("Create an officer account (admin)", "201", Some("Officer"), json!({
                "requestBody": {"required": true, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["username", "peran", "password"],
                    "properties": {"username": {"type": "string"},
                        "peran": {"enum": ["operator", "verifikator", "pencetak", "admin"]},
                        "password": {"type": "string", "minLength": 10}}}}}}
            }))},
            "/residents/{nik}": {"get": op("Resident biodata by NIK (officers)", "200", Some("Penduduk"), json!({
                "parameters": [{"name": "nik", "in": "path", "required": true, "description": "16-digit NIK",
                    "schema": {"type": "string", "pattern": "^[0-9]{16}$"}}]
            }))},
            "/applications": {
                "post": op("Perekaman: record an application with biometrics (operator, admin)", "201", Some("Permohonan"), json!({
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
                            "tanda_tangan": {"type": "string", "format": "binary", "description": "JPEG or PNG, at most 128 KiB"},
                            "keperluan": {"enum": ["sim", "stnk", "paspor", "sekolah", "bank"], "description": "optional urgent need (print priority); needs tanggal_perlu"},
                            "tanggal_perlu": {"type": "string", "format": "date", "description": "the date the card is needed by (YYYY-MM-DD)"},
                            "disabilitas": {"type": "boolean", "description": "the applicant has a disability (print priority)"},
                            "telepon": {"type": "string", "maxLength": 32, "description": "optional Indonesian mobile number for notifications (needs setuju_kontak)"},
                            "whatsapp": {"type": "boolean", "description": "notify the phone by WhatsApp instead of SMS"},
                            "email": {"type": "string", "maxLength": 254, "description": "optional email for notifications (needs setuju_kontak)"},
                            "setuju_kontak": {"type": "boolean", "description": "the applicant consents to be contacted; required with telepon or email"}
                        }}}}}
                })),
                "get": op("List applications with counts per state", "200", Some("ApplicationList"), json!({
                    "parameters": [
                        query_schema("status", "application state", json!({"enum": ["direkam", "dikirim", "tunggal", "ganda", "siap_cetak", "dicetak", "diserahkan", "ditolak"]})),
                        query_schema("kecamatan", "kode wilayah of a kecamatan, e.g. 31.72.01 (must exist)", json!({"type": "string", "pattern": "^[0-9]{2}\\.[0-9]{2}\\.[0-9]{2}$"})),
                        query_schema("kelurahan", "kode wilayah of a kelurahan, e.g. 31.72.01.1005 (must exist)", json!({"type": "string", "pattern": "^[0-9]{2}\\.[0-9]{2}\\.[0-9]{2}\\.[0-9]{4}$"})),
                        query_schema("nik", "16-digit NIK", json!({"type": "string", "pattern": "^[0-9]{16}$"})),
                        query_schema("dari", "created on or after (YYYY-MM-DD, WIB; years 1900-2200)", json!({"type": "string", "format": "date"})),
                        query_schema("sampai", "created on or before (YYYY-MM-DD, WIB; years 1900-2200)", json!({"type": "string", "format": "date"})),
                        query_schema("limit", "page size", json!({"type": "integer", "minimum": 1, "maximum": 1000})),
                        query_schema("offset", "rows to skip", json!({"type": "integer", "minimum": 0, "maximum": 4294967295u64})),
                        query_schema("halaman", "page number (pages only)", json!({"type": "integer", "minimum": 1, "maximum": 100000}))
                    ]
                }))
            },
            "/applications/{nomor}": {"get": op("One application with its timeline", "200", Some("Permohonan"), json!({"parameters": [nomor]}))},
            "/applications/{nomor}/check": {"post": op(
                "Verifikasi ketunggalan: send for and run the uniqueness check (operator, verifikator, admin)", "200",
                Some("Permohonan"), json!({"parameters": [nomor]}))},
            "/applications/{nomor}/actions/{aksi}": {"post": op(
                "Transition: adjudikasi_tunggal | tolak (verifikator) | setujui | cetak | serahkan (pencetak)", "200",
                Some("Permohonan"), json!({
                    "parameters": [nomor, path_param("aksi", "adjudikasi_tunggal, tolak, setujui, cetak, serahkan")],
                    "requestBody": {"required": false, "content": {"application/json": {"schema": {
                        "type": "object", "properties": {"alasan": {"type": "string", "description": "required for tolak"}}}}}}
                }))},
            "/applications/{nomor}/audit": {"get": op("Audit entries of an application", "200", Some("AuditEntries"), json!({"parameters": [nomor]}))}
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {"Error": {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}},
            "headers": {"RetryAfter": {"description": "seconds to wait before trying again", "schema": {"type": "integer", "minimum": 1}}},
            "schemas": schemas()
        }
    })
}

fn obj(required: &[&str], properties: Value) -> Value {
    json!({"type": "object", "required": required, "properties": properties})
}

fn list(item: Value) -> Value {
    json!({"type": "array", "items": item})
}

const S: &str = "string";

/// The response bodies, as the handlers write them (checked by schemathesis's
/// response-schema conformance in CI).
fn schemas() -> Value {
    let s = json!({"type": S});
    let int = json!({"type": "integer"});
    let opt_s = json!({"type": [S, "null"]});
    let counts = json!({"type": "object", "additionalProperties": {"type": "integer"}});
    let kandidat = obj(
        &["permohonan", "nik", "skor", "jari_cocok"],
        json!({"permohonan": s, "nik": s, "skor": {"type": "number"}, "jari_cocok": int}),
    );
    json!({
        "Error": obj(&["code", "message"], json!({"code": s, "message": s})),
        "Health": obj(&["status"], json!({"status": s})),
        "Session": obj(&["token", "expires", "username", "peran"],
            json!({"token": s, "expires": s, "username": s, "peran": s})),
        "Officer": obj(&["username", "peran"], json!({"username": s, "peran": s})),
        "Penduduk": obj(
            &["nik", "nama", "tempat_lahir", "tanggal_lahir", "jenis_kelamin", "golongan_darah",
              "alamat", "rt_rw", "kelurahan", "kelurahan_nama", "kecamatan", "kecamatan_nama",
              "agama", "status_perkawinan", "pekerjaan", "kewarganegaraan"],
            json!({"nik": s, "nama": s, "tempat_lahir": s, "tanggal_lahir": s, "jenis_kelamin": s,
                "golongan_darah": s, "alamat": s, "rt_rw": s, "kelurahan": s, "kelurahan_nama": s,
                "kecamatan": s, "kecamatan_nama": s, "agama": s, "status_perkawinan": s,
                "pekerjaan": s, "kewarganegaraan": s,
                "nomor_kk": {"type": S, "description": "absent for pencetak"},
                "hubungan": {"type": S, "description": "absent for pencetak"},
                "nama_ibu_kandung": {"type": S, "description": "absent for pencetak"}})),
        "Permohonan": obj(
            &["nomor", "nik", "nama", "kantor", "kelurahan", "kecamatan", "status", "status_label", "dibuat"],
            json!({"nomor": s, "nik": s, "nama": s, "kantor": s, "kelurahan": s, "kecamatan": s,
                "status": {"enum": ["direkam", "dikirim", "tunggal", "ganda", "siap_cetak", "dicetak", "diserahkan", "ditolak"]},
                "status_label": s, "dibuat": s,
                "riwayat": list(obj(&["aksi", "ke", "aktor", "waktu", "waktu_wib"],
                    json!({"aksi": s, "dari": opt_s, "ke": s, "aktor": s, "waktu": s, "waktu_wib": s, "alasan": opt_s}))),
                "ketunggalan": obj(&["biometrik", "catatan", "kandidat"],
                    json!({"biometrik": {"type": "boolean"}, "catatan": s, "kandidat": list(kandidat.clone())}))})),
        "ApplicationList": obj(&["items", "counts"],
            json!({"items": list(json!({"$ref": "#/components/schemas/Permohonan"})), "counts": counts})),
        "AuditEntries": obj(&["entries"], json!({"entries": list(obj(
            &["seq", "aktor", "aksi", "subjek", "waktu", "detail", "prev_hash", "hash"],
            json!({"seq": int, "aktor": s, "aksi": s, "subjek": s, "waktu": s, "detail": s, "prev_hash": s, "hash": s})))})),
        "SyncStatus": obj(&["waiting", "sent", "refused", "decisions_applied", "cursor", "refused_packets", "findings_on_issued_cards"],
            json!({"centre_up": {"type": ["boolean", "null"]}, "down_since": opt_s, "last_ok": opt_s, "last_error": opt_s,
                "waiting": int, "oldest_waiting": opt_s, "oldest_waiting_seconds": {"type": ["integer", "null"]},
                "sent": int, "refused": int, "decisions_applied": int, "cursor": int,
                "refused_packets": {"type": "array"}, "findings_on_issued_cards": {"type": "array"}})),
        "PacketReceipt": obj(&["result", "packet_id"], json!({"result": {"enum": ["accepted", "replay"]}, "packet_id": s})),
        "FeedPage": list(obj(&["seq", "nomor", "packet_id", "hasil", "kandidat", "catatan", "waktu"],
            json!({"seq": int, "nomor": s, "packet_id": s, "hasil": s, "kandidat": list(kandidat), "catatan": s, "waktu": s}))),
        "UploadOffset": obj(&["offset", "total"], json!({"offset": int, "total": int})),
        "CentreStatus": obj(&["received", "decided", "waiting", "quarantined", "decisions", "packets", "gallery"],
            json!({"received": int, "decided": int, "waiting": int, "quarantined": int,
                "decisions": counts, "packets": counts, "gallery": int})),
        "QuarantineList": list(obj(&["id", "sha256", "code", "reason", "bytes", "received"],
            json!({"id": int, "sha256": s, "packet_id": opt_s, "office": opt_s, "code": s, "reason": s, "bytes": int, "received": s}))),
        "DuplicateList": list(obj(&["nomor", "nik", "nama", "office", "packet_id", "received"],
            json!({"nomor": s, "nik": s, "nama": s, "office": s, "packet_id": s, "received": s}))),
        "OfficeList": list(obj(&["office", "name", "public_key", "registered"],
            json!({"office": s, "name": s, "public_key": s, "revoked": opt_s, "registered": s}))),
        "OfficeRegistered": obj(&["office", "certificate"], json!({"office": s, "certificate": s})),
        "Adjudicated": obj(&["nomor", "result"], json!({"nomor": s, "result": {"enum": ["tunggal", "tolak"]}}))
    })
}
