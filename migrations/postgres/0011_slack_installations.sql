-- quizbot 0011 (PostgreSQL): Slack OAuth ("Add to Slack"), as
-- migrations/sqlite/0011_slack_installations.sql. Installations (one per installing person) and
-- bots, each the JSON text the Slack adapter wrote, keyed by app (client id), enterprise, team.
CREATE TABLE slack_installations (
    app TEXT NOT NULL,
    enterprise TEXT NOT NULL,
    team TEXT NOT NULL,
    user_ref TEXT NOT NULL,
    installed_at TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (app, team, enterprise, user_ref)
);
CREATE TABLE slack_bots (
    app TEXT NOT NULL,
    enterprise TEXT NOT NULL,
    team TEXT NOT NULL,
    installed_at TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (app, team, enterprise)
);
-- The state of each "Add to Slack" in flight: used once, and only until it expires.
CREATE TABLE oauth_states (
    state TEXT PRIMARY KEY,
    expires_at TEXT NOT NULL
);
CREATE INDEX oauth_states_expiry ON oauth_states (expires_at);
