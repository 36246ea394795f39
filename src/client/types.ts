import type { components, operations, paths } from './openapi.js';

/**
 * The API's shapes by name, straight from the generated OpenAPI types (src/client/openapi.ts), so
 * a client, the web chat and the server cannot disagree about them.
 */

export type { components, operations, paths };
export type Schemas = components['schemas'];

export type ErrorBody = Schemas['Error'];
export type Health = Schemas['Health'];
export type RuntimeStats = Schemas['RuntimeStats'];
export type Usage = Schemas['Usage'];
export type ToolCall = Schemas['ToolCall'];

export type Session = Schemas['Session'];
export type SessionStatus = Session['status'];
export type SessionPage = Schemas['SessionPage'];
export type CreateSession = Schemas['CreateSession'];
export type PatchSession = Schemas['PatchSession'];
export type ForkSession = Schemas['ForkSession'];
export type History = Schemas['History'];
export type HistoryMessage = Schemas['HistoryMessage'];
export type UserMessage = Extract<HistoryMessage, { role: 'user' }>;
export type AssistantMessage = Extract<HistoryMessage, { role: 'assistant' }>;

export type Turn = Schemas['Turn'];
export type TurnStatus = Turn['status'];
export type FinishedStatus = Exclude<TurnStatus, 'queued' | 'running'>;
export type TurnError = NonNullable<Turn['error']>;
export type TurnAccepted = Schemas['TurnAccepted'];
export type SendMessage = Schemas['SendMessage'];
export type InterruptResult = Schemas['InterruptResult'];
export type PermissionDecision = Schemas['PermissionDecision'];

/** Every event a turn's stream carries, discriminated by `type`; `id` increases per turn. */
export type StreamEvent = Schemas['StreamEvent'];
export type StreamEventType = StreamEvent['type'];
/** The event of one type, e.g. `EventOf<'tool.started'>`. */
export type EventOf<T extends StreamEventType> = Extract<StreamEvent, { type: T }>;
export type TerminalEvent = EventOf<'turn.finished' | 'turn.failed'>;

export const isTerminal = (e: StreamEvent): e is TerminalEvent => e.type === 'turn.finished' || e.type === 'turn.failed';

export type CurrentAccount = Schemas['CurrentAccount'];
export type Limits = Schemas['Limits'];
export type UsageReport = Schemas['UsageReport'];
export type UsageRow = Schemas['UsageRow'];
export type StorageStats = Schemas['StorageStats'];

export type Account = Schemas['Account'];
export type CreateAccount = Schemas['CreateAccount'];
export type PatchAccount = Schemas['PatchAccount'];
export type ApiKey = Schemas['ApiKey'];
export type CreatedApiKey = Schemas['CreatedApiKey'];
export type CreateApiKey = Schemas['CreateApiKey'];
export type PurgeRequest = Schemas['PurgeRequest'];
export type PurgeReport = Schemas['PurgeReport'];

export type ChatRequest = Schemas['ChatRequest'];
export type ChatResponse = Schemas['ChatResponse'];
export type SeedSession = Schemas['SeedSession'];
