-- The generic `outbox` table of 0001 was written on every change and read by nothing
-- but a test: the office's real outbox is `paket_keluar` (sealed packets, 0002).
DROP INDEX IF EXISTS outbox_pending;
DROP TABLE IF EXISTS outbox;
