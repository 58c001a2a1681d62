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
    // A real-size graph's kernels run for seconds each on SwiftShader; Chromium's GPU watchdog
    // would kill the GPU process mid-run ("Device was destroyed"), which no real GPU would hit.
    '--disable-gpu-watchdog',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
};
