/**
 * The page inside each dialog card of the gallery: it only registers the
 * elements; the gallery places a `<step-up-dialog>` here and gives it a
 * client (a modal dialog needs a document of its own to sit beside others).
 */
import './elements.js';
