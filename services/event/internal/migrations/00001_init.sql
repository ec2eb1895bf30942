-- +goose Up
CREATE TABLE events (
    id                 uuid PRIMARY KEY,
    company_id         uuid        NOT NULL,
    title              text        NOT NULL,
    description        text        NOT NULL DEFAULT '',
    location           text        NOT NULL DEFAULT '',
    timezone           text        NOT NULL,
    starts_at          timestamptz NOT NULL,
    ends_at            timestamptz NOT NULL,
    event_type         text        NOT NULL DEFAULT '',
    expected_attendees integer     NOT NULL DEFAULT 0 CHECK (expected_attendees >= 0),
    manager_ids        uuid[]      NOT NULL DEFAULT '{}',
    created_by         uuid        NOT NULL,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    version            bigint      NOT NULL DEFAULT 1,
    CHECK (starts_at < ends_at)
);
CREATE INDEX events_company_idx ON events (company_id, starts_at, id);
CREATE INDEX events_starts_idx ON events (starts_at, id);
CREATE INDEX events_managers_idx ON events USING gin (manager_ids);

CREATE TABLE teams (
    id            uuid PRIMARY KEY,
    event_id      uuid        NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    name          text        NOT NULL,
    area          text        NOT NULL DEFAULT '',
    lead_id       uuid,
    member_ids    uuid[]      NOT NULL DEFAULT '{}',
    approval      text        NOT NULL CHECK (approval IN ('proposed', 'approved', 'rejected')),
    source        text        NOT NULL CHECK (source IN ('ai', 'manual')),
    suggestion_id uuid,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    version       bigint      NOT NULL DEFAULT 1
);
CREATE INDEX teams_event_idx ON teams (event_id, created_at, id);

CREATE TABLE sessions (
    id          uuid PRIMARY KEY,
    event_id    uuid        NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    external_id text        NOT NULL,
    room        text        NOT NULL,
    track       text        NOT NULL DEFAULT '',
    title       text        NOT NULL,
    speakers    text[]      NOT NULL DEFAULT '{}',
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz NOT NULL,
    day         date,
    day_index   integer     NOT NULL DEFAULT 0,
    UNIQUE (event_id, external_id)
);
CREATE INDEX sessions_event_idx ON sessions (event_id, starts_at, id);

-- Read models of other services' topics. No foreign keys between them: topics arrive in any
-- order relative to each other and the consumer must never get stuck.
CREATE TABLE users (
    id        uuid PRIMARY KEY,
    role      text    NOT NULL DEFAULT '',
    is_active boolean NOT NULL DEFAULT true,
    version   bigint  NOT NULL DEFAULT 0
);

CREATE TABLE companies (
    id         uuid PRIMARY KEY,
    name       text NOT NULL DEFAULT '',
    created_by uuid
);

CREATE TABLE memberships (
    user_id    uuid NOT NULL,
    company_id uuid NOT NULL,
    PRIMARY KEY (user_id, company_id)
);
CREATE INDEX memberships_company_idx ON memberships (company_id, user_id);

-- One row per task so that updates and deletes move the counts correctly.
CREATE TABLE tasks (
    id       uuid PRIMARY KEY,
    event_id uuid   NOT NULL,
    approval text   NOT NULL DEFAULT '',
    status   text   NOT NULL DEFAULT '',
    version  bigint NOT NULL DEFAULT 0
);
CREATE INDEX tasks_event_idx ON tasks (event_id);

-- +goose Down
DROP TABLE tasks;
DROP TABLE memberships;
DROP TABLE companies;
DROP TABLE users;
DROP TABLE sessions;
DROP TABLE teams;
DROP TABLE events;
