-- quizbot 0002: teams (a person in at most one per workspace) and banks switched off per workspace.

CREATE TABLE teams (
    id        INTEGER PRIMARY KEY,
    platform  TEXT NOT NULL,
    workspace TEXT NOT NULL,
    name      TEXT NOT NULL,
    name_key  TEXT NOT NULL,
    UNIQUE (platform, workspace, name_key)
);

-- users.id is already per workspace, so one row per user keeps a person in at most one team.
CREATE TABLE team_members (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE
);
CREATE INDEX team_members_team ON team_members (team_id);

CREATE TABLE bank_settings (
    platform  TEXT NOT NULL,
    workspace TEXT NOT NULL,
    bank      TEXT NOT NULL,
    enabled   INTEGER NOT NULL,
    PRIMARY KEY (platform, workspace, bank)
) WITHOUT ROWID;
