// Records every CSP violation of the page, then registers the elements.
const violations: string[] = [];
document.addEventListener('securitypolicyviolation', (e) => violations.push(`${e.violatedDirective}: ${e.blockedURI}`));
(window as unknown as { violations: string[] }).violations = violations;
void import('../../src/define.js');

export {};
