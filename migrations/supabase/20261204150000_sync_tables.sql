-- powerhook's Supabase schema: the seed's two tables and three indexes, every seed column,
-- plus the owner (user_id), the recording device and strategy, and the metrics' kind and
-- sample count. Row-level security: a signed-in user inserts and reads only their own rows.
-- Needs only Supabase's roles (anon, authenticated) and auth.uid().
--
-- Widen, not clamp: the seed's DECIMAL(5,2) percent columns overflow at 999.99, and a
-- measured throughput increase of 10x is already 900 %, a regression can be below -999.99 %.
-- Clamping would store a number that was never measured, so every DECIMAL(5,2) column is
-- widened to NUMERIC(12,2) (two decimals as in the seed, up to +-9,999,999,999.99).

create table public.performance_optimizations (
  id uuid primary key default gen_random_uuid(),
  hook_execution_id uuid not null,
  optimization_type varchar(20) not null, -- 'quantum', 'neuromorphic', 'hybrid'
  start_time timestamp with time zone not null,
  end_time timestamp with time zone not null,
  execution_time_ms integer not null,

  -- Performance improvements
  latency_reduction_percent numeric(12,2),
  throughput_increase_percent numeric(12,2),
  resource_efficiency_percent numeric(12,2),

  -- Energy impact
  power_reduction_percent numeric(12,2),
  battery_life_extension_percent numeric(12,2),

  -- Specialized metrics
  quantum_advantage numeric(10,2),
  spike_efficiency numeric(12,2),
  confidence numeric(12,2) not null,

  -- Changes applied
  applied_changes jsonb,

  -- Context
  trigger_type varchar(30) not null,
  environment varchar(20) not null,
  created_at timestamp with time zone default now(),

  -- powerhook additions
  user_id uuid not null default auth.uid(),
  device_id text not null,
  strategy varchar(40),
  -- lets the metrics' foreign key also require the same owner
  unique (id, user_id)
);

create table public.performance_metrics_history (
  id uuid primary key default gen_random_uuid(),
  optimization_id uuid,
  latency_ms numeric(10,2) not null,
  cpu_utilization_percent numeric(12,2) not null,
  memory_usage_percent numeric(12,2) not null,
  energy_consumption_mw numeric(10,2),
  requests_per_second integer,
  created_at timestamp with time zone default now(),

  -- powerhook additions
  user_id uuid not null default auth.uid(),
  device_id text not null,
  kind varchar(10) not null default 'minute' check (kind in ('minute', 'before', 'after')),
  sample_count integer not null default 1 check (sample_count >= 1),

  -- The seed's optimization_id -> performance_optimizations(id), and the parent must belong
  -- to the same user (a NULL optimization_id, a per-minute row, is not checked).
  foreign key (optimization_id, user_id) references public.performance_optimizations (id, user_id)
);

-- The seed's indexes
create index idx_performance_optimizations_created_at on public.performance_optimizations(created_at);
create index idx_performance_optimizations_type on public.performance_optimizations(optimization_type);
create index idx_performance_metrics_history_created_at on public.performance_metrics_history(created_at);
-- Policies filter on user_id; the foreign key is looked up from the child side
create index idx_performance_optimizations_user_id on public.performance_optimizations(user_id);
create index idx_performance_metrics_history_user_id on public.performance_metrics_history(user_id);
create index idx_performance_metrics_history_optimization on public.performance_metrics_history(optimization_id);

alter table public.performance_optimizations enable row level security;
alter table public.performance_metrics_history enable row level security;

create policy "insert own optimizations" on public.performance_optimizations
  for insert to authenticated with check ((select auth.uid()) = user_id);
create policy "select own optimizations" on public.performance_optimizations
  for select to authenticated using ((select auth.uid()) = user_id);
create policy "insert own metrics" on public.performance_metrics_history
  for insert to authenticated with check ((select auth.uid()) = user_id);
create policy "select own metrics" on public.performance_metrics_history
  for select to authenticated using ((select auth.uid()) = user_id);

-- Supabase grants every new table in public to anon by default privileges: take that back.
-- The anon key is public; it must not read or write these tables even without RLS.
revoke all on table public.performance_optimizations from anon, authenticated;
revoke all on table public.performance_metrics_history from anon, authenticated;
grant select, insert on table public.performance_optimizations to authenticated;
grant select, insert on table public.performance_metrics_history to authenticated;
