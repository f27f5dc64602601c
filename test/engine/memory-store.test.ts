// The memory store passes the store contract, on a fake clock.
import { MemoryStore } from '../../src/engine/index.js';
import { FakeClock } from './fake-clock.js';
import { storeContract } from './store-contract.js';

storeContract('MemoryStore', () => {
  const clock = new FakeClock();
  const store = new MemoryStore(clock);
  // One process's memory: every engine of the process is an instance over the same store.
  return { store, peer: store, pass: (ms) => clock.advance(ms) };
});
