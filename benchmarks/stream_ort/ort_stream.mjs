// ONNX Runtime driving a model chunk by chunk with manual state I/O (the host loop streaming
// needs with ORT): per-chunk latency of `session.run`, state outputs copied to state inputs.
//   node ort_stream.mjs --ort-dir DIR --model M.onnx --input x --dims 1x100x40 --chunk 1 [--rounds 5]
//   node ort_stream.mjs ... --silero   (silero-vad: input [1, 512] chunks, state/stateN, sr)
// Prints one JSON line: chunk latency percentiles (ms), chunks measured.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    'ort-dir': { type: 'string' }, model: { type: 'string' }, input: { type: 'string', default: 'x' },
    dims: { type: 'string' }, chunk: { type: 'string', default: '1' }, rounds: { type: 'string', default: '5' },
    threads: { type: 'string', default: '1' }, silero: { type: 'boolean', default: false },
  },
});
const ort = createRequire(join(opt['ort-dir'], 'package.json'))('onnxruntime-node');
const session = await ort.InferenceSession.create(opt.model, {
  intraOpNumThreads: Number(opt.threads), interOpNumThreads: 1, executionMode: 'sequential',
});
const dims = opt.dims.split('x').map(Number);
const chunk = Number(opt.chunk);
let seed = 7;
const rand = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return 2 * seed / 2147483648 - 1; };
const full = Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, rand);
const [n, t, f] = opt.silero ? [dims[0], dims[1], 1] : dims;

function sliceChunk(start, len) {
  const out = new Float32Array(n * len * f);
  for (let b = 0; b < n; ++b) out.set(full.subarray((b * t + start) * f, (b * t + start + len) * f), b * len * f);
  return new ort.Tensor('float32', out, opt.silero ? [n, len] : [n, len, f]);
}
// State inputs start at zeros; their outputs are named <input>_out (add_state_io.py) or stateN.
function zeroState() {
  const s = {};
  for (const name of session.inputNames) {
    if (name === opt.input || name === 'sr') continue;
    const meta = session.inputMetadata?.find?.((m) => m.name === name);
    let shape = meta?.shape?.map((d) => (typeof d === 'number' && d > 0 ? d : n)) ?? [2, n, 128];
    s[name] = new ort.Tensor('float32', new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
  }
  return s;
}
const sr = new ort.Tensor('int64', BigInt64Array.from([16000n]), []);
const lat = [];
for (let round = 0; round <= Number(opt.rounds); ++round) {
  let state = zeroState();
  for (let start = 0; start + chunk <= t; start += chunk) {
    const feeds = { [opt.input]: sliceChunk(start, chunk), ...state };
    if (opt.silero) feeds.sr = sr;
    const t0 = process.hrtime.bigint();
    const out = await session.run(feeds);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (round > 0) lat.push(ms);
    const next = {};
    for (const name of Object.keys(state)) next[name] = out[opt.silero ? 'stateN' : `${name}_out`];
    state = next;
  }
}
lat.sort((a, b) => a - b);
const pct = (q) => lat[Math.min(lat.length - 1, Math.max(0, Math.ceil(q * lat.length) - 1))];
console.log(JSON.stringify({ chunks: lat.length, p50: pct(0.5), p90: pct(0.9), p99: pct(0.99), mean: lat.reduce((a, b) => a + b, 0) / lat.length }));
