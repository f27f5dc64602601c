/**
 * `runConformance()`: runs every check that the options allow against a
 * server and reports each by the section of docs/protocol.md it reads.
 * Checks that need nothing run side by side (most of the time is spent
 * waiting for lifetimes); checks with accounts run one after another (they
 * count attempts and lock); the rate-limit probe runs last, since it spends
 * the kit's allowance.
 */
import { ACCOUNT_CHECKS } from './checks-accounts.js';
import { JOURNEY_CHECKS, LATE_CHECKS } from './checks-journeys.js';
import { FINAL_CHECKS, OPEN_CHECKS, RATE_LIMIT_CHECK } from './checks-open.js';
import { Failure, Kit, Skip, type CheckResult } from './kit.js';
import type { Target } from './target.js';

export interface Check {
  section: string;
  name: string;
  /** What the check needs from the target: test accounts, or the app API as well. */
  needs?: 'accounts' | 'appApi';
  /** Runs the check: returns a detail for the report, throws `Failure` or `Skip`. */
  run(kit: Kit): Promise<string | void>;
}

export interface ConformanceOptions {
  /** The API's base URL, e.g. `http://127.0.0.1:8080/api/etax-login`. */
  baseUrl: string;
  /** Test accounts and the app API (docs/conformance.md); without it only what needs no account is checked. */
  target?: Target;
  /** An origin the server allows (CORS); the target's `allowedOrigin` when absent. */
  allowedOrigin?: string;
  /** Longest single wait of a check, seconds (default 70): longer lifetimes are skipped, not waited for. */
  maxWait?: number;
  /** Milliseconds before a request is given up (default 10 000). */
  timeout?: number;
  /** QR creations the rate-limit probe sends at most (default 300; 0 skips the probe). */
  rateLimitProbe?: number;
  /**
   * Run only the checks whose section starts with one of these (`§13.3`,
   * `§15`) or whose name contains one; the checks over everything seen
   * (§12, §5.2) always run. Default: every check.
   */
  only?: string[];
  /** Called with each result as it is known. */
  onResult?: (result: CheckResult) => void;
}

export interface ConformanceReport {
  results: CheckResult[];
  passed: number;
  failed: number;
  skipped: number;
  /** Seconds the kit waited out `429 rate_limited` answers to its own pace (the server's limits at work). */
  rateLimitedWait: number;
}

export const ALL_CHECKS: Check[] = [
  ...OPEN_CHECKS,
  ...ACCOUNT_CHECKS,
  ...JOURNEY_CHECKS,
  ...LATE_CHECKS,
  RATE_LIMIT_CHECK,
];

async function runOne(kit: Kit, check: Check): Promise<CheckResult> {
  const started = performance.now();
  const base = { section: check.section, name: check.name };
  try {
    if (check.needs && !kit.options.target?.accounts?.length) throw new Skip('needs test accounts (--target)');
    if (check.needs === 'appApi' && !kit.options.target?.appApi)
      throw new Skip('needs the app API (appApi in the target)');
    const detail = await check.run(kit);
    return { ...base, ok: true, detail: detail ?? '', ms: performance.now() - started };
  } catch (e) {
    const ms = performance.now() - started;
    if (e instanceof Skip) return { ...base, ok: true, skipped: true, detail: `skipped: ${e.message}`, ms };
    const detail = e instanceof Failure ? e.message : `the check broke: ${(e as Error)?.stack ?? String(e)}`;
    return { ...base, ok: false, detail, ms };
  }
}

export async function runConformance(options: ConformanceOptions): Promise<ConformanceReport> {
  // An app API given as a path is on the page API's origin.
  const target = options.target?.appApi
    ? {
        ...options.target,
        appApi: {
          ...options.target.appApi,
          baseUrl: new URL(options.target.appApi.baseUrl, options.baseUrl).href.replace(/\/+$/, ''),
        },
      }
    : options.target;
  const kit = new Kit({
    baseUrl: options.baseUrl,
    target,
    allowedOrigin: options.allowedOrigin ?? target?.allowedOrigin,
    maxWait: options.maxWait ?? 70,
    timeout: options.timeout ?? 10_000,
    rateLimitProbe: options.rateLimitProbe ?? 300,
  });
  const results = new Map<Check, CheckResult>();
  const record = (check: Check, r: CheckResult) => {
    results.set(check, r);
    options.onResult?.(r);
  };
  const run = async (check: Check) => record(check, await runOne(kit, check));

  // Side by side: checks of one flow each. One after another: accounts (attempts, locks).
  const chosen = (c: Check) =>
    !options.only?.length || options.only.some((o) => c.section.startsWith(o) || c.name.includes(o));
  const checks = ALL_CHECKS.filter(chosen);
  const parallel = checks.filter((c) => !c.needs && c !== RATE_LIMIT_CHECK);
  const serial = checks.filter((c) => c.needs);
  await Promise.all([
    Promise.all(parallel.map(run)),
    (async () => {
      for (const c of serial) await run(c);
    })(),
  ]);
  if (checks.includes(RATE_LIMIT_CHECK)) await run(RATE_LIMIT_CHECK);
  for (const c of FINAL_CHECKS) await run(c);

  const ordered = [...checks, ...FINAL_CHECKS].map((c) => results.get(c)!);
  return {
    results: ordered,
    passed: ordered.filter((r) => r.ok && !r.skipped).length,
    failed: ordered.filter((r) => !r.ok).length,
    skipped: ordered.filter((r) => r.skipped).length,
    rateLimitedWait: kit.rateLimitedWait,
  };
}
