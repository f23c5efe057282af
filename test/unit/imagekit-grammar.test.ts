/** ImageKit reference forms: what names a file of this library (and which), and what must not. */
import { describe, expect, it } from 'vitest';
import { imageKitGrammar } from '../../src/storage/imagekit/grammar/index.js';
import type { ExtractMode } from '../../src/storage/backend.js';

const grammar = imageKitGrammar({ urlEndpointId: 'shop', hosts: ['media.example.com', 'https://cdn.example.net/ik'] });

/** A key (the filePath without its leading '/'), several, or how the value was refused. */
type Expect = string | string[];

/**
 * What one value reads as: the paths named (`a|b`: candidates, one must exist; `protect:`: kept, never
 * required), or how it was refused (`foreign!`: certainly names nothing here).
 */
function read(value: string, mode: ExtractMode): Expect {
  const found = grammar.referencesIn(value, mode);
  if (found.length === 0) return 'nothing';
  const kinds = found.map((f) => (f.parsed.kind === 'asset' ? (f.parsed.protectOnly ? 'protect:' : '') + f.parsed.candidates.map((c) => c.publicId).join('|') : f.parsed.kind === 'foreign' ? (f.parsed.noAsset ? 'foreign!' : 'foreign') : 'invalid'));
  return kinds.length === 1 ? kinds[0]! : kinds;
}

const CASES: Array<[string, ExtractMode, Expect]> = [
  // delivery URLs on ik.imagekit.io/<id>
  ['https://ik.imagekit.io/shop/a.jpg', 'value', 'a.jpg'],
  ['https://ik.imagekit.io/shop/products/2024/a.jpg', 'value', 'products/2024/a.jpg'],
  ['http://ik.imagekit.io/shop/a.jpg', 'value', 'a.jpg'],
  ['//ik.imagekit.io/shop/a.jpg', 'value', 'a.jpg'],
  ['ik.imagekit.io/shop/folder/a.jpg', 'value', 'folder/a.jpg'],
  ['https://IK.ImageKit.io/shop/a.jpg', 'value', 'a.jpg'],
  // transformations in the path: one, chained, named, the thumbnail the API hands out
  ['https://ik.imagekit.io/shop/tr:w-300/folder/a.jpg', 'value', 'folder/a.jpg'],
  ['https://ik.imagekit.io/shop/tr:w-300,h-200/folder/a.jpg', 'value', 'folder/a.jpg'],
  ['https://ik.imagekit.io/shop/tr:w-300,h-200:rt-90/folder/a.jpg', 'value', 'folder/a.jpg'],
  ['https://ik.imagekit.io/shop/tr:n-product_thumb/a.jpg', 'value', 'a.jpg'],
  ['https://ik.imagekit.io/shop/tr:n-ik_ml_thumbnail/folder/a.jpg', 'value', 'folder/a.jpg'],
  // transformations and everything else in the query are dropped
  ['https://ik.imagekit.io/shop/folder/a.jpg?tr=w-300', 'value', 'folder/a.jpg'],
  ['https://ik.imagekit.io/shop/folder/a.jpg?tr=w-300,h-200:n-thumb', 'value', 'folder/a.jpg'],
  ['https://ik.imagekit.io/shop/a.jpg?ik-t=1700000000&ik-s=0123abcd', 'value', 'a.jpg'],
  ['https://ik.imagekit.io/shop/a.jpg?updatedAt=1690000000000#top', 'value', 'a.jpg'],
  ['https://ik.imagekit.io/shop/my%20folder/r%C3%A9sum%C3%A9.pdf', 'value', 'my folder/résumé.pdf'],
  // derived outputs name their source (documented suffixes: the source or the whole path must exist)
  ['https://ik.imagekit.io/shop/img/v.mp4/ik-thumbnail.jpg', 'value', 'img/v.mp4|img/v.mp4/ik-thumbnail.jpg'],
  ['https://ik.imagekit.io/shop/img/v.mp4/ik-thumbnail.jpg?tr=so-5,w-300', 'value', 'img/v.mp4|img/v.mp4/ik-thumbnail.jpg'],
  ['https://ik.imagekit.io/shop/tr:pg-2/docs/layout.psd/ik-thumbnail.jpg', 'value', 'docs/layout.psd|docs/layout.psd/ik-thumbnail.jpg'],
  ['https://ik.imagekit.io/shop/v.mp4/ik-master.m3u8?tr=sr-240_360_480', 'value', 'v.mp4|v.mp4/ik-master.m3u8'],
  ['https://media.example.com/v.mp4/ik-master.mpd', 'value', 'v.mp4|v.mp4/ik-master.mpd'],
  ['https://ik.imagekit.io/shop/clips/a.mov/ik-video.mp4/ik-thumbnail.jpg', 'value', 'clips/a.mov|clips/a.mov/ik-video.mp4|clips/a.mov/ik-video.mp4/ik-thumbnail.jpg'],
  ['<video poster="https://ik.imagekit.io/shop/v.mp4/ik-thumbnail.jpg">', 'text', 'v.mp4|v.mp4/ik-thumbnail.jpg'],
  ['img/v.mp4/ik-thumbnail.jpg', 'value', 'img/v.mp4|img/v.mp4/ik-thumbnail.jpg'],
  // an undocumented ik-… suffix: both readings protected, neither required
  ['https://ik.imagekit.io/shop/v.mp4/ik-preview.gif', 'value', 'protect:v.mp4|v.mp4/ik-preview.gif'],
  ['https://ik.imagekit.io/shop/v.mp4/IK-THUMBNAIL.JPG', 'value', 'protect:v.mp4|v.mp4/IK-THUMBNAIL.JPG'],
  // a file of its own: no parent to read, or not an ik- segment
  ['https://ik.imagekit.io/shop/ik-thumbnail.jpg', 'value', 'ik-thumbnail.jpg'],
  ['https://ik.imagekit.io/shop/v.mp4/thumbnail.jpg', 'value', 'v.mp4/thumbnail.jpg'],
  // custom endpoints from storage.hosts
  ['https://media.example.com/folder/a.jpg', 'value', 'folder/a.jpg'],
  ['https://media.example.com/tr:w-100/folder/a.jpg', 'value', 'folder/a.jpg'],
  ['https://cdn.example.net/ik/folder/a.jpg?tr=w-50', 'value', 'folder/a.jpg'],
  ['media.example.com/a.png', 'value', 'a.png'],
  // bare paths, absolute and relative to the root (Django storages save the name)
  ['/folder/a.jpg', 'value', 'folder/a.jpg'],
  ['folder/a.jpg', 'value', 'folder/a.jpg'],
  ['a.jpg', 'value', 'a.jpg'],
  ['products/a.v2/b.jpg', 'value', 'products/a.v2/b.jpg'],
  ['/folder/a.jpg', 'auto', 'folder/a.jpg'],
  ['folder/a.jpg?v=3', 'auto', 'folder/a.jpg'],
  // text: HTML, srcset, Markdown, JSON-escaped, entity-encoded, lists
  ['<img src="https://ik.imagekit.io/shop/tr:w-300/a.jpg" alt="x">', 'text', 'a.jpg'],
  ['<img srcset="https://ik.imagekit.io/shop/tr:w-300/a.jpg 300w, https://ik.imagekit.io/shop/tr:w-600/a.jpg 600w">', 'text', ['a.jpg', 'a.jpg']],
  ['See ![hero](https://ik.imagekit.io/shop/hero.png).', 'text', 'hero.png'],
  ['{"image":"https:\\/\\/ik.imagekit.io\\/shop\\/x\\/y.jpg"}', 'text', 'x/y.jpg'],
  ['<a href="https://ik.imagekit.io/shop/a.jpg?tr=w-1&amp;v=2">', 'text', 'a.jpg'],
  ['https://ik.imagekit.io/shop/a.jpg,https://ik.imagekit.io/shop/b.jpg', 'text', ['a.jpg', 'b.jpg']],
  ['background: url(https://media.example.com/bg.webp);', 'auto', 'bg.webp'],
  ['nothing to see here', 'text', 'nothing'],
  // text: a URL on an unlisted host may be a custom endpoint nobody listed: its path is kept, never required
  ['<img src="https://media.unlisted.com/blog/a.jpg">', 'text', 'protect:blog/a.jpg|a.jpg'],
  ['<img src="https://media.unlisted.com/blog/a.jpg" alt="">', 'auto', 'protect:blog/a.jpg|a.jpg'],
  ['<img src="//media.unlisted.com/a.jpg">', 'text', 'protect:a.jpg'],
  ['See ![x](https://cdn.other.org/tr:w-100/x/y.png).', 'text', 'protect:x/y.png|y.png'],
  ['{"u":"https:\\/\\/img.other.net\\/a\\/b.jpg"}', 'text', 'protect:a/b.jpg|b.jpg'],
  ['<img src="https://ik.imagekit.io/shop/a.jpg"><img src="https://media.unlisted.com:8443/b.jpg">', 'text', ['a.jpg', 'protect:b.jpg']],
  ['<a href="https://example.com/">home</a> and https://example.com', 'text', 'nothing'],
  ['Read https://imagekit.io/docs/signed-urls and https://api.imagekit.io/v1/files first', 'text', 'nothing'],
  ['https://media.unlisted.com/a.jpg', 'auto', 'foreign'],
  // a URL percent-encoded in another URL's query (Next.js image optimiser, other proxies)
  ['<img src="/_next/image?url=https%3A%2F%2Fik.imagekit.io%2Fshop%2Fproducts%2Fa.jpg&amp;w=640&amp;q=75">', 'text', 'products/a.jpg'],
  ['https://shop.example/_next/image?url=https%3A%2F%2Fik.imagekit.io%2Fshop%2Fa.jpg%3Ftr%3Dw-64&w=64', 'auto', ['protect:_next/image|image', 'a.jpg']],
  ['https://shop.example/_next/image?url=https%3A%2F%2Fmedia.unlisted.com%2Fx%2Fb.jpg&w=64', 'auto', ['foreign', 'protect:x/b.jpg|b.jpg']],
  ['folder/a.jpg is our logo', 'auto', 'nothing'],
  // must NOT resolve: other ImageKit ids, ImageKit's service hosts, other hosts, look-alikes
  ['https://ik.imagekit.io/other/a.jpg', 'value', 'foreign!'],
  ['https://ik.imagekit.io/shopx/a.jpg', 'value', 'foreign!'],
  ['https://ik.imagekit.io/sho/a.jpg', 'value', 'foreign!'],
  ['https://api.imagekit.io/v1/files/5e1c13d0c55ec3437c451406/details', 'value', 'foreign!'],
  ['https://upload.imagekit.io/api/v1/files/upload', 'value', 'foreign!'],
  ['https://ik.imagekit.io.evil.com/shop/a.jpg', 'value', 'foreign'],
  ['https://res.cloudinary.com/shop/image/upload/a.jpg', 'value', 'foreign'],
  ['https://example.com/shop/a.jpg', 'value', 'foreign'],
  ['https://cdn.example.net/other/a.jpg', 'value', 'foreign'],
  ['<img src="https://ik.imagekit.io/other/a.jpg">', 'text', 'foreign!'],
  ['mailto:someone@example.com', 'value', 'foreign!'],
  ['data:image/png;base64,iVBORw0KGgo=', 'value', 'foreign!'],
  // refused: no file in it, or not a path
  ['https://ik.imagekit.io/shop/', 'value', 'invalid'],
  ['https://ik.imagekit.io/shop', 'value', 'invalid'],
  ['https://ik.imagekit.io/shop/tr:w-300/', 'value', 'invalid'],
  ['https://ik.imagekit.io/', 'value', 'invalid'],
  ['/folder/../secret.jpg', 'value', 'invalid'],
  ['folder/', 'value', 'invalid'],
  ['5e1c13d0c55ec3437c451406', 'value', 'invalid'],
  ['', 'value', 'nothing'],
];

describe('ImageKit reference forms', () => {
  it('has at least 40 cases, a fair share of them forms that must not resolve', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    expect(CASES.filter(([, , e]) => typeof e === 'string' && ['foreign', 'foreign!', 'invalid', 'nothing'].includes(e)).length).toBeGreaterThanOrEqual(15);
  });

  it.each(CASES)('%s (%s) → %j', (value, mode, expected) => {
    expect(read(value, mode)).toEqual(expected);
  });
});

describe('protect-only readings', () => {
  const refusedBy = (v: string) => {
    const f = grammar.referencesIn(v, 'value')[0]!;
    if (f.parsed.kind === 'asset') throw new Error('expected a refusal');
    return grammar.fallback(f.raw, f.parsed).map((k) => k.publicId);
  };

  it('protects the path of a URL on an unlisted host (a custom endpoint not in storage.hosts)', () => {
    expect(refusedBy('https://images.example.org/prefix/folder/a.jpg')).toEqual(['prefix/folder/a.jpg', 'folder/a.jpg']);
  });

  it('protects the source of a derived output on an unlisted host', () => {
    expect(refusedBy('https://images.example.org/v.mp4/ik-thumbnail.jpg')).toEqual(['v.mp4', 'v.mp4/ik-thumbnail.jpg', 'ik-thumbnail.jpg']);
  });

  it('never protects by what certainly names nothing here', () => {
    expect(refusedBy('https://ik.imagekit.io/other/a.jpg')).toEqual([]);
    expect(refusedBy('https://api.imagekit.io/v1/files')).toEqual([]);
  });

  it('reads short path-like JSON leaves as protected paths', () => {
    expect(grammar.jsonLeaves({ a: 'folder/a.jpg', b: ['https://ik.imagekit.io/shop/b.png', 'hello world', 42], c: { d: '/x/y.gif' } }).map((k) => k.publicId)).toEqual(['folder/a.jpg', 'b.png', 'x/y.gif']);
  });
});
