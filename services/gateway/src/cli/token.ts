import { parseArgs } from 'node:util';
import { SocketTokens } from '@flowcast/common/auth';
import { ANY_ID, MAX_TOKEN_IDS, socketTokenClaimsSchema, type SocketTokenGrant } from '@flowcast/common/contracts';
import { loadTokenSecret } from '../config.js';

const USAGE = `Signs a Socket.IO token for the gateway with SOCKET_AUTH_SECRET and prints it.

  npm run token -- --upload <uploadId> [--upload <id>…] [--log <logId>…] [--ttl <seconds>] [--sub <name>]
  npm run token -- --all [--ttl <seconds>]        every event (an operator's dashboard)

  --upload <id|*>   the events and status of an upload (* : any upload, on subscribe)
  --log <id|*>      the events and status of one message (* : any message, on subscribe)
  --all             --upload '*' --log '*': every event, as without authentication
  --ttl <seconds>   lifetime (default 3600)
  --sub <name>      who holds it, for the gateway's logs

In the image: node services/gateway/dist/cli/token.js …, with SOCKET_AUTH_SECRET in the environment.`;

function grantOf(values: string[] | undefined, all: boolean, flag: string): typeof ANY_ID | string[] | undefined {
  if (all || values?.includes(ANY_ID)) return ANY_ID;
  if (values === undefined) return undefined;
  if (values.length > MAX_TOKEN_IDS) throw new Error(`at most ${MAX_TOKEN_IDS} ids per ${flag}`);
  return values;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      upload: { type: 'string', multiple: true },
      log: { type: 'string', multiple: true },
      all: { type: 'boolean', default: false },
      ttl: { type: 'string', default: '3600' },
      sub: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help || (!values.all && values.upload === undefined && values.log === undefined)) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(values.help ? 0 : 2);
  }
  const ttl = Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl <= 0) throw new Error('--ttl must be a positive whole number of seconds');
  const uploads = grantOf(values.upload, values.all, '--upload');
  const logs = grantOf(values.log, values.all, '--log');
  const grant: SocketTokenGrant = {
    ...(uploads === undefined ? {} : { uploads }),
    ...(logs === undefined ? {} : { logs }),
    ...(values.sub === undefined ? {} : { sub: values.sub }),
  };
  // The gateway checks the same schema: a wrong id is refused here rather than at connect.
  const checked = socketTokenClaimsSchema.safeParse({ ...grant, exp: 1 });
  if (!checked.success) throw new Error(`invalid grant: ${checked.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  process.stdout.write(`${await new SocketTokens(loadTokenSecret()).sign(grant, ttl)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
