// The response headers of DESIGN.md §2, as the e2e tests expect them on a dynamic page.

/** The page policy: strict, with a per-response script nonce. */
export const CSP_PAGE = new RegExp(
  "^default-src 'none'; script-src 'self' 'nonce-[A-Za-z0-9_-]{16,}=*'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'; upgrade-insecure-requests$",
);

/** Headers other than CSP and Set-Cookie, each expected exactly once. */
export const FIXED_HEADERS: Readonly<Record<string, string>> = {
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), geolocation=(), microphone=(), payment=(), usb=()',
};
