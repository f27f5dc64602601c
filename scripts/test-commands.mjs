// Server commands for the browser tests, beside those of @web/test-runner-commands.

/**
 * `emulate-forced-colors` ({ active }): the page as in Windows' contrast themes
 * (`forced-colors: active`), which `emulateMedia()` cannot set under puppeteer.
 * The DevTools session stays open with the page: emulation ends with its session.
 */
export function forcedColorsCommand() {
  const sessions = new WeakMap();
  return {
    name: 'emulate-forced-colors',
    async executeCommand({ command, payload, session }) {
      if (command !== 'emulate-forced-colors') return undefined;
      const page = session.browser.getPage(session.id);
      if (!sessions.has(page)) sessions.set(page, await page.createCDPSession());
      await sessions.get(page).send('Emulation.setEmulatedMedia', {
        features: [{ name: 'forced-colors', value: payload?.active ? 'active' : 'none' }],
      });
      return true;
    },
  };
}
