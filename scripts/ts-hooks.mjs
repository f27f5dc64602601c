// Lets Node run the TypeScript sources and tests as they are (`node --import
// ./scripts/ts-hooks.mjs --test …`): a `.js` import inside a `.ts` file finds
// the `.ts` beside it, and esbuild strips the types. No type checking here:
// `npm run typecheck` does that.
import { register } from 'node:module';

register('./ts-hooks-impl.mjs', import.meta.url);
