// Headers on every /console response (design §11): the page may load, run and contact only this
// origin — and, with single sign-on, contact the identity provider's origin (its discovery
// document and token endpoint); no inline script or style, no framing, no MIME sniffing, no
// referrer to anywhere.

/** Strict: no 'unsafe-inline' or 'unsafe-eval' anywhere, and nothing from another origin. */
export function consoleContentSecurityPolicy(connectOrigins: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    ["connect-src 'self'", ...connectOrigins].join(" "),
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

export function consoleSecurityHeaders(connectOrigins: readonly string[] = []): Readonly<Record<string, string>> {
  return {
    "content-security-policy": consoleContentSecurityPolicy(connectOrigins),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    // For browsers that predate frame-ancestors.
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
  };
}
