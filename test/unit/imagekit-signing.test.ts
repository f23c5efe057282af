/** ImageKit URL signatures (`ik-s`, `ik-t`, …) in refused values: masked in diagnostics, kept as stored in data. */
import { describe, expect, it } from 'vitest';
import { diagnostic } from '../../src/config/redact.js';
import { imageKitGrammar } from '../../src/storage/imagekit/grammar/index.js';

const grammar = imageKitGrammar({ urlEndpointId: 'shop', hosts: ['media.example.com'] });
const SIG = '0123456789abcdef0123456789abcdef0123ab';

describe('signing parameters of refused ImageKit values', () => {
  it('are masked in a diagnostic of a foreign URL (another endpoint), while the reference keeps them', () => {
    const raw = `https://ik.imagekit.io/other/a.jpg?ik-t=1700000001&ik-s=${SIG}01`;
    const [found] = grammar.referencesIn(raw, 'value');
    expect(found!.parsed.kind).toBe('foreign');
    expect(found!.raw).toBe(raw);
    const shown = diagnostic(found!.raw);
    expect(shown).not.toContain(`${SIG}01`);
    expect(shown).not.toContain('1700000001');
    expect(shown).toContain('https://ik.imagekit.io/other/a.jpg?');
  });

  it('are masked when the refused value is text holding the URL entity-escaped or percent-encoded in another URL', () => {
    const html = `<img src="https://ik.imagekit.io/other/b.jpg?tr=w-10&amp;ik-t=1700000002&amp;ik-s=${SIG}02">`;
    const [found] = grammar.referencesIn(html, 'text');
    expect(found!.parsed.kind).toBe('foreign');
    expect(diagnostic(html)).not.toMatch(new RegExp(`${SIG}02|1700000002`));

    const wrapped = `https://example.com/_next/image?url=https%3A%2F%2Fik.imagekit.io%2Fshop%2Fa.jpg%3Fik-t%3D1700000003%26ik-s%3D${SIG}03&w=64`;
    for (const f of grammar.referencesIn(wrapped, 'value')) expect(f.parsed.kind).toBe('foreign');
    expect(diagnostic(wrapped)).not.toMatch(new RegExp(`${SIG}03|1700000003`));
  });

  it('are masked in an unparsable value, and the JSON-escaped form of a sample too', () => {
    const value = `/folder/../a.jpg?ik-s=${SIG}04&ik-obj=x1y2z3`;
    const [found] = grammar.referencesIn(value, 'value');
    expect(found!.parsed.kind).toBe('invalid');
    expect(diagnostic(JSON.stringify({ value: found!.raw }))).toBe('{"value":"/folder/../a.jpg?****&****"}');
  });

  it('leaves parameters of other names alone', () => {
    const raw = 'https://ik.imagekit.io/other/c.jpg?v=1700000005&sig=abcdef';
    grammar.referencesIn(raw, 'value');
    expect(diagnostic(raw)).toBe(raw);
  });
});
