import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate, loadCodegenConfig } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import { composeSupergraph, SUPERGRAPH_PATH } from '../../scripts/compose.js';

/**
 * Generated files are committed (the gateway loads the supergraph without composing at run
 * time; resolvers compile against the generated types), so they must match their sources: edit
 * schema/*.graphql or codegen.yml, then `npm run compose` and `npm run codegen`.
 */
const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

describe('generated files are up to date', () => {
  it('schema/supergraph.graphql is what composing schema/erp.graphql and schema/crm.graphql gives', () => {
    const committed = readFileSync(SUPERGRAPH_PATH, 'utf8');
    expect(committed === composeSupergraph(), 'stale supergraph: run `npm run compose`').toBe(true);
  });

  it('subgraphs/*/__generated__ are what graphql-codegen generates from codegen.yml now', async () => {
    const { config } = await loadCodegenConfig({ configFilePath: resolve(REPO_ROOT, 'codegen.yml') });
    const outputs = await generate({ ...config, cwd: REPO_ROOT, silent: true }, false);
    expect(outputs.length).toBe(Object.keys(config.generates).length);
    for (const output of outputs) {
      const committed = readFileSync(resolve(REPO_ROOT, output.filename), 'utf8');
      expect(committed === output.content, `stale ${output.filename}: run \`npm run codegen\``).toBe(true);
    }
  }, 60_000);
});
