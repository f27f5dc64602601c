/**
 * The three login entries of the national unified login (tpass) and their
 * fields, for a UI to show until — or unless — the server's capabilities
 * announce its own. Not part of the `etax-login/client` entry's exports (the
 * headless core does not need it); the elements and the mock backend share it.
 */
import type { EntrySpec } from './protocol.js';

export const DEFAULT_ENTRIES: EntrySpec[] = [
  {
    id: 'enterprise',
    fields: [
      { name: 'taxpayerId', kind: 'taxpayer-id', required: true, maxLength: 20 },
      { name: 'account', kind: 'account', required: true, maxLength: 32 },
    ],
  },
  { id: 'individual', fields: [{ name: 'account', kind: 'account', required: true, maxLength: 32 }] },
  {
    // The agency's code, then the agent's own account.
    id: 'agent',
    fields: [
      { name: 'taxpayerId', kind: 'taxpayer-id', required: true, maxLength: 20 },
      { name: 'account', kind: 'account', required: true, maxLength: 32 },
    ],
  },
];
