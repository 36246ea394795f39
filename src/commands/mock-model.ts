import { InvalidArgumentError, type Command } from 'commander';
import { runMockModel } from '../../mock-model/run.js';

/** `mock-model`: the offline mock model (what demo mode runs in-process) on a port of its own. */

/** Parses a whole number in min..max, or says what was expected (commander then exits 2). */
const integer = (min: number, max: number) => (value: string) => {
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number in ${min}..${max}.`);
  return n;
};

const PORT = integer(0, 65535);
const DELAY = integer(0, 600_000);

export function registerMockModelCommand(program: Command): void {
  program
    .command('mock-model')
    .description('serve the offline mock model (a scripted Anthropic Messages API) on its own port; prints its URL, runs until SIGINT/SIGTERM')
    .option('--port <n>', 'port to listen on, 0 = any free one (default: MOCK_MODEL_PORT, else 0)', PORT)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--token-delay <ms>', 'pause before each streamed text delta (default: MOCK_MODEL_TOKEN_DELAY_MS, else 0)', DELAY)
    .option('--quiet', 'no request log on stderr')
    .addHelpText(
      'after',
      '\nThe URL goes alone on stdout. Point the server (or `claude`) at it with ANTHROPIC_BASE_URL=<url>;\n' +
        'mock-model/README.md lists the MOCK directives that script its answers.',
    )
    .action(async (opts: { port?: number; host: string; tokenDelay?: number; quiet?: boolean }, cmd: Command) => {
      /** The environment's default, checked like the option (a bad value exits 2). */
      const fromEnv = (name: string, parse: (v: string) => number): number | undefined => {
        const raw = process.env[name];
        if (raw === undefined || raw === '') return undefined;
        try {
          return parse(raw);
        } catch (err) {
          return cmd.error(`error: ${name}=${JSON.stringify(raw)} is invalid: ${(err as Error).message}`, { exitCode: 2 });
        }
      };
      await runMockModel({
        port: opts.port ?? fromEnv('MOCK_MODEL_PORT', PORT) ?? 0,
        host: opts.host,
        tokenDelayMs: opts.tokenDelay ?? fromEnv('MOCK_MODEL_TOKEN_DELAY_MS', DELAY) ?? 0,
        quiet: opts.quiet ?? false,
      });
    });
}
