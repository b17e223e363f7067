import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';

/**
 * The folder rules of docs/architecture.md, checked on the source text so a change that breaks
 * one fails here instead of in review: the stand-ins know nothing of the product, the workflows
 * subgraph uses the system clients and nothing else of the read subgraphs, and no protocol text
 * or legacy field name is written outside the client that owns it.
 */
const ROOT = new URL('../../', import.meta.url).pathname;

function sourceFiles(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter(
      (file) => file.endsWith('.ts') && !file.includes('__generated__') && !file.includes('node_modules'),
    )
    .map((file) => join(folder, file));
}

const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** Relative imports of a file, as repository paths. */
function importsOf(file: string): string[] {
  const specifiers = [...read(file).matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map(
    (m) => m[1]!,
  );
  return specifiers.map((specifier) => relative(ROOT, join(ROOT, file, '..', specifier)));
}

/** Code without its comments: a comment may name a legacy field to say what is mapped. */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

const isClient = (file: string) => /^subgraphs\/[^/]+\/client\//.test(file);

describe('imports', () => {
  it('the stand-ins import nothing of the product', () => {
    const offending = sourceFiles('legacy').flatMap((file) =>
      importsOf(file)
        .filter((target) => /^(gateway|subgraphs|bench|scripts)\//.test(target))
        .map((target) => `${file} → ${target}`),
    );
    expect(offending).toEqual([]);
  });

  it.each(['workflows', 'reports'])(
    'the %s subgraph reaches the ERP and CRM only through their clients',
    (subgraph) => {
      const offending = sourceFiles(`subgraphs/${subgraph}`).flatMap((file) =>
        importsOf(file)
          .filter((target) => /^subgraphs\/(erp|crm)\//.test(target) && !isClient(target))
          .map((target) => `${file} → ${target}`),
      );
      expect(offending).toEqual([]);
    },
  );

  it('the legacy record shapes are read only inside their client', () => {
    const product = ['gateway', 'subgraphs', 'lib', 'scripts'].flatMap(sourceFiles);
    const offending = product
      .filter((file) => !isClient(file))
      .flatMap((file) =>
        importsOf(file)
          .filter((target) => /^subgraphs\/[^/]+\/client\/types\.js$/.test(target))
          .map((target) => `${file} → ${target}`),
      );
    expect(offending).toEqual([]);
  });
});

describe('protocol knowledge lives in the clients', () => {
  const outsideClients = ['subgraphs', 'gateway', 'lib', 'scripts']
    .flatMap(sourceFiles)
    .filter((file) => !isClient(file));

  /**
   * The domain vocabulary, free to use anywhere: the names our own schemas use, and the detail
   * keys our errors carry (the gateway's list of extensions a client may see).
   */
  const domainNames = new Set<string>();
  const extensions = /SAFE_EXTENSIONS = \[([^\]]*)\]/.exec(read('gateway/errors.ts'))?.[1] ?? '';
  for (const match of extensions.matchAll(/'(\w+)'/g)) domainNames.add(match[1]!);
  for (const schema of ['erp', 'crm', 'workflows', 'reports']) {
    const text = read(`schema/${schema}.graphql`);
    for (const match of text.matchAll(/\b([A-Za-z_][A-Za-z0-9_]*)\b/g)) domainNames.add(match[1]!);
    parse(text);
  }

  /** Property names of the legacy records, as each client's types.ts declares them. */
  function legacyNames(system: 'erp' | 'crm'): string[] {
    const text = withoutComments(read(`subgraphs/${system}/client/types.ts`));
    const names = [...text.matchAll(/^\s+'?([A-Za-z_@][\w.@]*)'?\??\s*:/gm)].map((m) => m[1]!);
    return [...new Set(names)].filter((name) => !domainNames.has(name));
  }

  const SOBJECTS = [
    'Account',
    'Contact',
    'Opportunity',
    'Quote',
    'QuoteLineItem',
    'Product2',
    'Case',
    'Task',
    'Event',
    'Asset',
    'Entitlement',
    'Campaign',
    'CampaignMember',
    'User',
  ];
  const PROTOCOL_TEXT: [string, RegExp][] = [
    ['an OData query option', /\$(filter|orderby|expand|select|top|skip|batch)\b/],
    ['an OData annotation', /@odata\./],
    ['an OData comparison', /['"`][^'"`\n]*\w (eq|ne|gt|ge|lt|le) [^'"`\n]*['"`]/],
    ['an OData function', /\b(contains|startswith)\(/],
    ['a BC bound action', /Microsoft\.NAV\./],
    ['SOQL', new RegExp(`\\bFROM (${SOBJECTS.join('|')})\\b|\\bWHERE [A-Z]\\w+ (=|!=|IN|LIKE) `)],
    ['a Salesforce custom field', /\b\w+__[cr]\b/],
    ['a Salesforce key prefix', /['"`](001|003|005|006|00T|00U|0Q0|0QL|01t|500|02i|550)['"`]/],
  ];

  it('no OData or SOQL text outside the clients', () => {
    const found = outsideClients.flatMap((file) => {
      const code = withoutComments(read(file));
      return PROTOCOL_TEXT.filter(([, pattern]) => pattern.test(code)).map(([what]) => `${file}: ${what}`);
    });
    expect(found).toEqual([]);
  });

  it('no Business Central or Salesforce field name outside the clients', () => {
    const names = [...legacyNames('erp'), ...legacyNames('crm')];
    expect(names).toContain('displayName');
    expect(names).toContain('BillingStreet');
    const found = outsideClients.flatMap((file) => {
      const code = withoutComments(read(file));
      return names
        .filter((name) => {
          const escaped = name.replace(/[.$@]/g, '\\$&');
          // As a property (record.Name, { Name: … }) or a string ('Name'): not a word in a message.
          return new RegExp(`(\\.|\\?\\.)${escaped}\\b|\\b${escaped}\\??\\s*:|['"\`]${escaped}['"\`]`).test(
            code,
          );
        })
        .map((name) => `${file}: ${name}`);
    });
    expect(found).toEqual([]);
  });
});
