// Side-by-side benchmark: seqrt (`seqrt perf --json`) against ONNX Runtime (onnxruntime-node),
// same model, same seeded inputs, same thread count, alternating A/B rounds.
//
//   node compare_ort.mjs --seqrt build/seqrt [--batch 1,64] [--time 100] [--threads 1]
//        [--rounds 4] [--runs N] [--seconds-per-round 1.5] [--seed 0] MODEL.onnx...
//
// For each model and batch size: symbolic dims named like batch (N, batch...) take the batch
// size, time-like ones (T, time, seq...) take --time, others 1. `seqrt run --save-inputs`
// writes the seeded inputs once as .npy (plus seqrt's outputs); both sides then read the same
// files. Rounds alternate A,B then B,A; each side's median latency is the median of its rounds'
// medians. RSS growth is measured inside each process from before session creation to after
// the last run (median over rounds). Outputs are compared element-wise:
// max |a - b| / max(|ort|, 1e-3). Prints a Markdown table on stdout; progress goes to stderr.
//
// Varied-length mode, --lengths A:B [--calls 400] [--fixed-calls 100]: per model and batch, one
// session per runtime runs one call per length, lengths drawn (seeded, without repetition when
// the range allows) from [A, B], the same order and the same generated inputs on both sides;
// each call is repeated once at once to time a warm call at that length. Then each runtime
// runs --fixed-calls calls at the single length (A+B)/2, for the fixed-length ratio and RSS.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { compareArrays, readNpy, writeNpy } from './npy.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { values: opt, positionals: models } = parseArgs({
  allowPositionals: true,
  options: {
    seqrt: { type: 'string', default: join(here, '../../build/seqrt') },
    batch: { type: 'string', default: '1' },
    time: { type: 'string', default: '100' },
    threads: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '4' },
    runs: { type: 'string' },
    'seconds-per-round': { type: 'string', default: '1.5' },
    warmup: { type: 'string', default: '2' },
    seed: { type: 'string', default: '0' },
    'opt-level': { type: 'string', default: '99' },
    lengths: { type: 'string' },
    calls: { type: 'string', default: '400' },
    'fixed-calls': { type: 'string', default: '100' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (opt.help || models.length === 0) {
  console.log('usage: node compare_ort.mjs [--seqrt BIN] [--batch 1,64] [--time 100] [--threads N] [--rounds R]\n' +
              '                           [--runs N | --seconds-per-round S] [--seed N] [--opt-level N]\n' +
              '                           [--lengths A:B [--calls 400] [--fixed-calls 100]] MODEL.onnx...');
  process.exit(opt.help ? 0 : 2);
}

const log = (...a) => process.stderr.write(a.join(' ') + '\n');
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const mib = (b) => (b / 1048576).toFixed(1);

// Runs seqrt; returns stdout or throws with its one-line error.
function seqrt(args) {
  const r = spawnSync(opt.seqrt, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`cannot run ${opt.seqrt}: ${r.error.message}`);
  if (r.status !== 0) throw new Error((r.stderr || `exit ${r.status}`).trim().split('\n').pop());
  return r.stdout;
}

function ortRound(model, inputDir, runs, outputDir) {
  const args = [join(here, 'ort_runner.mjs'), '--model', model, '--inputs', inputDir, '--runs', String(runs),
                '--warmup', opt.warmup, '--threads', opt.threads, '--opt-level', opt['opt-level']];
  if (outputDir) args.push('--output-dir', outputDir);
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 << 20, cwd: here });
  if (r.status !== 0) {
    const lines = (r.stderr || '').split('\n').filter((l) => /error/i.test(l));
    throw new Error(`ORT: ${(lines[0] || r.stderr || `exit ${r.status}`).trim().slice(0, 300)}`);
  }
  return JSON.parse(r.stdout);
}

// The ISA seqrt's own kernels ran with (seqrt perf --json), for the table's heading.
let seqrtIsa = '?';
function seqrtRound(model, feeds, runs) {
  const j = JSON.parse(seqrt(['perf', model, ...feeds, '-r', String(runs), '--warmup', opt.warmup, '-x', opt.threads,
                              '-o', opt['opt-level'], '--json']));
  if (j.isa) seqrtIsa = j.isa;
  return j;
}

// -f flags binding the model's symbolic input dims for one batch size.
function freeDims(info, batch) {
  const flags = [];
  const seen = new Set();
  for (const input of info.inputs) {
    for (const d of input.shape ?? []) {
      if (typeof d !== 'string' || seen.has(d)) continue;
      seen.add(d);
      const s = d.toLowerCase();
      const value = /^(n|b|batch.*|.*batch)$/.test(s) ? batch
                  : /^(t|l|s)$|time|seq|len|frame|step/.test(s) ? Number(opt.time) : 1;
      flags.push('-f', `${d}:${value}`);
    }
  }
  return flags;
}

function compareOutputs(seqrtDir, ortDir) {
  let worst = 0;
  const notes = [];
  for (const file of readdirSync(ortDir)) {
    let a;
    try {
      a = readNpy(join(seqrtDir, file));
    } catch {
      notes.push(`no seqrt output ${file}`);
      worst = Infinity;
      continue;
    }
    const b = readNpy(join(ortDir, file));
    if (a.dims.join('x') !== b.dims.join('x')) {
      notes.push(`${file}: shape ${a.dims.join('x')} vs ${b.dims.join('x')}`);
      worst = Infinity;
      continue;
    }
    const c = compareArrays(a.data, b.data);
    if (c.note) notes.push(`${file}: ${c.note}`);
    worst = Math.max(worst, c.maxRel);
  }
  return { worst, notes };
}

const shapeOf = (dir) => readdirSync(dir).filter((f) => f.endsWith('.npy'))
  .map((f) => `${f.slice(0, -4)}=${readNpy(join(dir, f)).dims.join('x')}`).join(' ');

// Float inputs uniform in [-1, 1], integers in [0, 10), for models seqrt cannot run yet.
function writeRandomInputs(info, dimFlags, dir) {
  mkdirSync(dir, { recursive: true });
  const bound = {};
  for (let i = 0; i < dimFlags.length; i += 2) {
    const [name, value] = dimFlags[i + 1].split(':');
    bound[name] = Number(value);
  }
  const types = { float: ['float32', Float32Array], double: ['float64', Float64Array], int32: ['int32', Int32Array],
                  int64: ['int64', BigInt64Array] };
  let state = Number(opt.seed) * 2654435761 + 1;
  const next = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (const input of info.inputs) {
    const [type, Ctor] = types[input.dtype] ?? [];
    if (!type) throw new Error(`cannot make random data of dtype ${input.dtype} for '${input.name}'`);
    const dims = (input.shape ?? []).map((d) => (typeof d === 'number' ? d : bound[d] ?? 1));
    const data = new Ctor(dims.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) {
      data[i] = type === 'int64' ? BigInt(Math.floor(next() * 10))
              : type === 'int32' ? Math.floor(next() * 10) : next() * 2 - 1;
    }
    writeNpy(join(dir, input.name.replace(/[^A-Za-z0-9.-]/g, '_') + '.npy'), type, dims, data);
  }
}

const batches = opt.batch.split(',').map(Number);
if (opt.lengths) {
  await variedLengthMode();
  process.exit(0);
}

// A seeded stream of lengths: distinct while the range allows, in a shuffled order.
function lengthStream(lo, hi, calls, seed) {
  let state = (seed * 2654435761 + 0x6D2B79F5) >>> 0;
  const next = () => {  // mulberry32
    state = (state + 0x6D2B79F5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const range = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  for (let i = range.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [range[i], range[j]] = [range[j], range[i]];
  }
  const out = [];
  while (out.length < calls) out.push(...range.slice(0, calls - out.length));
  return out;
}

function quantile(xs, q) {  // nearest rank
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

async function variedLengthMode() {
  const [lo, hi] = opt.lengths.split(':').map(Number);
  const calls = Number(opt.calls), fixedCalls = Number(opt['fixed-calls']);
  const seed = Number(opt.seed);
  const mid = Math.round((lo + hi) / 2);
  const saveEvery = Math.max(1, Math.floor(calls / 20));
  const out = [];
  for (const model of models) {
    let info;
    try {
      info = JSON.parse(seqrt(['info', model, '--json']));
    } catch (e) {
      out.push({ model: basename(model), error: `seqrt info: ${e.message}` });
      continue;
    }
    for (const batch of batches) {
      const row = { model: basename(model), batch };
      const work = mkdtempSync(join(tmpdir(), 'compare_ort_varied_'));
      try {
        // Symbolic dims: batch-like -> batch, time-like -> each call's length, others 1.
        const spec = [], flags = [];
        const seen = new Set();
        for (const input of info.inputs) {
          spec.push({ name: input.name, dims: (input.shape ?? []).map((d) => {
            if (typeof d === 'number') return d;
            const s = d.toLowerCase();
            const v = /^(n|b|batch.*|.*batch)$/.test(s) ? batch : /^(t|l|s)$|time|seq|len|frame|step/.test(s) ? 'T' : 1;
            if (!seen.has(d)) {
              seen.add(d);
              flags.push('-f', `${d}:${v === 'T' ? 1 : v}`);
            }
            return v;
          }) });
        }
        const streams = { varied: lengthStream(lo, hi, calls, seed), fixed: Array(fixedCalls).fill(mid) };
        const results = {};
        for (const [kind, lengths] of Object.entries(streams)) {
          const file = join(work, `${kind}.txt`);
          writeFileSync(file, lengths.join('\n') + '\n');
          const varied = kind === 'varied';
          log(`${row.model} batch ${batch}: ${kind} stream, ${lengths.length} calls, seqrt`);
          const sArgs = ['perf', model, ...flags, '-S', String(seed), '-x', opt.threads, '-o', opt['opt-level'],
                         '--lengths-file', file];
          if (varied) sArgs.push('--repeat-warm', '--save-every', String(saveEvery), '--output-dir', join(work, 'seqrt'));
          if (varied) mkdirSync(join(work, 'seqrt'), { recursive: true });
          const a = JSON.parse(seqrt(sArgs));
          log(`${row.model} batch ${batch}: ${kind} stream, ${lengths.length} calls, ORT`);
          const oArgs = [join(here, 'ort_runner.mjs'), '--model', model, '--lengths-file', file, '--input-spec',
                         JSON.stringify(spec), '--seed', String(seed), '--threads', opt.threads, '--opt-level',
                         opt['opt-level']];
          if (varied) oArgs.push('--repeat-warm', '--save-every', String(saveEvery), '--output-dir', join(work, 'ort'));
          const r = spawnSync(process.execPath, oArgs, { encoding: 'utf8', maxBuffer: 256 << 20, cwd: here });
          if (r.status !== 0) throw new Error(`ORT: ${(r.stderr || `exit ${r.status}`).trim().split('\n').pop()}`);
          results[kind] = { seqrt: a, ort: JSON.parse(r.stdout) };
        }
        const v = results.varied, f = results.fixed;
        const perCall = (x) => x.first_ms.map((ms, i) => ms / x.warm_ms[i]);
        row.calls = calls;
        row.seqrtMed = median(v.seqrt.first_ms);
        row.seqrtP95 = quantile(v.seqrt.first_ms, 0.95);
        row.ortMed = median(v.ort.first_ms);
        row.ortP95 = quantile(v.ort.first_ms, 0.95);
        row.fixedRatio = median(f.ort.first_ms) / median(f.seqrt.first_ms);
        // The same figures in process CPU time (less sensitive to other load on the machine).
        row.seqrtCpu = median(v.seqrt.first_cpu_ms);
        row.ortCpu = median(v.ort.first_cpu_ms);
        row.fixedCpuRatio = median(f.ort.first_cpu_ms) / median(f.seqrt.first_cpu_ms);
        const perCallCpu = (x) => x.first_cpu_ms.map((ms, i) => ms / Math.max(x.warm_cpu_ms[i], 1e-3));
        row.seqrtFirstWarmCpu = median(perCallCpu(v.seqrt));
        row.ortFirstWarmCpu = median(perCallCpu(v.ort));
        row.seqrtFirstWarm = median(perCall(v.seqrt));
        row.ortFirstWarm = median(perCall(v.ort));
        row.seqrtFirstWarmP95 = quantile(perCall(v.seqrt), 0.95);
        row.ortFirstWarmP95 = quantile(perCall(v.ort), 0.95);
        const growth = (x) => x.rss_end_bytes - x.rss_after_create_bytes;
        row.seqrtRss = growth(v.seqrt);
        row.ortRss = growth(v.ort);
        row.seqrtRssFixed = growth(f.seqrt);
        row.ortRssFixed = growth(f.ort);
        row.seqrtRssTotal = v.seqrt.rss_end_bytes - v.seqrt.rss_before_bytes;
        row.ortRssTotal = v.ort.rss_end_bytes - v.ort.rss_before_bytes;
        row.seqrtCreate = Math.min(v.seqrt.session_create_ms, f.seqrt.session_create_ms);
        row.ortCreate = Math.min(v.ort.session_create_ms, f.ort.session_create_ms);
        row.cachedPlans = v.seqrt.cached_plans;
        const cmp = compareOutputs(join(work, 'seqrt'), join(work, 'ort'));
        row.maxRel = cmp.worst;
        row.notes = cmp.notes.join('; ');
      } catch (e) {
        row.error = e.message.split('\n')[0];
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
      out.push(row);
    }
  }
  console.log(`seqrt vs ONNX Runtime (onnxruntime-node), varied lengths: ${calls} calls, T drawn from ${lo}:${hi} ` +
              `(seed ${seed}), fixed-length reference T=${mid} x ${fixedCalls} calls, ${opt.threads} thread(s), ` +
              `opt level ${opt['opt-level']}\n`);
  console.log('| model | batch | seqrt median / p95 ms | ORT median / p95 ms | ORT/seqrt varied | ORT/seqrt fixed T | ' +
              'first/warm seqrt (p95) | first/warm ORT (p95) | RSS growth over stream MiB seqrt / ORT | ' +
              'at fixed T seqrt / ORT | session create ms seqrt / ORT | max rel err | agree |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of out) {
    if (r.error) {
      console.log(`| ${r.model} | ${r.batch ?? '-'} | ${r.error.replace(/\|/g, '\\|')} |||||||||||`);
      continue;
    }
    const agree = r.maxRel <= 1e-3 ? 'yes' : `NO${r.notes ? ` (${r.notes})` : ''}`;
    console.log(`| ${r.model} | ${r.batch} | ${r.seqrtMed.toFixed(3)} / ${r.seqrtP95.toFixed(3)} | ` +
                `${r.ortMed.toFixed(3)} / ${r.ortP95.toFixed(3)} | ${(r.ortMed / r.seqrtMed).toFixed(2)} | ` +
                `${r.fixedRatio.toFixed(2)} | ${r.seqrtFirstWarm.toFixed(2)} (${r.seqrtFirstWarmP95.toFixed(2)}) | ` +
                `${r.ortFirstWarm.toFixed(2)} (${r.ortFirstWarmP95.toFixed(2)}) | ${mib(r.seqrtRss)} / ${mib(r.ortRss)} | ` +
                `${mib(r.seqrtRssFixed)} / ${mib(r.ortRssFixed)} | ${r.seqrtCreate.toFixed(1)} / ${r.ortCreate.toFixed(1)} | ` +
                `${Number.isFinite(r.maxRel) ? r.maxRel.toExponential(1) : 'inf'} | ${agree} |`);
  }
  console.log('\nThe same streams in process CPU time per call (median ms; less sensitive to other load):\n');
  console.log('| model | batch | seqrt CPU ms | ORT CPU ms | ORT/seqrt varied | ORT/seqrt fixed T | first/warm seqrt | first/warm ORT |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of out) {
    if (r.error) continue;
    console.log(`| ${r.model} | ${r.batch} | ${r.seqrtCpu.toFixed(3)} | ${r.ortCpu.toFixed(3)} | ` +
                `${(r.ortCpu / r.seqrtCpu).toFixed(2)} | ${r.fixedCpuRatio.toFixed(2)} | ${r.seqrtFirstWarmCpu.toFixed(2)} | ` +
                `${r.ortFirstWarmCpu.toFixed(2)} |`);
  }
  console.log('\nLatency per call: the first call at each length (the stream as a server sees it). first/warm: ' +
              'median over calls of (first call at a length) / (the call repeated at once at that length). RSS growth: ' +
              'resident memory after the last call minus after session creation, inside each process. Outputs of every ' +
              `${saveEvery}th call compared: max |seqrt - ORT| / max(|ORT|, 1e-3); agree when <= 1e-3.`);
}

const rows = [];
for (const model of models) {
  let info;
  try {
    info = JSON.parse(seqrt(['info', model, '--json']));
  } catch (e) {
    rows.push({ model: basename(model), shape: '-', error: `seqrt info: ${e.message}` });
    continue;
  }
  for (const batch of batches) {
    const dims = freeDims(info, batch);
    const work = mkdtempSync(join(tmpdir(), 'compare_ort_'));
    const row = { model: basename(model), shape: '' };
    try {
      const seqrtOut = join(work, 'seqrt');
      log(`${row.model} batch ${batch}: writing inputs`);
      const inputDir = join(seqrtOut, 'inputs');
      let seqrtError = null;
      try {
        seqrt(['run', model, ...dims, '-S', opt.seed, '-x', opt.threads, '--output-dir', seqrtOut,
               '--output-format', 'npy', '--save-inputs']);
      } catch (e) {
        seqrtError = e.message.replace(/^seqrt run: /, '');
      }
      if (seqrtError) {
        // seqrt cannot run it: still measure ONNX Runtime, on inputs made here.
        row.error = `seqrt: ${seqrtError}`;
        try {
          writeRandomInputs(info, dims, inputDir);
          row.shape = shapeOf(inputDir);
          const runs = Number(opt.runs) || 10;
          const b = ortRound(model, inputDir, runs);
          row.runs = runs;
          row.ortMs = median(b.latencies_ms);
          row.ortRss = b.rss_end_bytes - b.rss_before_bytes;
        } catch (e) {
          row.error += `; ${e.message.split('\n')[0]}`;
        }
        rows.push(row);
        continue;
      }
      const feeds = readdirSync(inputDir).filter((f) => f.endsWith('.npy'))
        .flatMap((f) => ['--input', `${f.slice(0, -4)}=${join(inputDir, f)}`]);
      row.shape = shapeOf(inputDir);
      // A short probe of each side picks a run count that keeps rounds near the time budget.
      let runs = Number(opt.runs);
      if (!runs) {
        const probeA = seqrtRound(model, feeds, 3).latency_ms.p50;
        const probeB = median(ortRound(model, inputDir, 3).latencies_ms);
        const budgetMs = 1000 * Number(opt['seconds-per-round']);
        runs = Math.max(5, Math.min(500, Math.round(budgetMs / Math.max(probeA, probeB, 1e-3))));
      }
      const a = [], b = [];
      const rounds = Number(opt.rounds);
      for (let r = 0; r < rounds; r++) {
        log(`${row.model} batch ${batch}: round ${r + 1}/${rounds}, ${runs} runs each`);
        const ortOut = r === 0 ? join(work, 'ort') : undefined;
        const order = r % 2 === 0 ? ['A', 'B'] : ['B', 'A'];
        for (const side of order) {
          if (side === 'A') a.push(seqrtRound(model, feeds, runs));
          else b.push(ortRound(model, inputDir, runs, ortOut));
        }
      }
      row.runs = runs;
      row.seqrtMs = median(a.map((x) => x.latency_ms.p50));
      row.ortMs = median(b.map((x) => median(x.latencies_ms)));
      row.seqrtRss = median(a.map((x) => x.rss_growth_bytes));
      row.ortRss = median(b.map((x) => x.rss_end_bytes - x.rss_before_bytes));
      const cmp = compareOutputs(seqrtOut, join(work, 'ort'));
      row.maxRel = cmp.worst;
      row.notes = cmp.notes.join('; ');
      rows.push(row);
    } catch (e) {
      row.error = e.message.split('\n')[0];
      rows.push(row);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
}

const ortVersion = (() => {
  try {
    return JSON.parse(execFileSync(process.execPath, ['-p', "JSON.stringify(require('onnxruntime-node/package.json').version)"],
                                   { cwd: here, encoding: 'utf8' }));
  } catch {
    return '?';
  }
})();
console.log(`seqrt vs ONNX Runtime ${ortVersion} (onnxruntime-node), ${opt.threads} thread(s), ` +
            `${opt.rounds} alternating rounds, T=${opt.time}, seed ${opt.seed}, opt level ${opt['opt-level']}, ` +
            `seqrt ISA ${seqrtIsa}\n`);
console.log('| model | inputs | runs/round | seqrt median ms | ORT median ms | ORT/seqrt | seqrt RSS growth MiB | ORT RSS growth MiB | max rel err | agree |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  if (r.error) {
    const ortMs = r.ortMs === undefined ? '-' : r.ortMs.toFixed(3);
    const ortRss = r.ortRss === undefined ? '-' : mib(r.ortRss);
    console.log(`| ${r.model} | ${r.shape || '-'} | ${r.runs ?? '-'} | - | ${ortMs} | - | - | ${ortRss} | - | ` +
                `${r.error.replace(/\|/g, '\\|')} |`);
    continue;
  }
  const agree = r.maxRel <= 1e-3 ? 'yes' : `NO${r.notes ? ` (${r.notes})` : ''}`;
  console.log(`| ${r.model} | ${r.shape} | ${r.runs} | ${r.seqrtMs.toFixed(3)} | ${r.ortMs.toFixed(3)} | ` +
              `${(r.ortMs / r.seqrtMs).toFixed(2)} | ${mib(r.seqrtRss)} | ${mib(r.ortRss)} | ` +
              `${Number.isFinite(r.maxRel) ? r.maxRel.toExponential(1) : 'inf'} | ${agree} |`);
}
console.log('\nORT/seqrt > 1 means seqrt is faster. Latency: median of the rounds\' medians. RSS growth: resident ' +
            'memory from before session creation to after the last run, inside each process (median of rounds). ' +
            'max rel err: max |seqrt - ORT| / max(|ORT|, 1e-3) over every output element; agree when <= 1e-3.');
