import Logging
import PostgresNIO

/// The PostgreSQL store's schema, one migration per version of `JobStoreSchema`, applied in one transaction
/// under an advisory lock: workers that start together migrate once, and each sees the finished schema.
enum PostgresMigrations {
    /// Any constant works; it only has to be the same in every textnlp.
    static let lockKey: Int64 = 0x7465_7874_6e6c_70   // "textnlp"

    static let states = JobState.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")

    static let steps: [(version: String, sql: [String])] = [
        (JobStoreSchema.versions[0], [
            """
            CREATE TABLE textnlp_jobs (
                id bigserial PRIMARY KEY,
                queue text NOT NULL,
                kind text NOT NULL,
                key text NOT NULL,
                grp text NOT NULL,
                payload text NOT NULL,
                state text NOT NULL,
                priority integer NOT NULL DEFAULT 0,
                attempt integer NOT NULL DEFAULT 0,
                max_attempts integer NOT NULL,
                run_at double precision NOT NULL,
                lease_owner text,
                lease_expires_at double precision,
                worker integer,
                errors jsonb NOT NULL DEFAULT '[]',
                result text,
                created_at double precision NOT NULL,
                started_at double precision,
                finished_at double precision,
                UNIQUE (grp, key)
            )
            """,
            // Claims read only due states, in claim order: a partial index stays small however many jobs finished.
            """
            CREATE INDEX textnlp_jobs_claim ON textnlp_jobs (queue, priority, run_at, id)
            WHERE state IN ('available', 'retryable', 'scheduled')
            """,
            """
            CREATE TABLE textnlp_job_dependencies (
                job_id bigint NOT NULL REFERENCES textnlp_jobs (id) ON DELETE CASCADE,
                prerequisite_id bigint NOT NULL REFERENCES textnlp_jobs (id) ON DELETE CASCADE,
                PRIMARY KEY (job_id, prerequisite_id)
            )
            """,
            "CREATE INDEX textnlp_job_dependencies_prerequisite ON textnlp_job_dependencies (prerequisite_id)",
            // Every process that claims registers here and holds a session advisory lock on its id for its life:
            // when its database session ends, the lock goes, and its running jobs are rescued.
            """
            CREATE TABLE textnlp_workers (
                id serial PRIMARY KEY,
                name text NOT NULL,
                host text NOT NULL,
                pid integer NOT NULL,
                started_at double precision NOT NULL
            )
            """,
        ]),
        (JobStoreSchema.versions[1], [
            "CREATE INDEX textnlp_jobs_group_state ON textnlp_jobs (grp, state)",
            "CREATE INDEX textnlp_jobs_running ON textnlp_jobs (lease_expires_at) WHERE state = 'running'",
            "CREATE INDEX textnlp_jobs_running_worker ON textnlp_jobs (worker) WHERE state = 'running'",
            "CREATE INDEX textnlp_jobs_finished ON textnlp_jobs (finished_at) WHERE finished_at IS NOT NULL",
            "ALTER TABLE textnlp_jobs ADD CONSTRAINT textnlp_jobs_known_state CHECK (state IN (\(states)))",
        ]),
        (JobStoreSchema.versions[2], [
            // A running job whose batch was cancelled keeps running until its worker stops it (within a second).
            "ALTER TABLE textnlp_jobs ADD COLUMN cancel_requested boolean NOT NULL DEFAULT false",
            """
            CREATE TABLE textnlp_batches (
                id text PRIMARY KEY,
                name text NOT NULL,
                idempotency_key text UNIQUE,
                queue text NOT NULL,
                model text,
                spec_sha256 text NOT NULL,
                created_at double precision NOT NULL,
                cancel_requested_at double precision
            )
            """,
            "CREATE INDEX textnlp_batches_created ON textnlp_batches (created_at, id)",
            // An artifact is its chunks (at most 1 MiB each) and one row that says it is whole.
            """
            CREATE TABLE textnlp_artifacts (
                grp text NOT NULL,
                name text NOT NULL,
                bytes bigint NOT NULL,
                chunks integer NOT NULL,
                created_at double precision NOT NULL,
                PRIMARY KEY (grp, name)
            )
            """,
            """
            CREATE TABLE textnlp_artifact_chunks (
                grp text NOT NULL,
                name text NOT NULL,
                seq integer NOT NULL,
                data bytea NOT NULL,
                PRIMARY KEY (grp, name, seq)
            )
            """,
        ]),
        (JobStoreSchema.versions[3], [
            "ALTER TABLE textnlp_batches ADD COLUMN tenant text NOT NULL DEFAULT '', ADD COLUMN details text",
            "ALTER TABLE textnlp_batches DROP CONSTRAINT textnlp_batches_idempotency_key_key",
            "CREATE UNIQUE INDEX textnlp_batches_tenant_key ON textnlp_batches (tenant, idempotency_key) WHERE idempotency_key IS NOT NULL",
            "CREATE INDEX textnlp_batches_tenant_created ON textnlp_batches (tenant, created_at, id)",
            """
            CREATE TABLE textnlp_api_keys (
                id text PRIMARY KEY,
                hash text NOT NULL UNIQUE,
                tenant text NOT NULL,
                rpm integer,
                tpm integer,
                created_at double precision NOT NULL,
                revoked_at double precision
            )
            """,
            """
            CREATE TABLE textnlp_files (
                id text PRIMARY KEY,
                tenant text NOT NULL,
                filename text NOT NULL,
                purpose text NOT NULL,
                bytes bigint NOT NULL,
                created_at double precision NOT NULL
            )
            """,
            "CREATE INDEX textnlp_files_tenant_created ON textnlp_files (tenant, created_at, id)",
            // Requests and tokens of a key in one minute, shared by every replica of the server.
            """
            CREATE TABLE textnlp_rate_windows (
                key_id text NOT NULL,
                minute bigint NOT NULL,
                requests integer NOT NULL DEFAULT 0,
                tokens bigint NOT NULL DEFAULT 0,
                PRIMARY KEY (key_id, minute)
            )
            """,
        ]),
        (JobStoreSchema.versions[4], [
            """
            CREATE INDEX textnlp_jobs_claimable ON textnlp_jobs (queue, priority, run_at, id)
            WHERE state IN ('available', 'retryable', 'scheduled')
            """,
            "DROP INDEX textnlp_jobs_claim",
        ]),
    ]

    /// Applies the versions this store lacks; refuses a store with versions this build does not know.
    static func migrate(_ connection: PostgresConnection, store: String, logger: Logger) async throws {
        try await connection.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS textnlp_schema_versions (
                    version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())
                """, logger: logger)
            var applied: [String] = []
            for try await version in try await connection.query("SELECT version FROM textnlp_schema_versions ORDER BY version", logger: logger)
                .decode(String.self) {
                applied.append(version)
            }
            let unknown = applied.filter { !JobStoreSchema.versions.contains($0) }
            guard unknown.isEmpty else {
                throw JobsError.schemaTooNew(store: store, unknown: unknown, known: JobStoreSchema.versions)
            }
            for step in steps where !applied.contains(step.version) {
                for statement in step.sql {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO textnlp_schema_versions (version) VALUES (\(step.version))", logger: logger)
                logger.info("job store \(store): applied schema version \(step.version)")
            }
        }
    }
}
