-- +goose Up
-- Tasks the task service creates from a suggestion (assign mode may also propose assignees for
-- tasks it already has): what must be decided before it reads approved. IF NOT EXISTS because
-- databases created while 00001 carried the column (edited in place) have it already.
ALTER TABLE suggestions ADD COLUMN IF NOT EXISTS new_task_count integer NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE suggestions DROP COLUMN IF EXISTS new_task_count;
