import type { ColumnType, Generated } from 'kysely';

/**
 * Table shapes as Kysely sees them, shared by every dialect.
 *
 * Epoch-ms columns are `bigint` in the DDL so PostgreSQL can hold them; node-postgres returns
 * int8 as a string, better-sqlite3 as a number, so reads are typed as either and normalised in
 * `rows.ts`. JSON is stored as text everywhere so both backends round-trip it identically.
 */
export type EpochMs = ColumnType<number | string, number, number>;
export type Int = ColumnType<number | string, number, number>;

export interface SessionsTable {
  id: string;
  account_id: string;
  title: string | null;
  tags: string; // JSON string[]
  status: string;
  model: string | null;
  system_prompt: string | null;
  approval_tools: string | null; // JSON string[]
  builtin_tools: ColumnType<string | null, string | null | undefined, string | null>; // JSON string[]
  created_at: EpochMs;
  last_active_at: EpochMs;
  turn_count: Int;
  input_tokens: Int;
  output_tokens: Int;
  cache_read_tokens: Int;
  cache_write_tokens: Int;
  cost_usd: number;
  inherited_cost_usd: number;
  forked_from: string | null;
  runner_instance: string | null;
}

export interface TurnsTable {
  id: string;
  session_id: string;
  seq: Int;
  status: string;
  prompt: string;
  response_text: string;
  tool_calls: string; // JSON ToolCall[]
  usage: string; // JSON TokenUsage
  cost_usd: number;
  duration_ms: Int;
  num_turns: Int;
  error_code: string | null;
  error_message: string | null;
  created_at: EpochMs;
  finished_at: EpochMs | null;
  instance_id: string | null;
  priority: Int;
}

export interface TranscriptEntriesTable {
  /** Append order; the only thing `load` sorts by. */
  id: Generated<number | string>;
  project_key: string;
  session_id: string;
  /** '' for the main transcript, so the unique key never has to compare NULL subpaths. */
  subpath: string;
  uuid: string | null;
  entry: string; // JSON SessionStoreEntry
  created_at: EpochMs;
}

export interface SessionSummariesTable {
  project_key: string;
  session_id: string;
  mtime: EpochMs;
  data: string; // JSON, opaque SDK state
}

export interface TurnEventsTable {
  turn_id: string;
  seq: Int;
  type: string;
  data: string; // JSON event without type and id
  created_at: EpochMs;
}

export interface InstancesTable {
  id: string;
  started_at: EpochMs;
  heartbeat_at: EpochMs;
  home: string;
}

export interface AccountsTable {
  id: string;
  name: string;
  limits: string; // JSON AccountLimits
  tool_policy: ColumnType<string, string | undefined, string>; // JSON ToolPolicy
  created_at: EpochMs;
}

export interface ApiKeysTable {
  id: string;
  account_id: string;
  name: string | null;
  prefix: string;
  hash: string;
  created_at: EpochMs;
  last_used_at: EpochMs | null;
  revoked_at: EpochMs | null;
}

export interface UsageDailyTable {
  account_id: string;
  day: string; // YYYY-MM-DD (UTC)
  model: string;
  turns: Int;
  input_tokens: Int;
  output_tokens: Int;
  cache_read_tokens: Int;
  cache_write_tokens: Int;
  cost_usd: number;
}

/** Chat Completions conversations by fingerprint (see store/openai-index.ts). */
export interface OpenAiConversationsTable {
  account_id: string;
  conversation_key: string;
  session_id: string;
  turn_id: string;
  created_at: EpochMs;
}

/** Responses API ids and what to echo back about them (see store/openai-index.ts). */
export interface OpenAiResponsesTable {
  id: string;
  account_id: string;
  session_id: string;
  turn_id: string;
  previous_response_id: string | null;
  model: string;
  instructions: string | null;
  metadata: string; // JSON Record<string, string>
  options: string; // JSON
  created_at: EpochMs;
}

export interface Database {
  accounts: AccountsTable;
  api_keys: ApiKeysTable;
  usage_daily: UsageDailyTable;
  instances: InstancesTable;
  sessions: SessionsTable;
  turns: TurnsTable;
  transcript_entries: TranscriptEntriesTable;
  session_summaries: SessionSummariesTable;
  turn_events: TurnEventsTable;
  openai_conversations: OpenAiConversationsTable;
  openai_responses: OpenAiResponsesTable;
  model_calls: ModelCallsTable;
}

/** One forwarded model call (see store/model-calls.ts). */
export interface ModelCallsTable {
  id: string;
  account_id: string;
  session_id: string;
  turn_id: string | null;
  model: string;
  input_tokens: Int;
  output_tokens: Int;
  cache_read_tokens: Int;
  cache_write_tokens: Int;
  cost_usd: number | null;
  price_version: string;
  latency_ms: Int;
  status: number;
  retries: number;
  created_at: EpochMs;
}
