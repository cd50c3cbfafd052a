// The silero-vad host loop the way its users write it against ONNX Runtime: feed 512-sample
// chunks with the state output copied back into the state input every call. Writes the
// signal it made and ORT's per-chunk outputs, which tests/stream_silero_check compares with a
// seqrt::Stream that binds the state by itself.
//   node stream_silero_ort.mjs --ort-dir DIR --model M.onnx --out DIR [--chunks 40] [--batch 1]
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    'ort-dir': { type: 'string' },
    model: { type: 'string' },
    out: { type: 'string' },
    chunks: { type: 'string', default: '40' },
    batch: { type: 'string', default: '1' },
  },
});
const require = createRequire(join(opt['ort-dir'], 'package.json'));
let ort;
try {
  ort = require('onnxruntime-node');
} catch (e) {
  console.error(`FAIL: ONNX Runtime (onnxruntime-node) is not available: ${e.message}`);
  process.exit(1);
}
const { writeNpy } = await import(pathToFileURL(join(opt['ort-dir'], 'npy.mjs')).href);

const CHUNK = 512;
const RATE = 16000;
const chunks = Number(opt.chunks);
const batch = Number(opt.batch);
const samples = chunks * CHUNK;

// A deterministic signal with voiced-like bursts (harmonics with a moving pitch) between
// quiet noise, different per batch row, so the VAD's output rises and falls.
let seed = 12345;
const noise = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648 - 0.5;
};
const signal = new Float32Array(batch * samples);
for (let b = 0; b < batch; ++b) {
  for (let i = 0; i < samples; ++i) {
    const t = i / RATE;
    const burst = Math.floor(t / 0.4 + b * 0.5) % 2 === 0;
    const f0 = 120 + 60 * Math.sin(2 * Math.PI * 0.7 * t) + 40 * b;
    let v = 0;
    if (burst) for (let h = 1; h <= 8; ++h) v += Math.sin(2 * Math.PI * f0 * h * t) / h;
    signal[b * samples + i] = 0.25 * v + 0.01 * noise();
  }
}

const session = await ort.InferenceSession.create(opt.model, { intraOpNumThreads: 1 });
let state = new ort.Tensor('float32', new Float32Array(2 * batch * 128), [2, batch, 128]);
const sr = new ort.Tensor('int64', BigInt64Array.from([BigInt(RATE)]), []);
const outputs = new Float32Array(chunks * batch);
for (let c = 0; c < chunks; ++c) {
  const piece = new Float32Array(batch * CHUNK);
  for (let b = 0; b < batch; ++b) piece.set(signal.subarray(b * samples + c * CHUNK, b * samples + (c + 1) * CHUNK), b * CHUNK);
  const result = await session.run({ input: new ort.Tensor('float32', piece, [batch, CHUNK]), state, sr });
  for (let b = 0; b < batch; ++b) outputs[c * batch + b] = result.output.data[b];
  state = result.stateN;
}
mkdirSync(opt.out, { recursive: true });
writeNpy(join(opt.out, 'input.npy'), 'float32', [batch, samples], signal);
writeNpy(join(opt.out, 'sr.npy'), 'int64', [], BigInt64Array.from([BigInt(RATE)]));
writeNpy(join(opt.out, 'expected_output.npy'), 'float32', [chunks, batch, 1], outputs);
writeNpy(join(opt.out, 'expected_state.npy'), 'float32', state.dims, state.data);
const min = Math.min(...outputs), max = Math.max(...outputs);
console.log(`ORT host loop: ${chunks} chunks x batch ${batch}, speech probability ${min.toFixed(3)}..${max.toFixed(3)}`);
