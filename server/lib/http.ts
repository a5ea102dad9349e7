// Content-Disposition with a Chinese file name that survives every browser (RFC 5987/6266):
// an ASCII fallback in filename= and the UTF-8 name in filename*=.
export function contentDisposition(name: string, type: "inline" | "attachment" = "attachment"): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_") || "file";
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
  return `${type}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** A form or query value as a positive whole number (an id, a page), else undefined: decimal digits only ("0x1", "1e0", " 1", "1.0" are not). */
export function positiveInt(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isSafeInteger(v) && v > 0 ? v : undefined;
  if (typeof v !== "string" || !/^[0-9]{1,15}$/.test(v)) return undefined;
  const n = Number(v);
  return n > 0 ? n : undefined;
}
