-- When the office enrolled each packet (the packet's own creation time, not its
-- arrival): the centre decides waiting packets in enrollment order, so after an
-- outage the earlier of two enrollments of one person is decided first.
ALTER TABLE paket_masuk ADD COLUMN direkam INTEGER NOT NULL DEFAULT 0;
CREATE INDEX paket_masuk_antre ON paket_masuk(diputuskan, direkam, urut);
