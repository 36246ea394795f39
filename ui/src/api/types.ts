/**
 * The API's shapes, from the types generated out of the server's OpenAPI document
 * (src/client/openapi.ts, `npm run gen:client`) by way of the shipped client: the web chat cannot
 * drift from the server without failing to type-check.
 */
export type {
  AssistantMessage,
  FinishedStatus,
  Health,
  History,
  HistoryMessage,
  Session,
  SessionPage,
  SessionStatus,
  StreamEvent,
  ToolCall,
  Turn,
  TurnError,
  TurnStatus,
  Usage,
  UserMessage,
} from '../../../src/client/types';
export { isTerminal } from '../../../src/client/types';
