// End-to-end check of the OrleansMl MCP server with the official TypeScript SDK, against a running gateway.
// Usage: node sdk-e2e.mjs <mcp url> <csv file> <admin key>
// With the admin key it creates an agent key (read, predict, train, deploy) over REST and runs the conversation with it,
// sent as a header; it also checks the answers without a key (401) and with a predict-only key.
// Prints PASS/FAIL per check and a final "sdk: N passed, M failed" line; exits 1 when a check failed.
import { readFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError, ErrorCode } from '@modelcontextprotocol/sdk/types.js';

const [url, csvPath, adminKey] = process.argv.slice(2);
const csv = readFileSync(csvPath, 'utf8');
const suffix = Date.now().toString(36);
const dataset = `churn-${suffix}`;
const model = `churn-model-${suffix}`;
const row = { tenure_months: 2, monthly_charges: 95.5, contract: 'month-to-month', internet: 'fiber', support_calls: 5, paperless: 'yes' };
const long = { timeout: 300_000, resetTimeoutOnProgress: true };

let passed = 0;
let failed = 0;
async function check(name, body) {
  try {
    await body();
    passed++;
    console.log(`PASS ${name}`);
  } catch (error) {
    failed++;
    console.log(`FAIL ${name}: ${error?.stack ?? error}`);
  }
}
function assert(condition, message) {
  if (!condition) throw new Error(message);
}
async function call(name, args, options) {
  const result = await client.callTool({ name, arguments: args }, undefined, options);
  assert(!result.isError, `${name} failed: ${result.content?.[0]?.text}`);
  assert(result.structuredContent, `${name} returned no structured content`);
  return result;
}
async function waitForVersion(version) {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const { structuredContent: v } = await call('get_training_status', { model, version });
    if (['succeeded', 'failed', 'cancelled'].includes(v.status)) return v;
    assert(Date.now() < deadline, `version ${version} did not finish: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
const json = (result) => JSON.parse(result.contents[0].text);

async function createKey(name, scopes) {
  const response = await fetch(new URL('/api/keys', url), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Api-Key': adminKey },
    body: JSON.stringify({ name: `${name}-${suffix}`, scopes }),
  });
  const body = await response.json();
  if (response.status !== 201) throw new Error(`creating key ${name}: ${response.status} ${JSON.stringify(body)}`);
  return body.key;
}
const connect = (key) => new StreamableHTTPClientTransport(new URL(url), { requestInit: key ? { headers: { 'X-Api-Key': key } } : undefined });

const agentKey = await createKey('e2e-agent', ['read', 'predict', 'train', 'deploy']);
const client = new Client({ name: 'orleansml-e2e', version: '1.0.0' });
const transport = connect(agentKey);

await check('without a key the server answers 401 naming its protected resource metadata', async () => {
  const anonymous = new Client({ name: 'orleansml-e2e-anonymous', version: '1.0.0' });
  const refused = await anonymous.connect(connect(undefined)).then(() => 'connected', (e) => e);
  assert(refused !== 'connected' && refused?.code === 401, `connect without a key: ${refused}`);
  const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }) });
  const challenge = response.headers.get('www-authenticate') ?? '';
  const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
  assert(response.status === 401 && metadataUrl, `${response.status} ${challenge}`);
  const metadata = await (await fetch(metadataUrl)).json();
  assert(metadata.resource.endsWith('/mcp') && metadata.scopes_supported.includes('train'), JSON.stringify(metadata));
});

await check('connects statelessly and names the server', async () => {
  await client.connect(transport);
  assert(client.getServerVersion()?.name === 'orleansml', `server: ${JSON.stringify(client.getServerVersion())}`);
  assert(transport.sessionId === undefined, `a stateless server issues no session id, got ${transport.sessionId}`);
});

await check('lists the thirty-four tools with output schemas', async () => {
  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name).sort();
  const expected = ['cancel_training', 'compare_versions', 'create_dataset', 'delete_dataset_version', 'delete_model_version',
    'describe_dataset', 'describe_model', 'evaluate_model', 'get_training_status', 'list_changes', 'list_datasets', 'list_models',
    'list_training_jobs', 'predict', 'promote_model', 'rollback_model', 'remove_alias', 'train_model', 'start_rollout', 'get_rollout', 'abort_rollout', 'send_feedback',
    'get_model_health', 'set_alias_guard', 'get_dataset_drift', 'append_rows', 'list_feature_sets', 'get_features',
    'set_schedule', 'get_schedule', 'delete_schedule', 'define_feature_set', 'set_feature_values', 'add_feature_events'].sort();
  assert(JSON.stringify(names) === JSON.stringify(expected), `tools: ${names}`);
  assert(tools.every((t) => t.outputSchema?.type === 'object'), 'every tool has an object output schema');
});

await check('creates a dataset from a CSV file', async () => {
  const { structuredContent: r } = await call('create_dataset', { name: dataset, csv });
  assert(r.created === true && r.version.version === 1, JSON.stringify(r));
  assert(r.version.rows === csv.trim().split('\n').length - 1, `rows: ${r.version.rows}`);
  const { structuredContent: d } = await call('describe_dataset', { name: dataset });
  assert(d.version.columns.some((c) => c.name === 'churned'), 'the label column is described');
});

await check('trains version 1 (linear) with wait and progress notifications', async () => {
  const progress = [];
  const { structuredContent: v } = await call('train_model', { model, dataset, label: 'churned', algorithm: 'linear', wait: true },
    { ...long, onprogress: (p) => progress.push(p) });
  assert(v.status === 'succeeded' && v.version === 1, JSON.stringify(v));
  assert(progress.length >= 2, `progress notifications: ${JSON.stringify(progress)}`);
  assert(progress.every((p, i) => i === 0 || p.progress >= progress[i - 1].progress), 'progress never goes back');
});

await check('trains version 2 (lightgbm) without wait, then polls it to success', async () => {
  const { structuredContent: queued } = await call('train_model', { model, dataset, label: 'churned', algorithm: 'lightgbm' });
  assert(queued.status === 'queued' && queued.version === 2, JSON.stringify(queued));
  const done = await waitForVersion(2);
  assert(done.status === 'succeeded' && done.metrics.auc > 0.7, JSON.stringify(done.metrics));
});

await check('compares the versions metric by metric', async () => {
  const { structuredContent: c } = await call('compare_versions', { model, baseline: 1, candidate: 2 });
  const logLoss = c.metrics.find((m) => m.name === 'logLoss');
  assert(logLoss.lowerIsBetter === true, 'logLoss: lower is better');
  assert(logLoss.better === (logLoss.candidate < logLoss.baseline ? 2 : 1), JSON.stringify(logLoss));
  assert(c.primaryMetric === 'auc' && [1, 2, null].includes(c.better), JSON.stringify(c));
});

let answerOfVersion1;
await check('promotes version 1 then version 2, and predicts through production', async () => {
  await call('promote_model', { model, version: 1, reason: 'baseline' });
  const { structuredContent: a } = await call('promote_model', { model, version: 2, reason: 'candidate' });
  assert(a.version === 2 && a.change.from === 1, JSON.stringify(a));
  const { structuredContent: p } = await call('predict', { model, rows: [row] });
  assert(p.version === 2 && p.alias === 'production', JSON.stringify(p));
  assert(['yes', 'no'].includes(p.predictions[0].label), JSON.stringify(p.predictions));
  answerOfVersion1 = (await call('predict', { model, version: 1, rows: [row] })).structuredContent.predictions[0];
});

await check('rolls back, and the next prediction comes from version 1', async () => {
  const { structuredContent: a } = await call('rollback_model', { model, reason: 'e2e' });
  assert(a.version === 1, JSON.stringify(a));
  const { structuredContent: p } = await call('predict', { model, rows: [row] });
  assert(p.version === 1 && p.alias === 'production', JSON.stringify(p));
  // The same answer as version 1 gave before, but for the prediction id, which every prediction gets afresh.
  const { predictionId: id, ...answer } = p.predictions[0];
  const { predictionId: earlierId, ...earlier } = answerOfVersion1;
  assert(id.length === 44 && earlierId.length === 44 && id !== earlierId, `ids ${id} and ${earlierId}`);
  assert(JSON.stringify(answer) === JSON.stringify(earlier), `${JSON.stringify(answer)} vs ${JSON.stringify(earlier)}`);
});

await check('reads the dataset, model and model-card resources', async () => {
  const { resources } = await client.listResources();
  assert(resources.some((r) => r.uri === `dataset://${dataset}`) && resources.some((r) => r.uri === `model://${model}`), 'listed');
  const { resourceTemplates } = await client.listResourceTemplates();
  assert(resourceTemplates.length === 3, JSON.stringify(resourceTemplates));
  const ds = json(await client.readResource({ uri: `dataset://${dataset}` }));
  assert(ds.name === dataset && ds.version.sampleRows.length > 0, 'dataset resource');
  const m = json(await client.readResource({ uri: `model://${model}` }));
  assert(m.aliases.production === 1 && m.aliasHistory.length === 3, JSON.stringify(m.aliases));
  const card = json(await client.readResource({ uri: `model://${model}/versions/2` }));
  assert(card.spec.dataset === dataset && card.metrics.auc > 0 && card.timings.totalMs > 0, 'model card');
});

await check('gets the train_and_deploy prompt and completes names', async () => {
  const prompt = await client.getPrompt({ name: 'train_and_deploy', arguments: { dataset, label: 'churned', model } });
  assert(prompt.messages[0].content.text.includes('compare_versions'), 'the prompt walks through compare_versions');
  const done = await client.complete({ ref: { type: 'ref/resource', uri: 'model://{name}' }, argument: { name: 'name', value: 'churn-model-' } });
  assert(done.completion.values.includes(model), JSON.stringify(done.completion));
});

await check('domain errors are tool errors, bad arguments are protocol errors', async () => {
  const missing = await client.callTool({ name: 'describe_model', arguments: { model: 'no-such-model' } });
  assert(missing.isError === true && missing.content[0].text.includes('list_models'), JSON.stringify(missing));
  try {
    await client.callTool({ name: 'train_model', arguments: { model, dataset, label: 'churned', algorithm: 'xgboost' } });
    throw new Error('an unknown algorithm was accepted');
  } catch (error) {
    assert(error instanceof McpError && error.code === ErrorCode.InvalidParams, String(error));
  }
});

await check('cancelling a waiting train_model ends the call; cancel_training stops the job', async () => {
  const abort = new AbortController();
  const params = { model, dataset, label: 'churned', algorithm: 'fasttree', wait: true, parameters: { trees: 10000, leaves: 4 } };
  const started = Date.now();
  const outcome = await client.callTool({ name: 'train_model', arguments: params }, undefined,
    { ...long, signal: abort.signal, onprogress: () => abort.abort('enough') }).then(() => 'completed', (e) => e);
  assert(outcome !== 'completed' && Date.now() - started < 20_000, `outcome: ${outcome}`);
  const { structuredContent: v } = await call('cancel_training', { model, version: 3 });
  assert(v.status === 'cancelled', JSON.stringify(v));
});

await check('the audit log lists the conversation\'s changes with the agent key\'s name, newest first', async () => {
  const { structuredContent: log } = await call('list_changes', { limit: 100 });
  const mine = log.entries.filter((e) => e.target.includes(suffix));
  const actions = mine.map((e) => `${e.action} ${e.from ?? '-'}>${e.to ?? '-'}`);
  assert(mine.every((e) => e.by === `e2e-agent-${suffix}`), JSON.stringify(mine.map((e) => e.by)));
  assert(actions.includes('model.alias.rolled-back v2>v1') && actions.some((a) => /^model\.training\.cancelled (queued|running)>cancelled$/.test(a))
    && actions.at(-1) === 'dataset.version.created ->v1', actions.join(', '));
  assert(mine.every((e, i) => i === 0 || e.sequence < mine[i - 1].sequence), 'newest first');
});

await check('canaries a shuffled-label version with an accuracy guard, and feedback rolls it back by itself', async () => {
  const lines = csv.trim().split('\n');
  const header = lines[0].split(',');
  const labelAt = header.indexOf('churned');
  const labels = lines.slice(1).map((l) => l.split(',')[labelAt]);
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = labels.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [labels[i], labels[j]] = [labels[j], labels[i]];
  }
  const shuffled = [lines[0], ...lines.slice(1).map((l, i) => { const f = l.split(','); f[labelAt] = labels[i]; return f.join(','); })].join('\n') + '\n';
  await call('create_dataset', { name: `${dataset}-shuffled`, csv: shuffled });
  const { structuredContent: bad } = await call('train_model', { model, dataset: `${dataset}-shuffled`, label: 'churned', algorithm: 'linear', wait: true }, long);
  assert(bad.status === 'succeeded', JSON.stringify(bad));
  const { structuredContent: started } = await call('start_rollout', { model, candidate: bad.version, weight: 50, steps: [50, 100],
    stepAfterSamples: 100000, guardMetric: 'accuracy', guardMaxDrop: 0.02, guardMinSamples: 40 });
  assert(started.status === 'running' && started.baseline === 1 && started.weight === 50, JSON.stringify(started));
  const rows = lines.slice(1).map((l) => {
    const f = l.split(',');
    const row = Object.fromEntries(header.map((h, i) => [h, f[i]]).filter(([h]) => h !== 'churned' && h !== 'customer_id')
      .map(([h, v]) => [h, Number.isNaN(Number(v)) ? v : Number(v)]));
    return { row, actual: f[labelAt] };
  });
  const deadline = Date.now() + 120_000;
  let rollout = started;
  for (let i = 0; rollout.status === 'running'; i++) {
    assert(Date.now() < deadline, `still running: ${JSON.stringify(rollout.arms)}`);
    const items = [];
    for (const { row: r, actual } of rows.slice((i * 20) % 1180, ((i * 20) % 1180) + 20)) {
      const { structuredContent: p } = await call('predict', { model, rows: [r] });
      items.push({ predictionId: p.predictions[0].predictionId, actual });
    }
    const { structuredContent: f } = await call('send_feedback', { model, items });
    assert(f.accepted === items.length, JSON.stringify(f));
    rollout = (await call('get_rollout', { model })).structuredContent;
  }
  assert(rollout.status === 'rolledBack' && rollout.weight === 0, JSON.stringify(rollout));
  const reason = rollout.decisions.at(-1).reason;
  assert(/^auto-rollback: accuracy [\d.]+ vs baseline [\d.]+ − 0\.02 after \d+ labelled predictions$/.test(reason), reason);
  const { structuredContent: m } = await call('describe_model', { model });
  assert(m.aliases.production === 1 && m.aliasHistory.at(-1).reason === reason, JSON.stringify(m.aliasHistory.at(-1)));
  for (const { row: r } of rows.slice(0, 20)) {
    const { structuredContent: p } = await call('predict', { model, rows: [r] });
    assert(p.version === 1, `after the rollback version ${p.version} answered`);
  }
  const { structuredContent: health } = await call('get_model_health', { model });
  assert(health.versions.some((v) => v.version === bad.version && v.windows[0].labelled > 0), JSON.stringify(health.versions.map((v) => v.version)));
});

await check('a predict-only key sees only the predict-scope tools, and is told why train_model is refused', async () => {
  const service = new Client({ name: 'orleansml-e2e-service', version: '1.0.0' });
  await service.connect(connect(await createKey('e2e-service', ['predict'])));
  const { tools } = await service.listTools();
  assert(JSON.stringify(tools.map((t) => t.name).sort()) === '["add_feature_events","predict","send_feedback","set_feature_values"]', `tools: ${tools.map((t) => t.name)}`);
  const { structuredContent: p } = await service.callTool({ name: 'predict', arguments: { model, rows: [row] } });
  assert(p.version === 1, JSON.stringify(p));
  const refused = await service.callTool({ name: 'train_model', arguments: { model, dataset, label: 'churned' } });
  assert(refused.isError === true && refused.content[0].text.includes("needs scope 'train'"), JSON.stringify(refused));
  await service.close();
});

await client.close();
console.log(`sdk: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
