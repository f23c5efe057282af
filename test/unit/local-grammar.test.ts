/** The media folder's reference grammar: what a stored value names, and what it never resolves. */
import { describe, expect, it } from 'vitest';
import { localGrammar } from '../../src/storage/local/grammar.js';

const g = localGrammar({ root: '/srv/app/media', mediaUrl: '/media/', hosts: ['example.com', 'www.example.com'] });
const ids = (value: string, mode: 'value' | 'text' | 'auto' = 'auto') =>
  g.referencesIn(value, mode).map((f) => (f.parsed.kind === 'asset' ? f.parsed.candidates.map((c) => c.publicId).join(' | ') : `${f.parsed.kind}: ${f.parsed.reason}`));

describe('local folder grammar', () => {
  it.each([
    ['profile_pics/a.jpg', ['profile_pics/a.jpg']],
    ['uploads/2024/01/15/report final.pdf', ['uploads/2024/01/15/report final.pdf']],
    // a FileField value with "%": part of the name or an escape, both kept
    ['uploads/100%25.png', ['uploads/100%25.png | uploads/100%.png']],
    ['uploads/100%.png', ['uploads/100%.png']],
    ['/media/profile_pics/a%20b.jpg?v=3#x', ['profile_pics/a b.jpg']],
    ['https://example.com/media/profile_pics/a.jpg?w=100', ['profile_pics/a.jpg']],
    ['//www.example.com/media/caf%C3%A9.png', ['café.png']],
    ['https://other.org/media/a.jpg', ['foreign: another host (other.org)']],
    ['/static/app.css', ['foreign: a path outside MEDIA_URL (/media/)']],
  ])('%s', (value, expected) => expect(ids(value, 'value')).toEqual(expected));

  it.each([['../etc/passwd'], ['a/../../b.jpg'], ['/media/../settings.py'], ['C:\\media\\a.jpg'], ['a//b.jpg'], ['folder/']])('%s never resolves', (value) => {
    const [found] = g.referencesIn(value, 'value');
    expect(found!.parsed.kind === 'asset').toBe(false);
  });

  it('an absolute path of the root itself only protects the file it names', () => {
    const [found] = g.referencesIn('/srv/app/media/profile_pics/a.jpg', 'value');
    expect(found!.parsed.kind).toBe('invalid');
    expect(g.fallback('/srv/app/media/profile_pics/a.jpg', found!.parsed as never)).toEqual([{ publicId: 'profile_pics/a.jpg' }]);
    expect(g.fallback('/srv/app/media/../secrets', found!.parsed as never)).toEqual([]);
  });

  it('finds references inside HTML, Markdown and JSON text', () => {
    expect(ids('<p>x</p><img src="/media/forum/img one.png?v=2" alt=""><a href=\'https://example.com/media/b.pdf\'>b</a>', 'text')).toEqual(['forum/img one.png', 'forum/img', 'b.pdf']);
    expect(ids('See ![p](/media/forum/p.jpg "t") and [x](https://other.org/media/x.jpg) and </p>', 'text')).toEqual(['forum/p.jpg', 'foreign: another host (other.org)']);
    expect(ids('{"cover": "\\/media\\/c.png", "n": 1}', 'auto')).toEqual(['c.png']);
    expect(g.jsonLeaves({ avatar: 'profile_pics/a.jpg', n: 1, deep: ['/media/x.png', '../up'] })).toEqual([{ publicId: 'profile_pics/a.jpg' }, { publicId: 'x.png' }]);
  });

  it('a path outside MEDIA_URL or a URL on another host still protects its trailing parts (never required)', () => {
    const [found] = g.referencesIn('https://cdn.other.net/uploads/profile_pics/a%20b.jpg?x=1', 'value');
    expect(found!.parsed.kind).toBe('foreign');
    expect(g.fallback(found!.raw, found!.parsed as never).map((k) => k.publicId)).toEqual(['uploads/profile_pics/a b.jpg', 'profile_pics/a b.jpg', 'a b.jpg']);
    expect(g.fallback('/static/../x.css', found!.parsed as never).map((k) => k.publicId)).toEqual(['x.css']);
    expect(g.fallback('mailto:a@b.c', found!.parsed as never)).toEqual([]);
  });

  it('keeps every reading of a value that may hold spaces', () => {
    expect(ids('profile_pics/a.jpg ', 'value')).toEqual(['profile_pics/a.jpg | profile_pics/a.jpg ']);
    expect(ids('![p](/media/forum/my photo.jpg "t") and ![q](/media/forum/q%20r.png)', 'text')).toEqual(['forum/my photo.jpg', 'forum/q r.png']);
  });

  // the review's finding 1: a FileField value with spaces or brackets read in auto mode
  it.each([
    ['docs/Annual Report.pdf', ['docs/Annual Report.pdf']],
    ['docs/a(1).jpg', ['docs/a(1).jpg']],
    ['uploads/my photo.jpg', ['uploads/my photo.jpg']],
    [' uploads/my photo.jpg ', ['uploads/my photo.jpg |  uploads/my photo.jpg ']],
    ['uploads/my%20photo [draft].jpg', ['uploads/my%20photo [draft].jpg | uploads/my photo [draft].jpg']],
  ])('auto mode requires a one-line name with spaces or brackets whole: %s', (value, expected) => {
    expect(ids(value, 'auto')).toEqual(expected);
    expect(g.referencesIn(value, 'auto').every((f) => f.parsed.kind === 'asset' && !f.parsed.protectOnly)).toBe(true);
  });

  it('auto mode keeps a one-line value whole beside what it found in it (protected, not required)', () => {
    const found = g.referencesIn('/media/my photo.jpg', 'auto');
    expect(found.map((f) => [f.parsed.kind === 'asset' && f.parsed.protectOnly === true, ids(f.raw, 'value')[0]])).toEqual([
      [false, 'my'],
      [true, 'my photo.jpg'],
    ]);
    // markup is protected whole, never required whole; several lines are text only
    expect(g.referencesIn('<b>a</b>', 'auto').map((f) => f.parsed)).toEqual([{ kind: 'asset', candidates: [{ publicId: '<b>a</b>' }], protectOnly: true }]);
    expect(g.referencesIn('first line\nsecond line', 'auto')).toEqual([]);
    expect(g.referencesIn('docs/Annual Report.pdf', 'text')).toEqual([]);
  });

  // the review's finding 2
  it('reads each candidate of a srcset, without its descriptor', () => {
    expect(ids('<img srcset="/media/a.jpg 1x, /media/b.jpg 2x" src="/media/a.jpg">', 'text')).toEqual(['a.jpg', 'b.jpg', 'a.jpg']);
    expect(ids("<img data-srcset='/media/s%20m.jpg 480w,https://example.com/media/l.jpg 800w' sizes=\"(max-width: 600px) 480px, 800px\">", 'text')).toEqual(['s m.jpg', 'l.jpg']);
    expect(ids('{"html": "<img srcset=\\"\\/media\\/a.jpg 1x, \\/media\\/b.jpg 2x\\">"}', 'text')).toEqual(['a.jpg', 'b.jpg']);
    expect(g.referencesIn('<img srcset="/media/a.jpg 1x, /media/b.jpg 2x">', 'text').every((f) => f.parsed.kind === 'asset' && !f.parsed.protectOnly)).toBe(true);
  });

  it('protects each /… piece of a quoted value with spaces; the whole is required only when it is one name', () => {
    const several = g.referencesIn('<div data-images="/media/a.jpg /media/b.jpg, https://cdn.other.net/up/c.jpg">', 'text');
    expect(several.every((f) => f.parsed.kind === 'asset' && f.parsed.protectOnly)).toBe(true);
    const kept = new Set(several.flatMap((f) => (f.parsed.kind === 'asset' ? f.parsed.candidates.map((c) => c.publicId) : [])));
    for (const k of ['a.jpg', 'b.jpg', 'up/c.jpg', 'c.jpg']) expect(kept.has(k)).toBe(true);
    const one = g.referencesIn('<img src="/media/forum/img one.png">', 'text');
    expect(one.filter((f) => f.parsed.kind === 'asset' && !f.parsed.protectOnly).map((f) => f.raw)).toEqual(['/media/forum/img one.png']);
  });

  it('an absolute MEDIA_URL brings its own host', () => {
    const cdn = localGrammar({ root: '/r', mediaUrl: 'https://cdn.example.net/m/', hosts: [] });
    expect(cdn.referencesIn('https://cdn.example.net/m/a.jpg', 'value')[0]!.parsed).toEqual({ kind: 'asset', candidates: [{ publicId: 'a.jpg' }] });
  });
});
