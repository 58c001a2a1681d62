/**
 * UTF-8 through the WHATWG TextEncoder/TextDecoder, which browsers, workers and Node all provide
 * as globals, though TypeScript's ES2022 lib (the pure core's) does not declare them.
 */
interface Codecs {
  TextEncoder: new () => { encode(text: string): Uint8Array };
  TextDecoder: new (label?: string, options?: { fatal?: boolean }) => { decode(bytes: Uint8Array): string };
}

const codecs = globalThis as unknown as Codecs;
const encoder = new codecs.TextEncoder();
const decoder = new codecs.TextDecoder('utf-8');

export const utf8Encode = (text: string): Uint8Array => encoder.encode(text);
export const utf8Decode = (bytes: Uint8Array): string => decoder.decode(bytes);
