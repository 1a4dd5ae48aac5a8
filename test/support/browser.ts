// Headless Debian Chromium (driven by playwright-core) that reaches the loopback stack as
// https://<domain>/ on port 443: a CONNECT proxy tunnels to nginx's test port, and only the
// throwaway certificate's key is trusted beyond the usual roots.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { connectProxy, type Stack } from './stack.js';

export interface StackBrowser {
  context: BrowserContext;
  /** Closes the browser and the proxy and removes the profile folder. */
  close(): Promise<void>;
}

export async function openStackBrowser(domain: string, stack: Stack): Promise<StackBrowser> {
  const { chromium } = await import('playwright-core');
  const proxy = await connectProxy(domain, stack.httpsPort);
  const userDataDir = mkdtempSync(join(tmpdir(), 'hf-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--proxy-server=http://127.0.0.1:${proxy.port}`,
      // Chromium sends localhost past any proxy unless told otherwise.
      '--proxy-bypass-list=<-loopback>',
      `--ignore-certificate-errors-spki-list=${stack.tls.leafSpkiSha256}`,
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      await proxy.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
