// Where to go after sign-in: a path on this site, or "/". Pure.
// The value is resolved as a browser would resolve it against this site's address; anything
// that lands on another origin, or that a browser would read differently from the server
// (control characters, which browsers strip, so "/\t/evil.com" becomes "//evil.com"), is "/".

const HERE = "http://rectify.invalid";

export function safeNext(n: unknown, otherwise = "/"): string {
  if (typeof n !== "string" || !n.startsWith("/") || n.length > 2000) return otherwise;
  if (/[\u0000-\u0020\u007f-\u009f\\]/.test(n)) return otherwise; // control characters, spaces, backslashes
  let url: URL;
  try {
    url = new URL(n, HERE);
  } catch {
    return otherwise;
  }
  if (url.origin !== HERE) return otherwise;
  const path = url.pathname + url.search + url.hash;
  // "/.//evil.com" resolves to the path "//evil.com", which a Location header would send off-site
  return path.startsWith("/") && !path.startsWith("//") ? path : otherwise;
}
