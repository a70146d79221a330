import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import { BodyTooLargeError, mediaType, type RawRequest, readBody } from './body.js';
import { StatusError } from './status-error.js';

/** An uploaded file, streamed by busboy to a temporary file (removed by `FormData.cleanup()`). */
export interface UploadedFile {
  fieldName: string;
  fileName: string;
  mimeType: string;
  size: number;
  /** Path of the temporary file holding the upload. */
  path: string;
}

/** The fields and files of an urlencoded or multipart form. */
export class FormData {
  readonly #fields = new Map<string, string[]>();
  readonly files: UploadedFile[] = [];

  append(name: string, value: string): void {
    const list = this.#fields.get(name);
    if (list) list.push(value);
    else this.#fields.set(name, [value]);
  }

  get(name: string): string | undefined {
    return this.#fields.get(name)?.[0];
  }

  getAll(name: string): string[] {
    return this.#fields.get(name)?.slice() ?? [];
  }

  file(fieldName: string): UploadedFile | undefined {
    return this.files.find((f) => f.fieldName === fieldName);
  }

  /** All fields as an object (first value of each). */
  toObject(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of this.#fields) out[k] = v[0]!;
    return out;
  }

  /** Deletes the temporary files of the uploads. */
  async cleanup(): Promise<void> {
    await Promise.all(this.files.map((f) => unlink(f.path).catch(() => undefined)));
  }
}

/**
 * Parses an application/x-www-form-urlencoded or multipart/form-data body. The whole
 * request (fields and files) counts against `limit`; files go to disk as they arrive.
 */
export async function parseForm(raw: RawRequest, limit: number): Promise<FormData> {
  const type = mediaType(raw.headers['content-type']);
  const form = new FormData();
  if (type === 'application/x-www-form-urlencoded') {
    const body = await readBody(raw, limit);
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) form.append(k, v);
    return form;
  }
  if (type !== 'multipart/form-data') {
    throw StatusError.unsupportedMediaType(`expected a form body, got content-type '${type || 'none'}'`);
  }
  const declared = raw.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) throw new BodyTooLargeError(limit);
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: raw.headers as busboy.BusboyConfig['headers'],
      limits: { fileSize: limit, fieldSize: limit },
    });
  } catch (err) {
    throw StatusError.badRequest('malformed multipart form: ' + (err as Error).message, err);
  }
  const pending: Promise<void>[] = [];
  let total = 0;
  let failure: StatusError | undefined;
  const fail = (err: StatusError) => {
    failure ??= err;
    raw.unpipe(parser);
    raw.pause();
    parser.destroy();
  };
  raw.on('data', (chunk: Buffer) => {
    total += chunk.length;
    if (total > limit) fail(new BodyTooLargeError(limit));
  });
  parser.on('field', (name, value) => form.append(name, value));
  parser.on('file', (fieldName, stream, info) => {
    const path = join(tmpdir(), `volley-upload-${randomUUID()}`);
    const file: UploadedFile = { fieldName, fileName: info.filename ?? '', mimeType: info.mimeType, size: 0, path };
    form.files.push(file);
    stream.on('data', (chunk: Buffer) => {
      file.size += chunk.length;
    });
    pending.push(pipeline(stream, createWriteStream(path)).catch(() => undefined));
  });
  await new Promise<void>((resolve) => {
    parser.once('close', resolve);
    parser.once('error', (err: Error) => {
      fail(StatusError.badRequest('malformed multipart form: ' + err.message, err));
      resolve();
    });
    raw.once('aborted', () => {
      fail(StatusError.badRequest('request aborted'));
      resolve();
    });
    raw.pipe(parser);
  });
  await Promise.all(pending);
  if (failure) {
    await form.cleanup();
    throw failure;
  }
  return form;
}
