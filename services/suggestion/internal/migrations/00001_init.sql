-- +goose Up
-- Read models of other services' topics. No foreign keys between them: topics arrive in any
-- order relative to each other and the consumer must never get stuck.
CREATE TABLE users (
    id                uuid PRIMARY KEY,
    username          text             NOT NULL DEFAULT '',
    full_name         text             NOT NULL DEFAULT '',
    role              text             NOT NULL DEFAULT '',
    is_active         boolean          NOT NULL DEFAULT true,
    skills            jsonb            NOT NULL DEFAULT '[]',
    availability      jsonb            NOT NULL DEFAULT '[]',
    max_hours_per_day double precision NOT NULL DEFAULT 0,
    deleted           boolean          NOT NULL DEFAULT false,
    version           bigint           NOT NULL DEFAULT 0
);

CREATE TABLE companies (
    id         uuid PRIMARY KEY,
    name       text NOT NULL DEFAULT '',
    created_by uuid,
    deleted    boolean NOT NULL DEFAULT false
);

CREATE TABLE memberships (
    user_id    uuid NOT NULL,
    company_id uuid NOT NULL,
    PRIMARY KEY (user_id, company_id)
);
CREATE INDEX memberships_company_idx ON memberships (company_id, user_id);

CREATE TABLE events (
    id                 uuid PRIMARY KEY,
    company_id         uuid        NOT NULL,
    title              text        NOT NULL DEFAULT '',
    timezone           text        NOT NULL DEFAULT 'UTC',
    event_type         text        NOT NULL DEFAULT '',
    expected_attendees integer     NOT NULL DEFAULT 0,
    starts_at          timestamptz NOT NULL,
    ends_at            timestamptz NOT NULL,
    manager_ids        uuid[]      NOT NULL DEFAULT '{}',
    deleted            boolean     NOT NULL DEFAULT false,
    version            bigint      NOT NULL DEFAULT 0
);

-- event.schedule_imported replaces an event's sessions wholesale.
CREATE TABLE sessions (
    event_id    uuid        NOT NULL,
    external_id text        NOT NULL,
    room        text        NOT NULL DEFAULT '',
    track       text        NOT NULL DEFAULT '',
    title       text        NOT NULL DEFAULT '',
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz NOT NULL,
    PRIMARY KEY (event_id, external_id)
);

-- Every task of task.tasks.v1: open work to staff, commitments (busy time), the approved plan
-- (stability), suggestion approval counts and the learning history.
CREATE TABLE tasks (
    id                uuid PRIMARY KEY,
    event_id          uuid        NOT NULL,
    company_id        uuid,
    title             text        NOT NULL DEFAULT '',
    description       text        NOT NULL DEFAULT '',
    required_skills   jsonb       NOT NULL DEFAULT '[]',
    starts_at         timestamptz NOT NULL,
    ends_at           timestamptz NOT NULL,
    priority          integer     NOT NULL DEFAULT 3,
    assignee_id       uuid,
    approval          text        NOT NULL DEFAULT '',
    status            text        NOT NULL DEFAULT '',
    source            text        NOT NULL DEFAULT '',
    suggestion_id     uuid,
    slot_group        text,
    area              text        NOT NULL DEFAULT '',
    approved_at       timestamptz,
    completed_at      timestamptz,
    edited_by_manager boolean     NOT NULL DEFAULT false,
    was_blocked       boolean     NOT NULL DEFAULT false,
    updated_at        timestamptz,
    deleted           boolean     NOT NULL DEFAULT false,
    version           bigint      NOT NULL DEFAULT 0
);
CREATE INDEX tasks_event_idx ON tasks (event_id) WHERE NOT deleted;
CREATE INDEX tasks_assignee_idx ON tasks (assignee_id, starts_at) WHERE NOT deleted;
CREATE INDEX tasks_suggestion_idx ON tasks (suggestion_id) WHERE suggestion_id IS NOT NULL;

-- The service's own objects. body holds the answer as served (tasks, teams, metrics), which is
-- written once when the solve ends; status moves running -> ready | failed.
CREATE TABLE suggestions (
    id            uuid PRIMARY KEY,
    event_id      uuid        NOT NULL,
    company_id    uuid        NOT NULL,
    created_by    uuid        NOT NULL,
    mode          text        NOT NULL CHECK (mode IN ('plan', 'assign', 'plan_and_assign')),
    status        text        NOT NULL CHECK (status IN ('running', 'ready', 'failed')),
    planner       text        NOT NULL DEFAULT '',
    task_count    integer     NOT NULL DEFAULT 0,
    body          jsonb,
    error         text        NOT NULL DEFAULT '',
    supersedes    uuid[]      NOT NULL DEFAULT '{}',
    superseded_by uuid,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE INDEX suggestions_event_idx ON suggestions (event_id, created_at DESC, id DESC);

-- +goose Down
DROP TABLE suggestions;
DROP TABLE tasks;
DROP TABLE sessions;
DROP TABLE events;
DROP TABLE memberships;
DROP TABLE companies;
DROP TABLE users;
