// The memory store passes the store contract, on a fake clock.
import { MemoryStore } from '../../src/engine/index.js';
import { FakeClock } from './fake-clock.js';
import { storeContract } from './store-contract.js';

storeContract('MemoryStore', () => {
  const clock = new FakeClock();
  return { store: new MemoryStore(clock), pass: (ms) => clock.advance(ms) };
});
