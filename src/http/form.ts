import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type busboy from 'busboy';
import { lazyRequire } from '../lazy-require.js';
import { BodyTooLargeError, type RawRequest } from './body.js';
import { StatusError } from './status-error.js';
import { BodyConsumedError } from './usage-errors.js';

const loadBusboy = lazyRequire<typeof busboy>('busboy');

/**
 * An uploaded file, streamed by busboy to a temporary file. The file is removed once the
 * response has been sent (or by `FormData.cleanup()`); move or copy it to keep it.
 */
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

  /** Every field with all its values, in the order they first arrived. */
  entries(): IterableIterator<[string, string[]]> {
    return this.#fields.entries();
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

/** Parses an application/x-www-form-urlencoded body. */
export function parseUrlEncoded(body: Buffer): FormData {
  const form = new FormData();
  for (const [k, v] of new URLSearchParams(body.toString('utf8'))) form.append(k, v);
  return form;
}

/**
 * Parses a multipart/form-data body into `form`. The whole request (fields and files)
 * counts against `limit` (413 past it, without reading further); files go to disk as
 * they arrive. On failure the files written so far are removed.
 */
export async function parseMultipart(raw: RawRequest, limit: number, form: FormData): Promise<void> {
  const declared = raw.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) throw new BodyTooLargeError(limit);
  if (raw.readableEnded) throw new BodyConsumedError('the request body was already consumed');
  let parser: busboy.Busboy;
  try {
    parser = loadBusboy()({
      headers: raw.headers as busboy.BusboyConfig['headers'],
      limits: { fileSize: limit, fieldSize: limit },
    });
  } catch (err) {
    throw StatusError.badRequest(`malformed multipart form: ${(err as Error).message}`, err);
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
  const onData = (chunk: Buffer) => {
    total += chunk.length;
    if (total > limit) fail(new BodyTooLargeError(limit));
  };
  raw.on('data', onData);
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
  try {
    await new Promise<void>((resolve) => {
      parser.once('close', resolve);
      // busboy may report more than one error while it is torn down: keep listening.
      parser.on('error', (err: Error) => {
        fail(StatusError.badRequest(`malformed multipart form: ${err.message}`, err));
        resolve();
      });
      raw.once('aborted', () => {
        fail(StatusError.badRequest('request aborted'));
        resolve();
      });
      raw.pipe(parser);
    });
    await Promise.all(pending);
  } finally {
    raw.off('data', onData);
  }
  if (failure) {
    await form.cleanup();
    throw failure;
  }
}
