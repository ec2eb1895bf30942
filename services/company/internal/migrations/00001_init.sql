-- +goose Up
CREATE TABLE companies (
    id         uuid PRIMARY KEY,
    name       text        NOT NULL,
    created_by uuid        NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    version    bigint      NOT NULL DEFAULT 1
);
-- Names are unique without regard to case.
CREATE UNIQUE INDEX companies_name_key ON companies (lower(name));
CREATE INDEX companies_created_idx ON companies (created_at, id);

-- No foreign key to companies: a user snapshot may name a company that was deleted meanwhile,
-- and the consumer must never get stuck on it; reads join companies.
CREATE TABLE memberships (
    user_id    uuid NOT NULL,
    company_id uuid NOT NULL,
    PRIMARY KEY (user_id, company_id)
);
CREATE INDEX memberships_company_idx ON memberships (company_id, user_id);

-- Read model of identity.users.v1 for the members list.
CREATE TABLE users (
    id         uuid PRIMARY KEY,
    username   text    NOT NULL DEFAULT '',
    full_name  text    NOT NULL DEFAULT '',
    role       text    NOT NULL DEFAULT '',
    skills     jsonb   NOT NULL DEFAULT '[]',
    is_active  boolean NOT NULL DEFAULT true,
    version    bigint  NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE users;
DROP TABLE memberships;
DROP TABLE companies;
