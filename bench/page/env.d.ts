// The bench worklet's built source, provided by bench/lib/build.mjs at bundle time.
declare module 'rvb:bench-worklet' {
  const source: string;
  export default source;
}
