import GRDB

/// The SQLite store's schema, one migration per version of `JobStoreSchema`. Stores written before
/// migrations were versioned hold exactly version 1, created with `IF NOT EXISTS`, so migrating them
/// records version 1 and applies the rest.
enum SQLiteMigrations {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration(JobStoreSchema.versions[0]) { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS jobs (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    queue TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    key TEXT NOT NULL,
                    grp TEXT NOT NULL,
                    payload TEXT NOT NULL,
                    state TEXT NOT NULL,
                    priority INTEGER NOT NULL DEFAULT 0,
                    attempt INTEGER NOT NULL DEFAULT 0,
                    max_attempts INTEGER NOT NULL,
                    run_at REAL NOT NULL,
                    lease_owner TEXT,
                    lease_expires_at REAL,
                    errors TEXT NOT NULL DEFAULT '[]',
                    result TEXT,
                    created_at REAL NOT NULL,
                    started_at REAL,
                    finished_at REAL,
                    UNIQUE (grp, key)
                );
                CREATE INDEX IF NOT EXISTS jobs_claim ON jobs (queue, state, priority, run_at, id);
                CREATE TABLE IF NOT EXISTS job_dependencies (
                    job_id INTEGER NOT NULL REFERENCES jobs (id),
                    prerequisite_id INTEGER NOT NULL REFERENCES jobs (id),
                    PRIMARY KEY (job_id, prerequisite_id)
                );
                """)
        }
        m.registerMigration(JobStoreSchema.versions[1]) { db in
            let states = JobState.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
            try db.execute(sql: """
                CREATE INDEX jobs_group_state ON jobs (grp, state);
                CREATE INDEX jobs_running_lease ON jobs (lease_expires_at) WHERE state = 'running';
                CREATE TRIGGER jobs_state_insert BEFORE INSERT ON jobs WHEN NEW.state NOT IN (\(states))
                BEGIN SELECT RAISE(ABORT, 'unknown job state'); END;
                CREATE TRIGGER jobs_state_update BEFORE UPDATE OF state ON jobs WHEN NEW.state NOT IN (\(states))
                BEGIN SELECT RAISE(ABORT, 'unknown job state'); END;
                """)
        }
        m.registerMigration(JobStoreSchema.versions[2]) { db in
            try db.execute(sql: "ALTER TABLE jobs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0")
        }
        m.registerMigration(JobStoreSchema.versions[3]) { db in
            try db.execute(sql: """
                CREATE TABLE batches (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    idempotency_key TEXT,
                    queue TEXT NOT NULL,
                    model TEXT,
                    spec_sha256 TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    cancel_requested_at REAL,
                    tenant TEXT NOT NULL DEFAULT '',
                    details TEXT
                );
                CREATE UNIQUE INDEX batches_tenant_key ON batches (tenant, idempotency_key) WHERE idempotency_key IS NOT NULL;
                CREATE INDEX batches_tenant_created ON batches (tenant, created_at, id);
                CREATE TABLE artifacts (
                    grp TEXT NOT NULL,
                    name TEXT NOT NULL,
                    bytes INTEGER NOT NULL,
                    chunks INTEGER NOT NULL,
                    created_at REAL NOT NULL,
                    PRIMARY KEY (grp, name)
                );
                CREATE TABLE artifact_chunks (
                    grp TEXT NOT NULL,
                    name TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    data BLOB NOT NULL,
                    PRIMARY KEY (grp, name, seq)
                );
                CREATE TABLE api_keys (
                    id TEXT PRIMARY KEY,
                    hash TEXT NOT NULL UNIQUE,
                    tenant TEXT NOT NULL,
                    rpm INTEGER,
                    tpm INTEGER,
                    created_at REAL NOT NULL,
                    revoked_at REAL
                );
                CREATE TABLE files (
                    id TEXT PRIMARY KEY,
                    tenant TEXT NOT NULL,
                    filename TEXT NOT NULL,
                    purpose TEXT NOT NULL,
                    bytes INTEGER NOT NULL,
                    created_at REAL NOT NULL
                );
                CREATE INDEX files_tenant_created ON files (tenant, created_at, id);
                CREATE TABLE rate_windows (
                    key_id TEXT NOT NULL,
                    minute INTEGER NOT NULL,
                    requests INTEGER NOT NULL DEFAULT 0,
                    tokens INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (key_id, minute)
                );
                """)
        }
        // Nothing to do here: `jobs_claim` leads with the state, so a claim reads only claimable jobs.
        m.registerMigration(JobStoreSchema.versions[4]) { _ in }
        return m
    }

    /// Versions recorded in the store that this build does not know (a newer textnlp migrated it).
    static func unknownVersions(_ db: Database) throws -> [String] {
        guard try db.tableExists("grdb_migrations") else { return [] }
        let applied = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier")
        return applied.filter { !JobStoreSchema.versions.contains($0) }
    }
}
