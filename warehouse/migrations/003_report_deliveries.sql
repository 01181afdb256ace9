-- 003: where each report was delivered beyond its files, and how that went:
-- a JSON list of {"target", "ok", "error"} with credentials masked.
ALTER TABLE reports ADD COLUMN IF NOT EXISTS deliveries JSON;
