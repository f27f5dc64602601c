/**
 * `npm run conformance -- --base-url URL [--target FILE] [--json FILE]`: runs
 * the conformance kit against a backend, prints the table by protocol section
 * and `N passed, M failed`; exit code 0 when every check passed, 1 when one
 * failed, 2 for bad arguments or an unreadable target file.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { runConformance } from './checks.js';
import { formatReport } from './report.js';
import { parseTarget, type Target } from './target.js';

const HELP = `etax-login conformance kit: checks a backend against protocol v1, black-box over HTTP.

Usage: npm run conformance -- --base-url URL [options]
       etax-login-conformance --base-url URL [options]

  --base-url <url>          the API's base URL, e.g. http://127.0.0.1:8080/api/etax-login (required)
  --target <file>           test accounts and the app API (below); without it only what needs no
                            account and no phone is checked
  --json <file>             also write the results as JSON
  --allowed-origin <origin> an origin the server allows (CORS); else the target's allowedOrigin
  --max-wait <seconds>      longest wait of one check (default 70); longer lifetimes are skipped
  --timeout <ms>            give a request up after this (default 10000)
  --rate-limit-probe <n>    QR flows created in a burst to find the 429 (default 300; 0 skips)
  --only <text>             only checks whose section starts with, or name contains, the text
                            (repeatable; e.g. --only §13.3)
  --help                    print this

The target file (JSON; docs/conformance.md):
  {
    "allowedOrigin": "https://portal.example.gov.cn",
    "appApi": { "baseUrl": "http://127.0.0.1:8080/app-api", "secretEnv": "ETAX_APP_SECRET" },
    "accounts": [
      { "label": "enterprise", "entry": "enterprise",
        "fields": { "taxpayerId": "91310110666007217T", "account": "wangxiuying" },
        "password": "…", "appAccount": "wangxiuying",
        "face": ["face_iit", "face_etax"], "sms": true, "identity": "none",
        "qrIdentity": "none", "lockable": false }
    ]
  }
  entry, fields, password: a password login; appAccount: the account id of the app API;
  face: the face methods it can use; sms: a bound phone whose codes the app API's test outbox
  shows; identity: what follows the second factor (none, capacity, client), qrIdentity: after a
  QR login (default identity); lockable: the kit may lock it (wrong passwords, wrong codes).
  The kit locks, throttles and sends codes only to these accounts (and locks typed names no
  account has). appApi.secret may be given in place of secretEnv (keep such a file private).

Exit code: 0 every check passed (skipped ones aside), 1 a check failed, 2 bad arguments.`;

async function main(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'base-url': { type: 'string' },
        target: { type: 'string' },
        json: { type: 'string' },
        'allowed-origin': { type: 'string' },
        'max-wait': { type: 'string' },
        timeout: { type: 'string' },
        'rate-limit-probe': { type: 'string' },
        only: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    process.stderr.write(`conformance: ${(e as Error).message} (see --help)\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const bad = (message: string) => {
    process.stderr.write(`conformance: ${message} (see --help)\n`);
    return 2;
  };
  const baseUrl = values['base-url'];
  if (!baseUrl || !/^https?:\/\//.test(baseUrl) || !URL.canParse(baseUrl)) {
    return bad("--base-url is needed: the API's http(s) URL, e.g. http://127.0.0.1:8080/api/etax-login");
  }
  const number = (value: string | undefined, min: number): number | undefined | null => {
    if (value === undefined) return undefined;
    const n = Number(value);
    return Number.isFinite(n) && n >= min ? n : null;
  };
  const maxWait = number(values['max-wait'], 0);
  const timeout = number(values.timeout, 1);
  const probe = number(values['rate-limit-probe'], 0);
  if (maxWait === null) return bad('--max-wait is seconds ≥ 0');
  if (timeout === null) return bad('--timeout is milliseconds ≥ 1');
  if (probe === null || (probe !== undefined && !Number.isInteger(probe)))
    return bad('--rate-limit-probe is a count ≥ 0');
  const origin = values['allowed-origin'];
  if (origin !== undefined && (!URL.canParse(origin) || new URL(origin).origin !== origin)) {
    return bad(`--allowed-origin "${origin}" is not an origin (scheme://host[:port])`);
  }
  let target: Target | undefined;
  if (values.target) {
    try {
      target = parseTarget(await readFile(values.target, 'utf8'), env);
    } catch (e) {
      return bad(`target ${values.target}: ${(e as Error).message}`);
    }
  }
  const report = await runConformance({
    baseUrl,
    target,
    ...(origin ? { allowedOrigin: origin } : {}),
    ...(maxWait !== undefined ? { maxWait } : {}),
    ...(timeout !== undefined ? { timeout } : {}),
    ...(probe !== undefined ? { rateLimitProbe: probe } : {}),
    ...(values.only ? { only: values.only } : {}),
  });
  process.stdout.write(`${formatReport(report, { color: !!process.stdout.isTTY && !env.NO_COLOR })}\n`);
  if (values.json) {
    await writeFile(values.json, `${JSON.stringify({ ...report, baseUrl, at: new Date().toISOString() }, null, 2)}\n`);
  }
  return report.failed ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2), process.env);
