// Streams an upload into R2 while counting, hashing and sniffing it. The body
// is never held whole: the first SNIFF_BYTES are read to check the type (415
// before anything is stored), then bytes flow on to R2 as they arrive and the
// size limit is checked on every chunk (413 as soon as it is passed).
//
// R2's `put` in workerd takes a stream only when its length is known, so a
// body with Content-Length goes through a FixedLengthStream of that length.
// A body without one (chunked) goes up as a multipart upload of PART_BYTES
// parts: at most one part is in memory at a time.
import { toHex } from "../crypto/encoding";
import type { AttachmentContentType } from "../protocol/attachment";
import { ServiceError } from "../protocol/errors";
import { SNIFF_BYTES, sniff, type Sniffed } from "./sniff";

/** Part size of multipart uploads: R2's minimum; every part but the last has exactly this size. */
export const PART_BYTES = 5 * 1024 * 1024;

export interface StoredUpload extends Sniffed {
  size: number;
  /** Lowercase hex SHA-256. */
  sha256: string;
}

export interface UploadOptions {
  contentType: AttachmentContentType;
  /** The request's Content-Length, or null for a chunked body. */
  declaredLength: number | null;
  maxBytes: number;
  httpMetadata?: R2HTTPMetadata;
  customMetadata?: Record<string, string>;
}

function tooLarge(maxBytes: number): ServiceError {
  return new ServiceError("payload_too_large", `attachments are limited to ${maxBytes} bytes`);
}

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/**
 * Reads the body into `key` of `bucket`. Throws 415 (unsupported_media_type)
 * when the first bytes are not `contentType`, 413 (payload_too_large) past
 * `maxBytes`, 400 for an empty body; nothing is left in R2 when it throws.
 */
export async function storeUpload(bucket: R2Bucket, key: string, body: ReadableStream<Uint8Array>, options: UploadOptions): Promise<StoredUpload> {
  const reader = body.getReader();
  const headChunks: Uint8Array[] = [];
  let headSize = 0;
  let done = false;
  try {
    while (headSize < SNIFF_BYTES) {
      const next = await reader.read();
      if (next.done) {
        done = true;
        break;
      }
      headChunks.push(next.value);
      headSize += next.value.byteLength;
      if (headSize > options.maxBytes) throw tooLarge(options.maxBytes);
    }
  } catch (err) {
    await reader.cancel().catch(() => undefined);
    throw err;
  }
  if (headSize === 0) throw new ServiceError("invalid_request", "the file is empty", { errors: [{ path: "(body)", message: "empty" }] });
  const head = concat(headChunks, headSize);
  const sniffed = sniff(options.contentType, head.subarray(0, SNIFF_BYTES), done);
  if (!sniffed) {
    await reader.cancel().catch(() => undefined);
    throw new ServiceError("unsupported_media_type", `the file's bytes are not ${options.contentType}`);
  }

  const digest = new crypto.DigestStream("SHA-256");
  const hashWriter = digest.getWriter();
  let size = 0;
  let failure: unknown = null;
  let pendingHead: Uint8Array | null = head;
  // Pull-based, so bytes are read from the client only as fast as R2 takes them.
  const counted = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        let chunk: Uint8Array;
        if (pendingHead) {
          chunk = pendingHead;
          pendingHead = null;
        } else if (done) {
          await hashWriter.close();
          controller.close();
          return;
        } else {
          const next = await reader.read();
          if (next.done) {
            await hashWriter.close();
            controller.close();
            return;
          }
          chunk = next.value;
        }
        size += chunk.byteLength;
        if (size > options.maxBytes) throw tooLarge(options.maxBytes);
        // Not awaited: the writer queues chunks in order, and close() below waits for them all.
        hashWriter.write(chunk).catch(() => undefined);
        controller.enqueue(chunk);
      } catch (err) {
        failure = err;
        controller.error(err);
        await reader.cancel().catch(() => undefined);
      }
    },
    async cancel() {
      await reader.cancel().catch(() => undefined);
    },
  });

  const put: R2PutOptions = {};
  if (options.httpMetadata) put.httpMetadata = options.httpMetadata;
  if (options.customMetadata) put.customMetadata = options.customMetadata;
  try {
    if (options.declaredLength !== null) await putKnownLength(bucket, key, counted, options.declaredLength, put);
    else await putChunked(bucket, key, counted, put);
  } catch (err) {
    await bucket.delete(key).catch(() => undefined);
    throw failure ?? (err instanceof ServiceError ? err : new ServiceError("invalid_request", "the upload was interrupted"));
  }
  return { ...sniffed, size, sha256: toHex(await digest.digest) };
}

async function putKnownLength(bucket: R2Bucket, key: string, source: ReadableStream<Uint8Array>, length: number, put: R2PutOptions): Promise<void> {
  const fixed = new FixedLengthStream(length);
  // Both sides must settle: a failed pipe errors the put, a failed put cancels the pipe.
  const [piped, stored] = await Promise.allSettled([source.pipeTo(fixed.writable), bucket.put(key, fixed.readable, put)]);
  if (piped.status === "rejected") throw piped.reason;
  if (stored.status === "rejected") throw stored.reason;
}

async function putChunked(bucket: R2Bucket, key: string, source: ReadableStream<Uint8Array>, put: R2PutOptions): Promise<void> {
  const reader = source.getReader();
  let upload: R2MultipartUpload | null = null;
  const parts: R2UploadedPart[] = [];
  let chunks: Uint8Array[] = [];
  let buffered = 0;
  const flush = async (bytes: Uint8Array) => {
    upload ??= await bucket.createMultipartUpload(key, put);
    parts.push(await upload.uploadPart(parts.length + 1, bytes));
  };
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      chunks.push(next.value);
      buffered += next.value.byteLength;
      while (buffered >= PART_BYTES) {
        const all = concat(chunks, buffered);
        await flush(all.subarray(0, PART_BYTES));
        chunks = buffered > PART_BYTES ? [all.slice(PART_BYTES)] : [];
        buffered -= PART_BYTES;
      }
    }
    const rest = concat(chunks, buffered);
    if (!upload) {
      await bucket.put(key, rest, put);
      return;
    }
    if (buffered > 0) await flush(rest);
    await (upload as R2MultipartUpload).complete(parts);
  } catch (err) {
    const pending = upload as R2MultipartUpload | null;
    if (pending) await pending.abort().catch(() => undefined);
    throw err;
  }
}
