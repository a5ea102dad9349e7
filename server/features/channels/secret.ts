// A robot's webhook address and signing secret, stored sealed: AES-256-GCM with a key from
// CHANNEL_SECRET_KEY (64 hex characters are the key itself; any other text of at least 32
// characters is stretched with HKDF-SHA256), or, when unset, a key derived by HKDF from the
// session secret. A sealed value is "v1." + base64url(iv 12 bytes | tag 16 bytes | ciphertext);
// the authenticated data names the purpose, so a sealed value cannot be taken for another.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const AAD = Buffer.from("rectify.channel.v1");

export function channelKey(config: { channelSecretKey?: string | undefined; sessionSecret: string }): Buffer {
  const own = config.channelSecretKey;
  if (own && /^[0-9a-f]{64}$/i.test(own)) return Buffer.from(own, "hex");
  const ikm = own ?? config.sessionSecret;
  return Buffer.from(hkdfSync("sha256", ikm, "rectify", own ? "channel-secret-key" : "channel-secret-key from session secret", 32));
}

export function seal(plain: string, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(AAD);
  const ct = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return "v1." + Buffer.concat([iv, cipher.getAuthTag(), ct]).toString("base64url");
}

export class SecretError extends Error {}

/** Opens a sealed value; a changed key or a tampered value throws SecretError with a Chinese message. */
export function unseal(sealed: string, key: Buffer): string {
  if (!sealed.startsWith("v1.")) throw new SecretError("密钥数据格式无法识别");
  const raw = Buffer.from(sealed.slice(3), "base64url");
  if (raw.length < 28) throw new SecretError("密钥数据已损坏");
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
    decipher.setAAD(AAD);
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
  } catch {
    throw new SecretError("无法解密机器人的地址或密钥：CHANNEL_SECRET_KEY（或会话密钥）已更换，请删除该机器人后重新添加");
  }
}
