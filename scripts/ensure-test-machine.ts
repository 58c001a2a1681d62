/**
 * `npm test`'s first step (the `pretest` script): makes a fresh Debian machine able to run the
 * suite, so the README's one command needs nothing done by hand. It checks for what the suite
 * uses outside node_modules and installs what is missing with apt-get:
 * - Chromium at /usr/bin/chromium (or $CHROMIUM_PATH): the e2e tests and the bench drive it;
 * - /usr/bin/python3 with torch, numpy, PIL and onnx: the training smoke test and the small test
 *   models with real Stable Diffusion exports' interfaces (tests/support/make_sd_test_models.py).
 * As root it installs them (`apt-get update` + `apt-get install`); otherwise it prints the exact
 * command to run and stops, since a test run without them would fail in confusing ways.
 * Set LS_SKIP_MACHINE_SETUP=1 to skip the check (e.g. a machine with these elsewhere).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const APT_PYTHON = ['python3', 'python3-torch', 'python3-numpy', 'python3-pil', 'python3-onnx', 'libopenblas0-pthread'];

function missingPackages(): string[] {
  const missing: string[] = [];
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(chromium)) missing.push('chromium');
  const python = spawnSync('/usr/bin/python3', ['-c', 'import torch, numpy, PIL, onnx'], { stdio: 'ignore' });
  if (python.status !== 0) missing.push(...APT_PYTHON);
  return missing;
}

if (process.env.LS_SKIP_MACHINE_SETUP === '1') process.exit(0);
const missing = missingPackages();
if (missing.length === 0) process.exit(0);

const command = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot) {
  console.error(
    `npm test needs Debian packages that are missing: ${missing.join(', ')}.\n` +
      `Install them as root, then run npm test again:\n\n  sudo sh -c '${command}'\n\n` +
      '(LS_SKIP_MACHINE_SETUP=1 skips this check.)',
  );
  process.exit(1);
}
if (!existsSync('/usr/bin/apt-get')) {
  console.error(`npm test needs ${missing.join(', ')}, and this machine has no apt-get: install them another way.`);
  process.exit(1);
}
console.log(`Installing what the test suite needs: ${missing.join(' ')}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
const still = missingPackages();
if (still.length > 0) {
  console.error(`Still missing after apt-get install: ${still.join(', ')}.`);
  process.exit(1);
}
