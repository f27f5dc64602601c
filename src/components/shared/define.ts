/**
 * Registers an element once. Loading a define entry twice, or beside a bundle
 * that already registered the name, is harmless; where there is no registry
 * (server-side rendering in Node) it does nothing.
 */
export function define(name: string, element: CustomElementConstructor): void {
  if (globalThis.customElements && !customElements.get(name)) customElements.define(name, element);
}
