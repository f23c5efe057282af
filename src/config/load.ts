/** Finds, reads and validates the configuration file. Pure apart from reading the file. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';
import { configSchema, type FileConfig } from './schema.js';

export const CONFIG_NAMES = ['asset-audit.config.json', 'asset-audit.config.yaml', 'asset-audit.config.yml'];

export interface LoadedConfig {
  config?: FileConfig;
  file?: string;
  warnings: string[];
  errors: string[];
}

export function findConfig(cwd: string, explicit?: string): string | undefined {
  if (explicit) return path.resolve(cwd, explicit);
  for (const name of CONFIG_NAMES) {
    const candidate = path.join(cwd, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

export function loadConfig(cwd: string, explicit?: string): LoadedConfig {
  const file = findConfig(cwd, explicit);
  if (!file) {
    return {
      warnings: [],
      errors: [
        `No configuration file found in ${cwd} (looked for ${CONFIG_NAMES.join(', ')}). ` +
          'Run `asset-audit init` to write one from your database, or pass --config FILE.',
      ],
    };
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { file, warnings: [], errors: [`Cannot read config file ${file} (${code ?? 'error'}). Check the path and its permissions.`] };
  }
  return { file, ...parseConfigText(text, file) };
}

export function parseConfigText(text: string, file: string): Omit<LoadedConfig, 'file'> {
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(file) ? YAML.parse(text) : JSON.parse(stripJsonComments(text));
  } catch (err) {
    const what = /\.ya?ml$/i.test(file) ? 'YAML' : 'JSON';
    return { warnings: [], errors: [`${file} is not valid ${what}: ${(err as Error).message.split('\n')[0]}`] };
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) return { warnings: [], errors: parsed.error.issues.map((i) => describeIssue(file, i)) };
  return { config: parsed.data, warnings: configWarnings(parsed.data), errors: [] };
}

function describeIssue(file: string, issue: z.core.$ZodIssue): string {
  const key = issue.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : '(top level)';
  let fix = issue.message;
  if (issue.code === 'unrecognized_keys') fix = `unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')} — remove or correct the spelling`;
  if (issue.code === 'invalid_union' && key.startsWith('references')) {
    fix = 'a source needs "name" and either "query" (SQL returning a column named ref) or "table" + "column"';
  }
  return `${file}: ${key}: ${fix}`;
}

function configWarnings(cfg: FileConfig): string[] {
  const warnings: string[] = [];
  for (const s of cfg.references) {
    if ('query' in s && !/\bref\b/i.test(s.query)) {
      warnings.push(`references "${s.name}": the query does not seem to select a column named "ref" (use "… AS ref").`);
    }
  }
  return warnings;
}

/** Lets people annotate the JSON file with // and /* *\/ comments outside strings. */
export function stripJsonComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      i += 2;
      while (i < text.length && !(text[i] === '*' && text[i + 1] === '/')) i++;
      i++;
    } else out += c;
  }
  return out;
}
