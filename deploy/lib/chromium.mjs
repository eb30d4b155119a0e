// How every headless Chromium of this repository is started (the deployed volunteers, the browser
// tests): Debian's chromium, never a downloaded browser, with the flags this machine needs: no
// sandbox as root, no GPU, no calls home. Each caller adds its own fresh --user-data-dir.
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
