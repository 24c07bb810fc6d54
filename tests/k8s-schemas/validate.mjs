// Validates every object that `kubectl kustomize` renders from k8s/ against the Kubernetes JSON schemas of
// kubernetes-models (required fields, enums, formats, quantities), then checks that the validator catches a
// deliberately broken copy. Prints one line per check and "manifests: N passed, N failed" at the end.
//   node tests/k8s-schemas/validate.mjs            (from the repository root; needs kubectl and npm ci here)
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const folders = ['base', 'overlays/dev', 'overlays/production', 'monitoring'];
let passed = 0;
let failed = 0;

const report = (ok, what, detail = '') => {
  if (ok) passed++; else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${detail ? `: ${detail}` : ''}`);
};

const modelOf = async (object) => {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : [null, object.apiVersion];
  const path = group ? `kubernetes-models/${group}/${version}/${object.kind}` : `kubernetes-models/${version}/${object.kind}`;
  const module = await import(path);
  return module[object.kind] ?? module.default;
};

// kustomize wraps the base64 of generated Secrets every 70 characters; the API server's decoder skips those line
// breaks, the schema's "byte" format does not.
const asServerReads = (object) => {
  if (object.kind !== 'Secret' || !object.data) return object;
  const copy = structuredClone(object);
  for (const key of Object.keys(copy.data)) copy.data[key] = copy.data[key].replace(/\n/g, '');
  return copy;
};

const validate = async (object) => {
  const Model = await modelOf(object);
  new Model(asServerReads(object)).validate();
};

const render = (folder) => execFileSync('kubectl', ['kustomize', join(root, 'k8s', folder)], { encoding: 'utf8' });

const objects = {};
for (const folder of folders) {
  let text;
  try {
    text = render(folder);
  } catch (error) {
    report(false, `kubectl kustomize k8s/${folder}`, error.message.split('\n')[0]);
    continue;
  }
  const documents = parseAllDocuments(text).map((d) => d.toJS()).filter(Boolean);
  report(documents.length > 0, `kubectl kustomize k8s/${folder}`, `${documents.length} objects`);
  objects[folder] = documents;
  for (const object of documents) {
    const what = `k8s/${folder} ${object.kind}/${object.metadata?.name}`;
    try {
      await validate(object);
      report(true, what);
    } catch (error) {
      report(false, what, error.message);
    }
  }
}

// The validator must catch what it is here for: broken copies of rendered objects are refused.
const production = objects['overlays/production'] ?? [];
const copy = (kind, name) => structuredClone(production.find((o) => o.kind === kind && o.metadata.name === name));
const faults = [
  ['a HorizontalPodAutoscaler without maxReplicas', () => { const o = copy('HorizontalPodAutoscaler', 'orleansml-silo'); delete o.spec.maxReplicas; return o; }],
  ['a Job whose pods restart "Sometimes"', () => { const o = copy('Job', 'orleansml-migrate'); o.spec.template.spec.restartPolicy = 'Sometimes'; return o; }],
  ['a container port given as text', () => { const o = copy('Deployment', 'orleansml-silo'); o.spec.template.spec.containers[0].ports[0].containerPort = 'eighty'; return o; }],
  ['a memory limit that is not a quantity', () => { const o = copy('Deployment', 'orleansml-gateway'); o.spec.template.spec.containers[0].resources.limits.memory = 'two gigs'; return o; }],
];
for (const [what, make] of faults) {
  try {
    await validate(make());
    report(false, `refuses ${what}`, 'it validated');
  } catch {
    report(true, `refuses ${what}`);
  }
}

console.log(`manifests: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
