/**
 * Debian's Chromium, driven by playwright-core. Playwright's own browser downloads are not used:
 * the machines this runs on reach no download host, and the distribution's browser is the one
 * users have.
 */
import { accessSync, constants } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Flags known to work headless, as root, in a container or VM with no GPU and no network beyond loopback. */
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why the browser suite cannot run here, or null. In CI a missing Chromium is no reason to skip: it throws. */
export function chromiumUnavailableReason(): string | null {
  let reason: string | null = null;
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
  } catch {
    reason = `no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium, or set CHROMIUM_PATH)`;
  }
  if (reason && process.env.CI === 'true') throw new Error(`the browser suite needs Chromium in CI: ${reason}`);
  return reason;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_FLAGS });
}
