import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';

/**
 * Composes schema/erp.graphql, crm.graphql, workflows.graphql and reports.graphql into the supergraph the gateway loads.
 * The subgraph URLs in the file are placeholders: the gateway's configuration decides where
 * each subgraph runs (ERP_SUBGRAPH_URL, CRM_SUBGRAPH_URL, WORKFLOWS_SUBGRAPH_URL, REPORTS_SUBGRAPH_URL), so one committed file serves every
 * deployment.
 */
export const SUBGRAPHS = ['erp', 'crm', 'workflows', 'reports'] as const;
export const SUPERGRAPH_PATH = fileURLToPath(new URL('../schema/supergraph.graphql', import.meta.url));

export function composeSupergraph(): string {
  const result = composeServices(
    SUBGRAPHS.map((name) => ({
      name,
      url: `http://${name}.subgraph.invalid/graphql`,
      typeDefs: parse(
        readFileSync(fileURLToPath(new URL(`../schema/${name}.graphql`, import.meta.url)), 'utf8'),
      ),
    })),
  );
  if (result.errors) {
    throw new Error(`composition failed:\n${result.errors.map((e) => `  - ${e.message}`).join('\n')}`);
  }
  return result.supergraphSdl;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    writeFileSync(SUPERGRAPH_PATH, composeSupergraph());
    process.stdout.write(`wrote ${SUPERGRAPH_PATH}\n`);
  } catch (error) {
    process.stderr.write(`compose: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
