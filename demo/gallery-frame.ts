/**
 * The page inside each dialog card of the gallery: it registers the elements,
 * and makes the clients the gallery gives its `<step-up-dialog>`. A client is
 * made here, not in the gallery page, because the client keeps its times on
 * the `performance.now()` clock of its page, and the element reads them on the
 * clock of its own: each page's clock starts when the page does.
 */
import { createLoginClient } from '../src/client/client.js';
import './elements.js';

declare global {
  interface Window {
    /** Set by this page for the gallery around it. */
    createGalleryClient?: typeof createLoginClient;
  }
}

window.createGalleryClient = createLoginClient;
