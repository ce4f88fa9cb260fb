BEGIN TRANSACTION;
CREATE TABLE job_dependencies (
    job_id INTEGER NOT NULL REFERENCES jobs (id),
    prerequisite_id INTEGER NOT NULL REFERENCES jobs (id),
    PRIMARY KEY (job_id, prerequisite_id)
);
INSERT INTO "job_dependencies" VALUES(5,2);
INSERT INTO "job_dependencies" VALUES(5,3);
INSERT INTO "job_dependencies" VALUES(5,4);
CREATE TABLE jobs (
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
INSERT INTO "jobs" VALUES(1,'cpu','ingest','ingest','batch-1','{}','completed',0,1,3,1700000000.0,NULL,NULL,'[]','{"rows":9,"bad":0,"shards":3}',1700000000.0,1700000001.0,1700000009.0);
INSERT INTO "jobs" VALUES(2,'cpu','shard','shard-00000','batch-1','{"shard": 0}','completed',0,2,3,1700000001.0,NULL,NULL,'[{"attempt": 1, "at": 1700000005.0, "message": "disk full"}]','{"rows_in":3}',1700000000.0,1700000001.0,1700000009.0);
INSERT INTO "jobs" VALUES(3,'cpu','shard','shard-00001','batch-1','{"shard": 1}','running',0,1,3,1700000002.0,'host:42/0',1700000060.0,'[]',NULL,1700000000.0,1700000001.0,NULL);
INSERT INTO "jobs" VALUES(4,'cpu','shard','shard-00002','batch-1','{"shard": 2}','retryable',0,1,3,1700000003.0,NULL,NULL,'[{"attempt": 1, "at": 1700000007.0, "message": "busy"}]',NULL,1700000000.0,1700000001.0,NULL);
INSERT INTO "jobs" VALUES(5,'cpu','finalize','finalize','batch-1','{}','scheduled',0,0,3,1700000004.0,NULL,NULL,'[]',NULL,1700000000.0,NULL,NULL);
INSERT INTO "jobs" VALUES(6,'cpu','x','odd','batch-odd','{}','paused',0,0,3,1700000000.0,NULL,NULL,'[]',NULL,1700000000.0,NULL,NULL);
CREATE INDEX jobs_claim ON jobs (queue, state, priority, run_at, id);
DELETE FROM "sqlite_sequence";
INSERT INTO "sqlite_sequence" VALUES('jobs',6);
COMMIT;
