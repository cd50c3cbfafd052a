// One ONNX Runtime side of an A/B round, in its own process so its resident memory is measured
// the same way as seqrt's: from just before session creation to the end of the runs.
//
//   node ort_runner.mjs --model M.onnx --inputs DIR --runs N [--warmup N] [--threads N]
//                       [--opt-level N] [--output-dir DIR]
// Reads DIR/NAME.npy for every model input; prints one JSON object on stdout:
//   {session_create_ms, first_run_ms, runs, latencies_ms: [...], rss_before_bytes, rss_end_bytes}
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { readNpy, writeNpy } from './npy.mjs';

const { values: opt } = parseArgs({
  options: {
    model: { type: 'string' },
    inputs: { type: 'string' },
    runs: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '0' },
    threads: { type: 'string', default: '1' },
    'opt-level': { type: 'string', default: '99' },
    'output-dir': { type: 'string' },
  },
});

const ort = await import('onnxruntime-node');

// ORT's levels: 0 disabled, 1 basic, 2 extended, 99 all -- as for onnxruntime_perf_test -o.
const LEVELS = { 0: 'disabled', 1: 'basic', 2: 'extended' };
const level = LEVELS[Number(opt['opt-level'])] ?? 'all';

const feeds = {};
for (const file of readdirSync(opt.inputs)) {
  if (!file.endsWith('.npy')) continue;
  const { type, dims, data } = readNpy(join(opt.inputs, file));
  feeds[file.slice(0, -4)] = new ort.Tensor(type, data, dims);
}

const rssBefore = process.memoryUsage().rss;
let t = performance.now();
const session = await ort.InferenceSession.create(opt.model, {
  intraOpNumThreads: Number(opt.threads),
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: level,
});
const sessionCreateMs = performance.now() - t;
// seqrt writes inputs under sanitized names; map them back to the model's input names.
const inputFeeds = {};
for (const name of session.inputNames) {
  const key = name in feeds ? name : name.replace(/[^A-Za-z0-9.-]/g, '_');
  if (!(key in feeds)) throw new Error(`no input file for '${name}' in ${opt.inputs}`);
  inputFeeds[name] = feeds[key];
}

t = performance.now();
const first = await session.run(inputFeeds);
const firstRunMs = performance.now() - t;
for (let i = 0; i < Number(opt.warmup); i++) await session.run(inputFeeds);
const latencies = [];
for (let i = 0; i < Number(opt.runs); i++) {
  t = performance.now();
  await session.run(inputFeeds);
  latencies.push(performance.now() - t);
}
const rssEnd = process.memoryUsage().rss;

if (opt['output-dir']) {
  mkdirSync(opt['output-dir'], { recursive: true });
  for (const [name, tensor] of Object.entries(first)) {
    writeNpy(join(opt['output-dir'], name.replace(/[^A-Za-z0-9.-]/g, '_') + '.npy'), tensor.type, tensor.dims,
             tensor.data);
  }
}
process.stdout.write(JSON.stringify({
  session_create_ms: sessionCreateMs,
  first_run_ms: firstRunMs,
  runs: latencies.length,
  latencies_ms: latencies,
  rss_before_bytes: rssBefore,
  rss_end_bytes: rssEnd,
}) + '\n');
