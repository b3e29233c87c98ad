import { stringify } from 'yaml';
import { generateSpecs } from '../../apps/server/src/http/spec.js';

const HEADER = '# Generated from the code by `npm run specs:generate` (scripts/api/generate.ts). Do not edit by hand.\n';

/** The committed spec files' exact text, keyed by repository path. */
export async function renderSpecs(): Promise<Record<string, string>> {
  const { openapi, asyncapi } = await generateSpecs();
  const yaml = (doc: unknown) => HEADER + stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
  return { 'docs/api/openapi.yaml': yaml(openapi), 'docs/api/asyncapi.yaml': yaml(asyncapi) };
}
