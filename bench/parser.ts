/**
 * npm run bench:parser — how fast stored values become asset references (the CPU side of reading
 * a database): typical single values, and rich-text documents scanned for URLs.
 */
import { referencesIn } from '../src/storage/cloudinary/grammar/extract.js';
import { parseReference } from '../src/storage/cloudinary/grammar/parse.js';

const ctx = { cloudName: 'demo-cloud', hosts: [] };
const values = [
  'prompts/abc',
  'image/upload/v1699999999/prompts/abc.jpg',
  'https://res.cloudinary.com/demo-cloud/image/upload/c_fill,w_400/v12/prompts/abc.png',
  'https://res.cloudinary.com/demo-cloud/image/upload/c_fill,w_300/e_sepia/folder/a.jpg',
  'https://res.cloudinary.com/demo-cloud/raw/upload/v1/docs/report.2024.pdf',
  'https://res.cloudinary.com/demo-cloud/image/upload/l_brand:logo,g_south_east/fl_layer_apply/v3/posts/hero.webp',
];
const html = `<article><h1>Title</h1><p>Some prose about the picture below, long enough to look like a real body of text.</p>
<img src="https://res.cloudinary.com/demo-cloud/image/upload/w_800/v1/posts/hero.jpg"
 srcset="https://res.cloudinary.com/demo-cloud/image/upload/w_400/v1/posts/hero.jpg 400w, https://res.cloudinary.com/demo-cloud/image/upload/w_800/v1/posts/hero.jpg 800w">
<p>More prose, a [link](https://example.com/page) and ![figure](https://res.cloudinary.com/demo-cloud/image/upload/v2/posts/figure.png).</p></article>`;
const prose = 'A paragraph of plain prose with no media at all. '.repeat(20);

function measure(label: string, n: number, fn: (i: number) => unknown): void {
  for (let i = 0; i < Math.min(n, 10_000); i++) fn(i); // warm up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  const ns = Number(process.hrtime.bigint() - t0);
  console.log(`${label.padEnd(44)} ${(ns / n / 1000).toFixed(2).padStart(7)} µs/value  ${Math.round(n / (ns / 1e9)).toLocaleString('en-US').padStart(12)} values/s`);
}

console.log(`node ${process.version}, ${process.arch}`);
measure('parseReference, typical stored values', 600_000, (i) => parseReference(values[i % values.length]!, ctx));
measure("referencesIn 'auto', typical stored values", 600_000, (i) => referencesIn(values[i % values.length]!, ctx, 'auto'));
measure("referencesIn 'text', HTML with 4 URLs", 100_000, () => referencesIn(html, ctx, 'text'));
measure("referencesIn 'auto', 1 KB prose, no URL", 200_000, () => referencesIn(prose, ctx, 'auto'));
