/** A tiny HTTP client for the service under test: only what the benchmarks need. */

export interface RuntimeSession {
  id: string;
  pid: number | null;
  busy: boolean;
  rss_bytes: number;
  idle_ms: number;
  turns: number;
}

export interface RuntimeInfo {
  warm: number;
  busy: number;
  spawns: number;
  evictions: Record<string, number>;
  crashes: number;
  sessions: RuntimeSession[];
}

export class ApiClient {
  constructor(readonly base: string) {}

  /** `POST /chat` (seed API); omit `sessionId` to start a new session. */
  async chat(message: string, sessionId?: string): Promise<{ sessionId: string; text: string; durationMs: number }> {
    const body = await this.post<{ session_id: string; is_error: boolean; response_text: string; duration_ms: number }>('/chat', {
      message,
      ...(sessionId ? { session_id: sessionId } : {}),
    });
    if (body.is_error) throw new Error(`/chat turn failed: ${JSON.stringify(body)}`);
    return { sessionId: body.session_id, text: body.response_text, durationMs: body.duration_ms };
  }

  /** `POST /v1/sessions` → the new session's id. */
  async createSession(title: string): Promise<string> {
    return (await this.post<{ id: string }>('/v1/sessions', { title }, 201)).id;
  }

  /**
   * `POST /v1/sessions/{id}/messages` → the answer's text and the turn's `duration_ms` (the time
   * spent in the runtime, a process start included); throws unless the turn succeeded.
   */
  async send(sessionId: string, message: string): Promise<{ text: string; durationMs: number }> {
    const turn = await this.post<{ status: string; response_text: string; duration_ms: number; error: unknown }>(
      `/v1/sessions/${sessionId}/messages`,
      { message },
    );
    if (turn.status !== 'succeeded') throw new Error(`turn ${turn.status}: ${JSON.stringify(turn.error)}`);
    return { text: turn.response_text, durationMs: turn.duration_ms };
  }

  /** `GET /v1/runtime`: the warm pool, with each session's RSS. */
  async runtime(): Promise<RuntimeInfo> {
    const res = await fetch(`${this.base}/v1/runtime`);
    if (!res.ok) throw new Error(`GET /v1/runtime → ${res.status}: ${await res.text()}`);
    return (await res.json()) as RuntimeInfo;
  }

  private async post<T>(path: string, body: unknown, expect = 200): Promise<T> {
    const res = await fetch(`${this.base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== expect) throw new Error(`POST ${path} → ${res.status}: ${text}`);
    return JSON.parse(text) as T;
  }
}

/** The `[history: N messages]` count the mock model's echo reports (what the CLI sent it). */
export function echoedHistory(text: string): number {
  const m = /\[history: (\d+) messages\]/.exec(text);
  if (!m) throw new Error(`not a mock echo: ${JSON.stringify(text)}`);
  return Number(m[1]);
}
