-- +goose Up
CREATE TABLE users (
    id                uuid PRIMARY KEY,
    username          text NOT NULL,
    email             text NOT NULL,
    full_name         text NOT NULL DEFAULT '',
    role              text NOT NULL CHECK (role IN ('admin', 'organizer', 'manager', 'staff')),
    password_hash     text NOT NULL,
    company_ids       uuid[] NOT NULL DEFAULT '{}',
    skills            jsonb NOT NULL DEFAULT '[]',
    availability      jsonb NOT NULL DEFAULT '[]',
    max_hours_per_day double precision NOT NULL DEFAULT 8 CHECK (max_hours_per_day > 0 AND max_hours_per_day <= 24),
    is_active         boolean NOT NULL DEFAULT true,
    version           bigint NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    deleted_at        timestamptz
);
-- Deleted users keep their username and email reserved (the indexes cover them), so a name
-- seen in another service's history never comes to mean a different person.
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_company_ids_idx ON users USING gin (company_ids);
CREATE INDEX users_role_idx ON users (role) WHERE deleted_at IS NULL;

CREATE TABLE refresh_tokens (
    jti_hash    bytea PRIMARY KEY,
    family_id   uuid NOT NULL,
    user_id     uuid NOT NULL REFERENCES users (id),
    expires_at  timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

CREATE TABLE signing_keys (
    kid         text PRIMARY KEY,
    private_key bytea NOT NULL, -- PKCS#8 DER
    created_at  timestamptz NOT NULL DEFAULT now(),
    retired_at  timestamptz
);

-- Read model of company.companies.v1: which company ids exist.
CREATE TABLE companies (
    id         uuid PRIMARY KEY,
    name       text NOT NULL,
    created_by uuid,
    created_at timestamptz NOT NULL
);

CREATE TABLE login_throttle (
    key           text PRIMARY KEY,
    failures      integer NOT NULL,
    last_failure  timestamptz NOT NULL,
    blocked_until timestamptz NOT NULL
);

-- +goose Down
DROP TABLE login_throttle;
DROP TABLE companies;
DROP TABLE signing_keys;
DROP TABLE refresh_tokens;
DROP TABLE users;
