-- +goose Up
-- Tasks are never removed: deleting (by an organizer, a superseding suggestion or a deleted event)
-- sets deleted_at, which hides the task everywhere; its history stays readable to admins.
CREATE TABLE tasks (
    id                uuid PRIMARY KEY,
    event_id          uuid        NOT NULL,
    company_id        uuid        NOT NULL,
    title             text        NOT NULL,
    description       text        NOT NULL DEFAULT '',
    required_skills   jsonb       NOT NULL DEFAULT '[]',
    starts_at         timestamptz NOT NULL,
    ends_at           timestamptz NOT NULL,
    priority          smallint    NOT NULL DEFAULT 3 CHECK (priority BETWEEN 1 AND 5),
    assignee_id       uuid,
    approval          text        NOT NULL CHECK (approval IN ('proposed', 'approved', 'rejected')),
    status            text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'in_progress', 'blocked', 'done')),
    progress          smallint    NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    note              text        NOT NULL DEFAULT '',
    source            text        NOT NULL CHECK (source IN ('ai', 'manual', 'import')),
    suggestion_id     uuid,
    slot_group        text,
    area              text        NOT NULL DEFAULT '',
    reasons           jsonb       NOT NULL DEFAULT '[]',
    version           bigint      NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    approved_at       timestamptz,
    completed_at      timestamptz,
    edited_by_manager boolean     NOT NULL DEFAULT false,
    was_blocked       boolean     NOT NULL DEFAULT false,
    deleted_at        timestamptz,
    CHECK (starts_at < ends_at)
);
-- GET /staff/tasks: one person's approved tasks in time order (keyset on starts_at, id); also
-- the assignment checks' "other tasks of this person".
CREATE INDEX tasks_staff_idx ON tasks (assignee_id, approval, starts_at, id) WHERE deleted_at IS NULL;
CREATE INDEX tasks_event_idx ON tasks (event_id, starts_at, id) WHERE deleted_at IS NULL;
CREATE INDEX tasks_suggestion_idx ON tasks (suggestion_id, id) WHERE suggestion_id IS NOT NULL AND deleted_at IS NULL;

-- No foreign key to tasks on purpose: history outlives every kind of task removal.
CREATE TABLE task_history (
    id       bigserial PRIMARY KEY,
    task_id  uuid        NOT NULL,
    at       timestamptz NOT NULL,
    actor_id uuid,
    action   text        NOT NULL,
    "from"   jsonb       NOT NULL DEFAULT '{}',
    "to"     jsonb       NOT NULL DEFAULT '{}',
    note     text        NOT NULL DEFAULT ''
);
CREATE INDEX task_history_task_idx ON task_history (task_id, id);

-- Read model of identity.users.v1 (what the assignment checks need). Deleted users stay as
-- tombstones so that a late snapshot cannot bring them back.
CREATE TABLE users (
    id                uuid PRIMARY KEY,
    role              text             NOT NULL DEFAULT '',
    is_active         boolean          NOT NULL DEFAULT true,
    skills            jsonb            NOT NULL DEFAULT '[]',
    availability      jsonb            NOT NULL DEFAULT '[]',
    max_hours_per_day double precision NOT NULL DEFAULT 0,
    deleted           boolean          NOT NULL DEFAULT false,
    version           bigint           NOT NULL DEFAULT 0
);

-- The membership rule of CONVENTIONS.md (identity and company topics).
CREATE TABLE memberships (
    user_id    uuid NOT NULL,
    company_id uuid NOT NULL,
    PRIMARY KEY (user_id, company_id)
);
CREATE INDEX memberships_company_idx ON memberships (company_id);

-- Read model of event.events.v1.
CREATE TABLE events (
    id          uuid PRIMARY KEY,
    company_id  uuid    NOT NULL,
    manager_ids uuid[]  NOT NULL DEFAULT '{}',
    timezone    text    NOT NULL DEFAULT 'UTC',
    deleted     boolean NOT NULL DEFAULT false,
    version     bigint  NOT NULL DEFAULT 0
);

-- Suggestions seen on suggestion.suggestions.v1; a newer one of the same event supersedes the rest.
CREATE TABLE suggestions (
    id         uuid PRIMARY KEY,
    event_id   uuid        NOT NULL,
    company_id uuid        NOT NULL,
    superseded boolean     NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL
);
CREATE INDEX suggestions_event_idx ON suggestions (event_id);

-- +goose Down
DROP TABLE suggestions;
DROP TABLE events;
DROP TABLE memberships;
DROP TABLE users;
DROP TABLE task_history;
DROP TABLE tasks;
