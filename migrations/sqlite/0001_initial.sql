-- powerhook local store, version 1.
-- Timestamps are RFC 3339 UTC text with milliseconds ("2026-12-04T14:35:05.123Z").
-- Ids of rows that sync are client-generated UUIDs (text), so an upload can be retried
-- and de-duplicated by id on the server.

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

-- Every hook pass, also those that decide nothing or fail. Local only.
CREATE TABLE hook_executions (
  id                TEXT PRIMARY KEY,
  device_id         TEXT NOT NULL,
  started_at        TEXT NOT NULL,
  finished_at       TEXT NOT NULL,
  trigger_type      TEXT NOT NULL,      -- the trigger that started the pass
  active_triggers   TEXT NOT NULL,      -- JSON array of trigger names active in this pass
  should_optimize   INTEGER NOT NULL,   -- 0/1, the strategy's decision
  optimization_type TEXT,
  target_engine     TEXT,
  priority          TEXT,
  reason            TEXT NOT NULL,
  outcome           TEXT NOT NULL,      -- no_optimization | engine_unavailable | advised | paused | optimized | error
  detail            TEXT,               -- what the engine step said, or the error
  mode              TEXT NOT NULL,      -- apply | advise | paused
  sample            TEXT                -- JSON of the sample the pass judged
);
CREATE INDEX idx_hook_executions_started_at ON hook_executions(started_at);

-- The seed's table, every seed column, plus device_id and strategy.
CREATE TABLE performance_optimizations (
  id                             TEXT PRIMARY KEY,
  hook_execution_id              TEXT NOT NULL,
  optimization_type              TEXT NOT NULL,   -- quantum | neuromorphic | hybrid
  start_time                     TEXT NOT NULL,
  end_time                       TEXT NOT NULL,
  execution_time_ms              INTEGER NOT NULL,
  latency_reduction_percent      REAL,
  throughput_increase_percent    REAL,
  resource_efficiency_percent    REAL,
  power_reduction_percent        REAL,
  battery_life_extension_percent REAL,
  quantum_advantage              REAL,
  spike_efficiency               REAL,
  confidence                     REAL NOT NULL,
  applied_changes                TEXT,            -- JSON
  trigger_type                   TEXT NOT NULL,
  environment                    TEXT NOT NULL,
  created_at                     TEXT NOT NULL,
  device_id                      TEXT NOT NULL,
  strategy                       TEXT             -- latency_critical | energy_efficient | ...
);
CREATE INDEX idx_performance_optimizations_created_at ON performance_optimizations(created_at);
CREATE INDEX idx_performance_optimizations_type ON performance_optimizations(optimization_type);

-- The seed's table, every seed column, plus device_id. Per-minute aggregates for charts
-- have optimization_id NULL and kind 'minute'; an optimization's before/after windows carry
-- its id and kind 'before' / 'after'.
CREATE TABLE performance_metrics_history (
  id                      TEXT PRIMARY KEY,
  optimization_id         TEXT REFERENCES performance_optimizations(id),
  latency_ms              REAL NOT NULL,
  cpu_utilization_percent REAL NOT NULL,
  memory_usage_percent    REAL NOT NULL,
  energy_consumption_mw   REAL,
  requests_per_second     INTEGER,
  created_at              TEXT NOT NULL,
  device_id               TEXT NOT NULL,
  kind                    TEXT NOT NULL DEFAULT 'minute',  -- minute | before | after
  sample_count            INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX idx_performance_metrics_history_created_at ON performance_metrics_history(created_at);
CREATE INDEX idx_performance_metrics_history_optimization ON performance_metrics_history(optimization_id);

-- Raw samples, one per tick, short retention (default 24 h). Local only.
CREATE TABLE samples (
  id      INTEGER PRIMARY KEY,
  ts      TEXT NOT NULL,
  sample  TEXT NOT NULL            -- JSON of the Sample
);
CREATE INDEX idx_samples_ts ON samples(ts);

-- The sync outbox: one row per row of a synced table, written in the same transaction as
-- that row. A row is pending while synced_at IS NULL AND quarantined = 0.
CREATE TABLE sync_outbox (
  table_name      TEXT NOT NULL,     -- performance_optimizations | performance_metrics_history
  row_id          TEXT NOT NULL,
  enqueued_at     TEXT NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT,              -- NULL: now
  last_status     INTEGER,           -- HTTP status of the last attempt, NULL for a network error
  last_error      TEXT,
  quarantined     INTEGER NOT NULL DEFAULT 0,
  synced_at       TEXT,
  PRIMARY KEY (table_name, row_id)
) WITHOUT ROWID;
CREATE INDEX idx_sync_outbox_pending ON sync_outbox(quarantined, synced_at, table_name);
