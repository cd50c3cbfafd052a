// One ONNX Runtime side of an A/B round, in its own process so its resident memory is measured
// the same way as seqrt's: from just before session creation to the end of the runs.
//
//   node ort_runner.mjs --model M.onnx --inputs DIR --runs N [--warmup N] [--threads N]
//                       [--opt-level N] [--output-dir DIR]
// Reads DIR/NAME.npy for every model input; prints one JSON object on stdout:
//   {session_create_ms, first_run_ms, runs, latencies_ms: [...], rss_before_bytes, rss_end_bytes}
//
// Varied-length mode (the stream `seqrt perf --lengths-file` runs):
//   node ort_runner.mjs --model M.onnx --lengths-file F --input-spec JSON --seed S [--threads N]
//                       [--repeat-warm] [--save-every K --output-dir DIR]
// JSON is [{"name": "x", "dims": [8, "T", 40]}]; "T" takes each call's length. Inputs are
// float32 from the same integer hash as seqrt's (tools/perf_varied.cc). Prints
//   {session_create_ms, calls, first_ms: [...], warm_ms: [...], rss_before_bytes, rss_after_create_bytes, rss_end_bytes}
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
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
    'lengths-file': { type: 'string' },
    'input-spec': { type: 'string' },
    seed: { type: 'string', default: '0' },
    'repeat-warm': { type: 'boolean' },
    'save-every': { type: 'string', default: '0' },
  },
});

const ort = await import('onnxruntime-node');

// ORT's levels: 0 disabled, 1 basic, 2 extended, 99 all -- as for onnxruntime_perf_test -o.
const LEVELS = { 0: 'disabled', 1: 'basic', 2: 'extended' };
const level = LEVELS[Number(opt['opt-level'])] ?? 'all';

if (opt['lengths-file']) {
  await variedLengths();
  process.exit(0);
}

// The same numbers as StreamInputValue in tools/perf_varied.cc.
function streamValue(seed, input, call, k) {
  let h = (Math.imul((seed ^ 0x9E3779B9) >>> 0, 0x85EBCA6B) ^ Math.imul(call + 1, 0xC2B2AE35) ^
           Math.imul(k, 0x27D4EB2F) ^ Math.imul(input, 0x165667B1)) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  h = Math.imul(h, 0x85EBCA6B) >>> 0;
  h = (h ^ (h >>> 13)) >>> 0;
  h = Math.imul(h, 0xC2B2AE35) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return (h >>> 8) / 8388608 - 1;
}

async function variedLengths() {
  const lengths = readFileSync(opt['lengths-file'], 'utf8').split(/[\s,]+/).filter(Boolean).map(Number);
  const spec = JSON.parse(opt['input-spec']);
  const seed = Number(opt.seed) >>> 0;
  const saveEvery = Number(opt['save-every']);
  const rssBefore = process.memoryUsage().rss;
  let t = performance.now();
  const session = await ort.InferenceSession.create(opt.model, {
    intraOpNumThreads: Number(opt.threads),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: level,
  });
  const sessionCreateMs = performance.now() - t;
  const rssCreated = process.memoryUsage().rss;
  const firstMs = [], warmMs = [], firstCpuMs = [], warmCpuMs = [];
  const cpuMs = () => {  // the process's CPU time, as seqrt's ProcessCpuMs
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  // One buffer per input, sized for the longest call and viewed per call, as seqrt's side does:
  // a fresh allocation per call would add the harness's allocator churn to the RSS figures.
  const maxLen = Math.max(...lengths);
  const buffers = spec.map((input) =>
    new Float32Array(input.dims.map((d) => (d === 'T' ? maxLen : d)).reduce((a, b) => a * b, 1)));
  for (let c = 0; c < lengths.length; c++) {
    const feeds = {};
    spec.forEach((input, i) => {
      const dims = input.dims.map((d) => (d === 'T' ? lengths[c] : d));
      const data = buffers[i].subarray(0, dims.reduce((a, b) => a * b, 1));
      for (let k = 0; k < data.length; k++) data[k] = streamValue(seed, i, c, k);
      feeds[input.name] = new ort.Tensor('float32', data, dims);
    });
    let c0 = cpuMs();
    t = performance.now();
    const out = await session.run(feeds);
    firstMs.push(performance.now() - t);
    firstCpuMs.push(cpuMs() - c0);
    if (opt['repeat-warm']) {
      c0 = cpuMs();
      t = performance.now();
      await session.run(feeds);
      warmMs.push(performance.now() - t);
      warmCpuMs.push(cpuMs() - c0);
    }
    if (saveEvery > 0 && c % saveEvery === 0) {
      mkdirSync(opt['output-dir'], { recursive: true });
      for (const [name, tensor] of Object.entries(out)) {
        writeNpy(join(opt['output-dir'], `call${c}_${name.replace(/[^A-Za-z0-9.-]/g, '_')}.npy`), tensor.type,
                 tensor.dims, tensor.data);
      }
    }
  }
  process.stdout.write(JSON.stringify({
    session_create_ms: sessionCreateMs,
    calls: lengths.length,
    first_ms: firstMs,
    warm_ms: warmMs,
    first_cpu_ms: firstCpuMs,
    warm_cpu_ms: warmCpuMs,
    rss_before_bytes: rssBefore,
    rss_after_create_bytes: rssCreated,
    rss_end_bytes: process.memoryUsage().rss,
  }) + '\n');
}

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
