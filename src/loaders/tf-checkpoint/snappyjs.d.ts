// snappyjs ships no types; the two functions the TF table reader and writer use.
declare module 'snappyjs' {
  const SnappyJS: {
    uncompress(compressed: Uint8Array | ArrayBuffer, maxLength?: number): Uint8Array | ArrayBuffer;
    compress(uncompressed: Uint8Array | ArrayBuffer): Uint8Array | ArrayBuffer;
  };
  export default SnappyJS;
}
