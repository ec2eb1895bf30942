-- +goose Up
-- A creator's membership inserted with the company is pending until identity's user snapshot
-- lists the company: a snapshot identity produced before it learned of the company must not
-- drop it (see store.ApplyUser).
ALTER TABLE memberships ADD COLUMN IF NOT EXISTS pending boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE memberships DROP COLUMN IF EXISTS pending;
