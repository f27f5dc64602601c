/**
 * The success-redirect rule of `<etax-login>` (`allowed-redirects`), as a
 * table: what a server may send the person to after login, and the ways an
 * address outside the page's origin and the allow-list can be written to look
 * inside it.
 */
import { expect } from '@open-wc/testing';
import { allowedRedirect } from '../../src/components/shared/redirect.js';

const PAGE = 'https://etax.example.gov.cn/portal/login?from=home';
const ALLOWED = [
  'https://sso.example.gov.cn/app',
  'https://portal.example.gov.cn/etax/',
  'http://intranet.example.gov.cn',
];

/** Followed: the redirect and the address the page goes to. */
const followed: [string, string][] = [
  // The page's own origin, any path.
  ['/portal/home', 'https://etax.example.gov.cn/portal/home'],
  ['home', 'https://etax.example.gov.cn/portal/home'],
  ['https:evil.example/app', 'https://etax.example.gov.cn/portal/evil.example/app'],
  ['https://etax.example.gov.cn/other/place?x=1#top', 'https://etax.example.gov.cn/other/place?x=1#top'],
  ['https://ETAX.Example.GOV.cn:443/portal/sso/complete', 'https://etax.example.gov.cn/portal/sso/complete'],
  // Inside an allowed prefix, whole segments.
  ['https://sso.example.gov.cn/app', 'https://sso.example.gov.cn/app'],
  ['https://sso.example.gov.cn/app/', 'https://sso.example.gov.cn/app/'],
  ['https://sso.example.gov.cn/app/complete?code=c_1', 'https://sso.example.gov.cn/app/complete?code=c_1'],
  ['https://sso.example.gov.cn/app/a/../b', 'https://sso.example.gov.cn/app/b'],
  ['https://SSO.example.gov.cn:443/app/home', 'https://sso.example.gov.cn/app/home'],
  ['https://sso.example.gov.cn/app/a%2fb', 'https://sso.example.gov.cn/app/a%2fb'],
  ['https://portal.example.gov.cn/etax', 'https://portal.example.gov.cn/etax'],
  ['https://portal.example.gov.cn/etax/home', 'https://portal.example.gov.cn/etax/home'],
  // An allowed origin without a path: all of it.
  ['http://intranet.example.gov.cn/anything/at/all', 'http://intranet.example.gov.cn/anything/at/all'],
  ['http://intranet.example.gov.cn:80/', 'http://intranet.example.gov.cn/'],
];

/** Refused, each with why a reader would think it might pass. */
const refused: [string, string][] = [
  // Outside the prefix's segments.
  ['https://sso.example.gov.cn/application/steal', 'a longer first segment'],
  ['https://sso.example.gov.cn/ap', 'a shorter first segment'],
  ['https://sso.example.gov.cn/', 'the origin alone'],
  ['https://sso.example.gov.cn/admin', 'another path'],
  ['https://sso.example.gov.cn/App/home', 'a path in other case'],
  ['https://portal.example.gov.cn/etaxes', 'a prefix written with a trailing slash'],
  // Dot segments, plain and encoded, singly and doubly.
  ['https://sso.example.gov.cn/app/../admin', '..'],
  ['https://sso.example.gov.cn/app/%2e%2e/admin', 'encoded ..'],
  ['https://sso.example.gov.cn/app/.%2E/admin', 'half-encoded ..'],
  ['https://sso.example.gov.cn/app/%252e%252e/admin', 'double-encoded ..'],
  ['https://sso.example.gov.cn/app/%25252e%25252e/admin', 'triple-encoded ..'],
  ['https://sso.example.gov.cn/app/..;/admin', '.. with a path parameter'],
  // Encoded slashes and backslashes.
  ['https://sso.example.gov.cn/app%2f..%2fadmin', 'encoded /'],
  ['https://sso.example.gov.cn/app%2F..%2Fadmin', 'encoded / in capitals'],
  ['https://sso.example.gov.cn/app%252f..%252fadmin', 'double-encoded /'],
  ['https://sso.example.gov.cn/app/x%2f..%2f..%2fadmin', 'encoded / deeper down'],
  ['https://sso.example.gov.cn/app%5c..%5cadmin', 'encoded \\'],
  ['https://sso.example.gov.cn/app/..%5cadmin', '.. then encoded \\'],
  ['https://sso.example.gov.cn/app%255c..%255cadmin', 'double-encoded \\'],
  ['https://sso.example.gov.cn/app\\..\\admin', 'backslashes'],
  ['/\\evil.example/app', 'a backslash that makes a host'],
  ['\\\\evil.example/app', 'two backslashes'],
  // Other hosts written to look like the allowed one.
  ['https://evil.example/app', 'another host, same path'],
  ['https://sso.example.gov.cn.evil.example/app', 'the allowed host as a subdomain'],
  ['https://sso.example.gov.cn@evil.example/app', 'the allowed host as a user name'],
  ['https://sso.example.gov.cn%40evil.example/app', 'an encoded @'],
  ['https://evil.example\\@sso.example.gov.cn/app', 'a backslash before @'],
  ['https://evil.example#@sso.example.gov.cn/app', 'the allowed host in the fragment'],
  ['https://evil.example?@sso.example.gov.cn/app', 'the allowed host in the query'],
  ['https://sso.example.gov.cn./app', 'a trailing dot (another origin to the browser)'],
  ['https://xsso.example.gov.cn/app', 'a longer host'],
  ['https://example.gov.cn/app', 'the parent domain'],
  ['//evil.example/app', 'protocol-relative'],
  ['///evil.example/app', 'three slashes'],
  // User names and passwords, even on an allowed or the page's own origin.
  ['https://user@sso.example.gov.cn/app', 'a user name'],
  ['https://user:secret@sso.example.gov.cn/app/home', 'a user name and password'],
  ['https://:secret@etax.example.gov.cn/portal/home', 'a password on the page’s origin'],
  // Ports and schemes.
  ['https://sso.example.gov.cn:8443/app', 'another port'],
  ['http://sso.example.gov.cn/app', 'http for an https entry'],
  ['https://intranet.example.gov.cn/', 'https for an http entry'],
  ['http://etax.example.gov.cn/portal/home', 'the page’s host over http'],
  ['javascript:alert(1)', 'javascript:'],
  ['JavaScript:alert(document.domain)//https://sso.example.gov.cn/app', 'javascript: in capitals'],
  ['java\tscript:alert(1)', 'javascript: with a tab'],
  [' javascript:alert(1)', 'javascript: after a space'],
  ['data:text/html,<script>alert(1)</script>', 'data:'],
  ['blob:https://sso.example.gov.cn/app', 'blob: of an allowed origin'],
  ['ftp://sso.example.gov.cn/app', 'ftp:'],
  ['http://[::1', 'not a URL'],
];

describe('success redirects (allowed-redirects)', () => {
  for (const [redirect, to] of followed)
    it(`follows ${redirect}`, () => {
      expect(allowedRedirect(redirect, PAGE, ALLOWED)).to.equal(to);
    });

  for (const [redirect, why] of refused)
    it(`refuses ${JSON.stringify(redirect)} (${why})`, () => {
      expect(allowedRedirect(redirect, PAGE, ALLOWED)).to.equal(undefined);
    });

  it('ignores entries that are not http(s) origins or prefixes', () => {
    const entries = ['javascript:', 'data:', '/portal/', 'sso.example.gov.cn', 'https://user@sso.example.gov.cn/'];
    for (const redirect of [
      'javascript:alert(1)',
      'data:,x',
      'https://sso.example.gov.cn/app',
      '//sso.example.gov.cn/',
    ])
      expect(allowedRedirect(redirect, PAGE, entries), redirect).to.equal(undefined);
  });

  it('allows nothing but the page’s own origin when the list is empty', () => {
    expect(allowedRedirect('/portal/home', PAGE, [])).to.equal('https://etax.example.gov.cn/portal/home');
    expect(allowedRedirect('https://sso.example.gov.cn/app', PAGE, [])).to.equal(undefined);
  });
});
