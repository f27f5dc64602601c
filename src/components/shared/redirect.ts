/**
 * The rule for following a success redirect (`redirectUrl` of the
 * `authenticated` state): where `<etax-login>` may send the person after login.
 *
 * A redirect is followed when it is an `http:` or `https:` URL without user
 * name or password, and either
 * - on the page's own origin (any path), or
 * - on the origin of an allowed entry (scheme, host and port as written there;
 *   host case and default ports do not matter, `host.` with a trailing dot is
 *   another host) and inside the entry's path, whole segments only:
 *   `https://sso.example.gov.cn/app` allows `/app` and `/app/…`, not
 *   `/application` or `/admin`.
 *
 * A path is judged as the browser sends it and as a server may read it:
 * after turning percent-encoded (also double-encoded) `/`, `\` and `.` into
 * themselves, backslashes into slashes, dropping `;parameters` of a segment and
 * resolving `.` and `..`. It must be inside the entry both ways, so
 * `/app%2f..%2fadmin` and `/app/..%5cadmin` are refused. Anything else is
 * refused however it is written.
 */

/** A URL, or undefined when the text is not one. */
const parse = (url: string, base?: string): URL | undefined => {
  try {
    return new URL(url, base);
  } catch {
    return undefined;
  }
};

/** Encoded `%`, `.`, `/` and `\` as their characters, until nothing is left to decode. */
function decodeSeparators(path: string): string {
  for (let before = ''; before !== path;) {
    before = path;
    path = path.replace(/%(25|2e|2f|5c)/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
  return path;
}

/** The path's segments as the browser sends them: empty segments left out. */
const segments = (path: string) => path.split('/').filter(Boolean);

/** The path's segments as a lenient server may read them. */
function readSegments(path: string): string[] {
  const out: string[] = [];
  for (const part of decodeSeparators(path).replace(/\\/g, '/').split('/')) {
    const segment = part.split(';')[0];
    if (segment === '..') out.pop();
    else if (segment && segment !== '.') out.push(segment);
  }
  return out;
}

const startsWith = (path: string[], prefix: string[]) => prefix.every((segment, i) => path[i] === segment);

/** An `http:` or `https:` URL without user name or password. */
const isWeb = (url: URL | undefined): url is URL =>
  !!url && /^https?:$/.test(url.protocol) && !url.username && !url.password;

/**
 * Where to go after login: the redirect as an absolute URL when the rule above
 * allows it, else undefined.
 *
 * @param redirect - The server's `redirectUrl`, absolute or relative to the page.
 * @param page - The page's own URL (`location.href`).
 * @param allowed - Allowed origins or URL prefixes (`https://sso.example.gov.cn/app`).
 */
export function allowedRedirect(redirect: string, page: string, allowed: readonly string[]): string | undefined {
  const here = parse(page);
  const url = parse(redirect, page);
  if (!here || !isWeb(url)) return undefined;
  if (url.origin === here.origin) return url.href;
  const inside = (entry: string) => {
    const base = parse(entry);
    if (!isWeb(base) || base.origin !== url.origin) return false;
    return (
      startsWith(segments(url.pathname), segments(base.pathname)) &&
      startsWith(readSegments(url.pathname), readSegments(base.pathname))
    );
  };
  return allowed.some(inside) ? url.href : undefined;
}
