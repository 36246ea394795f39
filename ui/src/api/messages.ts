import { ApiError } from './client';

/** Error codes in words a person understands; the server's own message is the fallback. */

const localTime = (iso: unknown) =>
  typeof iso === 'string' && !Number.isNaN(Date.parse(iso)) ? new Date(iso).toLocaleString() : 'the start of the next period';

export function describeError(err: unknown): string {
  if (!(err instanceof ApiError)) return err instanceof Error ? err.message : 'Something went wrong.';
  const d = err.details ?? {};
  switch (err.code) {
    case 'network_error':
      return 'The server could not be reached. Check your connection and try again.';
    case 'unauthorized':
    case 'invalid_api_key':
      return 'Your API key was not accepted. Sign in again with a valid key.';
    case 'api_key_revoked':
      return 'Your API key was not accepted: it has been revoked. Sign in with another key.';
    case 'budget_exceeded': {
      const window = d.window === 'monthly' ? 'monthly' : 'daily';
      return `This account has used its ${window} budget; it resets at ${localTime(d.resets_at)}.`;
    }
    case 'too_many_turns':
      return 'This account is already running as many answers as it may at once. Try again in a few seconds.';
    case 'queue_full':
      return 'Too many messages are waiting in this session. Try again when one has been answered.';
    case 'too_many_sessions':
      return 'This account stores as many sessions as it may. Delete some to start a new one.';
    case 'session_busy':
      return 'This session is still answering a previous message. Wait for it to finish or interrupt it.';
    case 'session_archived':
      return 'This session is archived; unarchive it to continue.';
    case 'session_not_found':
      return 'This session does not exist (it may have been deleted).';
    case 'invalid_session_id':
      return 'That is not a valid session address.';
    case 'message_too_large':
      return 'That message is too long to send. Shorten it and try again.';
    case 'permission_not_found':
      return 'That approval request is no longer waiting (it was answered or it expired).';
    case 'shutting_down':
    case 'instance_unreachable':
      return 'The server is restarting. Try again in a few seconds.';
    case 'events_expired':
      return 'The live updates of this answer are no longer available; the conversation was reloaded.';
    default:
      return err.message || `The request failed (${err.status}).`;
  }
}

const TURN_ERRORS: Record<string, string> = {
  model_error: 'The model returned an error and could not answer.',
  model_overloaded: 'The model is overloaded right now. Try again in a moment.',
  rate_limited: 'Too many requests reached the model. Wait a moment and try again.',
  model_auth_failed: 'The server could not authenticate with the model provider. Ask the operator to check its model API key.',
  invalid_request: 'The model rejected the request.',
  timed_out: 'The answer took too long and was stopped.',
  max_turns: 'The agent reached its maximum number of steps before finishing.',
  budget_exceeded: 'The answer reached its cost budget and was stopped.',
  agent_error: 'The agent ran into an error.',
  agent_crashed: 'The agent process crashed. Send your message again; the session recovers.',
  server_restarted: 'The server restarted while answering. Send your message again.',
  instance_lost: 'The server instance running this answer went away. Send your message again.',
  interrupted: 'The answer was stopped before it finished.',
};

export function describeTurnError(code: string | undefined, message: string | undefined): string {
  return (code && TURN_ERRORS[code]) || message || 'The answer failed.';
}
