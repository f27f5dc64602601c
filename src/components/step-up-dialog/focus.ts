/**
 * Focus helpers for a modal dialog whose content spans shadow roots (the
 * embedded QR panel and SMS form): where focus really is, and the elements
 * Tab reaches, in order.
 */

/** The focused element, looking through open shadow roots; null when nothing is. */
export function deepActiveElement(): HTMLElement | null {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active === document.body ? null : (active as HTMLElement | null);
}

/**
 * The elements Tab reaches inside `root`, through shadow roots and slots, in
 * tree order (no positive `tabindex` is used here). Of a radio group only the
 * checked radio counts.
 */
export function tabbables(root: Element): HTMLElement[] {
  const out: HTMLElement[] = [];
  const visit = (el: Element) => {
    if ((el as HTMLElement).inert) return;
    if (
      el.matches('a[href],button,input,select,textarea,summary,[tabindex]') &&
      (el as HTMLElement).tabIndex >= 0 &&
      !el.matches(':disabled,[type=radio]:not(:checked)') &&
      el.getClientRects().length
    )
      out.push(el as HTMLElement);
    for (const child of el instanceof HTMLSlotElement
      ? el.assignedElements({ flatten: true })
      : (el.shadowRoot ?? el).children)
      visit(child);
  };
  for (const child of root.children) visit(child);
  return out;
}
