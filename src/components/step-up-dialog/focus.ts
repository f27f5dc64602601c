/**
 * Focus helpers for a modal dialog whose content spans shadow roots (the
 * embedded QR panel and SMS form): where focus really is, and the elements
 * Tab reaches, in order.
 */

/** The focused element, looking through open shadow roots; null when nothing is. */
export function deepActiveElement(): HTMLElement | null {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active instanceof HTMLElement && active !== document.body ? active : null;
}

const FOCUSABLE = 'a[href],button,input,select,textarea,summary,[tabindex]';

const reached = (el: HTMLElement) =>
  el.matches(FOCUSABLE) &&
  el.tabIndex >= 0 &&
  !el.matches(':disabled') &&
  !(el instanceof HTMLInputElement && el.type === 'radio' && !el.checked) &&
  el.getClientRects().length > 0;

/**
 * The elements Tab reaches inside `root`, through shadow roots and slots, in
 * tree order (no positive `tabindex` is used here). Of a radio group only the
 * checked radio counts.
 */
export function tabbables(root: ParentNode): HTMLElement[] {
  const out: HTMLElement[] = [];
  const visit = (el: Element) => {
    if (!(el instanceof HTMLElement) || el.inert) return;
    if (reached(el)) out.push(el);
    const children = el instanceof HTMLSlotElement ? el.assignedElements({ flatten: true }) : (el.shadowRoot ?? el).children;
    for (const child of children) visit(child);
  };
  for (const child of root.children) visit(child);
  return out;
}
