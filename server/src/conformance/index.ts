/**
 * The conformance kit of protocol v1 (`etax-login-server/conformance`):
 * `runConformance({ baseUrl, target? })` checks a backend black-box over HTTP
 * and reports each check by the section of docs/protocol.md it reads.
 * docs/conformance.md says what it checks and what a target file holds.
 */
export { ALL_CHECKS, runConformance, type Check, type ConformanceOptions, type ConformanceReport } from './checks.js';
export type { CheckResult } from './kit.js';
export { parseTarget, type Target, type TargetAccount } from './target.js';
export { formatReport } from './report.js';
