/** Histogram buckets, in seconds. */
export const BUCKETS = {
  /** Most requests take milliseconds; a non-streamed message waits for its whole turn. */
  http: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
  /** Turns: from a fast echo (~50 ms) to the default TURN_TIMEOUT (5 min). */
  turn: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300],
  /** One model call: a short answer (~100 ms) to a long generation (minutes). */
  modelCall: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
  firstToken: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
  /** Store calls: sub-millisecond SQLite reads to slow PostgreSQL transactions. */
  store: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
};
