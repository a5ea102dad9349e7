// Reads a multipart form into text fields and non-empty files, with Chinese messages for the limits.
import type { FastifyRequest } from "fastify";
import { ValidationError } from "./errors.ts";

export type IncomingFile = { filename: string; data: Buffer };
type Fields = Record<string, string | undefined>;

/** `maxBytes` limits each file (and each text field, for pasted text); defaults to the plugin's. */
export async function readMultipart(req: FastifyRequest, maxBytes: number, opts: { maxFiles?: number; fieldBytes?: number } = {}): Promise<{ fields: Fields; files: IncomingFile[] }> {
  if (!req.isMultipart()) throw new ValidationError("请求格式不正确，请通过页面上的表单提交");
  const fields: Fields = {};
  const files: IncomingFile[] = [];
  const maxFiles = opts.maxFiles ?? 10;
  try {
    for await (const part of req.parts({ limits: { fileSize: maxBytes, files: maxFiles, fieldSize: opts.fieldBytes ?? 200_000 } })) {
      if (part.type === "file") {
        const data = await part.toBuffer();
        if (part.filename && data.length) files.push({ filename: part.filename, data });
      } else {
        if ((part as { valueTruncated?: boolean }).valueTruncated) throw new ValidationError(`填写的文字过长（超过 ${Math.round((opts.fieldBytes ?? 200_000) / 1024)} KB），未保存任何内容`, { [part.fieldname]: "文字过长" });
        fields[part.fieldname] = String(part.value);
      }
    }
  } catch (e: any) {
    if (e?.code === "FST_REQ_FILE_TOO_LARGE") throw new ValidationError(`文件过大：单个文件不能超过 ${Math.round(maxBytes / 1024 / 1024)} MB，未保存任何内容`, { files: "文件过大", file: "文件过大" });
    if (e?.code === "FST_FILES_LIMIT") throw new ValidationError(`一次最多上传 ${maxFiles} 个文件`, { files: "文件过多", file: "文件过多" });
    if (e?.code === "FST_PARTS_LIMIT" || e?.code === "FST_FIELDS_LIMIT") throw new ValidationError("表单内容过多，未保存任何内容");
    throw e;
  }
  return { fields, files };
}
