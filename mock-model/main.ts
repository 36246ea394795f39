// CLI entry: `node dist/mock-model/main.js [--port 4010] [--host 127.0.0.1] [--token-delay-ms 0]`.
// The URL goes alone on stdout (easy to capture); request logs go to stderr. The service's own CLI
// has the same as `claude-agent-api mock-model` (src/commands/mock-model.ts).
import { parseArgs } from 'node:util';
import { runMockModel } from './run.js';

const USAGE = `Usage: mock-model [--port 4010] [--host 127.0.0.1] [--token-delay-ms 0] [--quiet]
Serves a scripted Anthropic Messages API. Point the CLI at it with ANTHROPIC_BASE_URL=<printed url>.
See mock-model/README.md for the MOCK directives.`;

function toInt(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    process.stderr.write(`mock-model: --${name} must be an integer in ${min}..${max}, got "${value}"\n${USAGE}\n`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string', default: '4010' },
        host: { type: 'string', default: '127.0.0.1' },
        'token-delay-ms': { type: 'string', default: '0' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`mock-model: ${(e as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }

  await runMockModel({
    port: toInt('port', values.port, 0, 65535),
    host: values.host,
    tokenDelayMs: toInt('token-delay-ms', values['token-delay-ms'], 0, 600_000),
    quiet: values.quiet,
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`mock-model: ${(e as Error).message}\n`);
  process.exit(1);
});
