// Server-side rendering: each of the four elements renders once with Lit's
// server renderer, in Node, from the sources (bundled by esbuild, with Lit and
// the other packages left to Node, so that Lit's Node build and its DOM shim
// are the ones used, as in a server-rendering framework). `npm run test:node`.
import { render } from '@lit-labs/ssr';
import { collectResult } from '@lit-labs/ssr/lib/render-result.js';
import { build } from 'esbuild';
import { html } from 'lit';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
// Inside the package, so that Node finds lit and qrcode in its node_modules.
const out = `${root}node_modules/.cache/etax-login-ssr/define.mjs`;

/** The text a person would read, without tags, comments and styles. */
const text = (markup) =>
  markup
    .replace(/<style>[\s\S]*?<\/style>/g, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

const ssr = (template) => collectResult(render(template));

describe('server-side rendering with @lit-labs/ssr', () => {
  before(async () => {
    mkdirSync(`${root}node_modules/.cache/etax-login-ssr`, { recursive: true });
    await build({
      entryPoints: [`${root}src/define.ts`],
      outfile: out,
      bundle: true,
      format: 'esm',
      platform: 'node',
      packages: 'external',
      logLevel: 'silent',
    });
    await import(pathToFileURL(out).href);
  });

  it('renders <etax-login> with both panels, in the default language', async () => {
    const markup = await ssr(html`<etax-login base-url="/api/etax-login"></etax-login>`);
    assert.match(markup, /<etax-login[^>]*>\s*<template shadowroot(mode)?="open"/);
    const words = text(markup);
    assert.match(words, /扫码登录 推荐/);
    assert.match(words, /二维码加载中…/);
    assert.match(words, /用户名密码登录/);
  });

  it('renders <qr-login-panel> waiting for its QR', async () => {
    const markup = await ssr(html`<qr-login-panel base-url="/api/etax-login" lang="en"></qr-login-panel>`);
    assert.match(markup, /<qr-login-panel[^>]*>\s*<template shadowroot(mode)?="open"/);
    assert.match(text(markup), /Loading the QR code…/);
  });

  it('renders <step-up-dialog> closed', async () => {
    const markup = await ssr(html`<step-up-dialog></step-up-dialog>`);
    assert.match(markup, /<step-up-dialog[^>]*>\s*<template shadowroot(mode)?="open"/);
    assert.doesNotMatch(markup, /<dialog[^>]* open/);
  });

  it('renders <sms-verify> with nothing to show before the SMS step', async () => {
    const markup = await ssr(html`<sms-verify></sms-verify>`);
    assert.match(markup, /<sms-verify[^>]*>\s*<template shadowroot(mode)?="open"/);
    assert.equal(text(markup), '');
  });
});
