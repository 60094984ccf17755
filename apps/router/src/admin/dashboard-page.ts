import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** The dashboard document, ready to send, and the Content-Security-Policy that allows exactly its inline code. */
export interface DashboardPage {
  readonly html: string;
  readonly contentSecurityPolicy: string;
}

const CSS_SLOT = '/*__DASHBOARD_CSS__*/';
const JS_SLOT = '/*__DASHBOARD_JS__*/';

function read(name: string): string {
  return readFileSync(new URL(`./${name}`, import.meta.url), 'utf8');
}

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/**
 * Builds the page from dashboard.html with dashboard.css and dashboard.js inlined (one request, no
 * build step). Call once at start-up: it reads files synchronously and throws if a slot is missing
 * or the code could close its own tag. The CSP allows only these two inline blocks (by hash),
 * same-origin fetches, and no framing.
 */
export function loadDashboardPage(): DashboardPage {
  const template = read('dashboard.html');
  const css = read('dashboard.css');
  const js = read('dashboard.js');
  if (!template.includes(CSS_SLOT) || !template.includes(JS_SLOT)) throw new Error('dashboard.html lacks its CSS or JS slot');
  if (/<\/(style|script)/i.test(css + js)) throw new Error('dashboard.css/js must not contain a closing </style> or </script>');
  // Function replacers: the code contains `$` sequences that a replacement string would interpret.
  const html = template.replace(CSS_SLOT, () => css).replace(JS_SLOT, () => js);
  const contentSecurityPolicy = [
    "default-src 'none'",
    `script-src ${sha256(js)}`,
    `style-src ${sha256(css)}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html, contentSecurityPolicy };
}
