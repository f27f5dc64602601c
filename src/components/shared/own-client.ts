/**
 * The client an element makes for itself from `base-url`: the headless client with the
 * Server-Sent Events transport, an add-on of the client that the elements keep (the
 * element's `clientOptions` may still replace it). Imported only by the elements that
 * start flows, so the others' entries do not carry the client's code.
 */
import { createLoginClient, type LoginClient, type LoginClientOptions } from '../../client/client.js';
import { sse } from '../../client/sse.js';

export const ownClient = (options: LoginClientOptions): LoginClient => createLoginClient({ sse, ...options });
