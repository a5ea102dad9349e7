// One-time messages across a 303 redirect (plain form posts), in a short signed cookie.
import type { FastifyReply, FastifyRequest } from "fastify";

const NAME = "rectify_flash";

export function setFlash(reply: FastifyReply, message: string): void {
  reply.setCookie(NAME, encodeURIComponent(message.slice(0, 300)), { path: "/", httpOnly: true, sameSite: "lax", signed: true, maxAge: 60 });
}

export function readFlash(req: FastifyRequest, reply: FastifyReply): string | null {
  const raw = req.cookies?.[NAME];
  if (!raw) return null;
  reply.clearCookie(NAME, { path: "/" });
  const u = req.unsignCookie(raw);
  if (!u.valid || !u.value) return null;
  try {
    return decodeURIComponent(u.value);
  } catch {
    return null;
  }
}
