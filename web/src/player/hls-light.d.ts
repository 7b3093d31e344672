// hls.js ships no types for its light build (the same API without subtitles, EME and alternate audio).
declare module 'hls.js/light' {
  export { default } from 'hls.js';
  export * from 'hls.js';
}
