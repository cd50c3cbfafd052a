// Runs the exported spoken-digits model in ONNX Runtime on the test inputs and compares with
// seqrt's probabilities: the recognized digit must match on every utterance, and the
// probabilities must agree to 1e-4.
//   node spoken_digits_ort_check.mjs --ort-dir DIR --model M.onnx --inputs X.npy --expected P.npy
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    'ort-dir': { type: 'string' },
    model: { type: 'string' },
    inputs: { type: 'string' },
    expected: { type: 'string' },
    batch: { type: 'string', default: '64' },
  },
});

// onnxruntime-node lives in benchmarks/compare_ort/node_modules (shared with the benchmarks).
const require = createRequire(join(opt['ort-dir'], 'package.json'));
let ort;
try {
  ort = require('onnxruntime-node');
} catch (e) {
  console.error(`FAIL: ONNX Runtime (onnxruntime-node) is not available: ${e.message}`);
  process.exit(1);
}
const { readNpy } = await import(pathToFileURL(join(opt['ort-dir'], 'npy.mjs')).href);

const x = readNpy(opt.inputs);
const expected = readNpy(opt.expected);
const [n, t, f] = x.dims;
const session = await ort.InferenceSession.create(opt.model, { intraOpNumThreads: 1 });
const inputName = session.inputNames[0];
const outputName = session.outputNames[0];
const batch = Number(opt.batch);

let mismatches = 0;
let maxDiff = 0;
for (let begin = 0; begin < n; begin += batch) {
  const rows = Math.min(batch, n - begin);
  const data = x.data.subarray(begin * t * f, (begin + rows) * t * f);
  const out = await session.run({ [inputName]: new ort.Tensor('float32', data, [rows, t, f]) });
  const y = out[outputName];
  if (y.dims.length !== 2 || y.dims[0] !== rows || y.dims[1] !== 10) {
    console.error(`FAIL: ONNX Runtime output dims [${y.dims}], expected [${rows},10]`);
    process.exit(1);
  }
  for (let r = 0; r < rows; r++) {
    let ortBest = 0;
    let seqrtBest = 0;
    for (let k = 0; k < 10; k++) {
      const a = y.data[r * 10 + k];
      const b = expected.data[(begin + r) * 10 + k];
      maxDiff = Math.max(maxDiff, Math.abs(a - b));
      if (a > y.data[r * 10 + ortBest]) ortBest = k;
      if (b > expected.data[(begin + r) * 10 + seqrtBest]) seqrtBest = k;
    }
    if (ortBest !== seqrtBest) {
      mismatches++;
      if (mismatches <= 5) console.error(`utterance ${begin + r}: ONNX Runtime says ${ortBest}, seqrt ${seqrtBest}`);
    }
  }
}
console.log(`ONNX Runtime ${ort.env.versions?.common ?? ''} on ${n} test utterances: ` +
            `${n - mismatches}/${n} same predictions as seqrt, max |probability difference| ${maxDiff.toExponential(2)}`);
if (mismatches > 0 || maxDiff > 1e-4) {
  console.error('FAIL: ONNX Runtime and seqrt disagree');
  process.exit(1);
}
console.log('PASS');
