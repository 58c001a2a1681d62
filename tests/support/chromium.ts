/**
 * How this project launches Debian's Chromium for the e2e tests and the bench: headless, WebGPU
 * on (SwiftShader on machines without a GPU), and no background traffic to hosts this network
 * cannot reach.
 */
export const chromiumLaunchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--enable-unsafe-webgpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
};
