/**
 * A buffer reused by every call, and the views of it handed to node:crypto.
 * At a few microseconds per field, the half-dozen small Buffers a call would
 * otherwise allocate are a measurable part of its cost (test/bench/privacy.ts).
 * Safe because everything that receives a view (`createDecipheriv`,
 * `setAAD`, `setAuthTag`, `update`, `toString`) copies or consumes it before
 * returning, and nothing between writing the scratch and using it is
 * asynchronous or calls out to other code. Holds only ciphertexts and
 * associated data, never plaintext or keys.
 */
export interface Scratch {
  bytes: Buffer;
  /** `bytes[offset, offset + length)`; the same object every time for the small views of field-sized values. */
  view: (offset: number, length: number) => Buffer;
}

/** Views ending within this many bytes are kept: enough for typical fields, and a bounded number of them. */
const KEPT_VIEWS_END = 512;

export function scratch(size: number): Scratch {
  const bytes = Buffer.alloc(size);
  const views = new Map<number, Buffer>();
  return {
    bytes,
    view: (offset, length) => {
      const end = offset + length;
      if (end > KEPT_VIEWS_END) return bytes.subarray(offset, end);
      const key = offset * (KEPT_VIEWS_END + 1) + length;
      let view = views.get(key);
      if (view === undefined) {
        view = bytes.subarray(offset, end);
        views.set(key, view);
      }
      return view;
    },
  };
}
