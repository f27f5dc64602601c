/** The report as a person reads it: checks grouped by protocol section, then `N passed, M failed`. */
import type { ConformanceReport } from './checks.js';

export function formatReport(report: ConformanceReport, { color = false }: { color?: boolean } = {}): string {
  const paint = (code: string, text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const out: string[] = [];
  let section = '';
  for (const r of report.results) {
    if (r.section !== section) {
      section = r.section;
      out.push('', section);
    }
    const mark = r.skipped ? paint('33', 'SKIP') : r.ok ? paint('32', 'PASS') : paint('31', 'FAIL');
    out.push(`  ${mark}  ${r.name}${r.ok && r.detail && !r.skipped ? paint('2', ` — ${r.detail}`) : ''}`);
    if (!r.ok || r.skipped) out.push(`        ${r.detail.replace(/\n/g, '\n        ')}`);
  }
  out.push('');
  if (report.rateLimitedWait) out.push(`waited ${report.rateLimitedWait} s in all for the server's rate limits`);
  if (report.skipped) out.push(`${report.skipped} skipped`);
  out.push(`${report.passed} passed, ${report.failed} failed`);
  return out.join('\n');
}
