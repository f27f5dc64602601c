/**
 * `<demo-accounts>`: the mock's people as hints — what to type in each entry
 * and what the login will then do (identity choice, face only, locked).
 */
import { css, html, LitElement, nothing, type TemplateResult } from 'lit';
import { property } from 'lit/decorators.js';
import type { MockAccount, MockFixture } from '../src/mock/index.js';
import { STRINGS, type DemoStrings } from './strings.js';

export class DemoAccounts extends LitElement {
  static override styles = css`
    :host {
      display: block;
      font-size: 14px;
    }
    p {
      margin: 0 0 8px;
    }
    .scroll {
      overflow-x: auto;
    }
    table {
      border-collapse: collapse;
      width: 100%;
    }
    th,
    td {
      text-align: left;
      vertical-align: top;
      padding: 6px 8px;
      border-bottom: 1px solid var(--demo-line, #d0d7de);
    }
    code {
      font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
      font-size: 13px;
      user-select: all;
    }
    .muted {
      color: var(--demo-muted, #57606a);
    }
    ul {
      margin: 0;
      padding-left: 1.1em;
    }
  `;

  /** The mock's people and enterprises. */
  @property({ attribute: false }) fixture?: MockFixture;

  /** The password of every account. */
  @property() password = '';

  /** The account the simulated phone's apps are signed in to. */
  @property() qrAccount = '';

  /** The demo's words. */
  @property({ attribute: false }) t: DemoStrings = STRINGS['zh-CN'];

  private entryOf(a: MockAccount): TemplateResult {
    const t = this.t.accounts;
    const f = this.fixture!;
    const link = a.links[0];
    const enterprise = link && f.enterprises.find((e) => e.taxpayerId === link.taxpayerId);
    if (!enterprise) return html`${t.entries.individual}`;
    return html`${t.entries[enterprise.agency ? 'agent' : 'enterprise']}<br /><code>${enterprise.taxpayerId}</code
      ><br /><span class="muted">${enterprise.name}</span>`;
  }

  private outcomes(a: MockAccount): string[] {
    const t = this.t.accounts;
    const f = this.fixture!;
    const out: string[] = [];
    if (a.locked) out.push(t.locked);
    const link = a.links[0];
    const enterprise = link && f.enterprises.find((e) => e.taxpayerId === link.taxpayerId);
    if (enterprise?.agency) out.push(t.clients(enterprise.clients?.length ?? 0));
    else if (link) out.push(t.roles(link.roles.length));
    if (!a.phone) out.push(t.noPhone);
    if (link) out.push(t.anyEntry);
    if (a.id === this.qrAccount) out.push(t.qrAccount);
    return out;
  }

  override render(): TemplateResult | typeof nothing {
    const f = this.fixture;
    if (!f) return nothing;
    const t = this.t.accounts;
    return html`<p>${t.intro(this.password)}</p>
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">${t.name}</th>
              <th scope="col">${t.logins}</th>
              <th scope="col">${t.entry}</th>
              <th scope="col">${t.outcome}</th>
            </tr>
          </thead>
          <tbody>
            ${f.accounts.map(
              (a) =>
                html`<tr>
                  <th scope="row">${a.name}</th>
                  <td>
                    <code>${a.idNumber}</code>${a.phone ? html`<br /><code>${a.phone}</code>` : nothing}${
                      a.username ? html`<br /><code>${a.username}</code>` : nothing
                    }
                  </td>
                  <td>${this.entryOf(a)}</td>
                  <td>
                    <ul>
                      ${this.outcomes(a).map((o) => html`<li>${o}</li>`)}
                    </ul>
                  </td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>`;
  }
}

if (!customElements.get('demo-accounts')) customElements.define('demo-accounts', DemoAccounts);

declare global {
  interface HTMLElementTagNameMap {
    'demo-accounts': DemoAccounts;
  }
}
